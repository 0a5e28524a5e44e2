//! What the generator writes into generated crates that the document does
//! not say: the version of every dependency the generated code may name,
//! the version of the runtime the generated server requires, and a
//! `Cargo.lock` that seeds a new generated workspace's.
//!
//! They come with the generator (compiled in from `pins/` beside this
//! crate's sources), so an installed `spec-lockstep` needs no checkout.
//! The files in `pins/` are themselves generated, by the workspace the
//! generator is developed in (`cargo xtask codegen`, [`files`]), from its
//! `[workspace.dependencies]`, its runtime crate's manifest and its
//! `Cargo.lock`: the versions generated crates get are the versions the
//! generator is tested with, and the drift check fails when the two part.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{anyhow, Context, Result};

use crate::codegen::GeneratedFile;

/// The generator's name, as `cargo install` knows it.
pub const GENERATOR: &str = env!("CARGO_PKG_NAME");
/// The generator's version; generated headers record it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The runtime crate the generated server depends on, as a package name.
pub const RUNTIME_PACKAGE: &str = "ev-energy-runtime";

/// Where the pins live, relative to the generator's workspace.
pub const DIR: &str = "crates/spec-lockstep/pins";
const DEPENDENCIES_FILE: &str = "dependencies.toml";
const LOCK_FILE: &str = "lock-seed.toml";

const DEPENDENCIES: &str = include_str!("../pins/dependencies.toml");
const LOCK_SEED: &str = include_str!("../pins/lock-seed.toml");

/// The pinned dependency versions and the runtime's.
#[derive(Debug)]
pub struct Pins {
    dependencies: toml::Table,
    runtime_version: String,
}

/// The pins this generator was built with.
pub fn pinned() -> &'static Pins {
    static PINS: OnceLock<Pins> = OnceLock::new();
    PINS.get_or_init(|| {
        // Written by `files` and checked by the drift check before this
        // crate is built, so a failure here is a broken build of the
        // generator, not something a user's input can cause.
        Pins::parse(DEPENDENCIES).expect("pins/dependencies.toml is the generator's own file")
    })
}

impl Pins {
    fn parse(text: &str) -> Result<Self> {
        let table: toml::Table = toml::from_str(text).context("pins are not valid TOML")?;
        let dependencies = table
            .get("dependencies")
            .and_then(|d| d.as_table())
            .cloned()
            .ok_or_else(|| anyhow!("pins have no [dependencies]"))?;
        let runtime_version = table
            .get("runtime")
            .and_then(|r| r.get("version"))
            .and_then(|v| v.as_str())
            .ok_or_else(|| anyhow!("pins have no [runtime] version"))?
            .to_string();
        Ok(Self {
            dependencies,
            runtime_version,
        })
    }

    /// `name = <pinned spec>`, a line of a `[dependencies]` table.
    pub fn line(&self, name: &str) -> Result<String> {
        let spec = self
            .dependencies
            .get(name)
            .ok_or_else(|| anyhow!("the generator pins no dependency `{name}`"))?;
        Ok(format!("{name} = {}", inline(spec)))
    }

    /// The runtime version the generated server requires (`"0.1.1"` is
    /// `^0.1.1`): the runtime the generator was tested with.
    pub fn runtime_version(&self) -> &str {
        &self.runtime_version
    }
}

/// The `Cargo.lock` that seeds a new generated workspace's (cargo drops
/// what the crates do not use).
pub fn lock_seed() -> &'static str {
    // Below the generated header, the lock as cargo wrote it.
    LOCK_SEED
        .split_once('\n')
        .map_or(LOCK_SEED, |(_, rest)| rest)
}

/// The pins of the generator's workspace at `workspace`, as generated files
/// (`cargo xtask codegen` writes them; `--check` compares them).
pub fn files(workspace: &Path) -> Result<Vec<GeneratedFile>> {
    let manifest_path = workspace.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let manifest: toml::Table = toml::from_str(&text)
        .with_context(|| format!("{} is not valid TOML", manifest_path.display()))?;
    let all = manifest
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .ok_or_else(|| {
            anyhow!(
                "{} has no [workspace.dependencies]",
                manifest_path.display()
            )
        })?;
    // The workspace's own crates are named by path: not for other workspaces.
    let registry: Vec<String> = all
        .iter()
        .filter(|(_, spec)| spec.get("path").is_none())
        .map(|(name, spec)| format!("{name} = {}", inline(spec)))
        .collect();
    let runtime_manifest = workspace
        .join("crates")
        .join(RUNTIME_PACKAGE)
        .join("Cargo.toml");
    let runtime_text = std::fs::read_to_string(&runtime_manifest)
        .with_context(|| format!("cannot read {}", runtime_manifest.display()))?;
    let runtime_version = toml::from_str::<toml::Table>(&runtime_text)
        .ok()
        .and_then(|t| Some(t.get("package")?.get("version")?.as_str()?.to_string()))
        .ok_or_else(|| anyhow!("{} has no package.version", runtime_manifest.display()))?;
    let header = |from: &str| {
        format!(
            "# {}{VERSION} from {from}. Do not edit by hand: run `cargo xtask codegen`.",
            crate::codegen::HEADER_PREFIX.trim_start_matches("// ")
        )
    };
    let dependencies = format!(
        "{}\n# What generated crates depend on: the versions the generator is tested with.\n\
         [runtime]\npackage = \"{RUNTIME_PACKAGE}\"\nversion = \"{runtime_version}\"\n\n\
         [dependencies]\n{}\n",
        header("Cargo.toml and crates/ev-energy-runtime/Cargo.toml"),
        registry.join("\n")
    );
    let lock_path = workspace.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .with_context(|| format!("cannot read {}", lock_path.display()))?;
    Ok(vec![
        GeneratedFile {
            path: PathBuf::from(DIR).join(DEPENDENCIES_FILE),
            contents: dependencies,
        },
        GeneratedFile {
            path: PathBuf::from(DIR).join(LOCK_FILE),
            contents: format!("{}\n{lock}", header("Cargo.lock")),
        },
    ])
}

/// A TOML value on one line (tables as inline tables).
fn inline(value: &toml::Value) -> String {
    match value {
        toml::Value::Table(table) => {
            let entries: Vec<String> = table
                .iter()
                .map(|(key, value)| format!("{key} = {}", inline(value)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        toml::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_pins_are_this_workspaces() {
        let files = files(&crate::workspace_root()).unwrap();
        assert_eq!(files[0].contents, DEPENDENCIES, "run `cargo xtask codegen`");
        let pins = Pins::parse(&files[0].contents).unwrap();
        assert_eq!(pins.runtime_version(), pinned().runtime_version());
        let tokio = pins.line("tokio").unwrap();
        assert!(
            tokio.starts_with("tokio = { ") && tokio.contains("version = \"1\""),
            "{tokio}"
        );
        assert!(
            pins.line("ev-energy-runtime").is_err(),
            "path crates are not pinned"
        );
        assert!(lock_seed().starts_with("# This file is automatically @generated by Cargo."));
    }

    #[test]
    fn dependencies_become_inline_tables() {
        let line = pinned().line("serde").unwrap();
        assert!(line.starts_with("serde = { "), "{line}");
        assert!(line.contains("features = [\"derive\"]"), "{line}");
        assert!(!line.contains('\n'));
    }
}
