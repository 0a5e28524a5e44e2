//! The feature-equal baseline: the listing written by hand the way a
//! competent team would write it *with the features the service has*, from
//! the ecosystem's usual parts, so that the service's ratio to it measures
//! what generation costs or saves, not what the features cost.
//!
//! - tower-http's request-ID layers (a ULID, kept when the client sent one,
//!   echoed in `X-Request-Id`), trace layer (a span per request) and
//!   set-header layers (the version, `nosniff`, `Cache-Control`, `Vary`);
//! - `metrics` with the Prometheus exporter: requests by operation and
//!   status, a latency histogram and an in-flight gauge by operation, the
//!   histogram drained every 5 s, `/metrics` rendered;
//! - hyper-util's HTTP/1 server with a header-read timeout, a connection
//!   cap and graceful shutdown;
//! - the service's own rate limiter type (off at `--rate-limit 0`, as
//!   both are run), whose figures go into `X-RateLimit-*`;
//! - the version header checked, problems with `instance` (the request
//!   ID) and the same texts, `field_errors` and `WWW-Authenticate`
//!   challenge as the service's;
//! - the same store, SQL, connection pool and JSON as the bare baseline
//!   (`baseline.rs`), and mimalloc (this binary's allocator).
//!
//! `perf bench` checks that it answers every measured request with the
//! service's status, headers and body (but the request ID).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::DateTime;
use dispatcher_logs_service::rate_limit::{now_us, RollingWindow};
use ev_energy_server::axum::extract::{MatchedPath, RawQuery, Request, State};
use ev_energy_server::axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use ev_energy_server::axum::middleware::{self, Next};
use ev_energy_server::axum::response::{IntoResponse, Response};
use ev_energy_server::axum::routing::get;
use ev_energy_server::axum::{Extension, Router};
use ev_energy_server::Limited;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::baseline::{Baseline, Listing};

const OPERATION: &str = "listDispatcherLogs";
const API_VERSION: &str = "2";
static EVENERGY_VERSION: HeaderName = HeaderName::from_static("evenergy-version");
static RATE_LIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static RATE_LIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const PROBLEM_JSON: &str = "application/problem+json";

/// The service's application state.
pub struct FeatureEqual {
    store: Arc<Baseline>,
    validation: jsonwebtoken::Validation,
    limiter: RollingWindow,
    metrics: Option<PrometheusHandle>,
}

/// A problem, as the document describes it (RFC 9457 and `field_errors`).
#[derive(serde::Serialize)]
struct Problem<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    type_: Option<&'static str>,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field_errors: Option<&'a BTreeMap<&'static str, Vec<String>>>,
    status: u16,
    title: &'a str,
    instance: String,
}

#[derive(serde::Deserialize)]
struct Claims {
    sub: Option<String>,
    client_id: String,
    scope: String,
    iat: Option<u64>,
    exp: u64,
}

// The token policy the service applies (its `auth.rs`, whose figures these
// are): `exp`, `iss` and `aud` required, `nbf` checked, `LEEWAY` seconds of
// clock leeway, at most `DEFAULT_MAX_LIFETIME` from `iat` (or now) to
// `exp`, no `iat` in the future, no `crit` header.
use dispatcher_logs_service::auth::{DEFAULT_MAX_LIFETIME as MAX_LIFETIME, LEEWAY};

/// A ULID a request, as the service's.
#[derive(Clone, Copy)]
struct MakeUlid;

impl MakeRequestId for MakeUlid {
    fn make_request_id<B>(
        &mut self,
        _: &ev_energy_server::axum::http::Request<B>,
    ) -> Option<RequestId> {
        let mut buffer = [0u8; ulid::ULID_LEN];
        let id = ulid::Ulid::generate();
        let text = id.array_to_str(&mut buffer);
        HeaderValue::from_str(text).ok().map(RequestId::new)
    }
}

impl FeatureEqual {
    /// On the SQLite file at `path`, HS256 tokens signed with `secret` for
    /// `issuer` and `audience`, `rate_limit` requests an hour per caller (0:
    /// off). Installs the process's Prometheus recorder.
    pub fn new(
        path: &str,
        secret: &str,
        issuer: &str,
        audience: &str,
        rate_limit: u64,
    ) -> Arc<Self> {
        let metrics = PrometheusBuilder::new().install_recorder().ok();
        if let Some(handle) = metrics.clone() {
            std::thread::spawn(move || loop {
                std::thread::sleep(Duration::from_secs(5));
                handle.run_upkeep();
            });
        }
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY;
        Arc::new(Self {
            store: Baseline::new(path, secret, issuer, audience),
            validation,
            limiter: RollingWindow::new(rate_limit, Duration::from_secs(3600)),
            metrics,
        })
    }

