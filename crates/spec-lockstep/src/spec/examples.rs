//! Every `example` and `examples` of the document, validated against the
//! schema it illustrates. Examples can stand almost anywhere in a
//! document, so this walks the raw JSON tree (part of the loader).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

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
    walk(raw, raw, &validator, String::new(), findings);
}

/// Makes every `default` of a schema match its schema, with a warning for
/// each one changed: a default whose text reads as a value of the schema's
/// type (`"true"` for a boolean, `"10"` for an integer, `"a,b"` for an
/// array of strings) becomes that value; any other is dropped. A default
/// the generators see must be valid: typify writes it as Rust (a `"false"`
/// for a `bool` would not compile) and the server applies it to requests.
pub fn fix_defaults(raw: &mut Value, findings: &mut Vec<Finding>) {
    let mut pointers = Vec::new();
    schemas_with_default(raw, String::new(), &mut pointers);
    if pointers.is_empty() {
        return;
    }
    let validator = ExampleValidator::new(raw);
    for pointer in pointers {
        let Some(schema) = raw.pointer(&pointer).cloned() else {
            continue;
        };
        let Some(default) = schema.get("default") else {
            continue;
        };
        let errors = |value: &Value| {
            let mut errors = validator.errors(&schema, value);
            errors.extend(beyond_format(&schema, value));
            errors
        };
        let Some(first) = errors(default).into_iter().next() else {
            continue;
        };
        let coerced = coerce(raw, &schema, default).filter(|value| errors(value).is_empty());
        let Some(map) = raw.pointer_mut(&pointer).and_then(Value::as_object_mut) else {
            continue;
        };
        let at = format!("{pointer}/default");
        match coerced {
            Some(value) => {
                findings.push(Finding::warning(
                    at,
                    format!(
                        "default {default} does not match its schema ({first}); its text reads \
                         as {value}, which the generated code uses"
                    ),
                ));
                map.insert("default".into(), value);
            }
            None => {
                findings.push(Finding::warning(
                    at,
                    format!(
                        "default {default} does not match its schema ({first}): ignored, the \
                         generated code has no default here"
                    ),
                ));
                map.remove("default");
            }
        }
    }
}

