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

/// `schema` as self-contained JSON Schema: every local `$ref` replaced by
/// what it names (recursively), then translated by [`to_json_schema`].
/// Fails on a reference cycle, which a parameter schema cannot use.
pub fn self_contained(raw: &Value, schema: &Value) -> Result<Value, String> {
    fn inline(raw: &Value, node: &Value, depth: usize) -> Result<Value, String> {
        if depth > 32 {
            return Err("the schema refers to itself (a `$ref` cycle)".into());
        }
        match node {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    let target = resolve_ref(raw, reference)
                        .ok_or_else(|| format!("`{reference}` does not resolve"))?;
                    return inline(raw, target, depth + 1);
                }
                map.iter()
                    .map(|(k, v)| {
                        // Examples and defaults are data, not schemas.
                        let v = if matches!(k.as_str(), "example" | "default" | "enum") {
                            v.clone()
                        } else {
                            inline(raw, v, depth + 1)?
                        };
                        Ok((k.clone(), v))
                    })
                    .collect::<Result<Map<_, _>, String>>()
                    .map(Value::Object)
            }
            Value::Array(items) => items
                .iter()
                .map(|v| inline(raw, v, depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Ok(other.clone()),
        }
    }
    Ok(to_json_schema(&inline(raw, schema, 0)?, false))
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
