//! Reading and validating parameters (query, header, path, cookie) and
//! bodies (see [`crate::body`]) exactly as the document declares them, into the generated
//! request struct.
//!
//! Every raw value is turned into JSON by the parameter's declared kind,
//! validated against the parameter's schema from the document (a JSON
//! Schema validator checks every declared constraint: pattern, enum,
//! format, bounds, lengths, item counts). When every parameter is valid,
//! the values are deserialized into the request struct, field by field
//! (the struct derives `Deserialize`; each [`ParamSpec`] names its field).
//! Problems are collected per parameter, never panicked on.

use std::collections::BTreeMap;
use std::convert::Infallible;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use serde::de::value::MapDeserializer;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::body::{Field, Read};
use crate::compiled::{CompiledBody, CompiledOperation, CompiledParam, Validator};
use crate::spec::{Encoding, Location, MediaSpec, ParamSpec, Shape};
use crate::values::{quote, to_json, truncate};

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
    /// A body of a media type the operation does not read: the
    /// `Content-Type` sent (quoted) and what the operation reads (415).
    pub unsupported_media: Option<(String, String)>,
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
        self.fields.is_empty() && self.unsupported_media.is_none()
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
    /// Decoded query pairs, in order, repeated keys kept (decoded on
    /// first use).
    pub query: Query,
    /// The request headers.
    pub headers: HeaderMap,
    /// Decoded path parameters, or why they could not be decoded.
    pub path_params: Result<Vec<(String, String)>, String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RawRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        let query = Query::of(&parts.uri);
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

/// The query pairs of a request, decoded on first use: a request refused
/// before its parameters are read (no credentials, say) never pays for
/// decoding them. A name or value without escapes is a span of the query
/// as received, not a copy; only decoded texts are written, into one
/// buffer.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// The request's URI (a reference count, not a copy), when not given
    /// decoded.
    uri: Option<axum::http::Uri>,
    decoded: std::sync::OnceLock<Decoded>,
}

/// The decoded pairs: spans of the raw query or of `buffer`.
#[derive(Clone, Debug, Default)]
struct Decoded {
    /// Texts that had escapes (`%xx`, `+`), decoded, one after another.
    buffer: String,
    pairs: Vec<(Span, Span)>,
}

/// Where a decoded text is: a range of the raw query, or of the buffer.
#[derive(Clone, Copy, Debug)]
enum Span {
    Raw(usize, usize),
    Buffer(usize, usize),
}

impl Decoded {
    /// The pairs of `raw` (`application/x-www-form-urlencoded`, as
    /// `form_urlencoded::parse` reads it: `&`-separated, empty pieces
    /// skipped, split at the first `=`, `+` a space, `%xx` escapes decoded,
    /// invalid UTF-8 replaced). A part without `+` or `%` is its own text,
    /// so most queries are read without writing a byte.
    fn of(raw: &str) -> Self {
        let mut decoded = Self::default();
        let mut start = 0;
        for piece in raw.split('&') {
            let at = start;
            start += piece.len() + 1;
            if piece.is_empty() {
                continue;
            }
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let name = decoded.part(at, name);
            let value = decoded.part(at + piece.len() - value.len(), value);
            decoded.pairs.push((name, value));
        }
        decoded
    }

    /// The span of `part`, found at `at` in the raw query: itself, or its
    /// decoded text in the buffer.
    fn part(&mut self, at: usize, part: &str) -> Span {
        if !part.bytes().any(|b| b == b'+' || b == b'%') {
            return Span::Raw(at, at + part.len());
        }
        let spaced = part.replace('+', " ");
        let text = percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy();
        self.owned(&text)
    }

    /// The span of `text`, written into the buffer.
    fn owned(&mut self, text: &str) -> Span {
        let start = self.buffer.len();
        self.buffer.push_str(text);
        Span::Buffer(start, self.buffer.len())
    }

    fn text<'a>(&'a self, raw: &'a str, span: Span) -> &'a str {
        match span {
            Span::Raw(start, end) => &raw[start..end],
            Span::Buffer(start, end) => &self.buffer[start..end],
        }
    }
}

impl Query {
    /// The query of `uri`, to decode when first asked.
    pub fn of(uri: &axum::http::Uri) -> Self {
        Self {
            uri: Some(uri.clone()),
            ..Self::default()
        }
    }

    /// The query as received (empty when given decoded).
    fn raw(&self) -> &str {
        self.uri
            .as_ref()
            .and_then(axum::http::Uri::query)
            .unwrap_or_default()
    }

    fn decoded(&self) -> &Decoded {
        self.decoded.get_or_init(|| Decoded::of(self.raw()))
    }

