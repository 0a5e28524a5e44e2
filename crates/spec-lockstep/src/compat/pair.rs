//! `cargo xtask compat --base OLD --revision NEW`: the gate on any two
//! revisions of any document, each a file or `REV:PATH` from the git
//! repository the command runs in, with findings as text or JSON.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};

use super::{report, rules, Finding, Severity, Verdict};
use crate::model::Model;
use crate::spec::Document;

/// How findings are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// cargo-style text, as the workspace mode prints.
    Text,
    /// One JSON object: the versions, and each finding with its rule id,
    /// level, operation, pointer, line, texts and fingerprint.
    Json,
    /// Markdown for a pull-request comment or a job summary: counts, then
    /// the breaking findings by operation, then the others collapsed.
    Markdown,
    /// GitHub Actions workflow commands: one `::error`/`::warning`/`::notice`
    /// annotation per finding, on the revision's line.
    Github,
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
    /// The policy file (`--config`); default: `compat.toml` beside the
    /// revision's document, when there is one.
    pub config: Option<std::path::PathBuf>,
}

/// The policy a team keeps in its repository (`compat.toml`):
///
/// ```toml
/// [rules]
/// response-status-added = "info"      # breaking, warning, info, or off
/// [[acknowledged]]
/// fingerprint = "4f1c0e2a9b7d3e85"
/// reason = "the mobile app never sends `site`; agreed with its team"
/// ```
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A rule id → its level here, or `off`.
    #[serde(default)]
    pub rules: std::collections::BTreeMap<String, Level>,
    /// Findings accepted, by fingerprint, each with its reason.
    #[serde(default)]
    pub acknowledged: Vec<Acknowledged>,
}

/// A rule's level in a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Breaking,
    Warning,
    Info,
    Off,
}

/// One acknowledged finding.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledged {
    pub fingerprint: String,
    pub reason: String,
}

impl Policy {
    /// Reads a policy file; a rule id the catalogue does not have is an
    /// error naming it (a typo would otherwise change nothing).
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the policy {}", path.display()))?;
        let policy: Policy = toml::from_str(&text)
            .with_context(|| format!("{} is not a compat policy", path.display()))?;
        let known = rules::catalogue();
        for id in policy.rules.keys() {
            if !known.iter().any(|r| &r.id == id) {
                bail!(
                    "{}: `{id}` is no rule of the catalogue (see `compat --rules`)",
                    path.display()
                );
            }
        }
        Ok(policy)
    }

    /// Applies the policy: levels changed, rules turned off (dropped, and
    /// counted), findings acknowledged. Returns how many were turned off,
    /// and the acknowledgements that matched nothing.
    fn apply(&self, findings: &mut Vec<(Finding, String)>) -> (usize, Vec<&Acknowledged>) {
        let before = findings.len();
        findings.retain(|(f, _)| self.rules.get(&f.rule) != Some(&Level::Off));
        let off = before - findings.len();
        for (finding, fingerprint) in findings.iter_mut() {
            match self.rules.get(&finding.rule) {
                Some(Level::Breaking) => finding.severity = Severity::Breaking,
                Some(Level::Warning) => finding.severity = Severity::Warning,
                Some(Level::Info) => finding.severity = Severity::Compatible,
                _ => {}
            }
            if let Some(ack) = self
                .acknowledged
                .iter()
                .find(|a| &a.fingerprint == fingerprint)
            {
                finding.acknowledged = Some(ack.reason.clone());
            }
        }
        let stale = self
            .acknowledged
            .iter()
            .filter(|a| !findings.iter().any(|(_, fp)| fp == &a.fingerprint))
            .collect();
        (off, stale)
    }
}

/// Reads one side: a file, or `REV:PATH` through `git show` in `dir`. A
/// URL is refused: the gate reads no network.
pub fn load_side(dir: &Path, side: &str) -> Result<Document> {
    Ok(read_side(dir, side)?.0)
}

