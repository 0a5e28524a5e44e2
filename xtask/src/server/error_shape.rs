//! Errors in the document's own shape: how the adapter's problems fill an
//! error schema, decided once here from the schema's property names and
//! types and declared as a table (`rt::ErrorShape`) that the runtime
//! interprets. The mapping itself is documented in the runtime
//! (`crates/ev-energy-runtime/src/shape.rs`) and the README ("Errors in your
//! document's shape"); this reads a schema into it.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::model::{Finding, Media, Model};
use crate::types::typed_media;

/// What fills one property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Status,
    StatusText,
    Code,
    Title,
    Detail,
    Type,
    Instance,
    RequestId,
    Path,
    Timestamp,
    /// `Map`, `MapOfText`, `Texts`, or `Objects { name, reason }`.
    FieldErrors(FieldErrors),
    Object(Vec<Field>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldErrors {
    Map,
    MapOfText,
    Texts,
    Objects {
        name: Option<String>,
        reason: Option<String>,
    },
}

/// One property and what fills it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub source: Source,
}

/// How an error schema holds the adapter's problems.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An RFC 9457 problem as it is: every property the mapping fills is
    /// the problem member of that name, and the schema takes the others.
    Problem,
    /// Property by property.
    Fields(Vec<Field>),
    /// Required properties nothing fills, by path (`trace_id`,
    /// `error.when`).
    Unfillable(Vec<String>),
}

/// The problem members, as RFC 9457 names them, with their source.
const MEMBERS: [&str; 6] = [
    "type",
    "status",
    "title",
    "detail",
    "instance",
    "field_errors",
];

/// Reads `schema` (self-contained JSON Schema, `$ref`s inlined) as an
/// error shape.
pub fn read(schema: &Value) -> Shape {
    let Some(object) = Object::of(schema) else {
        // Not an object with properties (free-form, `oneOf`, …): the
        // problem as it is, through the type, as before.
        return Shape::Problem;
    };
    if object.properties.is_empty() {
        return Shape::Problem;
    }
    let mut missing = Vec::new();
    let mut fields = fields(&object, "", &mut missing);
    if !missing.is_empty() {
        return Shape::Unfillable(missing);
    }
    if is_problem(&object, &fields) {
        return Shape::Problem;
    }
    // A shape without a detail-like field puts the detail in its first
    // title-like one.
    if !any(&fields, &|s| *s == Source::Detail) {
        promote_title(&mut fields);
    }
    Shape::Fields(fields)
}

fn any(fields: &[Field], wanted: &dyn Fn(&Source) -> bool) -> bool {
    fields.iter().any(|f| match &f.source {
        Source::Object(inner) => any(inner, wanted),
        source => wanted(source),
    })
}

fn promote_title(fields: &mut [Field]) -> bool {
    fields.iter_mut().any(|field| match &mut field.source {
        Source::Title => {
            field.source = Source::Detail;
            true
        }
        Source::Object(inner) => promote_title(inner),
        _ => false,
    })
}

/// Whether the mapping is the problem as it is: each filled property is
/// the problem member of its name, and the schema takes the problem's
/// other members (it is open, or has them all).
fn is_problem(object: &Object<'_>, fields: &[Field]) -> bool {
    let identity = fields.iter().all(|f| {
        matches!(
            (f.name.as_str(), &f.source),
            ("type", Source::Type)
                | ("status", Source::Status)
                | ("title", Source::Title)
                | ("detail", Source::Detail)
                | ("instance", Source::Instance)
                | ("field_errors", Source::FieldErrors(FieldErrors::Map))
        )
    });
    let takes_the_rest = !object.closed
        || MEMBERS
            .iter()
            .all(|m| object.properties.iter().any(|(n, _)| n == m));
    identity && takes_the_rest
}

/// An object schema's properties (with `allOf` parts merged).
struct Object<'a> {
    properties: Vec<(String, &'a Value)>,
    required: Vec<String>,
    /// `additionalProperties: false`.
    closed: bool,
}

