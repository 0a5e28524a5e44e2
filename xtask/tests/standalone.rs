//! `cargo xtask codegen --document PATH --out DIR`: a document outside the
//! workspace list gets its own crates, which build where they are written.

use std::process::Command;

use xtask::workspace_root;

fn xtask(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(workspace_root())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn a_document_outside_the_workspace_generates_crates_that_build_there() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let document = "xtask/fixtures/lockers/lockers.yaml";
    let (code, report) = xtask(&["codegen", "--document", document, "--out", dir]);
    assert_eq!(code, 0, "{report}");
    for file in [
        "Cargo.toml",
        "lockers-types/Cargo.toml",
        "lockers-client/src/generated.rs",
        "lockers-server/src/generated/api.rs",
        "lockers-server/src/generated/adapter.rs",
        "lockers-server/src/lib.rs",
    ] {
        assert!(out.path().join(file).exists(), "{file}\n{report}");
    }
    let (code, report) = xtask(&["codegen", "--check", "--document", document, "--out", dir]);
    assert_eq!(code, 0, "a second run finds everything fresh: {report}");

    // The generator never overwrites what it did not write.
    let readme = out.path().join("lockers-server").join("src").join("lib.rs");
    std::fs::write(&readme, "// mine\n").unwrap();
    let (code, report) = xtask(&["codegen", "--document", document, "--out", dir]);
    assert_eq!(code, 2, "{report}");
    assert!(report.contains("refusing to overwrite"), "{report}");
    std::fs::remove_file(&readme).unwrap();
    assert_eq!(
        xtask(&["codegen", "--document", document, "--out", dir]).0,
        0
    );

    // They build there. A target folder under ours keeps the dependencies'
    // build across runs.
    let target = workspace_root().join("target").join("standalone");
    for krate in ["lockers-server", "lockers-client"] {
        let build = Command::new(env!("CARGO"))
            .args(["check", "--quiet", "--offline", "--manifest-path"])
            .arg(out.path().join(krate).join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        assert!(
            build.status.success(),
            "{krate}: {}",
            String::from_utf8_lossy(&build.stderr)
        );
    }
}
