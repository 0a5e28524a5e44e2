//! Reading and validating parameters (query, header, path) exactly as the
//! document declares them.
//!
//! Every raw value is turned into JSON by the parameter's declared kind,
//! validated against the parameter's schema from the document (a JSON
//! Schema validator checks every declared constraint: pattern, enum,
//! format, bounds, lengths, item counts), then deserialized into the
//! generated type. Problems are collected per parameter, never panicked on.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::OnceLock;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

/// Where a parameter is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// In the query string.
    Query,
    /// In a request header.
    Header,
    /// In the path.
    Path,
    /// In a cookie (`Cookie: name=value`).
    Cookie,
}

/// The JSON type of a parameter's value (of its items, for arrays).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `type: string`
    String,
    /// `type: integer`
    Integer,
    /// `type: number`
    Number,
    /// `type: boolean`
    Boolean,
}

/// Whether a parameter is one value or an array, and how arrays are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One value.
    Scalar,
    /// `style: form, explode: true` (`a=1&a=2`) in a query.
    Exploded,
    /// Comma-separated in one value (`a=1,2`; `style: simple` in headers and paths).
    CommaSeparated,
}

/// A parameter as the document declares it. The generated code holds one
/// per parameter in a `static`.
#[derive(Debug)]
pub struct ParamSpec {
    /// The name in the document (`logged_at__gte`, `EvEnergy-Version`).
    pub name: &'static str,
    /// Where the parameter is.
    pub location: Location,
    /// The JSON type of the value or of its items.
    pub kind: Kind,
    /// One value or an array.
    pub shape: Shape,
    /// Whether the document requires it.
    pub required: bool,
    /// The parameter's schema as JSON Schema 2020-12 text, `$ref`s inlined.
    pub schema: &'static str,
    /// The document's `default`, as JSON text.
    pub default: Option<&'static str>,
    /// Advice added to a validation error (e.g. an example of the format).
    pub hint: Option<&'static str>,
    /// The compiled schema, built on first use.
    pub compiled: Compiled,
}

/// A lazily compiled validator of a [`ParamSpec`].
pub struct Compiled(OnceLock<Result<jsonschema::Validator, String>>);

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.0.get() {
            None => "not compiled yet",
            Some(Ok(_)) => "compiled",
            Some(Err(_)) => "does not compile",
        };
        f.write_str(state)
    }
}

impl Compiled {
    /// Not compiled yet.
    pub const fn new() -> Self {
        Self(OnceLock::new())
    }
}

impl Default for Compiled {
    fn default() -> Self {
        Self::new()
    }
}

impl ParamSpec {
    fn validator(&self) -> Result<&jsonschema::Validator, &str> {
        self.compiled
            .0
            .get_or_init(|| compile(self.schema))
            .as_ref()
            .map_err(String::as_str)
    }
}

/// A request body as the document declares it (JSON only). Generated, one
/// per operation with a `requestBody`.
#[derive(Debug)]
pub struct BodySpec {
    /// Whether the document requires a body.
    pub required: bool,
    /// The body's schema as JSON Schema 2020-12 text, `$ref`s inlined.
    pub schema: &'static str,
    /// The compiled schema, built on first use.
    pub compiled: Compiled,
}

/// The raw request body, or why it could not be read (e.g. too large).
pub type RawBody = Result<axum::body::Bytes, String>;

/// The key under which body problems are reported in `field_errors`.
pub const BODY: &str = "body";

/// Every problem found with a request's parameters, by parameter name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamErrors {
    /// Messages per parameter name.
    pub fields: BTreeMap<String, Vec<String>>,
    /// The raw values of rejected parameters, for messages that quote them.
    pub raw: BTreeMap<String, String>,
}

