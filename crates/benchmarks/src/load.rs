//! `perf load`: a bounded load run against the reference service on its
//! SQLite store, then a graceful shutdown under load, then a kill and a
//! restart. Stops by itself; talks only to 127.0.0.1.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use dispatcher_logs_service::auth::{mint_hs256, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_SECRET};
use dispatcher_logs_service::process::ServiceProcess;
use dispatcher_logs_service::seed::{seed, SeedOptions, DEMO_USER};
use dispatcher_logs_service::Store;

use crate::measure::{percentile, run_load_many, LoadResult};

const STORE_LOGS: u64 = 200_000;

/// Builds the reference service (release) and returns its binary.
pub fn build_release_service(root: &Path) -> anyhow::Result<std::path::PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "dispatcher-logs-service",
        ])
        .current_dir(root)
        .status()?;
    ensure!(status.success(), "cannot build the service");
    Ok(root.join("target/release/dispatcher-logs-service"))
}

/// `perf load`: the three checks in turn, the report written to
/// docs/load.md, and an error if any check failed.
pub async fn run(root: &Path, duration: Duration, connections: usize) -> anyhow::Result<()> {
    let binary = build_release_service(root)?;
    let dir = root.join("target/load");
    std::fs::create_dir_all(&dir)?;
    let store_path = dir.join("store.sqlite");
    let (subs, logs_before) = prepare_store(&store_path).await?;
    let store = store_path.to_str().context("the store path is not UTF-8")?;
    let token = mint_hs256(
        DEV_SECRET,
        DEFAULT_ISSUER,
        DEFAULT_AUDIENCE,
        "load",
        Some(DEMO_USER),
        &["debug:read".into()],
        3600,
    )?;
    let auth = format!("Bearer {token}");

    // 1. Steady load.
    let mut service = ServiceProcess::start(&binary, &["--rate-limit", "0", "--database", store])?;
    let urls = listing_urls(&subs, &service.base_url);
    let steady = steady_load(&service, &urls, &auth, connections, duration).await?;

    // 2. Graceful shutdown under load: SIGTERM halfway through a short run.
    let shutdown = graceful_shutdown_under_load(&mut service, &urls, &auth, connections).await?;

    // 3. Kill -9 under load, restart, compare.
    let (before, after) =
        kill_and_restart_under_load(&binary, store, &urls, &service.base_url, &auth, connections)
            .await?;
    let store = Store::open(store_path.to_str().context("path")?).await?;
    let logs_after = store.count_logs().await?;
    store.close().await;
    let intact = matches!((&before, &after), (Ok(b), Ok(a)) if a == b) && logs_before == logs_after;

    let outcome = Outcome {
        connections,
        sub_sessions: subs.len(),
        steady,
        shutdown,
        logs_before,
        logs_after,
        intact,
    };
    let report = outcome.report();
    std::fs::create_dir_all(root.join("docs"))?;
    std::fs::write(root.join("docs/load.md"), &report)?;
    print!("{report}");
    outcome.check()
}

/// One listing URL per sub-session on the service at `base_url`, every
/// other one expanded.
fn listing_urls(subs: &[String], base_url: &str) -> Vec<String> {
    subs.iter()
        .enumerate()
        .map(|(i, s)| {
            let expand = if i % 2 == 0 {
                "&expand=charging_sub_session"
            } else {
                ""
            };
            format!("{base_url}/dispatcher_logs?charging_sub_session_id={s}{expand}")
        })
        .collect()
}

/// What the steady load saw, and the service's memory around it.
struct Steady {
    result: LoadResult,
    /// Resident memory after the warm-up and at the end, KiB.
    rss_warm: u64,
    rss_end: u64,
}

impl Steady {
    /// How much resident memory grew over the run (0.1 = 10 %).
    fn growth(&self) -> f64 {
        self.rss_end as f64 / self.rss_warm as f64 - 1.0
    }
}

