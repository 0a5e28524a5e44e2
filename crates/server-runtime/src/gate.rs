//! What happens before an operation runs, in this order:
//!
//! 1. content negotiation: 406 when `Accept` allows no success media type;
//! 2. the API version (the header parameter marked `x-api-version`): 400
//!    "Unsupported version" for a version the document does not have;
//! 3. authentication: 401 when credentials are missing or rejected, 400
//!    when a credential is given twice (two `Authorization` headers);
//! 4. authorization: 403 when the principal lacks the operation's scopes;
//! 5. rate limiting: 429 with `Retry-After` when the hook says so;
//! 6. parameters and body: 400 with `field_errors` naming every problem.
//!
//! What the gate learns (the version, the rate-limit figures, challenges)
//! goes into the request's [`Context`], from which the adapter fills the
//! response headers the document declares for them.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

use crate::error::{Error, FailureKind};
use crate::hooks::{Gatekeeper, Principal, RateLimit};
use crate::negotiate::accepts_any;
use crate::params::{ParamErrors, RawRequest};
use crate::problem::{Problem, Situation};
use crate::respond::{respond_json, HeaderError};
use crate::security::{challenge, find, Found};
use crate::spec::{ApiSpec, OperationSpec, SchemeKind};

/// A response header whose value the runtime knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The API version that answered.
    ApiVersion,
    /// Requests allowed per rate-limit window.
    RateLimitLimit,
    /// Requests left in the window.
    RateLimitRemaining,
    /// Seconds to wait before trying again.
    RetryAfter,
}

/// What the adapter learned about a request, for the headers of its answer.
#[derive(Debug, Default)]
pub struct Context {
    /// The operation, once routed.
    pub operation: Option<&'static OperationSpec>,
    /// The API version answering, as the document writes it.
    pub version: Option<&'static str>,
    /// `(limit, remaining)` from the rate-limit hook.
    pub rate_limit: Option<(u64, u64)>,
    /// Seconds to wait, on a 429.
    pub retry_after: Option<u64>,
    /// The authenticated client, for logs.
    pub client_id: Option<String>,
    /// Headers every answer to this request carries (challenges).
    pub extra: HeaderMap,
}

impl Context {
    /// A context for a request to `operation`.
    pub fn new(operation: &'static OperationSpec) -> Self {
        Self {
            operation: Some(operation),
            version: operation.version.and_then(|v| v.default),
            ..Self::default()
        }
    }

    /// The value the runtime knows for a header of `role`.
    pub fn value(&self, role: Role) -> Option<String> {
        match role {
            Role::ApiVersion => self.version.map(str::to_string),
            Role::RateLimitLimit => self.rate_limit.map(|(limit, _)| limit.to_string()),
            Role::RateLimitRemaining => self.rate_limit.map(|(_, remaining)| remaining.to_string()),
            Role::RetryAfter => self.retry_after.map(|s| s.to_string()),
        }
    }

    /// Writes the header `name` of `role` from what the runtime knows.
    /// A required header the runtime does not know is an error.
    pub fn fill(
        &self,
        out: &mut HeaderMap,
        name: &'static str,
        role: Role,
        required: bool,
    ) -> Result<(), HeaderError> {
        match self.value(role) {
            Some(value) => crate::respond::put(out, name, &value),
            None if required => Err(HeaderError::Missing(name)),
            None => Ok(()),
        }
    }

    /// Adds what every answer carries: the challenges, `nosniff`, and for
    /// an operation that takes credentials `Cache-Control: no-store` and
    /// `Vary: Authorization, Accept` (answers depend on who asks).
    pub fn finish(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        for name in self.extra.keys() {
            headers.remove(name);
        }
        for (name, value) in &self.extra {
            headers.append(name.clone(), value.clone());
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if self.operation.is_some_and(OperationSpec::secured) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(
                header::VARY,
                HeaderValue::from_static("Authorization, Accept"),
            );
        }
        response
    }

    fn api(&self) -> Option<&'static ApiSpec> {
        self.operation.map(|o| o.api)
    }

    /// The problem of `situation` with this document's texts.
    pub fn problem(&self, situation: Situation, values: &[(&str, &str)]) -> Problem {
        Problem::of(self.api(), situation, values)
    }
}

