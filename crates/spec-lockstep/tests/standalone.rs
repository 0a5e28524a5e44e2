//! `spec-lockstep codegen --document PATH --out DIR`: a document outside the
//! workspace list gets its own crates, which build where they are written,
//! and again after being moved to another folder with the runtime from a
//! registry-style copy: nothing written names a path of this checkout.

use std::path::{Path, PathBuf};
use std::process::Command;

use spec_lockstep::corpus::throwaway_cargo;
use support::workspace_root;

mod support;

/// The generator binary run in `dir` (the workspace root without it).
fn generator_in(dir: Option<&Path>, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_spec-lockstep"))
        .args(args)
        .current_dir(dir.map_or_else(workspace_root, Path::to_path_buf))
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

fn generator(args: &[&str]) -> (i32, String) {
    generator_in(None, args)
}

/// This checkout's runtime crate.
fn runtime() -> String {
    workspace_root()
        .join("crates")
        .join("ev-energy-runtime")
        .to_string_lossy()
        .into_owned()
}

/// One target folder under ours for every run, so dependencies build once.
fn target() -> PathBuf {
    workspace_root().join("target").join("standalone")
}

/// `cargo check --offline` of the workspace in `dir`, run there (so a
/// `.cargo/config.toml` there counts).
fn check_in(dir: &Path) {
    let build = throwaway_cargo(&target())
        .args(["check", "--quiet", "--offline", "--workspace"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}: {}",
        dir.display(),
        String::from_utf8_lossy(&build.stderr)
    );
}

/// Every file under `dir`, with its text.
fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path, text));
            }
        }
    }
    found
}

/// The command in a generated file's header, and the folder it runs in.
fn header_command(text: &str) -> Vec<String> {
    let first = text.lines().next().unwrap();
    let command = first
        .split("run `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("no command in {first}"));
    assert!(
        first.contains("in the folder of this generated workspace"),
        "{first}"
    );
    let words: Vec<String> = command.split(' ').map(str::to_string).collect();
    assert_eq!(words[0], "spec-lockstep", "{first}");
    words[1..].to_vec()
}

#[test]
fn a_document_outside_the_workspace_generates_crates_that_build_there() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let document = "xtask/fixtures/lockers/lockers.yaml";
    let runtime = runtime();
    let generate = [
        "codegen",
        "--document",
        document,
        "--out",
        dir,
        "--runtime-path",
        &runtime,
    ];
    let (code, report) = generator(&generate);
    assert_eq!(code, 0, "{report}");
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "lockers-types/Cargo.toml",
        "lockers-client/src/generated.rs",
        "lockers-server/src/generated/api.rs",
        "lockers-server/src/generated/adapter.rs",
        "lockers-server/src/lib.rs",
    ] {
        assert!(out.path().join(file).exists(), "{file}\n{report}");
    }
    assert!(report.contains("Seeded Cargo.lock"), "{report}");
    let mut check = generate.to_vec();
    check.insert(1, "--check");
    let (code, report) = generator(&check);
    assert_eq!(code, 0, "a second run finds everything fresh: {report}");

    // The header's command, run where it says, with paths relative to
    // there (the first run had an absolute --out), writes the same files.
    let manifest = std::fs::read_to_string(out.path().join("Cargo.toml")).unwrap();
    let mut again = header_command(&manifest);
    assert!(again.iter().any(|w| w == "--runtime-path"), "{manifest}");
    again.insert(1, "--check".into());
    let again: Vec<&str> = again.iter().map(String::as_str).collect();
    let (code, report) = generator_in(Some(out.path()), &again);
    assert_eq!(
        code, 0,
        "the header's command finds nothing stale: {report}"
    );

    // `--check` without the flags takes those the header records.
    let (code, report) = generator(&["codegen", "--check", "--document", document, "--out", dir]);
    assert_eq!(code, 0, "the recorded flags: {report}");
    assert!(
        report.contains("Using the flags recorded in") && report.contains("--runtime-path"),
        "{report}"
    );
    // Drift names the header's command, and where to run it.
    let types = out
        .path()
        .join("lockers-types")
        .join("src")
        .join("generated.rs");
    let text = std::fs::read_to_string(&types).unwrap();
    std::fs::write(&types, text.replace("pub struct", "pub  struct")).unwrap();
    let (code, report) = generator(&["codegen", "--check", "--document", document, "--out", dir]);
    assert_eq!(code, 1, "{report}");
    assert!(
        report.contains(&format!(
            "To fix it, run `spec-lockstep codegen --document {}",
            again[3]
        )) && report.contains(&format!("` in {dir}")),
        "{report}"
    );
    std::fs::write(&types, text).unwrap();

    // The generator never overwrites what it did not write.
    let lib = out.path().join("lockers-server").join("src").join("lib.rs");
    std::fs::write(&lib, "// mine\n").unwrap();
    let (code, report) = generator(&generate);
    assert_eq!(code, 2, "{report}");
    assert!(report.contains("refusing to overwrite"), "{report}");
    std::fs::remove_file(&lib).unwrap();
    assert_eq!(generator(&generate).0, 0);

    // A crate of the team's beside the generated ones joins their
    // workspace on the next run: the same runtime patch, the same lock.
    let service = out.path().join("lockers-service");
    std::fs::create_dir_all(service.join("src")).unwrap();
    std::fs::write(
        service.join("Cargo.toml"),
        "[package]\nname = \"lockers-service\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         publish = false\n\n[dependencies]\nlockers-server = { path = \"../lockers-server\" }\n",
    )
    .unwrap();
    std::fs::write(
        service.join("src").join("lib.rs"),
        "//! The team's backend.\npub use lockers_server::{runtime, Api};\n",
    )
    .unwrap();
    let (code, report) = generator(&["codegen", "--check", "--document", document, "--out", dir]);
    assert_eq!(code, 1, "not yet a member: {report}");
    assert_eq!(
        generator(&["codegen", "--document", document, "--out", dir]).0,
        0
    );
    let manifest = std::fs::read_to_string(out.path().join("Cargo.toml")).unwrap();
    assert!(manifest.contains("\"lockers-service\""), "{manifest}");

    // They build there.
    check_in(out.path());
    assert!(!service.join("Cargo.lock").exists());
}

