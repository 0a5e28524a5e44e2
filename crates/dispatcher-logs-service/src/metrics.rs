//! Prometheus metrics at `/metrics`: what the generated adapter and the
//! runtime report through the `metrics` facade — requests by operation and
//! status, a latency histogram by operation, requests in flight, rate-limit
//! refusals, connections refused over the cap — rendered in the Prometheus
//! text format by `metrics-exporter-prometheus` (the facade's own exporter,
//! so the adapter depends on no exporter at all).
//!
//! `/metrics` is not authenticated: a deployment keeps it off the public
//! listener (the proxy routes only `/v2` to the world).

use std::sync::OnceLock;

use ev_energy_server::axum::http::{header, HeaderValue, StatusCode};
use ev_energy_server::axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Latency buckets, in seconds: sub-millisecond answers to slow stores.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Installs the process's recorder (once) and returns its handle; `None`
/// when another recorder is installed already.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(ev_energy_server::runtime::observe::DURATION.to_string()),
                    BUCKETS,
                )
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    spawn_upkeep(handle.clone());
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot install the Prometheus recorder; /metrics is off");
                    None
                }
            }
        })
        .as_ref()
}

/// How often the recorder's histograms are drained into their buckets.
const UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// Drains the histograms every [`UPKEEP`]: the recorder keeps every
/// recorded latency until then (or until a scrape renders them), so a
/// service nobody scrapes would hold ~8 bytes per request served.
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .stack_size(64 * 1024)
        .spawn(move || loop {
            std::thread::sleep(UPKEEP);
            handle.run_upkeep();
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start the metrics upkeep thread; latencies are drained at each scrape only");
    }
}

/// `GET /metrics`.
pub async fn render() -> Response {
    match handle() {
        Some(handle) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            )],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics are not recorded").into_response(),
    }
}
