//! Measuring helpers: serving a router, an HTTP load loop, wrk rounds,
//! medians and percentiles.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;

use ev_energy_server::axum::{self, Router};

/// Serves `router` on 127.0.0.1 (a free port) in the background.
pub async fn serve(router: Router) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(addr)
}

/// What a load run saw.
#[derive(Clone, Debug, Default)]
pub struct LoadResult {
    /// Answers received (any status).
    pub answers: u64,
    /// Answers with a status other than 2xx.
    pub non_2xx: u64,
    /// Requests that got no answer (connection errors, timeouts).
    pub errors: u64,
    /// How long the run lasted.
    pub elapsed: Duration,
    /// Latency of every answer.
    pub latencies: Vec<Duration>,
}

impl LoadResult {
    /// Answers per second.
    pub fn rps(&self) -> f64 {
        self.answers as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// `connections` tasks send GETs to `urls` (in turn) back to back for `duration`.
pub async fn run_load_many(
    urls: &[String],
    headers: &[(&str, &str)],
    connections: usize,
    duration: Duration,
) -> anyhow::Result<LoadResult> {
    let mut default_headers = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        default_headers.insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes())?,
            value.parse()?,
        );
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .default_headers(default_headers)
        .timeout(Duration::from_secs(10))
        .build()?;
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for task in 0..connections {
        let client = client.clone();
        let urls = urls.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut result = LoadResult::default();
            let mut next = task;
            while Instant::now() < deadline {
                let sent = Instant::now();
                let url = &urls[next % urls.len()];
                next += 1;
                match client.get(url).send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        let body = response.bytes().await;
                        if body.is_err() {
                            result.errors += 1;
                            continue;
                        }
                        result.answers += 1;
                        result.non_2xx += u64::from(!ok);
                        result.latencies.push(sent.elapsed());
                    }
                    Err(_) => result.errors += 1,
                }
            }
            result
        }));
    }
    let mut total = LoadResult::default();
    for task in tasks {
        let part = task.await?;
        total.answers += part.answers;
        total.non_2xx += part.non_2xx;
        total.errors += part.errors;
        total.latencies.extend(part.latencies);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

/// Two sides of a comparison, measured alternately.
#[derive(Debug)]
pub struct Alternate<T> {
    /// The first side's measurements.
    pub a: Vec<T>,
    /// The second side's measurements.
    pub b: Vec<T>,
}

impl<T> Default for Alternate<T> {
    fn default() -> Self {
        Self {
            a: Vec::new(),
            b: Vec::new(),
        }
    }
}

/// The median of `values` (zero when empty).
pub fn median(values: &[Duration]) -> Duration {
    percentile(values, 0.5)
}

/// The `p` quantile (0..=1) of `values` (zero when empty).
pub fn percentile(values: &[Duration], p: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = values.to_vec();
    sorted.sort();
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// One wrk round: requests per second and non-2xx answers.
pub fn wrk(url: &str, token: &str, seconds: u64) -> anyhow::Result<(f64, u64, f64)> {
    let round = wrk_round(url, Some(token), seconds)?;
    Ok((round.rps, round.non_2xx, round.p99_ms))
}

/// What one wrk round measured.
pub struct WrkRound {
    /// Requests per second.
    pub rps: f64,
    /// Answers other than 2xx or 3xx.
    pub non_2xx: u64,
    /// The 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Requests answered.
    pub requests: u64,
}

/// One wrk round (`wrk -t1 -c32`) on `url`, with the bearer `token` if any.
pub fn wrk_round(url: &str, token: Option<&str>, seconds: u64) -> anyhow::Result<WrkRound> {
    let mut command = std::process::Command::new("wrk");
    command
        .args(["-t1", "-c32", "--latency", "-d"])
        .arg(format!("{seconds}s"));
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    let output = command
        .arg(url)
        .output()
        .context("cannot run wrk: install it (Debian's package `wrk`)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_string()))
    };
    let rps = field("Requests/sec:")
        .and_then(|v| v.parse::<f64>().ok())
        .with_context(|| format!("wrk printed no Requests/sec:\n{text}"))?;
    let non_2xx = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // "  123456 requests in 4.00s, 12.34MB read"
    let requests = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .with_context(|| format!("wrk printed no request count:\n{text}"))?;
    // "99%   12.34ms"
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| v.trim().to_string())
        .map(|v| {
            let (number, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
            let n: f64 = number.parse().unwrap_or(0.0);
            match unit {
                "us" => n / 1000.0,
                "s" => n * 1000.0,
                _ => n,
            }
        })
        .unwrap_or(0.0);
    Ok(WrkRound {
        rps,
        non_2xx,
        p99_ms: p99,
        requests,
    })
}

/// The median of `values` (sorted in place).
pub fn median_f64(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}
