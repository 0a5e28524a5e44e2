//! Every answer to a request, encoded as the document declares it (see
//! the `gate` module): the backend's typed responses, the adapter's own
//! problems through the operation's declared error responses, and the
//! headers the runtime knows.

use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use crate::compiled::CompiledOperation;
use crate::error::{Error, FailureKind};
use crate::problem::{Problem, Situation};
use crate::reply::{encode_problem, mark_body_as_is, Encode, Reply};
use crate::respond::{header_failure, respond_bytes, respond_empty, respond_json, HeaderError};
use crate::spec::{ApiSpec, HeaderSpec, OperationSpec, ResponseSpec, Role, StatusSpec};

/// What the adapter learned about a request, for the headers of its answer.
#[derive(Debug, Default)]
pub struct Context {
    /// The operation, once routed.
    pub operation: Option<&'static OperationSpec>,
    /// The API version answering, as the document writes it.
    pub version: Option<Arc<str>>,
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
    pub fn new(operation: &CompiledOperation) -> Self {
        Self {
            operation: Some(operation.spec),
            version: operation.version.as_ref().and_then(|v| v.default.clone()),
            ..Self::default()
        }
    }

    /// Writes the header `spec` of `role` from what the runtime knows
    /// (numbers straight into the header value). A required header the
    /// runtime does not know is an error.
    pub fn fill(
        &self,
        out: &mut HeaderMap,
        spec: &HeaderSpec,
        role: Role,
    ) -> Result<(), HeaderError> {
        let value = match role {
            Role::ApiVersion => match self.version.as_deref() {
                Some(version) => Some(HeaderValue::from_str(version).map_err(|_| {
                    HeaderError::Invalid(spec.name, version.chars().take(80).collect())
                })?),
                None => None,
            },
            Role::RateLimitLimit => self.rate_limit.map(|(limit, _)| HeaderValue::from(limit)),
            Role::RateLimitRemaining => self
                .rate_limit
                .map(|(_, remaining)| HeaderValue::from(remaining)),
            Role::RetryAfter => self.retry_after.map(HeaderValue::from),
        };
        match value {
            Some(value) => {
                out.insert(spec.header.clone(), value);
                Ok(())
            }
            None if spec.required => Err(HeaderError::Missing(spec.name)),
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

/// The answer to a backend method's `Err`: logged with its causes, then
/// the document's problem for its kind — for an unavailable dependency
/// 503, else 500, whichever the document declares (exactly, by range or as
/// `default`); the first of them as it is when it declares neither. An
/// operation the backend does not implement is a 501, answered as the
/// adapter's own refusals are ([`refuse`]).
pub fn failure(context: &Context, error: &Error) -> Response {
    let operation = context.operation.map_or("", |o| o.id);
    if error.is_not_implemented() {
        tracing::warn!(
            operation,
            "the backend does not implement this operation; answering 501"
        );
        return refuse(&context.problem(Situation::NotImplemented, &[]), context);
    }
    tracing::error!(operation, error = %error.chain(), "the backend failed; answering with a problem");
    let order = match error.kind() {
        FailureKind::Unavailable => [Situation::Unavailable, Situation::InternalError],
        FailureKind::Internal => [Situation::InternalError, Situation::Unavailable],
    };
    let problems = order.map(|situation| context.problem(situation, &[]));
    for problem in &problems {
        if let Some(response) = declared(problem, context) {
            return response;
        }
    }
    undeclared(&problems[0], context.api(), context)
}

/// The answer to a problem the adapter found by itself: the response the
/// operation declares for its status (exactly, by range or as `default`),
/// with the problem as its body; when the operation declares none the
/// adapter can build, the document's usual error body
/// ([`ApiSpec::usual_error`]), else the problem as it is (problem+json).
pub fn refuse(problem: &Problem, context: &Context) -> Response {
    declared(problem, context).unwrap_or_else(|| undeclared(problem, context.api(), context))
}

/// A problem no declared response of the operation answers (or no
/// operation is known): in the document's usual error body when it has
/// one that holds the problem, else as it is (problem+json).
fn undeclared(problem: &Problem, api: Option<&'static ApiSpec>, context: &Context) -> Response {
    match usual_error(problem, api) {
        Some((media_type, bytes, as_is)) => context.finish(mark_body_as_is(
            respond_bytes(problem.status(), media_type, bytes, HeaderMap::new()),
            as_is,
        )),
        None => respond_problem(problem, context),
    }
}

/// `problem` in the document's usual error body, if it has one (other
/// than problem+json as it is) that holds it: its media type, its bytes,
/// and whether the request-ID stamp leaves them as they are.
pub(crate) fn usual_error(
    problem: &Problem,
    api: Option<&'static ApiSpec>,
) -> Option<(&'static str, Vec<u8>, bool)> {
    let usual = api?.usual_error?;
    let (bytes, own) = encode_problem(usual.encode, problem)?;
    Some((usual.media_type, bytes, own))
}

/// The declared response for `problem`, if the adapter can build it: an
/// error response whose headers the runtime knows; problem+json when its
/// body type cannot hold the problem.
fn declared(problem: &Problem, context: &Context) -> Option<Response> {
    let operation = context.operation?;
    if !(400..=599).contains(&problem.status) {
        return None;
    }
    let spec = operation.response_for(problem.status, ResponseSpec::buildable)?;
    let mut as_is = false;
    let body = match (spec.media_type, spec.problem.or(operation.api.problem)) {
        // A problem is JSON: not for a response declared as text or bytes.
        (Some(media_type), _) if !is_json(media_type) => return None,
        (Some(media_type), Some(encode)) => match encode_problem(encode, problem) {
            Some((bytes, left_as_is)) => {
                as_is = left_as_is;
                Some((media_type, bytes))
            }
            // Declared, in a schema that cannot hold the problem (codegen
            // warned): RFC 9457 problem+json, as the warning said.
            None => return Some(respond_problem(problem, context)),
        },
        (Some(_), None) => return None,
        (None, _) => None,
    };
    let mut response = respond(problem.status(), body, HeaderMap::new());
    let written = write_headers(response.headers_mut(), spec.headers, None, context);
    Some(context.finish(written.map_or_else(header_failure, |()| mark_body_as_is(response, as_is))))
}

/// Encodes a backend's typed response as the document declares it: its
/// status, its body in its media type, and its headers — those the backend
/// set, and those the runtime knows (from `context`) where it left them
/// `None`. A header that cannot be sent makes it a logged 500, never a
/// silent drop.
pub fn encode(reply: Reply<'_>, context: &Context) -> Response {
    let Some(spec) = context.operation.and_then(|o| o.responses.get(reply.index)) else {
        tracing::error!(
            index = reply.index,
            "a response the operation does not declare"
        );
        return undeclared(
            &context.problem(Situation::InternalError, &[]),
            context.api(),
            context,
        );
    };
    let status = match (reply.status, spec.status) {
        (Some(status), StatusSpec::Range(class)) if status.as_u16() / 100 != u16::from(class) => {
            tracing::error!(%status, class, "a status outside the declared range");
            return respond_problem(&context.problem(Situation::InternalError, &[]), context);
        }
        (Some(status), _) => status,
        (None, StatusSpec::Code(code)) => {
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
        (None, _) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let values = match reply.headers.map(Encode::header_fields).transpose() {
        Ok(values) => values,
        Err(error) => {
            tracing::error!(%error, "the response headers cannot be serialized");
            return context.finish(header_failure(HeaderError::Unencodable(error.to_string())));
        }
    };
    if let (Some(declared), Some(events)) = (spec.media_type, reply.events) {
        let mut out = HeaderMap::new();
        let written = write_headers(&mut out, spec.headers, values, context).map(|()| {
            let body = axum::body::Body::from_stream(crate::events::Frames(events));
            let mut response = Response::new(body);
            *response.status_mut() = status;
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(declared)
                    .unwrap_or(HeaderValue::from_static("text/event-stream")),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            headers.extend(out);
            response
        });
        return context.finish(written.unwrap_or_else(header_failure));
    }
    if let (Some(declared), Some((bytes, chosen))) = (spec.media_type, reply.raw) {
        let mut out = HeaderMap::new();
        let written = content_type(declared, chosen).and_then(|content_type| {
            write_headers(&mut out, spec.headers, values, context)?;
            Ok(respond_as_is(status, content_type, bytes.to_vec(), out))
        });
        return context.finish(written.unwrap_or_else(header_failure));
    }
    let body = match (spec.media_type, reply.body) {
        (Some(media_type), Some(body)) => match body.json() {
            Ok(bytes) => Some((media_type, bytes)),
            Err(error) => {
                tracing::error!(%error, %status, "the response body cannot be serialized as JSON");
                return context.finish(header_failure(HeaderError::Unencodable(error.to_string())));
            }
        },
        _ => None,
    };
    // The declared headers go straight into the response's own map.
    let mut response = respond(status, body, HeaderMap::new());
    let written = write_headers(response.headers_mut(), spec.headers, values, context);
    context.finish(written.map_or_else(header_failure, |()| response))
}

/// A response of `status` with `body` (media type and bytes) and `headers`.
fn respond(
    status: StatusCode,
    body: Option<(&'static str, Vec<u8>)>,
    headers: HeaderMap,
) -> Response {
    match body {
        Some((media_type, bytes)) => respond_bytes(status, media_type, bytes, headers),
        None => respond_empty(status, headers),
    }
}

/// The `Content-Type` of a body sent as it is: the media type the backend
/// chose, if the declared one covers it; else the declared one, or
/// `application/octet-stream` for a wildcard that covers it (`*/*`,
/// `application/*`). A wildcard such as `image/*` needs the backend's
/// choice.
fn content_type(declared: &'static str, chosen: Option<&str>) -> Result<HeaderValue, HeaderError> {
    let undeclared = || HeaderError::Undeclared(chosen.map(str::to_string), declared);
    let media_type = match chosen {
        Some(chosen) if crate::negotiate::covers(declared, chosen) => chosen,
        Some(_) => return Err(undeclared()),
        None if !declared.contains('*') => declared,
        None if crate::negotiate::covers(declared, OCTET_STREAM) => OCTET_STREAM,
        None => return Err(undeclared()),
    };
    HeaderValue::from_str(media_type).map_err(|_| undeclared())
}

const OCTET_STREAM: &str = "application/octet-stream";

use ev_energy_spec_vocab::media::is_json;

/// A response of `status` with `bytes` as its body, in `content_type`.
fn respond_as_is(
    status: StatusCode,
    content_type: HeaderValue,
    bytes: Vec<u8>,
    headers: HeaderMap,
) -> Response {
    use axum::response::IntoResponse;
    let mut response = (status, bytes).into_response();
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, content_type);
    out.extend(headers);
    response
}

/// Writes the headers of `specs` (the declared headers of a response, in
/// the order of its headers struct's fields) from `values` (that struct's
/// fields as header text; `None` for an answer the adapter builds by
/// itself): a value the backend set as it is, else what the runtime knows
/// of the header's role. A required header nobody set is an error.
pub(crate) fn write_headers(
    out: &mut HeaderMap,
    specs: &'static [HeaderSpec],
    values: Option<Vec<Option<String>>>,
    context: &Context,
) -> Result<(), HeaderError> {
    let mut values = values.unwrap_or_default().into_iter();
    for spec in specs {
        match values.next().flatten() {
            Some(value) => crate::respond::put_named(out, spec, &value)?,
            None => match spec.role {
                Some(role) => context.fill(out, spec, role)?,
                None if spec.required => return Err(HeaderError::Missing(spec.name)),
                None => {}
            },
        }
    }
    Ok(())
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
    let response = respond_json(
        status,
        crate::problem::PROBLEM_JSON,
        problem,
        HeaderMap::new(),
    );
    // Written with its instance: nothing for the stamp to add.
    context.finish(mark_body_as_is(response, problem.instance.is_some()))
}

/// 404 for a path the document does not have. `path` is the path as the
/// client sent it (base path included).
pub fn not_found(api: &'static ApiSpec, path: &str) -> Response {
    undeclared(
        &Problem::of(Some(api), Situation::NotFound, &[("path", path)]),
        Some(api),
        &Context::default(),
    )
}

/// 405 for a method the document does not declare on a path, with `Allow`.
pub fn method_not_allowed(
    api: &'static ApiSpec,
    method: &axum::http::Method,
    allow: &str,
) -> Response {
    let mut context = Context::default();
    if let Ok(allow) = HeaderValue::from_str(allow) {
        context.extra.insert(header::ALLOW, allow);
    }
    undeclared(
        &Problem::of(
            Some(api),
            Situation::MethodNotAllowed,
            &[("method", method.as_str())],
        ),
        Some(api),
        &context,
    )
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use serde::Serialize;

    use super::*;
    use crate::gate::testing::OP;
    use crate::reply::Responses;

    #[derive(Serialize)]
    struct OkHeaders {
        api_version: Option<f64>,
        etag: Option<String>,
        location: String,
    }

    /// The 200 of the test operation, with a body and headers.
    struct Listed(Vec<u32>, OkHeaders);

    impl Responses for Listed {
        const OPERATION: &'static OperationSpec = &OP;

        fn reply(&self) -> Reply<'_> {
            Reply::with(0, &self.0, &self.1)
        }
    }

    fn context() -> Context {
        let compiled = CompiledOperation::new(&OP);
        let mut context = Context::new(&compiled);
        context.version = Some("2".into());
        context
    }

    async fn body(response: Response) -> String {
        String::from_utf8(
            to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_typed_response_gets_its_headers_from_the_backend_and_the_runtime() {
        let listed = Listed(
            vec![1, 2],
            OkHeaders {
                api_version: None,
                etag: None,
                location: "/things/1".into(),
            },
        );
        assert_eq!(listed.status(), StatusCode::OK);
        let response = encode(listed.reply(), &context());
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers["api-version"], "2", "filled from the context");
        assert_eq!(headers["location"], "/things/1", "set by the backend");
        assert!(!headers.contains_key("etag"), "optional and unset");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "no-store", "a secured operation");
        assert_eq!(body(response).await, "[1,2]");

        let set = Listed(
            vec![],
            OkHeaders {
                api_version: Some(2.0),
                etag: Some("\"v1\"".into()),
                location: "/x".into(),
            },
        );
        let response = encode(set.reply(), &Context::new(&CompiledOperation::new(&OP)));
        assert_eq!(
            response.headers()["api-version"],
            "2",
            "a number as Rust shows it"
        );
        assert_eq!(response.headers()["etag"], "\"v1\"");
    }

    #[tokio::test]
    async fn a_header_that_cannot_be_sent_is_a_500_not_a_silent_drop() {
        let bad = Listed(
            vec![],
            OkHeaders {
                api_version: None,
                etag: Some("line\nbreak".into()),
                location: "/x".into(),
            },
        );
        assert_eq!(encode(bad.reply(), &context()).status(), 500);
        // A required header the runtime knows, but not for this request.
        let unknown = Listed(
            vec![],
            OkHeaders {
                api_version: None,
                etag: None,
                location: "/x".into(),
            },
        );
        let mut context = context();
        context.version = None;
        assert_eq!(encode(unknown.reply(), &context).status(), 500);
    }

    /// An operation answering text, declared bytes, and bytes of a range.
    static MEDIA: OperationSpec = OperationSpec {
        id: "media",
        responses: &[
            ResponseSpec::code(200, Some("text/plain"), &[]),
            ResponseSpec::code(203, Some("application/xml"), &[]),
            ResponseSpec::code(206, Some("image/*"), &[]),
            ResponseSpec::code(300, Some("*/*"), &[]),
            ResponseSpec::range(3, None, &[]),
            ResponseSpec::code(404, Some("text/plain"), &[]),
            ResponseSpec::code(202, Some("text/event-stream"), &[]),
        ],
        ..OperationSpec::of(&crate::gate::testing::API)
    };

    /// One of `MEDIA`'s responses.
    enum Media {
        Text(String),
        Bytes(usize, crate::body::Binary),
        Redirect(StatusCode),
        Events(crate::events::EventStream),
    }

    impl Responses for Media {
        const OPERATION: &'static OperationSpec = &MEDIA;

        fn reply(&self) -> Reply<'_> {
            match self {
                Media::Text(text) => Reply::new(0).text(text),
                Media::Bytes(index, bytes) => Reply::new(*index).binary(bytes),
                Media::Redirect(status) => Reply::new(4).status(*status),
                Media::Events(events) => Reply::new(6).events(events),
            }
        }
    }

    async fn sent(media: Media) -> (StatusCode, Option<String>, String) {
        let response = encode(
            media.reply(),
            &Context::new(&CompiledOperation::new(&MEDIA)),
        );
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        (response.status(), content_type, body(response).await)
    }

    #[tokio::test]
    async fn text_and_bytes_go_out_as_they_are_in_their_media_type() {
        use crate::body::Binary;
        let text = sent(Media::Text("plain \"text\"".into())).await;
        assert_eq!(
            text,
            (
                StatusCode::OK,
                Some("text/plain".into()),
                "plain \"text\"".into()
            ),
            "not JSON-quoted"
        );
        let xml = sent(Media::Bytes(1, Binary::new(b"<a/>".to_vec()))).await;
        assert_eq!(
            xml.1.as_deref(),
            Some("application/xml"),
            "the declared type"
        );
        assert_eq!(xml.2, "<a/>");
        let png = sent(Media::Bytes(2, Binary::typed("image/png", b"PNG".to_vec()))).await;
        assert_eq!(
            (png.0, png.1.as_deref()),
            (StatusCode::PARTIAL_CONTENT, Some("image/png"))
        );
        let any = sent(Media::Bytes(3, Binary::new(b"x".to_vec()))).await;
        assert_eq!(
            any.1.as_deref(),
            Some("application/octet-stream"),
            "`*/*` with nothing chosen"
        );
        // Strict out: a media type the document does not declare is a 500.
        let html = sent(Media::Bytes(2, Binary::typed("text/html", b"<p>".to_vec()))).await;
        assert_eq!(html.0, StatusCode::INTERNAL_SERVER_ERROR);
        let unchosen = sent(Media::Bytes(2, Binary::new(b"?".to_vec()))).await;
        assert_eq!(
            unchosen.0,
            StatusCode::INTERNAL_SERVER_ERROR,
            "`image/*` needs the backend to say which image type"
        );
        let broken = sent(Media::Bytes(
            1,
            Binary::typed("application/xml\n", b"".to_vec()),
        ))
        .await;
        assert_eq!(broken.0, StatusCode::INTERNAL_SERVER_ERROR);
    }

    /// The events of a list, as a stream.
    struct Queued(std::collections::VecDeque<crate::events::Event>);

    impl futures_core::Stream for Queued {
        type Item = crate::events::Event;

        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.pop_front())
        }
    }

    #[tokio::test]
    async fn events_go_out_as_an_event_stream_once() {
        use crate::events::{Event, EventStream};
        let events = EventStream::new(Queued(
            [Event::data("a"), Event::data("b").event("e")].into(),
        ));
        let again = events.clone();
        assert_eq!(events, again, "a clone is the same stream");
        let first = sent(Media::Events(events)).await;
        assert_eq!(
            first,
            (
                StatusCode::ACCEPTED,
                Some("text/event-stream".into()),
                "data: a\n\nevent: e\ndata: b\n\n".into()
            )
        );
        let second = sent(Media::Events(again)).await;
        assert_eq!(second.2, "", "the events were sent already");
    }

    #[tokio::test]
    async fn a_range_answers_only_statuses_of_its_class() {
        let moved = sent(Media::Redirect(StatusCode::TEMPORARY_REDIRECT)).await;
        assert_eq!(
            moved.0,
            StatusCode::TEMPORARY_REDIRECT,
            "an answer, not an error"
        );
        let wrong = sent(Media::Redirect(StatusCode::OK)).await;
        assert_eq!(wrong.0, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[tokio::test]
    async fn a_problem_is_not_sent_as_a_text_response() {
        let context = Context::new(&CompiledOperation::new(&MEDIA));
        let response = refuse(&context.problem(Situation::NotFound, &[]), &context);
        assert_eq!(response.status(), 404);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "the declared 404 is text: the problem goes out as it is"
        );
    }

    #[tokio::test]
    async fn the_adapters_problems_go_out_as_the_declared_error_responses() {
        let context = context();
        let forbidden = context.problem(Situation::Forbidden, &[]);
        let response = refuse(&forbidden, &context);
        assert_eq!(response.status(), 403);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        assert_eq!(response.headers()["api-version"], "2");
        assert!(
            !response.headers().contains_key("x-ratelimit-limit"),
            "optional, and not known before counting"
        );
        let json: serde_json::Value = serde_json::from_str(&body(response).await).unwrap();
        assert_eq!(
            (json["title"].as_str(), json["status"].as_u64()),
            (Some("No"), Some(403))
        );
    }

    #[tokio::test]
    async fn failures_answer_the_declared_status_the_adapter_can_build() {
        let context = context();
        // The 503 needs a header only the backend knows: the adapter cannot
        // build it, so an unavailable dependency is answered 503 by the 5XX
        // range, which declares no body.
        let unavailable = failure(&context, &Error::unavailable("store down"));
        assert_eq!(unavailable.status(), 503);
        assert!(!unavailable.headers().contains_key("x-own"));
        assert_eq!(
            body(unavailable).await,
            "",
            "the 5XX response declares no body"
        );
        let internal = failure(&context, &Error::msg("bug"));
        assert_eq!(internal.status(), 500);
        assert_eq!(
            body(internal).await,
            "",
            "the 5XX response declares no body"
        );
    }

    mod shaped {
        use serde::Deserialize;

        use super::*;
        use crate::problem::{Document, Problems};
        use crate::reply::shaped_problem;
        use crate::shape::{ErrorField, ErrorShape, Source};
        use crate::spec::ErrorBody;

        /// A document's own error schema (petstore's), with its request id.
        #[derive(Debug, Serialize, Deserialize)]
        struct OwnError {
            code: i32,
            message: String,
            #[serde(rename = "requestId", default, skip_serializing_if = "Option::is_none")]
            request_id: Option<String>,
        }

        struct Doc;

        impl Document for Doc {
            fn api() -> &'static ApiSpec {
                &SHAPED
            }
        }

        impl Problems<Doc> for OwnError {
            const SHAPE: ErrorShape = ErrorShape::Fields(&[
                ErrorField::new("code", Source::Status),
                ErrorField::new("message", Source::Detail),
                ErrorField::new("requestId", Source::RequestId),
            ]);
        }

        static SHAPED: ApiSpec = ApiSpec {
            title: "shaped",
            problems: &[],
            schemes: &[],
            problem: Some(shaped_problem::<OwnError, Doc>),
            usual_error: Some(ErrorBody::new(
                "application/json",
                shaped_problem::<OwnError, Doc>,
            )),
        };

        #[tokio::test]
        async fn refusals_before_an_operation_is_known_use_the_documents_usual_error() {
            let response = not_found(&SHAPED, "/nowhere");
            assert_eq!(response.status(), 404);
            assert_eq!(response.headers()["content-type"], "application/json");
            assert_eq!(response.headers()["x-content-type-options"], "nosniff");
            assert_eq!(
                body(response).await,
                r#"{"code":404,"message":"There is no resource at /nowhere."}"#
            );
            let response = method_not_allowed(&SHAPED, &axum::http::Method::PATCH, "GET, HEAD");
            assert_eq!(response.status(), 405);
            assert_eq!(response.headers()["allow"], "GET, HEAD");
            let json: serde_json::Value = serde_json::from_str(&body(response).await).unwrap();
            assert_eq!(json["code"], 405);
            // A document whose usual error is problem+json as it is: as before.
            let response = not_found(&crate::gate::testing::API, "/nowhere");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
        }

        /// The same shape, declared as `application/problem+json`.
        static SHAPED_AS_PROBLEM_JSON: ApiSpec = ApiSpec {
            title: "shaped",
            problems: &[],
            schemes: &[],
            problem: Some(shaped_problem::<OwnError, Doc>),
            usual_error: Some(ErrorBody::new(
                "application/problem+json",
                shaped_problem::<OwnError, Doc>,
            )),
        };

        #[tokio::test]
        async fn the_request_id_stamp_leaves_the_documents_own_shape_as_it_is() {
            let within = |api: &'static ApiSpec| {
                let request = axum::http::Request::builder()
                    .uri("/nowhere")
                    .header("x-request-id", "req-43")
                    .body(axum::body::Body::empty())
                    .unwrap();
                crate::request_id::around(
                    request,
                    move |_| async move { not_found(api, "/nowhere") },
                )
            };
            let own = within(&SHAPED_AS_PROBLEM_JSON).await;
            assert_eq!(own.headers()["content-type"], "application/problem+json");
            let json: serde_json::Value = serde_json::from_str(&body(own).await).unwrap();
            assert_eq!(json["requestId"], "req-43", "its own property");
            assert!(
                json.get("instance").is_none(),
                "nothing it does not declare: {json}"
            );
            // An RFC 9457 problem still gets its `instance`.
            let rfc = within(&crate::gate::testing::API).await;
            let json: serde_json::Value = serde_json::from_str(&body(rfc).await).unwrap();
            assert_eq!(json["instance"], "urn:request:req-43");
        }

        #[tokio::test]
        async fn the_request_id_fills_its_property_and_constructors_use_the_shape() {
            let request = axum::http::Request::builder()
                .uri("/nowhere")
                .header("x-request-id", "req-42")
                .body(axum::body::Body::empty())
                .unwrap();
            let response =
                crate::request_id::around(request, |_| async { not_found(&SHAPED, "/nowhere") })
                    .await;
            let json: serde_json::Value = serde_json::from_str(&body(response).await).unwrap();
            assert_eq!(json["requestId"], "req-42");
            let forbidden = OwnError::forbidden().unwrap();
            assert_eq!((forbidden.code, forbidden.request_id), (403, None));
        }
    }
}
