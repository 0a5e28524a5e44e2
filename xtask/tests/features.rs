//! One-feature documents (`xtask/tests/features/*.yaml`) and snapshots of
//! the server code generated from each (`<name>.api.rs`, `<name>.adapter.rs`
//! next to the document), in the style of typify's and expectorate's tests:
//! a change to the generator shows its effect on generated code in review.
//!
//! A mismatch fails with a unified diff; to accept it, run
//! `EXPECTORATE=overwrite cargo test -p xtask --test features` and commit the
//! snapshots. A new feature is a new small document here (the snapshots
//! appear on the first overwrite run).
//!
//! The documents live under `tests/`, not `xtask/fixtures/`: the
//! fixtures there are workspace APIs with committed crates that `cargo xtask
//! codegen` keeps fresh, and any `@generated` file there that no workspace
//! API writes is an orphan it would delete. These are not crates, only
//! snapshots.

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::codegen::generate_from_document;
use xtask::corpus::throwaway_cargo;
use xtask::spec::Document;
use xtask::workspace_root;

/// The command that rewrites the snapshots.
const OVERWRITE: &str = "EXPECTORATE=overwrite cargo test -p xtask --test features";

/// The feature documents, relative to the workspace root, sorted.
fn documents() -> Vec<PathBuf> {
    let dir = Path::new("xtask").join("tests").join("features");
    let mut documents: Vec<PathBuf> = std::fs::read_dir(workspace_root().join(&dir))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().ends_with(".yaml"))
        .map(|name| dir.join(name))
        .collect();
    documents.sort();
    assert!(!documents.is_empty(), "no feature documents in {dir:?}");
    documents
}

/// The snapshot of the server file `file` (`api.rs`, `adapter.rs`) of `document`.
fn snapshot_path(document: &Path, file: &str) -> PathBuf {
    let stem = document.file_stem().unwrap().to_string_lossy();
    document.with_file_name(format!("{stem}.{file}"))
}

/// The server's two files as `cargo xtask codegen --document` writes them:
/// `(file name, contents)`.
fn server_files(document: &Path) -> Vec<(&'static str, String)> {
    let api = xtask::standalone::api(document).unwrap();
    let parsed = Document::load(&workspace_root(), document).unwrap();
    let generated = generate_from_document(&parsed, &api)
        .unwrap_or_else(|e| panic!("{}: {e:#}", document.display()));
    ["api.rs", "adapter.rs"]
        .into_iter()
        .map(|name| {
            let path = api.server_crate.generated_module(name);
            let file = generated
                .iter()
                .find(|f| f.path == path)
                .unwrap_or_else(|| panic!("{}: no {}", document.display(), path.display()));
            (name, file.contents.clone())
        })
        .collect()
}

#[test]
fn feature_snapshots_match_the_generated_server() {
    let root = workspace_root();
    let overwrite = std::env::var("EXPECTORATE").is_ok_and(|v| v == "overwrite");
    let mut failures = Vec::new();
    for document in documents() {
        for (name, generated) in server_files(&document) {
            let snapshot = snapshot_path(&document, name);
            let full = root.join(&snapshot);
            let committed = std::fs::read_to_string(&full).unwrap_or_default();
            if committed == generated {
                continue;
            }
            if overwrite {
                std::fs::write(&full, &generated).unwrap();
                eprintln!("overwrote {}", snapshot.display());
                continue;
            }
            let diff = similar::TextDiff::from_lines(&committed, &generated)
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("{} (committed)", snapshot.display()),
                    &format!("{} (generated)", snapshot.display()),
                )
                .to_string();
            failures.push(diff);
        }
    }
    assert!(
        failures.is_empty(),
        "{} snapshot(s) differ from the generated code:\n\n{}\nIf the change is intended, run `{OVERWRITE}` and commit the snapshots.",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_snapshot_has_its_document() {
    let root = workspace_root();
    let documents = documents();
    let dir = root.join("xtask").join("tests").join("features");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name
            .strip_suffix(".api.rs")
            .or_else(|| name.strip_suffix(".adapter.rs"))
        else {
            continue;
        };
        assert!(
            documents
                .iter()
                .any(|d| d.file_stem().is_some_and(|s| s.to_string_lossy() == stem)),
            "{name} is the snapshot of no document: delete it, or restore {stem}.yaml"
        );
    }
}

/// A whole backend of `no-security.yaml`: no `Hooks`, no principal.
const NO_SECURITY_BACKEND: &str = r#"
use std::sync::Arc;

use no_security_server::{Api, HealthRequest, HealthResponse};

struct Backend;

impl Api for Backend {
    async fn health(&self, _: HealthRequest) -> no_security_server::runtime::Result<HealthResponse> {
        Ok(HealthResponse::ok("up".to_string()))
    }
}

fn main() {
    let _router = no_security_server::router(Arc::new(Backend));
}
"#;

/// A whole backend of `media-responses.yaml`: text as a `String`, the
/// rest as `runtime::Binary` (in the declared media type, or one the
/// backend picks within a declared range).
const MEDIA_BACKEND: &str = r#"
use std::sync::Arc;

use media_responses_server::runtime::{self, Binary};
use media_responses_server::*;

struct Backend;

impl Api for Backend {
    async fn get_motd(&self, _: GetMotdRequest) -> runtime::Result<GetMotdResponse> {
        Ok(GetMotdResponse::ok("Charge at night.".to_string()))
    }

    async fn get_photo(&self, _: GetPhotoRequest) -> runtime::Result<GetPhotoResponse> {
        Ok(GetPhotoResponse::ok(Binary::typed("image/png", vec![0x89, b'P'])))
    }

    async fn get_feed(&self, _: GetFeedRequest) -> runtime::Result<GetFeedResponse> {
        Ok(GetFeedResponse::ok(Binary::new(b"<feed/>".to_vec())))
    }

