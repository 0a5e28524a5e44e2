//! The responses of one operation as progenitor is shown them (see
//! `model::progenitor_view`): the raw document rewritten where progenitor
//! would read a response otherwise than the view says.

use serde_json::{json, Map, Value};

use crate::model::progenitor_view::{view, ClientBody};
use crate::model::{Operation, Status};
use crate::spec::{resolve_ref, JSON};

/// Rewrites `responses` (an operation's raw `responses`, its
/// `problem+json` already shown as JSON) to the view of `operation`.
/// `document` resolves `$ref`s (its `components/responses` adapted too).
pub(super) fn show(document: &Value, responses: &mut Map<String, Value>, operation: &Operation) {
    for (response, shown) in operation.responses.iter().zip(view(operation)) {
        let Some(key) = raw_key(responses, response.status) else {
            continue;
        };
        if shown == ClientBody::Dropped {
            responses.remove(&key);
            continue;
        }
        let Some(raw) = responses.get_mut(&key) else {
            continue;
        };
        let resolved = raw
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve_ref(document, r))
            .unwrap_or(raw)
            .clone();
        let content = resolved.get("content").and_then(Value::as_object);
        // What progenitor reads as JSON: `application/json`, with
        // parameters too (`application/json;charset=UTF-8`).
        let progenitor_json = content.and_then(|c| {
            c.iter()
                .find(|(k, _)| *k == JSON || k.starts_with("application/json;"))
                .map(|(_, media)| media)
        });
        let json_schema = progenitor_json.is_some_and(|m| m.get("schema").is_some());
        let new_content = match shown {
            ClientBody::Typed(_) if json_schema => continue,
            ClientBody::Typed(_) => {
                let schema = response
                    .body()
                    .and_then(|body| content?.get(&body.media.media_type)?.get("schema"))
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                Some(json!({ JSON: { "schema": schema } }))
            }
            ClientBody::AnyJson => Some(json!({ JSON: { "schema": {} } })),
            ClientBody::Raw
                if progenitor_json.is_none() && content.is_some_and(|c| !c.is_empty()) =>
            {
                continue
            }
            ClientBody::Raw => Some(json!({ "application/octet-stream": {} })),
            ClientBody::Empty if content.is_none_or(Map::is_empty) => continue,
            ClientBody::Empty | ClientBody::Dropped => None,
        };
        let mut rewritten = resolved;
        if let Some(object) = rewritten.as_object_mut() {
            match new_content {
                Some(content) => object.insert("content".to_string(), content),
                None => object.remove("content"),
            };
        }
        *raw = rewritten;
    }
}

/// The key of `status` among the raw responses (`200`, `4XX` or `4xx`,
/// `default`).
fn raw_key(responses: &Map<String, Value>, status: Status) -> Option<String> {
    let wanted = match status {
        Status::Code(code) => code.to_string(),
        Status::Range(class) => format!("{class}XX"),
        Status::Default => "default".to_string(),
    };
    responses
        .keys()
        .find(|k| k.eq_ignore_ascii_case(&wanted))
        .cloned()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::spec::Document;

    #[test]
    fn progenitor_is_shown_the_view() {
        let document = Document::parse(
            Path::new("view.yaml"),
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      \
             operationId: a\n      responses:\n        \
             '200': {description: a, content: {'*/*': {schema: {type: integer}}}}\n  \
             /b:\n    get:\n      operationId: b\n      responses:\n        \
             '200': {$ref: '#/components/responses/Thing'}\n        \
             '204': {description: none}\n        \
             '400': {$ref: '#/components/responses/Thing'}\n        \
             '404': {description: none}\n\
             components:\n  responses:\n    Thing:\n      description: t\n      \
             content: {application/json: {schema: {type: integer}}}\n",
        )
        .unwrap();
        let (model, _) = crate::model::load(&document);
        let shown = serde_json::to_value(document.for_generators(&model).unwrap()).unwrap();
        let a = &shown["paths"]["/a"]["get"]["responses"];
        assert_eq!(
            a["200"]["content"],
            serde_json::json!({"application/json": {"schema": {"type": "integer"}}})
        );
        let b = &shown["paths"]["/b"]["get"]["responses"];
        for status in ["200", "204"] {
            assert_eq!(
                b[status]["content"],
                serde_json::json!({"application/octet-stream": {}}),
                "{status}: a body and none are shown as bytes"
            );
        }
        assert_eq!(
            b["400"]["$ref"], "#/components/responses/Thing",
            "left as written"
        );
        assert!(
            b.get("404").is_none(),
            "an error without content is left out"
        );
    }
}
