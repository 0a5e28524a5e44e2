//! What a schema allows, typed: the one reading of a schema's constraints
//! that the compatibility gate compares, the client's docs describe and the
//! server's parameter hints come from. Built by the loader from the
//! `openapiv3` parse, whatever variant (`Type`, `Any`, a composition)
//! holds them.

use openapiv3::{AdditionalProperties, ReferenceOr, SchemaKind, Type, VariantOrUnknownOrEmpty};
use serde_json::Value;

/// A schema where it is written: a `$ref`, or constraints inline.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// A `$ref`, as written (`#/components/schemas/DispatcherLog`).
    Ref(String),
    /// An inline schema.
    Inline(Box<Constraints>),
}

impl Node {
    /// The node of a schema as `openapiv3` parses it.
    pub fn of(schema: &ReferenceOr<openapiv3::Schema>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => Node::Ref(reference.clone()),
            ReferenceOr::Item(item) => Node::Inline(Box::new(Constraints::of(item))),
        }
    }

    fn of_boxed(schema: &ReferenceOr<Box<openapiv3::Schema>>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => Node::Ref(reference.clone()),
            ReferenceOr::Item(item) => Node::Inline(Box::new(Constraints::of(item))),
        }
    }

    /// The `components/schemas` entry a `$ref` names, if it is one.
    pub fn component(&self) -> Option<&str> {
        match self {
            Node::Ref(reference) => reference.strip_prefix("#/components/schemas/"),
            Node::Inline(_) => None,
        }
    }
}

/// A node with its `$ref`s followed: the constraints, and the component the
/// document names there (the outermost of a chain of `$ref`s).
#[derive(Clone, Copy, Debug)]
pub struct Resolved<'a> {
    /// What the schema allows.
    pub constraints: &'a Constraints,
    /// The `components/schemas` entry, if the node is a `$ref`.
    pub component: Option<&'a str>,
}

/// Follows `node`'s `$ref`s through `components` (`components/schemas` by
/// name); `None` for a `$ref` that names no entry, or a cycle of `$ref`s.
pub fn resolve<'a>(components: &'a [(String, Node)], node: &'a Node) -> Option<Resolved<'a>> {
    let outermost = node.component();
    let mut current = node;
    for _ in 0..32 {
        match current {
            Node::Inline(constraints) => {
                return Some(Resolved {
                    constraints,
                    component: outermost,
                })
            }
            Node::Ref(_) => {
                let name = current.component()?;
                current = components.iter().find(|(n, _)| n == name).map(|(_, s)| s)?;
            }
        }
    }
    None
}

/// The JSON type a schema names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    /// `string`
    String,
    /// `number`
    Number,
    /// `integer`
    Integer,
    /// `boolean`
    Boolean,
    /// `object`
    Object,
    /// `array`
    Array,
}

impl JsonType {
    /// The name OpenAPI gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            JsonType::String,
            JsonType::Number,
            JsonType::Integer,
            JsonType::Boolean,
            JsonType::Object,
            JsonType::Array,
        ]
        .into_iter()
        .find(|t| t.as_str() == name)
    }
}

/// A numeric bound (`minimum`, `maximum`, or a count such as `minLength`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    /// The limit.
    pub value: f64,
    /// `exclusiveMinimum`/`exclusiveMaximum: true`: the limit itself is
    /// not allowed.
    pub exclusive: bool,
}

/// `allOf`, `oneOf` or `anyOf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Composition {
    /// `oneOf`: exactly one alternative matches.
    OneOf,
    /// `allOf`: every member matches.
    AllOf,
    /// `anyOf`: at least one alternative matches.
    AnyOf,
}

impl Composition {
    /// The keyword (`oneOf`).
    pub fn key(self) -> &'static str {
        match self {
            Composition::OneOf => "oneOf",
            Composition::AllOf => "allOf",
            Composition::AnyOf => "anyOf",
        }
    }
}

/// `additionalProperties`.
#[derive(Clone, Debug, PartialEq)]
pub enum Additional {
    /// `true`: any other property is allowed.
    Open,
    /// `false`: no other property is allowed.
    Closed,
    /// Other properties must match this schema.
    Schema(Node),
}