impl<'a> Object<'a> {
    fn of(schema: &'a Value) -> Option<Self> {
        let mut object = Object {
            properties: Vec::new(),
            required: Vec::new(),
            closed: false,
        };
        let mut found = false;
        object.merge(schema, &mut found, 0);
        found.then_some(object)
    }

    fn merge(&mut self, schema: &'a Value, found: &mut bool, depth: usize) {
        if depth > 16 {
            return;
        }
        let Some(map) = schema.as_object() else {
            return;
        };
        if kind(schema).is_some_and(|k| k != "object") {
            return;
        }
        if let Some(Value::Object(properties)) = map.get("properties") {
            *found = true;
            for (name, property) in properties {
                if !self.properties.iter().any(|(n, _)| n == name) {
                    self.properties.push((name.clone(), property));
                }
            }
        } else if kind(schema) == Some("object") {
            *found = true;
        }
        if let Some(Value::Array(required)) = map.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !self.required.iter().any(|r| r == name) {
                    self.required.push(name.to_string());
                }
            }
        }
        if map.get("additionalProperties") == Some(&Value::Bool(false)) {
            self.closed = true;
        }
        if let Some(Value::Array(parts)) = map.get("allOf") {
            for part in parts {
                self.merge(part, found, depth + 1);
            }
        }
    }
}

/// The JSON type of a schema, `null` left out of a type array; `None` when
/// it names none or several.
fn kind(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(types)) => {
            let named: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            match named.as_slice() {
                [one] => Some(one),
                _ => None,
            }
        }
        _ if schema.get("properties").is_some() => Some("object"),
        _ => None,
    }
}

/// `statusCode`, `status_code`, `Status-Code` → `statuscode`.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn fields(object: &Object<'_>, path: &str, missing: &mut Vec<String>) -> Vec<Field> {
    let mut out = Vec::new();
    for (name, property) in &object.properties {
        let full = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        match source(name, property, &full, missing) {
            Some(source) => out.push(Field {
                name: name.clone(),
                source,
            }),
            None if object.required.contains(name) => missing.push(full),
            None => {}
        }
    }
    // A required property the schema does not describe cannot be filled.
    for name in &object.required {
        if !object.properties.iter().any(|(n, _)| n == name) {
            missing.push(if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            });
        }
    }
    out
}

/// What fills property `name` of schema `property`, if anything does.
fn source(name: &str, property: &Value, path: &str, missing: &mut Vec<String>) -> Option<Source> {
    let key = normalized(name);
    let kind = kind(property);
    // A value from a closed list (`enum`, `const`) is not ours to choose.
    let constrained = property.get("enum").is_some()
        || property.get("const").is_some()
        || property.get("pattern").is_some();
    let string = kind.is_none_or(|k| k == "string") && !constrained;
    let number = matches!(kind, None | Some("integer") | Some("number")) && !constrained;
    let key = key.as_str();
    let status_like = matches!(
        key,
        "status" | "statuscode" | "httpstatus" | "httpstatuscode" | "httpcode"
    );
    let code_like = matches!(key, "code" | "errorcode");
    // An untyped `status` or `code` gets the number.
    if (status_like || code_like) && number {
        return Some(Source::Status);
    }
    if status_like && string {
        return Some(Source::StatusText);
    }
    if code_like && string {
        return Some(Source::Code);
    }
    if matches!(
        key,
        "title" | "error" | "summary" | "reason" | "errortitle" | "errorname"
    ) && string
    {
        return Some(Source::Title);
    }
    if matches!(
        key,
        "detail"
            | "details"
            | "message"
            | "msg"
            | "description"
            | "errordescription"
            | "errormessage"
            | "errordetail"
            | "text"
    ) && string
    {
        return Some(Source::Detail);
    }
    if matches!(key, "type" | "errortype" | "typeuri") && string {
        return Some(Source::Type);
    }
    if key == "instance" && string {
        return Some(Source::Instance);
    }
    if matches!(key, "requestid" | "traceid" | "correlationid") && string {
        return Some(Source::RequestId);
    }
    if key == "path" && string {
        return Some(Source::Path);
    }
    let date_only = property.get("format").and_then(Value::as_str) == Some("date");
    if matches!(key, "timestamp" | "time" | "datetime") && string && !date_only {
        return Some(Source::Timestamp);
    }
    if matches!(
        key,
        "errors"
            | "fielderrors"
            | "invalidparams"
            | "invalidparameters"
            | "validationerrors"
            | "violations"
            | "details"
    ) {
        if let Some(form) = field_errors(property) {
            return Some(Source::FieldErrors(form));
        }
    }
    if matches!(key, "error" | "err" | "problem" | "fault") && kind == Some("object") {
        let inner = Object::of(property)?;
        let mut inner_missing = Vec::new();
        let fields = fields(&inner, path, &mut inner_missing);
        if fields.is_empty() {
            return None;
        }
        missing.extend(inner_missing);
        return Some(Source::Object(fields));
    }
    None
}

