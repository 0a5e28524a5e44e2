//! `spec-lockstep init --document DOC DIR` on a real document: the workspace
//! it writes builds and passes its own tests, its service runs and answers
//! an operation it has not implemented with the document's 501, its drift
//! check passes with the command its README gives, and a second `init`
//! into the same folder overwrites nothing.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use spec_lockstep::corpus::throwaway_cargo;
use support::workspace_root;

mod support;

fn generator_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_spec-lockstep"))
        .args(args)
        .current_dir(dir)
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

/// The target folder the standalone tests use too, so dependencies build once.
fn target() -> PathBuf {
    workspace_root().join("target").join("standalone")
}

#[test]
fn init_writes_a_workspace_that_builds_serves_and_answers_501() {
    let root = workspace_root();
    let document = root.join("../shared/corpus/oai-petstore-expanded.yaml");
    if !document.exists() {
        eprintln!(
            "note: {} is absent; the init test needs the shared corpus",
            document.display()
        );
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("petstore");
    let runtime = root.join("crates").join("ev-energy-runtime");
    let (code, report) = generator_in(
        &root,
        &[
            "init",
            "--document",
            document.to_str().unwrap(),
            dir.to_str().unwrap(),
            "--crate-prefix",
            "petstore",
            "--runtime-path",
            runtime.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{report}");
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        ".github/workflows/ci.yml",
        "openapi/oai-petstore-expanded.yaml",
        "petstore-types/src/generated.rs",
        "petstore-client/src/generated.rs",
        "petstore-server/src/generated/api.rs",
        "petstore-service/src/main.rs",
        "petstore-service/tests/serves.rs",
    ] {
        assert!(dir.join(file).exists(), "{file}\n{report}");
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("\"petstore-service\""), "{manifest}");

    // Nothing is overwritten: a second init into the folder is refused.
    let (code, report) = generator_in(
        &root,
        &[
            "init",
            "--document",
            document.to_str().unwrap(),
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{report}");
    assert!(report.contains("is not empty"), "{report}");

    // The README's test command: the drift check, run in the workspace,
    // with the flags its header records; then the tests, which call an
    // operation with the generated client and decode its 501.
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let check =
        "spec-lockstep codegen --check --document openapi/oai-petstore-expanded.yaml --out .";
    assert!(readme.contains(check), "{readme}");
    let words: Vec<&str> = check.split(' ').skip(1).collect();
    let (code, report) = generator_in(&dir, &words);
    assert_eq!(code, 0, "{report}");
    let test = throwaway_cargo(&target())
        .args(["test", "--quiet", "--offline", "--workspace"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "{}{}",
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );

    // The service runs, and answers an operation it has not implemented
    // with 501 in the document's error shape.
    let build = throwaway_cargo(&target())
        .args(["build", "--quiet", "--offline", "-p", "petstore-service"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(build.success());
    let mut service = Command::new(target().join("debug").join("petstore-service"))
        .env("ADDR", "127.0.0.1:0")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(service.stderr.take().unwrap()).lines();
    let serving = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("serving on http://"))
        .expect("the service says where it serves");
    let addr = serving
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /v2/pets HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let _ = service.kill();
    let _ = service.wait();
    assert!(answer.starts_with("HTTP/1.1 501"), "{answer}");
    // petstore-expanded's `default` error: `{code, message}`.
    assert!(
        answer.contains("\"code\":501") && answer.contains("\"message\""),
        "{answer}"
    );
}
