//! A value invented from a schema, for a parameter the document gives no
//! example: the generated mock test must send something, and refusing the
//! document for a missing `example:` was a burden on its authors.
//!
//! The value is the schema's own `example`, `default` or first `enum`
//! value when it has one, and otherwise built from its type, `format` and
//! bounds; a `pattern` is sampled with `rand_regex` from an RNG seeded with
//! the schema's JSON pointer, so the same document always gives the same
//! value. The result is checked against the schema's JSON Schema; a value
//! that does not validate (or a pattern that cannot be sampled) falls back
//! to the type's plain value, with a warning naming the pointer.

use rand::distr::Distribution;
use rand::SeedableRng;
use regex_syntax::hir::{Hir, HirKind};
use serde_json::{json, Map, Value};

use crate::model::{Additional, Bound, Composition, Constraints, JsonType, Node};

/// The date-time sent for a `format: date-time` string.
pub const DATE_TIME: &str = "2024-01-01T00:00:00Z";
/// The date sent for a `format: date` string.
pub const DATE: &str = "2024-01-01";
/// The UUID sent for a `format: uuid` string.
pub const UUID: &str = "00000000-0000-4000-8000-000000000000";

/// How many samples of a `pattern` are tried before giving up.
const PATTERN_TRIES: usize = 16;
/// The most a pattern's `*`, `+` or `{n,}` repeats when sampled.
const MAX_REPEAT: u32 = 8;
/// How deep `$ref`s and items are followed.
const MAX_DEPTH: usize = 16;

/// An invented value, and what went wrong inventing it.
#[derive(Clone, Debug, PartialEq)]
pub struct Invented {
    /// The value (always one: the plain value of its type at worst).
    pub value: Value,
    /// Warnings, each naming the schema's pointer.
    pub warnings: Vec<String>,
}

/// A value for the schema `constraints` (whose `$ref`s resolve through
/// `components`), checked against `json_schema` when there is one; `pointer`
/// names it in warnings and seeds the pattern sampler.
pub fn invent(
    constraints: &Constraints,
    json_schema: Option<&Value>,
    components: &[(String, Node)],
    pointer: &str,
) -> Invented {
    let mut inventor = Inventor {
        components,
        pointer,
        warnings: Vec::new(),
        examples: true,
    };
    let mut value = inventor.value(constraints, 0);
    if let Some(schema) = json_schema {
        if validates(schema, &value) == Ok(false) {
            // A nested `example:` that does not fit its schema (documents
            // have many): build the value from the types alone.
            inventor.examples = false;
            let built = inventor.value(constraints, 0);
            if validates(schema, &built) == Ok(true) {
                value = built;
            }
        }
    }
    let mut warnings = inventor.warnings;
    if let Some(schema) = json_schema {
        match validates(schema, &value) {
            Ok(true) => {}
            Ok(false) if is_structured(constraints) => {
                // `{}` or `""` would miss every required field: the value
                // built from the types is closer to one the code can read.
                warnings.push(format!(
                    "warning: the value invented for {pointer} ({value}) does not match its \
                     schema; sending it anyway: add `example:` to it"
                ));
            }
            Ok(false) => {
                let plain = plain(constraints);
                warnings.push(format!(
                    "warning: the value invented for {pointer} ({value}) does not match its \
                     schema; sending {plain} instead: add `example:` to it"
                ));
                return Invented {
                    value: plain,
                    warnings,
                };
            }
            Err(error) => warnings.push(format!(
                "warning: the schema of {pointer} cannot be compiled to check the invented \
                 value {value}: {error}"
            )),
        }
    }
    Invented { value, warnings }
}

/// [`invent`] for a schema node: a `$ref` (through `components`, however
/// many) is invented as the schema it names.
pub fn invent_node(
    node: &Node,
    json_schema: Option<&Value>,
    components: &[(String, Node)],
    pointer: &str,
) -> Invented {
    let mut current = node;
    for _ in 0..MAX_DEPTH {
        match current {
            Node::Inline(constraints) => {
                return invent(constraints, json_schema, components, pointer)
            }
            Node::Ref(_) => {
                let next = current
                    .component()
                    .and_then(|name| components.iter().find(|(n, _)| n == name));
                match next {
                    Some((_, next)) => current = next,
                    None => break,
                }
            }
        }
    }
    Invented {
        value: Value::Null,
        warnings: vec![format!(
            "warning: the schema of {pointer} refers to a schema that is not there, or to itself \
             {MAX_DEPTH} times over; sending null"
        )],
    }
}

