//! Figure 3: the wall time of the drift check (`xtask codegen --check`).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::measure::median;
use crate::report::Figure;

pub fn codegen_check(root: &Path) -> anyhow::Result<Figure> {
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet", "-p", "xtask"])
            .current_dir(root)
            .status()?;
    anyhow::ensure!(status.success(), "cannot build xtask");
    let xtask = root.join("target/debug/xtask");
    let mut times = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let output = std::process::Command::new(&xtask)
            .args(["codegen", "--check"])
            .current_dir(root)
            .output()?;
        times.push(started.elapsed());
        anyhow::ensure!(
            output.status.success(),
            "the drift check failed: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let took = median(&times);
    Ok(Figure {
        name: "`cargo xtask codegen --check` wall time (built xtask)".into(),
        measured: format!("median {:.0} ms over 7 runs", took.as_secs_f64() * 1e3),
        ratio: took.as_secs_f64(),
        target: "< 1 s (ratio = seconds)",
        met: took < Duration::from_secs(1),
    })
}
