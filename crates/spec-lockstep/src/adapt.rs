//! The one place where the document is adapted for the generators
//! (progenitor and typify), from what the model made of it: above
//! [`crate::model`], which reads the document as written
//! ([`crate::spec`]).

use anyhow::{Context, Result};
use openapiv3::OpenAPI;
use serde_json::{json, Value};

use crate::model::{
    is_ignored_header, BodyEncoding, Location, Model, Operation, Parameter, RequestBody, FORM,
};
use crate::spec::{resolve_ref, Document, JSON, PROBLEM_JSON};

mod responses;

impl Document {
    /// The document as the generators read it. This is the **one place** where
    /// the document is adapted for them, in three ways:
    ///
    /// progenitor types a response body only when its media type is
    /// `application/json`; an `application/problem+json` body would come back
    /// as an untyped byte stream. Problem details *are* JSON, so every
    /// response whose only JSON-like media type is `application/problem+json`
    /// is handed to the generators as `application/json`, with the same
    /// schema. The client then decodes error bodies into the typed `Problem`
    /// (reqwest decodes JSON whatever the response's `Content-Type`), while
    /// the server keeps answering with the media type the document declares.
    ///
    /// progenitor counts a `default` response as a possible success, and
    /// stops when its schema differs from the 2xx one. Next to declared
    /// 2xx responses, `default` can only mean the errors, so it is handed
    /// to progenitor as `4XX` and `5XX` (where the operation declares no
    /// such range): the client then types every undeclared error status as
    /// the `default` body. The server still reads `default` as written.
    ///
    /// progenitor cannot send cookie parameters; they are left out of the
    /// client (a caller sets cookies with its HTTP client's cookie store).
    /// The server reads them as declared.
    ///
    /// progenitor sends one request media type per operation, and only
    /// JSON, forms, `text/plain` and `application/octet-stream`: each
    /// operation's body is handed over as the model reads it (see
    /// `client_body`).
    ///
    /// progenitor reads responses in ways real documents break (JSON
    /// declared as `*/*`, JSON without a schema, success responses of
    /// several types): each operation's responses are shown to it as
    /// `model::progenitor_view` says, the server still reading them as
    /// written.
    ///
    /// Where the document is lenient, progenitor reads what the `model`
    /// made of it: an operation without `operationId` gets the name the
    /// model derived, and the header parameters OpenAPI says to ignore
    /// (`Accept`, `Content-Type`, `Authorization`) are left out.
    pub fn for_generators(&self, model: &Model) -> Result<OpenAPI> {
        let mut raw = self.raw.clone();
        // The types read responses leniently, as the model's do.
        crate::spec::json_schema::without_closed_objects(&mut raw);
        if let Some(responses) = raw
            .pointer_mut("/components/responses")
            .and_then(Value::as_object_mut)
        {
            responses.values_mut().for_each(problem_as_json);
        }
        let components = self.raw.clone();
        // With `components/responses` adapted: what the view rewrites from.
        let adapted = raw.clone();
        if let Some(paths) = raw.get_mut("paths").and_then(Value::as_object_mut) {
            for (path, item) in paths.iter_mut() {
                without_cookie_parameters(&components, item);
                let Some(item) = item.as_object_mut() else {
                    continue;
                };
                // Operations the model left out (a parameter the
                // generators cannot send, warned) are not shown either.
                item.retain(|key, _| {
                    crate::model::Method::from_key(key).is_none()
                        || model
                            .operations
                            .iter()
                            .any(|o| o.path == *path && o.method.key() == key)
                });
                // Where the model reads a parameter otherwise than
                // progenitor would (a name of its own in the client, a
                // `content` parameter), every operation of the path gets
                // its parameters as the model reads them, inline.
                let ours = model.operations.iter().filter(|o| o.path == *path);
                if ours
                    .clone()
                    .any(|o| o.parameters.iter().any(|p| self.shown_otherwise(p)))
                {
                    item.remove("parameters");
                    for operation in ours {
                        if let Some(node) = item.get_mut(operation.method.key()) {
                            node["parameters"] = self.client_parameters(operation);
                        }
                    }
                }
                for (key, operation) in item.iter_mut() {
                    without_cookie_parameters(&components, operation);
                    let modelled = model
                        .operations
                        .iter()
                        .find(|o| o.path == *path && o.method.key() == key);
                    if let Some(modelled) = modelled {
                        if let Some(operation) = operation.as_object_mut() {
                            // The model's: derived where the document has none,
                            // disambiguated where two would be one client method.
                            operation.insert(
                                "operationId".to_string(),
                                Value::String(modelled.id.clone()),
                            );
                            if let Some(body) = &modelled.body {
                                operation.insert("requestBody".to_string(), self.client_body(body));
                            }
                        }
                    }
                    if let Some(responses) = operation
                        .get_mut("responses")
                        .and_then(Value::as_object_mut)
                    {
                        responses.values_mut().for_each(problem_as_json);
                        if let Some(modelled) = modelled {
                            responses::show(&adapted, responses, modelled);
                        }
                        default_as_error_ranges(responses);
                    }
                }
            }
        }
        serde_json::from_value(raw).context("the adapted document no longer parses")
    }
}

