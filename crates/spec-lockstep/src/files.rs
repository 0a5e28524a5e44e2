//! Writing generated files, and the drift check, through one pipeline.
//!
//! [`sync`] first works out, for every generated file, what a write would do
//! (create, update, remove, nothing); `Mode::Write` then does it and
//! `Mode::Check` reports it as a unified diff. So what `--check` reports is
//! exactly what `cargo xtask codegen` would change.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use similar::TextDiff;

use crate::codegen::{is_generated, slash_path, GeneratedFile};

/// Whether [`sync`] writes files or only compares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Bring the files on disk up to date.
    Write,
    /// Compare only; touch nothing.
    Check,
}

/// What the generator would do to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// On disk and up to date.
    Fresh,
    /// Not on disk yet.
    Missing,
    /// On disk with other contents (out of date, or edited by hand).
    Stale {
        /// What is on disk now.
        current: String,
    },
    /// A generated file that the documents no longer produce.
    Orphaned {
        /// What is on disk now.
        current: String,
    },
}

/// The outcome of [`sync`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Files compared (including orphans).
    pub checked: usize,
    /// Files that were, or would be, created, updated or removed.
    pub changed: usize,
}

impl Summary {
    /// Whether everything on disk matched the documents.
    pub fn is_fresh(&self) -> bool {
        self.changed == 0
    }
}

/// Brings `files` (and the removal of orphaned generated files under
/// `scan_dirs`) to disk, or, in check mode, reports what would change.
///
/// Refuses, touching nothing, when a file without the generated header
/// stands where a generated file goes: the generator never overwrites a file
/// it did not generate.
pub fn sync(
    root: &Path,
    files: &[GeneratedFile],
    scan_dirs: &[PathBuf],
    mode: Mode,
    fix: &str,
    out: &mut dyn Write,
) -> Result<Summary> {
    let plan = plan(root, files, scan_dirs, fix)?;
    let changed = plan.iter().filter(|(_, _, c)| *c != Change::Fresh).count();
    let summary = Summary {
        checked: plan.len(),
        changed,
    };
    match mode {
        Mode::Check => report(&plan, summary, fix, out)?,
        Mode::Write => apply(root, &plan, out)?,
    }
    Ok(summary)
}

type Plan = Vec<(PathBuf, String, Change)>;

fn plan(root: &Path, files: &[GeneratedFile], scan_dirs: &[PathBuf], fix: &str) -> Result<Plan> {
    let mut plan = Vec::new();
    let mut refused = Vec::new();
    let expected: BTreeSet<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    for file in files {
        let change = match read_if_exists(&root.join(&file.path))? {
            None => Change::Missing,
            Some(current) if !is_generated(&current) => {
                refused.push(slash_path(&file.path));
                continue;
            }
            Some(current) if current == file.contents => Change::Fresh,
            Some(current) => Change::Stale { current },
        };
        plan.push((file.path.clone(), file.contents.clone(), change));
    }
    if !refused.is_empty() {
        bail!(
            "refusing to overwrite {} file(s) that the generator did not write \
             (they lack the `// @generated` header):\n  {}\n\
             Nothing was changed. Move the hand-written code elsewhere (generated code \
             lives in `src/generated.rs`; hand-written code belongs in `lib.rs` or its own \
             module), delete the file, then run {fix} again.",
            refused.len(),
            refused.join("\n  ")
        );
    }
    for dir in scan_dirs {
        for path in generated_files_under(root, dir)? {
            if !expected.contains(path.as_path()) {
                let current = std::fs::read_to_string(root.join(&path))?;
                plan.push((path, String::new(), Change::Orphaned { current }));
            }
        }
    }
    Ok(plan)
}

