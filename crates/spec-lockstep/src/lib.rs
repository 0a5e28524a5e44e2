//! spec-lockstep: one OpenAPI document in, three Rust crates out, in
//! lockstep — the model types, a progenitor client, and a server crate (an
//! async trait to implement, the axum adapter that parses, validates,
//! authenticates and answers as the document says, and a mock) — plus the
//! drift check, a lint, a compatibility gate between any two revisions of
//! a document, `init` for a new spec-first workspace, and a round trip of
//! the generated client against the generated server.
//!
//! The binary (`main.rs`, `spec-lockstep`) only parses arguments; the
//! ev.energy workspace's `cargo xtask` is a front over this library for
//! that workspace's own tasks.
//!
//! Everything starts from the [`model`] of a document (built once from
//! `openapiv3`, after [`spec`] loads it); [`types`] makes its Rust types
//! with typify, [`codegen`](mod@codegen) runs progenitor for the client and
//! [`server`] and [`mock`] generate the server crate and the client's mock
//! from the model; [`files`] writes them, or checks them for drift.

pub mod adapt;
pub mod cli;
pub mod client;
pub mod codegen;
pub mod compat;
pub mod corpus;
pub mod files;
pub mod init;
pub mod invent;
pub mod lint;
pub mod mock;
pub mod model;
pub mod naming;
pub mod panic_guard;
pub mod pins;
pub mod server;
pub mod spec;
pub mod standalone;
pub mod synthetic;
pub mod types;
pub mod vocab;

/// Exit code: everything is fresh / clean.
pub const EXIT_OK: i32 = 0;
/// Exit code: generated code is stale (drift), or the document has lint findings.
pub const EXIT_STALE: i32 = 1;
/// Exit code: the generator could not run (unreadable or invalid document,
/// generator failure, or a hand-written file where a generated one goes).
pub const EXIT_GENERATOR_FAILED: i32 = 2;

/// The checkout this crate was built in (two folders above it), for tests
/// that read the workspace's documents and fixtures.
#[cfg(test)]
pub(crate) fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