/// Runs the checks above. `parsed` is the outcome of parsing the
/// operation's parameters and body; a problem with them is reported only
/// after the checks before it passed. `Err` is the problem to answer with
/// (its headers are in `context.extra`).
pub async fn admit<G: Gatekeeper, R>(
    gate: &G,
    operation: &'static OperationSpec,
    request: &RawRequest,
    parsed: Result<R, ParamErrors>,
    context: &mut Context,
) -> Result<(Option<G::Principal>, R), Problem> {
    let mut parsed = parsed;

    // The version every answer reports: the one requested when the
    // document has it, else the document's default.
    let mut unsupported = None;
    if let Some(version) = operation.version {
        let name = version.param.name;
        if let Err(errors) = &mut parsed {
            if errors.fields.remove(name).is_some() {
                unsupported = Some(errors.raw.remove(name).unwrap_or_default());
            }
        }
        if unsupported.is_none() {
            let requested = request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty());
            if let Some(requested) = requested {
                match version.canonical(requested) {
                    Some(canonical) => context.version = Some(canonical),
                    None => unsupported = Some(requested.to_string()),
                }
            }
        }
    }

    if !accepts_any(&request.headers, operation.produces) {
        return Err(context.problem(Situation::NotAcceptable, &[]));
    }
    if let Some(requested) = unsupported {
        return Err(context.problem(Situation::UnsupportedVersion, &[("requested", &requested)]));
    }

    let principal = authenticate(gate, operation, request, context).await?;

    match gate.rate_limit(principal.as_ref(), operation.id).await {
        RateLimit::Unlimited => {}
        RateLimit::Allowed { limit, remaining } => context.rate_limit = Some((limit, remaining)),
        RateLimit::Exceeded {
            limit,
            retry_after_secs,
        } => {
            context.rate_limit = Some((limit, 0));
            context.retry_after = Some(retry_after_secs);
            metrics::counter!(crate::observe::RATE_LIMIT_REFUSALS, "operation" => operation.id)
                .increment(1);
            return Err(context.problem(
                Situation::TooManyRequests,
                &[("retry_after", &retry_after_secs.to_string())],
            ));
        }
    }

    match parsed {
        Ok(parsed) => Ok((principal, parsed)),
        Err(errors) if errors.is_empty() => Err(context.problem(
            Situation::BadRequest,
            &[("reason", "The request is malformed.")],
        )),
        Err(errors) => Err(invalid_parameters(context, errors)),
    }
}

/// Authentication and authorization: the first alternative of the
/// security requirement whose credentials the request carries decides.
async fn authenticate<G: Gatekeeper>(
    gate: &G,
    operation: &'static OperationSpec,
    request: &RawRequest,
    context: &mut Context,
) -> Result<Option<G::Principal>, Problem> {
    if operation.security.is_empty() {
        return Ok(None);
    }
    let api = operation.api;
    let mut optional = false;
    let mut malformed = None;
    for requirement in operation.security {
        if requirement.is_empty() {
            optional = true;
            continue;
        }
        let mut credentials = Vec::new();
        for (scheme_name, _) in requirement.iter() {
            let Some(scheme) = api.scheme(scheme_name) else {
                continue;
            };
            match find(scheme, request) {
                Found::Present(credential) => credentials.push(credential),
                Found::Absent => break,
                Found::Malformed(reason) => {
                    malformed.get_or_insert(reason);
                    break;
                }
                Found::Duplicate(reason) => {
                    return Err(context.problem(Situation::BadRequest, &[("reason", &reason)]));
                }
            }
        }
        if credentials.len() != requirement.len() {
            continue;
        }
        // Every scheme of this alternative has its credential: it decides.
        let mut principal = None;
        for credential in &credentials {
            match gate.authenticate(credential).await {
                Ok(p) => {
                    principal.get_or_insert(p);
                }
                Err(rejected) => {
                    set_challenges(operation, context, Some("invalid_token"));
                    return Err(context.problem(
                        Situation::InvalidCredentials,
                        &[("reason", &rejected.detail)],
                    ));
                }
            }
        }
        let Some(principal) = principal else {
            continue;
        };
        context.client_id = principal.client_id().map(str::to_string);
        let missing: Vec<&str> = requirement
            .iter()
            .flat_map(|(_, scopes)| scopes.iter().copied())
            .filter(|scope| !principal.has_scope(scope))
            .collect();
        if !missing.is_empty() {
            let needed = requirement
                .iter()
                .flat_map(|(_, scopes)| scopes.iter().copied())
                .collect::<Vec<_>>()
                .join(" ");
            if let Ok(value) = HeaderValue::from_str(&format!(
                "Bearer error=\"insufficient_scope\", scope=\"{needed}\""
            )) {
                context.extra.insert(header::WWW_AUTHENTICATE, value);
            }
            return Err(context.problem(Situation::Forbidden, &[]));
        }
        return Ok(Some(principal));
    }
    if malformed.is_none() && request.headers.contains_key(header::AUTHORIZATION) {
        // An Authorization header of a scheme this operation does not take.
        let expected: Vec<&str> = operation
            .security
            .iter()
            .flat_map(|r| r.iter())
            .filter_map(|(name, _)| match api.scheme(name)?.kind {
                SchemeKind::Bearer => Some("Bearer <access token>"),
                SchemeKind::Basic => Some("Basic <base64 of user:password>"),
                SchemeKind::ApiKey { .. } => None,
            })
            .fold(Vec::new(), |mut all, e| {
                if !all.contains(&e) {
                    all.push(e);
                }
                all
            });
        if !expected.is_empty() {
            malformed = Some(format!(
                "Authorization header must be: {}.",
                expected.join(" or ")
            ));
        }
    }
    if optional && malformed.is_none() {
        return Ok(None);
    }
    match malformed {
        Some(reason) => {
            set_challenges(operation, context, Some("invalid_request"));
            Err(context.problem(Situation::InvalidCredentials, &[("reason", &reason)]))
        }
        None => {
            set_challenges(operation, context, None);
            Err(context.problem(Situation::Unauthenticated, &[]))
        }
    }
}

