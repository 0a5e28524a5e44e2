//! Request IDs: every request gets one, so that a caller can quote it to
//! the backend team and the team can find the request in its logs.
//!
//! An incoming `X-Request-Id` is kept when it is well-formed (one header,
//! 1 to 128 characters of `A-Z a-z 0-9 . _ ~ : -`, e.g. a proxy's UUID);
//! otherwise the runtime makes a ULID. The ID is
//!
//! - echoed in the answer's `X-Request-Id` header,
//! - written into every problem body's `instance` as `urn:request:<id>`
//!   when the problem names no instance of its own,
//! - a field of the `request` span the request is answered in (so every
//!   log line of the operation, the backend's included, carries it),
//! - available to handlers as the [`RequestId`] request extension.
//!
//! The generated `router` applies [`layer`]; [`serve`](crate::serve())
//! applies it outermost too, so its own refusals carry an ID. Applied
//! twice, the inner one leaves the request to the outer one (its ID, its
//! stamp).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use ev_energy_spec_vocab::media::PROBLEM_JSON;

/// The header that carries the ID, both ways.
pub const HEADER: &str = "x-request-id";

/// [`HEADER`] as a header name, made once: a `&str` key is parsed again
/// on every use.
const HEADER_NAME: axum::http::HeaderName = axum::http::HeaderName::from_static(HEADER);

/// The ID of the request being answered (a request extension).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub Arc<str>);

impl RequestId {
    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether an incoming ID is kept as it is.
pub fn well_formed(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b':' | b'-'))
}

/// The request's ID: its own when well-formed, else a new ULID.
pub fn of(request: &Request) -> RequestId {
    let mut given = request.headers().get_all(&HEADER_NAME).iter();
    let given = match (given.next(), given.next()) {
        (Some(value), None) => value.to_str().ok().filter(|id| well_formed(id)),
        _ => None,
    };
    // One allocation, the `Arc`'s: the new ID is written on the stack.
    let mut buffer = [0u8; ulid::ULID_LEN];
    let id = match given {
        Some(id) => id,
        None => ulid::Ulid::generate().array_to_str(&mut buffer),
    };
    RequestId(id.into())
}

/// The middleware: gives the request its ID and stamps the answer with it.
pub async fn layer(request: Request, next: Next) -> Response {
    around(request, |request| next.run(request)).await
}

/// [`layer`]'s work around any `inner` handling of the request: what
/// [`serve`](crate::serve()) runs outermost, its own checks inside.
pub(crate) async fn around<F, Fut>(mut request: Request, inner: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    if request.extensions().get::<RequestId>().is_some() {
        // An outer layer gave it already, and stamps the answer.
        return inner(request).await;
    }
    let id = of(&request);
    request.extensions_mut().insert(id.clone());
    let span = tracing::info_span!("request", request_id = id.as_str());
    let current = Current {
        id: id.clone(),
        uri: request.uri().clone(),
    };
    let response = CURRENT
        .scope(current, inner(request).instrument(span))
        .await;
    stamp(response, &id).await
}

tokio::task_local! {
    /// The ID of the request this task is answering.
    static CURRENT: Current;
}

/// What error bodies in the document's own shape may name of the request
/// being answered.
struct Current {
    id: RequestId,
    /// The request's URI (a reference count, not a copy).
    uri: axum::http::Uri,
}

/// The ID of the request being answered, where the answer is made inside
/// [`layer`] (or [`serve`](crate::serve())): error bodies in the
/// document's own shape carry it in their `instance` or `requestId`-like
/// property (see [`ErrorShape`](crate::declare::ErrorShape)).
pub fn current() -> Option<RequestId> {
    CURRENT.try_with(|c| c.id.clone()).ok()
}

/// `urn:request:<id>` of the request being answered, where [`current`]
/// knows it: the `instance` the runtime's problems are written with, so
/// that the stamp need not read them back to add it.
pub(crate) fn current_instance() -> Option<String> {
    CURRENT
        .try_with(|c| {
            let id = c.id.as_str();
            let mut urn = String::with_capacity(URN_PREFIX.len() + id.len());
            urn.push_str(URN_PREFIX);
            urn.push_str(id);
            urn
        })
        .ok()
}

/// What a request ID is written after in a problem's `instance`.
const URN_PREFIX: &str = "urn:request:";

