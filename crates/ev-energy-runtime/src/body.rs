//! Request bodies of every media type the document declares: JSON, forms
//! (`application/x-www-form-urlencoded`), text and bytes.
//!
//! Which one a request is read as is decided by its `Content-Type` among
//! the operation's [`MediaSpec`]s (415 for any other). JSON and forms
//! become one JSON value, validated against the body's schema; text
//! becomes a string; anything else stays bytes, with its `Content-Type`
//! ([`Binary`]). Every body reaches the request struct as a [`Field`],
//! beside the parameters.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use axum::body::Bytes;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::spec::{Encoding, Kind, MediaSpec};

/// A request body read as bytes (`image/jpeg`, `application/octet-stream`,
/// XML, msgpack, …): what was sent, as it was sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Binary {
    /// The request's `Content-Type`, as sent (with its parameters, e.g. a
    /// `charset` or a multipart `boundary`).
    pub content_type: String,
    /// The body.
    pub bytes: Bytes,
}

impl Binary {
    /// The media type without parameters, lower case (`image/jpeg`).
    pub fn essence(&self) -> String {
        essence(&self.content_type)
    }

    /// A response body of `bytes` in the media type the document declares
    /// for it (`content_type` left empty; `application/octet-stream` where
    /// the document declares a wildcard that covers it, such as `*/*`).
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        Self {
            content_type: String::new(),
            bytes: bytes.into(),
        }
    }

    /// A response body of `bytes` in `content_type`, which the declared
    /// media type must cover (`image/png` where the document declares
    /// `image/*`): one it does not is a logged 500, never sent.
    pub fn typed(content_type: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }
}

impl From<Vec<u8>> for Binary {
    /// A response body in the declared media type.
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

pub(crate) use ev_energy_spec_vocab::media::essence;

/// The media type of the operation's that a request's `Content-Type`
/// essence selects: an exact match first, then a range or JSON family.
/// `consumes` empty means JSON.
pub(crate) fn select(consumes: &'static [MediaSpec], essence: &str) -> Option<MediaSpec> {
    const JSON: MediaSpec = MediaSpec::json("application/json");
    if consumes.is_empty() {
        return JSON.admits(essence).then_some(JSON);
    }
    consumes
        .iter()
        .find(|m| m.is_exactly(essence))
        .or_else(|| consumes.iter().find(|m| m.admits(essence)))
        .copied()
}

/// What the operation reads, in words, for a 415's `{accepted}`.
pub(crate) fn accepted(consumes: &'static [MediaSpec]) -> String {
    if consumes.is_empty() {
        return "application/json".to_string();
    }
    let mut names: Vec<&str> = Vec::new();
    for m in consumes {
        if !names.contains(&m.media_type) {
            names.push(m.media_type);
        }
    }
    names.join(" or ")
}

/// How each property of a form is read: its JSON kind, and whether it is
/// an array (then repeated keys are its items).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FormFields(
    BTreeMap<String, (Option<Kind>, bool)>,
    BTreeSet<String>,
    /// Objects (or arrays of them): a multipart part of one is JSON, as
    /// OpenAPI's default `contentType` for such a property says.
    BTreeSet<String>,
);

impl FormFields {
    /// The properties of an object schema (and of its `allOf` members),
    /// from their `type`; an untyped property is read as text.
    pub(crate) fn of(schema: &Value) -> Self {
        let mut fields = BTreeMap::new();
        let mut binary = BTreeSet::new();
        let mut structured = BTreeSet::new();
        collect(schema, &mut fields, &mut binary, &mut structured, 0);
        Self(fields, binary, structured)
    }

    /// Whether a property is an object (or an array of them), whose
    /// multipart part is JSON.
    fn is_object(&self, name: &str) -> bool {
        self.2.contains(name)
    }

    /// Whether a property is a file (`format: binary`, or an array of them).
    pub(crate) fn is_binary(&self, name: &str) -> bool {
        self.1.contains(name)
    }

