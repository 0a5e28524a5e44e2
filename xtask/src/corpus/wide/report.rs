//! The report of `cargo xtask corpus --wide`: Markdown for people
//! (deterministic but for the times), TSV for grep, the gates, and the
//! summary printed at the end.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;

use super::outcome::{reason, Class};
use super::{Run, LARGE_BYTES, MIN_BUILT, MIN_GENERATED, PACKAGE, VERSION};

/// How many reasons each outcome's table lists.
const TOP_REASONS: usize = 25;
/// How many of the slowest documents are named.
const SLOWEST: usize = 10;
/// Messages in the Markdown are cut here (the TSV has them whole).
const CELL_CHARS: usize = 400;

/// One gate of the run.
#[derive(Clone, Debug)]
pub struct Gate {
    /// What it checks.
    pub what: String,
    /// The figure it found.
    pub figure: String,
    /// Whether it passed.
    pub passed: bool,
}

/// The gates: no internal error, at least 99% generated, at least 98% of
/// the built sample built.
pub fn gates(run: &Run) -> Vec<Gate> {
    let total = run.rows.len();
    let count = |class| run.rows.iter().filter(|r| r.outcome.class == class).count();
    let internal = count(Class::Internal);
    let generated = count(Class::Generated);
    let mut gates = vec![
        Gate {
            what: "no internal error".into(),
            figure: format!("{internal} internal error(s)"),
            passed: internal == 0,
        },
        Gate {
            what: format!("at least {} generate", percent_of(MIN_GENERATED)),
            figure: format!("{generated}/{total} ({})", share(generated, total)),
            passed: total > 0 && generated as f64 >= MIN_GENERATED * total as f64,
        },
    ];
    if !run.built.is_empty() {
        let tried = run.built.len();
        let built = run.built.iter().filter(|b| b.built == Some(true)).count();
        gates.push(Gate {
            what: format!(
                "at least {} of the built sample build",
                percent_of(MIN_BUILT)
            ),
            figure: format!("{built}/{tried} ({})", share(built, tried)),
            passed: built as f64 >= MIN_BUILT * tried as f64,
        });
    }
    gates
}

fn percent_of(fraction: f64) -> String {
    format!("{}%", (fraction * 100.0).round())
}

/// `part` of `total` as a percentage with one decimal.
pub fn share(part: usize, total: usize) -> String {
    if total == 0 {
        return "–".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / total as f64)
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `12 min 3 s` (or `4.2 s`).
pub fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        let whole = seconds.round() as u64;
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

/// The nearest-rank percentile `p` (0–100) of sorted `values`.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A message in a Markdown table cell: one line, `|` escaped, no HTML,
/// cut at [`CELL_CHARS`].
fn cell(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut = match one_line.char_indices().nth(CELL_CHARS) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    };
    cut.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A reason group: how many documents, and the first of them (by path).
struct Group<'a> {
    count: usize,
    document: &'a str,
    message: &'a str,
}

/// The reasons of `class`, most documents first (then by reason).
fn reasons(run: &Run, class: Class) -> Vec<(String, Group<'_>)> {
    let mut groups: BTreeMap<String, Group<'_>> = BTreeMap::new();
    for row in run.rows.iter().filter(|r| r.outcome.class == class) {
        let message = row.outcome.message.as_deref().unwrap_or("");
        groups
            .entry(reason(&row.document, message))
            .and_modify(|g| g.count += 1)
            .or_insert(Group {
                count: 1,
                document: &row.document,
                message,
            });
    }
    let mut sorted: Vec<_> = groups.into_iter().collect();
    sorted.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
    sorted
}

/// The reasons of `class`, as printed at the end: `count  reason`.
pub fn top_reasons(run: &Run, class: Class, n: usize) -> Vec<(usize, String)> {
    reasons(run, class)
        .into_iter()
        .take(n)
        .map(|(reason, group)| (group.count, reason))
        .collect()
}

fn generator_words(run: &Run) -> &'static str {
    match run.options.generator {
        super::Generator::Optimised => {
            "the optimised generator (`cargo build -p xtask --profile generator`)"
        }
        super::Generator::Current => "the running xtask binary (unoptimised under `cargo xtask`)",
    }
}

