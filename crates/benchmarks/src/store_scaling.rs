//! Figure 2: the same 50-log window queried through the store on a large
//! and on a 10 000-log SQLite store; and the seeded stores every figure
//! that needs one shares.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use dispatcher_logs_service::seed::{seed, SeedOptions, DEMO_USER};
use dispatcher_logs_service::Store;

use crate::measure::{median, Alternate};
use crate::report::Figure;

/// The SQLite store at `path` holding `logs` seeded logs: reused when it
/// already holds that many, seeded afresh otherwise.
pub async fn seeded_store(path: &Path, logs: u64) -> anyhow::Result<Store> {
    if let Ok(store) = Store::open(path.to_str().context("path")?).await {
        if store.count_logs().await.unwrap_or(0) as u64 == logs {
            return Ok(store);
        }
        store.close().await;
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let store = Store::open(path.to_str().context("path")?).await?;
    let options = SeedOptions {
        logs,
        users: 3,
        seed: 42,
        public_base_url: "https://api.ev.energy/v2".into(),
        progress: true,
    };
    let started = Instant::now();
    seed(&store, &options).await?;
    eprintln!("   seeded {logs} logs in {:.0?}", started.elapsed());
    Ok(store)
}

pub async fn store_scaling(root: &Path, large_logs: u64) -> anyhow::Result<Figure> {
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let small = seeded_store(&dir.join("store-10k.sqlite"), 10_000).await?;
    let large = seeded_store(&dir.join("store-large.sqlite"), large_logs).await?;
    // The same sub-session exists in both (deterministic seed); take a 50-log window of it.
    let sub = small
        .a_sub_session_of(DEMO_USER)
        .await?
        .context("no demo sub-session")?;
    let all = small.logs(&sub, None, None).await?;
    anyhow::ensure!(
        all.len() >= 60,
        "the demo sub-session has only {} logs",
        all.len()
    );
    let (lte, gte) = (all[5].logged_at_us, all[54].logged_at_us);
    let mut sides = Alternate::<Duration>::default();
    for round in 0..2_000 {
        for (store, side) in [(&small, 0), (&large, 1)] {
            let started = Instant::now();
            let rows = store.logs(&sub, Some(gte), Some(lte)).await?;
            let took = started.elapsed();
            anyhow::ensure!(rows.len() == 50, "window returned {} rows", rows.len());
            if round >= 100 {
                if side == 0 {
                    sides.a.push(took)
                } else {
                    sides.b.push(took)
                }
            }
        }
    }
    let (small_median, large_median) = (median(&sides.a), median(&sides.b));
    let ratio = large_median.as_secs_f64() / small_median.as_secs_f64();
    Ok(Figure {
        name: "Store: 50-log window, large vs 10k-log SQLite store".into(),
        measured: format!(
            "median {:.1} µs ({large_logs} logs) vs {:.1} µs (10 000 logs)",
            large_median.as_secs_f64() * 1e6,
            small_median.as_secs_f64() * 1e6
        ),
        ratio,
        target: "≤ 2.0",
        met: ratio <= 2.0,
    })
}