impl ParamErrors {
    /// Records a problem with parameter `name`.
    pub fn add(&mut self, name: &str, message: impl Into<String>) {
        self.fields
            .entry(name.to_string())
            .or_default()
            .push(message.into());
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// The parts of a request the adapter reads: method, path, query pairs,
/// headers and path parameters. Extracting it never fails.
#[derive(Clone, Debug)]
pub struct RawRequest {
    /// The request method.
    pub method: Method,
    /// The request path, as received.
    pub path: String,
    /// Decoded query pairs, in order, repeated keys kept.
    pub query: Vec<(String, String)>,
    /// The request headers.
    pub headers: HeaderMap,
    /// Decoded path parameters, or why they could not be decoded.
    pub path_params: Result<Vec<(String, String)>, String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RawRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let query = parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let path_params = match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => Ok(params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()),
            Err(rejection) => Err(rejection.body_text()),
        };
        Ok(Self {
            method: parts.method.clone(),
            path: parts.uri.path().to_string(),
            query,
            // The adapter is the only extractor that reads headers: take them, don't copy.
            headers: std::mem::take(&mut parts.headers),
            path_params,
        })
    }
}

/// Longest quoted input in a message.
const QUOTE_LIMIT: usize = 80;

fn quote(value: &str) -> String {
    if value.chars().count() <= QUOTE_LIMIT {
        format!("{value:?}")
    } else {
        let cut: String = value.chars().take(QUOTE_LIMIT).collect();
        format!("{cut:?}…")
    }
}

fn compile(schema: &str) -> Result<jsonschema::Validator, String> {
    let schema: Value = serde_json::from_str(schema).map_err(|e| e.to_string())?;
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| e.to_string())
}

