//! `dispatcher-logs-service`: serve the ev.energy dispatcher-logs API, seed
//! its store, mint development tokens, or run the end-to-end demo.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use dispatcher_logs_service::config::{self, ApiArgs, AuthArgs, DatabaseArgs};
use dispatcher_logs_service::store::{FaultyStore, Listings};
use dispatcher_logs_service::{demo, http, seed, DispatcherLogs, Store};

/// mimalloc rather than glibc's malloc: a request allocates many small,
/// short-lived values across worker threads, where glibc's arenas contend
/// (docs/benchmarks.md has the profile).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The reference service of the ev.energy API v2 (GET /v2/dispatcher_logs).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API under /v2 (its OpenAPI document at /v2/openapi.yaml, its reference page at /v2/docs, metrics at /metrics) until Ctrl-C or SIGTERM.
    Serve {
        /// The address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        auth: AuthArgs,
        #[command(flatten)]
        api: ApiArgs,
        #[command(flatten)]
        limits: config::ServeArgs,
        /// Serve this HTML file at /v2/docs instead of the embedded API reference page.
        #[arg(long, value_name = "HTML_FILE")]
        docs: Option<std::path::PathBuf>,
        /// Testing clients only: the first N listings fail as if the store were down (503).
        #[arg(long, default_value_t = 0, hide = true)]
        fail_store_reads: u32,
    },
    /// Fill the store with realistic, deterministic demo data.
    Seed {
        #[command(flatten)]
        database: DatabaseArgs,
        /// How many dispatcher logs to write.
        #[arg(long, default_value_t = 10_000)]
        logs: u64,
        /// How many users own the sub-sessions (the first is the demo user).
        #[arg(long, default_value_t = 3)]
        users: u64,
        /// The seed of the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The base of the URLs resources point to each other by.
        #[arg(long, default_value = config::DEFAULT_PUBLIC_BASE_URL)]
        public_base_url: String,
    },
    /// Mint a development access token (HS256) and print it.
    Token {
        /// Scopes to grant (repeat or comma-separate).
        #[arg(long, value_delimiter = ',', default_value = "debug:read")]
        scopes: Vec<String>,
        /// The user the token acts for.
        #[arg(long, default_value = seed::DEMO_USER)]
        user: String,
        /// The OAuth client the token was issued to.
        #[arg(long, default_value = "dev-client")]
        client: String,
        /// Lifetime: seconds, or a number with s, m, h or d (negative for an expired token).
        #[arg(long, default_value = "1h", allow_hyphen_values = true)]
        ttl: String,
        #[command(flatten)]
        auth: AuthArgs,
    },
    /// The whole loop on this machine: seed a temporary store, start the service, call it with the generated client, stop it.
    Demo {
        /// How many logs to seed.
        #[arg(long, default_value_t = 5_000)]
        logs: u64,
    },
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Where and how `serve` serves.
struct Serving<'a> {
    listen: SocketAddr,
    database: &'a str,
    limits: ev_energy_server::runtime::Limits,
    docs: Option<std::path::PathBuf>,
}

/// Serves `service` until Ctrl-C or SIGTERM, then saves the rate-limit
/// counts and closes the store.
async fn serve<S: Listings>(
    service: DispatcherLogs<S>,
    serving: Serving<'_>,
) -> anyhow::Result<()> {
    let Serving {
        listen,
        database,
        limits,
        docs,
    } = serving;
    let service = Arc::new(service);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%database, backend = ?service.store().backend(), "store ready");
    // The demo and scripts read this line to find the service.
    println!("listening on {}", http::base_url(addr));
    let saver = service.spawn_rate_limit_saver(std::time::Duration::from_secs(5));
    http::serve(
        listener,
        http::app_with_docs(service.clone(), docs),
        limits,
        http::shutdown_signal(),
    )
    .await?;
    saver.abort();
    service.save_rate_limits().await;
    service.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Demo { .. }) {
        init_logs(cli.log_format);
    }
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve {
            listen,
            database,
            auth,
            api,
            limits,
            docs,
            fail_store_reads,
        } => {
            auth.check_serving(listen)?;
            let service = config::build(&database.database, &auth, &api).await?;
            let serving = Serving {
                listen,
                database: &database.database,
                limits: limits.limits(),
                docs,
            };
            if fail_store_reads == 0 {
                return serve(service, serving).await;
            }
            // Only here does the service read through a fault counter.
            tracing::warn!(
                fail_store_reads,
                "fault injection: the first listings will fail with 503"
            );
            let service = service.map_store(FaultyStore::new);
            service.listings().fail_next_reads(fail_store_reads);
            serve(service, serving).await
        }
        Command::Seed {
            database,
            logs,
            users,
            seed: seed_value,
            public_base_url,
        } => {
            let store = Store::open(&database.database).await?;
            let started = std::time::Instant::now();
            let options = seed::SeedOptions {
                logs,
                users,
                seed: seed_value,
                public_base_url,
                progress: true,
            };
            let sub_sessions = seed::seed(&store, &options).await?;
            let total = store.count_logs().await?;
            store.close().await;
            println!(
                "seeded {logs} logs in {sub_sessions} sub-sessions in {:.1}s; the store now holds {total} logs",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Token {
            scopes,
            user,
            client,
            ttl,
            auth,
        } => {
            let ttl = dispatcher_logs_service::parse_duration(&ttl)?;
            dispatcher_logs_service::auth::check_ttl(ttl, auth.max_token_lifetime)?;
            let user = (!user.is_empty()).then_some(user.as_str());
            let token = dispatcher_logs_service::auth::mint_hs256(
                &auth.jwt_secret,
                &auth.jwt_issuer,
                &auth.jwt_audience,
                &client,
                user,
                &scopes,
                ttl,
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Demo { logs } => demo::run(logs, &AuthArgs::development()).await,
    }
}

#[cfg(test)]
mod tests {
    use dispatcher_logs_service::parse_duration as parse_ttl;

    #[test]
    fn ttls_read_seconds_minutes_hours_days_and_negatives_and_refuse_other_units() {
        assert_eq!(parse_ttl("90").unwrap(), 90);
        assert_eq!(parse_ttl("15m").unwrap(), 900);
        assert_eq!(parse_ttl("1h").unwrap(), 3600);
        assert_eq!(parse_ttl("-1h").unwrap(), -3600);
        assert_eq!(parse_ttl("7d").unwrap(), 604_800);
        assert!(parse_ttl("1w").is_err());
        assert!(parse_ttl("soon").is_err());
    }
}
