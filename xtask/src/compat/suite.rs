//! `cargo xtask compat --suite`: the mutation suite's pairs
//! ([`super::mutations`]) judged by this gate's command and by Atlassian's
//! `openapi-diff`, side by side, written to `docs/compat.md`.
//!
//! Both run as a team's CI runs them: one process per pair, on the same two
//! JSON files. Ours is right on a mutation when it reports the mutation's
//! rule as breaking; `openapi-diff` names no rules, so it is counted right
//! when it reports any breaking difference. On a rewrite, right is no
//! breaking finding, for both.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::Value;

use super::mutations::{self, Case, REWRITES};

/// Where the other gate is installed from (`package.json` and its lock).
const PEERS: &str = "xtask/compat-peers";
/// The other gate, as `package.json` pins it.
const PEER: &str = "openapi-diff 0.24.1";
/// The time one pair may take, for either gate.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Time-outs on one document after which its other pairs are skipped.
const TIMEOUTS: usize = 2;

/// What a gate made of one pair.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// Right: the mutation reported as breaking, or the rewrite not.
    Right,
    /// Wrong: the mutation missed, or the rewrite reported as breaking.
    Wrong,
    /// The gate could not read a document of the pair.
    Refused,
    /// Over [`TIMEOUT`]; after [`TIMEOUTS`] on one document, its other
    /// pairs are not given to that gate and count as timed out too.
    TimedOut,
}

/// One pair's outcomes and seconds.
struct Judged {
    ours: Outcome,
    ours_seconds: f64,
    peer: Outcome,
    peer_seconds: Option<f64>,
}

/// Installs the pinned `openapi-diff` with `npm ci` (once); its command.
fn install(root: &Path) -> Result<PathBuf> {
    let tools = root.join(PEERS);
    let binary = tools.join("node_modules/.bin/openapi-diff");
    if !binary.exists() {
        crate::ci::npm_ci(root, PEERS, "the suite's other gate (openapi-diff)")?;
    }
    Ok(binary)
}

