//! The generated `Api` trait implemented on the store.

use chrono::{DateTime, Utc};
use ev_energy_server::types::{self, ChargingSubSessionOrUrl, DispatcherLogExpand, Problem};
use ev_energy_server::{
    Api, AuthError, Hooks, ListDispatcherLogsRequest, ListDispatcherLogsResponse, RateLimit,
};

use crate::auth::{Caller, Verifier};
use crate::rate_limit::Limiter;
use crate::store::{LogRow, Store, StoreError, SubSessionRow};

/// The reference implementation of the ev.energy dispatcher-logs API.
#[derive(Debug)]
pub struct DispatcherLogs {
    store: Store,
    verifier: Verifier,
    limiter: Limiter,
    public_base_url: String,
}

impl DispatcherLogs {
    /// A service on `store`, authenticating with `verifier`, limiting with
    /// `limiter`, and naming resources by URLs under `public_base_url`
    /// (e.g. `https://api.ev.energy/v2`).
    pub fn new(store: Store, verifier: Verifier, limiter: Limiter, public_base_url: &str) -> Self {
        Self {
            store,
            verifier,
            limiter,
            public_base_url: public_base_url.trim_end_matches('/').to_string(),
        }
    }

    /// The store the service reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn sub_session_url(&self, id: &str) -> String {
        format!("{}/charging_sub_sessions/{id}", self.public_base_url)
    }

    fn to_log(
        &self,
        row: LogRow,
        expanded: Option<&types::ChargingSubSession>,
    ) -> Result<types::DispatcherLog, StoreError> {
        Ok(types::DispatcherLog {
            logged_at: time(row.logged_at_us)?,
            charging_sub_session: match expanded {
                Some(sub) => ChargingSubSessionOrUrl::ChargingSubSession(sub.clone()),
                None => ChargingSubSessionOrUrl::ResourceUrl(
                    self.sub_session_url(&row.charging_sub_session_id).into(),
                ),
            },
            schedule_valid_period_start: time(row.schedule_valid_period_start_us)?,
            schedule_created_at: time(row.schedule_created_at_us)?,
            internal_command_id: row.internal_command_id.parse().map_err(|_| {
                StoreError::Corrupt(format!("internal_command_id {:?}", row.internal_command_id))
            })?,
            device_type: row
                .device_type
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("device_type {:?}", row.device_type)))?,
            reason_not_sent: row.reason_not_sent,
        })
    }

    fn to_sub_session(&self, row: &SubSessionRow) -> Result<types::ChargingSubSession, StoreError> {
        let corrupt = |what: &str, value: &str| StoreError::Corrupt(format!("{what} {value:?}"));
        Ok(types::ChargingSubSession {
            id: row
                .id
                .parse()
                .map_err(|_| corrupt("sub-session id", &row.id))?,
            url: self.sub_session_url(&row.id),
            start: time(row.start_us)?,
            end: row.end_us.map(time).transpose()?,
            mode: row.mode.parse().map_err(|_| corrupt("mode", &row.mode))?,
            energy_delivered_watt_hours: row.energy_delivered_watt_hours,
            location: row.location.clone(),
            cost: row.cost,
            currency: row
                .currency
                .parse()
                .map_err(|_| corrupt("currency", &row.currency))?,
            total_co2_grams: row.total_co2_grams,
            duration_minutes: row.duration_minutes,
        })
    }

    async fn list(
        &self,
        caller: &Caller,
        request: &ListDispatcherLogsRequest,
    ) -> Result<ListDispatcherLogsResponse, StoreError> {
        let id = request.charging_sub_session_id.as_str();
        // An unknown sub-session and another user's get the same 403, so
        // that IDs cannot be probed.
        let Some(sub) = self.store.sub_session(id).await? else {
            return Ok(forbidden());
        };
        if caller.user_id.as_deref() != Some(sub.user_id.as_str()) {
            return Ok(forbidden());
        }
        let expanded = if request
            .expand
            .contains(&DispatcherLogExpand::ChargingSubSession)
        {
            Some(self.to_sub_session(&sub)?)
        } else {
            None
        };
        let rows = self
            .store
            .logs(
                id,
                request.logged_at_gte.map(|t| t.timestamp_micros()),
                request.logged_at_lte.map(|t| t.timestamp_micros()),
            )
            .await?;
        let logs = rows
            .into_iter()
            .map(|row| self.to_log(row, expanded.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ListDispatcherLogsResponse::ok(logs))
    }
}

fn time(micros: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {micros}")))
}

fn problem(status: u16, title: &str, detail: &str) -> Problem {
    Problem {
        type_: None,
        status: Some(i32::from(status)),
        title: title.to_string(),
        detail: detail.to_string(),
        instance: None,
        notification: None,
        field_errors: Default::default(),
    }
}

fn forbidden() -> ListDispatcherLogsResponse {
    ListDispatcherLogsResponse::forbidden(problem(
        403,
        "Forbidden",
        "You do not have permission to perform this action.",
    ))
}

impl Hooks for DispatcherLogs {
    type Principal = Caller;

    async fn authenticate(&self, token: &str) -> Result<Caller, AuthError> {
        self.verifier.verify(token)
    }

    async fn rate_limit(&self, caller: Option<&Caller>, _operation_id: &'static str) -> RateLimit {
        match caller {
            Some(caller) => {
                self.limiter
                    .check(
                        &self.store,
                        &caller.client_id,
                        caller.user_id.as_deref().unwrap_or(""),
                    )
                    .await
            }
            None => RateLimit::Unlimited,
        }
    }
}

impl Api for DispatcherLogs {
    async fn list_dispatcher_logs(
        &self,
        caller: Caller,
        request: ListDispatcherLogsRequest,
    ) -> ListDispatcherLogsResponse {
        match self.list(&caller, &request).await {
            Ok(response) => response,
            Err(error) => {
                tracing::error!(%error, sub_session = request.charging_sub_session_id.as_str(), "listing dispatcher logs failed");
                ListDispatcherLogsResponse::service_unavailable(problem(
                    503,
                    "Service Unavailable",
                    "The dispatcher log store is unavailable. Try again later.",
                ))
            }
        }
    }
}
