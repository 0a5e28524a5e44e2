//! What happens before an operation runs, in this order (the order of the
//! API's reference implementation):
//!
//! 1. content negotiation: 406 when `Accept` allows no success media type;
//! 2. the API version: 400 "Unsupported version" for a bad `EvEnergy-Version`;
//! 3. authentication: 401 when the bearer token is missing or rejected;
//! 4. authorization: 403 when the principal lacks the operation's scopes;
//! 5. rate limiting: 429 with `Retry-After` when the hook says so;
//! 6. parameters: 400 with `field_errors` naming every invalid parameter.
//!
//! Every response, the operation's own included, then carries the headers
//! gathered here (`EvEnergy-Version`, `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining`).

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

use crate::hooks::{Hooks, Principal, RateLimit};
use crate::negotiate::accepts_any;
use crate::params::{Location, ParamErrors, ParamSpec, RawRequest};
use crate::problem::ProblemBody;

/// The request header that selects the API version.
pub const VERSION_HEADER: &str = "EvEnergy-Version";
/// `X-RateLimit-Limit`
pub const RATE_LIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// `X-RateLimit-Remaining`
pub const RATE_LIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");

/// An operation as the document declares it. Generated, one per operation.
pub struct OperationSpec {
    /// The `operationId`.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, e.g. `/dispatcher_logs`.
    pub path: &'static str,
    /// The media types of the success responses (for `Accept`).
    pub produces: &'static [&'static str],
    /// The security requirement: alternatives, each the OAuth2 scopes it
    /// needs. Empty: no authentication. An empty alternative: optional.
    pub security: &'static [&'static [&'static str]],
    /// The parameters, in document order.
    pub params: &'static [&'static ParamSpec],
}

impl OperationSpec {
    fn version_param(&self) -> Option<&'static ParamSpec> {
        self.params
            .iter()
            .copied()
            .find(|p| p.location == Location::Header && p.name.eq_ignore_ascii_case(VERSION_HEADER))
    }
}

/// A request that passed the gate.
#[derive(Debug)]
pub struct Admitted<P> {
    /// The authenticated caller; `None` for operations without security.
    pub principal: Option<P>,
    /// Headers every response to this request carries.
    pub headers: HeaderMap,
}

