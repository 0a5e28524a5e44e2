//! Schemas where the document uses them: the typed constraints, the
//! self-contained JSON Schema and typify's reading of one node.

use openapiv3::ReferenceOr;
use std::sync::Arc;

use serde_json::Value;

use super::super::constraints::resolve as resolve_node;
use super::super::json_schema::self_contained;
use super::super::*;
use super::{typify_schema, Loader};

impl<'a> Loader<'a> {
    pub(super) fn schema(
        &mut self,
        schema: &ReferenceOr<openapiv3::Schema>,
        pointer: String,
    ) -> Schema {
        let component = match schema {
            ReferenceOr::Reference { reference } => reference
                .strip_prefix("#/components/schemas/")
                .map(str::to_string),
            ReferenceOr::Item(_) => None,
        };
        let (json_schema, typify) = match self.schema_json(schema, &pointer) {
            Some(json) => (
                self.contained(schema, json),
                typify_schema(json).unwrap_or_else(|message| {
                    self.findings.push(Finding::new(&pointer, message));
                    schemars::schema::Schema::Bool(true)
                }),
            ),
            None => (None, schemars::schema::Schema::Bool(true)),
        };
        let node = Node::of(schema);
        let constraints = resolve_node(&self.nodes, &node)
            .map(|r| r.constraints.clone())
            .unwrap_or_default();
        Schema {
            written: schema.clone(),
            component,
            pointer,
            json_schema,
            typify,
            value: value_kind(&self.nodes, &constraints),
            default: constraints.default.clone(),
            enum_values: constraints.enumeration.clone(),
            format: constraints.format.clone(),
            example: constraints.example.clone(),
            node,
            constraints,
        }
    }

    /// `json` as self-contained JSON Schema ([`self_contained`]), made once
    /// per `$ref`.
    fn contained(
        &mut self,
        schema: &ReferenceOr<openapiv3::Schema>,
        json: &Value,
    ) -> Option<Arc<Value>> {
        let make = |raw| self_contained(raw, json).ok().map(Arc::new);
        match schema {
            ReferenceOr::Reference { reference } => {
                let raw = self.raw;
                self.contained
                    .entry(reference.clone())
                    .or_insert_with(|| make(raw))
                    .clone()
            }
            ReferenceOr::Item(_) => make(self.raw),
        }
    }

    /// The JSON of the schema the loader reads at `pointer` (for the
    /// self-contained JSON Schema and typify), checked to be that schema: a
    /// pointer that names no node, or another node, is a finding naming it.
    pub(super) fn schema_json(
        &mut self,
        schema: &ReferenceOr<openapiv3::Schema>,
        pointer: &str,
    ) -> Option<&'a Value> {
        let Some(json) = self.raw.pointer(pointer) else {
            self.finding(
                pointer,
                format!("internal error: the loader read a schema at `{pointer}`, which names no node of the document"),
            );
            return None;
        };
        // A `$ref` is checked by its text. An inline schema is read again
        // and compared in debug builds (the tests) only: on a large document
        // that second reading of every schema was a tenth of the time.
        let same = match schema {
            ReferenceOr::Reference { reference } => {
                json.get("$ref").and_then(Value::as_str) == Some(reference.as_str())
            }
            ReferenceOr::Item(_) if !cfg!(debug_assertions) => {
                json.is_object() && json.get("$ref").is_none()
            }
            ReferenceOr::Item(_) => {
                serde_json::from_value::<ReferenceOr<openapiv3::Schema>>(json.clone())
                    .is_ok_and(|parsed| &parsed == schema)
            }
        };
        match same {
            true => Some(json),
            false => {
                self.finding(
                    pointer,
                    format!("internal error: the node at `{pointer}` is not the schema the loader was reading"),
                );
                None
            }
        }
    }
}

/// The kind of value a schema's constraints describe.
fn value_kind(nodes: &[(String, Node)], constraints: &Constraints) -> ValueKind {
    match constraints.ty {
        Some(JsonType::String) => ValueKind::String,
        Some(JsonType::Integer) => ValueKind::Integer,
        Some(JsonType::Number) => ValueKind::Number,
        Some(JsonType::Boolean) => ValueKind::Boolean,
        Some(JsonType::Object) => ValueKind::Object,
        Some(JsonType::Array) => ValueKind::Array(Box::new(
            constraints
                .items
                .as_ref()
                .and_then(|items| resolve_node(nodes, items))
                .map(|items| value_kind(nodes, items.constraints))
                .unwrap_or(ValueKind::Other),
        )),
        None => ValueKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::spec::Document;

    #[test]
    fn a_schema_read_at_a_wrong_pointer_is_a_finding_naming_the_pointer() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n\
                    components:\n  schemas:\n    A: {type: string}\n    B: {type: integer}\n";
        let document = Document::parse(Path::new("t.yaml"), text).unwrap();
        let mut loader = Loader {
            raw: &document.raw,
            api: &document.api,
            nodes: Vec::new(),
            findings: Vec::new(),
            contained: Default::default(),
        };
        let a = &document.api.components.as_ref().unwrap().schemas["A"];
        assert!(loader.schema_json(a, "/components/schemas/A").is_some());
        assert!(loader.findings.is_empty());
        // No node there, and another schema there: both are errors.
        assert!(loader.schema_json(a, "/components/schemas/C").is_none());
        assert!(loader.schema_json(a, "/components/schemas/B").is_none());
        let findings: Vec<String> = loader.findings.iter().map(|f| f.to_string()).collect();
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings[0].contains("`/components/schemas/C`, which names no node"));
        assert!(findings[1].contains("`/components/schemas/B` is not the schema"));
        let schema = loader.schema(a, "/components/schemas/B".into());
        assert_eq!(schema.json_schema, None);
    }
}
