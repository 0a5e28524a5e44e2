//! Model types of the ev.energy API v2, shared by the client
//! (`ev-energy-client`) and the server (`ev-energy-server`), so a value the
//! server sends is the value the client reads.
//!
//! Everything public here is generated from `openapi/ev-energy-v2.yaml` by
//! `cargo xtask codegen` into `src/generated.rs`; do not edit that file.
//! Each type carries the document's description as its documentation.
//!
//! - Date-times are [`chrono::DateTime<chrono::Utc>`].
//! - Constrained strings (patterns, lengths) are newtypes that validate on
//!   construction and deserialization, e.g. [`ChargingSubSessionId`].
//! - Every type implements [`schemars::JsonSchema`].
//! - Structs have builders: [`DispatcherLog::builder()`].
//!
//! ```
//! use ev_energy_types::{ChargingSubSessionId, DispatcherLog};
//!
//! let id: ChargingSubSessionId = "csub01HSH04KDEWF6Z4DB2J77J74K5".parse().unwrap();
//! assert!("csub-not-a-ulid".parse::<ChargingSubSessionId>().is_err());
//!
//! let log: DispatcherLog = serde_json::from_str(r#"{
//!     "logged_at": "2024-04-17T09:39:45.984584Z",
//!     "charging_sub_session": "https://api.ev.energy/v2/charging_sub_sessions/csub01HSH04KDEWF6Z4DB2J77J74K5",
//!     "schedule_valid_period_start": "2024-04-17T09:30:00Z",
//!     "schedule_created_at": "2024-04-17T09:29:12.402117Z",
//!     "internal_command_id": "12345678-1234-5678-1234-567812345678",
//!     "device_type": "VEHICLE",
//!     "reason_not_sent": null
//! }"#).unwrap();
//! assert_eq!(log.reason_not_sent, None);
//! # let _ = id;
//! ```

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports)]
mod generated;

pub use generated::*;
