//! The mutation suite: the gate on documents nobody here wrote.
//!
//! Each kind of change the catalogue names is applied to every document
//! where it applies, and the gate must report it, as breaking, under its
//! rule id; rewrites that change nothing a client sees (keys reordered,
//! texts edited, an inline schema moved into `components`, the document
//! printed as JSON) must give no breaking finding. `xtask/tests/
//! compat_mutations.rs` runs it over `../shared/corpus` in CI;
//! `cargo xtask compat --suite` also runs Atlassian's `openapi-diff` on
//! the same pairs and writes the table to `docs/compat.md`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};

use crate::compat::{compare, Finding, Severity};
use crate::spec::Document;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// Every operation: (path, method).
fn operations(raw: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in raw["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if item.get(*method).is_some_and(Value::is_object) {
                out.push((path.clone(), method.to_string()));
            }
        }
    }
    out
}

fn op<'a>(raw: &'a mut Value, (path, method): &(String, String)) -> &'a mut Value {
    &mut raw["paths"][path][method]
}

/// The operation's own parameter list, when it has one.
fn parameters<'a>(raw: &'a mut Value, o: &(String, String)) -> Option<&'a mut Vec<Value>> {
    op(raw, o)
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
}

/// The operation's first success status.
fn success_status(raw: &Value, o: &(String, String)) -> Option<String> {
    read(raw, o, "/responses")
        .as_object()
        .and_then(|r| r.keys().find(|k| k.starts_with('2')).cloned())
}

/// Reads a node without inserting anything (`Value`'s `IndexMut` inserts
/// null for a missing key).
fn read(raw: &Value, (path, method): &(String, String), pointer: &str) -> Value {
    raw["paths"][path][method]
        .pointer(pointer)
        .cloned()
        .unwrap_or(Value::Null)
}

/// The component a `$ref` names, or the node itself.
fn target<'a>(raw: &'a mut Value, node: &Value) -> Option<&'a mut Value> {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#')?.to_string();
            raw.pointer_mut(&pointer)
        }
        None => None,
    }
}

/// A mutation: its name, the rule it must be reported as, and the edit
/// (false: it does not apply to this document).
pub type Mutation = (&'static str, &'static str, fn(&mut Value) -> bool);

