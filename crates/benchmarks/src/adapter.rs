//! Figure 1: the generated adapter against hand-written axum handlers
//! serving the same 20 logs, all from this process, loaded by wrk.

use std::sync::Arc;
use std::time::Duration;

use ev_energy_server::axum::{self, routing::get, Router};
use ev_energy_server::runtime::Error;
use ev_energy_server::types::{self, ChargingSubSessionOrUrl, DeviceType};
use ev_energy_server::{
    Api, AuthError, Credential, CredentialKind, Hooks, Limited, ListDispatcherLogsRequest,
    ListDispatcherLogsResponse, Principal,
};

use crate::measure::{median_f64, serve, wrk};
use crate::report::Figure;

#[derive(Clone, Debug)]
struct Caller;

impl Principal for Caller {
    fn has_scope(&self, scope: &str) -> bool {
        scope == "debug:read"
    }
}

/// An in-memory implementation: the same logs for every request.
struct InMemory {
    logs: Vec<types::DispatcherLog>,
}

impl Hooks for InMemory {
    type Principal = Caller;
    async fn authenticate(&self, credential: &Credential) -> Result<Caller, AuthError> {
        match &credential.kind {
            CredentialKind::Bearer(token) if token == "bench" => Ok(Caller),
            _ => Err(AuthError::new("Invalid token.")),
        }
    }

    async fn rate_limit(&self, _: Option<&Caller>, _: &'static str) -> Limited {
        Limited::Allowed {
            limit: 1_000_000,
            remaining: 999_999,
        }
    }
}

impl Api for InMemory {
    async fn list_dispatcher_logs(
        &self,
        _caller: Caller,
        _request: ListDispatcherLogsRequest,
    ) -> Result<ListDispatcherLogsResponse, Error> {
        Ok(ListDispatcherLogsResponse::ok(self.logs.clone()))
    }
}

/// `n` logs of one sub-session, newest first, as the generated types hold them.
pub fn sample_logs(n: usize) -> Vec<types::DispatcherLog> {
    let base: chrono::DateTime<chrono::Utc> =
        "2024-04-17T09:39:45.984584Z".parse().unwrap_or_default();
    (0..n)
        .map(|i| types::DispatcherLog {
            logged_at: base - chrono::Duration::seconds(i as i64 * 180),
            charging_sub_session: ChargingSubSessionOrUrl::ResourceUrl(
                "https://api.ev.energy/v2/charging_sub_sessions/csub01HSH04KDEWF6Z4DB2J77J74K5"
                    .to_string()
                    .into(),
            ),
            schedule_valid_period_start: base - chrono::Duration::minutes(30 * (i as i64 / 10)),
            schedule_created_at: base - chrono::Duration::minutes(30 * (i as i64 / 10) + 1),
            internal_command_id: uuid_like(i),
            device_type: if i % 2 == 0 {
                DeviceType::Evse
            } else {
                DeviceType::Vehicle
            },
            reason_not_sent: (i % 7 == 0).then(|| "Charger offline".to_string()),
        })
        .collect()
}

fn uuid_like(i: usize) -> uuid::Uuid {
    format!("12345678-1234-5678-1234-{i:012}")
        .parse()
        .unwrap_or_default()
}

/// The two hand-written handlers: one returning `bytes` as they are, and
/// one serializing 20 logs per request as the generated side does.
fn hand_written(bytes: Vec<u8>) -> (Router, Router) {
    let baseline = Router::new().route(
        "/v2/dispatcher_logs",
        get(move || {
            let bytes = bytes.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    bytes,
                )
            }
        }),
    );
    // A second baseline that does the serialization the generated side does,
    // to tell the adapter's own cost from the cost of encoding the logs.
    let serializing = Router::new().route(
        "/v2/dispatcher_logs",
        get(move || {
            let logs = sample_logs(20);
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    serde_json::to_vec(&logs).unwrap_or_default(),
                )
            }
        }),
    );
    (baseline, serializing)
}

pub async fn adapter_overhead(per_round: Duration) -> anyhow::Result<Figure> {
    let logs = sample_logs(20);
    let bytes = serde_json::to_vec(&logs)?;
    let generated =
        Router::new().nest("/v2", ev_energy_server::router(Arc::new(InMemory { logs })));
    let (baseline, serializing) = hand_written(bytes);
    let generated = format!("http://{}", serve(generated).await?);
    let baseline = format!("http://{}", serve(baseline).await?);
    let serializing = format!("http://{}", serve(serializing).await?);
    let path = "/v2/dispatcher_logs?charging_sub_session_id=csub01HSH04KDEWF6Z4DB2J77J74K5";
    // Warm up each, then alternate rounds of wrk.
    for base in [&generated, &serializing, &baseline] {
        wrk(&format!("{base}{path}"), "bench", 1)?;
    }
    let (mut ours, mut theirs, mut bytes_side, mut p99) =
        (Vec::new(), Vec::new(), Vec::new(), (Vec::new(), Vec::new()));
    let seconds = per_round.as_secs().max(1);
    for _ in 0..3 {
        let (rps, bad, p) = wrk(&format!("{generated}{path}"), "bench", seconds)?;
        anyhow::ensure!(bad == 0, "the generated router answered {bad} non-2xx");
        ours.push(rps);
        p99.0.push(p);
        let (rps, bad, p) = wrk(&format!("{serializing}{path}"), "bench", seconds)?;
        anyhow::ensure!(bad == 0, "the serializing handler answered {bad} non-2xx");
        theirs.push(rps);
        p99.1.push(p);
        let (rps, bad, _) = wrk(&format!("{baseline}{path}"), "bench", seconds)?;
        anyhow::ensure!(
            bad == 0,
            "the pre-serialized handler answered {bad} non-2xx"
        );
        bytes_side.push(rps);
    }
    let (a, b, c) = (
        median_f64(&mut ours),
        median_f64(&mut theirs),
        median_f64(&mut bytes_side),
    );
    let ratio = a / b;
    Ok(Figure {
        name: "Generated adapter vs a hand-written axum handler serializing the same 20 logs".into(),
        measured: format!(
            "{a:.0} vs {b:.0} req/s (wrk -t1 -c32, median of 3 rounds of {seconds} s); p99 {:.2} vs {:.2} ms. \
             Against a handler returning pre-serialized bytes: {c:.0} req/s, ratio {:.2}",
            median_f64(&mut p99.0),
            median_f64(&mut p99.1),
            a / c,
        ),
        ratio,
        target: "≥ 0.95",
        met: ratio >= 0.95,
    })
}