/// What one schema allows, `$ref`s kept where it names other schemas.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    /// `type`; `None` for none (a composition, any value).
    pub ty: Option<JsonType>,
    /// `format` (`date-time`, `int64`, …).
    pub format: Option<String>,
    /// `nullable: true`.
    pub nullable: bool,
    /// `enum` (empty: any value).
    pub enumeration: Vec<Value>,
    /// `pattern`.
    pub pattern: Option<String>,
    /// `minimum`, with `exclusiveMinimum`.
    pub minimum: Option<Bound>,
    /// `maximum`, with `exclusiveMaximum`.
    pub maximum: Option<Bound>,
    /// `multipleOf`.
    pub multiple_of: Option<f64>,
    /// `minLength`.
    pub min_length: Option<usize>,
    /// `maxLength`.
    pub max_length: Option<usize>,
    /// `minItems`.
    pub min_items: Option<usize>,
    /// `maxItems`.
    pub max_items: Option<usize>,
    /// `uniqueItems: true`.
    pub unique_items: bool,
    /// `minProperties`.
    pub min_properties: Option<usize>,
    /// `maxProperties`.
    pub max_properties: Option<usize>,
    /// `properties`, in document order.
    pub properties: Vec<(String, Node)>,
    /// `required`.
    pub required: Vec<String>,
    /// `additionalProperties`; `None` when absent (any is allowed).
    pub additional: Option<Additional>,
    /// `items`.
    pub items: Option<Node>,
    /// `allOf`, `oneOf` or `anyOf`, with its members.
    pub composition: Option<(Composition, Vec<Node>)>,
    /// `not`.
    pub not: Option<Node>,
    /// `readOnly: true`.
    pub read_only: bool,
    /// `writeOnly: true`.
    pub write_only: bool,
    /// `default`.
    pub default: Option<Value>,
    /// `example`.
    pub example: Option<Value>,
    /// `deprecated: true`.
    pub deprecated: bool,
}

/// The hint a server gives with an invalid date-time parameter.
const DATE_TIME_HINT: &str =
    "Use an RFC 3339 date-time such as 2024-04-17T09:39:45Z; percent-encode a `+` in an offset as %2B.";

impl Constraints {
    /// The constraints of one schema as `openapiv3` parses it.
    pub fn of(schema: &openapiv3::Schema) -> Self {
        let data = &schema.schema_data;
        let mut c = Constraints {
            nullable: data.nullable,
            read_only: data.read_only,
            write_only: data.write_only,
            default: data.default.clone(),
            example: data.example.clone(),
            deprecated: data.deprecated,
            ..Constraints::default()
        };
        match &schema.schema_kind {
            SchemaKind::Type(t) => c.typed(t),
            SchemaKind::OneOf { one_of } => c.compose(Composition::OneOf, one_of),
            SchemaKind::AllOf { all_of } => c.compose(Composition::AllOf, all_of),
            SchemaKind::AnyOf { any_of } => c.compose(Composition::AnyOf, any_of),
            SchemaKind::Not { not } => c.not = Some(Node::of(not)),
            SchemaKind::Any(a) => c.any(a),
        }
        c
    }