/// Every kind of change, with the rule it must be reported as.
pub fn mutations() -> Vec<Mutation> {
    vec![
        ("remove an operation", "operation-removed", |raw| {
            let Some(first) = operations(raw).into_iter().next() else {
                return false;
            };
            raw["paths"][&first.0]
                .as_object_mut()
                .unwrap()
                .remove(&first.1);
            true
        }),
        (
            "make a parameter required",
            "parameter-became-required",
            |raw| {
                for o in operations(raw) {
                    let Some(params) = parameters(raw, &o) else {
                        continue;
                    };
                    if let Some(p) = params.iter_mut().find(|p| {
                        p["in"] == "query" && p["required"] != true && p.get("$ref").is_none()
                    }) {
                        p["required"] = json!(true);
                        return true;
                    }
                }
                false
            },
        ),
        (
            "add a required parameter",
            "required-parameter-added",
            |raw| {
                let Some(first) = operations(raw).into_iter().next() else {
                    return false;
                };
                let o = op(raw, &first);
                if o.get("parameters").is_none() {
                    o["parameters"] = json!([]);
                }
                o["parameters"].as_array_mut().unwrap().push(json!({
                    "name": "mutation_added", "in": "query", "required": true,
                    "schema": {"type": "string"}
                }));
                true
            },
        ),
        (
            "remove a success status",
            "response-success-status-removed",
            |raw| {
                for o in operations(raw) {
                    let Some(responses) = op(raw, &o)
                        .get_mut("responses")
                        .and_then(Value::as_object_mut)
                    else {
                        continue;
                    };
                    let success = responses.keys().find(|k| k.starts_with('2')).cloned();
                    if let (Some(status), true) = (success, responses.len() >= 2) {
                        responses.remove(&status);
                        return true;
                    }
                }
                false
            },
        ),
        ("require authentication", "security-required", |raw| {
            // The document's first scheme, or a new API key where it has none.
            let scheme = match raw
                .pointer("/components/securitySchemes")
                .and_then(Value::as_object)
                .and_then(|s| s.keys().next().cloned())
            {
                Some(scheme) => scheme,
                None => {
                    if !raw["components"].is_object() {
                        raw["components"] = json!({});
                    }
                    raw["components"]["securitySchemes"] = json!({"mutation_key":
                        {"type": "apiKey", "in": "header", "name": "X-Mutation-Key"}});
                    "mutation_key".to_string()
                }
            };
            let root_empty = raw
                .get("security")
                .and_then(Value::as_array)
                .is_none_or(|s| s.is_empty() || s.iter().any(|r| r == &json!({})));
            for o in operations(raw) {
                let own = read(raw, &o, "/security");
                let open = match own.as_array() {
                    Some(alternatives) => {
                        alternatives.is_empty() || alternatives.iter().any(|r| r == &json!({}))
                    }
                    None => root_empty,
                };
                if open {
                    op(raw, &o)["security"] = json!([{ scheme: [] }]);
                    return true;
                }
            }
            false
        }),
        (
            "add a security scheme to every alternative",
            "security-requirement-changed",
            |raw| {
                let schemes: Vec<String> = raw["components"]["securitySchemes"]
                    .as_object()
                    .map(|s| s.keys().cloned().collect())
                    .unwrap_or_default();
                let root = raw.get("security").cloned().unwrap_or(json!([]));
                for o in operations(raw) {
                    let own = read(raw, &o, "/security");
                    let effective = if own.is_array() { own } else { root.clone() };
                    let Some(alternatives) = effective.as_array().filter(|a| !a.is_empty()) else {
                        continue;
                    };
                    let mut changed = Vec::new();
                    for alternative in alternatives {
                        let Some(map) = alternative.as_object().filter(|m| !m.is_empty()) else {
                            break;
                        };
                        let Some(extra) = schemes.iter().find(|s| !map.contains_key(*s)) else {
                            break;
                        };
                        let mut map = map.clone();
                        map.insert(extra.clone(), json!([]));
                        changed.push(Value::Object(map));
                    }
                    if changed.len() == alternatives.len() {
                        op(raw, &o)["security"] = Value::Array(changed);
                        return true;
                    }
                }
                false
            },
        ),
        (
            "remove a request enum value",
            "request-enum-value-removed",
            |raw| {
                for o in operations(raw) {
                    let Some(params) = parameters(raw, &o) else {
                        continue;
                    };
                    for p in params.iter_mut().filter(|p| p.get("$ref").is_none()) {
                        // `pointer_mut`: indexing would write `enum: null`
                        // into every parameter it passes.
                        let values = p.pointer_mut("/schema/enum").and_then(Value::as_array_mut);
                        if let Some(values) = values.filter(|v| v.len() >= 2) {
                            values.pop();
                            return true;
                        }
                    }
                }
                false
            },
        ),
        (
            "add a required request property",
            "request-required-property-added",
            |raw| {
                for o in operations(raw) {
                    let schema = read(raw, &o, "/requestBody/content/application~1json/schema");
                    let object = |s: &Value| s["type"] == "object" && s["properties"].is_object();
                    let node = match target(raw, &schema) {
                        Some(component) if object(component) => component,
                        _ if object(&schema) => {
                            &mut op(raw, &o)["requestBody"]["content"]["application/json"]["schema"]
                        }
                        _ => continue,
                    };
                    node["properties"]["mutation_added"] = json!({"type": "string"});
                    if !node["required"].is_array() {
                        node["required"] = json!([]);
                    }
                    node["required"]
                        .as_array_mut()
                        .unwrap()
                        .push(json!("mutation_added"));
                    return true;
                }
                false
            },
        ),
        (
            "remove a required response property",
            "response-required-property-removed",
            |raw| {
                for o in operations(raw) {
                    let Some(status) = success_status(raw, &o) else {
                        continue;
                    };
                    // The object the client decodes: the schema, or its items,
                    // through one `$ref` each.
                    let mut pointer = format!(
                        "/paths/{}/{}/responses/{status}/content/application~1json/schema",
                        o.0.replace('~', "~0").replace('/', "~1"),
                        o.1
                    );
                    for _ in 0..4 {
                        let node = raw.pointer(&pointer).cloned().unwrap_or(Value::Null);
                        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
                            pointer = reference.trim_start_matches('#').to_string();
                        } else if node["type"] == "array" {
                            pointer.push_str("/items");
                        } else {
                            break;
                        }
                    }
                    let Some(node) = raw.pointer_mut(&pointer) else {
                        continue;
                    };
                    let required: Vec<String> = node["required"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .filter(|name| node["properties"].get(name).is_some())
                        .collect();
                    let Some(name) = required.first() else {
                        continue;
                    };
                    node["properties"].as_object_mut().unwrap().remove(name);
                    node["required"]
                        .as_array_mut()
                        .unwrap()
                        .retain(|v| v != name);
                    return true;
                }
                false
            },
        ),
    ]
}