impl Document {
    /// Whether progenitor must be shown a parameter otherwise than written.
    fn shown_otherwise(&self, parameter: &Parameter) -> bool {
        parameter.client_name != parameter.name
            || self
                .resolved(&parameter.pointer)
                .is_some_and(|node| node.get("schema").is_none())
    }

    /// The node at `pointer`, its `$ref`s followed.
    fn resolved(&self, pointer: &str) -> Option<&Value> {
        let mut node = self.raw.pointer(pointer)?;
        for _ in 0..32 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(reference) => node = resolve_ref(&self.raw, reference)?,
                None => return Some(node),
            }
        }
        None
    }

    /// An operation's parameters as progenitor reads them, inline: the
    /// model's (path-item parameters merged, cookies and the headers
    /// OpenAPI ignores left out), each named as the client knows it
    /// ([`Parameter::client_name`]; `crate::client` puts the wire name
    /// back) and with the `schema` the model read (from `content` too).
    fn client_parameters(&self, operation: &Operation) -> Value {
        let list = operation
            .parameters
            .iter()
            .filter(|p| p.location != Location::Cookie)
            .filter_map(|p| {
                let mut node = self.resolved(&p.pointer)?.clone();
                let object = node.as_object_mut()?;
                object.insert("name".into(), Value::String(p.client_name.clone()));
                if let Some(content) = object.remove("content") {
                    let schema = self
                        .raw
                        .pointer(&p.schema.pointer)
                        .cloned()
                        .or_else(|| content.as_object()?.values().next()?.get("schema").cloned())
                        .unwrap_or_else(|| json!({}));
                    object.insert("schema".into(), schema);
                }
                Some(node)
            })
            .collect();
        Value::Array(list)
    }

    /// The request body as progenitor reads it: the one media type the
    /// client sends ([`RequestBody::primary`]), named as progenitor knows
    /// it. JSON (any `+json` type, `*/*` with a schema) is
    /// `application/json` and a form `application/x-www-form-urlencoded`,
    /// with the schema as written and without `encoding` (progenitor stops
    /// on it); text is `text/plain` with a plain string schema; anything
    /// else (multipart too: the client crate encodes the parts) is
    /// `application/octet-stream` with `format: binary`. The client
    /// crate then sends text and bytes with the document's own media type
    /// (`crate::client::body_content_types`).
    fn client_body(&self, body: &RequestBody) -> Value {
        let mut out = serde_json::Map::new();
        // progenitor takes text and byte bodies only when required (it
        // stops at `unreachable!` otherwise): the client always sends one.
        let raw = matches!(
            body.primary().map(|m| m.body_encoding()),
            Some(BodyEncoding::Text | BodyEncoding::Binary | BodyEncoding::Multipart)
        );
        out.insert("required".into(), Value::Bool(body.required || raw));
        if let Some(description) = &body.description {
            out.insert("description".into(), Value::String(description.clone()));
        }
        let Some(media) = body.primary() else {
            out.insert("content".into(), json!({}));
            return Value::Object(out);
        };
        let written = media.schema.as_ref().map(|schema| {
            let mut written = self
                .raw
                .pointer(&schema.pointer)
                .cloned()
                .or_else(|| serde_json::to_value(&schema.written).ok())
                .unwrap_or(json!({}));
            // Read leniently, as every other schema progenitor is shown.
            crate::spec::json_schema::without_closed_objects(&mut written);
            written
        });
        let (media_type, schema) = match (media.body_encoding(), written) {
            (BodyEncoding::Json, Some(schema)) => (JSON, schema),
            (BodyEncoding::Form, Some(schema)) => (FORM, schema),
            (BodyEncoding::Text, _) => (TEXT, json!({"type": "string"})),
            _ => (BINARY, json!({"type": "string", "format": "binary"})),
        };
        out.insert(
            "content".into(),
            json!({ media_type: { "schema": schema } }),
        );
        Value::Object(out)
    }
}

/// The media type progenitor sends text bodies as.
pub const TEXT: &str = "text/plain";
/// The media type progenitor sends byte bodies as.
pub const BINARY: &str = "application/octet-stream";

/// Removes the cookie parameters of a path item or operation, and the
/// header parameters OpenAPI says to ignore.
fn without_cookie_parameters(document: &Value, node: &mut Value) {
    let Some(parameters) = node.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    parameters.retain(|parameter| {
        let resolved = parameter
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve_ref(document, r))
            .unwrap_or(parameter);
        let location = resolved.get("in").and_then(Value::as_str);
        let name = resolved.get("name").and_then(Value::as_str).unwrap_or("");
        location != Some("cookie") && !(location == Some("header") && is_ignored_header(name))
    });
}

fn default_as_error_ranges(responses: &mut serde_json::Map<String, Value>) {
    let has_success = responses
        .keys()
        .any(|status| status.starts_with('2') && status != "2XX");
    if !has_success {
        return;
    }
    let Some(default) = responses.remove("default") else {
        return;
    };
    for range in ["4XX", "5XX"] {
        if !responses.contains_key(range) {
            responses.insert(range.to_string(), default.clone());
        }
    }
}

fn problem_as_json(response: &mut Value) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    if content.contains_key(JSON) {
        return;
    }
    if let Some(media) = content.remove(PROBLEM_JSON) {
        content.insert(JSON.to_string(), media);
    }
}