    /// A form body as a JSON object of the schema's types. `Err` holds one
    /// message per bad field, each starting with its JSON pointer.
    pub(crate) fn read(&self, bytes: &[u8]) -> Result<Value, Vec<String>> {
        self.read_pairs(
            form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned(), false)),
        )
    }

    /// Named text values (a form's pairs, a multipart body's fields) as a
    /// JSON object of the schema's types; a value marked `true` is JSON
    /// text (a multipart part of an object, or sent as JSON).
    pub(crate) fn read_pairs(
        &self,
        pairs: impl Iterator<Item = (String, String, bool)>,
    ) -> Result<Value, Vec<String>> {
        let mut values: Vec<(String, Vec<(String, bool)>)> = Vec::new();
        for (key, value, json) in pairs {
            match values.iter_mut().find(|(k, _)| *k == key) {
                Some((_, all)) => all.push((value, json)),
                None => values.push((key, vec![(value, json)])),
            }
        }
        let mut object = Map::new();
        let mut errors = Vec::new();
        for (key, raw) in values {
            let (kind, array) = self.0.get(&key).copied().unwrap_or((None, false));
            let at = format!("/{}", key.replace('~', "~0").replace('/', "~1"));
            if !array && raw.len() > 1 {
                errors.push(format!(
                    "{at}: Give this field once; it was given {} times.",
                    raw.len()
                ));
                continue;
            }
            let mut items = Vec::with_capacity(raw.len());
            for (text, json) in &raw {
                if *json {
                    match serde_json::from_str(text) {
                        Ok(item) => items.push(item),
                        Err(e) => errors.push(format!(
                            "{at}: Not valid JSON: {}. Got {}.",
                            crate::values::truncate(&e.to_string()),
                            crate::values::quote(text)
                        )),
                    }
                    continue;
                }
                match kind {
                    None => items.push(Value::String(text.clone())),
                    Some(kind) => match crate::values::to_json(kind, None, text) {
                        Ok(item) => items.push(item),
                        Err(message) => {
                            errors.push(format!(
                                "{at}: {message} Got {}.",
                                crate::values::quote(text)
                            ));
                        }
                    },
                }
            }
            let value = if array {
                Value::Array(items)
            } else {
                items.pop().unwrap_or(Value::Null)
            };
            object.insert(key, value);
        }
        if errors.is_empty() {
            Ok(Value::Object(object))
        } else {
            Err(errors)
        }
    }
}

fn collect(
    schema: &Value,
    fields: &mut BTreeMap<String, (Option<Kind>, bool)>,
    binary: &mut BTreeSet<String>,
    structured: &mut BTreeSet<String>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let ty = json_type(property);
            let field = match ty.as_deref() {
                Some("array") => (
                    property
                        .get("items")
                        .and_then(json_type)
                        .as_deref()
                        .and_then(kind),
                    true,
                ),
                other => (other.and_then(kind), false),
            };
            fields.entry(name.clone()).or_insert(field);
            if is_file(property) || property.get("items").is_some_and(is_file) {
                binary.insert(name.clone());
            }
            let item = match ty.as_deref() {
                Some("array") => property.get("items").and_then(json_type),
                other => other.map(str::to_string),
            };
            if item.as_deref() == Some("object") {
                structured.insert(name.clone());
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(member, fields, binary, structured, depth + 1);
        }
    }
}

/// Whether a schema is a file: `format: binary`.
fn is_file(schema: &Value) -> bool {
    schema.get("format").and_then(Value::as_str) == Some("binary")
}

/// The schema a multipart body's fields are validated against: file
/// properties (`format: binary`) admit anything, since a file part is held
/// as bytes, not validated as a string.
pub(crate) fn without_files(schema: &Value) -> Value {
    let mut schema = schema.clone();
    strip_files(&mut schema, 0);
    schema
}