/// What JSON Schema does not check but typify does: an integer default
/// beyond the Rust type its `format` names (`int32`: `i32`) makes typify
/// refuse the schema.
fn beyond_format(schema: &Value, value: &Value) -> Option<String> {
    let format = schema.get("format").and_then(Value::as_str)?;
    let (min, max): (f64, f64) = match format {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "uint8" => (0.0, u8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "uint16" => (0.0, u16::MAX.into()),
        "int32" | "int" => (i32::MIN.into(), i32::MAX.into()),
        "uint32" | "uint" => (0.0, u32::MAX.into()),
        "uint64" => (0.0, u64::MAX as f64),
        _ => return None,
    };
    let number = value.as_f64()?;
    (number < min || number > max).then(|| format!("{value} is beyond `format: {format}`"))
}

/// The value a mismatched default's text reads as, for the schema's type:
/// a string holding a boolean or a number, a comma-separated list for an
/// array, a number or boolean for a string. `None`: no reading.
fn coerce(raw: &Value, schema: &Value, value: &Value) -> Option<Value> {
    let schema = deref(raw, schema);
    let ty = schema.get("type").and_then(Value::as_str)?;
    match (ty, value) {
        ("boolean", Value::String(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        ("integer", Value::String(text)) => text.trim().parse::<i64>().ok().map(Value::from),
        ("integer", Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| Value::from(f as i64)),
        ("number", Value::String(text)) => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        ("string", Value::Number(_) | Value::Bool(_)) => Some(Value::String(value.to_string())),
        // An enum value written in another case (`miles` for `Miles`).
        ("string", Value::String(text)) => schema
            .get("enum")
            .and_then(Value::as_array)?
            .iter()
            .find(|v| {
                v.as_str()
                    .is_some_and(|v| v.eq_ignore_ascii_case(text.trim()))
            })
            .cloned(),
        ("array", Value::String(text)) => {
            let items = schema
                .get("items")
                .map(|i| deref(raw, i))
                .unwrap_or(&Value::Null);
            text.split(',')
                .map(|part| {
                    let part = Value::String(part.trim().to_string());
                    match items.get("type").and_then(Value::as_str) {
                        Some("string") | None => Some(part),
                        Some(_) => coerce(raw, items, &part),
                    }
                })
                .collect::<Option<Vec<_>>>()
                .map(Value::Array)
        }
        _ => None,
    }
}

/// The pointers of every schema with a `default`, found as [`walk`] finds
/// schemas.
fn schemas_with_default(node: &Value, pointer: String, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            let is_property_map = pointer.ends_with("/properties");
            if is_schema_pointer(&pointer) && map.contains_key("default") {
                out.push(pointer.clone());
            }
            for (key, value) in map {
                if matches!(key.as_str(), "example" | "examples" | "default" | "enum")
                    && !is_property_map
                {
                    continue;
                }
                schemas_with_default(value, format!("{pointer}/{}", escape_pointer(key)), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                schemas_with_default(item, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn walk(
    raw: &Value,
    node: &Value,
    v: &ExampleValidator,
    pointer: String,
    findings: &mut Vec<Finding>,
) {
    match node {
        Value::Object(map) => {
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
            if is_schema && (map.contains_key("example") || map.contains_key("default")) {
                let own = Value::Object(map.clone());
                for keyword in ["example", "default"] {
                    if let Some(example) = map.get(keyword) {
                        v.check(&own, example, &format!("{pointer}/{keyword}"), findings);
                    }
                }
            }
            for (key, value) in map {
                // Examples are data, not document structure: don't descend into them.
                if matches!(key.as_str(), "example" | "examples" | "default" | "enum")
                    && !is_property_map
                {
                    continue;
                }
                walk(
                    raw,
                    value,
                    v,
                    format!("{pointer}/{}", escape_pointer(key)),
                    findings,
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(raw, item, v, format!("{pointer}/{i}"), findings);
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

/// Calls `found` with every `$ref` in `node` (not inside examples or
/// defaults, which are data).
fn refs_in<'v>(node: &'v Value, found: &mut impl FnMut(&'v str)) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found(reference);
            }
            for (key, value) in map {
                if !matches!(
                    key.as_str(),
                    "example" | "examples" | "default" | "enum" | "const"
                ) {
                    refs_in(value, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs_in(item, found)),
        _ => {}
    }
}

/// Validates examples with a JSON Schema validator, on a JSON Schema
/// translation of the document's OpenAPI 3.0 schemas.
struct ExampleValidator {
    components: Value,
    /// The validator of each `$ref` met, built once: a large document
    /// illustrates one component in hundreds of places.
    by_reference: RefCell<HashMap<String, Rc<Result<jsonschema::Validator, String>>>>,
}

impl ExampleValidator {
    fn new(raw: &Value) -> Self {
        let schemas = raw
            .pointer("/components/schemas")
            .cloned()
            .unwrap_or_else(|| json!({}));
        Self {
            components: json!({ "schemas": to_json_schema(&schemas, true) }),
            by_reference: RefCell::default(),
        }
    }

    /// The root a validator of `schema` is built from: the schema, and
    /// the components it refers to (transitively), so that
    /// `#/components/schemas/X` resolves. Only those: a document with a
    /// thousand schemas and a thousand examples would otherwise compile
    /// every schema for every example.
    fn root(&self, schema: &Value) -> Value {
        let schema = to_json_schema(schema, false);
        let all = self.components.get("schemas").and_then(Value::as_object);
        let mut reached = serde_json::Map::new();
        let mut pending = vec![&schema];
        let mut entries = Vec::new();
        while let Some(node) = pending.pop() {
            refs_in(node, &mut |reference| {
                let Some(name) = reference.strip_prefix("#/components/schemas/") else {
                    return;
                };
                let name = crate::spec::unescape_pointer(name);
                if reached.contains_key(&name) {
                    return;
                }
                if let Some(entry) = all.and_then(|all| all.get(&name)) {
                    reached.insert(name, entry.clone());
                    entries.push(entry);
                }
            });
            if pending.is_empty() {
                pending = std::mem::take(&mut entries);
            }
        }
        json!({
            "allOf": [schema],
            "components": { "schemas": reached },
        })
    }

    /// The validator of `schema`, or why its schema is not valid.
    fn validator(&self, schema: &Value) -> Rc<Result<jsonschema::Validator, String>> {
        let build = || {
            Rc::new(
                jsonschema::draft202012::options()
                    .should_validate_formats(true)
                    .build(&self.root(schema))
                    .map_err(|e| e.to_string()),
            )
        };
        let reference = match schema.as_object() {
            Some(map) if map.len() == 1 => map.get("$ref").and_then(Value::as_str),
            _ => None,
        };
        let Some(reference) = reference else {
            return build();
        };
        if let Some(built) = self.by_reference.borrow().get(reference) {
            return built.clone();
        }
        let built = build();
        self.by_reference
            .borrow_mut()
            .insert(reference.to_string(), built.clone());
        built
    }

    /// What is wrong with `value` for `schema` (empty: it matches).
    fn errors(&self, schema: &Value, value: &Value) -> Vec<String> {
        match &*self.validator(schema) {
            Ok(validator) => validator
                .iter_errors(value)
                .map(|error| {
                    let at = error.instance_path().to_string();
                    if at.is_empty() {
                        error.to_string()
                    } else {
                        format!("at {at}: {error}")
                    }
                })
                .collect(),
            Err(e) => vec![format!("its schema is not valid: {e}")],
        }
    }

    fn check(&self, schema: &Value, example: &Value, pointer: &str, findings: &mut Vec<Finding>) {
        // The schema is validated inside a root that also holds the
        // components, so `#/components/schemas/X` references resolve.
        let built = self.validator(schema);
        let validator = match &*built {
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