/// Whether `value` matches `schema`; `true` when the schema cannot be
/// compiled to tell.
pub fn fits(schema: &Value, value: &Value) -> bool {
    validates(schema, value).unwrap_or(true)
}

/// `schema` with the type its keywords imply written out wherever it has
/// none: `object` beside `properties`, `required` or
/// `additionalProperties`, `array` beside `items` (as the types read it).
fn implied_types(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> = map
                .iter()
                .map(|(k, v)| {
                    let value = match k.as_str() {
                        "example" | "examples" | "default" | "enum" | "const" => v.clone(),
                        // Maps of names to schemas.
                        "properties" | "patternProperties" | "$defs" | "definitions" => match v {
                            Value::Object(schemas) => Value::Object(
                                schemas
                                    .iter()
                                    .map(|(name, s)| (name.clone(), implied_types(s)))
                                    .collect(),
                            ),
                            other => other.clone(),
                        },
                        _ => implied_types(v),
                    };
                    (k.clone(), value)
                })
                .collect();
            let composed = ["oneOf", "anyOf", "allOf", "not", "$ref"]
                .iter()
                .any(|k| map.contains_key(*k));
            if !map.contains_key("type") && !composed {
                if ["properties", "required", "additionalProperties"]
                    .iter()
                    .any(|k| map.contains_key(*k))
                {
                    out.insert("type".into(), Value::from("object"));
                } else if map.contains_key("items") {
                    out.insert("type".into(), Value::from("array"));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(implied_types).collect()),
        other => other.clone(),
    }
}

/// Whether `value` matches `schema` (formats checked too).
fn validates(schema: &Value, value: &Value) -> Result<bool, String> {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .map(|validator| validator.is_valid(value))
        .map_err(|e| e.to_string())
}

/// An object, an array or a composition: a value with parts.
fn is_structured(c: &Constraints) -> bool {
    matches!(c.ty, Some(JsonType::Object | JsonType::Array)) || c.composition.is_some()
}

/// The plain value of the schema's type: `""`, `0`, `true`, `[]`, `{}`.
fn plain(c: &Constraints) -> Value {
    match c.ty {
        Some(JsonType::String) | None => json!(""),
        Some(JsonType::Integer) | Some(JsonType::Number) => json!(0),
        Some(JsonType::Boolean) => json!(true),
        Some(JsonType::Array) => json!([]),
        Some(JsonType::Object) => json!({}),
    }
}

struct Inventor<'a> {
    components: &'a [(String, Node)],
    pointer: &'a str,
    warnings: Vec<String>,
    /// Whether the schemas' own examples and defaults are used.
    examples: bool,
}

