//! Server side of the ev.energy API v2.
//!
//! Generated from `openapi/ev-energy-v2.yaml` by `cargo xtask codegen` into
//! two files a backend team reads top-down:
//!
//! - `src/generated/api.rs`: the [`Api`] trait (one async method per
//!   operation, returning `Result` so `?` works), the [`Hooks`] trait
//!   (authentication, rate limits), and each operation's `...Request`
//!   struct and `...Response` enum;
//! - `src/generated/adapter.rs`: the document's declarations — per
//!   operation, its parameters, body, responses with their headers and
//!   security — and [`router`] (or [`router_at`] under a base path), which registers each operation with the
//!   runtime. The runtime (`ev-energy-runtime`) interprets them: it parses and
//!   validates parameters, negotiates `Accept`, authenticates, rate-limits
//!   and answers problems exactly as the document says, in the order of
//!   `ev_energy_spec_vocab::GATE`.
//!
//! # The document's requirements are the compiler's
//!
//! The document requires `X-RateLimit-Limit` and `X-RateLimit-Remaining` on
//! every 200, and only the rate-limit hook knows them, so [`Hooks`] has no
//! default `rate_limit`: a backend that leaves it out does not compile.
//!
//! ```compile_fail,E0046
//! use ev_energy_server::{AuthError, Credential, Hooks, Principal};
//!
//! #[derive(Clone)]
//! struct Caller;
//! impl Principal for Caller {
//!     fn has_scope(&self, _: &str) -> bool { true }
//! }
//! struct Backend;
//! impl Hooks for Backend {
//!     type Principal = Caller;
//!     async fn authenticate(&self, _: &Credential) -> Result<Caller, AuthError> { Ok(Caller) }
//!     // no rate_limit: error[E0046]: not all trait items implemented
//! }
//! ```
//!
//! Nor can it answer "no limit": `rate_limit` returns [`Limited`], which has
//! no such variant.
//!
//! ```compile_fail,E0308
//! # use ev_energy_server::{AuthError, Credential, Hooks, Limited, Principal, RateLimit};
//! # #[derive(Clone)]
//! # struct Caller;
//! # impl Principal for Caller { fn has_scope(&self, _: &str) -> bool { true } }
//! # struct Backend;
//! impl Hooks for Backend {
//!     type Principal = Caller;
//!     async fn authenticate(&self, _: &Credential) -> Result<Caller, AuthError> { Ok(Caller) }
//!     async fn rate_limit(&self, _: Option<&Caller>, _: &'static str) -> Limited {
//!         RateLimit::Unlimited // error[E0308]: mismatched types
//!     }
//! }
//! ```

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports)]
#[path = "generated/api.rs"]
mod api;

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports)]
#[path = "generated/adapter.rs"]
mod adapter;

pub use adapter::{fallback, router, router_at, serve};
pub use api::*;
/// The hand-written runtime the adapter calls into (credentials, problems,
/// negotiation, the gate).
pub use ev_energy_runtime as runtime;
/// The axum version the adapter is built on, for serving [`router`].
pub use ev_energy_runtime::reexports::axum;
pub use ev_energy_runtime::{AuthError, Credential, CredentialKind, Limited, Principal, RateLimit};

/// The README's Rust examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
