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
pub(crate) struct Observation {
    operation: &'static OperationSpec,
    span: tracing::Span,
    started: Instant,
    /// The gauge this request was counted in, to count it out of.
    in_flight: metrics::Gauge,
}

impl Observation {
    /// Starts observing a request to `operation`.
    pub(crate) fn start(operation: &'static OperationSpec) -> Self {
        let span = tracing::info_span!(
            "operation",
            operation_id = operation.id,
            http.method = operation.method,
            http.route = operation.path,
            http.status = Empty,
            latency_ms = Empty,
            client_id = Empty,
        );
        let in_flight = with_handles(operation, |h| h.in_flight.clone());
        in_flight.increment(1.0);
        Self {
            operation,
            span,
            started: Instant::now(),
            in_flight,
        }
    }

    /// The span the request is answered in.
    pub(crate) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Records the answer, and the client it was given to where the
    /// credentials named one.
    pub(crate) fn finish(self, response: &Response, client_id: Option<&str>) {
        let status = response.status().as_u16();
        let elapsed = self.started.elapsed();
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        self.span.record("http.status", status);
        self.span.record("latency_ms", latency_ms);
        if let Some(client) = client_id {
            self.span.record("client_id", client);
        }
        with_handles(self.operation, |h| {
            h.requests(status).increment(1);
            h.duration.record(elapsed.as_secs_f64());
        });
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
        self.in_flight.decrement(1.0);
    }
}

/// The metric handles of one operation, resolved once per recorder (and,
/// for the request counter, once per status) instead of a registry lookup
/// per request and metric.
struct Handles {
    /// The recorder these handles belong to (its address).
    recorder: usize,
    operation: &'static OperationSpec,
    in_flight: metrics::Gauge,
    duration: metrics::Histogram,
    /// `http_requests_total` by status, in the order first answered.
    requests: Vec<(u16, metrics::Counter)>,
}

thread_local! {
    /// Each worker thread's handles: no lock, no lookup in the recorder's
    /// registry per request. Keyed by the recorder (its address) as well as
    /// the operation, so a recorder installed for a scope (`metrics::
    /// with_local_recorder`, in tests) gets handles of its own; a recorder
    /// that takes the place of a dropped one at the same address, on the
    /// same thread, would be handed the dropped one's.
    static HANDLES: std::cell::RefCell<Vec<Handles>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The address of the recorder the `metrics` macros would use here.
fn recorder() -> usize {
    metrics::with_recorder(|r| std::ptr::from_ref(r).cast::<()>() as usize)
}

/// Runs `f` on `operation`'s handles for the current recorder, resolving
/// them on first use.
fn with_handles<T>(operation: &'static OperationSpec, f: impl FnOnce(&mut Handles) -> T) -> T {
    let recorder = recorder();
    HANDLES.with(|cell| {
        let mut all = cell.borrow_mut();
        let index = match all
            .iter()
            .position(|h| h.recorder == recorder && std::ptr::eq(h.operation, operation))
        {
            Some(index) => index,
            None => {
                // Another recorder's handles are of no more use here (and
                // would keep its metrics alive): resolve afresh.
                all.retain(|h| h.recorder == recorder);
                let id = operation.id;
                all.push(Handles {
                    recorder,
                    operation,
                    in_flight: metrics::gauge!(IN_FLIGHT, "operation" => id),
                    duration: metrics::histogram!(DURATION, "operation" => id),
                    requests: Vec::new(),
                });
                all.len() - 1
            }
        };
        f(&mut all[index])
    })
}

impl Handles {
    fn requests(&mut self, status: u16) -> &metrics::Counter {
        let index = match self.requests.iter().position(|(s, _)| *s == status) {
            Some(index) => index,
            None => {
                let id = self.operation.id;
                self.requests.push((
                    status,
                    metrics::counter!(REQUESTS, "operation" => id, "status" => status_label(status)),
                ));
                self.requests.len() - 1
            }
        };
        &self.requests[index].1
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::Arc;

    use metrics::{
        Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, SharedString, Unit,
    };

    use super::*;
    use crate::gate::testing::OP;

    /// A recorder that counts registrations and the requests counted.
    #[derive(Default)]
    struct Counting {
        registrations: AtomicUsize,
        requests: Arc<Total>,
    }

    #[derive(Default)]
    struct Total(AtomicU64);

    impl CounterFn for Total {
        fn increment(&self, value: u64) {
            self.0.fetch_add(value, Ordering::Relaxed);
        }
        fn absolute(&self, value: u64) {
            self.0.store(value, Ordering::Relaxed);
        }
    }

    impl metrics::Recorder for Counting {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            self.registrations.fetch_add(1, Ordering::Relaxed);
            assert_eq!(key.name(), REQUESTS);
            Counter::from_arc(self.requests.clone())
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            self.registrations.fetch_add(1, Ordering::Relaxed);
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            self.registrations.fetch_add(1, Ordering::Relaxed);
            Histogram::noop()
        }
    }

    fn answer(status: u16) {
        let observation = Observation::start(&OP);
        let mut response = Response::new(axum::body::Body::empty());
        *response.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
        observation.finish(&response, None);
    }

    #[test]
    fn handles_are_resolved_once_per_recorder_operation_and_status() {
        let (first, second) = (Counting::default(), Counting::default());
        metrics::with_local_recorder(&first, || {
            for _ in 0..5 {
                answer(200);
            }
            answer(400);
        });
        // The gauge, the histogram, and a counter per status: once each.
        assert_eq!(first.registrations.load(Ordering::Relaxed), 4);
        assert_eq!(first.requests.0.load(Ordering::Relaxed), 6);
        // Another recorder gets its own handles, and the counts.
        metrics::with_local_recorder(&second, || answer(200));
        assert_eq!(second.registrations.load(Ordering::Relaxed), 3);
        assert_eq!(second.requests.0.load(Ordering::Relaxed), 1);
        assert_eq!(first.requests.0.load(Ordering::Relaxed), 6);
        // And the first one again, after the other.
        metrics::with_local_recorder(&first, || answer(200));
        assert_eq!(first.requests.0.load(Ordering::Relaxed), 7);
    }
}
