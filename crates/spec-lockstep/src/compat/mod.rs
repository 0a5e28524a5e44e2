//! The compatibility gate: a document may only change in ways that
//! clients built against the last released document survive, unless its
//! major version goes up (`compat --base --revision`, and this
//! workspace's `cargo xtask compat` and `release`).
//!
//! The gate compares the [typed models](crate::model) of the released and
//! the current document with rules of its own (`operations` for
//! servers, operations, parameters, bodies, responses, headers and
//! security; [`schema`] for schemas). Schemas are judged by who reads them:
//! where the server reads (parameters, request bodies) allowing more is
//! safe and allowing less breaks old clients' requests; where clients read
//! (responses) it is the other way round. Each finding names the thing
//! that changed, old and new, who breaks and how, and the fix. A change
//! with no rule fails, naming the node.

mod bodies;
mod operations;
pub mod pair;
pub mod rules;
pub mod schema;
mod security;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::model::Model;
use crate::spec::Document;

/// How a change affects clients built against the release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Deployed clients may break: fails without a major version bump.
    Breaking,
    /// Deployed clients keep working, but someone should know (a
    /// deprecation, a new error status, a field that is no longer sent).
    Warning,
    /// Deployed clients keep working.
    Compatible,
}

/// One change between the released and the current document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// How it affects deployed clients.
    pub severity: Severity,
    /// Where (JSON pointer, `#/…`): in the current document, or in the
    /// released one for what was removed.
    pub pointer: String,
    /// The named thing and what happened to it: "response property
    /// `reason_not_sent` of `DispatcherLog` removed".
    pub subject: String,
    /// What the released document said.
    pub old: String,
    /// What the current document says.
    pub new: String,
    /// Who breaks and how (or why nobody does).
    pub impact: String,
    /// How to keep deployed clients working; empty where nothing breaks.
    pub fix: String,
    /// The catalogue's id of the change (`parameter-became-required`), see
    /// [`rules::catalogue`] and `cargo xtask compat --rules`.
    pub rule: String,
    /// Why the team accepted this finding (a policy file's acknowledgement,
    /// see [`pair::Policy`]): it is printed, and fails nothing.
    pub acknowledged: Option<String>,
}

impl Finding {
    /// Whether deployed clients may not survive this change (and the team
    /// did not acknowledge it).
    pub fn breaks_clients(&self) -> bool {
        self.severity == Severity::Breaking && self.acknowledged.is_none()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({} -> {})",
            self.pointer, self.subject, self.old, self.new
        )
    }
}

/// Every change between two documents, in a stable order.
pub fn compare_models(old: &Model, new: &Model) -> Vec<Finding> {
    let mut comparer = schema::Comparer::new(old, new, &old.version);
    comparer.documents();
    let mut findings = comparer.findings;
    findings.sort();
    findings.dedup();
    findings
}

/// Every change between two documents given as JSON trees.
pub fn compare(old: &Value, new: &Value) -> Result<Vec<Finding>> {
    let model = |value: &Value, name: &str| -> Result<Model> {
        let document = Document::from_value(Path::new(name), value.clone())
            .with_context(|| format!("the {name} document is not valid OpenAPI"))?;
        Ok(crate::model::load(&document).0)
    };
    Ok(compare_models(
        &model(old, "released")?,
        &model(new, "current")?,
    ))
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
pub fn version_key(version: &str) -> Vec<u64> {
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
    /// The verdict on `findings` between documents of these `info.version`s.
    pub fn new(findings: Vec<Finding>, old_version: &str, new_version: &str) -> Self {
        let major_bumped = match (major(old_version), major(new_version)) {
            (Some(old), Some(new)) => new > old,
            _ => false,
        };
        Self {
            findings,
            versions: (old_version.to_string(), new_version.to_string()),
            major_bumped,
        }
    }

    /// How many findings of `severity` the team has not acknowledged.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity && f.acknowledged.is_none())
            .count()
    }

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
    let findings = compare_models(&crate::model::load(&old).0, &crate::model::load(&new).0);
    Ok(Some(Verdict::new(
        findings,
        &old.api.info.version,
        &new.api.info.version,
    )))
}

/// Prints a verdict, cargo-style; returns whether it passes.
pub fn report(document: &Path, verdict: &Verdict, out: &mut dyn Write) -> Result<bool> {
    let name = crate::codegen::slash_path(document);
    let (old, new) = &verdict.versions;
    let accepted = verdict.major_bumped;
    for finding in &verdict.findings {
        let label = match (finding.severity, accepted) {
            _ if finding.acknowledged.is_some() => "note[acknowledged]",
            (Severity::Breaking, false) => "error[breaking]",
            (Severity::Breaking, true) => "warning[breaking, major bump]",
            (Severity::Warning, _) => "warning",
            (Severity::Compatible, _) => "note[compatible]",
        };
        writeln!(out, "{label}: {}", finding.subject)?;
        writeln!(out, "  --> {name}{}", finding.pointer)?;
        writeln!(out, "   = rule: {}", finding.rule)?;
        if let Some(reason) = &finding.acknowledged {
            writeln!(out, "   = acknowledged: {reason}")?;
        }
        writeln!(out, "   = was: {}", finding.old)?;
        writeln!(out, "   = now: {}", finding.new)?;
        let effect = if finding.breaks_clients() {
            "breaks"
        } else {
            "effect"
        };
        writeln!(out, "   = {effect}: {}", finding.impact)?;
        if !finding.fix.is_empty() && !accepted {
            writeln!(out, "   = fix: {}", finding.fix)?;
        }
    }
    let count = |s: Severity| verdict.count(s);
    let (breaking, warnings, compatible) = (
        count(Severity::Breaking),
        count(Severity::Warning),
        count(Severity::Compatible),
    );
    let passes = verdict.passes();
    let summary = match (breaking, accepted) {
        (0, _) => format!(
            "{compatible} compatible change(s) and {warnings} warning(s) since release {old}; none breaks deployed clients"
        ),
        (n, true) => format!(
            "{n} breaking change(s) since release {old}, accepted: the major version went up ({old} -> {new})"
        ),
        (n, false) => format!(
            "{n} breaking change(s) since release {old} without a major version bump (info.version is {new}). \
             Keep deployed clients working as each `fix` says, or bump the major number of info.version, \
             then run `cargo xtask release`."
        ),
    };
    writeln!(
        out,
        "{:>12} {name}: {summary}",
        if passes { "Compatible" } else { "Error" }
    )?;
    Ok(passes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majors_and_version_order_are_read_from_info_version_and_releases_sit_under_released() {
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