impl Inventor<'_> {
    fn node(&mut self, node: &Node, depth: usize) -> Value {
        // `$ref`s followed through `components`, at most `MAX_DEPTH` deep.
        let mut current = node;
        for _ in 0..MAX_DEPTH {
            match current {
                Node::Inline(constraints) => return self.value(constraints, depth + 1),
                Node::Ref(_) => {
                    let found = current.component().and_then(|name| {
                        self.components
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, s)| s)
                    });
                    match found {
                        Some(next) => current = next,
                        None => return Value::Null,
                    }
                }
            }
        }
        Value::Null
    }

    /// The properties `node` requires, with those of its `allOf` members.
    fn required(&self, node: &Node, depth: usize) -> Vec<String> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let mut current = node;
        for _ in 0..MAX_DEPTH {
            match current {
                Node::Inline(c) => {
                    let mut names = c.required.clone();
                    if let Some((Composition::AllOf, members)) = &c.composition {
                        for member in members {
                            names.extend(self.required(member, depth + 1));
                        }
                    }
                    return names;
                }
                Node::Ref(_) => {
                    match current
                        .component()
                        .and_then(|n| self.components.iter().find(|(c, _)| c == n).map(|(_, s)| s))
                    {
                        Some(next) => current = next,
                        None => return Vec::new(),
                    }
                }
            }
        }
        Vec::new()
    }

    /// The schema of property `name` as `node` (or one of its `allOf`
    /// members) declares it.
    fn property(&self, node: &Node, name: &str, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut current = node;
        for _ in 0..MAX_DEPTH {
            match current {
                Node::Inline(c) => {
                    if let Some((_, found)) = c.properties.iter().find(|(n, _)| n == name) {
                        return Some(found.clone());
                    }
                    return match &c.composition {
                        Some((Composition::AllOf, members)) => members
                            .iter()
                            .find_map(|m| self.property(m, name, depth + 1)),
                        _ => None,
                    };
                }
                Node::Ref(_) => {
                    current = current.component().and_then(|n| {
                        self.components.iter().find(|(c, _)| c == n).map(|(_, s)| s)
                    })?;
                }
            }
        }
        None
    }

    fn value(&mut self, c: &Constraints, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return plain(c);
        }
        if let Some(value) = c.example.as_ref().or(c.default.as_ref()) {
            if self.examples {
                return value.clone();
            }
        }
        if let Some(first) = c.enumeration.first() {
            return first.clone();
        }
        if let Some((kind, members)) = &c.composition {
            if let Some(first) = members.first() {
                let value = self.node(first, depth);
                return match (kind, value) {
                    // allOf: the members' objects merged.
                    (Composition::AllOf, Value::Object(mut object)) => {
                        for member in &members[1..] {
                            if let Value::Object(more) = self.node(member, depth) {
                                object.extend(more);
                            }
                        }
                        // Required beside the `allOf` (a common way to
                        // require what a member declares): filled from the
                        // member that declares the property.
                        let mut required = c.required.clone();
                        for member in members {
                            required.extend(self.required(member, depth));
                        }
                        for name in &required {
                            // A member that requires a property another
                            // member declares has filled it with a
                            // placeholder: the declaring schema wins.
                            let declared = members
                                .iter()
                                .find_map(|m| self.property(m, name, depth))
                                .or_else(|| {
                                    c.properties
                                        .iter()
                                        .find(|(n, _)| n == name)
                                        .map(|(_, n)| n.clone())
                                });
                            if let Some(node) = declared {
                                let value = self.node(&node, depth);
                                object.insert(name.clone(), value);
                            } else if !object.contains_key(name) {
                                object.insert(name.clone(), json!("example"));
                            }
                        }
                        Value::Object(object)
                    }
                    (_, value) => value,
                };
            }
        }
        // No `type`: the one its keywords imply, as the types read it.
        let ty = c.ty.or_else(|| {
            if !c.properties.is_empty() || !c.required.is_empty() || c.additional.is_some() {
                Some(JsonType::Object)
            } else if c.items.is_some() {
                Some(JsonType::Array)
            } else {
                None
            }
        });
        match ty {
            Some(JsonType::String) => self.string(c),
            Some(JsonType::Integer) => integer(c),
            Some(JsonType::Number) => number(c),
            Some(JsonType::Boolean) => json!(true),
            Some(JsonType::Array) => {
                let item = match &c.items {
                    Some(items) => self.node(items, depth),
                    None => json!("example"),
                };
                let count = c
                    .min_items
                    .unwrap_or(0)
                    .max(1)
                    .min(c.max_items.unwrap_or(usize::MAX));
                Value::Array(vec![item; count])
            }
            Some(JsonType::Object) => {
                let mut object = Map::new();
                for (name, node) in &c.properties {
                    if c.required.contains(name) {
                        let value = self.node(node, depth);
                        object.insert(name.clone(), value);
                    }
                }
                // Required but not declared (documents have them: the
                // types still want the member): a value of the schema of
                // other properties, else a string.
                for name in &c.required {
                    if object.contains_key(name) {
                        continue;
                    }
                    let value = match &c.additional {
                        Some(Additional::Schema(node)) => self.node(node, depth),
                        _ => json!("example"),
                    };
                    object.insert(name.clone(), value);
                }
                Value::Object(object)
            }
            None if c.nullable => Value::Null,
            None => json!("example"),
        }
    }

    fn string(&mut self, c: &Constraints) -> Value {
        if let Some(pattern) = &c.pattern {
            match sample(pattern, c, self.pointer) {
                Ok(text) => return Value::String(text),
                Err(why) => self.warnings.push(format!(
                    "warning: cannot sample a value for {} from its pattern `{pattern}` ({why}); \
                     sending a plain string instead: add `example:` to it",
                    self.pointer
                )),
            }
        }
        let text = match c.format.as_deref() {
            Some("date-time") => DATE_TIME.to_string(),
            Some("date") => DATE.to_string(),
            Some("uuid") => UUID.to_string(),
            Some("email") => "user@example.com".to_string(),
            Some("uri") | Some("url") => "https://example.com/".to_string(),
            Some("ipv4") => "192.0.2.1".to_string(),
            _ => fit_length("example", c.min_length, c.max_length),
        };
        Value::String(text)
    }
}

