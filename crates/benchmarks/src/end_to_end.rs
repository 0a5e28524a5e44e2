//! Figure 6: the release-built reference service against the two
//! hand-written baselines — `feature_equal.rs` (the service's features from
//! the ecosystem's usual parts) and `baseline.rs` (the work alone) — each
//! served by this binary's `serve-baseline` in a process of its own, on the
//! same seeded store, loaded by wrk: throughput, CPU per request, and
//! resident memory after the same runs.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use dispatcher_logs_service::auth::{self, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_SECRET};
use dispatcher_logs_service::process::ServiceProcess;
use dispatcher_logs_service::seed::{DEMO_USER, EXAMPLE_SUB_SESSION};

use crate::load;
use crate::measure::{median_f64, wrk_round};
use crate::report::{Figure, SHOWN};
use crate::store_scaling::seeded_store;
use crate::BaselineKind;
use clap::ValueEnum;

/// One request every side is loaded with.
struct Case {
    /// The path's name in the report.
    name: &'static str,
    /// Path and query under `/v2`.
    query: String,
    /// The least ratio to the bare baseline that meets its target, if it
    /// has one (the ratio to the feature-equal one must reach 1.0).
    bare_target: Option<f64>,
    /// The status every side answers.
    status: u16,
    /// Whether the request carries the bearer token.
    token: bool,
}

/// The requests compared: three listings and two refusals.
fn cases() -> [Case; 5] {
    let listing = format!("/dispatcher_logs?charging_sub_session_id={EXAMPLE_SUB_SESSION}");
    let case = |name, query: String, bare_target, status, token| Case {
        name,
        query,
        bare_target,
        status,
        token,
    };
    [
        case(
            "plain listing (~147 logs)",
            listing.clone(),
            Some(0.95),
            200,
            true,
        ),
        case(
            "expanded, time window (~50 logs)",
            format!(
                "{listing}&expand=charging_sub_session\
                 &logged_at__gte=2024-04-01T04:00:00Z&logged_at__lte=2024-04-01T07:15:00Z"
            ),
            None,
            200,
            true,
        ),
        case(
            "empty time window (0 logs)",
            format!("{listing}&logged_at__gte=2030-01-01T00:00:00Z"),
            None,
            200,
            true,
        ),
        case(
            "invalid ID → 400 problem",
            "/dispatcher_logs?charging_sub_session_id=nope".to_string(),
            None,
            400,
            true,
        ),
        case("no token → 401 problem", listing, None, 401, false),
    ]
}

/// The three servers compared, and the token all accept.
struct Sides {
    service: ServiceProcess,
    featured: BaselineProcess,
    bare: BaselineProcess,
    token: String,
}

/// What one side did over a case's rounds.
#[derive(Default)]
struct Side {
    rps: Vec<f64>,
    p99: Vec<f64>,
    /// CPU time (user + system) per answered request, µs.
    cpu_us: Vec<f64>,
}

impl Side {
    /// One wrk round on `url`, with the process's CPU time around it.
    fn round(
        &mut self,
        pid: u32,
        url: &str,
        case: &Case,
        token: &str,
        seconds: u64,
    ) -> anyhow::Result<()> {
        let before = cpu_seconds(pid)?;
        let round = wrk_round(url, case.token.then_some(token), seconds)?;
        let after = cpu_seconds(pid)?;
        anyhow::ensure!(
            case.status != 200 || round.non_2xx == 0,
            "{}: {url} answered {} non-2xx",
            case.name,
            round.non_2xx
        );
        self.rps.push(round.rps);
        self.p99.push(round.p99_ms);
        self.cpu_us
            .push((after - before) * 1e6 / (round.requests.max(1) as f64));
        Ok(())
    }

    /// Median req/s, p99 (ms) and CPU a request (µs).
    fn medians(&mut self) -> (f64, f64, f64) {
        (
            median_f64(&mut self.rps),
            median_f64(&mut self.p99),
            median_f64(&mut self.cpu_us),
        )
    }
}

