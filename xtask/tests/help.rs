//! Every help text of `cargo xtask`, snapshot-tested (see
//! `support/help_snapshots.rs`).

#[path = "support/help_snapshots.rs"]
mod help_snapshots;

#[test]
fn every_help_text_matches_its_snapshot() {
    help_snapshots::check(
        env!("CARGO_BIN_EXE_xtask"),
        env!("CARGO_MANIFEST_DIR"),
        "EXPECTORATE=overwrite cargo test -p xtask --test help",
    );
}