/// Runs the checks above. `parsed` is the outcome of parsing the
/// operation's parameters; a parameter problem is reported only after
/// the checks before it passed.
pub async fn admit<H: Hooks, R>(
    hooks: &H,
    operation: &OperationSpec,
    request: &RawRequest,
    parsed: Result<R, ParamErrors>,
) -> Result<(Admitted<H::Principal>, R), Response> {
    let mut headers = HeaderMap::new();
    let mut parsed = parsed;

    // The version every response reports: the one requested, when valid,
    // else the document's default.
    let version = operation.version_param();
    let version_error = match (&mut parsed, version) {
        (Err(errors), Some(spec)) => errors
            .fields
            .remove(spec.name)
            .map(|_| errors.raw.get(spec.name).cloned().unwrap_or_default()),
        _ => None,
    };
    if let Some(spec) = version {
        let requested = request
            .headers
            .get(spec.name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && version_error.is_none());
        if let Some(value) = requested.or(spec.default) {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(HeaderName::from_static("evenergy-version"), value);
            }
        }
    }

    if !accepts_any(&request.headers, operation.produces) {
        return Err(ProblemBody::not_acceptable().into_response_with(headers));
    }
    if let Some(requested) = version_error {
        return Err(ProblemBody::unsupported_version(&requested).into_response_with(headers));
    }

    let principal = if operation.security.is_empty() {
        None
    } else {
        let optional = operation.security.iter().any(|scopes| scopes.is_empty());
        match bearer_token(&request.headers) {
            None if optional => None,
            None => return Err(unauthorized(ProblemBody::unauthorized(), None, headers)),
            Some(Err(())) => {
                return Err(unauthorized(
                    ProblemBody::unauthorized_because(
                        "Authorization header must be: Bearer <access token>.",
                    ),
                    Some("invalid_request"),
                    headers,
                ))
            }
            Some(Ok(token)) => match hooks.authenticate(token).await {
                Ok(principal) => Some(principal),
                Err(rejected) => {
                    return Err(unauthorized(
                        ProblemBody::unauthorized_because(rejected.detail),
                        Some("invalid_token"),
                        headers,
                    ))
                }
            },
        }
    };
    if let Some(principal) = &principal {
        let allowed = operation
            .security
            .iter()
            .any(|scopes| scopes.iter().all(|scope| principal.has_scope(scope)));
        if !allowed {
            let needed = operation
                .security
                .iter()
                .find(|s| !s.is_empty())
                .map(|s| s.join(" "));
            let mut challenge = String::from("Bearer error=\"insufficient_scope\"");
            if let Some(needed) = needed {
                challenge.push_str(&format!(", scope=\"{needed}\""));
            }
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
            return Err(ProblemBody::forbidden().into_response_with(headers));
        }
    }

    match hooks.rate_limit(principal.as_ref(), operation.id).await {
        RateLimit::Unlimited => {}
        RateLimit::Allowed { limit, remaining } => {
            headers.insert(RATE_LIMIT_LIMIT, HeaderValue::from(limit));
            headers.insert(RATE_LIMIT_REMAINING, HeaderValue::from(remaining));
        }
        RateLimit::Exceeded {
            limit,
            retry_after_secs,
        } => {
            headers.insert(RATE_LIMIT_LIMIT, HeaderValue::from(limit));
            headers.insert(RATE_LIMIT_REMAINING, HeaderValue::from(0u64));
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return Err(
                ProblemBody::too_many_requests(retry_after_secs).into_response_with(headers)
            );
        }
    }

    match parsed {
        Ok(parsed) => Ok((Admitted { principal, headers }, parsed)),
        Err(errors) => Err(invalid_parameters(errors).into_response_with(headers)),
    }
}

/// `Some(Ok(token))` for `Authorization: Bearer <token>`, `Some(Err(()))`
/// for another or malformed `Authorization`, `None` when there is none.
fn bearer_token(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let Ok(text) = value.to_str() else {
        return Some(Err(()));
    };
    let (scheme, token) = text.trim().split_once(' ').unwrap_or((text, ""));
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() {
        Some(Ok(token))
    } else {
        Some(Err(()))
    }
}

fn unauthorized(problem: ProblemBody, error: Option<&str>, mut headers: HeaderMap) -> Response {
    let challenge = match error {
        Some(error) => format!("Bearer realm=\"api\", error=\"{error}\""),
        None => "Bearer realm=\"api\"".to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        headers.insert(header::WWW_AUTHENTICATE, value);
    }
    problem.into_response_with(headers)
}

/// 400 naming every invalid parameter.
pub fn invalid_parameters(errors: ParamErrors) -> ProblemBody {
    let names: Vec<&str> = errors.fields.keys().map(String::as_str).collect();
    let detail = match names.len() {
        1 => format!("The request has 1 invalid parameter: {}.", names[0]),
        n => format!(
            "The request has {n} invalid parameters: {}.",
            names.join(", ")
        ),
    };
    let mut problem = ProblemBody::new(StatusCode::BAD_REQUEST, "Invalid parameters", detail);
    problem.field_errors = errors.fields;
    problem
}

/// The router's fallback for a path the document does not have: 404.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    ProblemBody::not_found(uri.path()).into_response_with(HeaderMap::new())
}

/// 405 for a method the document does not declare on a path, with `Allow`.
pub fn method_not_allowed(method: &axum::http::Method, allow: &'static str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::ALLOW, HeaderValue::from_static(allow));
    ProblemBody::method_not_allowed(method.as_str()).into_response_with(headers)
}
