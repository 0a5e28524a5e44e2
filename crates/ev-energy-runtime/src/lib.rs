//! The hand-written runtime of the server adapters that `cargo xtask
//! codegen` generates from an OpenAPI document. It knows no API by name:
//! everything particular to a document (its operations, parameters,
//! security schemes, version header, problem texts) reaches it as
//! declarations — the generated code's `static` specs.
//!
//! A generated server crate holds, per operation, a request struct, a
//! response enum, a method on the `Api` trait, its declarations and one
//! line registering it with [`Routes`](declare::Routes). Everything that is
//! the same for every operation happens here:
//!
//! - parameters and bodies (JSON, forms, text, bytes), read and validated against the document's
//!   schemas (compiled when the router is built);
//! - `Accept` negotiation, the API version, credentials for the document's
//!   schemes, scopes and rate limits, in the order of [`ev_energy_spec_vocab::GATE`];
//! - encoding the backend's responses with their declared headers, and the
//!   adapter's own RFC 9457 problems through the document's error
//!   responses — in the document's own error shape when its error schema
//!   is not a problem (`Error {code, message}`: see `ErrorShape`);
//! - a tracing span and metrics for every request ([`observe`]), an ID for
//!   every request ([`request_id`]);
//! - [`serve`](mod@serve): serving a router with timeouts, a connection cap
//!   and size limits that hold against hostile clients.
//!
//! What a backend uses is at the top level; what only generated code
//! needs is in the hidden [`declare`] module.

mod body;
mod compiled;
mod date_time;
mod events;
mod gate;
mod head;
mod header_fields;
mod hooks;
mod limits;
mod negotiate;
mod params;
mod problem;
mod problem_de;
mod problem_value;
mod reply;
mod respond;
mod routes;
mod security;
mod shape;
mod spec;
mod templates;
mod values;

pub mod error;
pub mod observe;
pub mod request_id;
pub mod serve;

pub use body::{Binary, Multipart, Part};
pub use error::{Error, FailureKind, Result};
pub use events::{Event, EventStream};
pub use hooks::{AuthError, Credential, CredentialKind, Limited, Principal, RateLimit};
pub use problem::{Problem, Problems, Situation, PROBLEM_JSON};
pub use request_id::RequestId;
pub use serve::{serve, Limits};

/// The plumbing generated code declares itself with; not for backends.
#[doc(hidden)]
pub mod declare {
    pub use crate::date_time::{date_time, date_time_option};
    pub use crate::gate::not_found;
    pub use crate::hooks::{Anonymous, Gatekeeper};
    pub use crate::problem::{Document, ProblemText};
    pub use crate::reply::{shaped_problem, typed_problem, Reply, Responses};
    pub use crate::routes::Routes;
    pub use crate::shape::{ErrorField, ErrorShape, FieldErrors, Source};
    pub use crate::spec::{
        ApiSpec, BodySpec, ErrorBody, HeaderSpec, KeyLocation, Kind, MediaSpec, OperationSpec,
        ParamSpec, ResponseSpec, Role, SchemeSpec, Shape,
    };
}

/// Re-exported for the generated code, so generated crates need no direct
/// dependency on these crates.
pub mod reexports {
    pub use axum;
    pub use serde;
    pub use serde_json;
    pub use tokio;
    pub use tracing;
}
