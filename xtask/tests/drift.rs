//! The drift check, on the real workspace and on temporary copies of it.

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::corpus::throwaway_cargo;
use xtask::files::Mode;
use xtask::{codegen, workspace_root, EXIT_GENERATOR_FAILED, EXIT_OK, EXIT_STALE};

const CLIENT_GENERATED: &str = "crates/ev-energy-client/src/generated.rs";
const TYPES_GENERATED: &str = "crates/ev-energy-types/src/generated.rs";
const SERVER_GENERATED: &str = "crates/ev-energy-server/src/generated/api.rs";
const DOCUMENT: &str = "openapi/ev-energy-v2.yaml";
const MOCK_TEST: &str = "crates/ev-energy-client/tests/mock_matches_client.rs";

/// `cargo test` catches drift too: the committed code must match the documents.
#[test]
fn generated_code_is_fresh() {
    let mut report = Vec::new();
    let summary = xtask::codegen(&workspace_root(), Mode::Check, &mut report).unwrap();
    assert!(summary.is_fresh(), "{}", String::from_utf8_lossy(&report));
}

#[test]
fn generation_is_deterministic() {
    let root = workspace_root();
    for api in xtask::workspace::apis() {
        let first = codegen::generate_api(&root, &api).unwrap();
        let second = codegen::generate_api(&root, &api).unwrap();
        assert_eq!(first, second);
        for file in &first {
            assert!(
                codegen::is_generated(&file.contents),
                "{} lacks the header",
                file.path.display()
            );
        }
    }
}

/// A copy of the workspace's sources (no `target/`, no `.git`).
struct Copy {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Copy {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        copy_tree(&workspace_root(), &root);
        Self { _dir: dir, root }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).unwrap()
    }

    fn write(&self, relative: &str, contents: &str) {
        std::fs::write(self.path(relative), contents).unwrap();
    }

    /// Runs the drift check in-process; returns whether it was fresh and its report.
    fn check(&self) -> (bool, String) {
        let mut report = Vec::new();
        let summary = xtask::codegen(&self.root, Mode::Check, &mut report).unwrap();
        (summary.is_fresh(), String::from_utf8(report).unwrap())
    }

    /// Runs the real `cargo xtask` binary on this copy; returns exit code and output.
    /// `cargo <args>` in the copy, offline and locked, with one target
    /// folder under ours for every run, so dependencies build once.
    fn cargo(&self, args: &[&str]) -> std::process::Output {
        throwaway_cargo(&workspace_root().join("target").join("drift-test"))
            .args(args)
            .args(["--offline", "--locked"])
            .current_dir(&self.root)
            .output()
            .unwrap()
    }

    fn xtask(&self, args: &[&str]) -> (i32, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("--workspace")
            .arg(&self.root)
            .args(args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code().unwrap_or(-1), text)
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

const NEW_PARAMETER: &str = r##"        - name: device_type
          in: query
          description: Only return logs sent to this type of device.
          required: false
          schema:
            $ref: "#/components/schemas/DeviceType"
"##;

/// Adds an optional query parameter to `list_dispatcher_logs`.
fn add_optional_parameter(copy: &Copy) {
    let document = copy.read(DOCUMENT);
    let anchor = "        - name: logged_at__gte\n";
    assert!(
        document.contains(anchor),
        "the test's anchor moved in {DOCUMENT}"
    );
    copy.write(
        DOCUMENT,
        &document.replacen(anchor, &format!("{NEW_PARAMETER}{anchor}"), 1),
    );
}

#[test]
fn a_new_parameter_is_drift_until_regenerated_and_then_builds() {
    let copy = Copy::new();
    assert_eq!(copy.xtask(&["codegen", "--check"]).0, EXIT_OK);

    add_optional_parameter(&copy);
    let (code, report) = copy.xtask(&["codegen", "--check"]);
    assert_eq!(code, EXIT_STALE, "{report}");
    assert!(
        report.contains(&format!("--- a/{CLIENT_GENERATED}")),
        "{report}"
    );
    assert!(
        report.contains(&format!("+++ b/{CLIENT_GENERATED}")),
        "{report}"
    );
    assert!(
        report
            .lines()
            .any(|l| l.starts_with('+') && l.contains("\"device_type\"")),
        "the diff names the new parameter:\n{report}"
    );
    assert!(report.contains("run `cargo xtask codegen`"), "{report}");
    assert!(
        report.contains(&format!("--- a/{SERVER_GENERATED}")),
        "the server is checked too:\n{report}"
    );
    assert!(
        report
            .lines()
            .any(|l| l.starts_with('+') && l.contains("pub device_type:")),
        "the server's request gains the parameter:\n{report}"
    );
    assert!(
        report.contains("16 files checked: 11 fresh, 5 stale, 0 missing, 0 orphaned"),
        "{report}"
    );

    let (code, output) = copy.xtask(&["codegen"]);
    assert_eq!(code, EXIT_OK, "{output}");
    assert!(
        output.contains(&format!("Updated {CLIENT_GENERATED}")),
        "{output}"
    );
    assert!(
        output.contains(&format!("Updated {SERVER_GENERATED}")),
        "{output}"
    );
    assert_eq!(copy.xtask(&["codegen", "--check"]).0, EXIT_OK);
    assert!(copy
        .read(CLIENT_GENERATED)
        .contains("pub fn device_type<V>"));

    // The regenerated workspace still builds.
    let build = copy.cargo(&[
        "check",
        "--quiet",
        "-p",
        "ev-energy-client",
        "-p",
        "ev-energy-server",
        "--all-targets",
    ]);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );

    // The reference service names every field of the request, so the new
    // parameter fails its build, pointing at the place to handle it.
    let service = copy.cargo(&["check", "--quiet", "-p", "dispatcher-logs-service"]);
    let stderr = String::from_utf8_lossy(&service.stderr);
    assert!(
        !service.status.success(),
        "the service built without handling the new parameter"
    );
    assert!(
        stderr.contains("device_type") && stderr.contains("src/service.rs"),
        "the error names the field and the place: {stderr}"
    );
}