/// A warm-up, then `duration` of load on `urls` over `connections`.
async fn steady_load(
    service: &ServiceProcess,
    urls: &[String],
    auth: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Steady> {
    let headers = [("authorization", auth)];
    let warm_up = (duration / 6).clamp(Duration::from_secs(2), Duration::from_secs(10));
    eprintln!("warming up for {warm_up:?} with {connections} connections…");
    run_load_many(urls, &headers, connections, warm_up).await?;
    let rss_warm = service.rss_kib()?;
    eprintln!("loading for {duration:?}…");
    let result = run_load_many(urls, &headers, connections, duration).await?;
    let rss_end = service.rss_kib()?;
    Ok(Steady {
        result,
        rss_warm,
        rss_end,
    })
}

/// Starts a second service on `store`, kills it (-9) halfway through 3 s
/// of load, restarts it, and returns every URL's answer before and after.
/// `urls` name the first service, at `base_url`.
async fn kill_and_restart_under_load(
    binary: &Path,
    store: &str,
    urls: &[String],
    base_url: &str,
    auth: &str,
    connections: usize,
) -> anyhow::Result<(anyhow::Result<Vec<Vec<u8>>>, anyhow::Result<Vec<Vec<u8>>>)> {
    let mut killed = ServiceProcess::start(binary, &["--rate-limit", "0", "--database", store])?;
    let killer_urls: Vec<String> = urls
        .iter()
        .map(|u| u.replace(base_url, &killed.base_url))
        .collect();
    let before = snapshot(&killer_urls, auth).await;
    let load = tokio::spawn({
        let auth = auth.to_string();
        async move {
            run_load_many(
                &killer_urls,
                &[("authorization", auth.as_str())],
                connections,
                Duration::from_secs(3),
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    killed.signal("-KILL")?;
    killed.wait(Duration::from_secs(5))?;
    let _ = load.await;
    let mut restarted = ServiceProcess::start(binary, &["--rate-limit", "0", "--database", store])?;
    let restarted_urls: Vec<String> = urls
        .iter()
        .map(|u| u.replace(base_url, &restarted.base_url))
        .collect();
    let after = snapshot(&restarted_urls, auth).await;
    restarted.signal("-TERM")?;
    restarted.wait(Duration::from_secs(10))?;
    Ok((before, after))
}

/// What the three checks saw.
struct Outcome {
    connections: usize,
    sub_sessions: usize,
    steady: Steady,
    shutdown: Shutdown,
    logs_before: i64,
    logs_after: i64,
    /// Every answer and the log count the same across the kill.
    intact: bool,
}

impl Outcome {
    /// docs/load.md.
    fn report(&self) -> String {
        let Self {
            connections,
            sub_sessions,
            steady,
            shutdown,
            logs_before,
            logs_after,
            intact,
        } = self;
        let result = &steady.result;
        let growth = steady.growth();
        format!(
            "# Load run\n\nWritten by `cargo xtask load` (release build, SQLite store of {STORE_LOGS} logs, rate limit off, \
             {connections} connections, {} sub-sessions, half of the requests expanded).\n\n\
             | Check | Measured | Bar | Met |\n|---|---|---|---|\n\
             | valid requests answered non-2xx or not at all | {} non-2xx, {} errors of {} answers ({:.0} req/s, p99 {:.1} ms) | 0 | {} |\n\
             | resident memory, end vs after warm-up | {} KiB vs {} KiB ({:+.1}%) | within 10% | {} |\n\
             | graceful shutdown under load | {} | requests sent before SIGTERM all answered 200; exit 0 | {} |\n\
             | kill -9 under load, restart | {} logs before, {} after; answers {} | nothing lost | {} |\n",
            sub_sessions,
            result.non_2xx,
            result.errors,
            result.answers,
            result.rps(),
            percentile(&result.latencies, 0.99).as_secs_f64() * 1e3,
            yes(result.non_2xx == 0 && result.errors == 0),
            steady.rss_end,
            steady.rss_warm,
            growth * 100.0,
            yes(growth <= 0.10),
            shutdown.summary,
            yes(shutdown.ok),
            logs_before,
            logs_after,
            if *intact { "identical" } else { "differ" },
            yes(*intact),
        )
    }

    /// An error naming the first check that failed.
    fn check(&self) -> anyhow::Result<()> {
        let result = &self.steady.result;
        let growth = self.steady.growth();
        ensure!(
            result.non_2xx == 0 && result.errors == 0,
            "valid requests failed under load"
        );
        ensure!(
            growth <= 0.10,
            "resident memory grew {:.1}% under load",
            growth * 100.0
        );
        ensure!(
            self.shutdown.ok,
            "graceful shutdown under load failed: {}",
            self.shutdown.summary
        );
        ensure!(
            self.intact,
            "the store changed across a kill -9 and restart"
        );
        Ok(())
    }
}

fn yes(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

async fn prepare_store(path: &Path) -> anyhow::Result<(Vec<String>, i64)> {
    let location = path.to_str().context("path")?;
    let store = Store::open(location).await?;
    if store.count_logs().await? != STORE_LOGS as i64 {
        store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let store = Store::open(location).await?;
        let options = SeedOptions {
            logs: STORE_LOGS,
            users: 3,
            seed: 42,
            public_base_url: "https://api.ev.energy/v2".into(),
            progress: true,
        };
        seed(&store, &options).await?;
        store.close().await;
    } else {
        store.close().await;
    }
    let store = Store::open(location).await?;
    let subs = store.sub_sessions_of(DEMO_USER, 64).await?;
    let count = store.count_logs().await?;
    store.close().await;
    Ok((subs, count))
}

/// Every URL's answer, as bytes.
async fn snapshot(urls: &[String], auth: &str) -> anyhow::Result<Vec<Vec<u8>>> {
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for url in urls {
        let response = client.get(url).header("authorization", auth).send().await?;
        ensure!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        out.push(response.bytes().await?.to_vec());
    }
    Ok(out)
}

struct Shutdown {
    ok: bool,
    summary: String,
}

async fn graceful_shutdown_under_load(
    service: &mut ServiceProcess,
    urls: &[String],
    auth: &str,
    connections: usize,
) -> anyhow::Result<Shutdown> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let started = Instant::now();
    let stop_after = Duration::from_secs(2);
    let mut tasks = Vec::new();
    for task in 0..connections {
        let client = client.clone();
        let urls = urls.to_vec();
        let auth = auth.to_string();
        tasks.push(tokio::spawn(async move {
            // (sent at, answered 2xx)
            let mut outcomes = Vec::new();
            let mut next = task;
            while started.elapsed() < Duration::from_secs(4) {
                let sent = started.elapsed();
                let ok = match client
                    .get(&urls[next % urls.len()])
                    .header("authorization", &auth)
                    .send()
                    .await
                {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                next += 1;
                outcomes.push((sent, ok));
                if !ok {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            outcomes
        }));
    }
    tokio::time::sleep(stop_after).await;
    let signalled = started.elapsed();
    service.signal("-TERM")?;
    let status = service.wait(Duration::from_secs(15));
    let mut before = (0u64, 0u64);
    let mut after_failed = 0u64;
    for task in tasks {
        for (sent, ok) in task.await? {
            // Requests sent clearly before the signal must all have been answered.
            if sent + Duration::from_millis(50) < signalled {
                before.0 += 1;
                before.1 += u64::from(!ok);
            } else if !ok {
                after_failed += 1;
            }
        }
    }
    let exited = status.as_ref().map(|s| s.success()).unwrap_or(false);
    Ok(Shutdown {
        ok: before.1 == 0 && exited,
        summary: format!(
            "{} requests sent before SIGTERM, {} failed; {} later requests refused; {}",
            before.0,
            before.1,
            after_failed,
            match &status {
                Ok(s) => s.to_string(),
                Err(e) => e.to_string(),
            }
        ),
    })
}
