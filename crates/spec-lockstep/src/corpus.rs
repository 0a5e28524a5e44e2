//! `cargo xtask corpus`: the generator on real documents. For every
//! document in `../shared/corpus` (beside the workspace; skipped with a
//! note where it is absent) and every feature fixture
//! (`xtask/tests/features/*.yaml`), it generates the three crates with
//! `codegen --document --out`, writes a round-trip binary
//! ([`roundtrip`]), builds it (all documents share one target
//! folder), runs it, and prints one table: document, operations, warnings,
//! generated server code lines per operation, build seconds, round-trip
//! calls passed/total.
//!
//! Everything is written under `target/corpus/`. A document that does not
//! generate, build or pass every call fails the task, after all documents
//! have been tried.
//!
//! `cargo xtask corpus --wide` (the workspace's xtask) tries the generator
//! on the whole public OpenAPI directory instead.

pub mod roundtrip;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};

use crate::codegen;
use crate::spec::Document;
use crate::standalone;

/// One document's outcome.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The document, relative to the corpus folder.
    pub document: String,
    /// Its operations (0 when it does not load).
    pub operations: usize,
    /// The warnings codegen printed.
    pub warnings: usize,
    /// Generated server code lines (no blank or comment lines) per operation.
    pub server_lines_per_op: Option<f64>,
    /// Seconds to build the crates and the round trip.
    pub build_seconds: Option<f64>,
    /// Round-trip calls passed, and made.
    pub round_trip: Option<(usize, usize)>,
    /// Where it stopped, when it did.
    pub failure: Option<String>,
}

impl Outcome {
    /// Generated, built, and every round-trip call passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none() && matches!(self.round_trip, Some((p, t)) if p == t)
    }
}

/// The corpus folder beside the workspace, when it is there.
pub fn corpus_dir(root: &Path) -> Option<PathBuf> {
    let dir = root.parent()?.join("shared").join("corpus");
    dir.is_dir().then_some(dir)
}

