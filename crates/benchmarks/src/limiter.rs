//! Figure 5: one request to the in-process service when its rate limiter
//! counts one caller against when it counts 30 000.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dispatcher_logs_service::auth::{self, Verifier, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_SECRET};
use dispatcher_logs_service::rate_limit::{Limiter, RollingWindow};
use dispatcher_logs_service::seed::DEMO_USER;
use dispatcher_logs_service::{DispatcherLogs, Store};
use ev_energy_server::axum::{self, Router};
use tower::ServiceExt;

use crate::measure::median;
use crate::report::Figure;
use crate::store_scaling::seeded_store;

/// The service's app on `store`, with an in-memory limiter no caller reaches.
fn app(store: Store) -> anyhow::Result<Router> {
    let verifier = Verifier::new(
        &auth::KeySource::Hs256Secret(DEV_SECRET.into()),
        DEFAULT_ISSUER,
        DEFAULT_AUDIENCE,
    )?;
    let limiter = Limiter::Memory(RollingWindow::new(u64::MAX / 2, Duration::from_secs(3600)));
    let service = DispatcherLogs::new(store, verifier, limiter, "https://api.ev.energy/v2");
    Ok(dispatcher_logs_service::http::app(Arc::new(service)))
}

/// A token of the demo user for the OAuth client `client`.
fn token(client: &str) -> anyhow::Result<String> {
    Ok(auth::mint_hs256(
        DEV_SECRET,
        DEFAULT_ISSUER,
        DEFAULT_AUDIENCE,
        client,
        Some(DEMO_USER),
        &["debug:read".to_string()],
        3600,
    )?)
}

/// The measured request: authenticated, counted, answered 400.
fn request(token: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::builder()
        .uri("/v2/dispatcher_logs?charging_sub_session_id=not-an-id")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .expect("a request")
}

/// How long `app` takes to answer `request` (which must be a 400).
async fn call(
    app: &Router,
    request: axum::http::Request<axum::body::Body>,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let response = app.clone().oneshot(request).await?;
    anyhow::ensure!(
        response.status() == 400,
        "expected 400, got {}",
        response.status()
    );
    Ok(started.elapsed())
}

pub async fn limiter_scaling(root: &Path) -> anyhow::Result<Figure> {
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let store = seeded_store(&dir.join("store-small.sqlite"), 10_000).await?;
    let (one, many) = (app(store.clone())?, app(store.clone())?);
    // Warm: one request by each of 30 000 callers on `many`, one caller on `one`.
    for i in 0..30_000 {
        call(&many, request(&token(&format!("client-{i}"))?)).await?;
    }
    let measured = token("measured-client")?;
    call(&one, request(&measured)).await?;
    call(&many, request(&measured)).await?;
    let (mut t_one, mut t_many) = (Vec::new(), Vec::new());
    for _ in 0..4 {
        for _ in 0..2_000 {
            t_one.push(call(&one, request(&measured)).await?);
        }
        for _ in 0..2_000 {
            t_many.push(call(&many, request(&measured)).await?);
        }
    }
    let (a, b) = (median(&t_one), median(&t_many));
    let ratio = b.as_secs_f64() / a.as_secs_f64();
    Ok(Figure {
        name: "Rate limiter: a request with 30 000 live callers vs 1".into(),
        measured: format!(
            "median {:.1} µs (30 000 callers) vs {:.1} µs (1 caller)",
            b.as_secs_f64() * 1e6,
            a.as_secs_f64() * 1e6
        ),
        ratio,
        target: "≤ 1.2",
        met: ratio <= 1.2,
    })
}
