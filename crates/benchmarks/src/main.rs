//! `perf`: the workspace's benchmarks (`perf bench`, via `cargo xtask
//! bench`) and its bounded load run (`perf load`, via `cargo xtask load`).
//!
//! Every comparison is measured side by side in one run, alternating the
//! two sides, and reported as a ratio: absolute figures on a shared
//! 2-core machine are noise, ratios much less so.

mod adapter;
mod baseline;
mod calls;
mod client_decoding;
mod codegen;
mod end_to_end;
mod feature_equal;
mod instructions;
mod limiter;
mod load;
mod measure;
mod report;
mod store_scaling;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use ev_energy_server::axum;

/// The same allocator as the service's, so that the baselines served from
/// this process and the service are compared on equal terms.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(about = "Benchmarks and the load run of the ev.energy workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Measure the figures and write docs/benchmarks.md.
    Bench {
        /// Where to write the report.
        #[arg(long, default_value = "docs/benchmarks.md")]
        out: PathBuf,
        /// Logs in the large store (10 million; seeded once into target/bench/).
        #[arg(long, default_value_t = 10_000_000)]
        large_store_logs: u64,
        /// Seconds per side per round of the throughput comparison.
        #[arg(long, default_value_t = 4)]
        seconds: u64,
        /// Measure only these figures (e.g. `--only 1,6`) and print them
        /// without writing the report: for working on one figure.
        #[arg(long, value_delimiter = ',')]
        only: Vec<u8>,
    },
    /// Serve a hand-written baseline of the end-to-end figures on a seeded
    /// SQLite store until Ctrl-C, to profile or load it by hand (tokens:
    /// `dispatcher-logs-service token`).
    ServeBaseline {
        /// Which baseline.
        #[arg(long, value_enum, default_value = "bare")]
        kind: BaselineKind,
        /// The SQLite store (e.g. target/bench/store-e2e.sqlite, seeded by the bench).
        #[arg(long)]
        database: PathBuf,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:18081")]
        listen: std::net::SocketAddr,
        /// Requests an hour per caller, as the service's `--rate-limit`
        /// (0: off, as the bench runs both; the feature-equal baseline only).
        #[arg(long, default_value_t = 0)]
        rate_limit: u64,
    },
    /// Answer one kind of request `count` times in this process (no
    /// sockets), by the service's application or the baseline's router: to
    /// count instructions a request under `valgrind --tool=callgrind`.
    Calls {
        /// Which side answers.
        #[arg(long, value_enum)]
        side: calls::Side,
        /// Which request.
        #[arg(long = "case", value_enum)]
        case: calls::Case,
        /// How many times.
        #[arg(long, default_value_t = 1000)]
        count: u64,
        /// The SQLite store (e.g. target/bench/store-e2e.sqlite, seeded by the bench).
        #[arg(long)]
        database: String,
    },
    /// Load the reference service: throughput, memory, graceful shutdown and a kill.
    Load {
        /// How long to load it, in seconds.
        #[arg(long, default_value_t = 60)]
        duration: u64,
        /// Concurrent connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
    },
}

/// The workspace this binary was built in.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Bench {
            out,
            large_store_logs,
            seconds,
            only,
        } => report::bench(&out, large_store_logs, seconds, &only).await,
        Command::ServeBaseline {
            kind,
            database,
            listen,
            rate_limit,
        } => serve_baseline(kind, &database, listen, rate_limit).await,
        Command::Calls {
            side,
            case,
            count,
            database,
        } => calls::run(side, case, count, &database).await,
        Command::Load {
            duration,
            connections,
        } => {
            load::run(
                &workspace_root(),
                Duration::from_secs(duration),
                connections,
            )
            .await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The two hand-written baselines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BaselineKind {
    /// `baseline.rs`: the work alone (axum, rusqlite, jsonwebtoken).
    Bare,
    /// `feature_equal.rs`: the work with the service's features, from the
    /// ecosystem's usual parts.
    FeatureEqual,
}

async fn serve_baseline(
    kind: BaselineKind,
    database: &Path,
    listen: std::net::SocketAddr,
    rate_limit: u64,
) -> anyhow::Result<()> {
    use dispatcher_logs_service::auth::{DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_SECRET};
    anyhow::ensure!(
        database.exists(),
        "no store at {}: run `cargo xtask bench` first, or `dispatcher-logs-service seed`",
        database.display()
    );
    let database = database.to_str().context("a UTF-8 path")?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("baseline listening on http://{}/v2", listener.local_addr()?);
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match kind {
        BaselineKind::Bare => {
            let baseline =
                baseline::Baseline::new(database, DEV_SECRET, DEFAULT_ISSUER, DEFAULT_AUDIENCE);
            axum::serve(listener, baseline.router())
                .with_graceful_shutdown(ctrl_c)
                .await?
        }
        BaselineKind::FeatureEqual => {
            // As the service is run by the bench: `--rate-limit 0` (unless
            // asked), at most 1024 connections.
            let app = feature_equal::FeatureEqual::new(
                database,
                DEV_SECRET,
                DEFAULT_ISSUER,
                DEFAULT_AUDIENCE,
                rate_limit,
            );
            feature_equal::serve(listener, app.router(), 1024, ctrl_c).await?
        }
    }
    Ok(())
}