/// A required query parameter with a `pattern` and no example.
const PARAMETER_WITHOUT_EXAMPLE: &str = r##"        - name: site_code
          in: query
          description: Only return logs of this site.
          required: true
          schema:
            type: string
            pattern: "^[A-Z]{3}-[0-9]{2}$"
"##;

/// An operation whose parameters have no example at all: a path parameter
/// with bounds, an optional and a required query date-time and an array of
/// an enum through a `$ref`.
const OPERATION_WITHOUT_EXAMPLES: &str = r##"  /devices/{device_id}/pings:
    get:
      operationId: ping_device
      summary: Ping a device
      description: Asks a device whether it is reachable.
      tags:
        - Charging Sessions
      security:
        - oauth2:
            - debug:read
      parameters:
        - name: device_id
          in: path
          required: true
          description: The device.
          schema:
            type: integer
            format: int64
            minimum: 10
            multipleOf: 7
        - name: since
          in: query
          required: false
          description: Only pings since then.
          schema:
            type: string
            format: date-time
        - name: until
          in: query
          required: true
          description: Only pings until then.
          schema:
            type: string
            format: date-time
        - name: device_types
          in: query
          required: false
          description: Only these types of device.
          schema:
            type: array
            minItems: 2
            items:
              $ref: "#/components/schemas/DeviceType"
      responses:
        "204":
          description: The device answered.
"##;

/// Adds `PARAMETER_WITHOUT_EXAMPLE` to `list_dispatcher_logs` and
/// `OPERATION_WITHOUT_EXAMPLES` after it.
fn add_parameter_and_operation_without_examples(copy: &Copy) {
    let document = copy.read(DOCUMENT);
    let (parameter_anchor, path_anchor) = ("        - name: logged_at__gte\n", "components:\n");
    for anchor in [parameter_anchor, path_anchor] {
        assert!(
            document.contains(anchor),
            "the test's anchor moved in {DOCUMENT}"
        );
    }
    let document = document
        .replacen(
            parameter_anchor,
            &format!("{PARAMETER_WITHOUT_EXAMPLE}{parameter_anchor}"),
            1,
        )
        .replacen(
            path_anchor,
            &format!("{OPERATION_WITHOUT_EXAMPLES}{path_anchor}"),
            1,
        );
    copy.write(DOCUMENT, &document);
}

