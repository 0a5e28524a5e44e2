//! The main job, as a newcomer runs it: `dispatcher-logs-service demo`.

use std::process::Command;

#[test]
fn the_demo_runs_the_whole_loop() {
    let output = Command::new(env!("CARGO_BIN_EXE_dispatcher-logs-service"))
        .args(["demo", "--logs", "1500"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for expected in [
        "newest first",
        "logs in the window (bounds inclusive)",
        "401 Unauthorized: Authentication credentials were not provided.",
        "403 Forbidden: You do not have permission to perform this action.",
        "service exited: exit status: 0",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    assert!(stdout.contains("http://127.0.0.1:"), "{stdout}");
}