/// The corpus documents: `*.yaml`/`*.json` in the folder and its subfolders.
pub fn documents(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .with_context(|| format!("cannot read {}", folder.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Runs the corpus, and the documents in the folders `also` (the
/// documents whose name contains one of `only`, or all); `Ok(true)` when
/// every document passed.
pub fn run(root: &Path, only: &[String], also: &[PathBuf], out: &mut dyn Write) -> Result<bool> {
    let mut all = Vec::new();
    for dir in also {
        let dir = dir
            .canonicalize()
            .with_context(|| format!("cannot find {}", dir.display()))?;
        all.extend(documents(&dir)?.into_iter().map(|d| (dir.clone(), d)));
    }
    match corpus_dir(root) {
        Some(dir) => all.extend(documents(&dir)?.into_iter().map(|d| (dir.clone(), d))),
        None => writeln!(
            out,
            "note: no corpus at {}: only the feature fixtures are run",
            root.parent()
                .unwrap_or(root)
                .join("shared/corpus")
                .display()
        )?,
    }
    // The feature fixtures: one small document per feature no corpus
    // document has, under the same round trip.
    let features = root.join("xtask").join("tests");
    all.extend(
        documents(&features.join("features"))?
            .into_iter()
            .map(|d| (features.clone(), d)),
    );
    let work = root.join("target").join("corpus");
    run_documents(&all, only, Some(&runtime_dir(root)), &work, out)
}

/// The round trip of `documents` (each with the folder its name is taken
/// relative to; only those whose name contains one of `only`, or all),
/// in `work`, against the runtime crate at `runtime` (by a
/// `[patch.crates-io]`; from a registry without it); `Ok(true)` when every
/// document passed.
pub fn run_documents(
    documents: &[(PathBuf, PathBuf)],
    only: &[String],
    runtime: Option<&Path>,
    work: &Path,
    out: &mut dyn Write,
) -> Result<bool> {
    std::fs::create_dir_all(work).with_context(|| format!("cannot create {}", work.display()))?;
    let mut outcomes = Vec::new();
    for (dir, document) in documents {
        let name = document
            .strip_prefix(dir)
            .unwrap_or(document)
            .to_string_lossy()
            .into_owned();
        if !only.is_empty() && !only.iter().any(|o| name.contains(o.as_str())) {
            continue;
        }
        eprintln!("{:>12} {name}", "Corpus");
        let outcome = one(runtime, work, document, name)?;
        match &outcome.failure {
            Some(failure) => eprintln!("{:>12} {}: {failure}", "Failed", outcome.document),
            None => eprintln!(
                "{:>12} {}: {}/{} round-trip calls",
                "Done",
                outcome.document,
                outcome.round_trip.map_or(0, |r| r.0),
                outcome.round_trip.map_or(0, |r| r.1)
            ),
        }
        outcomes.push(outcome);
    }
    let table = table(&outcomes);
    writeln!(out, "{table}")?;
    std::fs::write(work.join("report.md"), &table)?;
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.passed()).collect();
    for outcome in &failed {
        writeln!(
            out,
            "FAILED {}: {}",
            outcome.document,
            outcome
                .failure
                .clone()
                .unwrap_or_else(|| "not every round-trip call passed".into())
        )?;
    }
    writeln!(
        out,
        "{} of {} documents passed (logs in {})",
        outcomes.len() - failed.len(),
        outcomes.len(),
        work.display()
    )?;
    Ok(failed.is_empty())
}

/// Generates, builds and round-trips one document.
fn one(runtime: Option<&Path>, work: &Path, document: &Path, name: String) -> Result<Outcome> {
    let prefix = standalone::crate_prefix(document)?;
    one_named(runtime, work, document, name, &prefix)
}

/// The round trip of one document, with the crates' name prefix given (`--crate-prefix`): for
/// documents whose file names do not make one (`1forge.com.json`), or make
/// the same one (`openapi.json`).
pub fn one_named(
    runtime: Option<&Path>,
    work: &Path,
    document: &Path,
    name: String,
    prefix: &str,
) -> Result<Outcome> {
    let mut outcome = Outcome {
        document: name,
        ..Outcome::default()
    };
    let prefix = prefix.to_string();
    let crates = work.join(&prefix);
    let log = work.join(format!("{prefix}.log"));
    // codegen in its own process: its warnings go to the log, and nothing it
    // meets (not even a panic in a generator crate) stops the other documents.
    let exe = std::env::current_exe().context("cannot find the generator's binary")?;
    let mut codegen = Command::new(exe);
    codegen
        .args(["codegen", "--document"])
        .arg(document)
        .arg("--out")
        .arg(&crates)
        .arg("--crate-prefix")
        .arg(&prefix);
    if let Some(runtime) = runtime {
        // A copy of the runtime, by a `[patch.crates-io]` in the generated workspace.
        codegen.arg("--runtime-path").arg(runtime);
    }
    let generated = codegen.output().context("cannot run codegen")?;
    let stderr = String::from_utf8_lossy(&generated.stderr).into_owned();
    std::fs::write(&log, &stderr)?;
    outcome.warnings = count_warnings(&stderr);
    if let Ok(parsed) = Document::load(Path::new(""), document) {
        let (model, _) = crate::model::load(&parsed);
        outcome.operations = model.operations.len();
    }
    if !generated.status.success() {
        let reason = stderr
            .lines()
            .find(|l| l.starts_with("error") || l.contains("panicked at"))
            .map(|l| match l.contains("panicked at") {
                // The panic's message is on the next line.
                true => {
                    let after = stderr.split(l).nth(1).and_then(|r| r.lines().nth(1));
                    format!("a generator panicked: {}", after.unwrap_or(l))
                }
                false => l.to_string(),
            })
            .unwrap_or_else(|| format!("codegen failed ({})", generated.status));
        outcome.failure = Some(format!(
            "codegen: {} (see {})",
            shorten(&reason),
            log.display()
        ));
        return Ok(outcome);
    }
    let server = crates
        .join(format!("{prefix}-server"))
        .join("src")
        .join("generated");
    let lines: usize = ["api.rs", "adapter.rs"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(server.join(f)).ok())
        .map(|text| code_lines(&text))
        .sum();
    if outcome.operations > 0 {
        outcome.server_lines_per_op = Some(lines as f64 / outcome.operations as f64);
    }
    let round_trip = work.join(format!("{prefix}-roundtrip"));
    let manifest = match write_round_trip(runtime, document, &crates, &round_trip, &prefix) {
        Ok(()) => round_trip.join("Cargo.toml"),
        Err(e) => {
            outcome.failure = Some(format!("round trip: {}", shorten(&format!("{e:#}"))));
            crates.join("Cargo.toml")
        }
    };
    let target = work.join("target");
    let started = Instant::now();
    let build = throwaway_cargo(&target)
        .args(["build", "--quiet", "--workspace", "--manifest-path"])
        .arg(&manifest)
        .output()
        .context("cannot run cargo build")?;
    outcome.build_seconds = Some(started.elapsed().as_secs_f64());
    let build_log = String::from_utf8_lossy(&build.stderr).into_owned();
    append(&log, &build_log)?;
    if !build.status.success() {
        let first = build_log
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("cargo build failed");
        outcome.failure = Some(format!("build: {} (see {})", shorten(first), log.display()));
        return Ok(outcome);
    }
    if outcome.failure.is_some() {
        return Ok(outcome);
    }
    let binary = target.join("debug").join(format!("{prefix}-roundtrip"));
    let ran = Command::new(&binary)
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let stdout = String::from_utf8_lossy(&ran.stdout).into_owned();
    append(&log, &stdout)?;
    append(&log, &String::from_utf8_lossy(&ran.stderr))?;
    outcome.round_trip = stdout.lines().find_map(|l| {
        let rest = l.strip_prefix("ROUNDTRIP passed=")?;
        let (passed, total) = rest.split_once(" total=")?;
        Some((passed.parse().ok()?, total.parse().ok()?))
    });
    match outcome.round_trip {
        None => {
            outcome.failure = Some(format!(
                "the round trip stopped before its summary ({}; see {})",
                ran.status,
                log.display()
            ))
        }
        Some((p, t)) if p != t => {
            let first = stdout.lines().find(|l| l.starts_with("FAIL")).unwrap_or("");
            outcome.failure = Some(format!(
                "{} of {t} round-trip calls failed; first: {} (see {})",
                t - p,
                shorten(first),
                log.display()
            ));
        }
        _ => {}
    }
    Ok(outcome)
}

/// The warnings codegen printed on `stderr`: one `warning: <JSON pointer>: …`
/// line each.
pub fn count_warnings(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning: /") || l.starts_with("warning: #"))
        // Not the summary line ("<document> has N warning(s)"), whose
        // absolute path starts with `/` too.
        .filter(|l| !l.ends_with("the code is generated anyway"))
        .count()
}

/// This checkout's runtime crate, which the corpus's crates build against.
pub fn runtime_dir(root: &Path) -> PathBuf {
    root.join("crates").join(standalone::RUNTIME_PACKAGE)
}

pub fn env_cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// `cargo` for crates that are generated, built once and thrown away (the
/// corpus, the directory sample, the feature fixtures, copies of the
/// workspace), with its target folder: no incremental cache, which such a
/// build never reads again, and line tables only instead of full debug
/// information. Those two were more than half of such a target folder
/// (`target/corpus/target`: 5.1 of 12 GB incremental cache), and CI shares
/// its disk with everything else on the machine.
pub fn throwaway_cargo(target: &Path) -> Command {
    let mut command = Command::new(env_cargo());
    command
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
        .env("CARGO_PROFILE_TEST_DEBUG", "line-tables-only");
    command
}

fn append(path: &Path, text: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

pub fn shorten(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Lines that are neither blank nor `//` comments.
pub fn code_lines(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .count()
}

/// Writes the round-trip crate of `document` (whose crates are in `crates`).
fn write_round_trip(
    runtime: Option<&Path>,
    document: &Path,
    crates: &Path,
    dir: &Path,
    prefix: &str,
) -> Result<()> {
    let loaded = Document::load(Path::new(""), document)?;
    let parsed = crate::types::settle(&loaded)?;
    let api = standalone::named_api(document, prefix)?;
    let (model, _) = crate::model::load(&parsed);
    let mut types = crate::types::Types::build(&model)?;
    types.add_cookie_params(&model)?;
    let snake = prefix.replace('-', "_");
    let names = roundtrip::RoundTripCrates {
        crates: crate::server::Crates {
            types: &api.types_crate.ident,
            runtime: codegen::RUNTIME_CRATE,
        },
        client: &format!("{snake}_client"),
        server: &format!("{snake}_server"),
    };
    let (tokens, _calls) = roundtrip::main_rs(&model, &mut types, &names)?;
    let file = syn::parse2::<syn::File>(tokens)
        .map_err(|e| anyhow!("the round trip does not parse as Rust: {e}"))?;
    let main = prettyplease::unparse(&file);
    let deps = crate::pins::pinned();
    let path = |suffix: &str| {
        let target = crates.join(format!("{prefix}-{suffix}"));
        format!(
            "{prefix}-{suffix} = {{ path = {} }}",
            toml::Value::String(target.to_string_lossy().into_owned())
        )
    };
    let mut lines = vec![path("types"), path("client"), path("server")];
    for dep in [
        "chrono",
        "futures-core",
        "serde",
        "serde_json",
        "reqwest",
        "tokio",
        "uuid",
    ] {
        lines.push(deps.line(dep)?);
    }
    // A workspace of its own, so the generated one's patch does not reach
    // it: the same patch again.
    let patch = match runtime {
        Some(runtime) => format!(
            "\n[patch.crates-io]\n{} = {{ path = {} }}\n",
            standalone::RUNTIME_PACKAGE,
            toml::Value::String(runtime.to_string_lossy().into_owned())
        ),
        None => String::new(),
    };
    let manifest = format!(
        "# Written by the generator's round trip.\n[package]\nname = \"{prefix}-roundtrip\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[dependencies]\n{}\n{patch}",
        lines.join("\n"),
    );
    std::fs::create_dir_all(dir.join("src"))?;
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(&dir.join("src").join("main.rs"), &main)?;
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        std::fs::write(&lock, crate::pins::lock_seed())?;
    }
    Ok(())
}

/// Writes only when the text differs, so cargo does not rebuild for nothing.
fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The table of outcomes, as Markdown.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut text = String::from(
        "| document | operations | warnings | server lines/op | build s | round trip | result |\n|---|---:|---:|---:|---:|---:|---|\n",
    );
    for o in outcomes {
        let cell = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.1}"));
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            o.document,
            o.operations,
            o.warnings,
            cell(o.server_lines_per_op),
            cell(o.build_seconds),
            o.round_trip
                .map_or("–".to_string(), |(p, t)| format!("{p}/{t}")),
            if o.passed() {
                "passed".to_string()
            } else {
                o.failure
                    .as_deref()
                    .map(|f| f.split(" (see ").next().unwrap_or(f).replace('|', "\\|"))
                    .unwrap_or_else(|| "failed".into())
            }
        ));
    }
    text
}
