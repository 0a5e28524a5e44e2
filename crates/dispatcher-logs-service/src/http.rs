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

/// The reference page: Redoc rendering [`OPENAPI_YAML`] in the browser.
/// Embedded, with Redoc's bundle ([`REDOC_JS`]), so any copy of the binary
/// serves it; `--docs FILE` serves another page instead.
pub const REFERENCE_HTML: &str = include_str!("../assets/redoc/reference.html");

/// Redoc's standalone bundle, vendored from the `@redocly/cli` version
/// pinned in `xtask/docs` (`cargo xtask docs --check` checks it is that
/// version's); served at `/v2/docs/redoc.standalone.js`.
pub const REDOC_JS: &str = include_str!("../assets/redoc/redoc.standalone.js");

/// The whole application: the API under [`BASE_PATH`], its document, its
/// embedded reference page and the metrics.
pub fn app<S: Listings>(service: Arc<DispatcherLogs<S>>) -> Router {
    app_with_docs(service, None)
}

/// [`app`], serving the HTML file `docs` at `/v2/docs` instead of the
/// embedded page when it is given.
pub fn app_with_docs<S: Listings>(
    service: Arc<DispatcherLogs<S>>,
    docs: Option<std::path::PathBuf>,
) -> Router {
    // Record from the first request on.
    let _ = crate::metrics::handle();
    let docs = Arc::new(docs);
    // The service's own pages get `TraceLayer`'s request spans; the API
    // not: the runtime gives each of its requests a span (request ID,
    // operation, route, status, latency), and a `Router::layer` here would
    // wrap every route in one more middleware pass per request.
    let pages = Router::new()
        .route("/metrics", get(crate::metrics::render))
        .route(
            &format!("{BASE_PATH}/docs"),
            get(move || reference_page(docs.clone())),
        )
        .route(
            &format!("{BASE_PATH}/docs/redoc.standalone.js"),
            get(redoc_bundle),
        )
        .route(&format!("{BASE_PATH}/openapi.yaml"), get(openapi_document))
        .layer(TraceLayer::new_for_http());
    // The API's routes under the base path in one router (no nested
    // router's prefix strip per request); its fallback is the document's 404.
    pages.merge(ev_energy_server::router_at(BASE_PATH, service))
}

fn html(page: impl IntoResponse) -> axum::response::Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        page,
    )
        .into_response()
}

/// The embedded reference page, or the file `--docs` names (a problem
/// saying which file could not be read when it cannot).
async fn reference_page(path: Arc<Option<std::path::PathBuf>>) -> axum::response::Response {
    let Some(path) = path.as_ref() else {
        return html(REFERENCE_HTML);
    };
    match tokio::fs::read(path).await {
        Ok(page) => html(page),
        Err(error) => {
            let problem = serde_json::json!({
                "status": 404,
                "title": "Not Found",
                "detail": format!(
                    "The reference page given with --docs cannot be read ({}: {error}); start the service without --docs to serve the embedded one.",
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

async fn redoc_bundle() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            // The bundle changes only with the binary.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        REDOC_JS,
    )
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