impl RawRequest {
    /// The request's cookies (RFC 6265 `name=value` pairs of every
    /// `Cookie` header), in order; pairs without `=` are skipped.
    pub fn cookies(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                Some((name.trim(), value))
            })
    }

    /// A required JSON body. `None` iff a problem was recorded.
    pub fn required_body<T: DeserializeOwned>(
        &self,
        errors: &mut ParamErrors,
        spec: &BodySpec,
        body: &RawBody,
    ) -> Option<T> {
        match self.json_body::<T>(errors, spec, body)? {
            Some(value) => Some(value),
            None => {
                errors.add(BODY, "A JSON body is required.");
                None
            }
        }
    }

    /// An optional JSON body: `Some(None)` when absent. `None` iff a problem was recorded.
    pub fn optional_body<T: DeserializeOwned>(
        &self,
        errors: &mut ParamErrors,
        spec: &BodySpec,
        body: &RawBody,
    ) -> Option<Option<T>> {
        self.json_body::<T>(errors, spec, body)
    }

    /// Reads a JSON request body into `T`, validated against the document's
    /// schema: `Some(None)` when absent and allowed to be. Returns `None`
    /// exactly when it recorded a problem (under `"body"`) in `errors`.
    fn json_body<T: DeserializeOwned>(
        &self,
        errors: &mut ParamErrors,
        spec: &BodySpec,
        body: &RawBody,
    ) -> Option<Option<T>> {
        let bytes = match body {
            Ok(bytes) => bytes,
            Err(message) => {
                errors.add(BODY, message.clone());
                return None;
            }
        };
        if bytes.is_empty() {
            if spec.required {
                errors.add(BODY, "A JSON body is required.");
                return None;
            }
            return Some(None);
        }
        let content_type = self
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if content_type != "application/json" && !content_type.ends_with("+json") {
            errors.add(
                BODY,
                "Send the body as JSON, with Content-Type: application/json.",
            );
            return None;
        }
        let json: Value = match serde_json::from_slice(bytes) {
            Ok(json) => json,
            Err(e) => {
                errors.add(
                    BODY,
                    format!("Not valid JSON: {}.", truncate(&e.to_string())),
                );
                return None;
            }
        };
        match spec
            .compiled
            .0
            .get_or_init(|| compile(spec.schema))
            .as_ref()
        {
            Ok(validator) if validator.is_valid(&json) => {}
            Ok(validator) => {
                for error in validator.iter_errors(&json) {
                    let at = error.instance_path().to_string();
                    let at = if at.is_empty() {
                        String::new()
                    } else {
                        format!("{at}: ")
                    };
                    errors.add(BODY, format!("{at}{}", truncate(&error.to_string())));
                }
                return None;
            }
            Err(e) => {
                tracing::error!(error = e, "the request body's schema does not compile");
                errors.add(BODY, "The server cannot validate this body.");
                return None;
            }
        }
        match serde_json::from_value::<T>(json) {
            Ok(value) => Some(Some(value)),
            Err(e) => {
                errors.add(BODY, truncate(&e.to_string()));
                None
            }
        }
    }

    /// The raw values of a parameter: `Ok(None)` when absent.
    fn raw_values(&self, spec: &ParamSpec) -> Result<Option<Vec<String>>, String> {
        let values: Vec<String> = match spec.location {
            Location::Query => self
                .query
                .iter()
                .filter(|(k, _)| k == spec.name)
                .map(|(_, v)| v.clone())
                .collect(),
            Location::Header => {
                let mut values = Vec::new();
                for value in self.headers.get_all(spec.name) {
                    let text = value
                        .to_str()
                        .map_err(|_| "Must contain only visible ASCII characters.".to_string())?;
                    values.push(text.trim().to_string());
                }
                values
            }
            Location::Cookie => self
                .cookies()
                .filter(|(k, _)| *k == spec.name)
                .map(|(_, v)| v.to_string())
                .collect(),
            Location::Path => {
                let params = self.path_params.as_ref().map_err(Clone::clone)?;
                params
                    .iter()
                    .filter(|(k, _)| k == spec.name)
                    .map(|(_, v)| v.clone())
                    .collect()
            }
        };
        if values.is_empty() {
            return Ok(None);
        }
        match spec.shape {
            Shape::Scalar if values.len() > 1 => Err(format!(
                "Give this parameter once; it was given {} times.",
                values.len()
            )),
            Shape::Scalar | Shape::Exploded => Ok(Some(values)),
            Shape::CommaSeparated => Ok(Some(
                values
                    .iter()
                    .flat_map(|v| v.split(','))
                    .map(|v| v.trim().to_string())
                    .collect(),
            )),
        }
    }

    /// Reads one parameter into `T`: `Some(None)` when absent and allowed to be.
    /// Returns `None` exactly when it recorded a problem in `errors`.
    fn read<T: DeserializeOwned>(
        &self,
        errors: &mut ParamErrors,
        spec: &ParamSpec,
    ) -> Option<Option<T>> {
        let values = match self.raw_values(spec) {
            Ok(values) => values,
            Err(message) => {
                errors.add(spec.name, message);
                return None;
            }
        };
        let json = match values {
            None => match spec.default {
                Some(default) => match serde_json::from_str(default) {
                    Ok(json) => json,
                    Err(e) => {
                        tracing::error!(parameter = spec.name, error = %e, "the document's default does not parse");
                        errors.add(
                            spec.name,
                            "The server's default for this parameter is invalid.",
                        );
                        return None;
                    }
                },
                None if spec.required => {
                    errors.add(spec.name, "This parameter is required.");
                    return None;
                }
                None => return Some(None),
            },
            Some(values) => {
                let mut items = Vec::with_capacity(values.len());
                for value in &values {
                    match to_json(spec.kind, value) {
                        Ok(item) => items.push(item),
                        Err(message) => {
                            errors.raw.insert(spec.name.to_string(), value.clone());
                            errors.add(spec.name, format!("{message} Got {}.", quote(value)));
                            return None;
                        }
                    }
                }
                match spec.shape {
                    Shape::Scalar => items.pop().unwrap_or(Value::Null),
                    Shape::Exploded | Shape::CommaSeparated => Value::Array(items),
                }
            }
        };
        match spec.validator() {
            Ok(validator) if validator.is_valid(&json) => {}
            Ok(validator) => {
                if let Some(raw) = raw_text(&json) {
                    errors.raw.insert(spec.name.to_string(), raw);
                }
                let mut invalid = false;
                for error in validator.iter_errors(&json) {
                    invalid = true;
                    let at = error.instance_path().to_string();
                    let prefix = match at.strip_prefix('/').and_then(|i| i.parse::<usize>().ok()) {
                        Some(index) => format!("Item {}: ", index + 1),
                        None => String::new(),
                    };
                    let mut message = format!("{prefix}{}", truncate(&error.to_string()));
                    if let Some(hint) = spec.hint {
                        message.push_str(". ");
                        message.push_str(hint);
                    }
                    errors.add(spec.name, message);
                }
                if invalid {
                    return None;
                }
            }
            Err(e) => {
                tracing::error!(
                    parameter = spec.name,
                    error = e,
                    "the parameter's schema does not compile"
                );
                errors.add(spec.name, "The server cannot validate this parameter.");
                return None;
            }
        }
        match serde_json::from_value::<T>(json) {
            Ok(value) => Some(Some(value)),
            Err(e) => {
                let mut message = truncate(&e.to_string());
                if let Some(hint) = spec.hint {
                    message.push_str(". ");
                    message.push_str(hint);
                }
                errors.add(spec.name, message);
                None
            }
        }
    }

    /// A required parameter (or one with a default). `None` iff a problem was recorded.
    pub fn required<T: DeserializeOwned>(
        &self,
        errors: &mut ParamErrors,
        spec: &ParamSpec,
    ) -> Option<T> {
        match self.read::<T>(errors, spec)? {
            Some(value) => Some(value),
            None => {
                errors.add(spec.name, "This parameter is required.");
                None
            }
        }
    }

    /// An optional parameter: `Some(None)` when absent. `None` iff a problem was recorded.
    pub fn optional<T: DeserializeOwned>(
        &self,
        errors: &mut ParamErrors,
        spec: &ParamSpec,
    ) -> Option<Option<T>> {
        self.read::<T>(errors, spec)
    }

    /// An array parameter: empty when absent and optional. `None` iff a problem was recorded.
    pub fn array<T: DeserializeOwned>(
        &self,
        errors: &mut ParamErrors,
        spec: &ParamSpec,
    ) -> Option<Vec<T>> {
        self.read::<Vec<T>>(errors, spec)
            .map(Option::unwrap_or_default)
    }
}