pub async fn end_to_end(root: &Path, seconds: u64) -> anyhow::Result<Vec<Figure>> {
    let binary = load::build_release_service(root)?;
    let store = e2e_store(root).await?;
    let store = store.to_str().context("path")?.to_string();

    let sides = Sides {
        service: ServiceProcess::start(&binary, &["--rate-limit", "0", "--database", &store])?,
        featured: BaselineProcess::start(&store, BaselineKind::FeatureEqual)?,
        bare: BaselineProcess::start(&store, BaselineKind::Bare)?,
        token: bench_token()?,
    };
    let cases = cases();
    check_same_answers(&sides, &cases).await?;
    check_rate_limited(&binary, &store).await?;
    let mut figures = Vec::new();
    let mut cpu = Vec::new();
    for case in &cases {
        let (compared, cpu_us) = compare(&sides, case, seconds)?;
        figures.extend(compared);
        cpu.push((case.name, cpu_us));
    }
    figures.push(cpu_figure(&cpu));
    // Sampled the same way for all, right after the same runs, nothing
    // trimmed in between.
    let (ours, featured, bare) = (
        sides.service.rss_kib()?,
        sides.featured.rss_kib()?,
        sides.bare.rss_kib()?,
    );
    figures.push(memory_figure(ours, featured, bare));
    let Sides { mut service, .. } = sides;
    service.signal("-TERM")?;
    service.wait(Duration::from_secs(10))?;
    Ok(figures)
}

/// The SQLite store of the end-to-end figures and the instruction counts
/// (200 000 logs, seeded once into target/bench/).
pub(crate) async fn e2e_store(root: &Path) -> anyhow::Result<std::path::PathBuf> {
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("store-e2e.sqlite");
    seeded_store(&path, 200_000).await?.close().await;
    Ok(path)
}

/// The token both sides accept: the demo user's, with `debug:read` (also
/// `perf calls`').
pub(crate) fn bench_token() -> anyhow::Result<String> {
    Ok(auth::mint_hs256(
        DEV_SECRET,
        DEFAULT_ISSUER,
        DEFAULT_AUDIENCE,
        "bench",
        Some(DEMO_USER),
        &["debug:read".to_string()],
        3600,
    )?)
}

/// A request the answers are compared on before anything is measured.
struct Probe {
    name: String,
    query: String,
    status: u16,
    /// The bearer token sent, if any.
    token: Option<String>,
    /// The `Accept` header sent, if any.
    accept: Option<&'static str>,
    /// Whether the bare baseline is asked too (it has none of the
    /// features: it answers the measured cases only).
    bare: bool,
}

/// The measured cases, and the refusals the service makes by feature
/// (negotiation, the token policy, scopes), which the feature-equal
/// baseline must make alike although they are not measured.
fn probes(sides: &Sides, cases: &[Case]) -> anyhow::Result<Vec<Probe>> {
    let mut probes: Vec<Probe> = cases
        .iter()
        .map(|case| Probe {
            name: case.name.to_string(),
            query: case.query.clone(),
            status: case.status,
            token: case.token.then(|| sides.token.clone()),
            accept: None,
            bare: true,
        })
        .collect();
    let listing = &cases[0].query;
    let minted = |scopes: &[&str], ttl| {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        auth::mint_hs256(
            DEV_SECRET,
            DEFAULT_ISSUER,
            DEFAULT_AUDIENCE,
            "bench",
            Some(DEMO_USER),
            &scopes,
            ttl,
        )
    };
    let refused = |name: &str, status, token: Option<String>, accept| Probe {
        name: name.to_string(),
        query: listing.clone(),
        status,
        token,
        accept,
        bare: false,
    };
    probes.extend([
        refused(
            "406, HTML only",
            406,
            Some(sides.token.clone()),
            Some("text/html"),
        ),
        refused(
            "200, JSON by wildcard",
            200,
            Some(sides.token.clone()),
            Some("text/html, application/*;q=0.5"),
        ),
        refused(
            "406, JSON refused by q=0",
            406,
            Some(sides.token.clone()),
            Some("application/json;q=0, */*"),
        ),
        refused(
            "401, expired token",
            401,
            Some(minted(&["debug:read"], -3600)?),
            None,
        ),
        refused(
            "401, token living a week",
            401,
            Some(minted(&["debug:read"], 7 * 24 * 3600)?),
            None,
        ),
        refused(
            "401, malformed token",
            401,
            Some("not.a.token".to_string()),
            None,
        ),
        refused(
            "403, token without the scope",
            403,
            Some(minted(&[], 3600)?),
            None,
        ),
    ]);
    Ok(probes)
}