/// [`load_side`], with the document's text (for line numbers).
fn read_side(dir: &Path, side: &str) -> Result<(Document, String)> {
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
        let read = |other: &Path| crate::spec::bundle::read_under(dir, Path::new(side), other);
        return Ok((
            Document::parse_reading(Path::new(side), &text, &read)?,
            text,
        ));
    }
    let Some((rev, path)) = side.split_once(':').filter(|(rev, _)| !rev.is_empty()) else {
        bail!("{side} is neither a file nor `REV:PATH` (a git revision and the document's path in it)");
    };
    // `git show` would read `--output=…:x` as an option (and write a file).
    if rev.starts_with('-') {
        bail!("`{rev}` is not a git revision (it starts with `-`)");
    }
    let show = |path: &str| -> Result<String> {
        let side = format!("{rev}:{path}");
        let output = Command::new("git")
            .arg("show")
            .arg(&side)
            .current_dir(dir)
            .output()
            .context("cannot run git to read `REV:PATH`")?;
        if !output.status.success() {
            bail!(
                "git cannot show `{side}`: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        String::from_utf8(output.stdout).map_err(|_| anyhow!("`{side}` is not UTF-8 text"))
    };
    let text = show(path)?;
    // The other files the document names, at the same revision; `./` kept
    // (git reads `REV:./x` relative to the directory it runs in).
    let relative = path.starts_with("./");
    let read = |other: &Path| {
        let other = other.to_string_lossy().replace('\\', "/");
        show(&match relative {
            true => format!("./{other}"),
            false => other,
        })
    };
    let mut raw = Document::tree(Path::new(side), &text)?;
    crate::spec::bundle::bundle(&mut raw, Path::new(path), &read, &|file, text| {
        Document::tree(file, text)
    })
    .with_context(|| format!("`{side}`"))?;
    Ok((Document::from_value(Path::new(side), raw)?, text))
}

/// Judges `options.revision` against `options.base` and prints the
/// findings; returns whether the gate passes.
pub fn check(dir: &Path, options: &Options, out: &mut dyn Write) -> Result<bool> {
    let (old, old_text) = read_side(dir, &options.base).context("the base document")?;
    let (new, new_text) = read_side(dir, &options.revision).context("the revision")?;
    let (old_model, new_model) = (crate::model::load(&old).0, crate::model::load(&new).0);
    let mut findings: Vec<(Finding, String)> = super::compare_models(&old_model, &new_model)
        .into_iter()
        .map(|f| {
            let fingerprint = finding_fingerprint(&f, &old_model, &new_model);
            (f, fingerprint)
        })
        .collect();
    let policy_path = options.config.clone().or_else(|| {
        let beside = dir
            .join(side_path(dir, &options.revision))
            .with_file_name("compat.toml");
        beside.is_file().then_some(beside)
    });
    let policy = match &policy_path {
        Some(path) => Policy::read(path)?,
        None => Policy::default(),
    };
    let (off, stale) = policy.apply(&mut findings);
    let (findings, fingerprints): (Vec<Finding>, Vec<String>) = findings.into_iter().unzip();
    let verdict = Verdict::new(findings, &old.api.info.version, &new.api.info.version);
    let failing = |f: &Finding| match (f.severity, options.fail_on) {
        _ if f.acknowledged.is_some() => false,
        (Severity::Breaking, _) => !verdict.major_bumped,
        (Severity::Warning, FailOn::Warning | FailOn::Info) => true,
        (Severity::Compatible, FailOn::Info) => true,
        _ => false,
    };
    let passes = !verdict.findings.iter().any(failing);
    match options.format {
        Format::Text => {
            report(Path::new(&options.revision), &verdict, out)?;
            // The summary above judges breaking findings; a lower --fail-on
            // can fail the gate where it says "Compatible".
            if !passes && verdict.passes() {
                writeln!(
                    out,
                    "{:>12} {}: a finding is at or above `--fail-on {}`",
                    "Error",
                    options.revision,
                    match options.fail_on {
                        FailOn::Breaking => "breaking",
                        FailOn::Warning => "warning",
                        FailOn::Info => "info",
                    }
                )?;
            }
            if let Some(path) = &policy_path {
                let acknowledged = verdict
                    .findings
                    .iter()
                    .filter(|f| f.acknowledged.is_some())
                    .count();
                writeln!(
                    out,
                    "{:>12} {}: {acknowledged} finding(s) acknowledged, {off} of rules turned off",
                    "Policy",
                    path.display()
                )?;
            }
            for ack in &stale {
                writeln!(
                    out,
                    "warning: the acknowledgement of {} matches no finding (\"{}\"); remove it",
                    ack.fingerprint, ack.reason
                )?;
            }
        }
        Format::Json => {
            let findings: Vec<Value> = verdict
                .findings
                .iter()
                .zip(&fingerprints)
                .map(|(f, fingerprint)| {
                    let mut value = finding_json(f, &old_model, &new_model);
                    value["fingerprint"] = json!(fingerprint);
                    value["acknowledged"] = json!(f.acknowledged);
                    value["in"] = json!(side_of(f));
                    value["line"] = json!(line_for(f, &old_text, &new_text));
                    value
                })
                .collect();
            let document = json!({
                "base": { "document": options.base, "version": verdict.versions.0 },
                "revision": { "document": options.revision, "version": verdict.versions.1 },
                "major_version_bumped": verdict.major_bumped,
                "passes": passes,
                "turned_off": off,
                "stale_acknowledgements": stale.iter().map(|a| &a.fingerprint).collect::<Vec<_>>(),
                "findings": findings,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&document)?)?;
        }
        Format::Markdown => {
            markdown(options, &verdict, passes, &old_model, &new_model, out)?;
        }
        Format::Github => {
            for f in &verdict.findings {
                let command = match f.severity {
                    _ if f.acknowledged.is_some() => "notice",
                    Severity::Breaking if !verdict.major_bumped => "error",
                    Severity::Breaking | Severity::Warning => "warning",
                    Severity::Compatible => "notice",
                };
                // Removed things are in the base; the annotation stands on
                // the revision's file all the same (GitHub shows only it).
                let file = side_path(dir, &options.revision);
                let line = line_for(f, &old_text, &new_text)
                    .map(|line| format!(",line={line}"))
                    .unwrap_or_default();
                let message = format!("{}. {}", f.subject, f.impact);
                let message = match f.fix.is_empty() {
                    true => message,
                    false => format!("{message}. Fix: {}", f.fix),
                };
                writeln!(
                    out,
                    "::{command} file={}{line},title={}::{}",
                    escape_property(&file),
                    escape_property(&f.rule),
                    escape_data(&message)
                )?;
            }
        }
    }
    Ok(passes)
}

/// The file a side names (relative to `dir`, where the command runs): the
/// path of a file, or the `PATH` of `REV:PATH`, as [`read_side`] reads it.
fn side_path(dir: &Path, side: &str) -> String {
    if dir.join(side).is_file() {
        return side.to_string();
    }
    side.split_once(':')
        .map_or(side, |(_, path)| path)
        .to_string()
}

/// Which document a finding's pointer is in: the base for what was
/// removed (the comparer says `absent` for the new side), else the revision.
fn side_of(f: &Finding) -> &'static str {
    match f.new == "absent" {
        true => "base",
        false => "revision",
    }
}