fn strip_files(schema: &mut Value, depth: usize) {
    if depth > 8 {
        return;
    }
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for property in properties.values_mut() {
            if is_file(property) || property.get("items").is_some_and(is_file) {
                *property = Value::Bool(true);
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(members) = schema.get_mut(key).and_then(Value::as_array_mut) {
            for member in members {
                strip_files(member, depth + 1);
            }
        }
    }
}

/// A schema's `type`, the first not `null` of a list.
fn json_type(schema: &Value) -> Option<String> {
    match schema.get("type") {
        Some(Value::String(ty)) => Some(ty.clone()),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .map(str::to_string),
        _ => schema
            .get("allOf")
            .and_then(Value::as_array)
            .and_then(|members| members.iter().find_map(json_type)),
    }
}

fn kind(ty: &str) -> Option<Kind> {
    match ty {
        "integer" => Some(Kind::Integer),
        "number" => Some(Kind::Number),
        "boolean" => Some(Kind::Boolean),
        _ => None,
    }
}

/// How a body was read, before it goes into the request struct.
pub(crate) enum Read {
    /// JSON (or a form made JSON), still to validate.
    Json(Value),
    /// Text.
    Text(String),
    /// Bytes with their `Content-Type`.
    Binary(Binary),
    /// Parts, and their fields as JSON to validate.
    Multipart(Multipart, Value),
}

/// Reads `bytes` as the media type `media` says. `Err` is the message.
pub(crate) fn read(
    media: MediaSpec,
    form: &FormFields,
    content_type: &str,
    bytes: &Bytes,
) -> Result<Read, Vec<String>> {
    match media.encoding {
        Encoding::Json => serde_json::from_slice(bytes).map(Read::Json).map_err(|e| {
            vec![format!(
                "Not valid JSON: {}.",
                crate::values::truncate(&e.to_string())
            )]
        }),
        Encoding::Form => form.read(bytes).map(Read::Json),
        Encoding::Text => String::from_utf8(bytes.to_vec())
            .map(Read::Text)
            .map_err(|_| vec!["The body is not UTF-8 text.".to_string()]),
        Encoding::Binary => Ok(Read::Binary(Binary {
            content_type: content_type.to_string(),
            bytes: bytes.clone(),
        })),
        Encoding::Multipart => {
            let multipart = Multipart::parse(content_type, bytes).map_err(|e| vec![e])?;
            // Files stand in as empty strings: their properties admit
            // anything (`without_files`), but `required` still sees them.
            let fields = multipart.parts.iter().map(|part| {
                if part.filename.is_some() || form.is_binary(&part.name) {
                    return (part.name.clone(), String::new(), false);
                }
                let json = form.is_object(&part.name)
                    || part
                        .content_type
                        .as_deref()
                        .is_some_and(|ct| crate::spec::is_json(&essence(ct)));
                let value = String::from_utf8_lossy(&part.bytes).into_owned();
                (part.name.clone(), value, json)
            });
            let json = form.read_pairs(fields)?;
            Ok(Read::Multipart(multipart, json))
        }
    }
}

/// A `multipart/form-data` body: its parts, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Multipart {
    /// The parts, in the order they were sent.
    pub parts: Vec<Part>,
}

/// One part of a `multipart/form-data` body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Part {
    /// Its field name (`Content-Disposition: form-data; name="…"`).
    pub name: String,
    /// The file name, for a file part.
    pub filename: Option<String>,
    /// Its `Content-Type`, if it has one.
    pub content_type: Option<String>,
    /// Its content.
    pub bytes: Bytes,
}