/// The form of a field-errors property, when its schema is one we fill.
fn field_errors(property: &Value) -> Option<FieldErrors> {
    let text = |schema: &Value| kind(schema) == Some("string") && schema.get("enum").is_none();
    match kind(property)? {
        "object" => {
            let values = property.get("additionalProperties")?;
            if text(values) {
                Some(FieldErrors::MapOfText)
            } else if kind(values) == Some("array") && values.get("items").is_some_and(text) {
                Some(FieldErrors::Map)
            } else {
                None
            }
        }
        "array" => {
            let items = property.get("items")?;
            if text(items) {
                return Some(FieldErrors::Texts);
            }
            let item = Object::of(items)?;
            let mut name = None;
            let mut reason = None;
            for (key, schema) in &item.properties {
                if !text(schema) {
                    continue;
                }
                let normalized = normalized(key);
                if name.is_none()
                    && matches!(
                        normalized.as_str(),
                        "name"
                            | "field"
                            | "param"
                            | "parameter"
                            | "pointer"
                            | "path"
                            | "location"
                            | "loc"
                            | "property"
                            | "source"
                    )
                {
                    name = Some(key.clone());
                } else if reason.is_none()
                    && matches!(
                        normalized.as_str(),
                        "reason" | "message" | "detail" | "description" | "error" | "msg" | "title"
                    )
                {
                    reason = Some(key.clone());
                }
            }
            let filled = |r: &String| Some(r) == name.as_ref() || Some(r) == reason.as_ref();
            (reason.is_some() && item.required.iter().all(filled))
                .then_some(FieldErrors::Objects { name, reason })
        }
        _ => None,
    }
}

