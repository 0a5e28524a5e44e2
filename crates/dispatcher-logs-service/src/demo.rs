//! `demo`: the whole loop on one machine. Seeds a temporary SQLite store,
//! starts this very binary as the service on 127.0.0.1, calls it with the
//! generated client, prints what it got, and stops the service.

use anyhow::{bail, Context};
use comfy_table::{presets, Table};
use ev_energy_client::types::{ChargingSubSessionOrUrl, DispatcherLog, DispatcherLogExpand};
use ev_energy_client::{Client, Error};

use crate::auth::mint_hs256;
use crate::config::{AuthArgs, DEFAULT_PUBLIC_BASE_URL};
use crate::process::ServiceProcess;
use crate::seed::{self, SeedOptions, DEMO_USER};
use crate::store::Store;

/// Runs the demo with `logs` seeded logs; tokens are signed per `auth`.
pub async fn run(logs: u64, auth: &AuthArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("cannot create a temporary folder")?;
    let database = dir.path().join("demo.sqlite");
    let database = database
        .to_str()
        .context("the temporary path is not UTF-8")?
        .to_string();

    step(&format!("Seeding {logs} dispatcher logs into {database}"));
    let store = Store::open(&database).await?;
    let options = SeedOptions {
        logs,
        users: 3,
        seed: 42,
        public_base_url: DEFAULT_PUBLIC_BASE_URL.to_string(),
        progress: true,
    };
    let sub_sessions = seed::seed(&store, &options).await?;
    let sub_session = store
        .a_sub_session_of(DEMO_USER)
        .await?
        .context("the demo user owns no sub-session with logs")?;
    let foreign = store.a_sub_session_of_other_user(DEMO_USER).await?;
    store.close().await;
    println!("   {logs} logs in {sub_sessions} sub-sessions; the demo user {DEMO_USER} owns {sub_session}");

    step("Starting the service on 127.0.0.1 (a free port)");
    let exe = std::env::current_exe().context("cannot find this program's path")?;
    let mut service = ServiceProcess::start(&exe, &["--database", &database])?;
    let base_url = service.base_url.clone();
    println!("   {base_url}  (pid {})", service.pid());

    let result = exercise(&base_url, &sub_session, foreign.as_deref(), auth).await;

    step("Stopping the service (SIGTERM, graceful shutdown)");
    let status = service.stop()?;
    println!("   service exited: {status}");
    result
}

async fn exercise(
    base_url: &str,
    sub_session: &str,
    foreign: Option<&str>,
    auth: &AuthArgs,
) -> anyhow::Result<()> {
    let token = mint_demo_token(auth)?;
    let client = Client::with_bearer_token(base_url, &token)?;
    let logs = list_sub_session(&client, sub_session).await?;
    if logs.len() < 3 {
        bail!("expected the demo sub-session to have logs");
    }
    list_window(&client, sub_session, &logs).await?;
    show_problems(base_url, &client, sub_session, foreign).await
}

/// A development token for the demo user, scope `debug:read`.
fn mint_demo_token(auth: &AuthArgs) -> anyhow::Result<String> {
    step("Minting a development token for the demo user (scope debug:read)");
    let token = mint_hs256(
        &auth.jwt_secret,
        &auth.jwt_issuer,
        &auth.jwt_audience,
        "demo-client",
        Some(DEMO_USER),
        &["debug:read".to_string()],
        3600,
    )?;
    println!("   {}…", &token[..token.len().min(40)]);
    Ok(token)
}

/// Lists (and prints) the logs of `sub_session`, newest first, with the
/// rate limit left.
async fn list_sub_session(
    client: &Client,
    sub_session: &str,
) -> anyhow::Result<Vec<DispatcherLog>> {
    step(&format!(
        "GET /v2/dispatcher_logs?charging_sub_session_id={sub_session}"
    ));
    let response = client
        .list_dispatcher_logs()
        .charging_sub_session_id(sub_session)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("listing failed: {e}"))?;
    let remaining = response
        .headers()
        .get("x-ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("?")
        .to_string();
    let logs = response.into_inner();
    print_logs(&logs, 8);
    println!(
        "   {} logs, newest first; X-RateLimit-Remaining: {remaining}",
        logs.len()
    );
    Ok(logs)
}

/// Lists (and prints) a window around the middle of the session's `logs`,
/// with the sub-session expanded.
async fn list_window(
    client: &Client,
    sub_session: &str,
    logs: &[DispatcherLog],
) -> anyhow::Result<()> {
    let (gte, lte) = (
        logs[logs.len() * 2 / 3].logged_at,
        logs[logs.len() / 3].logged_at,
    );
    step(&format!(
        "…&expand=charging_sub_session&logged_at__gte={}&logged_at__lte={}",
        gte.to_rfc3339(),
        lte.to_rfc3339()
    ));
    let window = client
        .list_dispatcher_logs()
        .charging_sub_session_id(sub_session)
        .expand(vec![DispatcherLogExpand::ChargingSubSession])
        .logged_at_gte(gte)
        .logged_at_lte(lte)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("listing failed: {e}"))?
        .into_inner();
    print_logs(&window, 5);
    if let Some(ChargingSubSessionOrUrl::ChargingSubSession(sub)) =
        window.first().map(|l| &l.charging_sub_session)
    {
        println!(
            "   {} logs in the window (bounds inclusive). Sub-session {}: mode {}, {} Wh, {} minutes, cost {} {}",
            window.len(),
            sub.id.as_str(),
            sub.mode,
            sub.energy_delivered_watt_hours,
            sub.duration_minutes,
            sub.cost.map_or("unknown".to_string(), |c| c.to_string()),
            sub.currency.as_str(),
        );
    }
    Ok(())
}

/// The typed problems: the listing without a token, and (if there is
/// one) for another user's sub-session.
async fn show_problems(
    base_url: &str,
    client: &Client,
    sub_session: &str,
    foreign: Option<&str>,
) -> anyhow::Result<()> {
    step("Typed problems: the same call without a token, and for another user's sub-session");
    let anonymous = Client::anonymous(base_url)?;
    show_problem(
        anonymous
            .list_dispatcher_logs()
            .charging_sub_session_id(sub_session)
            .send()
            .await,
    )?;
    if let Some(foreign) = foreign {
        show_problem(
            client
                .list_dispatcher_logs()
                .charging_sub_session_id(foreign)
                .send()
                .await,
        )?;
    }
    Ok(())
}

fn show_problem<T: std::fmt::Debug>(
    result: Result<ev_energy_client::ResponseValue<T>, Error<ev_energy_client::types::Problem>>,
) -> anyhow::Result<()> {
    match result {
        Err(Error::ErrorResponse(problem)) => {
            println!(
                "   {} {}: {}",
                problem.status().as_u16(),
                problem.title,
                problem.detail
            );
            Ok(())
        }
        other => bail!("expected a problem response, got {other:?}"),
    }
}

fn print_logs(logs: &[DispatcherLog], at_most: usize) {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header([
        "logged_at",
        "device",
        "schedule period",
        "sent?",
        "internal_command_id",
    ]);
    for log in logs.iter().take(at_most) {
        table.add_row([
            log.logged_at.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            log.device_type.to_string(),
            log.schedule_valid_period_start.format("%H:%M").to_string(),
            log.reason_not_sent
                .clone()
                .map_or("sent".to_string(), |r| format!("not sent: {r}")),
            log.internal_command_id.to_string(),
        ]);
    }
    if logs.len() > at_most {
        table.add_row([
            format!("… {} more", logs.len() - at_most),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    println!("{table}");
}

fn step(text: &str) {
    println!("\n==> {text}");
}