/// The line of a finding's pointer in the document it is in ([`side_of`]).
fn line_for(f: &Finding, old_text: &str, new_text: &str) -> Option<usize> {
    let pointer = f.pointer.strip_prefix('#').unwrap_or(&f.pointer);
    let text = match side_of(f) {
        "base" => old_text,
        _ => new_text,
    };
    crate::spec::lines::line_of(text, pointer)
}

/// A workflow command's property value, escaped as GitHub reads it.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A workflow command's message, escaped as GitHub reads it.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The markdown report: counts, the breaking findings by operation, the
/// others collapsed.
fn markdown(
    options: &Options,
    verdict: &Verdict,
    passes: bool,
    old: &Model,
    new: &Model,
    out: &mut dyn Write,
) -> Result<()> {
    let count = |s: Severity| verdict.count(s);
    let (old_version, new_version) = &verdict.versions;
    writeln!(
        out,
        "## API compatibility: {}\n",
        if passes { "passes" } else { "fails" }
    )?;
    writeln!(
        out,
        "`{}` ({new_version}) against `{}` ({old_version}): **{}** breaking, **{}** warning(s), **{}** info.{}\n",
        options.revision,
        options.base,
        count(Severity::Breaking),
        count(Severity::Warning),
        count(Severity::Compatible),
        if verdict.major_bumped && count(Severity::Breaking) > 0 {
            " The major version went up, which accepts the breaking changes."
        } else {
            ""
        }
    )?;
    let row = |f: &Finding| {
        // Names and texts come from the document: no table breaks, no HTML.
        let cell = |text: &str| {
            text.replace('|', "\\|")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('\n', " ")
        };
        format!(
            "| `{}` | {} | {} → {} | {} | {} |",
            f.rule,
            cell(&f.subject),
            cell(&f.old),
            cell(&f.new),
            cell(&f.impact),
            cell(&f.fix)
        )
    };
    let breaking: Vec<&Finding> = verdict
        .findings
        .iter()
        .filter(|f| f.breaks_clients())
        .collect();
    if !breaking.is_empty() {
        writeln!(out, "### Breaking\n")?;
        let mut by_operation: std::collections::BTreeMap<String, Vec<&Finding>> =
            Default::default();
        for f in breaking {
            let key = operation_of(&f.pointer, old, new)
                .map_or("Outside operations".to_string(), |(method, path, id)| {
                    format!("`{method} {path}` (`{id}`)")
                });
            by_operation.entry(key).or_default().push(f);
        }
        for (operation, findings) in by_operation {
            writeln!(out, "#### {operation}\n")?;
            writeln!(out, "| rule | what | was → now | who breaks | fix |")?;
            writeln!(out, "|---|---|---|---|---|")?;
            for f in findings {
                writeln!(out, "{}", row(f))?;
            }
            writeln!(out)?;
        }
    }
    let others: Vec<&Finding> = verdict
        .findings
        .iter()
        .filter(|f| !f.breaks_clients())
        .collect();
    if !others.is_empty() {
        writeln!(
            out,
            "<details><summary>{} warning(s), info and acknowledged</summary>\n",
            others.len()
        )?;
        writeln!(out, "| rule | what | was → now | effect | |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for f in others {
            writeln!(out, "{}", row(f))?;
        }
        writeln!(out, "\n</details>")?;
    }
    Ok(())
}

/// The operation a finding's pointer is in: (method, path, operationId).
fn operation_of(pointer: &str, old: &Model, new: &Model) -> Option<(String, String, String)> {
    let mut segments = pointer.strip_prefix("#/paths/")?.split('/');
    let path = crate::spec::unescape_pointer(segments.next()?);
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
    })
}

/// A finding's [`fingerprint`]: of its rule, its operation's method and
/// path, and its subject.
fn finding_fingerprint(f: &Finding, old: &Model, new: &Model) -> String {
    let route = operation_of(&f.pointer, old, new)
        .map(|(method, path, _)| format!("{method} {path}"))
        .unwrap_or_default();
    fingerprint(&[&f.rule, &route, &f.subject])
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
