//! Figure 7: instructions a request, the steady figure. This machine's
//! timing noise is larger than most features cost, instruction counts
//! repeat: each side answers one kind of request in process (`perf calls`:
//! the whole application through `tower::ServiceExt::oneshot`, no
//! sockets, so hyper and the servers' connection handling are counted on
//! neither side) under `valgrind --tool=callgrind`, twice with different
//! numbers of requests; the difference over the difference in requests is
//! what a request costs, start-up cancelled out.
//!
//! One start-up cost does not cancel: the metrics exporter's clock
//! (`quanta`) calibrates itself once, in a `once_cell` initializer, for a
//! span of *time* rather than a number of steps, so under callgrind it
//! counts anywhere from 7 to 15 million instructions from run to run —
//! several thousand a request in a 2 000-request difference. Each run's
//! total is therefore taken without that initializer's inclusive count
//! (`callgrind_annotate --inclusive=yes`; it is called three times a run
//! whatever the number of requests); what is left repeats to within a few
//! hundred instructions a run.

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use clap::ValueEnum;

use crate::calls::{Case, Side};
use crate::report::Figure;

/// The paths counted, their names in the report and the two numbers of
/// requests each is run with (fewer for the listing, which costs ten
/// times more a request).
const PATHS: [(Case, &str, u64, u64); 4] = [
    (Case::Invalid, "400, invalid ID", 200, 2200),
    (Case::NoToken, "401, no token", 200, 2200),
    (Case::Empty, "200, empty window", 200, 2200),
    (Case::Plain, "200, plain listing (~147 logs)", 20, 220),
];

/// Instructions a request of the service, the feature-equal baseline and
/// the bare one on each path; each path's figure is met when the service
/// spends no more than the feature-equal baseline.
pub fn instructions(store: &Path) -> anyhow::Result<Vec<Figure>> {
    let valgrind = Command::new("valgrind").arg("--version").output();
    anyhow::ensure!(
        valgrind.is_ok_and(|o| o.status.success()),
        "the instruction counts need valgrind on PATH (Debian/Ubuntu: `apt install valgrind`)"
    );
    let exe = std::env::current_exe().context("this binary's path")?;
    let store = store.to_str().context("a UTF-8 path")?;
    let mut figures = Vec::new();
    for (case, name, few, many) in PATHS {
        let count = |side| per_request(&exe, side, case, store, few, many);
        let (service, featured, bare) = (
            count(Side::Service)?,
            count(Side::FeatureEqual)?,
            count(Side::Baseline)?,
        );
        figures.push(Figure {
            name: format!("Instructions a request vs feature-equal: {name}"),
            measured: format!(
                "service {:.1}k, feature-equal {:.1}k, bare {:.1}k instructions a request \
                 (callgrind, ({many} − {few} requests) / {})",
                service / 1e3,
                featured / 1e3,
                bare / 1e3,
                many - few
            ),
            ratio: featured / service,
            target: "service ≤ feature-equal (≥ 1.00)",
            met: service <= featured,
        });
    }
    Ok(figures)
}

/// What `side` spends on one `case` request: two runs, `many` and `few`
/// requests, the difference divided.
fn per_request(
    exe: &Path,
    side: Side,
    case: Case,
    store: &str,
    few: u64,
    many: u64,
) -> anyhow::Result<f64> {
    let (a, b) = (
        collected(exe, side, case, store, few)?,
        collected(exe, side, case, store, many)?,
    );
    Ok((b.saturating_sub(a)) as f64 / (many - few) as f64)
}

/// Instructions callgrind counts in a whole `perf calls` run.
fn collected(exe: &Path, side: Side, case: Case, store: &str, count: u64) -> anyhow::Result<u64> {
    let out = tempfile::tempdir()?;
    let name = |v: Option<clap::builder::PossibleValue>| {
        v.map(|v| v.get_name().to_string()).unwrap_or_default()
    };
    let (side_name, case_name) = (
        name(side.to_possible_value()),
        name(case.to_possible_value()),
    );
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!(
            "--callgrind-out-file={}",
            out.path().join("callgrind.out").display()
        ))
        .arg(exe)
        .args(["calls", "--side", &side_name, "--case", &case_name])
        .args(["--count", &count.to_string(), "--database", store])
        .env("RUST_LOG", "warn")
        .output()
        .context("cannot run valgrind")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    anyhow::ensure!(
        output.status.success(),
        "perf calls --side {side_name} --case {case_name} under callgrind failed:\n{stderr}"
    );
    let annotated = Command::new("callgrind_annotate")
        .arg("--inclusive=yes")
        .arg(out.path().join("callgrind.out"))
        .output()
        .context("cannot run callgrind_annotate (it comes with valgrind)")?;
    let annotated = String::from_utf8_lossy(&annotated.stdout);
    // The first column of a line: `12,345,678 (12.34%)  file:function`.
    let count = |line: &str| -> Option<u64> {
        line.split_whitespace()
            .next()?
            .replace(',', "")
            .parse()
            .ok()
    };
    let total = annotated
        .lines()
        .find(|line| line.contains("PROGRAM TOTALS"))
        .and_then(count)
        .with_context(|| format!("no totals from callgrind_annotate:\n{annotated}"))?;
    let calibration = annotated
        .lines()
        .find(|line| line.contains(ONE_TIME_INITIALIZER))
        .and_then(count)
        .unwrap_or(0);
    Ok(total - calibration.min(total))
}

/// The function whose inclusive count each run's total is taken without
/// (see the module's documentation).
const ONE_TIME_INITIALIZER: &str = "once_cell::imp::OnceCell<T>::initialize::{{closure}}";