/// Every side answers every probe with its status; the listings with the
/// same JSON; the feature-equal baseline with the service's headers and
/// body, but for the request ID (and `Date`), which each writes into
/// `X-Request-Id` and the problem's `instance` alike.
async fn check_same_answers(sides: &Sides, cases: &[Case]) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    for probe in probes(sides, cases)? {
        let get = |base: &str| {
            let mut request = http.get(format!("{base}{}", probe.query));
            if let Some(token) = &probe.token {
                request = request.bearer_auth(token);
            }
            if let Some(accept) = probe.accept {
                request = request.header("accept", accept);
            }
            request.send()
        };
        let bases: &[&str] = if probe.bare {
            &[
                &sides.service.base_url,
                &sides.featured.base_url,
                &sides.bare.base_url,
            ]
        } else {
            &[&sides.service.base_url, &sides.featured.base_url]
        };
        let mut answers = Vec::new();
        for base in bases {
            let response = get(base).await?;
            let status = response.status().as_u16();
            anyhow::ensure!(
                status == probe.status,
                "{}: {base} answered {status}, not {}",
                probe.name,
                probe.status
            );
            let headers = response.headers().clone();
            let body: serde_json::Value = response.json().await?;
            answers.push((headers, body));
        }
        let ours = answers.remove(0);
        let featured = answers.remove(0);
        if let Some((_, bare)) = answers.first() {
            anyhow::ensure!(
                probe.status != 200 || ours.1 == *bare,
                "{}: the bare baseline does not answer the same JSON",
                probe.name
            );
        }
        same_answer(&probe.name, ours, featured)?;
    }
    Ok(())
}

/// The feature-equal baseline's answer is the service's: status, headers
/// and body, but for what each writes of its own — the request ID (in
/// `X-Request-Id` and the problem's `instance`, checked to agree), `Date`,
/// and `Retry-After` (in the header and the detail, checked to agree and
/// to be within a second of each other: each counts from its own clock).
fn same_answer(
    name: &str,
    ours: (reqwest::header::HeaderMap, serde_json::Value),
    featured: (reqwest::header::HeaderMap, serde_json::Value),
) -> anyhow::Result<()> {
    let mut retry_after = Vec::new();
    let mut sides = Vec::new();
    for (headers, mut body) in [ours, featured] {
        let id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .context("no X-Request-Id")?;
        if let Some(instance) = body.get_mut("instance") {
            anyhow::ensure!(
                *instance == format!("urn:request:{id}"),
                "{name}: instance {instance} is not the request ID {id}"
            );
            *instance = serde_json::Value::Null;
        }
        if let Some(seconds) = headers.get("retry-after") {
            let seconds = seconds.to_str()?.to_string();
            if let Some(detail) = body.get_mut("detail") {
                let text = detail.as_str().unwrap_or_default();
                anyhow::ensure!(
                    text.contains(&format!(" {seconds} ")),
                    "{name}: the detail {text:?} does not name Retry-After's {seconds} seconds"
                );
                *detail = text.replace(&seconds, "{retry_after}").into();
            }
            retry_after.push(seconds.parse::<u64>()?);
        }
        let mut fixed: Vec<(String, String)> = headers
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "x-request-id" | "date" | "retry-after"))
            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
            .collect();
        fixed.sort();
        sides.push((fixed, body, headers.contains_key("retry-after")));
    }
    let (featured_h, featured, featured_retry) = sides.pop().context("two sides")?;
    let (ours_h, ours, ours_retry) = sides.pop().context("two sides")?;
    anyhow::ensure!(
        ours == featured,
        "{name}: the feature-equal baseline answers {featured}, the service {ours}"
    );
    anyhow::ensure!(
        ours_h == featured_h && ours_retry == featured_retry,
        "{name}: the feature-equal baseline answers the headers {featured_h:?}, the service {ours_h:?}"
    );
    if let [a, b] = retry_after[..] {
        anyhow::ensure!(
            a.abs_diff(b) <= 1,
            "{name}: Retry-After {a} (service) against {b} (feature-equal)"
        );
    }
    Ok(())
}

