//! The generated `Api` trait implemented on the store.

use chrono::{DateTime, Utc};
use ev_energy_server::runtime::Error;
use ev_energy_server::types::{self, ChargingSubSessionOrUrl, DispatcherLogExpand, Problem};
use ev_energy_server::{
    Api, AuthError, Credential, CredentialKind, Hooks, Limited, ListDispatcherLogsRequest,
    ListDispatcherLogsResponse, Problems,
};

use crate::auth::{Caller, Verifier};
use crate::rate_limit::{Limiter, UNLIMITED};
use crate::store::{Listings, LogRow, Store, StoreError, SubSessionRow};

/// The reference implementation of the ev.energy dispatcher-logs API,
/// reading listings from `S`: the [`Store`] itself, or a decorator around
/// it such as [`FaultyStore`](crate::store::FaultyStore) for tests.
#[derive(Debug)]
pub struct DispatcherLogs<S = Store> {
    store: S,
    verifier: Verifier,
    limiter: Limiter,
    public_base_url: String,
}

impl<S: Listings> DispatcherLogs<S> {
    /// A service on `store`, authenticating with `verifier`, limiting with
    /// `limiter`, and naming resources by URLs under `public_base_url`
    /// (e.g. `https://api.ev.energy/v2`).
    pub fn new(store: S, verifier: Verifier, limiter: Limiter, public_base_url: &str) -> Self {
        Self {
            store,
            verifier,
            limiter,
            public_base_url: public_base_url.trim_end_matches('/').to_string(),
        }
    }

    /// The same service reading through `wrap(store)`, e.g.
    /// `service.map_store(FaultyStore::new)`.
    pub fn map_store<T: Listings>(self, wrap: impl FnOnce(S) -> T) -> DispatcherLogs<T> {
        DispatcherLogs {
            store: wrap(self.store),
            verifier: self.verifier,
            limiter: self.limiter,
            public_base_url: self.public_base_url,
        }
    }

    /// The store the service reads.
    pub fn store(&self) -> &Store {
        self.store.store()
    }

    /// What the service reads listings from (the store, or its decorator).
    pub fn listings(&self) -> &S {
        &self.store
    }

    /// Saves the in-memory rate-limit counts that changed (SQLite), so a
    /// restart keeps every caller's budget, and forgets idle callers. The
    /// service calls it every few seconds and once at shutdown.
    pub async fn save_rate_limits(&self) {
        if let Err(error) = self.limiter.save(self.store()).await {
            tracing::warn!(%error, "cannot save the rate-limit counters");
        }
    }

    /// Calls [`save_rate_limits`](Self::save_rate_limits) every `every` until dropped.
    pub fn spawn_rate_limit_saver(
        self: &std::sync::Arc<Self>,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                service.save_rate_limits().await;
            }
        })
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
}

/// How a failed listing is answered: an injected fault as the store being
/// unavailable (503), anything else as an internal error (500).
fn store_failure(error: StoreError) -> Error {
    match error {
        StoreError::Injected => Error::unavailable(error),
        error => error.into(),
    }
}

fn time(micros: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {micros}")))
}

impl<S: Listings> Hooks for DispatcherLogs<S> {
    type Principal = Caller;

    async fn authenticate(&self, credential: &Credential) -> Result<Caller, AuthError> {
        match &credential.kind {
            CredentialKind::Bearer(token) => self.verifier.verify(token),
            _ => Err(AuthError::new(
                "Send an OAuth 2.0 access token: Authorization: Bearer <token>.",
            )),
        }
    }

    async fn rate_limit(&self, caller: Option<&Caller>, _operation_id: &'static str) -> Limited {
        match caller {
            Some(caller) => {
                self.limiter
                    .check(
                        self.store(),
                        &caller.client_id,
                        caller.user_id.as_deref().unwrap_or(""),
                    )
                    .await
            }
            None => UNLIMITED,
        }
    }
}

impl<S: Listings> Api for DispatcherLogs<S> {
    async fn list_dispatcher_logs(
        &self,
        caller: Caller,
        request: ListDispatcherLogsRequest,
    ) -> Result<ListDispatcherLogsResponse, Error> {
        // Every field, so that a parameter the document adds fails this
        // build until it is handled here.
        let ListDispatcherLogsRequest {
            ev_energy_version: _,
            expand,
            charging_sub_session_id,
            logged_at_gte,
            logged_at_lte,
        } = request;
        let id = charging_sub_session_id.as_str();
        // Only its own user's sub-session: an unknown one and another
        // user's are refused alike (one lookup either way), so that IDs
        // cannot be probed.
        let listing = match caller.user_id.as_deref() {
            Some(user) => self
                .store
                .listing(
                    user,
                    id,
                    logged_at_gte.map(|t| t.timestamp_micros()),
                    logged_at_lte.map(|t| t.timestamp_micros()),
                )
                .await
                .map_err(store_failure)?,
            None => None,
        };
        let Some((sub, rows)) = listing else {
            // The adapter's own 403, with the document's texts.
            return Ok(ListDispatcherLogsResponse::forbidden(Problem::forbidden()?));
        };
        let expanded = if expand.contains(&DispatcherLogExpand::ChargingSubSession) {
            Some(self.to_sub_session(&sub)?)
        } else {
            None
        };
        let logs = rows
            .into_iter()
            .map(|row| self.to_log(row, expanded.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ListDispatcherLogsResponse::ok(logs))
    }
}
