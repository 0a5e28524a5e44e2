//! `cargo xtask compat --base OLD --revision NEW`: the gate on any two
//! revisions of any document, each a file or `REV:PATH` from the git
//! repository the command runs in, with findings as text or JSON.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};

use super::{major, report, rules, Finding, Severity, Verdict};
use crate::model::Model;
use crate::spec::Document;

/// How findings are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// cargo-style text, as the workspace mode prints.
    Text,
    /// One JSON object: the versions, and each finding with its rule id,
    /// level, operation, pointer, texts and fingerprint.
    Json,
}

/// The level at or above which findings fail the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Breaking findings (the default).
    Breaking,
    /// Breaking findings and warnings.
    Warning,
    /// Any finding at all.
    Info,
}

/// What `compat --base/--revision` was given.
pub struct Options {
    pub base: String,
    pub revision: String,
    pub format: Format,
    pub fail_on: FailOn,
}

/// Reads one side: a file, or `REV:PATH` through `git show` in `dir`. A
/// URL is refused: the gate reads no network.
pub fn load_side(dir: &Path, side: &str) -> Result<Document> {
    if side.starts_with("http://") || side.starts_with("https://") {
        bail!(
            "`{side}` is a URL: the gate reads files and git revisions, never the network. \
             Download the document first, or give `REV:PATH` from your repository"
        );
    }
    let file = dir.join(side);
    if file.is_file() {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        return Document::parse(Path::new(side), &text);
    }
    let Some((rev, path)) = side.split_once(':').filter(|(rev, _)| !rev.is_empty()) else {
        bail!("{side} is neither a file nor `REV:PATH` (a git revision and the document's path in it)");
    };
    let output = Command::new("git")
        .arg("show")
        .arg(format!("{rev}:{path}"))
        .current_dir(dir)
        .output()
        .context("cannot run git to read `REV:PATH`")?;
    if !output.status.success() {
        bail!(
            "git cannot show `{side}`: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text =
        String::from_utf8(output.stdout).map_err(|_| anyhow!("`{side}` is not UTF-8 text"))?;
    Document::parse(Path::new(side), &text)
}

/// Judges `options.revision` against `options.base` and prints the
/// findings; returns whether the gate passes.
pub fn check(dir: &Path, options: &Options, out: &mut dyn Write) -> Result<bool> {
    let old = load_side(dir, &options.base).context("the base document")?;
    let new = load_side(dir, &options.revision).context("the revision")?;
    let (old_model, new_model) = (crate::model::load(&old).0, crate::model::load(&new).0);
    let findings = super::compare_models(&old_model, &new_model);
    let versions = (old.api.info.version.clone(), new.api.info.version.clone());
    let major_bumped = match (major(&versions.0), major(&versions.1)) {
        (Some(old), Some(new)) => new > old,
        _ => false,
    };
    let verdict = Verdict {
        findings,
        versions,
        major_bumped,
    };
    let failing = |f: &Finding| match (f.severity, options.fail_on) {
        (Severity::Breaking, _) => !verdict.major_bumped,
        (Severity::Warning, FailOn::Warning | FailOn::Info) => true,
        (Severity::Compatible, FailOn::Info) => true,
        _ => false,
    };
    let passes = !verdict.findings.iter().any(failing);
    match options.format {
        Format::Text => {
            report(Path::new(&options.revision), &verdict, out)?;
        }
        Format::Json => {
            let findings: Vec<Value> = verdict
                .findings
                .iter()
                .map(|f| finding_json(f, &old_model, &new_model))
                .collect();
            let document = json!({
                "base": { "document": options.base, "version": verdict.versions.0 },
                "revision": { "document": options.revision, "version": verdict.versions.1 },
                "major_version_bumped": verdict.major_bumped,
                "passes": passes,
                "findings": findings,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&document)?)?;
        }
    }
    Ok(passes)
}

/// The operation a finding's pointer is in: (method, path, operationId).
fn operation_of(pointer: &str, old: &Model, new: &Model) -> Option<(String, String, String)> {
    let mut segments = pointer.strip_prefix("#/paths/")?.split('/');
    let path = segments.next()?.replace("~1", "/").replace("~0", "~");
    let method = segments.next()?.to_ascii_lowercase();
    let op = new
        .operations
        .iter()
        .chain(&old.operations)
        .find(|o| o.path == path && o.method.as_str().eq_ignore_ascii_case(&method))?;
    Some((method.to_ascii_uppercase(), path, op.id.clone()))
}

/// A finding as JSON (its schema is in the README, "Gate your document").
fn finding_json(f: &Finding, old: &Model, new: &Model) -> Value {
    let operation = operation_of(&f.pointer, old, new);
    let route = operation
        .as_ref()
        .map(|(method, path, _)| format!("{method} {path}"))
        .unwrap_or_default();
    json!({
        "rule": f.rule,
        "level": rules::level_word(f.severity),
        "operation": operation.map(|(method, path, id)| json!({
            "method": method, "path": path, "operationId": id,
        })),
        "pointer": f.pointer,
        "subject": f.subject,
        "old": f.old,
        "new": f.new,
        "impact": f.impact,
        "fix": f.fix,
        "fingerprint": fingerprint(&[&f.rule, &route, &f.subject]),
    })
}

/// A finding's fingerprint: FNV-1a (64 bits, hex) of its rule, its
/// operation's method and path, and its subject, which name what changed
/// and not where in the file it stands, so an unrelated edit (another
/// parameter added before it, the file re-indented) leaves it the same.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_tell_parts_apart() {
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
    }

    #[test]
    fn a_url_is_refused_and_a_missing_side_is_named() {
        let dir = std::env::temp_dir();
        let error = load_side(&dir, "https://example.com/api.yaml")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("never the network"), "{error}");
        let error = load_side(&dir, "no-such-file.yaml")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("neither a file nor `REV:PATH`"), "{error}");
    }
}