/// The rate limiter's answers, compared on a second pair of servers that
/// allow 2 requests an hour (the measured pair runs without a limit): the
/// same token three times, 200, 200, then the 429 with `Retry-After`.
async fn check_rate_limited(binary: &Path, store: &str) -> anyhow::Result<()> {
    // A caller of its own each run: the service keeps callers' budgets in
    // its store across restarts, so an earlier run's caller has none left.
    let caller = format!(
        "bench-rate-limit-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos()
    );
    let token = auth::mint_hs256(
        DEV_SECRET,
        DEFAULT_ISSUER,
        DEFAULT_AUDIENCE,
        &caller,
        Some(DEMO_USER),
        &["debug:read".to_string()],
        3600,
    )?;
    let token = token.as_str();
    let mut service = ServiceProcess::start(binary, &["--rate-limit", "2", "--database", store])?;
    let featured = BaselineProcess::start_limited(store, BaselineKind::FeatureEqual, 2)?;
    let query = format!("/dispatcher_logs?charging_sub_session_id={EXAMPLE_SUB_SESSION}");
    let http = reqwest::Client::new();
    let checked = async {
        for (n, status) in [200, 200, 429].into_iter().enumerate() {
            let mut answers = Vec::new();
            for base in [&service.base_url, &featured.base_url] {
                let response = http
                    .get(format!("{base}{query}"))
                    .bearer_auth(token)
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status().as_u16() == status,
                    "rate limited at 2 an hour, request {}: {base} answered {}, not {status}",
                    n + 1,
                    response.status()
                );
                let headers = response.headers().clone();
                answers.push((headers, response.json::<serde_json::Value>().await?));
            }
            let featured = answers.remove(1);
            let name = format!("rate limited at 2 an hour, request {}", n + 1);
            same_answer(&name, answers.remove(0), featured)?;
        }
        Ok(())
    }
    .await;
    service.signal("-TERM")?;
    service.wait(Duration::from_secs(10))?;
    checked
}

/// Three alternating wrk rounds per side on one case (after a warm-up
/// second each): the figures against each baseline, and the CPU time a
/// request of the three sides (µs, medians).
fn compare(sides: &Sides, case: &Case, seconds: u64) -> anyhow::Result<(Vec<Figure>, [f64; 3])> {
    let urls = [
        (
            sides.service.pid(),
            format!("{}{}", sides.service.base_url, case.query),
        ),
        (
            sides.featured.pid(),
            format!("{}{}", sides.featured.base_url, case.query),
        ),
        (
            sides.bare.pid(),
            format!("{}{}", sides.bare.base_url, case.query),
        ),
    ];
    let token = case.token.then_some(sides.token.as_str());
    for (_, url) in &urls {
        wrk_round(url, token, 1)?;
    }
    let mut measured: [Side; 3] = Default::default();
    for _ in 0..3 {
        for ((pid, url), side) in urls.iter().zip(&mut measured) {
            side.round(*pid, url, case, &sides.token, seconds)?;
        }
    }
    let [(ours, p_ours, cpu_ours), (featured, p_featured, cpu_featured), (bare, p_bare, cpu_bare)] =
        measured.each_mut().map(Side::medians);
    let how = format!("wrk -t1 -c32, median of 3 rounds of {seconds} s");
    let against_featured = ours / featured;
    let against_bare = ours / bare;
    let figures = vec![
        Figure {
            name: format!(
                "End to end vs feature-equal hand-written axum: {}",
                case.name
            ),
            measured: format!(
                "{ours:.0} vs {featured:.0} req/s ({how}); p99 {p_ours:.1} vs {p_featured:.1} ms; \
                 CPU {cpu_ours:.1} vs {cpu_featured:.1} µs a request"
            ),
            ratio: against_featured,
            target: "≥ 1.00",
            met: against_featured >= 1.0,
        },
        Figure {
            name: format!("End to end vs bare hand-written axum: {}", case.name),
            measured: format!(
                "{ours:.0} vs {bare:.0} req/s; p99 {p_ours:.1} vs {p_bare:.1} ms; \
                 CPU {cpu_ours:.1} vs {cpu_bare:.1} µs a request"
            ),
            ratio: against_bare,
            target: match case.bare_target {
                Some(_) => "≥ 0.95",
                None => SHOWN,
            },
            met: case.bare_target.is_none_or(|t| against_bare >= t),
        },
    ];
    Ok((figures, [cpu_ours, cpu_featured, cpu_bare]))
}