fn read_if_exists(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Every `.rs` or `.toml` file under `dir` (relative to `root`) that
/// carries the generated header, sorted.
fn generated_files_under(root: &Path, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(root.join(&dir)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let relative = dir.join(&name);
            let kind = entry.file_type()?;
            if kind.is_dir() && name != "target" && !name.to_string_lossy().starts_with('.') {
                stack.push(relative);
            } else if kind.is_file()
                && relative
                    .extension()
                    .is_some_and(|e| e == "rs" || e == "toml")
                && std::fs::read_to_string(entry.path()).is_ok_and(|t| is_generated(&t))
            {
                found.push(relative);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn report(plan: &Plan, summary: Summary, fix: &str, out: &mut dyn Write) -> Result<()> {
    let mut counts = [0usize; 4];
    // The generator versions the changed files were written by, where not this one.
    let mut other_versions = BTreeSet::new();
    for (path, contents, change) in plan {
        let name = slash_path(path);
        let (current, wanted, what) = match change {
            Change::Fresh => {
                counts[0] += 1;
                continue;
            }
            Change::Stale { current } => {
                counts[1] += 1;
                (
                    current.as_str(),
                    contents.as_str(),
                    "stale (out of date or edited by hand)",
                )
            }
            Change::Missing => {
                counts[2] += 1;
                ("", contents.as_str(), "missing")
            }
            Change::Orphaned { current } => {
                counts[3] += 1;
                (
                    current.as_str(),
                    "",
                    "orphaned (no document generates it any more)",
                )
            }
        };
        if !current.is_empty() {
            let theirs = crate::codegen::generated_by(current);
            if theirs != Some(crate::pins::VERSION) {
                other_versions.insert(theirs.map(str::to_string));
            }
        }
        writeln!(out, "{:>12} {name}: {what}", "Drift")?;
        let diff = TextDiff::from_lines(current, wanted);
        write!(
            out,
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
        )?;
    }
    writeln!(
        out,
        "{} files checked: {} fresh, {} stale, {} missing, {} orphaned",
        summary.checked, counts[0], counts[1], counts[2], counts[3]
    )?;
    if !summary.is_fresh() {
        writeln!(
            out,
            "The generated code no longer matches the OpenAPI document. \
             To fix it, run {fix} and commit the document and the generated code together."
        )?;
    }
    if !other_versions.is_empty() {
        writeln!(out, "{:>12} {}", "Note", other_generator(&other_versions))?;
    }
    Ok(())
}

/// What `--check` says when the files on disk were written by other
/// versions of the generator (`None`: one that recorded no version).
fn other_generator(versions: &BTreeSet<Option<String>>) -> String {
    use crate::pins::{GENERATOR, VERSION};
    let named: Vec<&str> = versions.iter().flatten().map(String::as_str).collect();
    let by = match (named.as_slice(), versions.contains(&None)) {
        ([], _) => "a generator that recorded no version".to_string(),
        (named, false) => format!("{GENERATOR} {}", named.join(", ")),
        (named, true) => format!(
            "{GENERATOR} {} and a generator that recorded no version",
            named.join(", ")
        ),
    };
    let install = match named.last() {
        Some(version) => format!(
            "check with the version recorded (`cargo install --locked {GENERATOR} --version {version}`), or "
        ),
        None => String::new(),
    };
    format!(
        "the files on disk were generated by {by}, and this is {GENERATOR} {VERSION}: part of the \
         difference may be the generator's, not the document's. To tell them apart, {install}\
         regenerate with this version and review the diff before committing it."
    )
}

fn apply(root: &Path, plan: &Plan, out: &mut dyn Write) -> Result<()> {
    for (path, contents, change) in plan {
        let full = root.join(path);
        let verb = match change {
            Change::Fresh => "Fresh",
            Change::Missing => {
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&full, contents)?;
                "Created"
            }
            Change::Stale { .. } => {
                std::fs::write(&full, contents)?;
                "Updated"
            }
            Change::Orphaned { .. } => {
                std::fs::remove_file(&full)?;
                "Removed"
            }
        };
        writeln!(out, "{verb:>12} {}", slash_path(path))?;
    }
    Ok(())
}