    /// The application: `GET /v2/dispatcher_logs` and `GET /metrics`.
    pub fn router(self: &Arc<Self>) -> Router {
        let layers = tower::ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeUlid))
            .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let id = request
                    .extensions()
                    .get::<RequestId>()
                    .and_then(|id| id.header_value().to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!("request", method = %request.method(), uri = %request.uri(), request_id = id)
            }))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(SetResponseHeaderLayer::overriding(
                EVENERGY_VERSION.clone(),
                HeaderValue::from_static(API_VERSION),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::VARY,
                HeaderValue::from_static("Authorization, Accept"),
            ));
        Router::new()
            .route("/v2/dispatcher_logs", get(list))
            .route_layer(middleware::from_fn(track_metrics))
            .route("/metrics", get(render_metrics))
            .with_state(self.clone())
            .layer(layers)
    }
}

/// Requests, latency and in-flight requests by operation (the route's
/// operation) and status.
async fn track_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let operation = match request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
    {
        Some("/v2/dispatcher_logs") => OPERATION,
        _ => "unknown",
    };
    let in_flight = metrics::gauge!("http_requests_in_flight", "operation" => operation);
    in_flight.increment(1.0);
    let response = next.run(request).await;
    in_flight.decrement(1.0);
    metrics::counter!(
        "http_requests_total",
        "operation" => operation,
        "status" => response.status().as_str().to_owned()
    )
    .increment(1);
    metrics::histogram!("http_request_duration_seconds", "operation" => operation)
        .record(started.elapsed().as_secs_f64());
    response
}

async fn render_metrics(State(app): State<Arc<FeatureEqual>>) -> Response {
    match &app.metrics {
        Some(handle) => handle.render().into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// A refused request: the problem to answer, and its headers.
struct Refusal {
    status: StatusCode,
    title: &'static str,
    detail: String,
    field_errors: Option<BTreeMap<&'static str, Vec<String>>>,
    challenge: Option<std::borrow::Cow<'static, str>>,
    type_: Option<&'static str>,
}

impl Refusal {
    fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
            field_errors: None,
            challenge: None,
            type_: None,
        }
    }

    /// 401 for a request without credentials.
    fn unauthorized(detail: &'static str) -> Self {
        Self {
            challenge: Some("Bearer realm=\"api\"".into()),
            ..Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail)
        }
    }

    /// 401 for a token refused: RFC 6750 §3.1's `invalid_token`, with why.
    fn invalid_token(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self {
            challenge: Some(
                format!(
                    "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"{detail}\""
                )
                .into(),
            ),
            ..Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail)
        }
    }

    fn answer(self, request_id: &RequestId, limited: Option<&Limited>) -> Response {
        let instance = format!(
            "urn:request:{}",
            request_id.header_value().to_str().unwrap_or_default()
        );
        let body = serde_json::to_vec(&Problem {
            type_: self.type_,
            detail: &self.detail,
            field_errors: self.field_errors.as_ref(),
            status: self.status.as_u16(),
            title: self.title,
            instance,
        })
        .unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        let challenge = match self.challenge {
            Some(std::borrow::Cow::Borrowed(text)) => Some(HeaderValue::from_static(text)),
            Some(std::borrow::Cow::Owned(text)) => HeaderValue::try_from(text).ok(),
            None => None,
        };
        if let Some(challenge) = challenge {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        if let Some(limited) = limited {
            rate_limit_headers(headers, limited);
        }
        response
    }
}

/// `X-RateLimit-Limit` and `-Remaining`, as the service sends them.
fn rate_limit_headers(headers: &mut HeaderMap, limited: &Limited) {
    let (limit, remaining) = match *limited {
        Limited::Allowed { limit, remaining } => (limit, remaining),
        Limited::Exceeded { limit, .. } => (limit, 0),
    };
    // The document's int64: no limit is the largest one.
    let clamp = |n: u64| n.min(i64::MAX as u64);
    headers.insert(RATE_LIMIT_LIMIT.clone(), HeaderValue::from(clamp(limit)));
    headers.insert(
        RATE_LIMIT_REMAINING.clone(),
        HeaderValue::from(clamp(remaining)),
    );
}