/// Parameters without `example:` are no longer refused: the generated mock
/// test sends values invented from their schemas, and they pass.
#[test]
fn parameters_without_examples_get_invented_values_and_the_mock_test_passes() {
    let copy = Copy::new();
    add_parameter_and_operation_without_examples(&copy);
    let (code, output) = copy.xtask(&["codegen"]);
    assert_eq!(code, EXIT_OK, "{output}");
    assert!(!output.contains("warning"), "{output}");
    assert_eq!(copy.xtask(&["codegen", "--check"]).0, EXIT_OK);

    // The invented values: sampled from the pattern, within the bounds, the
    // enum's first value, a fixed date-time.
    let test = copy.read(MOCK_TEST);
    let value = |name: &str| -> serde_json::Value {
        // `let <name>: <type> = example("<json>");`, maybe over lines.
        let start = test
            .find(&format!("let {name}: "))
            .unwrap_or_else(|| panic!("no `let {name}` in {MOCK_TEST}:\n{test}"));
        let statement = &test[start..start + test[start..].find(");").unwrap()];
        let literal = &statement[statement.find("example(").unwrap() + "example(".len()..];
        // The Rust string literal reads as a JSON string (only `\"` escapes).
        let json: String = serde_json::from_str(literal.trim().trim_end_matches(',')).unwrap();
        serde_json::from_str(&json).unwrap()
    };
    let site_code = value("site_code");
    let site_code = site_code.as_str().unwrap();
    assert!(
        site_code.len() == 6
            && site_code[..3].bytes().all(|b| b.is_ascii_uppercase())
            && &site_code[3..4] == "-"
            && site_code[4..].bytes().all(|b| b.is_ascii_digit()),
        "{site_code}"
    );
    assert_eq!(value("device_id"), serde_json::json!(14));
    assert_eq!(value("since"), serde_json::json!("2024-01-01T00:00:00Z"));
    assert_eq!(value("until"), serde_json::json!("2024-01-01T00:00:00Z"));
    assert_eq!(value("device_types"), serde_json::json!(["EVSE", "EVSE"]));

    // The client and its generated mock test build, and the test passes
    // with those values.
    let test = copy.cargo(&[
        "test",
        "-p",
        "ev-energy-client",
        "--features",
        "mock",
        "--test",
        "mock_matches_client",
    ]);
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert!(
        test.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&test.stderr)
    );
    assert!(stdout.contains("ping_device_device_id"), "{stdout}");

    // The server's request struct reads both date-times by the runtime's
    // RFC 3339 reader (optional and required), and the server library
    // builds with the new operation too (its hand-written tests, like the
    // service, implement every operation, so they would not).
    let api = copy.read("crates/ev-energy-server/src/generated/api.rs");
    for (attribute, field) in [
        (
            "#[serde(default, deserialize_with = \"runtime::declare::date_time_option\")]",
            "pub since:",
        ),
        (
            "#[serde(deserialize_with = \"runtime::declare::date_time\")]",
            "pub until:",
        ),
    ] {
        let at = api
            .find(field)
            .unwrap_or_else(|| panic!("no `{field}`:\n{api}"));
        assert!(
            api[..at].trim_end().ends_with(attribute),
            "`{field}` is not read by `{attribute}`:\n{}",
            &api[at.saturating_sub(300)..at]
        );
    }
    let server = copy.cargo(&["check", "--quiet", "-p", "ev-energy-server", "--lib"]);
    assert!(
        server.status.success(),
        "{}",
        String::from_utf8_lossy(&server.stderr)
    );
}

#[test]
fn xtask_says_which_workspace_it_works_on() {
    let copy = Copy::new();
    let (code, output) = copy.xtask(&["lint"]);
    assert_eq!(code, EXIT_OK, "{output}");
    assert!(
        output.contains(&format!("Workspace {}", copy.root.display())),
        "{output}"
    );
}

#[test]
fn a_hand_edit_is_drift() {
    let copy = Copy::new();
    let edited = copy.read(TYPES_GENERATED).replace(
        "pub enum DeviceType {",
        "pub enum DeviceType {\n    Bicycle,",
    );
    copy.write(TYPES_GENERATED, &edited);
    let (fresh, report) = copy.check();
    assert!(!fresh);
    assert!(
        report.contains(&format!("{TYPES_GENERATED}: stale")),
        "{report}"
    );
    assert!(report.lines().any(|l| l == "-    Bicycle,"), "{report}");
    // Regenerating restores it.
    assert_eq!(copy.xtask(&["codegen"]).0, EXIT_OK);
    assert!(copy.check().0);
}

