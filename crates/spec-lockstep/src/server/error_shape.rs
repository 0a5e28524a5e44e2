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

/// A part of a problem, as the vocabulary names it (the runtime's
/// `Source` has a variant of each name).
pub use ev_energy_spec_vocab::ErrorPart as Part;

/// What fills one property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A part of the problem.
    Part(Part),
    /// `Map`, `MapOfText`, `Texts`, or `Objects { name, reason }`.
    FieldErrors(FieldErrors),
    Object(Vec<Field>),
    /// A stand-in chosen here for a required property nothing fills
    /// (`stand_in`).
    Fixed(Value),
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
/// error shape: a required property nothing in a problem fills gets a
/// stand-in the schema accepts (`stand_in`); a shape is unfillable only
/// where no value can be chosen.
pub fn read(schema: &Value) -> Shape {
    read_with(schema, true)
}

/// The required properties of `schema` that nothing in a problem fills
/// (by path: `href`, `error.when`), stand-ins or not.
pub fn unfilled(schema: &Value) -> Vec<String> {
    match read_with(schema, false) {
        Shape::Unfillable(missing) => missing,
        _ => Vec::new(),
    }
}

fn read_with(schema: &Value, fill: bool) -> Shape {
    let Some(object) = Object::of(schema) else {
        // A schema of another type (a string, an array) holds no problem:
        // the adapter's refusals are problem+json (warned, counted).
        if let Some(other) = kind(schema).filter(|k| *k != "object") {
            return Shape::Unfillable(vec![format!("{NOT_AN_OBJECT}`{other}`)")]);
        }
        // Free-form, `oneOf`, …: the problem as it is, through the type.
        return Shape::Problem;
    };
    if object.properties.is_empty() {
        return Shape::Problem;
    }
    let mut missing = Vec::new();
    let mut fields = fields(&object, "", &mut missing, fill);
    if !missing.is_empty() {
        return Shape::Unfillable(missing);
    }
    if is_problem(&object, &fields) {
        return Shape::Problem;
    }
    // A shape without a detail-like field puts the detail in its first
    // title-like one.
    if !any(&fields, &|s| *s == Source::Part(Part::Detail)) {
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
        Source::Part(Part::Title) => {
            field.source = Source::Part(Part::Detail);
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
            ("type", Source::Part(Part::Type))
                | ("status", Source::Part(Part::Status))
                | ("title", Source::Part(Part::Title))
                | ("detail", Source::Part(Part::Detail))
                | ("instance", Source::Part(Part::Instance))
                | ("field_errors", Source::FieldErrors(FieldErrors::Map))
        )
    });
    let takes_the_rest = !object.closed
        || MEMBERS
            .iter()
            .all(|m| object.properties.iter().any(|(n, _)| n == m));
    // The runtime's problem leaves `type` out when it has none (RFC 9457:
    // `about:blank`) and `instance` when it knows no request; a schema that
    // requires either is filled field by field, which always writes them.
    let optional_as_sent = !object
        .required
        .iter()
        .any(|r| r == "type" || r == "instance");
    identity && takes_the_rest && optional_as_sent
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

/// What fills each property of `object` (at `path`); a required one
/// nothing fills gets a stand-in where `fill` (else it is `missing`).
fn fields(object: &Object<'_>, path: &str, missing: &mut Vec<String>, fill: bool) -> Vec<Field> {
    let mut out = Vec::new();
    let any = Value::Object(serde_json::Map::new());
    // A required property the schema does not describe takes any value.
    let undescribed = object
        .required
        .iter()
        .filter(|name| !object.properties.iter().any(|(n, _)| n == *name))
        .map(|name| (name.clone(), &any));
    for (name, property) in object.properties.iter().cloned().chain(undescribed) {
        let full = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        let required = object.required.contains(&name);
        let source = source(&name, property, &full, missing, fill).or_else(|| {
            (required && fill)
                .then(|| stand_in(&name, property, &full, missing))
                .flatten()
        });
        match source {
            Some(source) => out.push(Field { name, source }),
            None if required => missing.push(full),
            None => {}
        }
    }
    out
}