/// `WWW-Authenticate` with a challenge per scheme HTTP has one for.
fn set_challenges(operation: &OperationSpec, context: &mut Context, error: Option<&str>) {
    let mut seen = Vec::new();
    for (name, _) in operation.security.iter().flat_map(|r| r.iter()) {
        let Some(challenge) = operation.api.scheme(name).and_then(challenge) else {
            continue;
        };
        if seen.contains(&challenge) {
            continue;
        }
        seen.push(challenge);
        let text = match error {
            Some(error) if challenge == "Bearer" => {
                format!("{challenge} realm=\"api\", error=\"{error}\"")
            }
            _ => format!("{challenge} realm=\"api\""),
        };
        if let Ok(value) = HeaderValue::from_str(&text) {
            context.extra.append(header::WWW_AUTHENTICATE, value);
        }
    }
}

/// 400 naming every invalid parameter.
fn invalid_parameters(context: &Context, errors: ParamErrors) -> Problem {
    let names: Vec<&str> = errors.fields.keys().map(String::as_str).collect();
    let mut problem = context.problem(
        Situation::InvalidParameters,
        &[
            ("count", &names.len().to_string()),
            ("names", &names.join(", ")),
        ],
    );
    problem.field_errors = errors.fields;
    problem
}

/// The answer to a backend method's `Err`: logged with its causes, then
/// the document's problem for its kind — for an unavailable dependency
/// 503, else 500 (whichever the document declares; `typed` builds the
/// declared response). `Err` is the problem to send as it is when the
/// document declares neither.
pub fn failure<R>(
    context: &Context,
    error: &Error,
    typed: impl Fn(&Problem) -> Option<R>,
) -> Result<R, Box<Problem>> {
    let operation = context.operation.map_or("", |o| o.id);
    tracing::error!(operation, error = %error.chain(), "the backend failed; answering with a problem");
    let order = match error.kind() {
        FailureKind::Unavailable => [Situation::Unavailable, Situation::InternalError],
        FailureKind::Internal => [Situation::InternalError, Situation::Unavailable],
    };
    let problems = order.map(|situation| context.problem(situation, &[]));
    for problem in &problems {
        if let Some(response) = typed(problem) {
            return Ok(response);
        }
    }
    let [first, _] = problems;
    Err(Box::new(first))
}

/// The answer to `HEAD`: the `GET` answer's status and headers (its
/// `Content-Length` too), without the body.
pub fn head(response: Response) -> Response {
    use axum::body::HttpBody;
    let (mut parts, body) = response.into_parts();
    if let Some(length) = body.size_hint().exact() {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Response::from_parts(parts, axum::body::Body::empty())
}

/// A problem the document declares no typed response for, as it is.
pub fn respond_problem(problem: &Problem, context: &Context) -> Response {
    let status = problem.status();
    context.finish(respond_json(
        status,
        crate::problem::PROBLEM_JSON,
        problem,
        HeaderMap::new(),
    ))
}

/// 404 for a path the document does not have. `path` is the path as the
/// client sent it (base path included).
pub fn not_found(api: &'static ApiSpec, path: &str) -> Response {
    respond_problem(
        &Problem::of(Some(api), Situation::NotFound, &[("path", path)]),
        &Context::default(),
    )
}

/// 405 for a method the document does not declare on a path, with `Allow`.
pub fn method_not_allowed(
    api: &'static ApiSpec,
    method: &axum::http::Method,
    allow: &'static str,
) -> Response {
    let mut context = Context::default();
    context
        .extra
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    respond_problem(
        &Problem::of(
            Some(api),
            Situation::MethodNotAllowed,
            &[("method", method.as_str())],
        ),
        &context,
    )
}
