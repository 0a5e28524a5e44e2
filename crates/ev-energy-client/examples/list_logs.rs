//! Lists a sub-session's dispatcher logs of the last hour, the way a client
//! team's service would: OAuth 2.0 client credentials, a time window, and
//! every declared problem handled.
//!
//! ```sh
//! EV_ENERGY_BASE_URL=http://127.0.0.1:8080/v2 EV_ENERGY_TOKEN=… \
//!   cargo run -p ev-energy-client --example list_logs -- csub01HSH04KDEWF6Z4DB2J77J74K5
//! ```
//!
//! With `EV_ENERGY_CLIENT_ID` and `EV_ENERGY_CLIENT_SECRET` instead of
//! `EV_ENERGY_TOKEN`, the client fetches (and refreshes) its own token.

use std::process::ExitCode;

use ev_energy_client::chrono::{Duration, Utc};
use ev_energy_client::{types, ApiError, Client, StatusCode, DEFAULT_BASE_URL};

#[tokio::main]
async fn main() -> ExitCode {
    let Some(sub_session) = std::env::args().nth(1) else {
        eprintln!(
            "usage: list_logs <charging sub-session id, e.g. csub01HSH04KDEWF6Z4DB2J77J74K5>"
        );
        return ExitCode::from(2);
    };
    match run(&sub_session).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(sub_session: &str) -> Result<(), ApiError> {
    let env = |name: &str| std::env::var(name).ok();
    let mut builder =
        Client::builder().base_url(env("EV_ENERGY_BASE_URL").unwrap_or(DEFAULT_BASE_URL.into()));
    builder = match (
        env("EV_ENERGY_TOKEN"),
        env("EV_ENERGY_CLIENT_ID"),
        env("EV_ENERGY_CLIENT_SECRET"),
    ) {
        (Some(token), _, _) => builder.bearer_token(token),
        (None, Some(id), Some(secret)) => builder.client_credentials(id, secret),
        _ => builder,
    };
    let client = builder.build()?;

    let now = Utc::now();
    let result = client
        .list_dispatcher_logs()
        .charging_sub_session_id(sub_session)
        .expand(vec![types::DispatcherLogExpand::ChargingSubSession])
        .logged_at_gte(now - Duration::hours(1))
        .logged_at_lte(now)
        .send()
        .await;

    match result.map_err(ApiError::from) {
        Ok(logs) => {
            let logs = logs.into_inner();
            println!("{} logs in the last hour, newest first", logs.len());
            for log in logs {
                let reason = log.reason_not_sent.as_deref().unwrap_or("sent");
                println!("{} {} {reason}", log.logged_at, log.device_type);
            }
            Ok(())
        }
        Err(ApiError::Problem {
            status, problem, ..
        }) if status == StatusCode::FORBIDDEN => {
            eprintln!("not allowed to read {sub_session}: {}", problem.detail);
            Ok(())
        }
        Err(other) => Err(other),
    }
}
