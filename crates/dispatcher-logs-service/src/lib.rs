//! The reference service of the ev.energy API v2: the generated
//! [`ev_energy_server::Api`] trait implemented on an embedded SQLite store
//! (or PostgreSQL), with JWT authentication and a rolling rate limit.
//!
//! The binary (`dispatcher-logs-service`) has four commands: `serve`,
//! `seed`, `token` and `demo`; see `--help`.

pub mod auth;
pub mod config;
pub mod demo;
pub mod http;
pub mod metrics;
pub mod process;
pub mod rate_limit;
pub mod seed;
pub mod service;
pub mod store;

pub use service::DispatcherLogs;
pub use store::Store;
