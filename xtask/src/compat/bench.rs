//! The gate's speed, as a figure `cargo xtask bench` reports: the largest
//! corpus document judged against one of its mutations (its first path
//! removed), by the optimised xtask, as a team's CI runs it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::spec::Document;

/// How many times the judgement is timed.
const RUNS: usize = 5;

/// Times `compat --base --revision` on the largest corpus document and
/// prints the median and the slowest run. The corpus absent: a note.
pub fn run(root: &Path, out: &mut dyn Write) -> Result<()> {
    let Some(dir) = crate::corpus::corpus_dir(root) else {
        writeln!(
            out,
            "note: ../shared/corpus is absent: the gate's figure is not measured"
        )?;
        return Ok(());
    };
    let largest = crate::corpus::documents(&dir)?
        .into_iter()
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .context("the corpus has no document")?;
    let text = std::fs::read_to_string(&largest)?;
    let base = Document::parse(&largest, &text)?.raw;
    let mut revision = base.clone();
    let first = revision["paths"]
        .as_object()
        .and_then(|paths| paths.keys().next().cloned())
        .context("the largest corpus document has no paths")?;
    revision["paths"].as_object_mut().unwrap().remove(&first);
    let work = root.join("target").join("compat-bench");
    std::fs::create_dir_all(&work)?;
    let (base_file, revision_file) = (work.join("base.json"), work.join("revision.json"));
    std::fs::write(&base_file, serde_json::to_string_pretty(&base)?)?;
    std::fs::write(&revision_file, serde_json::to_string_pretty(&revision)?)?;
    let xtask = crate::corpus::wide::generator(root, crate::corpus::wide::Generator::Optimised)?;
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let status = Command::new(&xtask)
            .args(["compat", "--base"])
            .arg(&base_file)
            .arg("--revision")
            .arg(&revision_file)
            .args(["--format", "json"])
            .current_dir(&work)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("cannot run the optimised xtask")?;
        times.push(started.elapsed());
        // 1: the removed path is a breaking finding, as it must be.
        if status.code() != Some(1) {
            bail!("compat on the mutation exited with {status}, not 1 (a breaking finding)");
        }
    }
    times.sort();
    let seconds = |d: Duration| d.as_secs_f64();
    writeln!(
        out,
        "compat: {} ({} KB) against itself without `{first}`: median {:.2} s, slowest {:.2} s over {RUNS} runs (optimised xtask, whole process; target: under 1 s)",
        largest.file_name().unwrap_or_default().to_string_lossy(),
        text.len() / 1024,
        seconds(times[RUNS / 2]),
        seconds(times[RUNS - 1]),
    )?;
    Ok(())
}
