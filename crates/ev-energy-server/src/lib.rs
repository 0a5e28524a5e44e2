//! Server side of the ev.energy API v2.
//!
//! Generated from `openapi/ev-energy-v2.yaml` by `cargo xtask codegen` into
//! `src/generated.rs`:
//!
//! - [`Api`]: one async method per operation. This is what a backend
//!   implements; its methods receive typed, validated requests and the
//!   authenticated principal, and return one of the responses the document
//!   declares.
//! - a `...Request` struct and a `...Response` enum per operation;
//! - [`router`]: the axum adapter, which parses and validates parameters,
//!   negotiates `Accept`, authenticates, rate-limits and answers problems
//!   exactly as the document says (see `runtime::gate`).

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports)]
mod generated;

/// The hand-written runtime the adapter calls into (hooks, problems, negotiation).
pub use ev_energy_server_runtime as runtime;
/// The axum version the adapter is built on, for serving [`router`].
pub use ev_energy_server_runtime::reexports::axum;
pub use ev_energy_server_runtime::{AuthError, Hooks, Principal, RateLimit};
pub use generated::*;

/// The README's Rust examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
