//! Our own baseline for the end-to-end figures: the listing written by hand
//! the way a team would without the workspace — axum, rusqlite with a
//! connection per core, jsonwebtoken HS256 — on the same store, with the
//! same SQL and the same JSON, so that the service's ratio to it measures
//! what the generated adapter, the store layer and the service cost on top
//! of the work itself. Its model types are written by hand too (`models`
//! below: serde derives over chrono and uuid), as a team without the
//! generator would have them; `perf bench` checks that both answer the
//! same JSON.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use ev_energy_server::axum::extract::{RawQuery, State};
use ev_energy_server::axum::http::{header, HeaderMap, StatusCode};
use ev_energy_server::axum::response::{IntoResponse, Response};
use ev_energy_server::axum::routing::get;
use ev_energy_server::axum::Router;

/// The baseline's state: a pool of SQLite connections and the token key.
pub struct Baseline {
    path: String,
    pool: Mutex<Vec<rusqlite::Connection>>,
    pub(crate) key: jsonwebtoken::DecodingKey,
    pub(crate) validation: jsonwebtoken::Validation,
}

#[derive(serde::Deserialize)]
struct Claims {
    sub: Option<String>,
    scope: String,
}

impl Baseline {
    /// A baseline on the SQLite file at `path`, verifying HS256 tokens
    /// signed with `secret` for `issuer` and `audience`.
    pub fn new(path: &str, secret: &str, issuer: &str, audience: &str) -> Arc<Self> {
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        Arc::new(Self {
            path: path.to_string(),
            pool: Mutex::new(Vec::new()),
            key: jsonwebtoken::DecodingKey::from_secret(secret.as_bytes()),
            validation,
        })
    }

    /// The router: `GET /v2/dispatcher_logs`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/v2/dispatcher_logs", get(list))
            .with_state(self.clone())
    }

    pub(crate) fn with_connection<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let connection = self.pool.lock().unwrap().pop();
        let connection = match connection {
            Some(c) => c,
            None => {
                let c = rusqlite::Connection::open(&self.path)?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c
            }
        };
        let result = f(&connection);
        self.pool.lock().unwrap().push(connection);
        result
    }
}

fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::json!({"status": status.as_u16(), "title": title, "detail": detail})
            .to_string(),
    )
        .into_response()
}

fn time(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

/// `GET /v2/dispatcher_logs`: the token, the parameters, one blocking
/// trip to SQLite, the JSON.
async fn list(
    State(baseline): State<Arc<Baseline>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let claims = match authorize(&baseline, &headers) {
        Ok(claims) => claims,
        Err(refused) => return refused.answer(),
    };
    let listing = match parse_query(query) {
        Ok(listing) => listing,
        Err(refused) => return refused.answer(),
    };
    let user = claims.sub.unwrap_or_default();
    let b = baseline.clone();
    let result =
        tokio::task::spawn_blocking(move || b.with_connection(|c| read(c, &listing, &user))).await;
    match result {
        Ok(Ok(Some(logs))) => (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_vec(&logs).unwrap_or_default(),
        )
            .into_response(),
        Ok(Ok(None)) => problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You do not have permission to perform this action.",
        ),
        _ => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            "The store is unavailable.",
        ),
    }
}

/// A refused request: the problem to answer.
struct Refusal {
    status: StatusCode,
    title: &'static str,
    detail: std::borrow::Cow<'static, str>,
}

impl Refusal {
    fn new(
        status: StatusCode,
        title: &'static str,
        detail: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
        }
    }

    fn answer(self) -> Response {
        problem(self.status, self.title, &self.detail)
    }
}

/// The bearer token's claims, if it is valid and grants `debug:read`;
/// else the 401 or 403 to answer.
fn authorize(baseline: &Baseline, headers: &HeaderMap) -> Result<Claims, Refusal> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Authentication credentials were not provided.",
        ));
    };
    let claims = match jsonwebtoken::decode::<Claims>(token, &baseline.key, &baseline.validation) {
        Ok(data) => data.claims,
        Err(_) => {
            return Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "Invalid token.",
            ))
        }
    };
    if !claims.scope.split_whitespace().any(|s| s == "debug:read") {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You do not have permission to perform this action.",
        ));
    }
    Ok(claims)
}

/// What a valid query asks for.
pub(crate) struct Listing {
    pub(crate) id: String,
    /// Inclusive bounds, microseconds since the Unix epoch.
    pub(crate) gte: i64,
    pub(crate) lte: i64,
    pub(crate) expand: bool,
}

/// The query's parameters, or the 400 to answer.
fn parse_query(query: Option<String>) -> Result<Listing, Refusal> {
    let invalid = |detail: std::borrow::Cow<'static, str>| {
        Refusal::new(StatusCode::BAD_REQUEST, "Invalid parameters", detail)
    };
    let mut params: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        params
            .entry(k.into_owned())
            .or_default()
            .push(v.into_owned());
    }
    let one = |name: &str| params.get(name).and_then(|v| v.first()).cloned();
    let Some(id) = one("charging_sub_session_id") else {
        return Err(invalid("charging_sub_session_id is required.".into()));
    };
    if !is_sub_session_id(&id) {
        return Err(invalid(
            "charging_sub_session_id must match ^csub[0-9A-Z]{26}$.".into(),
        ));
    }
    // A bound, or the name of the invalid one.
    let bound = |name: &'static str, default: i64| -> Result<i64, &'static str> {
        match one(name) {
            None => Ok(default),
            Some(text) => DateTime::parse_from_rfc3339(&text)
                .map(|t| t.timestamp_micros())
                .map_err(|_| name),
        }
    };
    let (gte, lte) = match (
        bound("logged_at__gte", i64::MIN),
        bound("logged_at__lte", i64::MAX),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(name), _) | (_, Err(name)) => {
            return Err(invalid(
                format!("{name} must be an RFC 3339 date-time.").into(),
            ))
        }
    };
    let expand = params
        .get("expand")
        .is_some_and(|v| v.iter().any(|e| e == "charging_sub_session"));
    Ok(Listing {
        id,
        gte,
        lte,
        expand,
    })
}