#[test]
fn missing_and_orphaned_files_are_drift() {
    let copy = Copy::new();
    std::fs::remove_file(copy.path(TYPES_GENERATED)).unwrap();
    let orphan = "crates/ev-energy-client/src/old_generated.rs";
    copy.write(
        orphan,
        &format!(
            "{}\npub struct Old;\n",
            codegen::header(Path::new(DOCUMENT))
        ),
    );

    let (fresh, report) = copy.check();
    assert!(!fresh);
    assert!(
        report.contains(&format!("{TYPES_GENERATED}: missing")),
        "{report}"
    );
    assert!(report.contains(&format!("{orphan}: orphaned")), "{report}");
    assert!(
        report.contains("17 files checked: 15 fresh, 0 stale, 1 missing, 1 orphaned"),
        "{report}"
    );

    let (code, output) = copy.xtask(&["codegen"]);
    assert_eq!(code, EXIT_OK, "{output}");
    assert!(
        output.contains(&format!("Created {TYPES_GENERATED}")),
        "{output}"
    );
    assert!(output.contains(&format!("Removed {orphan}")), "{output}");
    assert!(!copy.path(orphan).exists());
    assert!(copy.check().0);
}

#[test]
fn a_hand_written_file_in_a_generated_place_is_refused() {
    let copy = Copy::new();
    add_optional_parameter(&copy);
    let hand_written = "//! My own client code.\npub fn mine() {}\n";
    copy.write(CLIENT_GENERATED, hand_written);
    let types_before = copy.read(TYPES_GENERATED);

    for args in [&["codegen"][..], &["codegen", "--check"][..]] {
        let (code, output) = copy.xtask(args);
        assert_eq!(code, EXIT_GENERATOR_FAILED, "{args:?}: {output}");
        assert!(output.contains("refusing to overwrite"), "{output}");
        assert!(output.contains(CLIENT_GENERATED), "{output}");
    }
    assert_eq!(
        copy.read(CLIENT_GENERATED),
        hand_written,
        "the hand-written file is untouched"
    );
    assert_eq!(
        copy.read(TYPES_GENERATED),
        types_before,
        "nothing else was written either"
    );
}

#[test]
fn an_invalid_document_cannot_generate() {
    let copy = Copy::new();
    copy.write(
        DOCUMENT,
        &copy
            .read(DOCUMENT)
            // 3.1 is read since issue 20; a version no generator knows is not.
            .replacen("openapi: 3.0.3", "openapi: 4.0.0", 1),
    );
    let (code, output) = copy.xtask(&["codegen", "--check"]);
    assert_eq!(code, EXIT_GENERATOR_FAILED, "{output}");
    assert!(
        output.contains("the generators read OpenAPI 3.0.x and 3.1.x"),
        "{output}"
    );
    let (code, output) = copy.xtask(&["lint"]);
    assert_eq!(code, EXIT_STALE, "{output}");
}

#[test]
fn success_responses_with_different_schemas_generate_and_never_crash() {
    // Until issue 20, progenitor asserted on this and codegen stopped with
    // an error; progenitor is now shown one type for the successes
    // (`model/progenitor_view.rs`) and the server keeps one variant each.
    let copy = Copy::new();
    let document = copy.read(DOCUMENT);
    // Two success responses with different schemas.
    let anchor = "        \"400\":\n          $ref: \"#/components/responses/BadRequest\"\n";
    assert!(
        document.contains(anchor),
        "the test's anchor moved in {DOCUMENT}"
    );
    let with_default = document.replacen(
        anchor,
        &format!(
            "        \"201\":\n          description: Another success.\n          content:\n            \
             application/json:\n              schema:\n                type: string\n{anchor}"
        ),
        1,
    );
    copy.write(DOCUMENT, &with_default);
    let (code, output) = copy.xtask(&["codegen"]);
    assert_eq!(code, 0, "{output}");
    assert!(!output.contains("panicked"), "{output}");
    let api = copy.read("crates/ev-energy-server/src/generated/api.rs");
    assert!(
        api.contains("Created"),
        "the 201 has its own variant:\n{api}"
    );
}