/// Runs `command` to its end or [`TIMEOUT`]: its exit code (None when
/// killed) and output, and the seconds it took.
fn timed(command: &mut Command) -> Result<(Option<i32>, String, f64)> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {command:?}"))?;
    // Read the pipes on threads so a large output does not block the child.
    let mut stdout = child.stdout.take().context("no stdout")?;
    let mut stderr = child.stderr.take().context("no stderr")?;
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let code = loop {
        if let Some(status) = child.try_wait()? {
            break status.code();
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = started.elapsed().as_secs_f64();
    let mut text = out.join().unwrap_or_default();
    text.push_str(&err.join().unwrap_or_default());
    Ok((code, text, seconds))
}

/// Our command's outcome on a pair, from its JSON.
fn ours(case: &Case, code: Option<i32>, output: &str) -> Outcome {
    let Some(code) = code else {
        return Outcome::TimedOut;
    };
    if code == 2 {
        return Outcome::Refused;
    }
    // The JSON is stdout, which comes first; stderr (warnings) follows it.
    let json = output.find('{').and_then(|at| {
        serde_json::Deserializer::from_str(&output[at..])
            .into_iter::<Value>()
            .next()?
            .ok()
    });
    let Some(json) = json else {
        return Outcome::Refused;
    };
    let breaking = |rule: Option<&str>| {
        json["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["level"] == "breaking" && rule.is_none_or(|rule| f["rule"] == rule))
    };
    match (case.rule, breaking(case.rule)) {
        (Some(_), true) | (None, false) => Outcome::Right,
        _ => Outcome::Wrong,
    }
}

/// `openapi-diff`'s outcome on a pair: exit 0 is no breaking difference,
/// exit 1 with "Breaking changes found" is one, anything else a refusal.
fn peer(case: &Case, code: Option<i32>, output: &str) -> Outcome {
    let breaking = match code {
        None => return Outcome::TimedOut,
        Some(0) => false,
        Some(1) if output.starts_with("Breaking changes found") => true,
        Some(_) => return Outcome::Refused,
    };
    match (case.rule.is_some(), breaking) {
        (true, true) | (false, false) => Outcome::Right,
        _ => Outcome::Wrong,
    }
}

/// Runs the suite with both gates and writes `docs/compat.md`; false when
/// our gate is wrong on any pair.
pub fn run(root: &Path, out: &mut dyn Write) -> Result<bool> {
    let documents = mutations::corpus_documents(root)?.context(
        "the mutation suite reads the corpus at ../shared/corpus (beside the checkout), which is absent",
    )?;
    let cases = mutations::cases(&documents)?;
    let ours_exe = crate::corpus::wide::generator(root, crate::corpus::wide::Generator::Optimised)?;
    let peer_exe = install(root)?;
    let work = root.join("target").join("compat-suite");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let started = Instant::now();
    let mut judged = Vec::new();
    // Time-outs of the other gate, by document.
    let mut peer_timeouts: std::collections::BTreeMap<String, usize> = Default::default();
    for (i, case) in cases.iter().enumerate() {
        let base = match case.base_as_written {
            true => {
                let extension = case.path.extension().unwrap_or_default().to_string_lossy();
                let base = work.join(format!("{i:03}-base.{extension}"));
                std::fs::copy(&case.path, &base)?;
                base
            }
            false => {
                let base = work.join(format!("{i:03}-base.json"));
                std::fs::write(&base, serde_json::to_string_pretty(&case.base)?)?;
                base
            }
        };
        let revision = work.join(format!("{i:03}-revision.json"));
        std::fs::write(&revision, serde_json::to_string_pretty(&case.revision)?)?;
        let (code, output, ours_seconds) = timed(
            Command::new(&ours_exe)
                .args(["compat", "--format", "json", "--base"])
                .arg(&base)
                .arg("--revision")
                .arg(&revision)
                .current_dir(&work),
        )?;
        let ours = ours(case, code, &output);
        let timeouts = peer_timeouts.entry(case.document.clone()).or_default();
        let (peer, peer_seconds) = if *timeouts >= TIMEOUTS {
            (Outcome::TimedOut, None)
        } else {
            let (code, output, seconds) = timed(Command::new(&peer_exe).arg(&base).arg(&revision))?;
            (peer(case, code, &output), Some(seconds))
        };
        if peer == Outcome::TimedOut && peer_seconds.is_some() {
            *timeouts += 1;
        }
        writeln!(
            out,
            "{:>12} {} / {}: ours {ours:?} ({ours_seconds:.2} s), {PEER} {peer:?}{}",
            "Judged",
            case.document,
            case.change,
            peer_seconds.map_or(String::new(), |s| format!(" ({s:.2} s)"))
        )?;
        judged.push(Judged {
            ours,
            ours_seconds,
            peer,
            peer_seconds,
        });
    }
    let markdown = report(&documents, &cases, &judged, started.elapsed());
    let path = root.join("docs").join("compat.md");
    std::fs::write(&path, markdown).with_context(|| format!("cannot write {}", path.display()))?;
    let wrong = judged.iter().filter(|j| j.ours != Outcome::Right).count();
    writeln!(
        out,
        "{:>12} {} pairs of {} documents: ours right on {}, {PEER} on {}; table in docs/compat.md",
        "Finished",
        cases.len(),
        documents.len(),
        cases.len() - wrong,
        judged.iter().filter(|j| j.peer == Outcome::Right).count(),
    )?;
    Ok(wrong == 0)
}

/// The median of some seconds, or 0.
fn median(mut seconds: Vec<f64>) -> f64 {
    seconds.sort_by(f64::total_cmp);
    seconds.get(seconds.len() / 2).copied().unwrap_or(0.0)
}

/// `docs/compat.md`.
fn report(documents: &[PathBuf], cases: &[Case], judged: &[Judged], wall: Duration) -> String {
    let mut md = String::from(
        "# The compatibility gate beside openapi-diff\n\n\
         <!-- Written by `cargo xtask compat --suite`; do not edit by hand. -->\n\n",
    );
    let names: Vec<String> = documents
        .iter()
        .map(|d| {
            let name = d.file_name().unwrap_or_default().to_string_lossy();
            match d.parent().and_then(Path::file_name) {
                Some(dir) if dir != "corpus" => format!("`{}/{name}`", dir.to_string_lossy()),
                _ => format!("`{name}`"),
            }
        })
        .collect();
    md.push_str(&format!(
        "The mutation suite (`xtask/src/compat/mutations.rs`) applies each kind of change below to \
         every document of `../shared/corpus` where it applies ({} documents: {}), and four \
         rewrites that change nothing a client sees. Each pair (the document, the document \
         changed) is written as two JSON files and judged by two commands, one process per pair, \
         as a team's CI runs them:\n\n\
         - **ours**: `cargo xtask compat --base A --revision B --format json` (the optimised \
         build); right on a change when it reports the change's rule id as breaking, right on a \
         rewrite when it reports nothing breaking;\n\
         - **{PEER}** (Atlassian's, npm, pinned in `{PEERS}/package.json`): `openapi-diff A B`; \
         it names no rules, so it is counted right on a change when it reports any breaking \
         difference (exit 1, \"Breaking changes found\"), right on a rewrite when it exits 0. \
         An error exit is a refusal (it reads OpenAPI 3.0 in JSON only, and validates both \
         documents strictly). Each pair may take {} s; after {TIMEOUTS} time-outs on one document, its \
         other pairs are not given to it and count as timed out.\n\n\
         Both sides are the documents as written (a 3.1 document stays 3.1), printed as JSON; \
         the *printed as JSON* rewrite compares the file as written (YAML, for every corpus document) \
         with its JSON print.\n\n\
         Wall time of the whole run: {:.0} s. `cargo test -p xtask --test compat_mutations` runs \
         our half in CI.\n\n",
        documents.len(),
        names.join(", "),
        TIMEOUT.as_secs(),
        wall.as_secs_f64(),
    ));
    let count = |rows: &[usize], side: fn(&Judged) -> Outcome, outcome: Outcome| {
        rows.iter()
            .filter(|&&i| side(&judged[i]) == outcome)
            .count()
    };
    let ours_of = |j: &Judged| j.ours;
    let peer_of = |j: &Judged| j.peer;
    md.push_str(
        "| change | rule id (ours) | pairs | ours right | openapi-diff right | openapi-diff wrong | openapi-diff refused | openapi-diff timed out |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut kinds: Vec<(&str, Option<&str>)> = mutations::mutations()
        .into_iter()
        .map(|(what, rule, _)| (what, Some(rule)))
        .collect();
    kinds.extend(REWRITES.iter().map(|what| (*what, None)));
    let mut all_changes = Vec::new();
    let mut all_rewrites = Vec::new();
    for (what, rule) in kinds {
        let rows: Vec<usize> = (0..cases.len())
            .filter(|&i| cases[i].change == what)
            .collect();
        if rule.is_some() {
            all_changes.extend(&rows);
        } else {
            all_rewrites.extend(&rows);
        }
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            match rule {
                Some(_) => what.to_string(),
                None => format!("*rewrite:* {what} (no change)"),
            },
            rule.map_or("— (nothing breaking)".to_string(), |r| format!("`{r}`")),
            rows.len(),
            count(&rows, ours_of, Outcome::Right),
            count(&rows, peer_of, Outcome::Right),
            count(&rows, peer_of, Outcome::Wrong),
            count(&rows, peer_of, Outcome::Refused),
            count(&rows, peer_of, Outcome::TimedOut),
        ));
    }
    for (label, rows) in [
        ("**all changes**", &all_changes),
        ("**all rewrites**", &all_rewrites),
    ] {
        md.push_str(&format!(
            "| {label} | | {} | {} | {} | {} | {} | {} |\n",
            rows.len(),
            count(rows, ours_of, Outcome::Right),
            count(rows, peer_of, Outcome::Right),
            count(rows, peer_of, Outcome::Wrong),
            count(rows, peer_of, Outcome::Refused),
            count(rows, peer_of, Outcome::TimedOut),
        ));
    }
    md.push_str("\n## Per document\n\n| document | pairs | ours right | ours median s | openapi-diff right | openapi-diff median s | openapi-diff's outcome when not right |\n|---|---:|---:|---:|---:|---:|---|\n");
    for (document, name) in documents.iter().zip(&names) {
        let file = document.file_name().unwrap_or_default().to_string_lossy();
        let rows: Vec<usize> = (0..cases.len())
            .filter(|&i| cases[i].document == file)
            .collect();
        let mut not_right: Vec<String> = Vec::new();
        for outcome in [Outcome::Wrong, Outcome::Refused, Outcome::TimedOut] {
            let n = count(&rows, peer_of, outcome);
            if n > 0 {
                not_right.push(format!("{n} {}", format!("{outcome:?}").to_lowercase()));
            }
        }
        md.push_str(&format!(
            "| {name} | {} | {} | {:.2} | {} | {} | {} |\n",
            rows.len(),
            count(&rows, ours_of, Outcome::Right),
            median(rows.iter().map(|&i| judged[i].ours_seconds).collect()),
            count(&rows, peer_of, Outcome::Right),
            match rows
                .iter()
                .filter_map(|&i| judged[i].peer_seconds)
                .collect::<Vec<_>>()
            {
                s if s.is_empty() => "—".to_string(),
                s => format!("{:.2}", median(s)),
            },
            if not_right.is_empty() {
                "—".to_string()
            } else {
                not_right.join(", ").replace("timedout", "timed out")
            },
        ));
    }
    md.push_str(
        "\n## What the rows mean\n\n\
         A **wrong** change row is a break the gate let through: a client or server deployed \
         against the base fails against the revision. A wrong rewrite row is a false alarm that \
         teaches a team to ignore the gate. The rewrites are: every object's keys in reverse \
         order; every `description` and `summary` edited; the first inline object schema of a \
         success response moved into `components/schemas` and `$ref`ed; the YAML document \
         printed as JSON.\n",
    );
    md
}
