//! A small in-memory implementation of the generated `Api` trait, for the
//! adapter's tests.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ev_energy_server::types::{self, ChargingSubSessionOrUrl, DeviceType, DispatcherLogExpand};
use ev_energy_server::{
    axum, runtime, Api, AuthError, Credential, CredentialKind, Hooks, Limited,
    ListDispatcherLogsRequest, ListDispatcherLogsResponse, Principal,
};

pub const SUB_SESSION: &str = "csub01HSH04KDEWF6Z4DB2J77J74K5";
pub const OTHER_SUB_SESSION: &str = "csub01HSH04KDEWF6Z4DB2J77J74K6";
/// A token with the `debug:read` scope.
pub const GOOD_TOKEN: &str = "good-token";
/// A token without scopes.
pub const NO_SCOPE_TOKEN: &str = "no-scope-token";

#[derive(Clone, Debug)]
pub struct User {
    pub scopes: Vec<String>,
}

impl Principal for User {
    fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    fn client_id(&self) -> Option<&str> {
        Some("test-client")
    }
}

/// Logs in memory; a fixed request budget for the rate limit.
pub struct Memory {
    pub logs: Vec<types::DispatcherLog>,
    pub limit: u64,
    pub used: AtomicU64,
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

pub fn sub_session() -> types::ChargingSubSession {
    types::ChargingSubSession {
        id: SUB_SESSION.parse().unwrap(),
        url: format!("https://api.ev.energy/v2/charging_sub_sessions/{SUB_SESSION}"),
        start: at("2024-04-17T08:45:00Z"),
        end: None,
        mode: types::ChargingMode::Smart,
        energy_delivered_watt_hours: 7420.0,
        location: "https://api.ev.energy/v2/locations/loca01HSGZX1E3N5C9V7Q2W4R6T8Y0".into(),
        cost: Some(157),
        currency: "GBP".parse().unwrap(),
        total_co2_grams: 1210.5,
        duration_minutes: 54,
    }
}

impl Memory {
    pub fn new(limit: u64) -> Self {
        let log = |logged_at: &str, device_type, reason: Option<&str>| types::DispatcherLog {
            logged_at: at(logged_at),
            charging_sub_session: ChargingSubSessionOrUrl::ResourceUrl(
                format!("https://api.ev.energy/v2/charging_sub_sessions/{SUB_SESSION}").into(),
            ),
            schedule_valid_period_start: at("2024-04-17T09:00:00Z"),
            schedule_created_at: at("2024-04-17T08:59:30Z"),
            internal_command_id: "12345678-1234-5678-1234-567812345678".parse().unwrap(),
            device_type,
            reason_not_sent: reason.map(str::to_string),
        };
        Self {
            logs: vec![
                log("2024-04-17T09:39:45.984584Z", DeviceType::Vehicle, None),
                log(
                    "2024-04-17T09:09:41Z",
                    DeviceType::Evse,
                    Some("Charger offline"),
                ),
                log("2024-04-17T08:50:00Z", DeviceType::Evse, None),
            ],
            limit,
            used: AtomicU64::new(0),
        }
    }
}

impl Hooks for Memory {
    type Principal = User;

    async fn authenticate(&self, credential: &Credential) -> Result<User, AuthError> {
        let CredentialKind::Bearer(token) = &credential.kind else {
            return Err(AuthError::new("Send a bearer token."));
        };
        match token.as_str() {
            GOOD_TOKEN => Ok(User {
                scopes: vec!["debug:read".into()],
            }),
            NO_SCOPE_TOKEN => Ok(User { scopes: vec![] }),
            _ => Err(AuthError::new("Invalid token.")),
        }
    }

    async fn rate_limit(&self, _: Option<&User>, _: &'static str) -> Limited {
        let used = self.used.fetch_add(1, Ordering::SeqCst) + 1;
        if used > self.limit {
            Limited::Exceeded {
                limit: self.limit,
                retry_after_secs: 37,
            }
        } else {
            Limited::Allowed {
                limit: self.limit,
                remaining: self.limit - used,
            }
        }
    }
}

impl Api for Memory {
    async fn list_dispatcher_logs(
        &self,
        _user: User,
        request: ListDispatcherLogsRequest,
    ) -> Result<ListDispatcherLogsResponse, runtime::Error> {
        if request.charging_sub_session_id.as_str() != SUB_SESSION {
            return Ok(ListDispatcherLogsResponse::ok(vec![]));
        }
        let expand = request
            .expand
            .contains(&DispatcherLogExpand::ChargingSubSession);
        let logs = self
            .logs
            .iter()
            .filter(|l| request.logged_at_gte.is_none_or(|t| l.logged_at >= t))
            .filter(|l| request.logged_at_lte.is_none_or(|t| l.logged_at <= t))
            .cloned()
            .map(|mut l| {
                if expand {
                    l.charging_sub_session =
                        ChargingSubSessionOrUrl::ChargingSubSession(sub_session());
                }
                l
            })
            .collect();
        Ok(ListDispatcherLogsResponse::ok(logs))
    }
}

/// The router under `/v2`, as a service would mount it.
pub fn app(limit: u64) -> axum::Router {
    axum::Router::new().nest(
        "/v2",
        ev_energy_server::router(Arc::new(Memory::new(limit))),
    )
}

/// Serves the app on 127.0.0.1; returns the base URL (`http://127.0.0.1:port/v2`).
pub async fn serve(limit: u64) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(limit)).await.unwrap() });
    format!("http://{addr}/v2")
}