/// A value `property` accepts, for a required property nothing in a
/// problem fills: its first `enum` value or its `const`; `null` where it
/// is nullable; the request's path for a URI, the time for a date-time,
/// the status for a number that may be one; else the smallest value of its
/// type. `None` where no value can be chosen (a `pattern`, subschemas, a
/// date, bounds nothing fits).
fn stand_in(name: &str, property: &Value, path: &str, missing: &mut Vec<String>) -> Option<Source> {
    if let Some(Value::Array(values)) = property.get("enum") {
        return values.first().cloned().map(Source::Fixed);
    }
    if let Some(value) = property.get("const") {
        return Some(Source::Fixed(value.clone()));
    }
    if let Some(Value::Array(types)) = property.get("type") {
        if types.iter().any(|t| t == "null") {
            return Some(Source::Fixed(Value::Null));
        }
    }
    if ["$ref", "oneOf", "anyOf", "not"]
        .iter()
        .any(|k| property.get(*k).is_some())
    {
        return None;
    }
    let number = |key: &str| property.get(key).and_then(Value::as_f64);
    match kind(property) {
        Some("string") => {
            let format = property.get("format").and_then(Value::as_str).unwrap_or("");
            let uri = matches!(
                format,
                "uri" | "uri-reference" | "url" | "iri" | "iri-reference"
            ) || matches!(
                normalized(name).as_str(),
                "href" | "url" | "uri" | "link" | "self"
            );
            if property.get("pattern").is_some() {
                return None;
            }
            match format {
                _ if uri => Some(Source::Part(Part::Path)),
                "date-time" => Some(Source::Part(Part::Timestamp)),
                "uuid" => Some(Source::Fixed(Value::from(
                    "00000000-0000-0000-0000-000000000000",
                ))),
                "ipv4" => Some(Source::Fixed(Value::from("0.0.0.0"))),
                "ipv6" => Some(Source::Fixed(Value::from("::"))),
                "date" | "time" | "ip" | "email" | "hostname" => None,
                _ => {
                    let min = number("minLength").unwrap_or(0.0).max(0.0) as usize;
                    let fits = number("maxLength").is_none_or(|max| max >= min as f64);
                    fits.then(|| Source::Fixed(Value::from("-".repeat(min))))
                }
            }
        }
        Some(kind @ ("integer" | "number")) => {
            let low = number("minimum").or(number("exclusiveMinimum").map(|n| n + 1.0));
            let high = number("maximum").or(number("exclusiveMaximum").map(|n| n - 1.0));
            let step = number("multipleOf");
            let fits = |n: f64| {
                low.is_none_or(|l| n >= l)
                    && high.is_none_or(|h| n <= h)
                    && step.is_none_or(|s| s > 0.0 && (n / s).fract() == 0.0)
            };
            if fits(100.0) && fits(599.0) && step.is_none() {
                return Some(Source::Part(Part::Status));
            }
            let candidate = match low {
                Some(low) => low,
                None => high.map_or(0.0, |high| high.min(0.0)),
            };
            let candidate = match step {
                Some(s) if s > 0.0 => (candidate / s).ceil() * s,
                _ => candidate,
            };
            let candidate = if kind == "integer" {
                candidate.ceil()
            } else {
                candidate
            };
            if !fits(candidate) {
                return None;
            }
            let value = if kind == "integer" && candidate.abs() < 9.0e15 {
                Value::from(candidate as i64)
            } else {
                serde_json::Number::from_f64(candidate).map(Value::Number)?
            };
            Some(Source::Fixed(value))
        }
        Some("boolean") => Some(Source::Fixed(Value::Bool(false))),
        Some("null") => Some(Source::Fixed(Value::Null)),
        Some("array") => (number("minItems").unwrap_or(0.0) <= 0.0)
            .then(|| Source::Fixed(Value::Array(Vec::new()))),
        Some("object") => {
            if path.matches('.').count() > 8 {
                return None;
            }
            let inner = Object::of(property)?;
            if inner.required.is_empty() {
                return Some(Source::Fixed(Value::Object(serde_json::Map::new())));
            }
            let mut inner_missing = Vec::new();
            let mut fields = fields(&inner, path, &mut inner_missing, true);
            if !inner_missing.is_empty() {
                missing.extend(inner_missing);
                return None;
            }
            // Only what it requires: the rest is the shape's choice.
            fields.retain(|f| inner.required.contains(&f.name));
            Some(Source::Object(fields))
        }
        // No type: any value, `null` the simplest.
        None if property.get("allOf").is_none() => Some(Source::Fixed(Value::Null)),
        _ => None,
    }
}