    /// What a value that breaks these constraints should look like, in
    /// words, for a server's problem answer (`None`: nothing to add to the
    /// rule itself).
    pub fn hint(&self) -> Option<&'static str> {
        (self.format.as_deref() == Some("date-time")).then_some(DATE_TIME_HINT)
    }

    fn compose(&mut self, kind: Composition, members: &[ReferenceOr<openapiv3::Schema>]) {
        self.composition = Some((kind, members.iter().map(Node::of).collect()));
    }

    fn typed(&mut self, t: &Type) {
        match t {
            Type::String(t) => {
                self.ty = Some(JsonType::String);
                self.format = format_of(&t.format);
                self.pattern = t.pattern.clone();
                self.enumeration = values(&t.enumeration);
                self.min_length = t.min_length;
                self.max_length = t.max_length;
            }
            Type::Number(t) => {
                self.ty = Some(JsonType::Number);
                self.format = format_of(&t.format);
                self.minimum = bound(t.minimum, t.exclusive_minimum);
                self.maximum = bound(t.maximum, t.exclusive_maximum);
                self.multiple_of = t.multiple_of;
                self.enumeration = t.enumeration.iter().map(|v| number(*v)).collect();
            }
            Type::Integer(t) => {
                self.ty = Some(JsonType::Integer);
                self.format = format_of(&t.format);
                self.minimum = bound(t.minimum.map(|m| m as f64), t.exclusive_minimum);
                self.maximum = bound(t.maximum.map(|m| m as f64), t.exclusive_maximum);
                self.multiple_of = t.multiple_of.map(|m| m as f64);
                self.enumeration = values(&t.enumeration);
            }
            Type::Boolean(t) => {
                self.ty = Some(JsonType::Boolean);
                self.enumeration = values(&t.enumeration);
            }
            Type::Object(t) => {
                self.ty = Some(JsonType::Object);
                self.properties = properties(&t.properties);
                self.required = t.required.clone();
                self.additional = additional(&t.additional_properties);
                self.min_properties = t.min_properties;
                self.max_properties = t.max_properties;
            }
            Type::Array(t) => {
                self.ty = Some(JsonType::Array);
                self.items = t.items.as_ref().map(Node::of_boxed);
                self.min_items = t.min_items;
                self.max_items = t.max_items;
                self.unique_items = t.unique_items;
            }
        }
    }

    /// A schema `openapiv3` could not fit one variant: every keyword it
    /// kept.
    fn any(&mut self, a: &openapiv3::AnySchema) {
        self.ty = a.typ.as_deref().and_then(JsonType::from_name);
        self.format = a.format.clone();
        self.pattern = a.pattern.clone();
        self.enumeration = a.enumeration.clone();
        self.minimum = bound(a.minimum, a.exclusive_minimum.unwrap_or(false));
        self.maximum = bound(a.maximum, a.exclusive_maximum.unwrap_or(false));
        self.multiple_of = a.multiple_of;
        self.min_length = a.min_length;
        self.max_length = a.max_length;
        self.min_items = a.min_items;
        self.max_items = a.max_items;
        self.unique_items = a.unique_items.unwrap_or(false);
        self.min_properties = a.min_properties;
        self.max_properties = a.max_properties;
        self.properties = properties(&a.properties);
        self.required = a.required.clone();
        self.additional = additional(&a.additional_properties);
        self.items = a.items.as_ref().map(Node::of_boxed);
        self.not = a.not.as_deref().map(Node::of);
        for (kind, list) in [
            (Composition::OneOf, &a.one_of),
            (Composition::AllOf, &a.all_of),
            (Composition::AnyOf, &a.any_of),
        ] {
            if !list.is_empty() {
                self.compose(kind, list);
            }
        }
    }
}

fn bound(value: Option<f64>, exclusive: bool) -> Option<Bound> {
    value.map(|value| Bound { value, exclusive })
}

fn format_of<T: serde::Serialize>(format: &VariantOrUnknownOrEmpty<T>) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(item) => serde_json::to_value(item)
            .ok()?
            .as_str()
            .map(str::to_string),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn values<T: serde::Serialize>(enumeration: &[Option<T>]) -> Vec<Value> {
    enumeration
        .iter()
        .map(|v| serde_json::to_value(v).unwrap_or(Value::Null))
        .collect()
}

/// A value of a `number` enum, which `openapiv3` reads as a float: a whole
/// number is written back as an integer (`2`, not `2.0`), as documents
/// write it.
fn number(value: Option<f64>) -> Value {
    match value {
        None => Value::Null,
        Some(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => Value::from(v as i64),
        Some(v) => serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
    }
}

fn properties(
    properties: &indexmap::IndexMap<String, ReferenceOr<Box<openapiv3::Schema>>>,
) -> Vec<(String, Node)> {
    properties
        .iter()
        .map(|(k, v)| (k.clone(), Node::of_boxed(v)))
        .collect()
}

fn additional(extra: &Option<AdditionalProperties>) -> Option<Additional> {
    extra.as_ref().map(|extra| match extra {
        AdditionalProperties::Any(true) => Additional::Open,
        AdditionalProperties::Any(false) => Additional::Closed,
        AdditionalProperties::Schema(schema) => Additional::Schema(Node::of(schema)),
    })
}
