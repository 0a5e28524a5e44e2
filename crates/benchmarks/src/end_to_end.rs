//! Figure 6: the release-built reference service against the hand-written
//! baseline (`baseline.rs`) on the same seeded store, loaded by wrk.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use dispatcher_logs_service::auth::{self, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_SECRET};
use dispatcher_logs_service::process::ServiceProcess;
use dispatcher_logs_service::seed::{DEMO_USER, EXAMPLE_SUB_SESSION};

use crate::measure::{median_f64, serve, wrk};
use crate::report::Figure;
use crate::store_scaling::seeded_store;
use crate::{baseline, load};

/// One request both sides are loaded with.
struct Case {
    name: &'static str,
    /// Path and query under `/v2`.
    query: String,
    /// The least ratio that meets the target.
    target: f64,
    /// The status both sides answer.
    status: u16,
}

/// The requests compared: two listings and a 400.
fn cases() -> [Case; 3] {
    let case = |name, query: String, target, status| Case {
        name,
        query,
        target,
        status,
    };
    [
        case(
            "plain listing (~147 logs)",
            format!("/dispatcher_logs?charging_sub_session_id={EXAMPLE_SUB_SESSION}"),
            0.8,
            200,
        ),
        case(
            "expanded, with a time window (~50 logs)",
            format!(
                "/dispatcher_logs?charging_sub_session_id={EXAMPLE_SUB_SESSION}&expand=charging_sub_session\
                 &logged_at__gte=2024-04-01T04:00:00Z&logged_at__lte=2024-04-01T07:15:00Z"
            ),
            0.8,
            200,
        ),
        case(
            "invalid ID → 400 problem",
            "/dispatcher_logs?charging_sub_session_id=nope".to_string(),
            0.9,
            400,
        ),
    ]
}

/// The two servers compared, and the token both accept.
struct Sides {
    /// The service's base URL (`…/v2`).
    service: String,
    /// The baseline's base URL (`…/v2`).
    baseline: String,
    token: String,
}

pub async fn end_to_end(root: &Path, seconds: u64) -> anyhow::Result<Vec<Figure>> {
    let binary = load::build_release_service(root)?;
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("store-e2e.sqlite");
    seeded_store(&path, 200_000).await?.close().await;
    let store = path.to_str().context("path")?.to_string();

    let mut service = ServiceProcess::start(&binary, &["--rate-limit", "0", "--database", &store])?;
    let baseline = baseline::Baseline::new(&store, DEV_SECRET, DEFAULT_ISSUER, DEFAULT_AUDIENCE);
    let addr = serve(baseline.router()).await?;
    let sides = Sides {
        service: service.base_url.clone(),
        baseline: format!("http://{addr}/v2"),
        token: auth::mint_hs256(
            DEV_SECRET,
            DEFAULT_ISSUER,
            DEFAULT_AUDIENCE,
            "bench",
            Some(DEMO_USER),
            &["debug:read".to_string()],
            3600,
        )?,
    };
    let cases = cases();
    check_same_answers(&sides, &cases).await?;
    let mut figures = Vec::new();
    for case in cases {
        figures.push(compare(&sides, case, seconds)?);
    }
    service.signal("-TERM")?;
    service.wait(Duration::from_secs(10))?;
    Ok(figures)
}

/// Both sides answer every case with its status, and the same JSON.
async fn check_same_answers(sides: &Sides, cases: &[Case]) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    for Case {
        name,
        query,
        status,
        ..
    } in cases
    {
        let get = |base: &str| {
            http.get(format!("{base}{query}"))
                .bearer_auth(&sides.token)
                .send()
        };
        let (ours, theirs) = (get(&sides.service).await?, get(&sides.baseline).await?);
        anyhow::ensure!(
            ours.status().as_u16() == *status && theirs.status().as_u16() == *status,
            "{name}: {} vs {}",
            ours.status(),
            theirs.status()
        );
        if *status == 200 {
            let (a, b): (serde_json::Value, serde_json::Value) =
                (ours.json().await?, theirs.json().await?);
            anyhow::ensure!(a == b, "{name}: the baseline does not answer the same JSON");
        }
    }
    Ok(())
}

/// Three alternating wrk rounds per side on one case: the figure.
fn compare(sides: &Sides, case: Case, seconds: u64) -> anyhow::Result<Figure> {
    let Case {
        name,
        query,
        target,
        status,
    } = case;
    let (mut ours, mut theirs, mut p99) = (Vec::new(), Vec::new(), (Vec::new(), Vec::new()));
    for _ in 0..3 {
        let (rps, bad, p) = wrk(&format!("{}{query}", sides.service), &sides.token, seconds)?;
        anyhow::ensure!(
            status != 200 || bad == 0,
            "{name}: the service answered {bad} non-2xx"
        );
        ours.push(rps);
        p99.0.push(p);
        let (rps, bad, p) = wrk(&format!("{}{query}", sides.baseline), &sides.token, seconds)?;
        anyhow::ensure!(
            status != 200 || bad == 0,
            "{name}: the baseline answered {bad} non-2xx"
        );
        theirs.push(rps);
        p99.1.push(p);
    }
    let (a, b) = (median_f64(&mut ours), median_f64(&mut theirs));
    let ratio = a / b;
    Ok(Figure {
        name: match status {
            400 => "End to end vs hand-written axum + rusqlite: invalid ID → 400 problem",
            _ if name.starts_with("plain") => "End to end vs hand-written axum + rusqlite: plain listing (~147 logs)",
            _ => "End to end vs hand-written axum + rusqlite: expanded, time window (~50 logs)",
        },
        measured: format!(
            "{a:.0} vs {b:.0} req/s (wrk -t1 -c32, median of 3 rounds of {seconds} s); p99 {:.1} vs {:.1} ms",
            median_f64(&mut p99.0),
            median_f64(&mut p99.1)
        ),
        ratio,
        target: if target >= 0.9 { "≥ 0.90" } else { "≥ 0.80" },
        met: ratio >= target,
    })
}