/// Whether `id` matches `^csub[0-9A-Z]{26}$`, checked by hand.
pub(crate) fn is_sub_session_id(id: &str) -> bool {
    id.len() == 30
        && id.starts_with("csub")
        && id[4..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// The logs `listing` asks for, if `user` owns the sub-session.
pub(crate) fn read(
    c: &rusqlite::Connection,
    listing: &Listing,
    user: &str,
) -> rusqlite::Result<Option<Vec<models::DispatcherLog>>> {
    let Listing {
        id,
        gte,
        lte,
        expand,
    } = listing;
    let (owner, sub) = match read_sub_session(c, id) {
        Ok(found) => found,
        Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(None),
        Err(e) => return Err(e),
    };
    if owner != user {
        return Ok(None);
    }
    let url = format!("https://api.ev.energy/v2/charging_sub_sessions/{id}");
    let mut statement = c.prepare_cached(
        "SELECT charging_sub_session_id, logged_at_us, schedule_valid_period_start_us, \
         schedule_created_at_us, internal_command_id, device_type, reason_not_sent \
         FROM dispatcher_logs WHERE charging_sub_session_id = $1 \
         AND logged_at_us >= $2 AND logged_at_us <= $3 \
         ORDER BY logged_at_us DESC, id DESC",
    )?;
    let logs = statement
        .query_map(rusqlite::params![id, gte, lte], |r| {
            Ok(models::DispatcherLog {
                logged_at: time(r.get(1)?),
                charging_sub_session: if *expand {
                    models::SubSessionOrUrl::SubSession(sub.clone())
                } else {
                    models::SubSessionOrUrl::Url(url.clone())
                },
                schedule_valid_period_start: time(r.get(2)?),
                schedule_created_at: time(r.get(3)?),
                internal_command_id: r.get::<_, String>(4)?.parse().expect("a stored uuid"),
                device_type: models::DeviceType::parse(&r.get::<_, String>(5)?)
                    .expect("a stored device type"),
                reason_not_sent: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(logs))
}

/// The sub-session `id` and its owner.
fn read_sub_session(
    c: &rusqlite::Connection,
    id: &str,
) -> rusqlite::Result<(String, models::ChargingSubSession)> {
    c.prepare_cached(
        "SELECT id, user_id, start_us, end_us, mode, energy_delivered_watt_hours, location, cost, \
         currency, total_co2_grams, duration_minutes FROM charging_sub_sessions WHERE id = $1",
    )?
    .query_row([id], |r| {
        Ok((
            r.get::<_, String>(1)?,
            models::ChargingSubSession {
                id: r.get(0)?,
                url: format!("https://api.ev.energy/v2/charging_sub_sessions/{id}"),
                start: time(r.get(2)?),
                end: r.get::<_, Option<i64>>(3)?.map(time),
                mode: models::ChargingMode::parse(&r.get::<_, String>(4)?).expect("a stored mode"),
                energy_delivered_watt_hours: r.get(5)?,
                location: r.get(6)?,
                cost: r.get(7)?,
                currency: r.get(8)?,
                total_co2_grams: r.get(9)?,
                duration_minutes: r.get(10)?,
            },
        ))
    })
}

/// The document's types, written by hand.
pub(crate) mod models {
    use chrono::{DateTime, Utc};
    use serde::Serialize;

    #[derive(Serialize)]
    pub struct DispatcherLog {
        pub charging_sub_session: SubSessionOrUrl,
        pub device_type: DeviceType,
        pub internal_command_id: uuid::Uuid,
        pub logged_at: DateTime<Utc>,
        pub reason_not_sent: Option<String>,
        pub schedule_created_at: DateTime<Utc>,
        pub schedule_valid_period_start: DateTime<Utc>,
    }

    /// The sub-session's URL, or the sub-session itself (`expand`).
    #[derive(Serialize)]
    #[serde(untagged)]
    pub enum SubSessionOrUrl {
        Url(String),
        SubSession(ChargingSubSession),
    }

    #[derive(Clone, Serialize)]
    pub struct ChargingSubSession {
        pub cost: Option<i64>,
        pub currency: String,
        pub duration_minutes: i64,
        pub end: Option<DateTime<Utc>>,
        pub energy_delivered_watt_hours: f64,
        pub id: String,
        pub location: String,
        pub mode: ChargingMode,
        pub start: DateTime<Utc>,
        pub total_co2_grams: f64,
        pub url: String,
    }

    #[derive(Clone, Copy, Serialize)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum DeviceType {
        Evse,
        Vehicle,
    }

    impl DeviceType {
        pub fn parse(text: &str) -> Option<Self> {
            match text {
                "EVSE" => Some(Self::Evse),
                "VEHICLE" => Some(Self::Vehicle),
                _ => None,
            }
        }
    }

    #[derive(Clone, Copy, Serialize)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum ChargingMode {
        Smart,
        Boost,
        UnmanagedHome,
        UnmanagedOtg,
        ManagedOtg,
    }

    impl ChargingMode {
        pub fn parse(text: &str) -> Option<Self> {
            match text {
                "SMART" => Some(Self::Smart),
                "BOOST" => Some(Self::Boost),
                "UNMANAGED_HOME" => Some(Self::UnmanagedHome),
                "UNMANAGED_OTG" => Some(Self::UnmanagedOtg),
                "MANAGED_OTG" => Some(Self::ManagedOtg),
                _ => None,
            }
        }
    }
}