    /// The decoded pairs, in order, repeated keys kept.
    fn texts(&self) -> impl Iterator<Item = (&str, &str)> {
        let (raw, decoded) = (self.raw(), self.decoded());
        decoded
            .pairs
            .iter()
            .map(move |&(name, value)| (decoded.text(raw, name), decoded.text(raw, value)))
    }

    /// Every value of `name`, in order.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.texts()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v)
            .collect()
    }
}

impl From<Vec<(String, String)>> for Query {
    fn from(pairs: Vec<(String, String)>) -> Self {
        let mut decoded = Decoded::default();
        for (name, value) in pairs {
            let name = decoded.owned(&name);
            let value = decoded.owned(&value);
            decoded.pairs.push((name, value));
        }
        Self {
            uri: None,
            decoded: std::sync::OnceLock::from(decoded),
        }
    }
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

    /// Reads the request body as the media type its `Content-Type`
    /// selects among `consumes`, validated against the document's schema
    /// (JSON, forms and text): `Some(None)` when absent and allowed to be.
    /// Returns `None` exactly when it recorded a problem (under `"body"`,
    /// or as an unsupported media type).
    fn body(
        &self,
        errors: &mut ParamErrors,
        compiled: &CompiledBody,
        consumes: &'static [MediaSpec],
        body: &RawBody,
    ) -> Option<Option<Field>> {
        let bytes = match body {
            Ok(bytes) => bytes,
            Err(message) => {
                errors.add(BODY, message.clone());
                return None;
            }
        };
        let content_type = self
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let selected = crate::body::select(consumes, &crate::body::essence(content_type));
        // An empty form, text or byte body that says what it is, is one;
        // without a Content-Type (or as JSON) it is no body.
        let empty_is_value = selected.is_some_and(|m| m.encoding != Encoding::Json);
        if bytes.is_empty() && !empty_is_value {
            if compiled.spec.required {
                errors.add(
                    BODY,
                    if consumes.is_empty() {
                        "A JSON body is required."
                    } else {
                        "A body is required."
                    },
                );
                return None;
            }
            return Some(None);
        }
        let Some(media) = selected else {
            let sent = if content_type.trim().is_empty() {
                "(none)".to_string()
            } else {
                quote(content_type.trim())
            };
            errors.unsupported_media = Some((sent, crate::body::accepted(consumes)));
            return None;
        };
        let json = match crate::body::read(media, &compiled.form, content_type, bytes) {
            Ok(Read::Json(json)) => json,
            Ok(Read::Text(text)) => Value::String(text),
            Ok(Read::Binary(binary)) => return Some(Some(Field::Binary(binary))),
            Ok(Read::Multipart(multipart, fields)) => {
                return self
                    .validate(errors, &compiled.validator, fields)
                    .map(|_| Some(Field::Multipart(multipart)));
            }
            Err(messages) => {
                for message in messages {
                    errors.add(BODY, message);
                }
                return None;
            }
        };
        self.validate(errors, &compiled.validator, json)
            .map(|json| Some(Field::Json(json)))
    }

