//! How a backend's typed response reaches the wire: the generated response
//! enum says, per variant, which declared response it is and lends its
//! body and headers; [`gate::finish::encode`](crate::gate::encode)
//! encodes them by the operation's declarations.

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::header_fields::Unreadable;
use crate::problem::{Document, Problem, Problems};
use crate::spec::{OperationSpec, StatusSpec};

/// An operation's response enum (generated): one variant per declared
/// response, in the order of the operation's `responses`.
pub trait Responses: Send + 'static {
    /// The operation whose responses these are.
    const OPERATION: &'static OperationSpec;

    /// Which declared response this value is, with its parts.
    fn reply(&self) -> Reply<'_>;

    /// The HTTP status of this response.
    fn status(&self) -> StatusCode {
        let reply = self.reply();
        match (reply.status, Self::OPERATION.responses.get(reply.index)) {
            (Some(status), _) => status,
            (None, Some(spec)) => match spec.status {
                StatusSpec::Code(code) => {
                    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            (None, None) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// One response as the backend built it: the index of its declaration,
/// its status (for `4XX`-style and `default` responses, which carry one),
/// its body and its headers struct.
pub struct Reply<'a> {
    pub(crate) index: usize,
    pub(crate) status: Option<StatusCode>,
    pub(crate) body: Option<&'a dyn Encode>,
    pub(crate) headers: Option<&'a dyn Encode>,
    /// A body sent as it is (text, bytes), with the media type the backend
    /// chose, if it chose one.
    pub(crate) raw: Option<(&'a [u8], Option<&'a str>)>,
    /// A stream of server-sent events.
    pub(crate) events: Option<crate::events::Events>,
}

impl<'a> Reply<'a> {
    /// The operation's declared response number `index`.
    pub fn new(index: usize) -> Self {
        Self {
            index,
            status: None,
            body: None,
            headers: None,
            raw: None,
            events: None,
        }
    }

    /// The operation's declared response number `index`, with a body and
    /// headers.
    pub fn with(index: usize, body: &'a impl Serialize, headers: &'a impl Serialize) -> Self {
        Self::new(index).body(body).headers(headers)
    }

    /// With the status the variant carries.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// With a body.
    pub fn body(mut self, body: &'a impl Serialize) -> Self {
        self.body = Some(body);
        self
    }

    /// With a text body, sent as it is in the declared media type.
    pub fn text(mut self, body: &'a str) -> Self {
        self.raw = Some((body.as_bytes(), None));
        self
    }

    /// With a body of bytes, in its own media type (`content_type`) or,
    /// where that is empty, the declared one.
    pub fn binary(mut self, body: &'a crate::body::Binary) -> Self {
        let chosen = (!body.content_type.is_empty()).then_some(body.content_type.as_str());
        self.raw = Some((&body.bytes, chosen));
        self
    }

    /// With a stream of server-sent events (taken from `body`: a response
    /// is sent once; sent again, it has no events left).
    pub fn events(mut self, body: &'a crate::events::EventStream) -> Self {
        self.events = Some(body.take().unwrap_or_else(|| Box::pin(Empty)));
        self
    }

    /// With the response's headers struct.
    pub fn headers(mut self, headers: &'a impl Serialize) -> Self {
        self.headers = Some(headers);
        self
    }
}

/// A value the runtime can encode: a body as JSON, a headers struct as its
/// fields.
pub trait Encode {
    /// As JSON text.
    fn json(&self) -> serde_json::Result<Vec<u8>>;
    /// As header texts, one per field of a headers struct, in order.
    fn header_fields(&self) -> Result<Vec<Option<String>>, Unreadable>;
}

impl<T: Serialize> Encode for T {
    fn json(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }

    fn header_fields(&self) -> Result<Vec<Option<String>>, Unreadable> {
        crate::header_fields::fields(self)
    }
}

/// The adapter's `problem` as a body of type `T` (the document's problem
/// schema), encoded: through `T`, so it serializes exactly like the
/// backend's problems. `None` when `T` cannot hold it.
pub fn typed_problem<T: Serialize + DeserializeOwned>(problem: &Problem) -> Option<Vec<u8>> {
    let typed: T = problem.to_body()?;
    serde_json::to_vec(&typed).ok()
}

/// No events.
struct Empty;

impl futures_core::Stream for Empty {
    type Item = crate::events::Event;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(None)
    }
}

/// The adapter's `problem` as a body of type `T` in the document's own
/// error shape (`T::SHAPE`, see [`ErrorShape`](crate::declare::ErrorShape)),
/// encoded through `T`, exactly as the backend's `T::forbidden()` and the
/// like are. `None` (logged) when `T` cannot hold it: the adapter then
/// answers RFC 9457 problem+json.
pub fn shaped_problem<T, D>(problem: &Problem) -> Option<Vec<u8>>
where
    T: Problems<D> + Serialize,
    D: Document,
{
    match T::from_problem(problem.clone()) {
        Ok(typed) => {
            let bytes = serde_json::to_vec(&typed).ok()?;
            OWN_SHAPE.with(|own| own.set(true));
            Some(bytes)
        }
        Err(error) => {
            tracing::warn!(
                status = problem.status,
                error = %error.chain(),
                "answering with application/problem+json instead of the document's error schema"
            );
            None
        }
    }
}

thread_local! {
    /// Set by [`shaped_problem`] when it encoded a problem in the
    /// document's own shape; read (and cleared) right after, on the same
    /// thread, by [`encode_problem`].
    static OWN_SHAPE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `problem` encoded by `encode`, and whether the request-ID stamp is to
/// leave that body as it is (see `request_id::BodyAsIs`): a body in the
/// document's own shape is sent as its schema says, and one that names its
/// `instance` already (the runtime's problems are written with it) needs
/// nothing added.
pub(crate) fn encode_problem(
    encode: crate::spec::ProblemEncoder,
    problem: &Problem,
) -> Option<(Vec<u8>, bool)> {
    OWN_SHAPE.with(|own| own.set(false));
    let bytes = encode(problem)?;
    let own = OWN_SHAPE.with(|own| own.replace(false));
    let as_is = own || crate::request_id::names_instance(&bytes);
    Some((bytes, as_is))
}

pub(crate) use crate::request_id::mark_body_as_is;
