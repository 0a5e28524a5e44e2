//! This workspace's APIs: the documents `cargo xtask codegen` generates
//! the crates of, and where they go. The generator (`spec-lockstep`)
//! knows none of them; it is given these.

use std::path::PathBuf;

use spec_lockstep::codegen::{Api, ClientOptions, CrateOut, FIX_COMMAND};

/// The APIs of this workspace. Adding an API is adding an entry here (and
/// the crates' hand-written `Cargo.toml` and `lib.rs`); adding an operation
/// to a document needs no change at all.
pub fn apis() -> Vec<Api> {
    vec![
        Api {
            document: PathBuf::from("openapi/ev-energy-v2.yaml"),
            types_crate: CrateOut::new("crates/ev-energy-types", "ev_energy_types"),
            client_crate: CrateOut::new("crates/ev-energy-client", "ev_energy_client"),
            server_crate: CrateOut::new("crates/ev-energy-server", "ev_energy_server"),
            client: ClientOptions {
                inner_type: Some("crate::Session".into()),
                mock: true,
            },
            released: true,
            command: FIX_COMMAND.into(),
            run_in: None,
        },
        Api {
            // A third fixture, unlike the others: other paths and security
            // schemes, a 202 with a required header, default and 4XX
            // responses, cookies, its own version header.
            document: PathBuf::from("xtask/fixtures/lockers/lockers.yaml"),
            types_crate: CrateOut::new("xtask/fixtures/lockers/types", "lockers_types"),
            client_crate: CrateOut::new("xtask/fixtures/lockers/client", "lockers_client"),
            server_crate: CrateOut::new("xtask/fixtures/lockers/server", "lockers_server"),
            client: ClientOptions::default(),
            released: false,
            command: FIX_COMMAND.into(),
            run_in: None,
        },
        Api {
            // A fixture for the generator's own tests: another document, with
            // what ev-energy-v2.yaml does not exercise.
            document: PathBuf::from("xtask/fixtures/widgets/widgets.yaml"),
            types_crate: CrateOut::new("xtask/fixtures/widgets/types", "widgets_types"),
            client_crate: CrateOut::new("xtask/fixtures/widgets/client", "widgets_client"),
            server_crate: CrateOut::new("xtask/fixtures/widgets/server", "widgets_server"),
            client: ClientOptions::default(),
            released: false,
            command: FIX_COMMAND.into(),
            run_in: None,
        },
    ]
}

/// Where orphaned generated files are looked for.
pub fn generated_dirs() -> Vec<PathBuf> {
    vec![PathBuf::from("crates"), PathBuf::from("xtask/fixtures")]
}
