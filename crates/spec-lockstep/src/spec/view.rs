//! The document as every task reads it: one OpenAPI 3.0 view of what was
//! written, made once, when the document is parsed
//! ([`crate::spec::Document::parse`]).
//!
//! `openapiv3`, typify and progenitor read OpenAPI 3.0 only, and stop (or
//! panic) on constructs real documents are full of. Rather than teach each
//! of them, the raw JSON tree is rewritten into what they read, and every
//! rewrite that changes what the document says is a warning naming the node
//! (its JSON pointer in the document as written: the rewrites keep the
//! tree's shape, except a 3.1 `$ref` with constraining siblings, which
//! moves under `allOf/0`).
//!
//! OpenAPI 3.1 (JSON Schema 2020-12) becomes 3.0 (the schema keywords
//! below are read so in 3.0 documents too, which use them by mistake):
//! - `type: [T, 'null']` → `type: T` with `nullable: true`; several
//!   non-null types → `anyOf` of one schema per type (each with the
//!   keywords that apply to it);
//! - `const: v` → `enum: [v]`;
//! - numeric `exclusiveMinimum: n` → `minimum: n` + `exclusiveMinimum:
//!   true` (and the same for the maximum);
//! - `$ref` with siblings (allowed in 3.1) → `allOf: [{$ref}]` beside
//!   them where they constrain the value, else the `$ref` alone (warned);
//! - boolean schemas → `{}` (`true`) and `{not: {}}` (`false`);
//! - `webhooks` → skipped (warned); a path item `$ref` to
//!   `components/pathItems` → that path item, inline;
//!   `jsonSchemaDialect`, `$schema`, `$id`, `$comment`, `contentMediaType`,
//!   `contentEncoding` and the like → dropped (annotations); keywords 3.0
//!   has no counterpart for (`if`, `prefixItems`, …) → dropped (warned);
//! - `paths` may be absent; `openapi` reads `3.0.3`; `type: 'null'` is
//!   `nullable: true` with `enum: [null]`.
//!
//! Both versions:
//! - a schema's `examples` array → `example` (its first value; anything
//!   but an array is dropped, warned); a `type` that is not JSON's →
//!   `file` (Swagger 2) a binary string, anything else any value (warned);
//!   Swagger 2's `required: true` on a property → the property listed in
//!   the object's `required` (warned);
//! - an operation without `responses` (optional in 3.1) → one `default`
//!   response without a body (warned);
//! - `$ref` with siblings in 3.0 → the `$ref` alone (OpenAPI 3.0 ignores
//!   the siblings; warned, as the author may not know);
//! - `type: array` without `items` → an array of any value (warned);
//! - a `format` the generators do not know → kept (typify generates the
//!   base type; warned once per format name); a `format` on a schema that
//!   is not a string, integer or number → dropped (typify cannot read it;
//!   warned once per format name);
//! - a `default` that does not match its schema → the value its text reads
//!   as, where that matches (`"true"` for a boolean: `true`), else dropped
//!   (warned either way): typify would write a default that does not
//!   compile, and the server would apply a value its own schema refuses.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::Finding;
use crate::spec::escape_pointer;

/// The `openapi` version the 3.0 view of a 3.1 document declares.
pub const VIEW_VERSION: &str = "3.0.3";

/// The formats the generators know. typify maps some to Rust types
/// (`uuid`, `date-time`, `int64`, …); the rest are well-known annotations
/// of OpenAPI and JSON Schema that need no special code.
const KNOWN_FORMATS: &[&str] = &[
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int",
    "uint",
    "float",
    "double",
    "byte",
    "binary",
    "base64",
    "password",
    "date",
    "date-time",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ip",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "url",
    "uuid",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// JSON Schema keywords that only annotate (3.1), dropped without a word.
const ANNOTATIONS_31: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$dynamicAnchor",
    "$comment",
    "$vocabulary",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
];

