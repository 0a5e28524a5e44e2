//! Server side of the ev.energy API v2.
//!
//! Generated from `openapi/ev-energy-v2.yaml` by `cargo xtask codegen` into
//! two files a backend team reads top-down:
//!
//! - `src/generated/api.rs`: the [`Api`] trait (one async method per
//!   operation, returning `Result` so `?` works), the [`Hooks`] trait
//!   (authentication, rate limits), and each operation's `...Request`
//!   struct and `...Response` enum;
//! - `src/generated/adapter.rs`: [`router`], the axum adapter, which parses
//!   and validates parameters, negotiates `Accept`, authenticates,
//!   rate-limits and answers problems exactly as the document says (see
//!   `runtime::gate`).

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports)]
#[path = "generated/api.rs"]
mod api;

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports)]
#[path = "generated/adapter.rs"]
mod adapter;

pub use adapter::{fallback, router};
pub use api::*;
/// The hand-written runtime the adapter calls into (credentials, problems,
/// negotiation, the gate).
pub use server_runtime as runtime;
/// The axum version the adapter is built on, for serving [`router`].
pub use server_runtime::reexports::axum;
pub use server_runtime::{AuthError, Credential, CredentialKind, Limited, Principal, RateLimit};

/// The README's Rust examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