/// The raw text of a rejected value, for messages that quote it.
fn raw_text(json: &Value) -> Option<String> {
    match json {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(raw_text)
                .collect::<Vec<_>>()
                .join(","),
        ),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn truncate(message: &str) -> String {
    const LIMIT: usize = 300;
    if message.chars().count() <= LIMIT {
        message.to_string()
    } else {
        let cut: String = message.chars().take(LIMIT).collect();
        format!("{cut}…")
    }
}

/// A raw value as JSON of the declared kind.
fn to_json(kind: Kind, raw: &str) -> Result<Value, &'static str> {
    match kind {
        Kind::String => Ok(Value::String(raw.to_string())),
        Kind::Integer => raw
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| raw.parse::<u64>().map(Value::from))
            .map_err(|_| "Must be an integer."),
        Kind::Number => raw
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| {
                raw.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .ok_or(())
            })
            .map_err(|_| "Must be a number."),
        Kind::Boolean => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("Must be true or false."),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static ID: ParamSpec = ParamSpec {
        name: "id",
        location: Location::Query,
        kind: Kind::String,
        shape: Shape::Scalar,
        required: true,
        schema: r#"{"type":"string","pattern":"^csub[0-9A-Z]{26}$"}"#,
        default: None,
        hint: None,
        compiled: Compiled::new(),
    };

    fn request(id: &str) -> RawRequest {
        RawRequest {
            method: Method::GET,
            path: "/x".into(),
            query: vec![("id".into(), id.into())],
            headers: HeaderMap::new(),
            path_params: Ok(Vec::new()),
        }
    }

    #[test]
    fn a_parameter_schema_is_compiled_once_and_reused() {
        assert!(ID.compiled.0.get().is_none(), "compiled before first use");
        let mut errors = ParamErrors::default();
        assert_eq!(request("nope").required::<String>(&mut errors, &ID), None);
        let first = ID.validator().unwrap() as *const jsonschema::Validator;
        for id in ["bad", "csub01HSH04KDEWF6Z4DB2J77J74K5", "also bad"] {
            let _ = request(id).required::<String>(&mut ParamErrors::default(), &ID);
        }
        let later = ID.validator().unwrap() as *const jsonschema::Validator;
        assert_eq!(
            first, later,
            "the same compiled validator serves every request"
        );
        assert!(
            errors.fields["id"][0].contains("does not match"),
            "{errors:?}"
        );
    }
}
