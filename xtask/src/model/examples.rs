//! Every `example` and `examples` of the document, validated against the
//! schema it illustrates. Examples can stand almost anywhere in a
//! document, so this walks the raw JSON tree (part of the loader).

use serde_json::{json, Value};

use super::json_schema::{resolve as deref, to_json_schema};
use super::Finding;
use crate::spec::escape_pointer;

/// Adds a finding for every example or default that does not match its
/// schema: a warning for an example (the generated code does not depend
/// on it, so a wrong one makes the document sloppy, not the code wrong),
/// an error for a default (typify cannot write a default its type does not
/// admit: it stops, or panics).
pub fn check(raw: &Value, findings: &mut Vec<Finding>) {
    let validator = ExampleValidator::new(raw);
    walk(raw, &validator, String::new(), findings);
}

fn walk(raw: &Value, v: &ExampleValidator, pointer: String, findings: &mut Vec<Finding>) {
    match raw.pointer(&pointer) {
        Some(Value::Object(map)) => {
            let is_schema = is_schema_pointer(&pointer);
            let is_property_map = pointer.ends_with("/properties");
            if let Some(schema) = map.get("schema").filter(|_| !is_schema && !is_property_map) {
                // A parameter, header or media type: its examples illustrate `schema`.
                if let Some(example) = map.get("example") {
                    v.check(schema, example, &format!("{pointer}/example"), findings);
                }
                for (name, example) in map
                    .get("examples")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let example_pointer = format!("{pointer}/examples/{}", escape_pointer(name));
                    match deref(raw, example).get("value") {
                        Some(value) => {
                            v.check(schema, value, &format!("{example_pointer}/value"), findings)
                        }
                        None => findings
                            .push(Finding::warning(example_pointer, "example has no `value`")),
                    }
                }
            }
            if is_schema {
                let own = Value::Object(map.clone());
                for keyword in ["example", "default"] {
                    if let Some(example) = map.get(keyword) {
                        v.check(&own, example, &format!("{pointer}/{keyword}"), findings);
                    }
                }
            }
            for key in map.keys() {
                // Examples are data, not document structure: don't descend into them.
                if matches!(key.as_str(), "example" | "examples" | "default" | "enum")
                    && !is_property_map
                {
                    continue;
                }
                walk(
                    raw,
                    v,
                    format!("{pointer}/{}", escape_pointer(key)),
                    findings,
                );
            }
        }
        Some(Value::Array(items)) => {
            for i in 0..items.len() {
                walk(raw, v, format!("{pointer}/{i}"), findings);
            }
        }
        _ => {}
    }
}

/// A value that does not fit its schema at `pointer`: an error for a
/// `default`, a warning for an example.
fn mismatch(pointer: &str, message: String) -> Finding {
    if pointer.ends_with("/default") {
        Finding::new(pointer, message)
    } else {
        Finding::warning(pointer, message)
    }
}

/// Whether the node at `pointer` is a schema object, judged by the key that
/// leads to it.
fn is_schema_pointer(pointer: &str) -> bool {
    let segments: Vec<&str> = pointer.split('/').collect();
    let n = segments.len();
    let last = segments[n - 1];
    let parent = if n >= 2 { segments[n - 2] } else { "" };
    let grandparent = if n >= 3 { segments[n - 3] } else { "" };
    matches!(last, "schema" | "items" | "not" | "additionalProperties")
        || (parent == "schemas" && grandparent == "components")
        || parent == "properties"
        || matches!(parent, "allOf" | "oneOf" | "anyOf")
}

/// Validates examples with a JSON Schema validator, on a JSON Schema
/// translation of the document's OpenAPI 3.0 schemas.
struct ExampleValidator {
    components: Value,
}

impl ExampleValidator {
    fn new(raw: &Value) -> Self {
        let schemas = raw
            .pointer("/components/schemas")
            .cloned()
            .unwrap_or_else(|| json!({}));
        Self {
            components: json!({ "schemas": to_json_schema(&schemas, true) }),
        }
    }

    fn check(&self, schema: &Value, example: &Value, pointer: &str, findings: &mut Vec<Finding>) {
        // The schema is validated inside a root that also holds the
        // components, so `#/components/schemas/X` references resolve.
        let root = json!({
            "allOf": [to_json_schema(schema, false)],
            "components": self.components,
        });
        let validator = match jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
        {
            Ok(validator) => validator,
            Err(e) => {
                findings.push(mismatch(
                    pointer,
                    format!("the schema of this example is not valid: {e}"),
                ));
                return;
            }
        };
        for error in validator.iter_errors(example) {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() {
                String::new()
            } else {
                format!(" at {at}")
            };
            let what = if pointer.ends_with("/default") {
                "default"
            } else {
                "example"
            };
            findings.push(mismatch(
                pointer,
                format!("{what} does not match its schema{at}: {error}"),
            ));
        }
    }
}