/// `text` cut to `max` characters or padded with `x` to `min`.
fn fit_length(text: &str, min: Option<usize>, max: Option<usize>) -> String {
    let mut out: String = text.chars().take(max.unwrap_or(usize::MAX)).collect();
    while out.chars().count() < min.unwrap_or(0) {
        out.push('x');
    }
    out
}

/// A string matching `pattern` (and the string's length bounds), sampled
/// with an RNG seeded from `pointer`: ASCII when the pattern allows it.
fn sample(pattern: &str, c: &Constraints, pointer: &str) -> Result<String, String> {
    let ascii = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .build()
        .parse(pattern);
    let hir = match ascii {
        Ok(hir) => hir,
        // `.` or `\p{…}`: only a Unicode reading of the pattern parses.
        Err(_) => regex_syntax::Parser::new()
            .parse(pattern)
            .map_err(|e| e.to_string())?,
    };
    let regex =
        rand_regex::Regex::with_hir(without_anchors(hir), MAX_REPEAT).map_err(|e| e.to_string())?;
    let mut rng = rand_xorshift::XorShiftRng::seed_from_u64(fnv1a(pointer));
    let fits = |text: &str| {
        let length = text.chars().count();
        c.min_length.is_none_or(|min| length >= min) && c.max_length.is_none_or(|max| length <= max)
    };
    for _ in 0..PATTERN_TRIES {
        let sampled: Result<String, _> = regex.sample(&mut rng);
        if let Ok(text) = sampled {
            if fits(&text) {
                return Ok(text);
            }
        }
    }
    Err(format!(
        "no sample of {PATTERN_TRIES} fits its length bounds"
    ))
}

/// `hir` with its anchors and boundaries (which `rand_regex` cannot sample)
/// matching the empty string: `^…$` around a whole pattern holds of any
/// sample of its inside. A boundary somewhere else may not hold; the
/// schema check catches that.
fn without_anchors(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Repetition(mut repetition) => {
            repetition.sub = Box::new(without_anchors(*repetition.sub));
            Hir::repetition(repetition)
        }
        HirKind::Capture(mut capture) => {
            capture.sub = Box::new(without_anchors(*capture.sub));
            Hir::capture(capture)
        }
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(without_anchors).collect()),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.into_iter().map(without_anchors).collect())
        }
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(literal) => Hir::literal(literal.0),
        HirKind::Class(class) => Hir::class(class),
    }
}

/// FNV-1a of `text`: a seed that is the same on every platform and Rust
/// version (unlike `DefaultHasher`).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The least integer above the lower bound (or 1, or the upper bound when
/// that is lower), rounded up to `multipleOf`.
fn integer(c: &Constraints) -> Value {
    let step = c.multiple_of.filter(|m| *m > 0.0).unwrap_or(1.0);
    let low = c.minimum.map(|Bound { value, exclusive }| {
        let low = value.ceil();
        if exclusive && low == value {
            low + 1.0
        } else {
            low
        }
    });
    let high = c.maximum.map(|Bound { value, exclusive }| {
        let high = value.floor();
        if exclusive && high == value {
            high - 1.0
        } else {
            high
        }
    });
    let start = match (low, high) {
        (Some(low), _) => low,
        (None, Some(high)) => high.min(1.0),
        (None, None) => 1.0,
    };
    let mut value = (start / step).ceil() * step;
    if low.is_none() && value > start {
        // Only an upper bound: round down instead, below it.
        value = (start / step).floor() * step;
    }
    json!(value as i64)
}