/// `GET /v2/dispatcher_logs`.
async fn list(
    State(app): State<Arc<FeatureEqual>>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if !accepts_json(&headers) {
        return Refusal::new(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable",
            "Could not satisfy the request Accept header.",
        )
        .answer(&request_id, None);
    }
    if let Some(version) = headers.get(&EVENERGY_VERSION) {
        if version != API_VERSION {
            let version = String::from_utf8_lossy(version.as_bytes());
            return Refusal::new(
                StatusCode::BAD_REQUEST,
                "Unsupported version",
                format!("Unsupported version requested: {version}"),
            )
            .answer(&request_id, None);
        }
    }
    let claims = match authorize(&app, &headers) {
        Ok(claims) => claims,
        Err(refused) => return refused.answer(&request_id, None),
    };
    let user = claims.sub.unwrap_or_default();
    let limited = app.limiter.check(&claims.client_id, &user, now_us());
    if let Limited::Exceeded {
        retry_after_secs, ..
    } = limited
    {
        let mut response = Refusal {
            type_: Some("https://api.ev.energy/v2/problems/rate-limit-exceeded/"),
            ..Refusal::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                format!("Request was rate limited. Try again in {retry_after_secs} seconds"),
            )
        }
        .answer(&request_id, Some(&limited));
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        return response;
    }
    let listing = match parse_query(query.as_deref().unwrap_or_default()) {
        Ok(listing) => listing,
        Err(refused) => return refused.answer(&request_id, Some(&limited)),
    };
    let store = app.store.clone();
    let read = tokio::task::spawn_blocking(move || {
        store.with_connection(|c| crate::baseline::read(c, &listing, &user))
    })
    .await;
    let refusal = match read {
        Ok(Ok(Some(logs))) => match serde_json::to_vec(&logs) {
            Ok(body) => {
                let mut response = body.into_response();
                let headers = response.headers_mut();
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                rate_limit_headers(headers, &limited);
                return response;
            }
            Err(error) => {
                tracing::error!(%error, "cannot write the listing");
                Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error",
                    "The server could not answer.",
                )
            }
        },
        Ok(Ok(None)) => Refusal::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You do not have permission to perform this action.",
        ),
        Ok(Err(error)) => {
            tracing::error!(%error, "store");
            Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "The dispatcher log store is unavailable. Try again later.",
            )
        }
        Err(error) => {
            tracing::error!(%error, "store task");
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "The server could not answer.",
            )
        }
    };
    refusal.answer(&request_id, Some(&limited))
}

/// The bearer token's claims, if it is valid under the service's token
/// policy and grants `debug:read`.
fn authorize(app: &FeatureEqual, headers: &HeaderMap) -> Result<Claims, Refusal> {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Err(Refusal::unauthorized(
            "Authentication credentials were not provided.",
        ));
    };
    let data = jsonwebtoken::decode::<Claims>(token, &app.store.key, &app.validation).map_err(
        |error| {
            use jsonwebtoken::errors::ErrorKind;
            Refusal::invalid_token(match error.kind() {
                ErrorKind::ExpiredSignature => "Token has expired.",
                ErrorKind::ImmatureSignature => "Token is not valid yet (`nbf`).",
                ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                    "Token was not issued for this API."
                }
                _ => "Invalid token.",
            })
        },
    )?;
    if data.header.crit.is_some() {
        return Err(Refusal::invalid_token(
            "Invalid token: it names critical header extensions (`crit`) this API does not support.",
        ));
    }
    let claims = data.claims;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if claims.iat.is_some_and(|iat| iat > now + LEEWAY) {
        return Err(Refusal::invalid_token(
            "Token was issued in the future (`iat`): check the issuer's clock.",
        ));
    }
    if claims.exp.saturating_sub(claims.iat.unwrap_or(now)) > MAX_LIFETIME + LEEWAY {
        return Err(Refusal::invalid_token(format!(
            "Token lives longer than this API accepts: at most {MAX_LIFETIME} seconds from `iat` \
             (or from now, without `iat`) to `exp`."
        )));
    }
    if !claims.scope.split_whitespace().any(|s| s == "debug:read") {
        // RFC 6750 §3.1: the scope the request needs.
        return Err(Refusal {
            challenge: Some("Bearer error=\"insufficient_scope\", scope=\"debug:read\"".into()),
            ..Refusal::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "You do not have permission to perform this action.",
            )
        });
    }
    Ok(claims)
}

