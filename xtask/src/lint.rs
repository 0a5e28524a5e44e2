//! `cargo xtask lint`: checks an OpenAPI document for what the generators
//! rely on. Every finding names the JSON pointer of the offending node.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::schema::{resolve as deref, to_json_schema};
use crate::spec::{escape_pointer, resolve_ref, Document};

/// One problem in the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// JSON pointer (RFC 6901) of the offending node; `""` is the document.
    pub pointer: String,
    /// What is wrong, and how to fix it.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {}", self.message)
    }
}

fn finding(pointer: impl Into<String>, message: impl Into<String>) -> Finding {
    Finding {
        pointer: pointer.into(),
        message: message.into(),
    }
}

/// Lints document text. `path` is only used in messages.
pub fn lint_text(path: &Path, text: &str) -> Vec<Finding> {
    match Document::parse(path, text) {
        Ok(document) => lint(&document),
        Err(e) => vec![finding("", format!("{e:#}"))],
    }
}

/// Lints a parsed document.
pub fn lint(document: &Document) -> Vec<Finding> {
    let raw = &document.raw;
    let mut findings = Vec::new();
    check_refs(raw, raw, String::new(), &mut findings);
    check_operation_ids(raw, &mut findings);
    check_error_schemas(raw, &mut findings);
    check_adapter_statuses(raw, &mut findings);
    let validator = ExampleValidator::new(raw);
    check_examples(raw, &validator, String::new(), &mut findings);
    findings.sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.message.cmp(&b.message)));
    findings.dedup();
    findings
}

/// Every `$ref` must point at a node inside this document.
fn check_refs(raw: &Value, node: &Value, pointer: String, findings: &mut Vec<Finding>) {
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                match reference.as_str() {
                    Some(r) if !r.starts_with("#/") => findings.push(finding(
                        format!("{pointer}/$ref"),
                        format!("`{r}` is not a local reference; the generators only read references of the form `#/components/...`"),
                    )),
                    Some(r) if resolve_ref(raw, r).is_none() => findings.push(finding(
                        format!("{pointer}/$ref"),
                        format!("`{r}` does not resolve to anything in this document"),
                    )),
                    Some(_) => {}
                    None => findings.push(finding(format!("{pointer}/$ref"), "`$ref` must be a string")),
                }
            }
            for (key, child) in map {
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

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of the document, with its JSON pointer.
fn operations(raw: &Value) -> impl Iterator<Item = (String, &Map<String, Value>)> {
    raw.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS.iter().filter_map(move |method| {
                let operation = item.get(*method)?.as_object()?;
                Some((
                    format!("/paths/{}/{method}", escape_pointer(path)),
                    operation,
                ))
            })
        })
}

/// Every operation needs an `operationId`, unique in the document: it names
/// the client method and the server-trait method.
fn check_operation_ids(raw: &Value, findings: &mut Vec<Finding>) {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (pointer, operation) in operations(raw) {
        match operation.get("operationId").and_then(Value::as_str) {
            None => findings.push(finding(
                pointer,
                "operation has no `operationId`; the generators name the client and server methods after it",
            )),
            Some(id) => {
                if let Some(first) = seen.get(id) {
                    findings.push(finding(
                        format!("{pointer}/operationId"),
                        format!("operationId `{id}` is already used by {first}"),
                    ));
                } else {
                    seen.insert(id, pointer);
                }
            }
        }
    }
}

/// progenitor gives an operation one error type, so all its error
/// responses (4xx, 5xx, default) must share one body schema.
fn check_error_schemas(raw: &Value, findings: &mut Vec<Finding>) {
    for (pointer, operation) in operations(raw) {
        let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
            findings.push(finding(pointer, "operation declares no `responses`"));
            continue;
        };
        let mut first: Option<(&str, Vec<&Value>)> = None;
        for (status, response) in responses {
            let is_error =
                status == "default" || status.starts_with('4') || status.starts_with('5');
            if !is_error {
                continue;
            }
            let response = deref(raw, response);
            let schemas: Vec<&Value> = response
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(_, media)| media.get("schema"))
                .collect();
            match &first {
                None => first = Some((status, schemas)),
                Some((first_status, first_schemas)) if *first_schemas != schemas => {
                    findings.push(finding(
                        format!("{pointer}/responses/{}", escape_pointer(status)),
                        format!(
                            "error response {status} has another body schema than error response \
                             {first_status}; all error responses of an operation must share one schema \
                             (e.g. `$ref: '#/components/schemas/Problem'`)"
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    }
}

/// The generated adapter answers some statuses itself; the document must
/// declare them, so that neither a client nor a conformance tool meets a
/// status it was not told about.
fn check_adapter_statuses(raw: &Value, findings: &mut Vec<Finding>) {
    for (pointer, operation) in operations(raw) {
        let responses = operation.get("responses").and_then(Value::as_object);
        let declares = |status: &str| {
            responses.is_some_and(|r| r.contains_key(status) || r.contains_key("default"))
        };
        let path_item = pointer.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        let has_params = [
            operation.get("parameters"),
            raw.pointer(&format!("{path_item}/parameters")),
        ]
        .iter()
        .any(|p| p.and_then(Value::as_array).is_some_and(|a| !a.is_empty()));
        let security = operation.get("security").or_else(|| raw.get("security"));
        let secured = security
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let has_success_content = responses.into_iter().flatten().any(|(status, response)| {
            status.starts_with('2')
                && deref(raw, response)
                    .get("content")
                    .and_then(Value::as_object)
                    .is_some_and(|c| !c.is_empty())
        });
        let mut needed = Vec::new();
        if has_params {
            needed.push((
                "400",
                "the adapter answers it for invalid parameters or bodies",
            ));
        }
        if secured {
            needed.push((
                "401",
                "the adapter answers it for a missing or rejected token",
            ));
            needed.push(("403", "the adapter answers it when the token lacks a scope"));
            needed.push((
                "429",
                "the adapter answers it when the rate-limit hook refuses a caller",
            ));
        }
        if has_success_content {
            needed.push((
                "406",
                "the adapter answers it when `Accept` rules out the success media type",
            ));
        }
        for (status, why) in needed {
            if !declares(status) {
                findings.push(finding(
                    format!("{pointer}/responses"),
                    format!("declare a {status} response: {why}"),
                ));
            }
        }
    }
}

/// Walks the document, validating every `example` and `examples` against
/// the schema it illustrates.
fn check_examples(raw: &Value, v: &ExampleValidator, pointer: String, findings: &mut Vec<Finding>) {
    match raw_at(raw, &pointer) {
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
                        None => findings.push(finding(example_pointer, "example has no `value`")),
                    }
                }
            }
            if is_schema {
                let own = raw_at(raw, &pointer).cloned().unwrap_or(Value::Null);
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
                check_examples(
                    raw,
                    v,
                    format!("{pointer}/{}", escape_pointer(key)),
                    findings,
                );
            }
        }
        Some(Value::Array(items)) => {
            for i in 0..items.len() {
                check_examples(raw, v, format!("{pointer}/{i}"), findings);
            }
        }
        _ => {}
    }
}