/// What fills property `name` of schema `property`, if anything does.
fn source(
    name: &str,
    property: &Value,
    path: &str,
    missing: &mut Vec<String>,
    fill: bool,
) -> Option<Source> {
    let key = normalized(name);
    let kind = kind(property);
    // A value from a closed list (`enum`, `const`) is not ours to choose;
    // nor is text that a pattern, a bound on its length or a format the
    // types read as more than text (typify: a UUID, a date, an address)
    // would refuse (the problem's texts are any length).
    let format = property.get("format").and_then(Value::as_str);
    let constrained = property.get("enum").is_some()
        || property.get("const").is_some()
        || property.get("pattern").is_some();
    let typed_format = matches!(
        format,
        Some("uuid" | "date" | "date-time" | "time" | "ip" | "ipv4" | "ipv6")
    );
    let string = kind.is_none_or(|k| k == "string")
        && !constrained
        && !typed_format
        && property.get("maxLength").is_none();
    let number = matches!(kind, None | Some("integer") | Some("number")) && !constrained;
    let key = key.as_str();
    let status_like = matches!(
        key,
        "status" | "statuscode" | "httpstatus" | "httpstatuscode" | "httpcode"
    );
    let code_like = matches!(key, "code" | "errorcode");
    // An untyped `status` or `code` gets the number.
    if (status_like || code_like) && number {
        return Some(Source::Part(Part::Status));
    }
    if status_like && string {
        return Some(Source::Part(Part::StatusText));
    }
    if code_like && string {
        return Some(Source::Part(Part::Code));
    }
    if matches!(
        key,
        "title" | "error" | "summary" | "reason" | "errortitle" | "errorname"
    ) && string
    {
        return Some(Source::Part(Part::Title));
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
        return Some(Source::Part(Part::Detail));
    }
    if matches!(key, "type" | "errortype" | "typeuri") && string {
        return Some(Source::Part(Part::Type));
    }
    if key == "instance" && string {
        return Some(Source::Part(Part::Instance));
    }
    if matches!(key, "requestid" | "traceid" | "correlationid") && string {
        return Some(Source::Part(Part::RequestId));
    }
    if key == "path" && string {
        return Some(Source::Part(Part::Path));
    }
    let when = kind.is_none_or(|k| k == "string")
        && !constrained
        && format.is_none_or(|f| f == "date-time");
    if matches!(key, "timestamp" | "time" | "datetime") && when {
        return Some(Source::Part(Part::Timestamp));
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
        let fields = fields(&inner, path, &mut inner_missing, fill);
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
                Source::Part(part) => {
                    let variant = quote::format_ident!("{}", part.name());
                    quote! { #variant }
                }
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
                Source::Fixed(value) => {
                    let json = value.to_string();
                    quote! { Fixed(#json) }
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
                Source::Part(Part::Status) => "the status".to_string(),
                Source::Part(Part::StatusText) => "the status as text".to_string(),
                Source::Part(Part::Code) => "the title in snake case".to_string(),
                Source::Part(Part::Title) => "the title".to_string(),
                Source::Part(Part::Detail) => "the detail".to_string(),
                Source::Part(Part::Type) => "the problem type".to_string(),
                Source::Part(Part::Instance) => "urn:request:<request id>".to_string(),
                Source::Part(Part::RequestId) => "the request id".to_string(),
                Source::Part(Part::Path) => "the request's path".to_string(),
                Source::Part(Part::Timestamp) => "the time of the answer".to_string(),
                Source::FieldErrors(_) => "the field errors".to_string(),
                Source::Object(inner) => format!("{{{}}}", describe(inner)),
                Source::Fixed(value) => format!("`{value}`"),
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
    let shape = schema.json_schema.as_deref().map_or(Shape::Problem, read);
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
        let Some(media) = typed_media(&response.content) else {
            continue;
        };
        let Some((shape, pointer)) = of_media(media) else {
            continue;
        };
        if warned.contains(&pointer) {
            continue;
        }
        warned.push(pointer.clone());
        match shape {
            Shape::Unfillable(missing) => {
                findings.push(Finding::warning(pointer, unfillable_message(&missing)));
            }
            Shape::Fields(fields) => {
                let schema = media.schema.as_ref().and_then(|s| s.json_schema.as_deref());
                let stood_in = schema.map(unfilled).unwrap_or_default();
                if !stood_in.is_empty() {
                    findings.push(Finding::warning(
                        pointer,
                        stand_in_message(&stood_in, &fields),
                    ));
                }
            }
            Shape::Problem => {}
        }
    }
    findings
}

/// The warning for stand-ins: what each required property gets.
fn stand_in_message(stood_in: &[String], fields: &[Field]) -> String {
    let each = stood_in
        .iter()
        .map(|path| {
            let mut level = fields;
            let mut what = None;
            for part in path.split('.') {
                match level.iter().find(|f| f.name == part).map(|f| &f.source) {
                    Some(Source::Object(inner)) => {
                        level = inner;
                        what = Some("an object of what it requires".to_string());
                    }
                    Some(source) => {
                        let field = Field {
                            name: part.to_string(),
                            source: source.clone(),
                        };
                        what = Some(describe(std::slice::from_ref(&field)));
                        break;
                    }
                    None => break,
                }
            }
            match what {
                Some(what) if what.starts_with('`') => what.replacen(
                    &format!("`{}`", path.rsplit('.').next().unwrap_or(path)),
                    &format!("`{path}`"),
                    1,
                ),
                Some(what) => format!("`{path}` ← {what}"),
                None => format!("`{path}`"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "this error schema requires properties that nothing in a problem (status, title, detail, \
         type, instance, field errors) fills; the adapter's own refusals ({}) fill them with a \
         value the schema accepts, so that a client decodes them as this schema: {each}. Make \
         them optional, or name them as the README's error mapping does (`code`, `message`, …), \
         to send what they mean",
        own_statuses()
    )
}

/// The words of the warning for a schema no stand-in fits (see
/// [`unfillable_message`]), which the directory report counts by.
pub const PROBLEM_JSON_FALLBACK: &str = "it sends RFC 9457 application/problem+json instead";

/// What an error schema of another type than object "requires", in
/// [`Shape::Unfillable`]: `a JSON object (this schema is of type `string`)`.
const NOT_AN_OBJECT: &str = "a JSON object (this schema is of type ";

/// Why a schema cannot hold the adapter's problems, and what happens.
pub fn unfillable_message(missing: &[String]) -> String {
    if let [only] = missing {
        if let Some(kind) = only
            .strip_prefix(NOT_AN_OBJECT)
            .and_then(|k| k.strip_suffix(')'))
        {
            return format!(
                "this error schema is of type {kind}, not an object, so no problem fits it: where \
                 the adapter answers one of its own errors ({}) with a response of this schema, \
                 {PROBLEM_JSON_FALLBACK}, which a client decoding this schema does not read, and \
                 the `Problems` constructors of its type return an error. Declare an object (an \
                 RFC 9457 problem, or one the README's error mapping fills) for error responses",
                own_statuses()
            );
        }
    }
    let names = missing
        .iter()
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let them = if missing.len() == 1 { "it" } else { "them" };
    format!(
        "this error schema requires {names}, which nothing in a problem (status, title, detail, \
         type, instance, field errors) fills: where the adapter answers one of its own errors \
         ({}) with a response of this schema, {PROBLEM_JSON_FALLBACK}, which a client decoding \
         this schema does not read, and the `Problems` constructors of its type return an \
         error: no value it accepts could be chosen (a `pattern`, a `date`, subschemas, bounds \
         nothing fits). Make {names} optional, or name {them} as the README's error mapping \
         does (`code`, `message`, …)",
        own_statuses()
    )
}

/// The statuses the adapter answers in the document's error shape, from the
/// gate's table (`400, 401, …, 503`).
fn own_statuses() -> String {
    ev_energy_spec_vocab::shaped_statuses()
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
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
                field("code", Source::Part(Part::Status)),
                field("message", Source::Part(Part::Detail))
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
                field("status", Source::Part(Part::Status)),
                field("title", Source::Part(Part::Detail))
            ]),
            "the only text gets the detail"
        );
        // Problem-like, but `type` and `instance` required (Mailchimp's): the
        // problem as the runtime sends it may lack them, so field by field.
        let strict = json!({
            "type": "object", "required": ["type", "title", "status", "detail", "instance"],
            "properties": {
                "type": {"type": "string"}, "title": {"type": "string"},
                "status": {"type": "integer"}, "detail": {"type": "string"},
                "instance": {"type": "string"}
            }
        });
        let Shape::Fields(fields) = read(&strict) else {
            panic!("{:?}", read(&strict))
        };
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["type", "title", "status", "detail", "instance"]);
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
                    field("status", Source::Part(Part::Status)),
                    field("message", Source::Part(Part::Detail))
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
                field("error", Source::Part(Part::Title)),
                field("error_description", Source::Part(Part::Detail)),
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
                field("timestamp", Source::Part(Part::Timestamp)),
                field("status", Source::Part(Part::Status)),
                field("error", Source::Part(Part::Title)),
                field("message", Source::Part(Part::Detail)),
                field("path", Source::Part(Part::Path)),
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
            unfilled(&schema),
            vec!["occurred".to_string(), "error.at".to_string()]
        );
        // A date has no stand-in; `error.at` gets the empty string.
        assert_eq!(read(&schema), Shape::Unfillable(vec!["occurred".into()]));
        // A closed list of codes is not ours to choose from: its first.
        let enumerated = json!({
            "type": "object", "required": ["code"],
            "properties": {"code": {"type": "string", "enum": ["E1", "E2"]}}
        });
        assert_eq!(unfilled(&enumerated), vec!["code".to_string()]);
        assert_eq!(
            read(&enumerated),
            Shape::Fields(vec![field("code", Source::Fixed(json!("E1")))])
        );
        let patterned = json!({
            "type": "object", "required": ["trace"],
            "properties": {"trace": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}
        });
        assert_eq!(read(&patterned), Shape::Unfillable(vec!["trace".into()]));
        // Untyped properties get what their name says.
        let untyped = json!({
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {}, "message": {"description": "why"}}
        });
        assert_eq!(
            read(&untyped),
            Shape::Fields(vec![
                field("code", Source::Part(Part::Status)),
                field("message", Source::Part(Part::Detail))
            ])
        );
        // Optional ones are left out.
        let optional = json!({
            "type": "object", "required": ["message"],
            "properties": {"message": {"type": "string"}, "hint": {"type": "string"}}
        });
        assert_eq!(
            read(&optional),
            Shape::Fields(vec![field("message", Source::Part(Part::Detail))])
        );
    }

    #[test]
    fn required_properties_nothing_fills_get_a_value_the_schema_accepts() {
        // The shape of the issue: `{message, code, statusCode, href, details}`.
        let schema = json!({
            "type": "object",
            "required": ["message", "code", "statusCode", "href", "details", "kind",
                         "retry", "tags", "meta", "count", "when", "id", "maybe"],
            "properties": {
                "message": {"type": "string"},
                "code": {"type": "string"},
                "statusCode": {"type": "integer"},
                "href": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
                "kind": {"type": "string", "enum": ["client", "server"]},
                "retry": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 0},
                "meta": {"type": "object", "required": ["version"],
                         "properties": {"version": {"type": "integer", "minimum": 1, "maximum": 9}}},
                "count": {"type": "integer", "minimum": 1000, "multipleOf": 7},
                "when": {"type": "string", "format": "date-time"},
                "id": {"type": "string", "format": "uuid", "minLength": 3},
                "maybe": {"type": ["string", "null"], "pattern": "^x$"}
            }
        });
        assert_eq!(
            read(&schema),
            Shape::Fields(vec![
                field("message", Source::Part(Part::Detail)),
                field("code", Source::Part(Part::Code)),
                field("statusCode", Source::Part(Part::Status)),
                field("href", Source::Part(Part::Path)),
                field("details", Source::Fixed(json!([]))),
                field("kind", Source::Fixed(json!("client"))),
                field("retry", Source::Fixed(json!(false))),
                field("tags", Source::Fixed(json!([]))),
                field(
                    "meta",
                    Source::Object(vec![field("version", Source::Fixed(json!(1)))])
                ),
                field("count", Source::Fixed(json!(1001))),
                field("when", Source::Part(Part::Timestamp)),
                field(
                    "id",
                    Source::Fixed(json!("00000000-0000-0000-0000-000000000000"))
                ),
                field("maybe", Source::Fixed(json!(null))),
            ])
        );
        let message = stand_in_message(
            &unfilled(&schema),
            &match read(&schema) {
                Shape::Fields(fields) => fields,
                other => panic!("{other:?}"),
            },
        );
        assert!(message.contains("`href` ← the request's path"), "{message}");
        assert!(message.contains("`kind` ← `\"client\"`"), "{message}");
        assert!(
            message.contains("`meta` ← an object of what it requires"),
            "{message}"
        );
        assert!(!message.contains("`message` ←"), "{message}");
    }

    #[test]
    fn text_the_types_read_as_more_than_text_is_not_filled_with_problem_text() {
        // HubSpot's error: a request ID is not a UUID.
        let schema = json!({
            "type": "object", "required": ["category", "correlationId", "message"],
            "properties": {
                "category": {"type": "string"},
                "correlationId": {"type": "string", "format": "uuid"},
                "message": {"type": "string"},
                "when": {"type": "string", "format": "date-time"},
                "hint": {"type": "string", "maxLength": 20}
            }
        });
        assert_eq!(
            read(&schema),
            Shape::Fields(vec![
                field("category", Source::Fixed(json!(""))),
                field(
                    "correlationId",
                    Source::Fixed(json!("00000000-0000-0000-0000-000000000000"))
                ),
                field("message", Source::Part(Part::Detail)),
            ])
        );
    }

    #[test]
    fn an_error_schema_of_another_type_than_object_holds_no_problem() {
        assert_eq!(
            read(&json!({"type": "string"})),
            Shape::Unfillable(vec![format!("{NOT_AN_OBJECT}`string`)")])
        );
        assert_eq!(
            read(&json!({"type": "array", "items": {"type": "object"}})),
            Shape::Unfillable(vec![format!("{NOT_AN_OBJECT}`array`)")])
        );
        // Free-form and compositions are read as before.
        assert_eq!(read(&json!({})), Shape::Problem);
        assert_eq!(
            read(&json!({"oneOf": [{"type": "object"}]})),
            Shape::Problem
        );
    }
}
