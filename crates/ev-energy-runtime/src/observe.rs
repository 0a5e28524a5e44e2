//! What every operation reports, without a line of backend code: a
//! `tracing` span per request, and metrics through the `metrics` facade
//! (the application installs a recorder, e.g. Prometheus; without one they
//! cost next to nothing).
//!
//! The span is `operation` with `operation_id`, `http.method`,
//! `http.route` (the path template, not the raw path), and, when the answer
//! is sent, `http.status`, `latency_ms` and the principal's `client_id`.
//!
//! Metrics, labelled by `operation` (the operationId):
//! - `http_requests_total` (counter, also by `status`),
//! - `http_request_duration_seconds` (histogram),
//! - `http_requests_in_flight` (gauge),
//! - `http_rate_limit_refusals_total` (counter; see `gate`).

use std::time::Instant;

use axum::response::Response;
use tracing::field::Empty;

use crate::gate::Context;
use crate::spec::OperationSpec;

/// Counter: answers, by `operation` and `status`.
pub const REQUESTS: &str = "http_requests_total";
/// Histogram: seconds from routing to the answer, by `operation`.
pub const DURATION: &str = "http_request_duration_seconds";
/// Gauge: requests being answered, by `operation`.
pub const IN_FLIGHT: &str = "http_requests_in_flight";
/// Counter: requests the rate-limit hook refused, by `operation`.
pub const RATE_LIMIT_REFUSALS: &str = "http_rate_limit_refusals_total";

/// One request to an operation, from routing to its answer.
pub struct Observation {
    operation: &'static OperationSpec,
    span: tracing::Span,
    started: Instant,
}

impl Observation {
    /// Starts observing a request to `operation`.
    pub fn start(operation: &'static OperationSpec) -> Self {
        let span = tracing::info_span!(
            "operation",
            operation_id = operation.id,
            http.method = operation.method,
            http.route = operation.path,
            http.status = Empty,
            latency_ms = Empty,
            client_id = Empty,
        );
        metrics::gauge!(IN_FLIGHT, "operation" => operation.id).increment(1.0);
        Self {
            operation,
            span,
            started: Instant::now(),
        }
    }

    /// The span the request is answered in.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Records the answer.
    pub fn finish(self, response: &Response, context: &Context) {
        let status = response.status().as_u16();
        let elapsed = self.started.elapsed();
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        self.span.record("http.status", status);
        self.span.record("latency_ms", latency_ms);
        if let Some(client) = &context.client_id {
            self.span.record("client_id", client.as_str());
        }
        let id = self.operation.id;
        metrics::counter!(REQUESTS, "operation" => id, "status" => status_label(status))
            .increment(1);
        metrics::histogram!(DURATION, "operation" => id).record(elapsed.as_secs_f64());
        self.span.in_scope(|| {
            tracing::debug!(status, latency_ms, "answered");
        });
    }
}

/// The `status` label of `status`, without an allocation per request.
fn status_label(status: u16) -> &'static str {
    static LABELS: std::sync::LazyLock<Vec<String>> =
        std::sync::LazyLock::new(|| (0..1000).map(|n| format!("{n:03}")).collect());
    LABELS
        .get(usize::from(status))
        .map_or("invalid", String::as_str)
}

impl Drop for Observation {
    /// A request ends, answered or not (a client that hangs up cancels it).
    fn drop(&mut self) {
        metrics::gauge!(IN_FLIGHT, "operation" => self.operation.id).decrement(1.0);
    }
}
