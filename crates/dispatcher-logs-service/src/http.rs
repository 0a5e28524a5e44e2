//! The HTTP side: the generated router under `/v2`, the OpenAPI document
//! at `/v2/openapi.yaml`, its reference page at `/v2/docs`, Prometheus
//! metrics at `/metrics`, request logs, and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use ev_energy_server::axum::http::{header, HeaderValue};
use ev_energy_server::axum::response::IntoResponse;
use ev_energy_server::axum::routing::get;
use ev_energy_server::axum::{self, Router};
use tower_http::trace::TraceLayer;

use crate::service::DispatcherLogs;
use crate::store::Listings;

/// The base path the document's server URL names.
pub const BASE_PATH: &str = "/v2";

/// The OpenAPI document this service implements, served as is.
pub const OPENAPI_YAML: &str = include_str!("../../../openapi/ev-energy-v2.yaml");

/// Where `cargo xtask docs` writes this API's reference, in the workspace
/// this binary was built from.
pub const DEFAULT_DOCS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../target/docs/ev-energy-v2.html"
);

/// The whole application: the API under [`BASE_PATH`], its document, its
/// reference (from [`DEFAULT_DOCS`]) and the metrics.
pub fn app<S: Listings>(service: Arc<DispatcherLogs<S>>) -> Router {
    app_with_docs(service, std::path::PathBuf::from(DEFAULT_DOCS))
}

/// [`app`], serving the API reference page from `docs` at `/v2/docs`.
pub fn app_with_docs<S: Listings>(
    service: Arc<DispatcherLogs<S>>,
    docs: std::path::PathBuf,
) -> Router {
    // Record from the first request on.
    let _ = crate::metrics::handle();
    let docs = Arc::new(docs);
    Router::new()
        .route("/metrics", get(crate::metrics::render))
        .route(
            &format!("{BASE_PATH}/docs"),
            get(move || reference_page(docs.clone())),
        )
        .route(&format!("{BASE_PATH}/openapi.yaml"), get(openapi_document))
        .nest(BASE_PATH, ev_energy_server::router(service))
        .fallback(ev_energy_server::fallback)
        .layer(TraceLayer::new_for_http())
}

/// The API reference `cargo xtask docs` built (a self-contained page: no
/// CDN), or a problem saying how to build it.
async fn reference_page(path: Arc<std::path::PathBuf>) -> axum::response::Response {
    match tokio::fs::read(path.as_path()).await {
        Ok(page) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            page,
        )
            .into_response(),
        Err(error) => {
            let problem = serde_json::json!({
                "status": 404,
                "title": "Not Found",
                "detail": format!(
                    "The API reference has not been built ({}: {error}): run `cargo xtask docs`, or start the service with --docs PATH.",
                    path.display()
                ),
            });
            (
                axum::http::StatusCode::NOT_FOUND,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/problem+json"),
                )],
                problem.to_string(),
            )
                .into_response()
        }
    }
}

async fn openapi_document() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/yaml"),
        )],
        OPENAPI_YAML,
    )
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes;
/// requests in flight then finish before this returns (see
/// `ev_energy_server::serve` for what each limit does).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ev_energy_server::runtime::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    ev_energy_server::serve(listener, app, limits, shutdown).await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        _ = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}

/// The URL clients use for a listener bound to `addr`.
pub fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}{BASE_PATH}")
}