/// The path of the request being answered, as sent (base path included),
/// where [`current`] knows its ID.
pub(crate) fn current_path() -> Option<String> {
    CURRENT.try_with(|c| c.uri.path().to_string()).ok()
}

const MAX_PROBLEM_BYTES: usize = 64 * 1024;

async fn stamp(mut response: Response, id: &RequestId) -> Response {
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(HEADER_NAME, value);
    }
    // An error in the document's own shape says `application/problem+json`
    // only because its document does: it is sent as its schema says; a
    // problem written with its instance needs nothing more.
    let as_is = response.extensions().get::<BodyAsIs>().is_some();
    let is_problem = !as_is
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if !is_problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PROBLEM_BYTES).await else {
        // Unreadable or too large: the status and headers still go out.
        return Response::from_parts(parts, Body::empty());
    };
    let stamped = with_instance(&bytes, id.as_str());
    match stamped {
        Some(body) => {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            Response::from_parts(parts, Body::from(body))
        }
        None => Response::from_parts(parts, Body::from(bytes)),
    }
}

/// `problem` (a JSON object) with `"instance":"urn:request:<id>"` added
/// before its closing brace, unless it names an instance already; `None`
/// when it is not an object. No parse: the ID is `well_formed` or a ULID,
/// so it needs no escaping. A key `"instance":` anywhere counts as named
/// (a parameter called `instance` in `field_errors` would also suppress
/// it: the answer is then only without its request URN, never wrong).
fn with_instance(problem: &[u8], id: &str) -> Option<Vec<u8>> {
    let body = problem.trim_ascii();
    if body.first() != Some(&b'{') || body.last() != Some(&b'}') {
        return None;
    }
    if names_instance(body) {
        return None;
    }
    let inner = body[1..body.len() - 1].trim_ascii();
    let mut out = Vec::with_capacity(body.len() + id.len() + 28);
    out.extend_from_slice(&body[..body.len() - 1]);
    if !inner.is_empty() {
        out.push(b',');
    }
    out.extend_from_slice(b"\"instance\":\"");
    out.extend_from_slice(URN_PREFIX.as_bytes());
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(b"\"}");
    Some(out)
}

/// Whether a JSON body names a key `"instance"` (anywhere: a parameter
/// called `instance` in `field_errors` counts too, so a problem is then
/// only without its request URN, never wrong).
pub(crate) fn names_instance(body: &[u8]) -> bool {
    match std::str::from_utf8(body) {
        // std's substring search, much faster than a window at a time.
        Ok(text) => text.contains("\"instance\":"),
        Err(_) => body.windows(11).any(|w| w == b"\"instance\":"),
    }
}

/// A response extension: the request-ID stamp leaves the body as it is —
/// an error in the document's own shape (not an RFC 9457 problem, even
/// when its media type says problem+json), or a problem written with its
/// `instance` already.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BodyAsIs;

/// Marks `response`'s body to be left as it is when `as_is` says so.
pub(crate) fn mark_body_as_is(
    mut response: axum::response::Response,
    as_is: bool,
) -> axum::response::Response {
    if as_is {
        response.extensions_mut().insert(BodyAsIs);
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_instance_is_spliced_into_problem_bodies() {
        let stamped = |body: &str| {
            super::with_instance(body.as_bytes(), "01ABC").map(|b| String::from_utf8(b).unwrap())
        };
        let out = stamped(r#"{"status":400,"title":"Bad Request","detail":"x"}"#).unwrap();
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["instance"], "urn:request:01ABC");
        assert_eq!(value["status"], 400);
        assert_eq!(
            stamped("{}").as_deref(),
            Some(r#"{"instance":"urn:request:01ABC"}"#)
        );
        assert_eq!(
            stamped(r#"{"instance":"https://x/1","status":1}"#),
            None,
            "kept"
        );
        assert_eq!(stamped("[1]"), None);
        assert_eq!(stamped("not json"), None);
    }

    use super::*;

    #[test]
    fn which_incoming_ids_are_kept() {
        assert!(well_formed("3f2c1a9e-8b7d-4c5e-9f0a-1b2c3d4e5f60"));
        assert!(well_formed("01HSH04KDEWF6Z4DB2J77J74K5"));
        assert!(well_formed("req:42.a_b~c"));
        assert!(!well_formed(""));
        assert!(!well_formed(&"a".repeat(129)));
        assert!(!well_formed("has space"));
        assert!(!well_formed("<script>"));
        assert!(!well_formed("new\nline"));
    }
}
