//! `ev-energy`: the ev.energy API from the command line, on the generated
//! client.
//!
//! Credentials come from the environment: `EV_ENERGY_TOKEN` (a bearer
//! token), or `EV_ENERGY_CLIENT_ID` and `EV_ENERGY_CLIENT_SECRET` (OAuth 2.0
//! client credentials; `EV_ENERGY_TOKEN_URL` and `EV_ENERGY_SCOPES` override
//! the document's defaults). `EV_ENERGY_BASE_URL` (or `--base-url`) selects
//! the API.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use comfy_table::{presets, Table};
use ev_energy_client::types::{ChargingSubSessionOrUrl, DispatcherLog, DispatcherLogExpand};
use ev_energy_client::{ApiError, Client};

const EXIT_CODES: &str = "Exit codes: 0 success; 2 invalid arguments; 3 not authenticated or not allowed (401, 403, no token); \
4 request rejected by the API (400, 406); 5 rate limited (429); 6 API unavailable or unexpected answer; 7 API unreachable.";

/// The ev.energy API v2 from the command line.
#[derive(Parser)]
#[command(name = "ev-energy", version, about, after_help = EXIT_CODES)]
struct Cli {
    /// The API's base URL.
    #[arg(long, env = "EV_ENERGY_BASE_URL", default_value = ev_energy_client::DEFAULT_BASE_URL, global = true)]
    base_url: String,
    /// The API version to ask for (the `EvEnergy-Version` header).
    #[arg(long, env = "EV_ENERGY_API_VERSION", default_value = ev_energy_client::API_VERSION, global = true)]
    api_version: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Dispatcher logs: Dispatch Command attempts to EVSEs or vehicles.
    #[command(subcommand)]
    DispatcherLogs(DispatcherLogs),
}

#[derive(Subcommand)]
enum DispatcherLogs {
    /// List the dispatcher logs of one charging sub-session, newest first.
    #[command(after_help = EXIT_CODES)]
    List {
        /// The charging sub-session: `csub` followed by a 26-character ULID.
        #[arg(long, value_name = "ID")]
        charging_sub_session_id: String,
        /// Only logs logged at or after this RFC 3339 time (e.g. 2024-04-17T09:00:00Z).
        #[arg(long, value_name = "TIME")]
        since: Option<DateTime<Utc>>,
        /// Only logs logged at or before this RFC 3339 time.
        #[arg(long, value_name = "TIME")]
        until: Option<DateTime<Utc>>,
        /// Include the charging sub-session itself, not only its URL.
        #[arg(long)]
        expand: bool,
        /// How to print the logs.
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Output {
    /// A readable table.
    Table,
    /// The API's JSON, pretty-printed.
    Json,
}

fn client(base_url: &str, api_version: &str) -> Result<Client, ApiError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut builder = Client::builder()
        .base_url(base_url)
        .api_version(api_version);
    if let (Some(id), Some(secret)) = (env("EV_ENERGY_CLIENT_ID"), env("EV_ENERGY_CLIENT_SECRET")) {
        builder = builder.client_credentials(id, secret);
        if let Some(url) = env("EV_ENERGY_TOKEN_URL") {
            builder = builder.token_url(url);
        }
        if let Some(scopes) = env("EV_ENERGY_SCOPES") {
            builder = builder.scopes(
                scopes
                    .split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
    } else if let Some(token) = env("EV_ENERGY_TOKEN") {
        builder = builder.bearer_token(token);
    }
    Ok(builder.build()?)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = client_settings(&cli);
    let result = match cli.command {
        Command::DispatcherLogs(DispatcherLogs::List {
            charging_sub_session_id,
            since,
            until,
            expand,
            output,
        }) => {
            list(
                &settings,
                &charging_sub_session_id,
                since,
                until,
                expand,
                output,
            )
            .await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(hint) = hint(&error) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(exit_code(&error))
        }
    }
}

fn client_settings(cli: &Cli) -> (String, String) {
    (cli.base_url.clone(), cli.api_version.clone())
}

fn exit_code(error: &ApiError) -> u8 {
    match error {
        ApiError::InvalidRequest(_) => 2,
        ApiError::Auth(_) => 3,
        ApiError::Problem { status, .. } => match status.as_u16() {
            401 | 403 => 3,
            400 | 406 => 4,
            429 => 5,
            _ => 6,
        },
        ApiError::Unexpected(_) => 6,
        ApiError::Transport(_) => 7,
    }
}

fn hint(error: &ApiError) -> Option<String> {
    match error {
        ApiError::Problem { status, .. } if status.as_u16() == 401 => Some(
            "set EV_ENERGY_TOKEN, or EV_ENERGY_CLIENT_ID and EV_ENERGY_CLIENT_SECRET, to valid credentials".into(),
        ),
        ApiError::Problem { status, .. } if status.as_u16() == 403 => {
            Some("the token needs the debug:read scope, and the sub-session must be one of its user's".into())
        }
        ApiError::Problem { retry_after: Some(wait), .. } => Some(format!("try again in {} seconds", wait.as_secs())),
        ApiError::InvalidRequest(_) => Some("a charging sub-session ID is `csub` followed by 26 characters 0-9 and A-Z".into()),
        ApiError::Transport(_) => Some("check EV_ENERGY_BASE_URL (or --base-url) and your network".into()),
        _ => None,
    }
}

async fn list(
    (base_url, api_version): &(String, String),
    id: &str,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    expand: bool,
    output: Output,
) -> Result<(), ApiError> {
    let client = client(base_url, api_version)?;
    let mut request = client.list_dispatcher_logs().charging_sub_session_id(id);
    if let Some(since) = since {
        request = request.logged_at_gte(since);
    }
    if let Some(until) = until {
        request = request.logged_at_lte(until);
    }
    if expand {
        request = request.expand(vec![DispatcherLogExpand::ChargingSubSession]);
    }
    let logs = request.send().await?.into_inner();
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&logs).unwrap_or_default()
        ),
        Output::Table => print_table(&logs),
    }
    Ok(())
}

fn print_table(logs: &[DispatcherLog]) {
    if let Some(ChargingSubSessionOrUrl::ChargingSubSession(sub)) =
        logs.first().map(|l| &l.charging_sub_session)
    {
        println!(
            "Sub-session {}: {}, started {}, {}, {} Wh, {} min, cost {}",
            sub.id.as_str(),
            sub.mode,
            sub.start.format("%Y-%m-%d %H:%M UTC"),
            sub.end.map_or("ongoing".to_string(), |e| format!(
                "ended {}",
                e.format("%Y-%m-%d %H:%M UTC")
            )),
            sub.energy_delivered_watt_hours,
            sub.duration_minutes,
            sub.cost.map_or("unknown".to_string(), |c| format!(
                "{c} (minor units of {})",
                sub.currency.as_str()
            )),
        );
    }
    let mut table = Table::new();
    table.load_preset(presets::ASCII_MARKDOWN);
    table.set_header([
        "logged at (UTC)",
        "device",
        "schedule period",
        "schedule created",
        "sent",
        "internal command ID",
    ]);
    for log in logs {
        table.add_row([
            log.logged_at.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            log.device_type.to_string(),
            log.schedule_valid_period_start.format("%H:%M").to_string(),
            log.schedule_created_at.format("%H:%M:%S").to_string(),
            log.reason_not_sent
                .as_ref()
                .map_or("yes".to_string(), |r| format!("no: {r}")),
            log.internal_command_id.to_string(),
        ]);
    }
    println!("{table}");
    println!("{} log(s), newest first", logs.len());
}
