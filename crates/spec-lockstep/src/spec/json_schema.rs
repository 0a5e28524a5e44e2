//! OpenAPI 3.0 schemas as JSON Schema 2020-12, for validators (the lint's
//! example check and the server's parameter validation).

use serde_json::{json, Map, Value};

use crate::spec::resolve_ref;

/// Translates OpenAPI 3.0 schema keywords into JSON Schema 2020-12:
/// `nullable: true` admits `null`, and boolean `exclusiveMinimum`/
/// `exclusiveMaximum` become numeric. `map_of_schemas` says `value` is a map
/// from names to schemas (`components/schemas`) rather than one schema.
pub fn to_json_schema(value: &Value, map_of_schemas: bool) -> Value {
    if map_of_schemas {
        return match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), to_json_schema(v, false)))
                    .collect(),
            ),
            other => other.clone(),
        };
    }
    let Value::Object(map) = value else {
        return value.clone();
    };
    let mut out = Map::new();
    for (key, child) in map {
        let converted = match key.as_str() {
            "properties" | "patternProperties" => to_json_schema(child, true),
            "items" | "not" | "additionalProperties" => to_json_schema(child, false),
            "allOf" | "oneOf" | "anyOf" => match child {
                Value::Array(items) => {
                    Value::Array(items.iter().map(|s| to_json_schema(s, false)).collect())
                }
                other => other.clone(),
            },
            "nullable" | "example" | "discriminator" | "xml" | "externalDocs" => continue,
            _ => child.clone(),
        };
        out.insert(key.clone(), converted);
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Bool(exclusive)) = out.get(flag).cloned() {
            out.remove(flag);
            if exclusive {
                if let Some(limit) = out.remove(bound) {
                    out.insert(flag.to_string(), limit);
                }
            }
        }
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(Value::Array(values)) = out.get_mut("enum") {
            if !values.contains(&Value::Null) {
                values.push(Value::Null);
            }
        }
        match out.get("type").cloned() {
            Some(Value::String(t)) => {
                out.insert("type".into(), json!([t, "null"]));
            }
            Some(_) => {}
            None => {
                return json!({ "anyOf": [{ "type": "null" }, Value::Object(out)] });
            }
        }
    }
    Value::Object(out)
}

/// How many schema nodes [`self_contained`] copies in place of `$ref`s
/// before it refers to the rest: ample for hand-written documents, whose
/// schemas stay as readable as before; bounded for the directory's
/// multi-megabyte ones, whose nested `$ref`s would otherwise be copied
/// exponentially often.
const INLINE_BUDGET: usize = 4_000;

/// `schema` as self-contained JSON Schema: every local `$ref` replaced by
/// what it names (recursively), then translated by [`to_json_schema`]. A
/// `$ref` met again inside itself (a recursive schema: a tree, a linked
/// list) or past a budget of nodes (`INLINE_BUDGET`) is kept, as a reference into the
/// schema's own `$defs`, which holds what it names (and, likewise, what
/// that refers to): the schema still stands alone, and validates the same.
pub fn self_contained(raw: &Value, schema: &Value) -> Result<Value, String> {
    struct Inliner<'a> {
        raw: &'a Value,
        budget: usize,
        stack: Vec<String>,
        /// `$ref` → its name in `$defs`, for the references kept.
        kept: Map<String, Value>,
        order: Vec<String>,
    }
    impl Inliner<'_> {
        /// The `$defs` entry for `reference`: its last segment, made unique.
        fn keep(&mut self, reference: &str) -> Value {
            let name = match self.kept.get(reference) {
                Some(Value::String(name)) => name.clone(),
                _ => {
                    let last = reference.rsplit('/').next().unwrap_or("schema");
                    let last = last.replace("~1", "_").replace("~0", "_");
                    let taken: Vec<&str> = self.kept.values().filter_map(Value::as_str).collect();
                    let name = std::iter::once(last.clone())
                        .chain((2..).map(|n| format!("{last}_{n}")))
                        .find(|n| !taken.contains(&n.as_str()))
                        .unwrap_or(last);
                    self.kept
                        .insert(reference.to_string(), Value::String(name.clone()));
                    self.order.push(reference.to_string());
                    name
                }
            };
            json!({ "$ref": format!("#/$defs/{}", crate::spec::escape_pointer(&name)) })
        }

        /// `node` with its `$ref`s replaced (`inline`) or kept.
        fn copy(&mut self, node: &Value, inline: bool) -> Result<Value, String> {
            self.budget = self.budget.saturating_sub(1);
            match node {
                Value::Object(map) => {
                    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                        let target = resolve_ref(self.raw, reference)
                            .ok_or_else(|| format!("`{reference}` does not resolve"))?;
                        if !inline || self.budget == 0 || self.stack.iter().any(|r| r == reference)
                        {
                            return Ok(self.keep(reference));
                        }
                        self.stack.push(reference.to_string());
                        let copied = self.copy(target, inline);
                        self.stack.pop();
                        return copied;
                    }
                    map.iter()
                        .map(|(k, v)| {
                            // Examples and defaults are data, not schemas.
                            let v = if matches!(k.as_str(), "example" | "default" | "enum") {
                                v.clone()
                            } else {
                                self.copy(v, inline)?
                            };
                            Ok((k.clone(), v))
                        })
                        .collect::<Result<Map<_, _>, String>>()
                        .map(Value::Object)
                }
                Value::Array(items) => items
                    .iter()
                    .map(|v| self.copy(v, inline))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array),
                other => Ok(other.clone()),
            }
        }
    }
    let mut inliner = Inliner {
        raw,
        budget: INLINE_BUDGET,
        stack: Vec::new(),
        kept: Map::new(),
        order: Vec::new(),
    };
    let root = inliner.copy(schema, true)?;
    let mut root = to_json_schema(&root, false);
    // What the kept references name, each once, its own references kept.
    let mut defs = Map::new();
    let mut done = 0;
    while done < inliner.order.len() {
        let reference = inliner.order[done].clone();
        done += 1;
        let target = resolve_ref(raw, &reference)
            .ok_or_else(|| format!("`{reference}` does not resolve"))?;
        let copied = inliner.copy(target, false)?;
        if let Some(Value::String(name)) = inliner.kept.get(&reference) {
            defs.insert(name.clone(), to_json_schema(&copied, false));
        }
    }
    if !defs.is_empty() {
        root = match root {
            Value::Object(mut map) if !map.contains_key("$defs") => {
                map.insert("$defs".into(), Value::Object(defs));
                Value::Object(map)
            }
            other => json!({ "allOf": [other], "$defs": defs }),
        };
    }
    Ok(root)
}

/// `additionalProperties: false` removed everywhere in `node`, for the
/// types (typify writes `deny_unknown_fields` for it): the generated client
/// then still reads a server that sends a property the document no longer
/// has (a regenerated client against a server not yet upgraded). The
/// server stays strict: it validates requests against the schemas as
/// written ([`self_contained`]), not through the types.
pub fn without_closed_objects(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                map.remove("additionalProperties");
            }
            map.values_mut().for_each(without_closed_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(without_closed_objects),
        _ => {}
    }
}

/// Follows `$ref`s to the node they name (a schema, response, example, …).
pub fn resolve<'a>(raw: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve_ref(raw, r))
        {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}