impl Multipart {
    /// The first part named `name`.
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// The first part named `name` as text (`None` when absent or not
    /// UTF-8).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.part(name)
            .and_then(|p| std::str::from_utf8(&p.bytes).ok())
    }

    /// Every part named `name` (a repeated field, several files).
    pub fn parts_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Part> + 'a {
        self.parts.iter().filter(move |p| p.name == name)
    }

    /// Parses a body of `content_type` (whose `boundary` separates the
    /// parts, RFC 7578). `Err` says what is malformed.
    pub fn parse(content_type: &str, body: &Bytes) -> Result<Self, String> {
        let boundary = parameter(content_type, "boundary")
            .ok_or("The Content-Type has no multipart boundary.")?;
        let delimiter = format!("--{boundary}");
        let malformed = || "The multipart body is malformed.".to_string();
        let data: &[u8] = body;
        let mut at = find(data, delimiter.as_bytes(), 0).ok_or_else(malformed)? + delimiter.len();
        let mut parts = Vec::new();
        loop {
            if data[at..].starts_with(b"--") {
                break;
            }
            // The rest of the delimiter line (transport padding), then CRLF.
            at = find(data, b"\r\n", at).ok_or_else(malformed)? + 2;
            let next =
                find(data, format!("\r\n{delimiter}").as_bytes(), at).ok_or_else(malformed)?;
            let part = &data[at..next];
            let split = find(part, b"\r\n\r\n", 0);
            let (head, content) = match split {
                Some(i) => (&part[..i], at + i + 4),
                // No headers: the part starts with its blank line.
                None if part.starts_with(b"\r\n") => (&part[..0], at + 2),
                None => return Err(malformed()),
            };
            let head = String::from_utf8_lossy(head);
            let mut out = Part {
                bytes: body.slice(content.min(next)..next),
                ..Part::default()
            };
            for line in head.split("\r\n") {
                let Some((header, value)) = line.split_once(':') else {
                    continue;
                };
                let header = header.trim();
                if header.eq_ignore_ascii_case("content-disposition") {
                    out.name = parameter(value, "name").unwrap_or_default();
                    out.filename = parameter(value, "filename");
                } else if header.eq_ignore_ascii_case("content-type") {
                    out.content_type = Some(value.trim().to_string());
                }
            }
            if out.name.is_empty() {
                return Err("A part of the multipart body has no name.".to_string());
            }
            parts.push(out);
            at = next + 2 + delimiter.len();
        }
        Ok(Self { parts })
    }
}

/// The value of `;`-separated parameter `name` (`boundary`, `name`,
/// `filename`), unquoted.
fn parameter(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case(name) {
            return None;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .map(|v| v.replace("\\\"", "\""))
            .unwrap_or_else(|| value.to_string());
        Some(value)
    })
}

/// The first index of `needle` in `haystack` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() || needle.is_empty() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A value of the request struct's map: a parameter's or body's JSON, or
/// a body's bytes.
pub(crate) enum Field {
    /// JSON.
    Json(Value),
    /// Bytes with their `Content-Type`.
    Binary(Binary),
    /// The parts of a multipart body.
    Multipart(Multipart),
    /// One part.
    Part(Part),
}

impl<'de> IntoDeserializer<'de, serde_json::Error> for Field {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Delegates a `deserialize_*` method to the JSON value, or reads the
/// bytes as a map (`content_type`, `bytes`).
macro_rules! delegate {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Self::Error> {
                match self {
                    Field::Json(value) => value.$method($($arg,)* visitor),
                    Field::Binary(binary) => visitor.visit_map(Entries::binary(binary)),
                    Field::Part(part) => visitor.visit_map(Entries::part(part)),
                    Field::Multipart(multipart) => visitor.visit_seq(
                        de::value::SeqDeserializer::new(multipart.parts.into_iter().map(Field::Part)),
                    ),
                }
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Field {
    type Error = serde_json::Error;

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Field::Json(value) => value.deserialize_option(visitor),
            other => visitor.visit_some(other),
        }
    }

    delegate! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }
}

