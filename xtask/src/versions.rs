//! The generated crates' versions follow the document's `info.version`
//! (`2.0` → `2.0.0`), so a client team that pins `ev-energy-client = "2.1"`
//! gets a client of document 2.1. `cargo xtask release` sets them; the
//! drift check fails when they disagree with the document.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use spec_lockstep::codegen::{slash_path, Api};

/// The crate version for a document version: `2.0` → `2.0.0`, `3` →
/// `3.0.0`, `2.1.4` as it is.
pub fn crate_version(info_version: &str) -> Result<String> {
    let parts: Vec<&str> = info_version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.parse::<u64>().is_err()) {
        bail!(
            "info.version `{info_version}` is not MAJOR[.MINOR[.PATCH]] numbers, so the crates \
             cannot carry it as their version: write it like `2.0`"
        );
    }
    let mut numbers: Vec<String> = parts
        .iter()
        .map(|p| p.parse::<u64>().unwrap().to_string())
        .collect();
    numbers.resize(3, "0".into());
    Ok(numbers.join("."))
}

/// One place that carries a generated crate's version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The manifest, relative to the workspace root.
    pub manifest: PathBuf,
    /// What in it (`package.version`, `workspace.dependencies.ev-energy-types`).
    pub key: String,
    /// What it says.
    pub found: String,
    /// What the document says it should.
    pub expected: String,
}

/// The package names of an API's generated crates, with their manifests.
fn crates(root: &Path, api: &Api) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for krate in [&api.types_crate, &api.client_crate, &api.server_crate] {
        let manifest = krate.dir.join("Cargo.toml");
        let text = std::fs::read_to_string(root.join(&manifest))
            .with_context(|| format!("cannot read {}", manifest.display()))?;
        let doc: toml_edit::DocumentMut = text
            .parse()
            .with_context(|| format!("{} is not valid TOML", manifest.display()))?;
        let name = doc["package"]["name"]
            .as_str()
            .with_context(|| format!("{} has no package.name", manifest.display()))?
            .to_string();
        out.push((name, manifest));
    }
    Ok(out)
}

fn edit(
    root: &Path,
    manifest: &Path,
    f: impl FnOnce(&mut toml_edit::DocumentMut) -> bool,
) -> Result<bool> {
    let path = root.join(manifest);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", manifest.display()))?;
    let changed = f(&mut doc);
    if changed {
        std::fs::write(&path, doc.to_string())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(changed)
}

/// Where the versions of `api`'s crates disagree with `info_version`; with
/// `fix`, sets them (only the version values: the rest of each manifest is
/// kept as written).
pub fn sync(root: &Path, api: &Api, info_version: &str, fix: bool) -> Result<Vec<Mismatch>> {
    let expected = crate_version(info_version)?;
    let mut mismatches = Vec::new();
    let crates = crates(root, api)?;
    for (_, manifest) in &crates {
        let mut found = String::new();
        edit(root, manifest, |doc| {
            found = doc["package"]["version"].as_str().unwrap_or("").to_string();
            if found != expected && fix {
                doc["package"]["version"] = toml_edit::value(expected.clone());
                return true;
            }
            false
        })?;
        if found != expected {
            mismatches.push(Mismatch {
                manifest: manifest.clone(),
                key: "package.version".into(),
                found,
                expected: expected.clone(),
            });
        }
    }
    // The workspace's dependency entries carry the version too, for `cargo package`.
    let workspace = PathBuf::from("Cargo.toml");
    let mut found_entries = Vec::new();
    edit(root, &workspace, |doc| {
        let mut changed = false;
        for (name, _) in &crates {
            let Some(entry) = doc
                .get_mut("workspace")
                .and_then(|w| w.get_mut("dependencies"))
                .and_then(|d| d.get_mut(name))
                .and_then(|e| e.as_inline_table_mut())
            else {
                continue;
            };
            let found = entry
                .get("version")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            if found != expected {
                found_entries.push((name.clone(), found));
                if fix {
                    entry.insert("version", expected.as_str().into());
                    changed = true;
                }
            }
        }
        changed
    })?;
    for (name, found) in found_entries {
        mismatches.push(Mismatch {
            manifest: workspace.clone(),
            key: format!("workspace.dependencies.{name}.version"),
            found,
            expected: expected.clone(),
        });
    }
    Ok(mismatches)
}

/// Describes a mismatch for the drift check.
pub fn describe(m: &Mismatch, document: &Path, info_version: &str) -> String {
    format!(
        "{}: {} is `{}`, but {} has info.version {info_version}, so it must be `{}`",
        slash_path(&m.manifest),
        m.key,
        m.found,
        slash_path(document),
        m.expected
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_versions_become_crate_versions() {
        assert_eq!(crate_version("2.0").unwrap(), "2.0.0");
        assert_eq!(crate_version("3").unwrap(), "3.0.0");
        assert_eq!(crate_version("2.1.4").unwrap(), "2.1.4");
        assert_eq!(crate_version("v2.10").unwrap(), "2.10.0");
        assert!(crate_version("2.0-beta").is_err());
        assert!(crate_version("").is_err());
    }
}