/// CPU time a request of the three sides on every path (shown: on this
/// machine it moves with the noise; the instruction counts are the steady
/// figure).
fn cpu_figure(cpu: &[(&str, [f64; 3])]) -> Figure {
    let ratio = cpu
        .iter()
        .map(|(_, [ours, featured, _])| featured / ours)
        .fold(f64::MAX, f64::min);
    Figure {
        name: "End to end: CPU a request, service / feature-equal / bare".into(),
        measured: cpu
            .iter()
            .map(|(name, [a, b, c])| format!("{name}: {a:.1} / {b:.1} / {c:.1} µs"))
            .collect::<Vec<_>>()
            .join("; ")
            + " (process user + system time over each wrk round / requests answered; medians; \
               ratio: the least of feature-equal / service)",
        ratio,
        target: SHOWN,
        met: true,
    }
}

/// Resident memory of the three processes after all the runs above.
fn memory_figure(ours_kib: u64, featured_kib: u64, bare_kib: u64) -> Figure {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let (ours, featured, bare) = (mib(ours_kib), mib(featured_kib), mib(bare_kib));
    Figure {
        name: "End to end: resident memory after the runs above, service vs feature-equal".into(),
        measured: format!(
            "{ours:.1} vs {featured:.1} MiB (bare: {bare:.1} MiB; VmRSS of each process, \
             sampled right after the last round)"
        ),
        ratio: ours / featured,
        target: "≤ feature-equal + 8 MiB",
        met: ours <= featured + 8.0,
    }
}

/// The baseline served by this binary's `serve-baseline` in a process of
/// its own, so that its CPU time and memory are measured like the
/// service's.
struct BaselineProcess {
    child: Child,
    base_url: String,
}

impl BaselineProcess {
    fn start(store: &str, kind: BaselineKind) -> anyhow::Result<Self> {
        Self::start_limited(store, kind, 0)
    }

    /// With `rate_limit` requests an hour per caller (0: off).
    fn start_limited(store: &str, kind: BaselineKind, rate_limit: u64) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("this binary's path")?;
        let kind = kind
            .to_possible_value()
            .context("a baseline's name")?
            .get_name()
            .to_string();
        let mut child = Command::new(exe)
            .args([
                "serve-baseline",
                "--kind",
                &kind,
                "--database",
                store,
                "--listen",
                "127.0.0.1:0",
                "--rate-limit",
                &rate_limit.to_string(),
            ])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .context("cannot start the baseline")?;
        let stdout = child.stdout.take().context("no stdout from the baseline")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(base_url) = line.trim().strip_prefix("baseline listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!("the baseline did not start (it printed {line:?})");
        };
        Ok(Self {
            base_url: base_url.to_string(),
            child,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn rss_kib(&self) -> anyhow::Result<u64> {
        rss_kib(self.pid())
    }
}

impl Drop for BaselineProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of process `pid` in KiB (`VmRSS`, Linux).
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .context("no VmRSS")?
        .parse()
        .context("VmRSS")
}

/// User + system CPU time of process `pid` so far, in seconds (Linux).
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start at state.
    let rest = stat.rsplit_once(')').context("/proc/pid/stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after `)`.
    let ticks: f64 = fields
        .get(11..13)
        .context("/proc/pid/stat fields")?
        .iter()
        .map(|f| f.parse::<f64>().unwrap_or(0.0))
        .sum();
    Ok(ticks / clock_ticks())
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux when that fails).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}