/// A value of one of the runtime's types as a map, for its `Deserialize`.
struct Entries(std::vec::IntoIter<(&'static str, Entry)>, Option<Entry>);

enum Entry {
    Text(String),
    Bytes(Bytes),
}

impl Entries {
    fn binary(binary: Binary) -> Self {
        Self::new(vec![
            (CONTENT_TYPE, Entry::Text(binary.content_type)),
            (BYTES, Entry::Bytes(binary.bytes)),
        ])
    }

    fn part(part: Part) -> Self {
        let mut entries = vec![(NAME, Entry::Text(part.name))];
        entries.extend(part.filename.map(|f| (FILENAME, Entry::Text(f))));
        entries.extend(part.content_type.map(|c| (CONTENT_TYPE, Entry::Text(c))));
        entries.push((BYTES, Entry::Bytes(part.bytes)));
        Self::new(entries)
    }

    fn new(entries: Vec<(&'static str, Entry)>) -> Self {
        Self(entries.into_iter(), None)
    }
}

impl<'de> MapAccess<'de> for Entries {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.0.next() else {
            return Ok(None);
        };
        self.1 = Some(value);
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.1.take() {
            Some(Entry::Text(text)) => seed.deserialize(text.into_deserializer()),
            Some(Entry::Bytes(bytes)) => {
                seed.deserialize(de::value::BytesDeserializer::new(&bytes))
            }
            None => Err(de::Error::custom("a value without its key")),
        }
    }
}

const NAME: &str = "name";
const FILENAME: &str = "filename";
const CONTENT_TYPE: &str = "content_type";
const BYTES: &str = "bytes";

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BinaryVisitor;

        impl<'de> Visitor<'de> for BinaryVisitor {
            type Value = Binary;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a request body as bytes with its content type")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Binary, A::Error> {
                let mut binary = Binary::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        CONTENT_TYPE => binary.content_type = map.next_value()?,
                        BYTES => binary.bytes = Bytes::from(map.next_value::<ByteBuf>()?.0),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(binary)
            }
        }

        deserializer.deserialize_map(BinaryVisitor)
    }
}

impl<'de> Deserialize<'de> for Part {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PartVisitor;

        impl<'de> Visitor<'de> for PartVisitor {
            type Value = Part;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a part of a multipart body")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Part, A::Error> {
                let mut part = Part::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        NAME => part.name = map.next_value()?,
                        FILENAME => part.filename = Some(map.next_value()?),
                        CONTENT_TYPE => part.content_type = Some(map.next_value()?),
                        BYTES => part.bytes = Bytes::from(map.next_value::<ByteBuf>()?.0),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(part)
            }
        }

        deserializer.deserialize_map(PartVisitor)
    }
}

impl<'de> Deserialize<'de> for Multipart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Part>::deserialize(deserializer).map(|parts| Self { parts })
    }
}

/// Bytes, from `visit_bytes` (or a sequence of numbers).
struct ByteBuf(Vec<u8>);

impl<'de> Deserialize<'de> for ByteBuf {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ByteBufVisitor;

