//! A small document, a backend and requests for the gate's unit tests.

use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderValue, Method};

use crate::hooks::{AuthError, Credential, CredentialKind, Gatekeeper, Principal, RateLimit};
use crate::params::RawRequest;
use crate::problem::{ProblemText, Situation};
use crate::reply::typed_problem;
use crate::spec::{
    ApiSpec, HeaderSpec, Kind, OperationSpec, ParamSpec, ResponseSpec, Role, SchemeSpec, Shape,
};

pub(crate) static API: ApiSpec = ApiSpec {
    title: "test",
    problems: &[ProblemText::of(Situation::Forbidden)
        .title("No")
        .detail("Not yours.")],
    schemes: &[SchemeSpec::bearer("oauth2")],
    problem: Some(typed_problem::<serde_json::Value>),
    usual_error: None,
};

static ERROR_HEADERS: [HeaderSpec; 2] = [
    HeaderSpec::filled("api-version", Role::ApiVersion, true),
    HeaderSpec::filled("x-ratelimit-limit", Role::RateLimitLimit, false),
];
static OK_HEADERS: [HeaderSpec; 3] = [
    HeaderSpec::filled("api-version", Role::ApiVersion, true),
    HeaderSpec::new("etag", false),
    HeaderSpec::new("location", true),
];

/// `GET /things?id=…&tag=…`, bearer with scope `read`, version header
/// `Api-Version` (1 or 2, default 1); 200 JSON with headers, 400/401/403/406/429
/// problems, 503 whose `Retry-After`-like header only the backend knows.
pub(crate) static OP: OperationSpec = OperationSpec {
    api: &API,
    id: "list_things",
    method: "GET",
    path: "/things",
    produces: &["application/json"],
    security: &[&[("oauth2", &["read"])]],
    params: &[
        ParamSpec::header("Api-Version", "api_version", Kind::Integer)
            .schema(r#"{"type":"integer","enum":[1,2],"default":1}"#),
        ParamSpec::query("id", "id", Kind::Integer)
            .required()
            .schema(r#"{"type":"integer","minimum":1}"#),
        ParamSpec::query("tag", "tag", Kind::String)
            .shape(Shape::Exploded)
            .schema(r#"{"type":"array","items":{"type":"string"}}"#),
    ],
    body: None,
    consumes: &[],
    version: Some("Api-Version"),
    responses: &[
        ResponseSpec::code(200, Some("application/json"), &OK_HEADERS),
        ResponseSpec::code(400, Some("application/problem+json"), &ERROR_HEADERS),
        ResponseSpec::code(401, Some("application/problem+json"), &ERROR_HEADERS),
        ResponseSpec::code(403, Some("application/problem+json"), &ERROR_HEADERS),
        ResponseSpec::code(406, Some("application/problem+json"), &ERROR_HEADERS),
        ResponseSpec::code(429, Some("application/problem+json"), &ERROR_HEADERS),
        ResponseSpec::code(503, Some("application/problem+json"), &OWN_HEADERS),
        ResponseSpec::range(5, None, &[]),
    ],
};

/// The 503's own required header.
static OWN_HEADERS: [HeaderSpec; 1] = [HeaderSpec::new("x-own", true)];

/// A principal with some scopes.
#[derive(Clone, Debug)]
pub(crate) struct Caller(pub(crate) Vec<&'static str>);

impl Principal for Caller {
    fn has_scope(&self, scope: &str) -> bool {
        self.0.contains(&scope)
    }
}

/// Tokens `read` and `none` (with those scopes) and the API key `key` are
/// accepted; the rate
/// limit answers what `limit` holds.
pub(crate) struct Backend {
    pub(crate) limit: Mutex<RateLimit>,
}

impl Backend {
    pub(crate) fn new() -> Self {
        Self {
            limit: Mutex::new(RateLimit::Allowed {
                limit: 10,
                remaining: 9,
            }),
        }
    }
}

impl Gatekeeper for Backend {
    type Principal = Caller;

    async fn authenticate(&self, credential: &Credential) -> Result<Caller, AuthError> {
        match &credential.kind {
            CredentialKind::Bearer(token) if token == "read" => Ok(Caller(vec!["read"])),
            CredentialKind::Bearer(token) if token == "none" => Ok(Caller(vec![])),
            CredentialKind::ApiKey(key) if key == "key" => Ok(Caller(vec![])),
            _ => Err(AuthError::new("Unknown token.")),
        }
    }

    async fn rate_limit(&self, _: Option<&Caller>, _: &'static str) -> RateLimit {
        *self.limit.lock().unwrap()
    }
}

/// A request with `query` and `headers`.
pub(crate) fn request(query: &[(&str, &str)], headers: &[(&str, &str)]) -> RawRequest {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    RawRequest {
        method: Method::GET,
        path: "/things".into(),
        query: query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into(),
        headers: map,
        path_params: Ok(Vec::new()),
    }
}