    /// `json` when the body's validator admits it; else `None`, with every
    /// reason recorded under `"body"`.
    fn validate(
        &self,
        errors: &mut ParamErrors,
        validator: &Validator,
        json: Value,
    ) -> Option<Value> {
        match validator {
            Ok(validator) if validator.is_valid(&json) => Some(json),
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
                None
            }
            Err(_) => {
                errors.add(BODY, "The server cannot validate this body.");
                None
            }
        }
    }

    /// The raw values of a parameter: `Ok(None)` when absent.
    fn raw_values(&self, param: &CompiledParam) -> Result<Option<Vec<&str>>, String> {
        let spec = param.spec;
        let values: Vec<&str> = match spec.location {
            Location::Query => self.query.values(spec.name),
            Location::Header => {
                let mut values = Vec::new();
                let all = match &param.header {
                    Some(name) => self.headers.get_all(name),
                    None => self.headers.get_all(spec.name),
                };
                for value in all {
                    let text = value
                        .to_str()
                        .map_err(|_| "Must contain only visible ASCII characters.".to_string())?;
                    values.push(text.trim());
                }
                values
            }
            Location::Cookie => self
                .cookies()
                .filter(|(k, _)| *k == spec.name)
                .map(|(_, v)| v)
                .collect(),
            Location::Path => {
                let params = self.path_params.as_ref().map_err(Clone::clone)?;
                params
                    .iter()
                    .filter(|(k, _)| k == spec.name)
                    .map(|(_, v)| v.as_str())
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
                    .map(str::trim)
                    .collect(),
            )),
        }
    }

    /// Reads one parameter as validated JSON: `Some(None)` when absent and
    /// allowed to be (an optional array reads as `[]`). Returns `None`
    /// exactly when it recorded a problem in `errors`.
    fn read(&self, errors: &mut ParamErrors, param: &CompiledParam) -> Option<Option<Value>> {
        let spec = param.spec;
        let values = match self.raw_values(param) {
            Ok(values) => values,
            Err(message) => {
                errors.add(spec.name, message);
                return None;
            }
        };
        let json = match values {
            None => match &param.default {
                // Admitted by its schema when compiled: nothing to check again.
                Some(default) if param.default_valid => return Some(Some(default.clone())),
                Some(default) => default.clone(),
                None if spec.required || spec.location == Location::Path => {
                    errors.add(spec.name, "This parameter is required.");
                    return None;
                }
                None if spec.shape != Shape::Scalar && !spec.absent_is_none => {
                    return Some(Some(Value::Array(Vec::new())))
                }
                None => return Some(None),
            },
            Some(values) => {
                let mut items = Vec::with_capacity(values.len());
                for value in &values {
                    match to_json(spec.kind, spec.range, value) {
                        Ok(item) => items.push(item),
                        Err(message) => {
                            let message = message.as_str();
                            errors.raw.insert(spec.name.to_string(), value.to_string());
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
        match &param.validator {
            Ok(validator) if validator.is_valid(&json) => Some(Some(json)),
            Ok(validator) => {
                if let Some(raw) = raw_text(&json) {
                    errors.raw.insert(spec.name.to_string(), raw);
                }
                for error in validator.iter_errors(&json) {
                    let at = error.instance_path().to_string();
                    let prefix = match at.strip_prefix('/').and_then(|i| i.parse::<usize>().ok()) {
                        Some(index) => format!("Item {}: ", index + 1),
                        None => String::new(),
                    };
                    errors.add(
                        spec.name,
                        hinted(spec, format!("{prefix}{}", truncate(&error.to_string()))),
                    );
                }
                None
            }
            Err(_) => {
                errors.add(spec.name, "The server cannot validate this parameter.");
                None
            }
        }
    }
}

/// The raw value of parameter `name` when reading it alone records a
/// problem (`""` when there is no value to quote); `None` when it reads,
/// or the operation has no such parameter. The gate reads the version
/// header this way before anything else.
pub(crate) fn refused_value(
    operation: &CompiledOperation,
    raw: &RawRequest,
    name: &str,
) -> Option<String> {
    let param = operation.params.iter().find(|p| p.spec.name == name)?;
    let mut errors = ParamErrors::default();
    if raw.read(&mut errors, param).is_some() {
        return None;
    }
    Some(errors.raw.remove(name).unwrap_or_default())
}

/// Reads every parameter and the body of a request to `operation` into
/// `R`, the operation's request struct. `Err` names every problem, by
/// parameter.
pub fn parse<R: DeserializeOwned>(
    operation: &CompiledOperation,
    raw: &RawRequest,
    body: &RawBody,
) -> Result<R, ParamErrors> {
    let mut errors = ParamErrors::default();
    let mut fields: Vec<(&'static str, Field)> = Vec::with_capacity(operation.params.len() + 1);
    for param in &operation.params {
        if let Some(value) = raw.read(&mut errors, param) {
            fields.extend(value.map(|value| (param.spec.field, Field::Json(value))));
        }
    }
    if let Some(compiled) = &operation.body {
        if let Some(value) = raw.body(&mut errors, compiled, operation.spec.consumes, body) {
            fields.extend(value.map(|value| (BODY, value)));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let deserializer = MapDeserializer::<_, serde_json::Error>::new(fields.into_iter());
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        // Valid by the schema, but not a value of the Rust type (an integer
        // beyond its width): named by the field it went to.
        let field = error.path().iter().next().map(|s| s.to_string());
        let param = operation
            .params
            .iter()
            .map(|p| p.spec)
            .find(|p| Some(p.field) == field.as_deref());
        let message = truncate(&error.into_inner().to_string());
        match param {
            Some(param) => errors.add(param.name, hinted(param, message)),
            None => errors.add(BODY, message),
        }
        errors
    })
}

/// `message` with the parameter's hint, if it has one.
fn hinted(spec: &ParamSpec, mut message: String) -> String {
    if let Some(hint) = spec.hint {
        message.push_str(". ");
        message.push_str(hint);
    }
    message
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ApiSpec, BodySpec, OperationSpec};

    static API: ApiSpec = ApiSpec {
        title: "t",
        problems: &[],
        schemes: &[],
        problem: None,
        usual_error: None,
    };

    static FORM_OP: OperationSpec = OperationSpec {
        id: "form",
        method: "POST",
        body: Some(BodySpec {
            required: true,
            schema: r#"{"type":"object","required":["Name"],"properties":{"Name":{"type":"string"},"Ttl":{"type":"integer","minimum":0},"Read":{"type":"boolean"}}}"#,
        }),
        consumes: &[MediaSpec::form("application/x-www-form-urlencoded")],
        ..OperationSpec::of(&API)
    };

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct FormRequest {
        body: FormBody,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct FormBody {
        name: String,
        ttl: Option<u32>,
        read: Option<bool>,
    }

    fn request(content_type: &str) -> RawRequest {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            content_type.parse().unwrap(),
        );
        RawRequest {
            method: Method::POST,
            path: "/form".into(),
            query: Query::default(),
            headers,
            path_params: Ok(Vec::new()),
        }
    }

    fn parse_form(content_type: &str, body: &'static str) -> Result<FormRequest, ParamErrors> {
        let compiled = CompiledOperation::new(&FORM_OP);
        parse(&compiled, &request(content_type), &Ok(body.into()))
    }

    #[test]
    fn a_form_body_is_parsed_validated_and_refused_by_field_or_media_type() {
        let form = "application/x-www-form-urlencoded; charset=utf-8";
        assert_eq!(
            parse_form(form, "Name=a+b&Ttl=60&Read=true").unwrap(),
            FormRequest {
                body: FormBody {
                    name: "a b".into(),
                    ttl: Some(60),
                    read: Some(true)
                }
            }
        );
        let errors = parse_form(form, "Name=x&Ttl=-1&Read=maybe").unwrap_err();
        assert_eq!(
            errors.fields[BODY],
            vec!["/Read: Must be true or false. Got \"maybe\"."]
        );
        let errors = parse_form(form, "Ttl=-1").unwrap_err();
        assert!(
            errors.fields[BODY].iter().any(|m| m.contains("Name")),
            "{errors:?}"
        );
        assert!(
            errors.fields[BODY].iter().any(|m| m.starts_with("/Ttl: ")),
            "{errors:?}"
        );
        let errors = parse_form("application/json", "{\"Name\":\"x\"}").unwrap_err();
        assert!(errors.fields.is_empty());
        assert_eq!(
            errors.unsupported_media,
            Some((
                "\"application/json\"".into(),
                "application/x-www-form-urlencoded".into()
            ))
        );
    }

    #[test]
    fn query_values_are_decoded_in_order_whether_escaped_or_not() {
        let uri: axum::http::Uri = "/x?a=1&b=x%20y&a=two+words&c&%61=%E2%82%AC&d=%FF&a="
            .parse()
            .unwrap();
        let query = Query::of(&uri);
        assert_eq!(query.values("a"), ["1", "two words", "€", ""]);
        assert_eq!(query.values("b"), ["x y"]);
        assert_eq!(query.values("c"), [""]);
        assert_eq!(query.values("d"), ["\u{FFFD}"]);
        assert!(query.values("e").is_empty());
        let owned: Vec<(&str, &str)> = query.texts().collect();
        assert_eq!(
            owned,
            [
                ("a", "1"),
                ("b", "x y"),
                ("a", "two words"),
                ("c", ""),
                ("a", "€"),
                ("d", "\u{FFFD}"),
                ("a", "")
            ]
        );
        let given = Query::from(vec![("k".to_string(), "v w".to_string())]);
        assert_eq!(given.values("k"), ["v w"]);
        assert!(Query::of(&"/x".parse().unwrap()).values("a").is_empty());
    }

    #[test]
    fn queries_read_as_form_urlencoded_reads_them() {
        for raw in [
            "",
            "a=1",
            "a=b=c",
            "&&a=1&&",
            "=x",
            "a",
            "a=",
            "%zz=%2",
            "a+b=%2B%20+",
            "k=%E2%82%AC%FF%C3",
            "x=caf%C3%A9&y=%",
            "logged_at__gte=2024-04-17T09%3A39%3A45%2B01%3A00&id=csub01",
        ] {
            let uri: axum::http::Uri = format!("/p?{raw}").parse().unwrap();
            let query = Query::of(&uri);
            let ours: Vec<(&str, &str)> = query.texts().collect();
            let theirs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect();
            let theirs: Vec<(&str, &str)> = theirs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            assert_eq!(ours, theirs, "{raw:?}");
        }
    }
}
