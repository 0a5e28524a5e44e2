//! Every help text of the service binary, snapshot-tested (the shared
//! check is `xtask/tests/support/help_snapshots.rs`).

#[path = "../../../xtask/tests/support/help_snapshots.rs"]
mod help_snapshots;

#[test]
fn every_help_text_matches_its_snapshot() {
    help_snapshots::check(
        env!("CARGO_BIN_EXE_dispatcher-logs-service"),
        env!("CARGO_MANIFEST_DIR"),
        "EXPECTORATE=overwrite cargo test -p dispatcher-logs-service --test help",
    );
}
