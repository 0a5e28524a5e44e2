//! Loading the OpenAPI document, and the one place where it is adapted for
//! the generators.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use openapiv3::OpenAPI;
use serde_json::{json, Value};

use crate::model::{
    is_ignored_header, BodyEncoding, Finding, Location, Model, Operation, Parameter, RequestBody,
    FORM,
};

pub mod bundle;
mod lenient;
pub mod lines;
mod responses;
pub mod subset;

/// A parsed OpenAPI document: the raw JSON tree (for JSON pointers and
/// examples) and its typed form.
#[derive(Clone)]
pub struct Document {
    /// Where the document was read from, relative to the workspace root.
    pub path: PathBuf,
    /// The document as a JSON tree: the OpenAPI 3.0 view of what was
    /// written ([`crate::model::view`]), the same tree for 3.0 and 3.1
    /// documents. JSON pointers into it are pointers into the document as
    /// written.
    pub raw: Value,
    /// The view parsed by `openapiv3`.
    pub api: OpenAPI,
    /// What making the view found: a warning for every node it adapted
    /// (a 3.1 construct, a default that did not match, an unknown format,
    /// …). [`crate::model::load`] reports them with its own findings.
    pub findings: Vec<Finding>,
}

/// The media type of RFC 9457 problem details.
pub use ev_energy_spec_vocab::media::PROBLEM_JSON;
/// The media type progenitor types responses for.
pub const JSON: &str = "application/json";

impl Document {
    /// Reads and parses a YAML or JSON OpenAPI 3.0.x or 3.1.x document,
    /// with the other files its `$ref`s name ([`bundle`]).
    pub fn load(root: &Path, relative: &Path) -> Result<Self> {
        let full = root.join(relative);
        let text = std::fs::read_to_string(&full)
            .with_context(|| format!("cannot read the OpenAPI document {}", full.display()))?;
        Self::parse_reading(relative, &text, &|other: &Path| {
            bundle::read_under(root, relative, other)
        })
    }

    /// Parses document text; `path` is only used in messages. A `$ref`
    /// into another file is an error here: [`Document::parse_reading`]
    /// reads them.
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        Self::parse_reading(path, text, &|other: &Path| {
            Err(anyhow!(
                "{} was given as text, so the files its `$ref`s name are not read",
                other.display()
            ))
        })
    }

    /// Parses document text, reading the other files its `$ref`s name
    /// with `read`, by their paths relative to where `path` is
    /// ([`bundle::bundle`]).
    pub fn parse_reading(path: &Path, text: &str, read: &bundle::Reader<'_>) -> Result<Self> {
        let mut raw = Self::tree(path, text)?;
        bundle::bundle(&mut raw, path, read, &|file, text| Self::tree(file, text))?;
        Self::from_value(path, raw)
    }

    /// A document's text as a JSON tree, YAML or JSON, leniently.
    pub fn tree(path: &Path, text: &str) -> Result<Value> {
        // JSON is read by the JSON parser (several times faster on the
        // directory's multi-megabyte documents); YAML by the YAML one, into
        // the same tree, leniently: see [`lenient`].
        let raw: Value = if text.trim_start().starts_with('{') {
            match serde_json::from_str(text) {
                Ok(raw) => raw,
                // Raw control characters in strings (tabs, line breaks)
                // are JSON's only common breakage: escaped, as meant.
                Err(e) if e.to_string().contains("control character") => {
                    serde_json::from_str(&lenient::escape_control_characters(text))
                        .with_context(|| format!("{} is not valid JSON", path.display()))?
                }
                Err(_) => lenient::from_yaml(text)
                    .with_context(|| format!("{} is not valid YAML/JSON", path.display()))?,
            }
        } else {
            lenient::from_yaml(text)
                .with_context(|| format!("{} is not valid YAML/JSON", path.display()))?
        };
        Ok(raw)
    }

    /// A document from its JSON tree; `path` is only used in messages.
    /// OpenAPI 3.0.x and 3.1.x are read, into one 3.0 view.
    /// The document with only the operations under `prefixes` and the
    /// components they use ([`subset::keep_paths`]): `codegen --paths`.
    pub fn only_paths(&self, prefixes: &[String]) -> Result<Self> {
        let mut raw = self.raw.clone();
        subset::keep_paths(&mut raw, prefixes)
            .with_context(|| format!("{}", self.path.display()))?;
        let api: OpenAPI = serde_json::from_value(raw.clone()).with_context(|| {
            format!(
                "{}: the part `--paths` chose is not a valid OpenAPI document",
                self.path.display()
            )
        })?;
        // What reading found in the paths left out is not about this part.
        let findings = self
            .findings
            .iter()
            .filter(|f| match f.pointer.strip_prefix("/paths/") {
                Some(rest) => {
                    let path = rest.split('/').next().unwrap_or("");
                    let path = unescape_pointer(path);
                    raw["paths"].get(&path).is_some()
                }
                None => true,
            })
            .cloned()
            .collect();
        Ok(Self {
            path: self.path.clone(),
            raw,
            api,
            findings,
        })
    }

    pub fn from_value(path: &Path, raw: Value) -> Result<Self> {
        let (raw, findings) =
            crate::model::view::normalize(raw).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        let api: OpenAPI = serde_json::from_value(raw.clone())
            .with_context(|| format!("{} is not a valid OpenAPI document", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            raw,
            api,
            findings,
        })
    }

    /// The document with the schema at `pointer` read as any JSON value
    /// (its `description` and `nullable` kept), and a warning saying so
    /// with `why` (see [`crate::types::settle`]).
    pub fn untyped(&self, pointer: &str, why: &str) -> Result<Self> {
        let mut raw = self.raw.clone();
        let node = raw
            .pointer_mut(pointer)
            .ok_or_else(|| anyhow!("{pointer} is not in the document"))?;
        let mut any = serde_json::Map::new();
        for keep in ["description", "nullable"] {
            if let Some(value) = node.get(keep) {
                any.insert(keep.to_string(), value.clone());
            }
        }
        *node = Value::Object(any);
        let api: OpenAPI = serde_json::from_value(raw.clone())
            .with_context(|| format!("{} is not a valid OpenAPI document", self.path.display()))?;
        let mut findings = self.findings.clone();
        findings.push(Finding::warning(
            pointer,
            format!(
                "typify cannot read this schema ({why}): it is generated as any JSON value \
                 (`serde_json::Value`), the rest of the document as written"
            ),
        ));
        Ok(Self {
            path: self.path.clone(),
            raw,
            api,
            findings,
        })
    }

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
        crate::model::json_schema::without_closed_objects(&mut raw);
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
            crate::model::json_schema::without_closed_objects(&mut written);
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

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Reads one escaped JSON pointer segment back ([`escape_pointer`]'s inverse).
pub fn unescape_pointer(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Resolves a local `$ref` (`#/components/...`) in the raw document.
pub fn resolve_ref<'a>(raw: &'a Value, reference: &str) -> Option<&'a Value> {
    reference
        .strip_prefix('#')
        .and_then(|pointer| raw.pointer(pointer))
}

/// Decodes `%XX` escapes: a `$ref`'s pointer written as a URI fragment, or
/// its file part (`my%20schemas.yaml`).
pub fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}
