//! Encoding answers: JSON bodies, empty bodies, and header values that
//! must never be dropped silently.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::problem::{Problem, Situation, PROBLEM_JSON};

/// Why a response's headers could not be written.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    /// A value contains characters a header cannot carry (a line break…).
    #[error("the value of the `{0}` header cannot be sent in HTTP: {1:?}")]
    Invalid(&'static str, String),
    /// The document requires the header and nothing set it.
    #[error("the document requires the `{0}` header on this response and nothing set it")]
    Missing(&'static str),
    /// The response's body or headers cannot be serialized (a non-finite float).
    #[error("the response cannot be serialized: {0}")]
    Unencodable(String),
    /// The backend chose a media type the document does not declare for
    /// the response (or none where the document declares only a range).
    #[error(
        "the body's media type {0:?} is not one the document declares for this response (`{1}`)"
    )]
    Undeclared(Option<String>, &'static str),
}

/// Sets the declared header `spec` to `value`, by its name made once.
pub(crate) fn put_named(
    out: &mut HeaderMap,
    spec: &crate::spec::HeaderSpec,
    value: &str,
) -> Result<(), HeaderError> {
    let value = HeaderValue::from_str(value)
        .map_err(|_| HeaderError::Invalid(spec.name, value.chars().take(80).collect()))?;
    out.insert(spec.header.clone(), value);
    Ok(())
}

/// Serializes `body` as JSON with `media_type`, with `headers`.
///
/// Serialization of the generated types fails only for non-finite floats;
/// that is a bug of the backend, answered with a logged 500 problem
/// rather than a panic.
pub fn respond_json<T: Serialize + ?Sized>(
    status: StatusCode,
    media_type: &'static str,
    body: &T,
    headers: HeaderMap,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => respond_bytes(status, media_type, bytes, headers),
        Err(error) => {
            tracing::error!(%error, %status, "the response body cannot be serialized as JSON");
            internal_error()
        }
    }
}

/// `bytes` as the body, with `media_type` and `headers`.
pub fn respond_bytes(
    status: StatusCode,
    media_type: &'static str,
    bytes: Vec<u8>,
    headers: HeaderMap,
) -> Response {
    let mut response = (status, bytes).into_response();
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    out.extend(headers);
    response
}

/// A response with no body, with `headers`.
pub fn respond_empty(status: StatusCode, headers: HeaderMap) -> Response {
    let mut response = status.into_response();
    response.headers_mut().extend(headers);
    response
}

/// The answer when the backend's response cannot be sent as the document
/// says (a header it cannot encode, a required header missing): a logged
/// 500 problem, never a response without the header.
pub fn header_failure(error: HeaderError) -> Response {
    tracing::error!(%error, "the response breaks the document's contract; answering 500");
    internal_error()
}

fn internal_error() -> Response {
    let problem = Problem::of(None, Situation::InternalError, &[]);
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