/// JSON Schema keywords that constrain a value but that OpenAPI 3.0 (and
/// so the generators) cannot express: dropped, with a warning.
const UNSUPPORTED_31: &[&str] = &[
    "$defs",
    "$dynamicRef",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "prefixItems",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
];

/// Siblings of a `$ref` that only annotate: a `$ref` with nothing else
/// beside it keeps only the `$ref`.
const REF_ANNOTATIONS: &[&str] = &[
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "xml",
    "$comment",
];

/// Which keywords apply to which JSON type, for splitting a 3.1 type array
/// into `anyOf` branches.
const TYPE_KEYWORDS: &[(&str, &[&str])] = &[
    ("string", &["minLength", "maxLength", "pattern", "format"]),
    (
        "number",
        &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "format",
        ],
    ),
    (
        "integer",
        &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "format",
        ],
    ),
    ("array", &["items", "minItems", "maxItems", "uniqueItems"]),
    (
        "object",
        &[
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
        ],
    ),
];

/// The OpenAPI version a document declares, as the view reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `3.0.x`
    V30,
    /// `3.1.x`
    V31,
}

impl Version {
    /// The version of `openapi: <text>`, or why it is not read.
    pub fn of(text: &str) -> Result<Self, String> {
        if text.starts_with("3.0.") || text == "3.0" {
            Ok(Version::V30)
        } else if text.starts_with("3.1.") || text == "3.1" {
            Ok(Version::V31)
        } else {
            Err(format!(
                "`openapi: {text}` is not supported: the generators read OpenAPI 3.0.x and 3.1.x"
            ))
        }
    }
}

/// The 3.0 view of a raw document, with a warning for every rewrite that
/// changes what it says. Fails only on a version it cannot read.
pub fn normalize(mut raw: Value) -> Result<(Value, Vec<Finding>), String> {
    let version = raw
        .get("openapi")
        .and_then(Value::as_str)
        .ok_or_else(|| "the document has no `openapi` version".to_string())
        .and_then(Version::of)?;
    let mut view = View {
        version,
        findings: Vec::new(),
        formats: BTreeMap::new(),
    };
    let mut hoisted = Vec::new();
    hoist::hoist(&mut raw, &mut hoisted);
    hoist::path_parameters(&mut raw, &mut hoisted);
    hoist::distinct_type_names(&mut raw, &mut hoisted);
    hoist::distinct_derived_names(&mut raw, &mut hoisted);
    hoist::bodiless_statuses(&mut raw, &mut hoisted);
    hoist::distinct_response_types(&mut raw, &mut hoisted);
    hoist::distinct_titles(&mut raw, &mut hoisted);
    view.findings.extend(hoisted);
    view.document(&mut raw);
    hoist::parameters_not_null(&mut raw, &mut view.findings);
    let View {
        mut findings,
        formats,
        ..
    } = view;
    for (format, uses) in formats {
        findings.push(uses.finding(&format));
    }
    super::examples::fix_defaults(&mut raw, &mut findings);
    Ok((raw, findings))
}

/// Where a format name was met, and what the view did with it.
#[derive(Default)]
struct FormatUses {
    /// The first node that uses it.
    first: String,
    /// How many nodes use it.
    count: usize,
    /// The first node where it was dropped (not on a string, integer or
    /// number), if any.
    dropped: Option<(String, String)>,
    /// How many nodes it was dropped from.
    dropped_count: usize,
}

impl FormatUses {
    fn finding(&self, format: &str) -> Finding {
        let others = |n: usize| match n {
            0 | 1 => String::new(),
            n => format!(" (and {} more node(s))", n - 1),
        };
        match &self.dropped {
            Some((pointer, ty)) => Finding::warning(
                format!("{pointer}/format"),
                format!(
                    "`format: {format}` on a schema {ty}{}: formats apply to strings and numbers \
                     only; the generators ignore it",
                    others(self.dropped_count)
                ),
            ),
            None => Finding::warning(
                format!("{}/format", self.first),
                format!(
                    "`format: {format}`{} is not a format the generators know; the value is \
                     generated as its base type",
                    others(self.count)
                ),
            ),
        }
    }
}

