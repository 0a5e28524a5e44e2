//! The limits [`serve`](crate::serve()) holds each connection and request
//! to, and the answers to a request over them: the document's usual error
//! body where it has one of its own, else RFC 9457 problem+json, with
//! HTTP's own texts (no situation of the document covers them).

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

use crate::problem::{Problem, PROBLEM_JSON};
use crate::spec::ApiSpec;

/// What one server allows each connection and request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest a client may take to send a request head, and to start
    /// the next request on a kept-alive connection.
    pub header_read_timeout: Duration,
    /// The longest a connection may go without a byte read or written.
    pub idle_timeout: Duration,
    /// Connections open at once; more are refused with a 503.
    pub max_connections: usize,
    /// The longest request target (path and query), in bytes.
    pub max_uri_bytes: usize,
    /// The most bytes of request header fields (names and values).
    pub max_header_bytes: usize,
    /// The largest request body, in bytes.
    pub max_body_bytes: usize,
    /// How long requests in flight may take to finish at shutdown.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_uri_bytes: 8 * 1024,
            max_header_bytes: 16 * 1024,
            max_body_bytes: 1024 * 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// The request-head size past which hyper itself answers a bare 431:
    /// well above ours, so that every head ours refuse reaches our code and
    /// gets a problem body.
    pub fn hard_head_bytes(&self) -> usize {
        (self.max_uri_bytes + self.max_header_bytes) * 2 + 16 * 1024
    }

    /// How much of a connection's first request head is read before it is
    /// refused without hyper (`head.rs`): above ours, below
    /// [`Limits::hard_head_bytes`].
    pub fn watched_head_bytes(&self) -> usize {
        self.max_uri_bytes + self.max_header_bytes + 8 * 1024
    }
}

/// `problem` as a whole HTTP/1.1 answer that closes the connection, in
/// the document's usual error body when it has one of its own, for the
/// refusals written to the socket without hyper.
pub(crate) fn raw_answer(api: &'static ApiSpec, problem: &Problem, extra_headers: &str) -> Vec<u8> {
    let (media_type, body) = match crate::gate::finish::usual_error(problem, Some(api)) {
        Some((media_type, bytes, _)) => (media_type, bytes),
        None => (
            PROBLEM_JSON,
            serde_json::to_vec(problem).unwrap_or_default(),
        ),
    };
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {media_type}\r\ncontent-length: {}\r\n{extra_headers}\
         x-content-type-options: nosniff\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

/// A problem with HTTP's own title for `status`.
fn http_problem(status: StatusCode, detail: String) -> Problem {
    Problem {
        type_: None,
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        detail,
        instance: None,
        field_errors: Default::default(),
    }
}

/// A refusal of `head.rs` written to the socket itself (nothing in
/// flight), closing the connection.
pub(crate) fn raw_refusal(api: &'static ApiSpec, status: StatusCode, detail: String) -> Vec<u8> {
    raw_answer(api, &http_problem(status, detail), "")
}

/// The problem of a refusal this layer makes (no situation of the document
/// covers it, so the texts are HTTP's own).
pub(crate) fn refusal(api: &'static ApiSpec, status: StatusCode, detail: String) -> Response {
    let problem = http_problem(status, detail);
    // In the document's usual error body when it has one of its own.
    let mut response = match crate::gate::finish::usual_error(&problem, Some(api)) {
        Some((media_type, bytes, as_is)) => crate::reply::mark_body_as_is(
            crate::respond::respond_bytes(status, media_type, bytes, axum::http::HeaderMap::new()),
            as_is,
        ),
        None => crate::respond::respond_json(
            status,
            PROBLEM_JSON,
            &problem,
            axum::http::HeaderMap::new(),
        ),
    };
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