/// A number within the bounds: the lower bound (above it when exclusive),
/// else 1 (or below the upper bound), rounded to `multipleOf`.
fn number(c: &Constraints) -> Value {
    let low = c.minimum;
    let high = c.maximum;
    let mut value = match (low, high) {
        (Some(l), Some(h)) if l.exclusive || h.exclusive => (l.value + h.value) / 2.0,
        (Some(l), _) if l.exclusive => l.value + 1.0,
        (Some(l), _) => l.value,
        (None, Some(h)) if h.exclusive => h.value.min(2.0) - 1.0,
        (None, Some(h)) => h.value.min(1.0),
        (None, None) => 1.0,
    };
    if let Some(step) = c.multiple_of.filter(|m| *m > 0.0) {
        let rounded = (value / step).ceil() * step;
        let above_low =
            low.is_none_or(|l| rounded > l.value || (!l.exclusive && rounded == l.value));
        let below_high =
            high.is_none_or(|h| rounded < h.value || (!h.exclusive && rounded == h.value));
        value = if above_low && below_high {
            rounded
        } else {
            (value / step).floor() * step
        };
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// The value sent for parameter `p` (by the generated mock test and by the
/// corpus round trip, so both send the same): the first value the document
/// writes for it — the parameter's `example`, its schema's `example`,
/// `default`, first `enum` value — that fits its schema, an array's example
/// written as it is sent (`"US,GB"`) read as the array it stands for;
/// else one invented from the schema ([`invent_node`]).
pub fn parameter_value(
    p: &crate::model::Parameter,
    is_array: bool,
    components: &[(String, Node)],
) -> Invented {
    // An empty path segment routes nowhere (brex's `enum: ['', mini, …]`):
    // a path parameter gets a value with text in it.
    let path = p.location == crate::model::Location::Path;
    let usable = |v: &Value| !(path && v.as_str() == Some(""));
    let written = [
        p.example.clone().filter(usable),
        p.schema.example.clone().filter(usable),
        p.schema.default.clone().filter(usable),
        p.schema.enum_values.iter().find(|v| usable(v)).cloned(),
    ];
    let as_array = written.iter().flatten().find_map(|v| match v {
        Value::String(text) if is_array => Some(Value::Array(
            text.split(',')
                .map(|t| serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_string())))
                .collect(),
        )),
        _ => None,
    });
    fitting(
        written.into_iter().flatten().chain(as_array),
        &p.schema,
        components,
        &p.pointer,
    )
}