fn raw_at<'a>(raw: &'a Value, pointer: &str) -> Option<&'a Value> {
    raw.pointer(pointer)
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
                findings.push(finding(
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
            findings.push(finding(
                pointer,
                format!("example does not match its schema{at}: {error}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint_yaml(text: &str) -> Vec<String> {
        lint_text(Path::new("test.yaml"), text)
            .into_iter()
            .map(|f| f.to_string())
            .collect()
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn rejects_openapi_3_1() {
        let found = lint_yaml("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("3.0.x only"), "{found:?}");
    }

    #[test]
    fn finds_missing_and_duplicate_operation_ids() {
        let doc = format!(
            "{HEAD}paths:\n  /a:\n    get: {{operationId: x, responses: {{'200': {{description: ok}}}}}}\n    \
             post: {{responses: {{'200': {{description: ok}}}}}}\n  /b:\n    get: {{operationId: x, responses: {{'200': {{description: ok}}}}}}\n"
        );
        let found = lint_yaml(&doc);
        assert_eq!(
            found,
            vec![
                "/paths/~1a/post: operation has no `operationId`; the generators name the client and server methods after it",
                "/paths/~1b/get/operationId: operationId `x` is already used by /paths/~1a/get",
            ]
        );
    }

    #[test]
    fn finds_unresolved_refs() {
        let doc = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200': {{$ref: '#/components/responses/Nope'}}\n"
        );
        assert_eq!(
            lint_yaml(&doc),
            vec!["/paths/~1a/get/responses/200/$ref: `#/components/responses/Nope` does not resolve to anything in this document"]
        );
    }

    #[test]
    fn finds_examples_that_do_not_match() {
        let doc = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Id:\n      type: string\n      pattern: '^csub[0-9A-Z]{{26}}$'\n      example: nope\n    \
             Log:\n      type: object\n      required: [id, at, reason]\n      properties:\n        id: {{$ref: '#/components/schemas/Id'}}\n        \
             at: {{type: string, format: date-time}}\n        reason: {{type: string, nullable: true}}\n      \
             example: {{id: csub01HSH04KDEWF6Z4DB2J77J74K5, at: yesterday, reason: null}}\n"
        );
        let found = lint_yaml(&doc);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("/components/schemas/Id/example: example does not match"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with(
                "/components/schemas/Log/example: example does not match its schema at /at"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn nullable_admits_null_and_nothing_else() {
        let schema = json!({"type": "string", "nullable": true, "enum": ["a"]});
        let converted = to_json_schema(&schema, false);
        assert_eq!(
            converted,
            json!({"type": ["string", "null"], "enum": ["a", null]})
        );
    }

    #[test]
    fn finds_error_responses_with_different_schemas() {
        let doc = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        \
             '400': {{description: bad, content: {{application/json: {{schema: {{type: string}}}}}}}}\n        \
             '404': {{description: gone, content: {{application/json: {{schema: {{type: integer}}}}}}}}\n"
        );
        let found = lint_yaml(&doc);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with(
            "/paths/~1a/get/responses/404: error response 404 has another body schema"
        ));
    }

    #[test]
    fn finds_statuses_the_adapter_answers_but_the_document_does_not_declare() {
        let doc = format!(
            "{HEAD}security: [{{oauth: [read]}}]\npaths:\n  /a:\n    get:\n      operationId: a\n      \
             parameters: [{{name: q, in: query, schema: {{type: string}}}}]\n      responses:\n        \
             '200': {{description: ok, content: {{application/json: {{schema: {{type: string}}}}}}}}\n\
             components:\n  securitySchemes:\n    oauth: {{type: oauth2, flows: {{clientCredentials: {{tokenUrl: 'https://t', scopes: {{read: r}}}}}}}}\n"
        );
        let found = lint_yaml(&doc);
        let statuses: Vec<&str> = found
            .iter()
            .map(|f| &f["/paths/~1a/get/responses: declare a ".len()..][..3])
            .collect();
        assert_eq!(statuses, ["400", "401", "403", "406", "429"], "{found:?}");
    }

    #[test]
    fn the_workspace_document_is_clean() {
        let root = crate::workspace_root();
        for api in crate::codegen::workspace_apis() {
            let text = std::fs::read_to_string(root.join(&api.document)).unwrap();
            let found = lint_text(&api.document, &text);
            assert!(
                found.is_empty(),
                "{}",
                found
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}
