//! Breaking-change detection on fixture pairs: each change below is
//! applied to a small released document and must pass or fail as listed.

use serde_json::{json, Value};
use xtask::compat::{compare, Finding};

fn released() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Fixture", "version": "1.0"},
        "paths": {
            "/items": {"get": {
                "operationId": "list_items",
                "description": "Lists items.",
                "parameters": [{"name": "color", "in": "query", "schema": {"$ref": "#/components/schemas/Color"}}],
                "responses": {"200": {"description": "The items.", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}}}
            }},
            "/items/{id}": {"get": {
                "operationId": "get_item",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The item.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Item"}}}}}
            }}
        },
        "components": {"schemas": {
            "Color": {"type": "string", "enum": ["red", "green", "blue"]},
            "Item": {"type": "object", "required": ["id", "name"], "properties": {
                "id": {"type": "string"},
                "name": {"type": "string", "description": "What the item is called."},
                "size": {"type": "integer"}
            }}
        }}
    })
}

fn changed(edit: impl FnOnce(&mut Value)) -> Vec<Finding> {
    let old = released();
    let mut new = old.clone();
    edit(&mut new);
    compare(&old, &new).expect("drift compares the fixtures")
}

fn breaking(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::breaks_clients)
}

fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{} {} {}", f.class_name(), f.pointer, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

type Edit = fn(&mut Value);

/// Every fixture pair: a name, whether it must be breaking, the edit.
fn cases() -> Vec<(&'static str, bool, Edit)> {
    vec![
        ("removing a response field", true, |d| {
            d["components"]["schemas"]["Item"]["properties"]
                .as_object_mut()
                .unwrap()
                .remove("name");
            d["components"]["schemas"]["Item"]["required"] = json!(["id"]);
        }),
        ("adding a required parameter", true, |d| {
            d["paths"]["/items"]["get"]["parameters"]
                .as_array_mut()
                .unwrap()
                .push(json!(
                {"name": "owner", "in": "query", "required": true, "schema": {"type": "string"}}));
        }),
        ("narrowing an enum", true, |d| {
            d["components"]["schemas"]["Color"]["enum"] = json!(["red", "green"]);
        }),
        ("changing a type", true, |d| {
            d["components"]["schemas"]["Item"]["properties"]["size"] = json!({"type": "string"});
        }),
        ("removing an operation", true, |d| {
            d["paths"].as_object_mut().unwrap().remove("/items/{id}");
        }),
        ("adding an optional parameter", false, |d| {
            d["paths"]["/items"]["get"]["parameters"].as_array_mut().unwrap().push(json!(
                {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer"}}));
        }),
        ("adding an operation", false, |d| {
            d["paths"]["/colors"] = json!({"get": {"operationId": "list_colors", "responses": {"200": {
                "description": "Colors.", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Color"}}}}}}}});
        }),
        ("adding an optional response field", false, |d| {
            d["components"]["schemas"]["Item"]["properties"]["weight"] = json!({"type": "number"});
        }),
        ("rewording a description", false, |d| {
            d["paths"]["/items"]["get"]["description"] = json!("Lists every item, newest first.");
            d["components"]["schemas"]["Item"]["properties"]["name"]["description"] =
                json!("The item's name.");
        }),
    ]
}

#[test]
fn every_fixture_pair_is_classified_as_listed() {
    for (name, must_break, edit) in cases() {
        let findings = changed(edit);
        assert_eq!(
            breaking(&findings),
            must_break,
            "{name}: drift (with xtask's refinement) said:\n{}",
            describe(&findings)
        );
        for finding in findings.iter().filter(|f| f.breaks_clients()) {
            assert!(
                finding.pointer.starts_with("#/"),
                "{name}: {}",
                finding.pointer
            );
            assert!(!finding.message.is_empty() && !finding.advice().is_empty());
        }
    }
}

/// Where Optic disagrees with us, and why (the README explains these too).
/// A new disagreement fails the test until it is understood and listed.
const KNOWN_DISAGREEMENTS: &[(&str, &str)] = &[];

/// The same fixture pairs through Optic (`xtask/optic`, installed by
/// `.ci/run` with `npm ci --prefix xtask/optic`). Skipped when Optic is not
/// installed, unless `REQUIRE_OPTIC` is set (CI sets it).
#[test]
fn optic_agrees_on_the_fixture_pairs() {
    let optic = xtask::workspace_root().join("xtask/optic/node_modules/.bin/optic");
    if !optic.exists() {
        assert!(
            std::env::var_os("REQUIRE_OPTIC").is_none(),
            "REQUIRE_OPTIC is set but {} is missing",
            optic.display()
        );
        eprintln!("skipping the Optic cross-check: run `npm ci --prefix xtask/optic` first");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let old = released();
    let old_path = dir.path().join("old.json");
    std::fs::write(&old_path, serde_json::to_vec_pretty(&old).unwrap()).unwrap();
    let mut disagreements = Vec::new();
    for (name, must_break, edit) in cases() {
        let mut new = old.clone();
        edit(&mut new);
        let new_path = dir.path().join("new.json");
        std::fs::write(&new_path, serde_json::to_vec_pretty(&new).unwrap()).unwrap();
        let output = std::process::Command::new(&optic)
            .args(["diff"])
            .arg(&old_path)
            .arg(&new_path)
            .arg("--check")
            .current_dir(dir.path())
            .env("OPTIC_TELEMETRY", "false")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        let optic_breaks = !output.status.success();
        let ours = breaking(&compare(&old, &new).unwrap());
        assert_eq!(ours, must_break, "{name}");
        if optic_breaks != ours {
            disagreements.push((
                name,
                format!(
                    "optic says {}:\n{text}",
                    if optic_breaks {
                        "breaking"
                    } else {
                        "compatible"
                    }
                ),
            ));
        }
    }
    let unexplained: Vec<_> = disagreements
        .iter()
        .filter(|(name, _)| !KNOWN_DISAGREEMENTS.iter().any(|(known, _)| known == name))
        .collect();
    assert!(
        unexplained.is_empty(),
        "unexplained disagreements with Optic: {unexplained:#?}"
    );
}

#[test]
fn the_workspace_document_is_compatible_with_its_release() {
    let mut out = Vec::new();
    let passes = xtask::compat::check(&xtask::workspace_root(), &mut out).unwrap();
    assert!(passes, "{}", String::from_utf8_lossy(&out));
}
