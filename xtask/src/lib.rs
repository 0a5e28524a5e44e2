//! The workspace's own tasks: `cargo xtask codegen [--check]` (also for a
//! document outside the workspace, [`standalone`]), `lint`, `compat`,
//! `release`, `conformance`, `docs`, `bench`, `load`, `demo`, `synthetic`
//! and `ci`.
//!
//! The binary (`main.rs`) only parses arguments; each task is a module here
//! so that tests can run it on a temporary copy of the workspace.
//!
//! Everything starts from the [`model`] of a document (built once from
//! `openapiv3`); [`types`] makes its Rust types with typify, [`codegen`](mod@codegen)
//! runs progenitor for the client and [`server`] and [`mock`] generate the
//! server crate and the client's mock from the model; [`files`] writes
//! them, or checks them for drift.

// The generator is the `spec-lockstep` crate; these are its modules, under
// the names the tasks and tests below have always used.
pub use spec_lockstep::{
    adapt, client, codegen, files, init, invent, lint, mock, model, naming, panic_guard, server,
    spec, standalone, synthetic, types, vocab,
};
pub use spec_lockstep::{EXIT_GENERATOR_FAILED, EXIT_OK, EXIT_STALE};

pub mod ci;
pub mod conformance;
pub mod docs;
pub mod versions;
pub mod workspace;

/// The compatibility gate (the generator's), with this workspace's mutation
/// suite and benchmark of it.
pub mod compat {
    pub use spec_lockstep::compat::*;
    pub mod bench;
    pub mod mutations;
    mod release;
    pub mod suite;
    pub use release::{check, release};
}

/// The corpus round trip (the generator's), with the run over the whole
/// public OpenAPI directory.
pub mod corpus {
    pub use spec_lockstep::corpus::*;
    pub mod wide;
}

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

/// The workspace root (the folder above `xtask/`).
///
/// cargo sets `CARGO_MANIFEST_DIR` when it runs the task (`cargo xtask`,
/// `cargo test`), naming the `xtask/` folder of the checkout it was run in;
/// that wins over the folder this binary was compiled in, so two clones
/// that share one `CARGO_TARGET_DIR` each work on themselves.
pub fn workspace_root() -> PathBuf {
    // Only cargo's own run of this package counts: a process started by
    // another package's `cargo run` inherits that package's variables.
    let ours = std::env::var("CARGO_PKG_NAME").is_ok_and(|name| name == env!("CARGO_PKG_NAME"));
    let at_run_time = std::env::var_os("CARGO_MANIFEST_DIR")
        .filter(|_| ours)
        .map(PathBuf::from)
        .filter(|dir| dir.join("Cargo.toml").is_file());
    let manifest_dir = at_run_time.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or(manifest_dir)
}

/// Generates every API of the workspace under `root`, in `mode`.
pub fn codegen(root: &Path, mode: files::Mode, out: &mut dyn Write) -> Result<files::Summary> {
    let apis = workspace::apis();
    let mut generated = Vec::new();
    for api in &apis {
        generated.extend(codegen::generate_api(root, api)?);
    }
    // What the generator writes into other workspaces' crates (versions, the
    // lock seed): this workspace's, so generated crates build with what is tested here.
    generated.extend(spec_lockstep::pins::files(root)?);
    let fix = format!("`{}`", codegen::FIX_COMMAND);
    let mut summary = files::sync(
        root,
        &generated,
        &workspace::generated_dirs(),
        mode,
        &fix,
        out,
    )?;
    // The released crates' versions follow the document.
    for api in apis.iter().filter(|api| api.released) {
        let document = spec::Document::load(root, &api.document)?;
        let info_version = &document.api.info.version;
        let mismatches = versions::sync(root, api, info_version, false)?;
        for mismatch in &mismatches {
            writeln!(
                out,
                "{:>12} {}",
                "Stale",
                versions::describe(mismatch, &api.document, info_version)
            )?;
        }
        if !mismatches.is_empty() {
            writeln!(
                out,
                "{:>12} the crate versions follow info.version: run `cargo xtask release` to release \
                 the document and set them",
                "Help"
            )?;
            if mode == files::Mode::Check {
                summary.changed += mismatches.len();
            }
        }
    }
    Ok(summary)
}

/// Lints every document of the workspace under `root`; returns the number of findings.
pub fn lint(root: &Path, out: &mut dyn Write) -> Result<usize> {
    let mut total = 0;
    for api in workspace::apis() {
        let text = std::fs::read_to_string(root.join(&api.document))?;
        let findings = lint::lint_text(&api.document, &text);
        let name = codegen::slash_path(&api.document);
        for finding in &findings {
            // Strict: a warning fails the lint too.
            let label = if finding.is_error() {
                "Error"
            } else {
                "Warning"
            };
            writeln!(out, "{:>12} {name}#{finding}", label)?;
        }
        if findings.is_empty() {
            writeln!(out, "{:>12} {name}", "Clean")?;
        }
        total += findings.len();
    }
    Ok(total)
}
