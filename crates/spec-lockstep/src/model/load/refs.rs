//! Every `$ref` must point at a node inside this document.

use serde_json::Value;

use super::super::Finding;
use crate::spec::{escape_pointer, resolve_ref};

/// Every `$ref` must point at a node inside this document.
pub(super) fn check_refs(raw: &Value, node: &Value, pointer: String, findings: &mut Vec<Finding>) {
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                match reference.as_str() {
                    Some(r) if !r.starts_with("#/") => findings.push(Finding::new(
                        format!("{pointer}/$ref"),
                        format!("`{r}` is not a local reference; the generators only read references of the form `#/components/...`"),
                    )),
                    Some(r) if resolve_ref(raw, r).is_none() => findings.push(Finding::new(
                        format!("{pointer}/$ref"),
                        format!("`{r}` does not resolve to anything in this document"),
                    )),
                    Some(_) => {}
                    None => findings.push(Finding::new(
                        format!("{pointer}/$ref"),
                        "`$ref` must be a string",
                    )),
                }
            }
            for (key, child) in map {
                // Examples are data: a `$ref` key in one is not a reference.
                if matches!(key.as_str(), "example" | "default" | "enum") {
                    continue;
                }
                // Extensions are their tools' business, `$ref`s in them too.
                if key.starts_with("x-") {
                    continue;
                }
                // Property names are names: a property called `$ref` is a
                // schema, not a reference.
                if matches!(key.as_str(), "properties" | "patternProperties") {
                    for (name, property) in child.as_object().into_iter().flatten() {
                        check_refs(
                            raw,
                            property,
                            format!("{pointer}/{}/{}", escape_pointer(key), escape_pointer(name)),
                            findings,
                        );
                    }
                    continue;
                }
                check_refs(
                    raw,
                    child,
                    format!("{pointer}/{}", escape_pointer(key)),
                    findings,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                check_refs(raw, child, format!("{pointer}/{i}"), findings);
            }
        }
        _ => {}
    }
}
