//! Figure 6: the release-built reference service against the hand-written
//! baseline (`baseline.rs`, served by this binary's `serve-baseline` in a
//! process of its own) on the same seeded store, loaded by wrk: throughput,
//! CPU per request, and resident memory after the same runs.

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
use crate::report::Figure;
use crate::store_scaling::seeded_store;

/// One request both sides are loaded with.
struct Case {
    /// The figure's name in the report.
    name: &'static str,
    /// Path and query under `/v2`.
    query: String,
    /// The least ratio that meets the target.
    target: f64,
    /// The status both sides answer.
    status: u16,
    /// Whether the request carries the bearer token.
    token: bool,
}

/// The requests compared: three listings and two refusals.
fn cases() -> [Case; 5] {
    let listing = format!("/dispatcher_logs?charging_sub_session_id={EXAMPLE_SUB_SESSION}");
    let case = |name, query: String, target, status, token| Case {
        name,
        query,
        target,
        status,
        token,
    };
    [
        case(
            "End to end vs hand-written axum + rusqlite: plain listing (~147 logs)",
            listing.clone(),
            0.85,
            200,
            true,
        ),
        case(
            "End to end vs hand-written axum + rusqlite: expanded, time window (~50 logs)",
            format!(
                "{listing}&expand=charging_sub_session\
                 &logged_at__gte=2024-04-01T04:00:00Z&logged_at__lte=2024-04-01T07:15:00Z"
            ),
            0.85,
            200,
            true,
        ),
        case(
            "End to end vs hand-written axum + rusqlite: empty time window (0 logs)",
            format!("{listing}&logged_at__gte=2030-01-01T00:00:00Z"),
            0.85,
            200,
            true,
        ),
        case(
            "End to end vs hand-written axum + rusqlite: invalid ID → 400 problem",
            "/dispatcher_logs?charging_sub_session_id=nope".to_string(),
            0.9,
            400,
            true,
        ),
        case(
            "End to end vs hand-written axum + rusqlite: no token → 401 problem",
            listing,
            0.9,
            401,
            false,
        ),
    ]
}

/// The two servers compared, and the token both accept.
struct Sides {
    service: ServiceProcess,
    baseline: BaselineProcess,
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
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("store-e2e.sqlite");
    seeded_store(&path, 200_000).await?.close().await;
    let store = path.to_str().context("path")?.to_string();

    let sides = Sides {
        service: ServiceProcess::start(&binary, &["--rate-limit", "0", "--database", &store])?,
        baseline: BaselineProcess::start(&store)?,
        token: bench_token()?,
    };
    let cases = cases();
    check_same_answers(&sides, &cases).await?;
    let mut figures = Vec::new();
    let mut cpu = Vec::new();
    for case in &cases {
        let (figure, added) = compare(&sides, case, seconds)?;
        figures.push(figure);
        if case.status >= 400 {
            cpu.push((case.status, added));
        }
    }
    figures.push(cpu_figure(&cpu));
    // Sampled the same way for both, right after the same runs, nothing
    // trimmed in between.
    let (ours, theirs) = (sides.service.rss_kib()?, sides.baseline.rss_kib()?);
    figures.push(memory_figure(ours, theirs));
    let Sides { mut service, .. } = sides;
    service.signal("-TERM")?;
    service.wait(Duration::from_secs(10))?;
    Ok(figures)
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

/// Both sides answer every case with its status, and a listing with the
/// same JSON.
async fn check_same_answers(sides: &Sides, cases: &[Case]) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    for case in cases {
        let get = |base: &str| {
            let request = http.get(format!("{base}{}", case.query));
            match case.token {
                true => request.bearer_auth(&sides.token),
                false => request,
            }
            .send()
        };
        let (ours, theirs) = (
            get(&sides.service.base_url).await?,
            get(&sides.baseline.base_url).await?,
        );
        anyhow::ensure!(
            ours.status().as_u16() == case.status && theirs.status().as_u16() == case.status,
            "{}: {} vs {}",
            case.name,
            ours.status(),
            theirs.status()
        );
        if case.status == 200 {
            let (a, b): (serde_json::Value, serde_json::Value) =
                (ours.json().await?, theirs.json().await?);
            anyhow::ensure!(
                a == b,
                "{}: the baseline does not answer the same JSON",
                case.name
            );
        }
    }
    Ok(())
}

/// Three alternating wrk rounds per side on one case (after a warm-up
/// second each): the figure, and the CPU time per request the service
/// spends over the baseline's (µs, medians).
fn compare(sides: &Sides, case: &Case, seconds: u64) -> anyhow::Result<(Figure, f64)> {
    let service_url = format!("{}{}", sides.service.base_url, case.query);
    let baseline_url = format!("{}{}", sides.baseline.base_url, case.query);
    let token = case.token.then_some(sides.token.as_str());
    wrk_round(&service_url, token, 1)?;
    wrk_round(&baseline_url, token, 1)?;
    let (mut ours, mut theirs) = (Side::default(), Side::default());
    for _ in 0..3 {
        ours.round(
            sides.service.pid(),
            &service_url,
            case,
            &sides.token,
            seconds,
        )?;
        theirs.round(
            sides.baseline.pid(),
            &baseline_url,
            case,
            &sides.token,
            seconds,
        )?;
    }
    let ((a, p_a, cpu_a), (b, p_b, cpu_b)) = (ours.medians(), theirs.medians());
    let ratio = a / b;
    let figure = Figure {
        name: case.name,
        measured: format!(
            "{a:.0} vs {b:.0} req/s (wrk -t1 -c32, median of 3 rounds of {seconds} s); p99 {p_a:.1} vs \
             {p_b:.1} ms; CPU {cpu_a:.1} vs {cpu_b:.1} µs a request"
        ),
        ratio,
        target: if case.target >= 0.9 { "≥ 0.90" } else { "≥ 0.85" },
        met: ratio >= case.target,
    };
    Ok((figure, cpu_a - cpu_b))
}

/// The CPU time per request the service spends over the baseline on the
/// refusals (the adapter's own work: nothing else differs on them).
fn cpu_figure(added: &[(u16, f64)]) -> Figure {
    let worst = added.iter().map(|(_, us)| *us).fold(f64::MIN, f64::max);
    Figure {
        name: "End to end: CPU per request the service adds over the baseline (400 and 401 paths)",
        measured: added
            .iter()
            .map(|(status, us)| format!("{status}: {us:+.1} µs"))
            .collect::<Vec<_>>()
            .join(", ")
            + " (process user + system time over each wrk round / requests answered; medians)",
        ratio: worst,
        target: "≤ 5 µs (ratio = µs)",
        met: worst <= 5.0,
    }
}

/// Resident memory of both processes after all the runs above.
fn memory_figure(ours_kib: u64, theirs_kib: u64) -> Figure {
    let (ours, theirs) = (ours_kib as f64 / 1024.0, theirs_kib as f64 / 1024.0);
    Figure {
        name: "End to end: resident memory after the runs above, service vs baseline",
        measured: format!(
            "{ours:.1} vs {theirs:.1} MiB (VmRSS of each process, sampled right after the last round)"
        ),
        ratio: ours / theirs,
        target: "≤ 1.5× baseline + 8 MiB",
        met: ours <= 1.5 * theirs + 8.0,
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
    fn start(store: &str) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("this binary's path")?;
        let mut child = Command::new(exe)
            .args([
                "serve-baseline",
                "--database",
                store,
                "--listen",
                "127.0.0.1:0",
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