/// The Markdown report; `total_seconds` is the whole run's wall time.
pub fn markdown(run: &Run, total_seconds: f64) -> String {
    let mut md = String::new();
    let rows = &run.rows;
    let total = rows.len();
    let count = |class| rows.iter().filter(|r| r.outcome.class == class).count();
    let title = if run.options.is_full() {
        "The generator on the public OpenAPI directory"
    } else {
        "The generator on a sample of the public OpenAPI directory"
    };
    md.push_str(&format!("# {title}\n\n"));
    md.push_str(&format!(
        "<!-- Written by `{}`; do not edit by hand. -->\n\n",
        run.options.command()
    ));
    let scope = match (run.options.sample, run.options.only.is_empty()) {
        (None, true) => format!("all {}", thousands(rows.len())),
        (Some(n), _) => format!(
            "a sample of {} (the first in the order of FNV-1a of seed {} and path)",
            thousands(n),
            run.options.seed
        ),
        (None, false) => format!(
            "the {} whose path contains {}",
            thousands(rows.len()),
            run.options
                .only
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    };
    md.push_str(&format!(
        "What was run:\n\n\
         - **Package**: npm `{PACKAGE}@{VERSION}`, installed under `target/{PACKAGE}/{VERSION}/` by \
         `npm pack`: {} documents (`package/api/**/*.json` without `_index*`), all OpenAPI 3.0 \
         JSON, none of them chosen here.\n\
         - **Documents**: {scope}.\n\
         - **Each**: `cargo xtask codegen --document DOC --out DIR` in a process of its own, {} at \
         a time, killed after {} s, with {}.\n\
         - **Wall time**: {} in all, {} of it generating.\n\
         - **Again**: `{}`; every document's outcome, seconds, warnings and first message are in \
         `target/corpus-wide/{}` after a run.\n\n\
         Each document comes out as one of:\n\n\
         - **generated**: codegen exited 0 (its warnings counted);\n\
         - **refused**: codegen exited with an error whose every problem is a documented \
         unsupported feature (its message says `is not supported` or `are not supported`);\n\
         - **internal error**: anything else — a panic, typify or progenitor failing, the \
         model's and progenitor's types differing, a document that does not parse, a time-out, \
         any other exit.\n\n",
        thousands(run.in_directory),
        run.options.jobs,
        run.options.timeout.as_secs(),
        generator_words(run),
        duration(total_seconds),
        duration(run.generate_seconds),
        run.options.command(),
        if run.options.is_full() {
            "results.tsv"
        } else {
            "results-sample.tsv"
        }
    ));
    md.push_str("## Outcomes\n\n| outcome | documents | share |\n|---|---:|---:|\n");
    let generated = count(Class::Generated);
    let with_warnings = rows
        .iter()
        .filter(|r| r.outcome.class == Class::Generated && r.outcome.warnings > 0)
        .count();
    let warnings: usize = rows
        .iter()
        .filter(|r| r.outcome.class == Class::Generated)
        .map(|r| r.outcome.warnings)
        .sum();
    // Documents whose refusals are not all in their own error shape.
    let problem_json = rows
        .iter()
        .filter(|r| r.outcome.class == Class::Generated && r.outcome.problem_json)
        .count();
    for (label, n) in [
        ("generated", generated),
        ("— of them with warnings", with_warnings),
        (
            "— of them with an error schema no stand-in fits (those refusals are problem+json)",
            problem_json,
        ),
        (
            "refused (documented unsupported features only)",
            count(Class::Refused),
        ),
        ("internal error", count(Class::Internal)),
        ("all", total),
    ] {
        md.push_str(&format!(
            "| {label} | {} | {} |\n",
            thousands(n),
            share(n, total)
        ));
    }
    md.push_str(&format!(
        "\nThe generated documents had {} warnings in all.\n\n",
        thousands(warnings)
    ));
    md.push_str("Gates (the command fails unless every one passes):\n\n");
    for gate in gates(run) {
        md.push_str(&format!(
            "- {} {}: {}\n",
            if gate.passed { "✅" } else { "❌" },
            gate.what,
            gate.figure
        ));
    }
    md.push('\n');

    for (class, heading) in [
        (Class::Internal, "Top reasons: internal errors"),
        (Class::Refused, "Top reasons: refused"),
    ] {
        let groups = reasons(run, class);
        if groups.is_empty() {
            continue;
        }
        md.push_str(&format!(
            "## {heading}\n\n{} documents, {} distinct reasons (messages grouped with JSON \
             pointers and paths as `/…`, backticked names as `` `…` ``, quoted strings as `\"…\"`, \
             lists as `[…]` and numbers as `N`){}.\n\n\
             | # | documents | reason | first document | its first message |\n|---:|---:|---|---|---|\n",
            thousands(count(class)),
            thousands(groups.len()),
            if groups.len() > TOP_REASONS {
                format!("; the first {TOP_REASONS}")
            } else {
                String::new()
            }
        ));
        for (i, (reason, group)) in groups.iter().take(TOP_REASONS).enumerate() {
            md.push_str(&format!(
                "| {} | {} | {} | `{}` | {} |\n",
                i + 1,
                group.count,
                cell(reason),
                group.document,
                cell(group.message)
            ));
        }
        md.push('\n');
    }

    md.push_str("## Time per document\n\n");
    let mut seconds: Vec<f64> = rows.iter().map(|r| r.seconds).collect();
    seconds.sort_by(f64::total_cmp);
    md.push_str(&format!(
        "Wall-clock seconds of each codegen process ({} at a time on this machine; times vary \
         from run to run).\n\n| median | p90 | p99 | max |\n|---:|---:|---:|---:|\n| {:.2} | {:.2} \
         | {:.2} | {:.2} |\n\n",
        run.options.jobs,
        percentile(&seconds, 50.0),
        percentile(&seconds, 90.0),
        percentile(&seconds, 99.0),
        seconds.last().copied().unwrap_or(0.0)
    ));
    let mut slowest: Vec<_> = rows.iter().collect();
    slowest.sort_by(|a, b| {
        b.seconds
            .total_cmp(&a.seconds)
            .then_with(|| a.document.cmp(&b.document))
    });
    md.push_str("The slowest:\n\n| document | MB | seconds | outcome |\n|---|---:|---:|---|\n");
    for row in slowest.iter().take(SLOWEST) {
        md.push_str(&format!(
            "| `{}` | {:.1} | {:.1} | {} |\n",
            row.document,
            megabytes(row.bytes),
            row.seconds,
            row.outcome.class
        ));
    }
    md.push('\n');

    let mut large: Vec<_> = rows.iter().filter(|r| r.bytes > LARGE_BYTES).collect();
    large.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.document.cmp(&b.document))
    });
    if !large.is_empty() {
        md.push_str(&format!(
            "## Documents over {} MB\n\n| document | MB | seconds | outcome | first message |\n|---|---:|---:|---|---|\n",
            LARGE_BYTES / 1024 / 1024
        ));
        for row in large {
            md.push_str(&format!(
                "| `{}` | {:.1} | {:.1} | {} | {} |\n",
                row.document,
                megabytes(row.bytes),
                row.seconds,
                row.outcome.class,
                cell(row.outcome.message.as_deref().unwrap_or(""))
            ));
        }
        md.push('\n');
    }

    if !run.built.is_empty() {
        let built = run.built.iter().filter(|b| b.built == Some(true)).count();
        md.push_str(&format!(
            "## Built sample\n\n`cargo check` of the generated workspace of {} documents: every \
             one listed in `{}` (documents whose failure class was fixed) and the first {} of the \
             build order (FNV-1a of seed {} and path) that generate ({} drawn before them did \
             not generate and were passed over). **{built}/{} built ({})**, in {}.\n\n\
             | document | listed | built | seconds | first error |\n|---|---|---|---:|---|\n",
            run.built.len(),
            super::BUILD_LIST,
            run.options.build,
            run.options.build_seed,
            run.build_skipped,
            run.built.len(),
            share(built, run.built.len()),
            duration(run.build_seconds),
        ));
        for b in &run.built {
            md.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                b.document,
                if b.listed { "yes" } else { "" },
                match b.built {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "not generated",
                },
                b.seconds.map_or("–".into(), |s| format!("{s:.1}")),
                cell(b.error.as_deref().unwrap_or(""))
            ));
        }
        md.push('\n');
    }

    if !run.round_trips.is_empty() {
        md.push_str(
            "## Round trip\n\n`cargo xtask corpus`'s round trip (the generated client against \
             the generated server, every operation twice and a bad call) on the first built \
             documents.\n\n| document | calls passed | stopped at |\n|---|---:|---|\n",
        );
        for trip in &run.round_trips {
            md.push_str(&format!(
                "| `{}` | {} | {} |\n",
                trip.document,
                trip.calls.map_or("–".into(), |(p, t)| format!("{p}/{t}")),
                cell(trip.failure.as_deref().unwrap_or(""))
            ));
        }
        md.push('\n');
    }
    md
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

