//! `perf calls`: one kind of request, answered `count` times in this
//! process by the service's application or by the baseline's router (no
//! sockets, one thread), to count what each spends a request under
//! `valgrind --tool=callgrind`: instruction counts are repeatable on a
//! shared machine where times are not. Run it twice with different counts
//! and divide the difference, so that start-up cancels out (see
//! docs/benchmarks.md, "Where the time goes").

use std::sync::Arc;
use std::time::Duration;

use dispatcher_logs_service::auth::{self, Verifier, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_SECRET};
use dispatcher_logs_service::rate_limit::{Limiter, RollingWindow};
use dispatcher_logs_service::seed::EXAMPLE_SUB_SESSION;
use dispatcher_logs_service::{DispatcherLogs, Store};
use ev_energy_server::axum::{self, Router};
use tower::ServiceExt;

use crate::baseline::Baseline;
use crate::feature_equal::FeatureEqual;

/// Which side answers.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Side {
    /// The reference service's whole application (`http::app`), limits off.
    Service,
    /// The bare hand-written baseline's router.
    Baseline,
    /// The feature-equal hand-written baseline's application (its layers
    /// and router).
    FeatureEqual,
}

/// Which request.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Case {
    /// A valid token and an invalid sub-session ID: 400.
    Invalid,
    /// No token: 401.
    NoToken,
    /// A time window with no logs: 200 with an empty list (store read).
    Empty,
    /// The plain listing of the example sub-session (~147 logs).
    Plain,
}

pub async fn run(side: Side, case: Case, count: u64, database: &str) -> anyhow::Result<()> {
    let app = match side {
        Side::Service => {
            let store = Store::open(database).await?;
            let verifier = Verifier::new(
                &auth::KeySource::Hs256Secret(DEV_SECRET.into()),
                DEFAULT_ISSUER,
                DEFAULT_AUDIENCE,
            )?;
            // `--rate-limit 0`, as in the end-to-end figures.
            let limiter = Limiter::Memory(RollingWindow::new(0, Duration::from_secs(3600)));
            let service = DispatcherLogs::new(store, verifier, limiter, "https://api.ev.energy/v2");
            dispatcher_logs_service::http::app(Arc::new(service))
        }
        Side::Baseline => {
            Baseline::new(database, DEV_SECRET, DEFAULT_ISSUER, DEFAULT_AUDIENCE).router()
        }
        Side::FeatureEqual => {
            FeatureEqual::new(database, DEV_SECRET, DEFAULT_ISSUER, DEFAULT_AUDIENCE, 0).router()
        }
    };
    // The subscriber both servers run with (`RUST_LOG=warn`), so that their
    // spans cost what they cost when served.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(std::io::stderr)
        .try_init();
    let token = crate::end_to_end::bench_token()?;
    let (query, status, with_token) = match case {
        Case::Invalid => ("charging_sub_session_id=nope".to_string(), 400, true),
        Case::NoToken => (
            format!("charging_sub_session_id={EXAMPLE_SUB_SESSION}"),
            401,
            false,
        ),
        Case::Empty => (
            format!(
                "charging_sub_session_id={EXAMPLE_SUB_SESSION}&logged_at__gte=2030-01-01T00:00:00Z"
            ),
            200,
            true,
        ),
        Case::Plain => (
            format!("charging_sub_session_id={EXAMPLE_SUB_SESSION}"),
            200,
            true,
        ),
    };
    for _ in 0..count {
        let mut request =
            axum::http::Request::builder().uri(format!("/v2/dispatcher_logs?{query}"));
        if with_token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let response = call(&app, request.body(axum::body::Body::empty())?).await?;
        anyhow::ensure!(
            response.status() == status,
            "expected {status}, got {}",
            response.status()
        );
        // Read the body, as a server writing it would.
        axum::body::to_bytes(response.into_body(), usize::MAX).await?;
    }
    Ok(())
}

async fn call(
    app: &Router,
    request: axum::http::Request<axum::body::Body>,
) -> anyhow::Result<axum::response::Response> {
    Ok(app.clone().oneshot(request).await?)
}