        impl<'de> Visitor<'de> for ByteBufVisitor {
            type Value = ByteBuf;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }

            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<ByteBuf, E> {
                Ok(ByteBuf(v.to_vec()))
            }

            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<ByteBuf, E> {
                Ok(ByteBuf(v))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteBuf, E> {
                Ok(ByteBuf(v.as_bytes().to_vec()))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<ByteBuf, A::Error> {
                let mut out = Vec::new();
                while let Some(byte) = seq.next_element::<u8>()? {
                    out.push(byte);
                }
                Ok(ByteBuf(out))
            }
        }

        deserializer.deserialize_byte_buf(ByteBufVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static FORMS: [MediaSpec; 1] = [MediaSpec::form("application/x-www-form-urlencoded")];
    static MIXED: [MediaSpec; 3] = [
        MediaSpec::json("application/json"),
        MediaSpec::binary("image/*"),
        MediaSpec::text("text/plain"),
    ];

    fn twilio_like() -> FormFields {
        FormFields::of(&json!({
            "type": "object",
            "properties": {
                "FriendlyName": {"type": "string"},
                "Ttl": {"type": "integer"},
                "Ratio": {"type": "number"},
                "Read": {"type": "boolean"},
                "Tags": {"type": "array", "items": {"type": "integer"}},
                "Data": {"description": "no type: text"}
            }
        }))
    }

    #[test]
    fn form_fields_are_read_as_their_properties_types() {
        let form = twilio_like();
        let read = form
            .read(b"FriendlyName=a+b%26c&Ttl=3600&Ratio=0.5&Read=true&Tags=1&Tags=2&Data=%7B%7D&Other=x")
            .unwrap();
        assert_eq!(
            read,
            json!({
                "FriendlyName": "a b&c",
                "Ttl": 3600,
                "Ratio": 0.5,
                "Read": true,
                "Tags": [1, 2],
                "Data": "{}",
                "Other": "x"
            })
        );
        // A single item of an array is still an array; absent fields stay absent.
        assert_eq!(form.read(b"Tags=7").unwrap(), json!({"Tags": [7]}));
        assert_eq!(form.read(b"").unwrap(), json!({}));
    }

    #[test]
    fn bad_form_values_are_named_by_their_field() {
        let errors = twilio_like()
            .read(b"Ttl=soon&Read=yes&FriendlyName=a&FriendlyName=b&Tags=1&Tags=x")
            .unwrap_err();
        assert_eq!(
            errors,
            vec![
                "/Ttl: Must be an integer. Got \"soon\".",
                "/Read: Must be true or false. Got \"yes\".",
                "/FriendlyName: Give this field once; it was given 2 times.",
                "/Tags: Must be an integer. Got \"x\".",
            ]
        );
    }

    #[test]
    fn form_fields_come_from_all_of_members_too() {
        let form = FormFields::of(&json!({
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "integer"}}},
                {"properties": {"b": {"type": ["boolean", "null"]}}}
            ]
        }));
        assert_eq!(
            form.read(b"a=1&b=false").unwrap(),
            json!({"a": 1, "b": false})
        );
    }

    #[test]
    fn the_content_type_selects_the_media_type_exact_first_then_ranges() {
        assert_eq!(
            select(&[], "application/json"),
            Some(MediaSpec::json("application/json"))
        );
        assert_eq!(
            select(&[], "application/merge-patch+json"),
            Some(MediaSpec::json("application/json"))
        );
        assert_eq!(select(&[], "text/plain"), None);
        assert_eq!(
            select(&FORMS, "application/x-www-form-urlencoded"),
            Some(FORMS[0])
        );
        assert_eq!(select(&FORMS, "application/json"), None);
        assert_eq!(select(&MIXED, "image/png"), Some(MIXED[1]));
        assert_eq!(select(&MIXED, "text/plain"), Some(MIXED[2]));
        assert_eq!(select(&MIXED, "application/vnd.x+json"), Some(MIXED[0]));
        assert_eq!(select(&MIXED, "application/xml"), None);
        static CHARSET: [MediaSpec; 1] = [MediaSpec::text("Text/Plain; charset=utf-8")];
        assert_eq!(select(&CHARSET, "text/plain"), Some(CHARSET[0]));
        static ANY: [MediaSpec; 2] = [MediaSpec::text("text/plain"), MediaSpec::binary("*/*")];
        assert_eq!(select(&ANY, "text/plain"), Some(ANY[0]));
        assert_eq!(select(&ANY, "application/msgpack"), Some(ANY[1]));
        assert_eq!(
            accepted(&MIXED),
            "application/json or image/* or text/plain"
        );
        assert_eq!(accepted(&[]), "application/json");
    }

    #[test]
    fn bodies_are_read_as_their_encoding() {
        let form = FormFields::default();
        let bytes = Bytes::from_static(b"\xff\xd8jpeg");
        match read(MIXED[1], &form, "image/jpeg; q=1", &bytes)
            .ok()
            .unwrap()
        {
            Read::Binary(binary) => {
                assert_eq!(binary.content_type, "image/jpeg; q=1");
                assert_eq!(binary.essence(), "image/jpeg");
                assert_eq!(binary.bytes, bytes);
            }
            _ => panic!("not bytes"),
        }
        assert!(matches!(
            read(MIXED[2], &form, "text/plain", &Bytes::from_static(b"hi")).ok().unwrap(),
            Read::Text(text) if text == "hi"
        ));
        assert_eq!(
            read(MIXED[2], &form, "text/plain", &bytes).err().unwrap(),
            vec!["The body is not UTF-8 text."]
        );
        assert!(read(MIXED[0], &form, "application/json", &bytes).is_err());
    }

    #[test]
    fn a_binary_field_deserializes_into_a_struct_beside_json_fields() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Request {
            id: i64,
            body: Option<Binary>,
        }
        let binary = Binary {
            content_type: "application/msgpack".into(),
            bytes: Bytes::from_static(&[0x81, 0xa1, 0x61, 0x01]),
        };
        let fields = vec![
            ("id", Field::Json(json!(7))),
            ("body", Field::Binary(binary.clone())),
        ];
        let request: Request = Request::deserialize(de::value::MapDeserializer::<
            _,
            serde_json::Error,
        >::new(fields.into_iter()))
        .unwrap();
        assert_eq!(
            request,
            Request {
                id: 7,
                body: Some(binary)
            }
        );
    }

    const MULTIPART: &[u8] = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nRex\r\n--XyZ\r\nContent-Disposition: form-data; name=\"age\"\r\n\r\n3\r\n--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"rex.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\r\n--\r\n--XyZ--\r\n";

    fn pet_fields() -> FormFields {
        FormFields::of(&json!({
            "type": "object",
            "required": ["name", "photo"],
            "properties": {
                "name": {"type": "string"},
                "age": {"type": "integer"},
                "photo": {"type": "string", "format": "binary"}
            }
        }))
    }

    #[test]
    fn multipart_bodies_are_split_into_named_parts_with_files_as_bytes() {
        let body = Bytes::from_static(MULTIPART);
        let parsed = Multipart::parse("multipart/form-data; boundary=\"XyZ\"", &body).unwrap();
        assert_eq!(parsed.parts.len(), 3);
        assert_eq!(parsed.text("name"), Some("Rex"));
        assert_eq!(parsed.text("age"), Some("3"));
        let photo = parsed.part("photo").unwrap();
        assert_eq!(photo.filename.as_deref(), Some("rex.jpg"));
        assert_eq!(photo.content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(&photo.bytes[..], b"\xff\xd8\r\n--");
        // Read: fields typed for validation, the file a stand-in.
        let media = MediaSpec::multipart("multipart/form-data");
        match read(
            media,
            &pet_fields(),
            "multipart/form-data; boundary=XyZ",
            &body,
        ) {
            Ok(Read::Multipart(multipart, fields)) => {
                assert_eq!(multipart, parsed);
                assert_eq!(fields, json!({"name": "Rex", "age": 3, "photo": ""}));
            }
            _ => panic!("not multipart"),
        }
        let schema = without_files(
            &json!({"properties": {"photo": {"type": "string", "format": "binary", "maxLength": 1}}}),
        );
        assert_eq!(schema, json!({"properties": {"photo": true}}));
    }

    #[test]
    fn a_multipart_part_of_an_object_is_read_as_json() {
        // box.com's uploads: `attributes` is an object sent as a JSON part
        // (OpenAPI's default `contentType` for an object property); a part
        // labelled JSON is JSON whatever its property says.
        let form = FormFields::of(&json!({
            "type": "object",
            "properties": {
                "attributes": {"type": "object", "properties": {"name": {"type": "string"}}},
                "tags": {"type": "array", "items": {"type": "object"}},
                "note": {"type": "string"},
                "meta": {}
            }
        }));
        let body = Bytes::from_static(
            b"--B\r\nContent-Disposition: form-data; name=\"attributes\"\r\n\r\n{\"name\":\"a.png\"}\r\n\
              --B\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\n{\"k\":1}\r\n\
              --B\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n{\"not\":\"parsed\"}\r\n\
              --B\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json; charset=utf-8\r\n\r\n[1]\r\n\
              --B--\r\n",
        );
        let media = MediaSpec::multipart("multipart/form-data");
        match read(media, &form, "multipart/form-data; boundary=B", &body) {
            Ok(Read::Multipart(_, fields)) => assert_eq!(
                fields,
                json!({"attributes": {"name": "a.png"}, "tags": [{"k": 1}], "note": "{\"not\":\"parsed\"}", "meta": [1]})
            ),
            _ => panic!("not multipart"),
        }
        let bad = Bytes::from_static(
            b"--B\r\nContent-Disposition: form-data; name=\"attributes\"\r\n\r\n{name\r\n--B--\r\n",
        );
        match read(media, &form, "multipart/form-data; boundary=B", &bad) {
            Err(errors) => assert!(
                errors[0].starts_with("/attributes: Not valid JSON"),
                "{errors:?}"
            ),
            _ => panic!("bad JSON read"),
        }
    }

    #[test]
    fn malformed_multipart_bodies_say_what_is_wrong() {
        let parse = |ct: &str, body: &'static [u8]| Multipart::parse(ct, &Bytes::from_static(body));
        assert_eq!(
            parse("multipart/form-data", MULTIPART).unwrap_err(),
            "The Content-Type has no multipart boundary."
        );
        assert_eq!(
            parse("multipart/form-data; boundary=other", MULTIPART).unwrap_err(),
            "The multipart body is malformed."
        );
        assert_eq!(
            parse(
                "multipart/form-data; boundary=b",
                b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"
            )
            .unwrap_err(),
            "A part of the multipart body has no name."
        );
        assert_eq!(
            parse("multipart/form-data; boundary=b", b"--b--").unwrap(),
            Multipart::default()
        );
        let errors = match read(
            MediaSpec::multipart("multipart/form-data"),
            &pet_fields(),
            "multipart/form-data; boundary=b",
            &Bytes::from_static(
                b"--b\r\nContent-Disposition: form-data; name=age\r\n\r\nold\r\n--b--",
            ),
        ) {
            Err(errors) => errors,
            Ok(_) => panic!("a bad field was read"),
        };
        assert_eq!(errors, vec!["/age: Must be an integer. Got \"old\"."]);
    }

    #[test]
    fn no_prefix_or_mangling_of_a_multipart_body_panics() {
        for end in 0..=MULTIPART.len() {
            let body = Bytes::copy_from_slice(&MULTIPART[..end]);
            let _ = Multipart::parse("multipart/form-data; boundary=XyZ", &body);
            let mut mangled = MULTIPART.to_vec();
            mangled[end.min(MULTIPART.len() - 1)] = b'\n';
            let _ = Multipart::parse("multipart/form-data; boundary=XyZ", &Bytes::from(mangled));
        }
        for boundary in ["", "\"\"", "X", "\r\n"] {
            let content_type = format!("multipart/form-data; boundary={boundary}");
            let _ = Multipart::parse(&content_type, &Bytes::from_static(MULTIPART));
        }
    }

    #[test]
    fn a_multipart_field_deserializes_into_its_parts() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Request {
            body: Multipart,
        }
        let body = Bytes::from_static(MULTIPART);
        let parsed = Multipart::parse("multipart/form-data; boundary=XyZ", &body).unwrap();
        let fields = vec![("body", Field::Multipart(parsed.clone()))];
        let request = Request::deserialize(
            de::value::MapDeserializer::<_, serde_json::Error>::new(fields.into_iter()),
        )
        .unwrap();
        assert_eq!(request.body, parsed);
    }
}