/// Object keys in reverse order, all the way down.
/// Object keys in reverse order, all the way down.
fn reversed(node: &Value) -> Value {
    match node {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter().rev() {
                out.insert(k.clone(), reversed(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

/// Every `description` and `summary` text edited.
fn reworded(node: &mut Value) {
    match node {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match v {
                    Value::String(text) if k == "description" || k == "summary" => {
                        text.push_str(" (reworded)")
                    }
                    _ => reworded(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(reworded),
        _ => {}
    }
}

/// The first inline object schema of a success response moved into
/// `components/schemas` and `$ref`ed.
fn moved_into_components(raw: &mut Value) -> bool {
    for o in operations(raw) {
        let Some(status) = success_status(raw, &o) else {
            continue;
        };
        let pointer = format!("/responses/{status}/content/application~1json/schema");
        let found = read(raw, &o, &pointer);
        if found["type"] != "object" || found.get("$ref").is_some() {
            continue;
        }
        let Some(schema) = op(raw, &o).pointer_mut(&pointer) else {
            continue;
        };
        let moved = schema.take();
        *schema = json!({"$ref": "#/components/schemas/MutationMoved"});
        if !raw["components"].is_object() {
            raw["components"] = json!({});
        }
        if !raw["components"]["schemas"].is_object() {
            raw["components"]["schemas"] = json!({});
        }
        raw["components"]["schemas"]["MutationMoved"] = moved;
        return true;
    }
    false
}

fn breaking(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.breaks_clients())
        .map(|f| format!("[{}] {} {}", f.rule, f.pointer, f.subject))
        .collect()
}

/// One pair the suite judges: a document and a change of it.
pub struct Case {
    /// The document's file name.
    pub document: String,
    /// The document's file.
    pub path: PathBuf,
    /// Whether the base is the file as written (YAML, for most), not the
    /// tree printed as JSON: the rewrite that prints it as JSON.
    pub base_as_written: bool,
    /// What was changed.
    pub change: &'static str,
    /// The rule the change must be reported as, as breaking; `None` for a
    /// rewrite, which must give no breaking finding.
    pub rule: Option<&'static str>,
    /// The document as it is.
    pub base: Value,
    /// The document changed.
    pub revision: Value,
}

/// The rewrites no client notices, in the order the suite lists them.
pub const REWRITES: [&str; 4] = [
    "keys reordered",
    "descriptions and summaries reworded",
    "an inline schema moved into components",
    "printed as JSON",
];

/// Every case of these documents: each mutation where it applies, then
/// each rewrite where it applies.
pub fn cases(documents: &[PathBuf]) -> Result<Vec<Case>> {
    let mut out = Vec::new();
    for path in documents {
        let document = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        // The document as written (3.1 stays 3.1): what a team's two
        // revisions are, and what the other gate reads.
        let raw = Document::tree(path, &text)?;
        for (change, rule, edit) in mutations() {
            let mut revision = raw.clone();
            if edit(&mut revision) {
                out.push(Case {
                    document: document.clone(),
                    path: path.clone(),
                    base_as_written: false,
                    change,
                    rule: Some(rule),
                    base: raw.clone(),
                    revision,
                });
            }
        }
        let mut rewrites = vec![(REWRITES[0], reversed(&raw))];
        let mut edited = raw.clone();
        reworded(&mut edited);
        rewrites.push((REWRITES[1], edited));
        let mut moved = raw.clone();
        if moved_into_components(&mut moved) {
            rewrites.push((REWRITES[2], moved));
        }
        let json_text = serde_json::to_string_pretty(&raw)?;
        rewrites.push((
            REWRITES[3],
            Document::tree(&path.with_extension("json"), &json_text)?,
        ));
        for (change, revision) in rewrites {
            out.push(Case {
                document: document.clone(),
                path: path.clone(),
                base_as_written: change == REWRITES[3],
                change,
                rule: None,
                base: raw.clone(),
                revision,
            });
        }
    }
    Ok(out)
}

/// What the gate makes of a case: `None` when it is right, else what it
/// said instead.
pub fn judge(case: &Case) -> Result<Option<String>> {
    let findings = compare(&case.base, &case.revision)?;
    Ok(match case.rule {
        Some(rule) => {
            let found = findings
                .iter()
                .any(|f| f.rule == rule && f.severity == Severity::Breaking);
            (!found).then(|| {
                format!(
                    "no breaking `{rule}`; the gate said: {:?}",
                    findings
                        .iter()
                        .map(|f| format!("{:?} [{}] {}", f.severity, f.rule, f.subject))
                        .collect::<Vec<_>>()
                )
            })
        }
        None => {
            let wrong = breaking(&findings);
            (!wrong.is_empty()).then(|| format!("no change, yet: {wrong:?}"))
        }
    })
}

/// The corpus documents the suite runs on, sorted; `None` when
/// `../shared/corpus` is absent.
pub fn corpus_documents(root: &Path) -> Result<Option<Vec<PathBuf>>> {
    let Some(dir) = crate::corpus::corpus_dir(root) else {
        return Ok(None);
    };
    let mut documents = crate::corpus::documents(&dir)?;
    documents.sort();
    Ok(Some(documents))
}
