//! The hand-written runtime of the generated server adapters.
//!
//! Generated server crates (`ev-energy-server`) hold, per operation of the
//! document, a request type, a response enum, a method on the `Api` trait
//! and an axum handler. The handlers call into this crate for everything
//! that is the same for every operation:
//!
//! - [`params`]: reading query, header and path parameters, validated
//!   against the document's schemas;
//! - [`negotiate`]: `Accept` negotiation;
//! - [`hooks`]: the authentication and rate-limit hooks a backend provides;
//! - [`gate`]: the checks before an operation runs, in order;
//! - [`problem`]: RFC 9457 problem responses with the canonical texts.

pub mod gate;
pub mod hooks;
pub mod negotiate;
pub mod params;
pub mod problem;

pub use gate::{admit, Admitted, OperationSpec};
pub use hooks::{AuthError, Hooks, Principal, RateLimit};
pub use params::{
    BodySpec, Compiled, Kind, Location, ParamErrors, ParamSpec, RawBody, RawRequest, Shape,
};
pub use problem::{respond_empty, respond_json, ProblemBody, PROBLEM_JSON};

/// Re-exported for the generated code, so generated crates need no direct
/// dependency on these crates.
pub mod reexports {
    pub use axum;
    pub use serde_json;
}