/// Every row as TSV: document, outcome, seconds, warnings, first message.
pub fn tsv(rows: &[super::Row]) -> String {
    let mut text = String::from("document\toutcome\tseconds\twarnings\tmessage\n");
    for row in rows {
        let message = row
            .outcome
            .message
            .as_deref()
            .unwrap_or("")
            .replace(['\t', '\n', '\r'], " ");
        text.push_str(&format!(
            "{}\t{}\t{:.2}\t{}\t{}\n",
            row.document, row.outcome.class, row.seconds, row.outcome.warnings, message
        ));
    }
    text
}

/// The end of the run on stdout: the figures, the top reasons, every
/// document that did not generate or build, and the gates.
pub fn summary(run: &Run, gates: &[Gate], out: &mut dyn Write) -> Result<()> {
    let total = run.rows.len();
    for row in run
        .rows
        .iter()
        .filter(|r| r.outcome.class != Class::Generated)
    {
        writeln!(
            out,
            "{:>12} {}: {}",
            match row.outcome.class {
                Class::Refused => "Refused",
                _ => "Internal",
            },
            row.document,
            crate::corpus::shorten(row.outcome.message.as_deref().unwrap_or(""))
        )?;
    }
    for b in run.built.iter().filter(|b| b.built != Some(true)) {
        writeln!(
            out,
            "{:>12} {}: {}",
            "Not built",
            b.document,
            crate::corpus::shorten(b.error.as_deref().unwrap_or(""))
        )?;
    }
    for trip in &run.round_trips {
        writeln!(
            out,
            "{:>12} {}: {} calls passed{}",
            "Round trip",
            trip.document,
            trip.calls.map_or("–".into(), |(p, t)| format!("{p}/{t}")),
            trip.failure
                .as_deref()
                .map(|f| format!(" ({})", crate::corpus::shorten(f)))
                .unwrap_or_default()
        )?;
    }
    for (class, label) in [
        (Class::Internal, "internal errors"),
        (Class::Refused, "refusals"),
    ] {
        let top = top_reasons(run, class, 15);
        if !top.is_empty() {
            writeln!(out, "Top reasons of {label}:")?;
            for (n, reason) in top {
                writeln!(out, "{n:>6}  {}", crate::corpus::shorten(&reason))?;
            }
        }
    }
    let count = |class| run.rows.iter().filter(|r| r.outcome.class == class).count();
    writeln!(
        out,
        "{} documents: {} generated ({}), {} refused ({}), {} internal errors ({})",
        thousands(total),
        thousands(count(Class::Generated)),
        share(count(Class::Generated), total),
        thousands(count(Class::Refused)),
        share(count(Class::Refused), total),
        thousands(count(Class::Internal)),
        share(count(Class::Internal), total),
    )?;
    for gate in gates {
        writeln!(
            out,
            "{:>12} {}: {}",
            if gate.passed { "Passed" } else { "FAILED" },
            gate.what,
            gate.figure
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(thousands(2639), "2,639");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(duration(4.24), "4.2 s");
        assert_eq!(duration(723.4), "12 min 3 s");
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(percentile(&sorted, 50.0), 5.0);
        assert_eq!(percentile(&sorted, 90.0), 9.0);
        assert_eq!(percentile(&sorted, 99.0), 10.0);
        assert_eq!(cell("a | b <T>\nc"), "a \\| b &lt;T&gt; c");
    }
}