#[test]
fn a_breaking_change_without_a_major_bump_fails_the_compatibility_check() {
    let copy = Copy::new();
    assert_eq!(copy.xtask(&["compat"]).0, EXIT_OK);
    // Remove a response field that deployed clients read.
    let document = copy.read(DOCUMENT);
    let field = "        reason_not_sent:\n          description: If the dispatch command was not sent, provides a reason; null when it was sent.\n          type: string\n          nullable: true\n          readOnly: true\n          example: Charger offline\n";
    assert!(
        document.contains(field),
        "the test's anchor moved in {DOCUMENT}"
    );
    let broken = document
        .replacen(field, "", 1)
        .replacen("        - reason_not_sent\n", "", 1);
    copy.write(DOCUMENT, &broken);
    let (code, output) = copy.xtask(&["compat"]);
    assert_eq!(code, EXIT_STALE, "{output}");
    assert!(output.contains("error[breaking]"), "{output}");
    assert!(
        output.contains(
            "clients built against 2.0 fail to decode a `DispatcherLog` without `reason_not_sent`"
        ),
        "the change is named, with who breaks and how: {output}"
    );
    assert!(
        output.contains("#/components/schemas/DispatcherLog/properties/reason_not_sent"),
        "{output}"
    );
    assert!(output.contains("without a major version bump"), "{output}");
    let (code, output) = copy.xtask(&["release"]);
    assert_ne!(code, EXIT_OK, "no release without a version bump: {output}");

    // A major bump accepts it, and `release` promotes the document.
    copy.write(
        DOCUMENT,
        &broken.replacen("version: \"2.0\"", "version: \"3.0\"", 1),
    );
    let (code, output) = copy.xtask(&["compat"]);
    assert_eq!(code, EXIT_OK, "{output}");
    assert!(
        output.contains("accepted: the major version went up (2.0 -> 3.0)"),
        "{output}"
    );
    let (code, output) = copy.xtask(&["release"]);
    assert_eq!(code, EXIT_OK, "{output}");
    assert_eq!(
        copy.read("openapi/released/ev-energy-v2.yaml"),
        copy.read(DOCUMENT)
    );
    assert!(copy
        .xtask(&["compat"])
        .1
        .contains("0 compatible change(s) and 0 warning(s) since release 3.0"));
}

#[test]
fn the_crates_versions_follow_the_document_through_a_release() {
    let copy = Copy::new();
    let document = copy.read(DOCUMENT);
    // A compatible change with a minor bump.
    let bumped = document.replacen("version: \"2.0\"", "version: \"2.1\"", 1);
    assert_ne!(bumped, document, "the test's anchor moved in {DOCUMENT}");
    copy.write(DOCUMENT, &bumped);

    let (code, output) = copy.xtask(&["codegen", "--check"]);
    assert_eq!(code, EXIT_STALE, "{output}");
    assert!(
        output.contains(
            "crates/ev-energy-client/Cargo.toml: package.version is `2.0.0`, but openapi/ev-energy-v2.yaml has info.version 2.1, so it must be `2.1.0`"
        ),
        "{output}"
    );
    assert!(output.contains("run `cargo xtask release`"), "{output}");

    let (code, output) = copy.xtask(&["release"]);
    assert_eq!(code, EXIT_OK, "{output}");
    assert!(output.contains("Versioned"), "{output}");
    for krate in ["types", "client", "server"] {
        let manifest = copy.read(&format!("crates/ev-energy-{krate}/Cargo.toml"));
        assert!(
            manifest.contains("version = \"2.1.0\""),
            "{krate}: {manifest}"
        );
    }
    let workspace = copy.read("Cargo.toml");
    assert!(
        workspace.contains(
            "ev-energy-client = { path = \"crates/ev-energy-client\", version = \"2.1.0\" }"
        ),
        "{workspace}"
    );
    assert_eq!(copy.xtask(&["codegen"]).0, EXIT_OK);
    let (code, output) = copy.xtask(&["codegen", "--check"]);
    assert_eq!(code, EXIT_OK, "{output}");
    let (code, output) = copy.xtask(&["compat"]);
    assert_eq!(code, EXIT_OK, "{output}");
}
