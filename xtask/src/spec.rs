//! Loading the OpenAPI document, and the one place where it is adapted for
//! the generators.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use openapiv3::OpenAPI;
use serde_json::Value;

use crate::model::{is_ignored_header, Model};

mod responses;

/// A parsed OpenAPI document: the raw JSON tree (for JSON pointers and
/// examples) and its typed form.
pub struct Document {
    /// Where the document was read from, relative to the workspace root.
    pub path: PathBuf,
    /// The document as a JSON tree, exactly as written.
    pub raw: Value,
    /// The document parsed by `openapiv3`.
    pub api: OpenAPI,
}

/// The media type of RFC 9457 problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";
/// The media type progenitor types responses for.
pub const JSON: &str = "application/json";

impl Document {
    /// Reads and parses a YAML or JSON OpenAPI 3.0.x document.
    pub fn load(root: &Path, relative: &Path) -> Result<Self> {
        let full = root.join(relative);
        let text = std::fs::read_to_string(&full)
            .with_context(|| format!("cannot read the OpenAPI document {}", full.display()))?;
        Self::parse(relative, &text)
    }

    /// Parses document text; `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let raw: Value = serde_yaml::from_str(text)
            .with_context(|| format!("{} is not valid YAML/JSON", path.display()))?;
        let version = raw.get("openapi").and_then(Value::as_str).unwrap_or("");
        if !version.starts_with("3.0.") {
            bail!(
                "{}: `openapi: {version}` is not supported: progenitor and openapiv3 read \
                 OpenAPI 3.0.x only. Write the document as 3.0.3 (use `nullable: true`, \
                 not `type: [string, 'null']`).",
                path.display()
            );
        }
        let api: OpenAPI = serde_json::from_value(raw.clone())
            .with_context(|| format!("{} is not a valid OpenAPI 3.0 document", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            raw,
            api,
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
                for (key, operation) in item.iter_mut() {
                    without_cookie_parameters(&components, operation);
                    let modelled = model
                        .operations
                        .iter()
                        .find(|o| o.path == *path && o.method.key() == key);
                    if let Some(modelled) = modelled {
                        if let Some(operation) = operation.as_object_mut() {
                            operation
                                .entry("operationId")
                                .or_insert_with(|| Value::String(modelled.id.clone()));
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

/// Resolves a local `$ref` (`#/components/...`) in the raw document.
pub fn resolve_ref<'a>(raw: &'a Value, reference: &str) -> Option<&'a Value> {
    reference
        .strip_prefix('#')
        .and_then(|pointer| raw.pointer(pointer))
}