struct View {
    version: Version,
    findings: Vec<Finding>,
    /// Every unknown or dropped format, by name: one warning each.
    formats: BTreeMap<String, FormatUses>,
}

/// Text cut to a length a message can quote.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The node at `pointer` in the document's top-level map.
fn doc_pointer<'m>(map: &'m Map<String, Value>, pointer: &str) -> Option<&'m Value> {
    let rest = pointer.strip_prefix('/')?;
    let (first, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let first = crate::spec::unescape_pointer(first);
    let node = map.get(&first)?;
    if rest.is_empty() {
        Some(node)
    } else {
        node.pointer(&format!("/{rest}"))
    }
}

fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape_pointer(key))
}

impl View {
    fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.findings.push(Finding::warning(pointer, message));
    }

    fn document(&mut self, doc: &mut Value) {
        let Some(map) = doc.as_object_mut() else {
            return;
        };
        if self.version == Version::V31 {
            map.insert("openapi".into(), json!(VIEW_VERSION));
            map.remove("jsonSchemaDialect");
            if let Some(webhooks) = map.remove("webhooks") {
                let names: Vec<String> = webhooks
                    .as_object()
                    .map(|w| w.keys().cloned().collect())
                    .unwrap_or_default();
                self.warn(
                    "/webhooks",
                    format!(
                        "webhooks are not supported: the generated code has nothing for {} \
                         ({})",
                        if names.len() == 1 {
                            "this webhook".to_string()
                        } else {
                            format!("these {} webhooks", names.len())
                        },
                        names.join(", ")
                    ),
                );
            }
            map.entry("paths").or_insert_with(|| json!({}));
            // 3.0 has no `components/pathItems`: the paths that refer to
            // one get it inline; the rest are not operations of the API.
            if let Some(items) = map
                .get_mut("components")
                .and_then(Value::as_object_mut)
                .and_then(|c| c.remove("pathItems"))
            {
                if let Some(paths) = map.get_mut("paths").and_then(Value::as_object_mut) {
                    for item in paths.values_mut() {
                        let target = item
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| r.strip_prefix("#/components/pathItems/"))
                            .and_then(|name| items.get(name));
                        if let Some(target) = target {
                            *item = target.clone();
                        }
                    }
                }
            }
        }
        // A path item given by a local `$ref` (3.0 allows any): the item it
        // names, inline.
        let named: Vec<(String, String, Option<Value>)> = map
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(path, item)| {
                let reference = item.get("$ref")?.as_str()?;
                let target = reference
                    .strip_prefix('#')
                    .and_then(|pointer| doc_pointer(map, pointer))
                    .filter(|target| target.get("$ref").is_none())
                    .cloned();
                Some((path.clone(), reference.to_string(), target))
            })
            .collect();
        if let Some(paths) = map.get_mut("paths").and_then(Value::as_object_mut) {
            for (path, reference, target) in named {
                if let (Some(target), Some(item)) = (target, paths.get_mut(&path)) {
                    self.warn(
                        child(&child("/paths", &path), "$ref"),
                        format!("the path item `{reference}` is read inline"),
                    );
                    *item = target;
                }
            }
            for (path, item) in paths.iter_mut() {
                self.path_item(item, &child("/paths", path));
            }
        }
        let Some(components) = map.get_mut("components").and_then(Value::as_object_mut) else {
            return;
        };
        for (kind, entries) in components.iter_mut() {
            let base = child("/components", kind);
            let Some(entries) = entries.as_object_mut() else {
                continue;
            };
            for (name, entry) in entries.iter_mut() {
                let pointer = child(&base, name);
                match kind.as_str() {
                    "schemas" => self.schema(entry, &pointer),
                    "parameters" | "headers" => self.parameter(entry, &pointer),
                    "requestBodies" => self.with_content(entry, &pointer),
                    "responses" => self.response(entry, &pointer),
                    _ => {}
                }
            }
        }
    }

    fn path_item(&mut self, item: &mut Value, pointer: &str) {
        let Some(item) = item.as_object_mut() else {
            return;
        };
        for (key, value) in item.iter_mut() {
            let at = child(pointer, key);
            match key.as_str() {
                "parameters" => self.parameters(value, &at),
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace" => {
                    self.operation(value, &at)
                }
                _ => {}
            }
        }
    }

    fn parameters(&mut self, list: &mut Value, pointer: &str) {
        for (i, parameter) in list.as_array_mut().into_iter().flatten().enumerate() {
            self.parameter(parameter, &format!("{pointer}/{i}"));
        }
    }

    fn operation(&mut self, operation: &mut Value, pointer: &str) {
        let Some(operation) = operation.as_object_mut() else {
            return;
        };
        if !operation.contains_key("responses") {
            // Optional in 3.1, required in 3.0 (and by openapiv3).
            self.warn(
                pointer,
                "the operation declares no `responses`: generated with one `default` response \
                 without a body (the backend chooses its status)",
            );
            operation.insert(
                "responses".into(),
                json!({"default": {"description": "No response declared."}}),
            );
        }
        if let Some(callbacks) = operation.remove("callbacks") {
            let names: Vec<String> = callbacks
                .as_object()
                .map(|c| c.keys().map(|k| format!("`{k}`")).collect())
                .unwrap_or_default();
            self.warn(
                child(pointer, "callbacks"),
                format!(
                    "callbacks are not supported: the generated code has nothing for {}",
                    names.join(", ")
                ),
            );
        }
        for (key, value) in operation.iter_mut() {
            let at = child(pointer, key);
            match key.as_str() {
                "parameters" => self.parameters(value, &at),
                "requestBody" => self.with_content(value, &at),
                "responses" => {
                    for (status, response) in value.as_object_mut().into_iter().flatten() {
                        self.response(response, &child(&at, status));
                    }
                }
                _ => {}
            }
        }
    }

    /// A parameter or a header: a `schema`, or a `content`.
    fn parameter(&mut self, parameter: &mut Value, pointer: &str) {
        if let Some(schema) = parameter.get_mut("schema") {
            let at = child(pointer, "schema");
            if let Some(map) = schema.as_object_mut() {
                if array_without_items(map) {
                    // A parameter's values are text: strings keep them as sent.
                    self.warn(
                        &at,
                        "`type: array` without `items`: generated as an array of strings (a \
                         parameter's values are text)",
                    );
                    map.insert("items".into(), json!({"type": "string"}));
                }
            }
            self.schema(schema, &at);
        }
        self.with_content(parameter, pointer);
    }

    fn response(&mut self, response: &mut Value, pointer: &str) {
        if let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) {
            for (name, header) in headers.iter_mut() {
                self.parameter(header, &child(&child(pointer, "headers"), name));
            }
        }
        self.with_content(response, pointer);
    }

    /// The schemas of a node's `content` (a body, a response, a parameter).
    fn with_content(&mut self, node: &mut Value, pointer: &str) {
        let Some(content) = node.get_mut("content").and_then(Value::as_object_mut) else {
            return;
        };
        let at = child(pointer, "content");
        for (media, value) in content.iter_mut() {
            if let Some(schema) = value.get_mut("schema") {
                self.schema(schema, &child(&child(&at, media), "schema"));
            }
        }
    }

    /// An `enum` whose values are not of the schema's `type`, read as the
    /// values it must mean (warned): on a `string`, numbers and booleans
    /// are their text (`enum: [1, 2]` → `["1", "2"]`); on a number, numeric
    /// texts their numbers; on an `array`, the values are its items' (moved
    /// to `items`); any other `enum` that does not fit is ignored.
    fn enum_values(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        let Some(Value::Array(values)) = map.get("enum") else {
            return;
        };
        let ty = map.get("type").and_then(Value::as_str).unwrap_or_default();
        let fits = |v: &Value| match (ty, v) {
            (_, Value::Null) | ("", _) => true,
            ("string", Value::String(_)) | ("boolean", Value::Bool(_)) => true,
            ("number", Value::Number(_)) => true,
            ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
            ("array", Value::Array(_)) | ("object", Value::Object(_)) => true,
            _ => false,
        };
        if values.iter().all(fits) {
            return;
        }
        let at = child(pointer, "enum");
        let read: Option<Vec<Value>> = match ty {
            "string" => values
                .iter()
                .map(|v| match v {
                    Value::String(_) | Value::Null => Some(v.clone()),
                    Value::Number(_) | Value::Bool(_) => Some(json!(v.to_string())),
                    _ => None,
                })
                .collect(),
            "integer" | "number" => values
                .iter()
                .map(|v| match v {
                    Value::String(s) => s
                        .trim()
                        .parse::<serde_json::Number>()
                        .ok()
                        .map(Value::Number),
                    v if fits(v) => Some(v.clone()),
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        let written = Value::Array(values.clone()).to_string();
        let moved_to_items = ty == "array"
            && values.iter().all(|v| !v.is_array() && !v.is_object())
            && map
                .get("items")
                .is_some_and(|i| i.get("enum").is_none() && i.get("$ref").is_none());
        if let Some(read) = read {
            let read = Value::Array(read);
            self.warn(
                at,
                format!("`enum: {written}` on a `{ty}` is read as `enum: {read}`"),
            );
            map.insert("enum".into(), read);
        } else if moved_to_items {
            let values = map.remove("enum").unwrap_or_default();
            self.warn(
                at,
                format!("`enum: {written}` on an `array` is read as the `enum` of its `items`"),
            );
            if let Some(items) = map.get_mut("items").and_then(Value::as_object_mut) {
                items.insert("enum".into(), values);
            }
        } else {
            self.warn(
                at,
                format!("`enum: {written}` does not fit `type: {ty}`: it is ignored"),
            );
            map.remove("enum");
        }
    }

    /// A string `enum` whose values Rust enum variants cannot tell apart
    /// (`[asc, desc, ASC, DESC]`, `[e-, e+]`: typify would panic) → any
    /// string (warned): the values are still the wire's, and the server
    /// still reads whatever the schema's other keywords allow.
    fn enum_names(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        let Some(Value::Array(values)) = map.get("enum") else {
            return;
        };
        let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        if strings.len() < 2
            || strings.len() != values.len()
            || crate::naming::progenitor::enum_values_nameable(&strings)
        {
            return;
        }
        let listed: Vec<String> = strings.iter().map(|s| format!("`{s}`")).collect();
        self.warn(
            child(pointer, "enum"),
            format!(
                "the `enum` values {} differ only in case or punctuation, which the generated \
                 Rust enum cannot name apart: the value is read as any string",
                listed.join(", ")
            ),
        );
        map.remove("enum");
    }

    /// One schema and, recursively, its subschemas.
    fn schema(&mut self, node: &mut Value, pointer: &str) {
        if self.version == Version::V31 {
            if let Value::Bool(admits) = node {
                *node = if *admits {
                    json!({})
                } else {
                    json!({"not": {}})
                };
            }
        }
        let Value::Object(map) = node else {
            return;
        };
        if map.contains_key("$ref") && map.len() > 1 {
            let siblings: Vec<String> = map
                .keys()
                .filter(|k| *k != "$ref" && !k.starts_with("x-"))
                .cloned()
                .collect();
            let constrains = siblings
                .iter()
                .any(|k| !REF_ANNOTATIONS.contains(&k.as_str()));
            if self.version == Version::V31 && constrains {
                // JSON Schema 2020-12: the `$ref` and its siblings all apply.
                let reference = map.remove("$ref").unwrap_or(Value::Null);
                let mut all = vec![json!({ "$ref": reference })];
                if let Some(Value::Array(more)) = map.remove("allOf") {
                    all.extend(more);
                }
                map.insert("allOf".into(), Value::Array(all));
            } else if !siblings.is_empty() {
                let reference = map.remove("$ref").unwrap_or(Value::Null);
                let what = if self.version == Version::V30 {
                    "OpenAPI 3.0 ignores the siblings of a `$ref`, and so do the generators"
                } else {
                    "the generators read only the `$ref`"
                };
                self.warn(
                    child(pointer, "$ref"),
                    format!(
                        "`$ref` with sibling keyword(s) {}: {what}; they are ignored",
                        siblings
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                map.clear();
                map.insert("$ref".into(), reference);
                return;
            } else {
                return;
            }
        } else if map.contains_key("$ref") {
            return;
        }
        // 3.1 constructs in a 3.0 document (`type: [string, 'null']` is a
        // common one) are read the same way: 3.0 has no other reading.
        let before = (self.version == Version::V30).then(|| map.clone());
        self.keywords_31(map, pointer);
        if before.is_some_and(|before| before != *map) {
            self.warn(
                pointer,
                "OpenAPI 3.1 (JSON Schema) keywords in an OpenAPI 3.0 document: read as their \
                 3.0 counterparts (`nullable`, one-value `enum`, boolean exclusive bounds)",
            );
        }
        self.examples(map, pointer);
        self.keyword_values(map, pointer);
        self.json_type(map, pointer);
        self.required_flags(map, pointer);
        self.format(map, pointer);
        self.enum_values(map, pointer);
        self.enum_names(map, pointer);
        if array_without_items(map) {
            self.warn(
                pointer,
                "`type: array` without `items`: generated as an array of any JSON value",
            );
            map.insert("items".into(), json!({}));
        }
        for (key, value) in map.iter_mut() {
            let at = child(pointer, key);
            match key.as_str() {
                "properties" | "patternProperties" => {
                    for (name, property) in value.as_object_mut().into_iter().flatten() {
                        self.schema(property, &child(&at, name));
                    }
                }
                "items" | "not" => self.schema(value, &at),
                "additionalProperties" if value.is_object() => self.schema(value, &at),
                "allOf" | "anyOf" | "oneOf" => {
                    for (i, sub) in value.as_array_mut().into_iter().flatten().enumerate() {
                        self.schema(sub, &format!("{at}/{i}"));
                    }
                }
                _ => {}
            }
        }
    }

    /// The 3.1 keywords of one schema (not its subschemas) as 3.0's.
    fn keywords_31(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        for key in ANNOTATIONS_31 {
            map.remove(*key);
        }
        let unsupported: Vec<&str> = UNSUPPORTED_31
            .iter()
            .copied()
            .filter(|k| map.contains_key(*k))
            .collect();
        for key in &unsupported {
            map.remove(*key);
            self.warn(
                child(pointer, key),
                format!(
                    "`{key}` has no OpenAPI 3.0 counterpart the generators read: ignored (the \
                     generated code does not check it)"
                ),
            );
        }
        if let Some(value) = map.remove("const") {
            if !map.contains_key("enum") {
                map.insert("enum".into(), json!([value]));
            }
        }
        for (flag, bound, stricter) in [
            ("exclusiveMinimum", "minimum", true),
            ("exclusiveMaximum", "maximum", false),
        ] {
            let Some(limit) = map.get(flag).and_then(Value::as_f64) else {
                continue;
            };
            let exclusive = map.remove(flag).unwrap_or(Value::Null);
            let keep_bound = map.get(bound).and_then(Value::as_f64).is_some_and(|b| {
                if stricter {
                    b > limit
                } else {
                    b < limit
                }
            });
            if !keep_bound {
                map.insert(bound.into(), exclusive);
                map.insert(flag.into(), Value::Bool(true));
            }
        }
        if map.get("type") == Some(&json!("null")) {
            map.insert("type".into(), json!(["null"]));
        }
        if let Some(Value::Array(types)) = map.get("type").cloned() {
            let nullable = types.iter().any(|t| t == "null");
            let others: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
            if nullable {
                map.insert("nullable".into(), Value::Bool(true));
            }
            match others.as_slice() {
                [] => {
                    map.remove("type");
                    if nullable {
                        map.insert("enum".into(), json!([null]));
                    }
                }
                [one] => {
                    map.insert("type".into(), one.clone());
                }
                several => {
                    map.remove("type");
                    let branches: Vec<Value> = several
                        .iter()
                        .map(|t| {
                            let mut branch = Map::new();
                            branch.insert("type".into(), t.clone());
                            let keywords = TYPE_KEYWORDS
                                .iter()
                                .find(|(name, _)| Some(*name) == t.as_str())
                                .map(|(_, k)| *k)
                                .unwrap_or(&[]);
                            for keyword in keywords {
                                if let Some(v) = map.get(*keyword) {
                                    branch.insert(keyword.to_string(), v.clone());
                                }
                            }
                            Value::Object(branch)
                        })
                        .collect();
                    for (_, keywords) in TYPE_KEYWORDS {
                        for keyword in *keywords {
                            map.remove(*keyword);
                        }
                    }
                    map.insert("anyOf".into(), Value::Array(branches));
                }
            }
        }
    }

    /// A schema's `examples` (JSON Schema's, 3.1; often written in 3.0
    /// documents too) as OpenAPI 3.0's `example`: its first value. Anything
    /// but an array there is not JSON Schema, and typify would not read
    /// the schema: dropped.
    fn examples(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        match map.remove("examples") {
            Some(Value::Array(examples)) => {
                if let Some(first) = examples.into_iter().next() {
                    map.entry("example").or_insert(first);
                }
            }
            Some(_) => self.warn(
                child(pointer, "examples"),
                "a schema's `examples` must be an array of values (the named examples of \
                 parameters and media types do not belong in a schema): ignored",
            ),
            None => {}
        }
    }

    /// A `type` that is not one of JSON's: Swagger 2's `file` is a binary
    /// string; anything else is read as any value.
    fn json_type(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        if map
            .get("type")
            .is_some_and(|t| !t.is_string() && !t.is_array())
        {
            let written = map.remove("type").unwrap_or_default();
            self.warn(
                child(pointer, "type"),
                format!(
                    "`type: {}` is not a type name: ignored, the value may be any JSON value",
                    shorten(&written.to_string())
                ),
            );
            return;
        }
        let Some(ty) = map.get("type").and_then(Value::as_str).map(str::to_string) else {
            return;
        };
        if matches!(
            ty.as_str(),
            "string" | "number" | "integer" | "boolean" | "array" | "object"
        ) {
            return;
        }
        let at = child(pointer, "type");
        if ty == "file" {
            self.warn(
                at,
                "`type: file` is Swagger 2.0: read as `type: string, format: binary`",
            );
            map.insert("type".into(), json!("string"));
            map.insert("format".into(), json!("binary"));
        } else {
            self.warn(
                at,
                format!(
                    "`type: {ty}` is not a JSON type: ignored, the value may be any JSON value"
                ),
            );
            map.remove("type");
        }
    }

    /// Schema keywords whose value is not of the kind OpenAPI gives them,
    /// read as the value they must mean (warned): a number where text goes
    /// (`pattern: 0`) is its text; a numeric text where a number goes
    /// (`minimum: "1"`) its number, and anything else there is dropped; an
    /// `integer` schema's bounds are whole numbers in 64 bits (a bound
    /// written `-9223372036854776000`, beyond them, is clamped to
    /// `i64::MIN`); lengths and counts are whole numbers from 0.
    fn keyword_values(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        const TEXTS: &[&str] = &["pattern", "format", "title", "description"];
        const COUNTS: &[&str] = &[
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "minProperties",
            "maxProperties",
        ];
        const BOUNDS: &[&str] = &["minimum", "maximum", "multipleOf"];
        let integer = map.get("type").and_then(Value::as_str) == Some("integer");
        let keys: Vec<String> = map.keys().cloned().collect();
        for key in keys {
            let value = &map[&key];
            let at = child(pointer, &key);
            let number = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(text) => text.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                _ => None,
            };
            let read = if TEXTS.contains(&key.as_str()) {
                match value {
                    Value::String(_) => continue,
                    Value::Number(_) | Value::Bool(_) => Some(json!(value.to_string())),
                    _ => None,
                }
            } else if COUNTS.contains(&key.as_str()) {
                if value.as_u64().is_some() {
                    continue;
                }
                number
                    .filter(|n| *n >= 0.0)
                    .map(|n| json!(n.floor() as u64))
            } else if BOUNDS.contains(&key.as_str()) {
                let whole = |n: f64| match key.as_str() {
                    "minimum" => n.ceil(),
                    "maximum" => n.floor(),
                    _ => n.round().max(1.0),
                };
                match (integer, value) {
                    (true, Value::Number(n)) if n.as_i64().is_some() => continue,
                    (false, Value::Number(_)) => continue,
                    // `as` saturates: beyond 64 bits is i64's bound.
                    (true, _) => number.map(|n| json!(whole(n) as i64)),
                    (false, _) => number.map(|n| json!(n)),
                }
            } else {
                continue;
            };
            let written = value.to_string();
            match read {
                Some(read) => {
                    self.warn(at, format!("`{key}: {written}` is read as `{key}: {read}`"));
                    map.insert(key, read);
                }
                None => {
                    self.warn(
                        at,
                        format!("`{key}: {written}` is not a value `{key}` can have: ignored"),
                    );
                    map.remove(&key);
                }
            }
        }
    }

    /// Swagger 2's `required: true` on a property, where OpenAPI lists the
    /// required properties on the object: moved there.
    fn required_flags(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        let mut required = Vec::new();
        if let Some(properties) = map.get_mut("properties").and_then(Value::as_object_mut) {
            for (name, property) in properties.iter_mut() {
                let Some(flag) = property
                    .as_object_mut()
                    .and_then(|p| p.get("required").and_then(Value::as_bool).map(|f| (p, f)))
                    .map(|(p, f)| {
                        p.remove("required");
                        f
                    })
                else {
                    continue;
                };
                let at = child(&child(&child(pointer, "properties"), name), "required");
                self.warn(
                    at,
                    format!(
                        "`required: {flag}` on a property is Swagger 2.0: OpenAPI lists required \
                         properties in the object's `required`{}",
                        if flag {
                            ", where it is read"
                        } else {
                            "; ignored"
                        }
                    ),
                );
                if flag {
                    required.push(Value::String(name.clone()));
                }
            }
        }
        if required.is_empty() {
            return;
        }
        let list = map.entry("required").or_insert_with(|| json!([]));
        if let Value::Array(list) = list {
            for name in required {
                if !list.contains(&name) {
                    list.push(name);
                }
            }
        }
    }

    /// A `format` typify cannot read, or that nobody knows.
    fn format(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        let Some(format) = map
            .get("format")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return;
        };
        let ty = map.get("type").and_then(Value::as_str).map(str::to_string);
        let scalar = matches!(ty.as_deref(), Some("string" | "integer" | "number"));
        let known = KNOWN_FORMATS.contains(&format.as_str());
        if scalar && known {
            return;
        }
        let uses = self.formats.entry(format).or_default();
        if uses.count == 0 {
            uses.first = pointer.to_string();
        }
        uses.count += 1;
        if !scalar {
            map.remove("format");
            if uses.dropped.is_none() {
                let ty = ty.map_or("without `type`".to_string(), |t| format!("of type `{t}`"));
                uses.dropped = Some((pointer.to_string(), ty));
            }
            uses.dropped_count += 1;
        }
    }
}

fn array_without_items(map: &Map<String, Value>) -> bool {
    map.get("type").and_then(Value::as_str) == Some("array") && !map.contains_key("items")
}

mod hoist;

#[cfg(test)]
mod tests;
