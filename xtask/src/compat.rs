//! `cargo xtask compat` and `cargo xtask release`: the document may only
//! change in ways that clients built against the last released document
//! survive, unless its major version goes up.
//!
//! The comparison is oxidecomputer's `drift` crate, which reads both
//! documents and classifies each change as backward-incompatible (old
//! clients may break), forward-incompatible (only new clients talking to
//! an old server would notice), incompatible (both), trivial, or
//! unhandled (drift cannot tell).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use drift::ChangeClass;
use serde_json::Value;

use crate::spec::Document;

/// One change between the released and the current document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Where, in the current document (JSON pointer, `#/…`).
    pub pointer: String,
    /// drift's classification.
    pub class: ChangeClass,
    /// What changed, in drift's words.
    pub message: String,
}

impl Finding {
    /// Whether deployed clients may not survive this change.
    pub fn breaks_clients(&self) -> bool {
        matches!(
            self.class,
            ChangeClass::BackwardIncompatible | ChangeClass::Incompatible | ChangeClass::Unhandled
        )
    }

    /// A name for the class, as printed.
    pub fn class_name(&self) -> &'static str {
        match self.class {
            ChangeClass::BackwardIncompatible => "backward-incompatible",
            ChangeClass::ForwardIncompatible => "forward-incompatible",
            ChangeClass::Incompatible => "incompatible",
            ChangeClass::Trivial => "trivial",
            ChangeClass::Unhandled => "unclassified",
        }
    }

    /// What a reviewer should make of it.
    pub fn advice(&self) -> &'static str {
        match self.class {
            ChangeClass::BackwardIncompatible => {
                "clients built against the released document may break: keep the old shape, or bump the major version"
            }
            ChangeClass::Incompatible => {
                "breaks old clients and old servers alike: keep the old shape, or bump the major version"
            }
            ChangeClass::Unhandled => {
                "drift cannot tell whether this is compatible: rework it into a change it can classify, or bump the major version"
            }
            ChangeClass::ForwardIncompatible => "fine for deployed clients (only a new client talking to an old server would notice)",
            ChangeClass::Trivial => "no effect on clients",
        }
    }
}

/// Every change between two documents (as JSON trees), in a stable order.
pub fn compare(old: &Value, new: &Value) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for change in drift::compare(old, new).context("drift could not compare the documents")? {
        let (old_base, new_base) = change
            .paths
            .first()
            .map(|p| {
                (
                    p.old.current_pointer().to_string(),
                    p.new.current_pointer().to_string(),
                )
            })
            .unwrap_or_else(|| ("#".to_string(), "#".to_string()));
        let join = |base: &str, sub: &str| {
            if sub.is_empty() {
                base.to_string()
            } else {
                format!("{base}/{sub}")
            }
        };
        for info in change.changes {
            let pointer = join(&new_base, &info.new_subpath);
            let old_pointer = join(&old_base, &info.old_subpath);
            let (class, message) = if info.class == ChangeClass::Unhandled
                && only_optional_properties_added(at(old, &old_pointer), at(new, &pointer))
            {
                (
                    ChangeClass::ForwardIncompatible,
                    format!(
                        "{} (only optional properties were added: clients ignore unknown fields)",
                        info.message
                    ),
                )
            } else {
                (info.class, info.message)
            };
            findings.push(Finding {
                pointer,
                class,
                message,
            });
        }
    }
    findings.sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.message.cmp(&b.message)));
    findings.dedup();
    Ok(findings)
}

fn at<'a>(document: &'a Value, pointer: &str) -> Option<&'a Value> {
    document.pointer(pointer.trim_start_matches('#'))
}

