//! The hand-written runtime of the server adapters that `cargo xtask
//! codegen` generates from an OpenAPI document. It knows no API by name:
//! everything particular to a document (its operations, parameters,
//! security schemes, version header, problem texts) reaches it through the
//! generated code's [`spec`] statics.
//!
//! A generated server crate holds, per operation, a request type, a
//! response enum, a method on the `Api` trait and an axum handler. The
//! handlers call into this crate for everything that is the same for
//! every operation:
//!
//! - [`params`]: reading query, header, path and cookie parameters and
//!   JSON bodies, validated against the document's schemas;
//! - [`negotiate`]: `Accept` negotiation;
//! - [`security`] and [`hooks`]: credentials for the document's schemes,
//!   and what the backend's hooks receive and answer;
//! - [`gate`]: the checks before an operation runs, in order, and the
//!   headers every answer carries;
//! - [`problem`]: RFC 9457 problem details with the document's texts;
//! - [`error`]: the error backend methods return with `?`;
//! - [`respond`]: encoding answers;
//! - [`observe`]: a tracing span and metrics for every request;
//! - [`request_id`]: an ID for every request, echoed and written into problems;
//! - [`serve`](mod@serve): serving a router with timeouts, a connection cap
//!   and size limits that hold against hostile clients.

pub mod error;
pub mod gate;
pub mod hooks;
pub mod negotiate;
pub mod observe;
pub mod params;
pub mod problem;
pub mod request_id;
pub mod respond;
pub mod security;
pub mod serve;
pub mod spec;

pub use error::{Error, FailureKind};
pub use gate::{admit, Context, Role};
pub use hooks::{AuthError, Credential, CredentialKind, Gatekeeper, Limited, Principal, RateLimit};
pub use params::{
    BodySpec, Compiled, Kind, Location, ParamErrors, ParamSpec, RawBody, RawRequest, Shape,
};
pub use problem::{Problem, ProblemText, Situation, PROBLEM_JSON};
pub use respond::{respond_empty, respond_json, HeaderError};
pub use serve::{serve, Limits};
pub use spec::{ApiSpec, KeyLocation, OperationSpec, SchemeKind, SchemeSpec, VersionSpec};

/// Re-exported for the generated code, so generated crates need no direct
/// dependency on these crates.
pub mod reexports {
    pub use axum;
    pub use serde_json;
    pub use tokio;
    pub use tracing;
}
