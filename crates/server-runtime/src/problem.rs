//! RFC 9457 problem responses with the API's canonical titles and details.

use std::collections::BTreeMap;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of every problem response.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The `type` URI of the rate-limit problem.
pub const RATE_LIMIT_TYPE: &str = "https://api.ev.energy/v2/problems/rate-limit-exceeded/";

/// A problem detail as the adapter itself writes it. It serializes to the
/// same JSON as the document's `Problem` schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProblemBody {
    /// A URI that identifies the problem type; left out when the status says enough.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// The HTTP status code.
    pub status: u16,
    /// A short summary of the problem type.
    pub title: String,
    /// What went wrong this time.
    pub detail: String,
    /// For validation problems: each invalid parameter, with its reasons.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub field_errors: BTreeMap<String, Vec<String>>,
}

impl ProblemBody {
    /// A problem with a status, title and detail.
    pub fn new(status: StatusCode, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            type_: None,
            status: status.as_u16(),
            title: title.into(),
            detail: detail.into(),
            field_errors: BTreeMap::new(),
        }
    }

    /// 401 with the canonical texts (no credentials sent).
    pub fn unauthorized() -> Self {
        Self::unauthorized_because("Authentication credentials were not provided.")
    }

    /// 401 with another detail (e.g. an invalid or expired token).
    pub fn unauthorized_because(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail)
    }

    /// 403 with the canonical texts.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You do not have permission to perform this action.",
        )
    }

    /// 406 with the canonical texts.
    pub fn not_acceptable() -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable",
            "Could not satisfy the request Accept header.",
        )
    }

    /// 429 with the canonical texts.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut problem = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
            format!("Request was rate limited. Try again in {retry_after_secs} seconds"),
        );
        problem.type_ = Some(RATE_LIMIT_TYPE.to_string());
        problem
    }

    /// 400 for an `EvEnergy-Version` the API does not have.
    pub fn unsupported_version(requested: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "Unsupported version",
            format!("Unsupported version requested: {requested}"),
        )
    }

    /// 404 for a path the document does not have.
    pub fn not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not Found",
            format!("There is no resource at {path}."),
        )
    }

    /// 405 for a method the document does not declare on a path.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            format!("Method \"{method}\" not allowed."),
        )
    }

    /// The HTTP response: this body as `application/problem+json`, with
    /// `headers` added.
    pub fn into_response_with(self, headers: HeaderMap) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        respond_json(status, PROBLEM_JSON, &self, headers)
    }
}

impl IntoResponse for ProblemBody {
    fn into_response(self) -> Response {
        self.into_response_with(HeaderMap::new())
    }
}

/// Serializes `body` as JSON with `media_type`, adding `headers`.
///
/// Serialization of the generated types fails only for non-finite floats;
/// that is a bug of the implementation, answered with a logged 500 rather
/// than a panic.
pub fn respond_json<T: Serialize + ?Sized>(
    status: StatusCode,
    media_type: &'static str,
    body: &T,
    headers: HeaderMap,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
            merge_headers(response.headers_mut(), headers);
            response
        }
        Err(error) => {
            tracing::error!(%error, %status, "the response body cannot be serialized as JSON");
            let problem = ProblemBody::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "The server could not encode its response.",
            );
            let mut response = (
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::to_vec(&problem).unwrap_or_default(),
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
            response
        }
    }
}

/// A response with no body, adding `headers`.
pub fn respond_empty(status: StatusCode, headers: HeaderMap) -> Response {
    let mut response = status.into_response();
    merge_headers(response.headers_mut(), headers);
    response
}

/// Adds every header of `extra` that `target` does not have yet.
pub fn merge_headers(target: &mut HeaderMap, extra: HeaderMap) {
    let mut last = None;
    for (name, value) in extra {
        let name = match name {
            Some(name) => {
                last = Some(name.clone());
                name
            }
            None => match &last {
                Some(name) => name.clone(),
                None => continue,
            },
        };
        if !target.contains_key(&name) {
            target.insert(name, value);
        }
    }
}