/// The first of `candidates` that fits `schema` (the document's examples
/// often do not), else a value invented from it.
pub fn fitting(
    candidates: impl IntoIterator<Item = Value>,
    schema: &crate::model::Schema,
    components: &[(String, Node)],
    pointer: &str,
) -> Invented {
    // The types read a schema with `properties` (or `items`) and no
    // `type` as an object (an array): an example must be one to fit them.
    let typed = schema.json_schema.as_deref().map(implied_types);
    let found = candidates
        .into_iter()
        .find(|value| typed.as_ref().is_none_or(|json| fits(json, value)));
    match found {
        Some(value) => Invented {
            value,
            warnings: Vec::new(),
        },
        None => invent_node(
            &schema.node,
            schema.json_schema.as_deref(),
            components,
            pointer,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string() -> Constraints {
        Constraints {
            ty: Some(JsonType::String),
            ..Constraints::default()
        }
    }

    fn of(c: Constraints) -> Value {
        let invented = invent(&c, None, &[], "#/paths/~1x/get/parameters/0");
        assert!(invented.warnings.is_empty(), "{:?}", invented.warnings);
        invented.value
    }

    fn checked(c: Constraints, schema: Value) -> Invented {
        invent(&c, Some(&schema), &[], "#/paths/~1x/get/parameters/0")
    }

    fn bound(value: f64, exclusive: bool) -> Option<Bound> {
        Some(Bound { value, exclusive })
    }

    /// The parameters of a document's one operation, by name, with the
    /// value [`parameter_value`] sends for each.
    fn parameter_values(parameters: &str) -> Vec<(String, Value)> {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      \
             operationId: a\n      parameters: {parameters}\n      responses: {{'204': {{description: ok}}}}\n"
        );
        let document = crate::spec::Document::parse(std::path::Path::new("p.yaml"), &text).unwrap();
        let (model, _) = crate::model::load(&document);
        model.operations[0]
            .parameters
            .iter()
            .map(|p| {
                let is_array = p.schema.constraints.ty == Some(JsonType::Array);
                let value = parameter_value(p, is_array, &model.schema_nodes).value;
                (p.name.clone(), value)
            })
            .collect()
    }

    #[test]
    fn a_path_parameter_is_never_sent_empty() {
        // brex.io: `enum: ['', mini, master]` on a path parameter; an
        // empty segment routes nowhere. A query parameter may be empty.
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a/{kind}:\n    get:\n      \
             operationId: a\n      parameters: [{name: kind, in: path, required: true, schema: {type: string, \
             enum: ['', mini, master]}}, {name: lang, in: query, schema: {type: string, enum: ['', EN]}}]\n      \
             responses: {'204': {description: ok}}\n";
        let document = crate::spec::Document::parse(std::path::Path::new("p.yaml"), text).unwrap();
        let (model, _) = crate::model::load(&document);
        let values: Vec<Value> = model.operations[0]
            .parameters
            .iter()
            .map(|p| parameter_value(p, false, &model.schema_nodes).value)
            .collect();
        assert_eq!(values, [json!("mini"), json!("")]);
    }

    #[test]
    fn a_parameter_sends_the_first_written_value_that_fits_else_an_invented_one() {
        let values = parameter_values(
            "[{name: a, in: query, example: 'x', schema: {type: integer, example: 'y', default: 3}}, \
              {name: b, in: query, schema: {type: integer, minimum: 5, example: 1}}, \
              {name: c, in: query, example: 'US,GB', schema: {type: array, items: {type: string}}}, \
              {name: d, in: query, schema: {type: string, enum: [on, off]}}]",
        );
        assert_eq!(
            values,
            vec![
                ("a".to_string(), json!(3)),
                ("b".to_string(), json!(5)),
                ("c".to_string(), json!(["US", "GB"])),
                ("d".to_string(), json!("on")),
            ]
        );
    }

    #[test]
    fn example_then_default_then_enum() {
        let c = Constraints {
            example: Some(json!("ex")),
            default: Some(json!("def")),
            enumeration: vec![json!("a"), json!("b")],
            ..string()
        };
        assert_eq!(of(c.clone()), json!("ex"));
        assert_eq!(
            of(Constraints {
                example: None,
                ..c.clone()
            }),
            json!("def")
        );
        assert_eq!(
            of(Constraints {
                example: None,
                default: None,
                ..c
            }),
            json!("a")
        );
    }

    #[test]
    fn formats() {
        let format = |f: &str| Constraints {
            format: Some(f.to_string()),
            ..string()
        };
        assert_eq!(of(format("date-time")), json!(DATE_TIME));
        assert_eq!(of(format("date")), json!(DATE));
        assert_eq!(of(format("uuid")), json!(UUID));
        for f in ["date-time", "date", "uuid", "email", "uri", "ipv4"] {
            let invented = checked(format(f), json!({"type": "string", "format": f}));
            assert!(invented.warnings.is_empty(), "{f}: {:?}", invented.warnings);
        }
    }

    #[test]
    fn string_lengths() {
        assert_eq!(of(string()), json!("example"));
        let short = Constraints {
            max_length: Some(3),
            ..string()
        };
        assert_eq!(of(short), json!("exa"));
        let long = Constraints {
            min_length: Some(10),
            ..string()
        };
        assert_eq!(of(long), json!("examplexxx"));
    }

    #[test]
    fn integers_within_bounds_and_multiples() {
        let int = |minimum, maximum, multiple_of| Constraints {
            ty: Some(JsonType::Integer),
            minimum,
            maximum,
            multiple_of,
            ..Constraints::default()
        };
        assert_eq!(of(int(None, None, None)), json!(1));
        assert_eq!(of(int(bound(5.0, false), None, None)), json!(5));
        assert_eq!(of(int(bound(5.0, true), None, None)), json!(6));
        assert_eq!(of(int(bound(5.0, false), None, Some(4.0))), json!(8));
        assert_eq!(of(int(None, bound(-3.0, false), None)), json!(-3));
        assert_eq!(of(int(None, bound(-3.0, true), None)), json!(-4));
        assert_eq!(of(int(None, bound(-3.0, false), Some(5.0))), json!(-5));
        let schema = json!({"type": "integer", "minimum": 10, "maximum": 12, "multipleOf": 11});
        let invented = checked(
            int(bound(10.0, false), bound(12.0, false), Some(11.0)),
            schema,
        );
        assert_eq!(invented.value, json!(11));
        assert!(invented.warnings.is_empty());
    }

    #[test]
    fn numbers_within_bounds() {
        let num = |minimum, maximum, multiple_of| Constraints {
            ty: Some(JsonType::Number),
            minimum,
            maximum,
            multiple_of,
            ..Constraints::default()
        };
        assert_eq!(of(num(None, None, None)), json!(1));
        assert_eq!(of(num(bound(0.5, false), None, None)), json!(0.5));
        assert_eq!(
            of(num(bound(0.0, true), bound(1.0, true), None)),
            json!(0.5)
        );
        assert_eq!(of(num(bound(0.1, false), None, Some(0.25))), json!(0.25));
    }

    #[test]
    fn booleans_arrays_and_objects() {
        assert_eq!(
            of(Constraints {
                ty: Some(JsonType::Boolean),
                ..Constraints::default()
            }),
            json!(true)
        );
        let items = Node::Inline(Box::new(Constraints {
            format: Some("date".into()),
            ..string()
        }));
        let array = |min_items| Constraints {
            ty: Some(JsonType::Array),
            items: Some(items.clone()),
            min_items,
            ..Constraints::default()
        };
        assert_eq!(of(array(None)), json!([DATE]));
        assert_eq!(of(array(Some(2))), json!([DATE, DATE]));
        // Items through a `$ref`.
        let components = vec![("Day".to_string(), items.clone())];
        let by_ref = Constraints {
            items: Some(Node::Ref("#/components/schemas/Day".into())),
            ..array(None)
        };
        assert_eq!(invent(&by_ref, None, &components, "#").value, json!([DATE]));
        let object = Constraints {
            ty: Some(JsonType::Object),
            properties: vec![
                ("day".into(), items.clone()),
                ("note".into(), Node::Inline(Box::new(string()))),
            ],
            required: vec!["day".into()],
            ..Constraints::default()
        };
        assert_eq!(of(object), json!({"day": DATE}));
    }

    #[test]
    fn a_pattern_is_sampled_and_matches() {
        let pattern = "^[A-Z]{2}-[0-9]{4}$";
        let c = Constraints {
            pattern: Some(pattern.into()),
            ..string()
        };
        let schema = json!({"type": "string", "pattern": pattern});
        let invented = checked(c.clone(), schema.clone());
        assert!(invented.warnings.is_empty(), "{:?}", invented.warnings);
        let text = invented.value.as_str().unwrap().to_string();
        // Pinned: a change here means regenerated code changes too (a new
        // `rand_regex`, `rand_xorshift` or seed).
        assert_eq!(text, "AV-5391");
        assert!(validates(&schema, &invented.value).unwrap());
        // Byte-stable: the same schema at the same place gives the same value.
        assert_eq!(checked(c.clone(), schema.clone()), invented);
        assert_eq!(checked(c, schema), invented);
    }

    #[test]
    fn the_same_schema_gives_the_same_value_every_time() {
        let c = Constraints {
            pattern: Some(r"\d+[a-z]*".into()),
            min_length: Some(3),
            ..string()
        };
        let first = of(c.clone());
        for _ in 0..5 {
            assert_eq!(of(c.clone()), first);
        }
        // A different place may give a different value, but the same each time.
        let other = invent(&c, None, &[], "#/other").value;
        assert_eq!(invent(&c, None, &[], "#/other").value, other);
    }

    #[test]
    fn an_unsamplable_pattern_warns_and_falls_back() {
        // Lookahead is ECMAScript, not something regex-syntax can parse.
        let c = Constraints {
            pattern: Some("^(?=a)a+$".into()),
            ..string()
        };
        let invented = invent(&c, None, &[], "#/paths/~1x/get/parameters/3");
        assert_eq!(invented.value, json!("example"));
        assert_eq!(invented.warnings.len(), 1);
        assert!(invented.warnings[0].contains("#/paths/~1x/get/parameters/3"));
    }

    #[test]
    fn a_value_the_schema_rejects_falls_back_with_a_warning() {
        // minLength beyond maxLength: nothing fits; the plain value is sent.
        let c = Constraints {
            min_length: Some(5),
            max_length: Some(2),
            ..string()
        };
        let schema = json!({"type": "string", "minLength": 5, "maxLength": 2});
        let invented = checked(c, schema);
        assert_eq!(invented.value, json!(""));
        assert_eq!(invented.warnings.len(), 1);
        assert!(invented.warnings[0].contains("#/paths/~1x/get/parameters/0"));
    }

    /// Nodes of the named schemas, written as YAML.
    fn components(yaml: &str) -> Vec<(String, Node)> {
        let schemas: indexmap::IndexMap<String, openapiv3::ReferenceOr<openapiv3::Schema>> =
            serde_yaml::from_str(yaml).unwrap();
        schemas
            .iter()
            .map(|(name, s)| (name.clone(), Node::of(s)))
            .collect()
    }

    #[test]
    fn all_of_fills_what_a_member_requires_from_the_member_that_declares_it() {
        // Spotify's paging objects: `items` required by one member,
        // declared by the other; `artists` required beside the `allOf`.
        let components = components(
            "Paging:\n  type: object\n  required: [items, total]\n  properties:\n    total: {type: integer}\n\
             Page:\n  required: [artists]\n  allOf:\n    - $ref: '#/components/schemas/Paging'\n    \
             - type: object\n      properties:\n        items: {type: array, items: {type: string}}\n        \
             artists: {type: array, items: {type: string}}\n",
        );
        let node = Node::Ref("#/components/schemas/Page".into());
        let invented = invent_node(&node, None, &components, "#/x");
        assert_eq!(
            invented.value,
            json!({"total": 1, "artists": ["example"], "items": ["example"]}),
            "{:?}",
            invented.warnings
        );
    }

    #[test]
    fn an_object_that_does_not_validate_is_sent_as_built_not_as_an_empty_one() {
        let c = Constraints {
            ty: Some(JsonType::Object),
            required: vec!["id".into()],
            properties: vec![(
                "id".into(),
                Node::Inline(Box::new(Constraints {
                    ty: Some(JsonType::String),
                    ..Constraints::default()
                })),
            )],
            ..Constraints::default()
        };
        // A schema the built value cannot meet (the id must be a number).
        let schema = json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}});
        let invented = checked(c, schema);
        assert_eq!(invented.value, json!({"id": "example"}));
        assert!(
            invented.warnings[0].contains("sending it anyway"),
            "{:?}",
            invented.warnings
        );
    }

    #[test]
    fn a_required_member_no_property_declares_gets_a_value() {
        // box.com's invites: `required: [id]` beside `properties: {login}`.
        let login = Node::Inline(Box::new(Constraints {
            ty: Some(JsonType::String),
            ..Constraints::default()
        }));
        let c = Constraints {
            ty: Some(JsonType::Object),
            required: vec!["id".into()],
            properties: vec![("login".into(), login.clone())],
            ..Constraints::default()
        };
        let schema = json!({"type": "object", "required": ["id"], "properties": {"login": {"type": "string"}}});
        let invented = checked(c.clone(), schema);
        assert_eq!(invented.value, json!({"id": "example"}));
        assert!(invented.warnings.is_empty(), "{:?}", invented.warnings);
        // Where other properties have a schema, the value is of it.
        let numbers = Constraints {
            additional: Some(Additional::Schema(Node::Inline(Box::new(Constraints {
                ty: Some(JsonType::Integer),
                ..Constraints::default()
            })))),
            ..c
        };
        let schema = json!({"type": "object", "required": ["id"], "additionalProperties": {"type": "integer"}});
        assert!(checked(numbers, schema).value["id"].is_number());
    }

    #[test]
    fn an_example_must_be_of_the_type_the_keywords_imply() {
        let schema = serde_json::json!({
            "items": {"properties": {"items": {"type": "string"}, "required": {"type": "boolean"}}}
        });
        let typed = implied_types(&schema);
        assert_eq!(
            typed,
            serde_json::json!({"type": "array", "items": {"type": "object", "properties": {
                "items": {"type": "string"}, "required": {"type": "boolean"}}}})
        );
        assert!(fits(&schema, &serde_json::json!(["example"])));
        assert!(!fits(&typed, &serde_json::json!(["example"])));
        assert!(fits(&typed, &serde_json::json!([{"items": "x"}])));
    }
}