/// drift leaves "object properties changed" unclassified. The common case
/// is safe and easy to tell: the new schema only adds properties that are
/// not required, and leaves everything else as it was.
fn only_optional_properties_added(old: Option<&Value>, new: Option<&Value>) -> bool {
    let (Some(Value::Object(old)), Some(Value::Object(new))) = (old, new) else {
        return false;
    };
    let props = |s: &serde_json::Map<String, Value>| {
        s.get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let required = |s: &serde_json::Map<String, Value>| -> Vec<Value> {
        s.get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (old_props, new_props) = (props(old), props(new));
    let rest = |s: &serde_json::Map<String, Value>| {
        let mut s = s.clone();
        s.remove("properties");
        s.remove("required");
        s
    };
    new_props.len() > old_props.len()
        && old_props.iter().all(|(k, v)| new_props.get(k) == Some(v))
        && required(old) == required(new)
        && rest(old) == rest(new)
}

/// The major number of a version like `2.0` or `3.1.4`.
pub fn major(version: &str) -> Option<u64> {
    version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Dotted version numbers as comparable numbers (`2.10` > `2.9`).
fn version_key(version: &str) -> Vec<u64> {
    version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

/// Where the released copy of a document lives: `openapi/released/<name>`.
pub fn released_path(document: &Path) -> PathBuf {
    let name = document.file_name().map(PathBuf::from).unwrap_or_default();
    document
        .parent()
        .unwrap_or(Path::new(""))
        .join("released")
        .join(name)
}

/// The outcome of comparing one document with its released copy.
pub struct Verdict {
    /// Every change.
    pub findings: Vec<Finding>,
    /// The released and current `info.version`.
    pub versions: (String, String),
    /// Whether the major version went up.
    pub major_bumped: bool,
}

impl Verdict {
    /// Whether the change is acceptable.
    pub fn passes(&self) -> bool {
        self.major_bumped || !self.findings.iter().any(Finding::breaks_clients)
    }
}

/// Compares `document` (relative to `root`) with its released copy, if any.
pub fn verdict(root: &Path, document: &Path) -> Result<Option<Verdict>> {
    let released = released_path(document);
    if !root.join(&released).exists() {
        return Ok(None);
    }
    let old = Document::load(root, &released)?;
    let new = Document::load(root, document)?;
    let findings = compare(&old.raw, &new.raw)?;
    let versions = (old.api.info.version.clone(), new.api.info.version.clone());
    let major_bumped = match (major(&versions.0), major(&versions.1)) {
        (Some(old), Some(new)) => new > old,
        _ => false,
    };
    Ok(Some(Verdict {
        findings,
        versions,
        major_bumped,
    }))
}

/// Prints a verdict; returns whether it passes.
pub fn report(document: &Path, verdict: &Verdict, out: &mut dyn Write) -> Result<bool> {
    let name = crate::codegen::slash_path(document);
    let (old, new) = &verdict.versions;
    for finding in &verdict.findings {
        writeln!(
            out,
            "{:>12} {name}#{}: {} change: {}",
            if finding.breaks_clients() {
                "Breaking"
            } else {
                "Change"
            },
            finding.pointer.trim_start_matches('#'),
            finding.class_name(),
            finding.message
        )?;
        writeln!(out, "{:>12} {}", "", finding.advice())?;
    }
    let breaking = verdict
        .findings
        .iter()
        .filter(|f| f.breaks_clients())
        .count();
    let passes = verdict.passes();
    let summary = match (breaking, verdict.major_bumped) {
        (0, _) => format!("{} change(s) since release {old}, none breaks deployed clients", verdict.findings.len()),
        (n, true) => format!("{n} breaking change(s) since release {old}, accepted: the major version went up ({old} -> {new})"),
        (n, false) => format!(
            "{n} breaking change(s) since release {old} without a major version bump (info.version is {new}). \
             Keep deployed clients working, or bump the major version in info.version, then `cargo xtask release`."
        ),
    };
    writeln!(
        out,
        "{:>12} {name}: {summary}",
        if passes { "Compatible" } else { "Error" }
    )?;
    Ok(passes)
}

/// The documents that are released to clients (not test fixtures).
fn released_documents() -> Vec<PathBuf> {
    crate::codegen::workspace_apis()
        .into_iter()
        .filter(|api| api.released)
        .map(|api| api.document)
        .collect()
}

/// `cargo xtask compat`: every released document against its released copy.
pub fn check(root: &Path, out: &mut dyn Write) -> Result<bool> {
    let mut all = true;
    for document in released_documents() {
        match verdict(root, &document)? {
            Some(verdict) => all &= report(&document, &verdict, out)?,
            None => writeln!(
                out,
                "{:>12} {}: no released copy yet (see `cargo xtask release`)",
                "Skipped",
                crate::codegen::slash_path(&document)
            )?,
        }
    }
    Ok(all)
}

/// `cargo xtask release`: promotes every released document once its
/// `info.version` went up and the change is compatible (or a major bump).
pub fn release(root: &Path, out: &mut dyn Write) -> Result<()> {
    for document in released_documents() {
        release_one(root, &document, out)?;
    }
    Ok(())
}

fn release_one(root: &Path, document: &Path, out: &mut dyn Write) -> Result<()> {
    let released = released_path(document);
    let current = Document::load(root, document)?;
    if let Some(verdict) = verdict(root, document)? {
        let (old, new) = &verdict.versions;
        if version_key(new) <= version_key(old) {
            bail!(
                "info.version is {new}, the released document's is {old}: bump info.version in {} first \
                 (the major number for a breaking change, the minor otherwise)",
                crate::codegen::slash_path(document)
            );
        }
        if !report(document, &verdict, out)? {
            bail!(
                "not released: the document breaks deployed clients without a major version bump"
            );
        }
    }
    std::fs::create_dir_all(root.join(released.parent().unwrap_or(Path::new("."))))?;
    std::fs::copy(root.join(document), root.join(&released))?;
    writeln!(
        out,
        "{:>12} {} (version {}) as {}; commit it",
        "Released",
        crate::codegen::slash_path(document),
        current.api.info.version,
        crate::codegen::slash_path(&released)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(major("2.0"), Some(2));
        assert_eq!(major("v3.1.4"), Some(3));
        assert_eq!(major("beta"), None);
        assert!(version_key("2.10") > version_key("2.9"));
        assert_eq!(
            released_path(Path::new("openapi/ev-energy-v2.yaml")),
            PathBuf::from("openapi/released/ev-energy-v2.yaml")
        );
    }
}
