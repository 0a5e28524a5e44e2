//! `cargo xtask compat` and `cargo xtask release`: each of this
//! workspace's released documents against its released copy
//! (`openapi/released/`), and promoting a document once its
//! `info.version` went up.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Result};

use spec_lockstep::compat::{released_path, report, verdict, version_key};
use spec_lockstep::spec::Document;

/// The APIs whose documents are released to clients (not test fixtures).
fn released_apis() -> Vec<spec_lockstep::codegen::Api> {
    crate::workspace::apis()
        .into_iter()
        .filter(|api| api.released)
        .collect()
}

/// `cargo xtask compat`: every released document against its released copy.
pub fn check(root: &Path, out: &mut dyn Write) -> Result<bool> {
    let mut all = true;
    for api in released_apis() {
        let document = api.document;
        match verdict(root, &document)? {
            Some(verdict) => all &= report(&document, &verdict, out)?,
            None => writeln!(
                out,
                "{:>12} {}: no released copy yet (see `cargo xtask release`)",
                "Skipped",
                spec_lockstep::codegen::slash_path(&document)
            )?,
        }
    }
    Ok(all)
}

/// `cargo xtask release`: promotes every released document once its
/// `info.version` went up and the change is compatible (or a major bump).
pub fn release(root: &Path, out: &mut dyn Write) -> Result<()> {
    for api in released_apis() {
        release_one(root, &api, out)?;
    }
    Ok(())
}

fn release_one(root: &Path, api: &spec_lockstep::codegen::Api, out: &mut dyn Write) -> Result<()> {
    let document = api.document.as_path();
    let released = released_path(document);
    let current = Document::load(root, document)?;
    let info_version = current.api.info.version.clone();
    let unchanged = root.join(&released).exists()
        && std::fs::read(root.join(&released))? == std::fs::read(root.join(document))?;
    if unchanged {
        // Already released: only bring the crates' versions in line.
        let fixed = crate::versions::sync(root, api, &info_version, true)?;
        writeln!(
            out,
            "{:>12} {} is released as {info_version}; {}",
            "Fresh",
            spec_lockstep::codegen::slash_path(document),
            if fixed.is_empty() {
                "nothing to do".to_string()
            } else {
                format!(
                    "set the crate versions to {}",
                    crate::versions::crate_version(&info_version)?
                )
            }
        )?;
        return Ok(());
    }
    if let Some(verdict) = verdict(root, document)? {
        let (old, new) = &verdict.versions;
        if version_key(new) <= version_key(old) {
            bail!(
                "info.version is {new}, the released document's is {old}: bump info.version in {} first \
                 (the major number for a breaking change, the minor otherwise)",
                spec_lockstep::codegen::slash_path(document)
            );
        }
        if !report(document, &verdict, out)? {
            bail!(
                "not released: the document breaks deployed clients without a major version bump"
            );
        }
    }
    // Check the version is usable as a crate version before anything is written.
    let crate_version = crate::versions::crate_version(&info_version)?;
    std::fs::create_dir_all(root.join(released.parent().unwrap_or(Path::new("."))))?;
    std::fs::copy(root.join(document), root.join(&released))?;
    crate::versions::sync(root, api, &info_version, true)?;
    writeln!(
        out,
        "{:>12} the crates of {} to version {crate_version}",
        "Versioned",
        spec_lockstep::codegen::slash_path(document)
    )?;
    writeln!(
        out,
        "{:>12} {} (version {}) as {}; commit it",
        "Released",
        spec_lockstep::codegen::slash_path(document),
        current.api.info.version,
        spec_lockstep::codegen::slash_path(&released)
    )?;
    Ok(())
}