/// What a team does: the document in their repository, the crates generated
/// beside it, the whole folder moved elsewhere, the runtime from what a
/// registry would serve (`cargo package`'s archives, unpacked) by a
/// `[patch]` in their `.cargo/config.toml`.
#[test]
fn generated_crates_name_no_path_of_this_checkout_and_build_after_a_move() {
    let root = workspace_root();
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("project");
    std::fs::create_dir_all(project.join("api")).unwrap();
    let document = project.join("api").join("parcel-lockers.yaml");
    std::fs::copy(root.join("xtask/fixtures/lockers/lockers.yaml"), &document).unwrap();
    let out = project.join("api").join("generated");
    let (code, report) = generator(&[
        "codegen",
        "--document",
        document.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--crate-prefix",
        "lockers-api",
    ]);
    assert_eq!(code, 0, "{report}");

    let canonical = root.canonicalize().unwrap();
    let files = files_under(&out);
    assert!(files.len() >= 12, "{files:?}");
    for (path, text) in &files {
        for checkout in [root.to_string_lossy(), canonical.to_string_lossy()] {
            assert!(
                !text.contains(checkout.as_ref()),
                "{} names this checkout ({checkout})",
                path.display()
            );
        }
        assert!(
            !text.contains("crates/ev-energy-runtime"),
            "{}",
            path.display()
        );
        if path.file_name().is_some_and(|n| n != "Cargo.lock") {
            // The document relative to the output folder, paths printed
            // cleanly, and the command that regenerates it all.
            let first = text.lines().next().unwrap();
            assert!(
                first.contains(" from ../parcel-lockers.yaml. ")
                    && first.contains(
                        "run `spec-lockstep codegen --document ../parcel-lockers.yaml --out . \
                         --crate-prefix lockers-api` in the folder"
                    ),
                "{}: {first}",
                path.display()
            );
            assert!(!first[2..].contains("//"), "{first}");
        }
    }
    // The crate names come from --crate-prefix; the runtime by version.
    let server = std::fs::read_to_string(out.join("lockers-api-server/Cargo.toml")).unwrap();
    let version = spec_lockstep::pins::pinned().runtime_version();
    assert!(
        server.contains(&format!("\nev-energy-runtime = \"{version}\"\n")),
        "{server}"
    );
    // Each crate depends on what its code names, and on nothing else.
    for krate in ["types", "client", "server"] {
        let dir = out.join(format!("lockers-api-{krate}"));
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(dir.join("Cargo.toml")).unwrap()).unwrap();
        let code: String = files_under(&dir.join("src"))
            .into_iter()
            .map(|(_, text)| text)
            .collect();
        for name in manifest["dependencies"].as_table().unwrap().keys() {
            let ident = name.replace('-', "_");
            assert!(
                spec_lockstep::standalone::names_crate(&code, &ident),
                "lockers-api-{krate} depends on {name}, which its code does not name"
            );
        }
        for unused in ["chrono", "uuid", "regress", "serde_json"] {
            if !spec_lockstep::standalone::names_crate(&code, unused) {
                assert!(!manifest["dependencies"]
                    .as_table()
                    .unwrap()
                    .contains_key(unused));
            }
        }
    }

    // Moved, one level deeper, beside nothing of this checkout.
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = elsewhere.path().join("team").join("repo");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&project, &moved).unwrap();
    let out = moved.join("api").join("generated");

    // The runtime as a registry would serve it.
    let runtime_crates = ["ev-energy-spec-vocab", "ev-energy-runtime"];
    let copies = support::registry_copies(elsewhere.path(), &runtime_crates);
    let patch = support::patch(&copies, &runtime_crates);
    // Without it, the runtime is a registry dependency that no registry
    // offline has: the patch is what the build below stands on.
    let unpatched = throwaway_cargo(&target())
        .args(["check", "--quiet", "--offline", "--workspace"])
        .current_dir(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&unpatched.stderr);
    assert!(
        !unpatched.status.success() && stderr.contains("ev-energy-runtime"),
        "{stderr}"
    );
    std::fs::create_dir_all(out.join(".cargo")).unwrap();
    std::fs::write(out.join(".cargo").join("config.toml"), patch).unwrap();
    check_in(&out);

    // Still fresh where they now are, by the header's command.
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    let mut again = header_command(&manifest);
    again.insert(1, "--check".into());
    let again: Vec<&str> = again.iter().map(String::as_str).collect();
    let (code, report) = generator_in(Some(&out), &again);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn bad_crate_prefixes_and_runtime_folders_are_clear_errors() {
    let document = "xtask/fixtures/lockers/lockers.yaml";
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    for prefix in [
        "Lockers",
        "1lockers",
        "lockers_api",
        "lockers--api",
        "lockers-",
    ] {
        let (code, report) = generator(&[
            "codegen",
            "--document",
            document,
            "--out",
            dir,
            "--crate-prefix",
            prefix,
        ]);
        assert_eq!(code, 2, "{prefix}: {report}");
        assert!(
            report.contains(&format!(
                "--crate-prefix `{prefix}` is not a crate-name prefix"
            )),
            "{report}"
        );
    }
    let (code, report) = generator(&[
        "codegen",
        "--document",
        document,
        "--out",
        dir,
        "--runtime-path",
        "crates/ev-energy-types",
    ]);
    assert_eq!(code, 2, "{report}");
    assert!(
        report.contains("is not the `ev-energy-runtime` crate's manifest"),
        "{report}"
    );
    assert!(!report.contains("panicked"), "{report}");
    // Nothing was written.
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

/// `spec-lockstep round-trip`: a team's own document generated, built,
/// served and called through every operation, as `cargo xtask corpus`
/// does for ours (sharing its work folder, so dependencies build once).
#[test]
fn the_round_trip_command_proves_a_teams_document() {
    let work = workspace_root().join("target").join("corpus");
    let runtime = runtime();
    let document = "xtask/tests/features/cookie-param.yaml";
    let args = [
        "round-trip",
        "--runtime-path",
        runtime.as_str(),
        "--work",
        work.to_str().unwrap(),
        document,
    ];
    let (code, report) = generator(&args);
    assert_eq!(code, 0, "{report}");
    assert!(
        report.contains("| cookie-param.yaml | 1 |") && report.contains("1 of 1 documents passed"),
        "{report}"
    );

    let (code, report) = generator(&["round-trip", "no/such/document.yaml"]);
    assert_eq!(code, 2, "{report}");
    assert!(
        report.contains("cannot find no/such/document.yaml"),
        "{report}"
    );
}