impl Shape {
    /// The shape as the runtime's declaration (`ErrorShape::…`, with the
    /// runtime's `ErrorShape`, `ErrorField`, `Source` and `FieldErrors` in
    /// scope), with `why` for an unfillable one.
    pub fn tokens(&self, why: &str) -> TokenStream {
        match self {
            Shape::Problem => quote! { ErrorShape::Problem },
            Shape::Fields(fields) => {
                let fields = fields_tokens(fields);
                quote! { ErrorShape::Fields(&[#(#fields),*]) }
            }
            Shape::Unfillable(_) => quote! { ErrorShape::Unfillable(#why) },
        }
    }
}

fn fields_tokens(fields: &[Field]) -> Vec<TokenStream> {
    fields
        .iter()
        .map(|field| {
            let name = &field.name;
            let source = match &field.source {
                Source::Status => quote! { Status },
                Source::StatusText => quote! { StatusText },
                Source::Code => quote! { Code },
                Source::Title => quote! { Title },
                Source::Detail => quote! { Detail },
                Source::Type => quote! { Type },
                Source::Instance => quote! { Instance },
                Source::RequestId => quote! { RequestId },
                Source::Path => quote! { Path },
                Source::Timestamp => quote! { Timestamp },
                Source::FieldErrors(form) => {
                    let form = match form {
                        FieldErrors::Map => quote! { Map },
                        FieldErrors::MapOfText => quote! { MapOfText },
                        FieldErrors::Texts => quote! { Texts },
                        FieldErrors::Objects { name, reason } => {
                            let option = |o: &Option<String>| match o {
                                Some(s) => quote! { Some(#s) },
                                None => quote! { None },
                            };
                            let (name, reason) = (option(name), option(reason));
                            quote! { Objects { name: #name, reason: #reason } }
                        }
                    };
                    quote! { FieldErrors(FieldErrors::#form) }
                }
                Source::Object(inner) => {
                    let inner = fields_tokens(inner);
                    quote! { Object(&[#(#inner),*]) }
                }
            };
            quote! { ErrorField::new(#name, Source::#source) }
        })
        .collect()
}

/// What the shape sends, in a sentence for docs and warnings:
/// "`code` ← the status, `message` ← the detail".
pub fn describe(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| {
            let what = match &f.source {
                Source::Status => "the status".to_string(),
                Source::StatusText => "the status as text".to_string(),
                Source::Code => "the title in snake case".to_string(),
                Source::Title => "the title".to_string(),
                Source::Detail => "the detail".to_string(),
                Source::Type => "the problem type".to_string(),
                Source::Instance => "urn:request:<request id>".to_string(),
                Source::RequestId => "the request id".to_string(),
                Source::Path => "the request's path".to_string(),
                Source::Timestamp => "the time of the answer".to_string(),
                Source::FieldErrors(_) => "the field errors".to_string(),
                Source::Object(inner) => format!("{{{}}}", describe(inner)),
            };
            format!("`{}` ← {what}", f.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The error schema of one error response: its shape, with the pointer
/// that names it (its `components/schemas` entry, else where it is written).
pub fn of_media(media: &Media) -> Option<(Shape, String)> {
    let schema = media.schema.as_ref()?;
    let shape = schema.json_schema.as_ref().map_or(Shape::Problem, read);
    let pointer = match &schema.component {
        Some(name) => format!(
            "/components/schemas/{}",
            name.replace('~', "~0").replace('/', "~1")
        ),
        None => schema.pointer.clone(),
    };
    Some((shape, pointer))
}

/// One warning per error schema the adapter's problems cannot fill: what
/// it requires that nothing fills, and what the adapter sends instead.
pub fn findings(model: &Model) -> Vec<Finding> {
    let mut warned = Vec::new();
    let mut findings = Vec::new();
    let responses = model
        .operations
        .iter()
        .flat_map(|o| &o.responses)
        .filter(|r| r.status.is_error());
    for response in responses {
        let Some((Shape::Unfillable(missing), pointer)) =
            typed_media(&response.content).and_then(of_media)
        else {
            continue;
        };
        if warned.contains(&pointer) {
            continue;
        }
        warned.push(pointer.clone());
        findings.push(Finding::warning(pointer, unfillable_message(&missing)));
    }
    findings
}

/// Why a schema cannot hold the adapter's problems, and what happens.
pub fn unfillable_message(missing: &[String]) -> String {
    let names = missing
        .iter()
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let them = if missing.len() == 1 { "it" } else { "them" };
    format!(
        "this error schema requires {names}, which nothing in a problem (status, title, detail, \
         type, instance, field errors) fills: where the adapter answers one of its own errors (a \
         400 for bad parameters, 401, 403, 404, 405, 406, 413, 429, 500, 503) with a response of \
         this schema, it sends RFC 9457 application/problem+json instead, which a client decoding \
         this schema does not read, and the `Problems` constructors of its type return an error. \
         Make {names} optional, or name {them} as the README's error mapping does (`code`, \
         `message`, …)"
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(name: &str, source: Source) -> Field {
        Field {
            name: name.into(),
            source,
        }
    }

    #[test]
    fn petstores_error_is_filled_by_status_and_detail() {
        let schema = json!({
            "type": "object", "required": ["code", "message"],
            "properties": {
                "code": {"type": "integer", "format": "int32"},
                "message": {"type": "string"}
            }
        });
        assert_eq!(
            read(&schema),
            Shape::Fields(vec![
                field("code", Source::Status),
                field("message", Source::Detail)
            ])
        );
    }

    #[test]
    fn an_rfc_problem_is_filled_as_it_is() {
        // Our own document's Problem: every problem member, and more.
        let schema = json!({
            "type": "object", "required": ["status", "title", "detail"],
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "status": {"type": "integer", "minimum": 100, "maximum": 599},
                "title": {"type": "string"}, "detail": {"type": "string"},
                "instance": {"type": "string", "format": "uri"},
                "notification": {"type": "object", "properties": {"id": {"type": "string"}}},
                "field_errors": {"type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}}}
            }
        });
        assert_eq!(read(&schema), Shape::Problem);
        // Closed, without `instance`: the problem as it is would not fit.
        let closed = json!({
            "type": "object", "additionalProperties": false,
            "properties": {"status": {"type": "integer"}, "title": {"type": "string"}}
        });
        assert_eq!(
            read(&closed),
            Shape::Fields(vec![
                field("status", Source::Status),
                field("title", Source::Detail)
            ]),
            "the only text gets the detail"
        );
    }

    #[test]
    fn spotify_and_oauth_shapes_and_field_error_lists() {
        let spotify = json!({
            "type": "object", "required": ["error"],
            "properties": {"error": {
                "type": "object", "required": ["status", "message"],
                "properties": {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "message": {"type": "string"}
                }
            }}
        });
        assert_eq!(
            read(&spotify),
            Shape::Fields(vec![field(
                "error",
                Source::Object(vec![
                    field("status", Source::Status),
                    field("message", Source::Detail)
                ])
            )])
        );
        let oauth = json!({
            "type": "object", "required": ["error"],
            "properties": {
                "error": {"type": "string"},
                "error_description": {"type": "string"},
                "errors": {"type": "array", "items": {
                    "type": "object", "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}}
                }}
            }
        });
        assert_eq!(
            read(&oauth),
            Shape::Fields(vec![
                field("error", Source::Title),
                field("error_description", Source::Detail),
                field(
                    "errors",
                    Source::FieldErrors(FieldErrors::Objects {
                        name: Some("field".into()),
                        reason: Some("message".into())
                    })
                ),
            ])
        );
    }

    #[test]
    fn spring_boots_error_is_filled_with_the_time_and_the_path() {
        let spring = json!({
            "type": "object", "required": ["timestamp", "status", "error", "path"],
            "properties": {
                "timestamp": {"type": "string", "format": "date-time"},
                "status": {"type": "integer", "format": "int32"},
                "error": {"type": "string"},
                "message": {"type": "string"},
                "path": {"type": "string"}
            }
        });
        assert_eq!(
            read(&spring),
            Shape::Fields(vec![
                field("timestamp", Source::Timestamp),
                field("status", Source::Status),
                field("error", Source::Title),
                field("message", Source::Detail),
                field("path", Source::Path),
            ])
        );
    }

    #[test]
    fn required_properties_nothing_fills_make_it_unfillable() {
        let schema = json!({
            "allOf": [
                {"type": "object", "required": ["code"], "properties": {"code": {"type": "integer"}}},
                {"type": "object", "required": ["occurred", "error"],
                 "properties": {"occurred": {"type": "string", "format": "date"},
                     "error": {"type": "object", "required": ["at"],
                         "properties": {"at": {"type": "string"}, "message": {"type": "string"}}}}}
            ]
        });
        assert_eq!(
            read(&schema),
            Shape::Unfillable(vec!["occurred".into(), "error.at".into()])
        );
        // A closed list of codes is not ours to choose from.
        let enumerated = json!({
            "type": "object", "required": ["code"],
            "properties": {"code": {"type": "string", "enum": ["E1", "E2"]}}
        });
        assert_eq!(read(&enumerated), Shape::Unfillable(vec!["code".into()]));
        // Untyped properties get what their name says.
        let untyped = json!({
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {}, "message": {"description": "why"}}
        });
        assert_eq!(
            read(&untyped),
            Shape::Fields(vec![
                field("code", Source::Status),
                field("message", Source::Detail)
            ])
        );
        // Optional ones are left out.
        let optional = json!({
            "type": "object", "required": ["message"],
            "properties": {"message": {"type": "string"}, "hint": {"type": "string"}}
        });
        assert_eq!(
            read(&optional),
            Shape::Fields(vec![field("message", Source::Detail)])
        );
    }
}