    async fn get_packed(&self, _: GetPackedRequest) -> runtime::Result<GetPackedResponse> {
        Ok(GetPackedResponse::ok(Binary::new(vec![0x90])))
    }

    async fn get_blob(&self, _: GetBlobRequest) -> runtime::Result<GetBlobResponse> {
        Ok(GetBlobResponse::ok(vec![1, 2, 3].into()))
    }
}

fn main() {
    let _router = media_responses_server::router(Arc::new(Backend));
}
"#;

/// A whole backend of `event-stream.yaml`: events sent from a task.
const EVENT_STREAM_BACKEND: &str = r#"
use std::sync::Arc;

use event_stream_server::runtime::{self, Event, EventStream};
use event_stream_server::*;

struct Backend;

impl Api for Backend {
    async fn watch_updates(&self, _: WatchUpdatesRequest) -> runtime::Result<WatchUpdatesResponse> {
        let (sender, events) = EventStream::channel(16);
        runtime::reexports::tokio::spawn(async move {
            for n in 0..3 {
                if sender.send(Event::data(n.to_string()).event("tick")).await.is_err() {
                    break;
                }
            }
        });
        Ok(WatchUpdatesResponse::ok(events))
    }
}

fn main() {
    let _router = event_stream_server::router(Arc::new(Backend));
}
"#;

/// The snapshots compile: each document's three crates, generated by the
/// binary into a temporary folder, pass `cargo check` there. One target
/// folder under the workspace's `target/` serves every document and run, so
/// only the first run builds the dependencies (about 2 minutes on 2 busy
/// cores); warm, all documents take about 11 seconds, so it is not ignored.
#[test]
fn feature_documents_generate_crates_that_compile() {
    let root = workspace_root();
    let out = tempfile::tempdir().unwrap();
    let target = root.join("target").join("feature-fixtures");
    for document in documents() {
        let stem = document.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = out.path().join(&stem);
        let generate = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["codegen", "--document"])
            .arg(&document)
            .arg("--out")
            .arg(&dir)
            .arg("--runtime-path")
            .arg(root.join("crates").join("ev-energy-runtime"))
            .current_dir(&root)
            .output()
            .unwrap();
        assert!(
            generate.status.success(),
            "{}: {}",
            document.display(),
            String::from_utf8_lossy(&generate.stderr)
        );
        // What was written is what the snapshots hold, below the header
        // (which names the document relative to the output folder).
        let body = |text: &str| text.split_once('\n').map(|(_, b)| b.to_string());
        for name in ["api.rs", "adapter.rs"] {
            let written = std::fs::read_to_string(
                dir.join(format!("{stem}-server"))
                    .join("src")
                    .join("generated")
                    .join(name),
            )
            .unwrap();
            let snapshot =
                std::fs::read_to_string(root.join(snapshot_path(&document, name))).unwrap();
            assert!(
                body(&written) == body(&snapshot),
                "{}: the written {name} is not its snapshot; run `{OVERWRITE}`",
                document.display()
            );
        }
        // A backend of a document without security implements `Api` and
        // nothing else; backends of response media types fill them so.
        let backend = match stem.as_str() {
            "no-security" => Some(NO_SECURITY_BACKEND),
            "media-responses" => Some(MEDIA_BACKEND),
            "event-stream" => Some(EVENT_STREAM_BACKEND),
            _ => None,
        };
        if let Some(backend) = backend {
            let examples = dir.join(format!("{stem}-server")).join("examples");
            std::fs::create_dir_all(&examples).unwrap();
            std::fs::write(examples.join("backend.rs"), backend).unwrap();
        }
        let roundtrip = root
            .join("xtask")
            .join("tests")
            .join("roundtrip")
            .join(format!("{stem}.rs"));
        if roundtrip.exists() {
            // The generated client against the generated server, over HTTP.
            let server = dir.join(format!("{stem}-server"));
            let tests = server.join("tests");
            std::fs::create_dir_all(&tests).unwrap();
            // One file: a `tests/common.rs` would be a test target of its own.
            let common = std::fs::read_to_string(roundtrip.with_file_name("common.rs")).unwrap();
            let test = std::fs::read_to_string(&roundtrip)
                .unwrap()
                .replace("include!(\"common.rs\");", &common);
            std::fs::write(tests.join("roundtrip.rs"), test).unwrap();
            let manifest = server.join("Cargo.toml");
            let mut text = std::fs::read_to_string(&manifest).unwrap();
            text.push_str(&format!(
                "\n[dev-dependencies]\n{stem}-client = {{ path = \"../{stem}-client\" }}\n\
                 reqwest = {{ version = \"0.13\", default-features = false }}\n\
                 serde_json = \"1\"\n"
            ));
            std::fs::write(&manifest, text).unwrap();
        }
        let check = throwaway_cargo(&target)
            .args([
                "check",
                "--quiet",
                "--offline",
                "--workspace",
                "--all-targets",
                "--manifest-path",
            ])
            .arg(dir.join("Cargo.toml"))
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{}: cargo check failed:\n{}",
            document.display(),
            String::from_utf8_lossy(&check.stderr)
        );
        if roundtrip.exists() {
            let test = throwaway_cargo(&target)
                .args([
                    "test",
                    "--quiet",
                    "--offline",
                    "--test",
                    "roundtrip",
                    "--manifest-path",
                ])
                .arg(dir.join(format!("{stem}-server")).join("Cargo.toml"))
                .output()
                .unwrap();
            assert!(
                test.status.success(),
                "{}: the round trip failed:\n{}\n{}",
                document.display(),
                String::from_utf8_lossy(&test.stdout),
                String::from_utf8_lossy(&test.stderr)
            );
        }
    }
}