/// Whether `Accept` (RFC 9110 §12.5.1) allows `application/json`: absent,
/// or the most specific range that covers it (`application/json`, then
/// `application/*`, then `*/*`) has a q-value above 0.
fn accepts_json(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(header::ACCEPT).iter().peekable();
    if values.peek().is_none() {
        return true;
    }
    let mut best: Option<(u8, f32)> = None;
    for range in values
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let specificity = if media.eq_ignore_ascii_case("application/json") {
            3
        } else if media.eq_ignore_ascii_case("application/*") {
            2
        } else if media == "*/*" {
            1
        } else {
            continue;
        };
        let mut q = Some(1.0);
        for parameter in parts {
            if let Some((key, value)) = parameter.split_once('=') {
                if key.trim().eq_ignore_ascii_case("q") {
                    q = value
                        .trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q));
                }
            }
        }
        // A range with a malformed q-value is ignored.
        let Some(q) = q else { continue };
        if best.is_none_or(|(s, b)| specificity > s || (specificity == s && q > b)) {
            best = Some((specificity, q));
        }
    }
    best.is_some_and(|(_, q)| q > 0.0)
}

/// The query's parameters, or the 400 naming every invalid one.
fn parse_query(query: &str) -> Result<Listing, Refusal> {
    let mut errors: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let (mut id, mut gte, mut lte, mut expand) = (None, None, None, false);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*name {
            "charging_sub_session_id" => id = Some(value.into_owned()),
            "logged_at__gte" => gte = Some(value),
            "logged_at__lte" => lte = Some(value),
            "expand" if value == "charging_sub_session" => expand = true,
            "expand" => errors.entry("expand").or_default().push(format!(
                "{value:?} is not one of [\"charging_sub_session\"]"
            )),
            _ => {}
        }
    }
    let id = match id {
        None => {
            errors
                .entry("charging_sub_session_id")
                .or_default()
                .push("This field is required.".to_string());
            String::new()
        }
        Some(id) => {
            if !crate::baseline::is_sub_session_id(&id) {
                errors
                    .entry("charging_sub_session_id")
                    .or_default()
                    .push(format!("{id:?} does not match \"^csub[0-9A-Z]{{26}}$\""));
            }
            id
        }
    };
    let mut bound =
        |name: &'static str, text: Option<std::borrow::Cow<'_, str>>, default| match text {
            None => default,
            Some(text) => match DateTime::parse_from_rfc3339(&text) {
                Ok(t) => t.timestamp_micros(),
                Err(_) => {
                    errors
                        .entry(name)
                        .or_default()
                        .push(format!("{text:?} is not a date-time"));
                    default
                }
            },
        };
    let gte = bound("logged_at__gte", gte, i64::MIN);
    let lte = bound("logged_at__lte", lte, i64::MAX);
    if errors.is_empty() {
        return Ok(Listing {
            id,
            gte,
            lte,
            expand,
        });
    }
    let names = errors.keys().copied().collect::<Vec<_>>().join(", ");
    let count = errors.len();
    let detail = format!(
        "The request has {count} invalid parameter{}: {names}.",
        if count == 1 { "" } else { "s" }
    );
    Err(Refusal {
        field_errors: Some(errors),
        ..Refusal::new(StatusCode::BAD_REQUEST, "Invalid parameters", detail)
    })
}

/// Serves `app` with hyper-util's HTTP/1 server: a 10 s header-read
/// timeout, at most `max_connections` connections (the next one waits to
/// be accepted), graceful shutdown when `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let tracing_filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_filter)
        .with_writer(std::io::stderr)
        .try_init();
    let service = hyper_util::service::TowerToHyperService::new(app);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10))
        .keep_alive(true);
    let connections = Arc::new(Semaphore::new(max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit.expect("never closed"),
            () = &mut shutdown => break,
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = graceful
            .watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service.clone()));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
    Ok(())
}
