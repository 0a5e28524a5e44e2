//! Comparing two schemas in one direction.
//!
//! A schema is read by the **server** where clients send it (parameters,
//! request bodies) and by **clients** where the server sends it
//! (responses). The same edit means opposite things in the two places:
//! allowing more values (a wider enum, a looser bound, `nullable`) is safe
//! where the server reads, because every request an old client sends is
//! still accepted, and unsafe where clients read, because an old client's
//! types cannot hold the new values. Allowing fewer is the reverse. Every
//! constraint below is judged as *narrower*, *wider* or *different*
//! (neither: both directions break), and the direction turns that into a
//! verdict.

use std::collections::BTreeSet;

use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};
use serde_json::Value;

use super::{Finding, Severity};
use crate::model::Model;
use crate::spec::escape_pointer;

/// Who reads the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Clients send it, the server reads it (parameters, request bodies).
    Request,
    /// The server sends it, clients read it (responses).
    Response,
}

impl Direction {
    fn word(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
        }
    }
}

/// How a constraint changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    /// Fewer values are allowed.
    Narrower,
    /// More values are allowed.
    Wider,
    /// Some values are allowed that were not, and some are no longer.
    Different,
}

/// A schema as written (a `$ref` or inline), in either of openapiv3's two
/// shapes.
#[derive(Clone, Copy)]
pub enum Node<'a> {
    /// A `$ref`.
    Ref(&'a str),
    /// An inline schema.
    Item(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for Node<'a> {
    fn from(schema: &'a ReferenceOr<Schema>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => Node::Ref(reference),
            ReferenceOr::Item(item) => Node::Item(item),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for Node<'a> {
    fn from(schema: &'a ReferenceOr<Box<Schema>>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => Node::Ref(reference),
            ReferenceOr::Item(item) => Node::Item(item),
        }
    }
}

/// Where a comparison stands: in which direction, under which name, at
/// which JSON pointers of the two documents.
#[derive(Clone)]
pub struct Place {
    /// Who reads the schema.
    pub direction: Direction,
    /// What the schema is, for messages: "`DispatcherLog`", "parameter
    /// `expand`", "the 200 body of `list_items`".
    pub subject: String,
    /// The named type the place is in, for "a `DispatcherLog` without …".
    pub type_name: Option<String>,
    /// The pointer in the released document.
    pub old_pointer: String,
    /// The pointer in the current document.
    pub new_pointer: String,
}

impl Place {
    fn child(&self, segment: &str, subject: String) -> Place {
        Place {
            direction: self.direction,
            subject,
            type_name: self.type_name.clone(),
            old_pointer: format!("{}/{segment}", self.old_pointer),
            new_pointer: format!("{}/{segment}", self.new_pointer),
        }
    }
}

/// Compares schemas and collects findings.
pub struct Comparer<'a> {
    pub old: &'a Model,
    pub new: &'a Model,
    /// The released version, for messages ("clients built against 2.0").
    pub version: String,
    pub findings: Vec<Finding>,
    /// Pairs of named schemas already compared in a direction (recursion
    /// and repeated uses stop here).
    seen: BTreeSet<(String, String, Direction)>,
}

/// A schema resolved: the item, the component it is (if a `$ref`), and its
/// pointer.
struct Resolved<'a> {
    schema: &'a Schema,
    component: Option<String>,
}

fn resolve<'m>(model: &'m Model, node: Node<'m>) -> Option<Resolved<'m>> {
    match node {
        Node::Item(schema) => Some(Resolved {
            schema,
            component: None,
        }),
        Node::Ref(reference) => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            let (_, schema) = model.schemas.iter().find(|(n, _)| n == name)?;
            let mut resolved = resolve(model, Node::from(schema))?;
            // The outermost name is the one the document uses here.
            resolved.component = Some(name.to_string());
            Some(resolved)
        }
    }
}

/// `additionalProperties`, as far as it matters here.
#[derive(Clone, Copy)]
enum Extra<'a> {
    /// Any other property is allowed (absent, or `true`).
    Open,
    /// No other property is allowed (`false`).
    Closed,
    /// Other properties must match this schema.
    Schema(Node<'a>),
}

/// The constraints of a schema, whatever openapiv3 variant holds them.
#[derive(Default)]
struct Shape<'a> {
    ty: Option<&'static str>,
    format: Option<String>,
    nullable: bool,
    enumeration: Vec<Value>,
    pattern: Option<String>,
    minimum: Option<(f64, bool)>,
    maximum: Option<(f64, bool)>,
    multiple_of: Option<f64>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    min_items: Option<usize>,
    max_items: Option<usize>,
    unique_items: bool,
    min_properties: Option<usize>,
    max_properties: Option<usize>,
    properties: Vec<(&'a str, Node<'a>)>,
    required: Vec<&'a str>,
    extra: Option<Extra<'a>>,
    items: Option<Node<'a>>,
    composition: Option<(&'static str, Vec<Node<'a>>)>,
    not: bool,
    read_only: bool,
    write_only: bool,
    default: Option<Value>,
    deprecated: bool,
}

fn format_of<T: serde::Serialize>(
    format: &openapiv3::VariantOrUnknownOrEmpty<T>,
) -> Option<String> {
    match format {
        openapiv3::VariantOrUnknownOrEmpty::Item(item) => serde_json::to_value(item)
            .ok()?
            .as_str()
            .map(str::to_string),
        openapiv3::VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        openapiv3::VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn values<T: serde::Serialize>(enumeration: &[Option<T>]) -> Vec<Value> {
    enumeration
        .iter()
        .map(|v| serde_json::to_value(v).unwrap_or(Value::Null))
        .collect()
}

fn extra_of(extra: &Option<AdditionalProperties>) -> Option<Extra<'_>> {
    extra.as_ref().map(|extra| match extra {
        AdditionalProperties::Any(true) => Extra::Open,
        AdditionalProperties::Any(false) => Extra::Closed,
        AdditionalProperties::Schema(schema) => Extra::Schema(Node::from(schema.as_ref())),
    })
}

fn shape(schema: &Schema) -> Shape<'_> {
    let data = &schema.schema_data;
    let mut s = Shape {
        nullable: data.nullable,
        read_only: data.read_only,
        write_only: data.write_only,
        default: data.default.clone(),
        deprecated: data.deprecated,
        ..Shape::default()
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(t)) => {
            s.ty = Some("string");
            s.format = format_of(&t.format);
            s.pattern = t.pattern.clone();
            s.enumeration = values(&t.enumeration);
            s.min_length = t.min_length;
            s.max_length = t.max_length;
        }
        SchemaKind::Type(Type::Number(t)) => {
            s.ty = Some("number");
            s.format = format_of(&t.format);
            s.minimum = t.minimum.map(|m| (m, t.exclusive_minimum));
            s.maximum = t.maximum.map(|m| (m, t.exclusive_maximum));
            s.multiple_of = t.multiple_of;
            s.enumeration = values(&t.enumeration);
        }
        SchemaKind::Type(Type::Integer(t)) => {
            s.ty = Some("integer");
            s.format = format_of(&t.format);
            s.minimum = t.minimum.map(|m| (m as f64, t.exclusive_minimum));
            s.maximum = t.maximum.map(|m| (m as f64, t.exclusive_maximum));
            s.multiple_of = t.multiple_of.map(|m| m as f64);
            s.enumeration = values(&t.enumeration);
        }
        SchemaKind::Type(Type::Boolean(t)) => {
            s.ty = Some("boolean");
            s.enumeration = values(&t.enumeration);
        }
        SchemaKind::Type(Type::Object(t)) => {
            s.ty = Some("object");
            s.properties = t
                .properties
                .iter()
                .map(|(k, v)| (k.as_str(), Node::from(v)))
                .collect();
            s.required = t.required.iter().map(String::as_str).collect();
            s.extra = extra_of(&t.additional_properties);
            s.min_properties = t.min_properties;
            s.max_properties = t.max_properties;
        }
        SchemaKind::Type(Type::Array(t)) => {
            s.ty = Some("array");
            s.items = t.items.as_ref().map(Node::from);
            s.min_items = t.min_items;
            s.max_items = t.max_items;
            s.unique_items = t.unique_items;
        }
        SchemaKind::OneOf { one_of } => {
            s.composition = Some(("oneOf", one_of.iter().map(Node::from).collect()))
        }
        SchemaKind::AllOf { all_of } => {
            s.composition = Some(("allOf", all_of.iter().map(Node::from).collect()))
        }
        SchemaKind::AnyOf { any_of } => {
            s.composition = Some(("anyOf", any_of.iter().map(Node::from).collect()))
        }
        SchemaKind::Not { .. } => s.not = true,
        SchemaKind::Any(a) => {
            s.ty = match a.typ.as_deref() {
                Some("string") => Some("string"),
                Some("number") => Some("number"),
                Some("integer") => Some("integer"),
                Some("boolean") => Some("boolean"),
                Some("object") => Some("object"),
                Some("array") => Some("array"),
                _ => None,
            };
            s.format = a.format.clone();
            s.pattern = a.pattern.clone();
            s.enumeration = a.enumeration.clone();
            s.minimum = a.minimum.map(|m| (m, a.exclusive_minimum.unwrap_or(false)));
            s.maximum = a.maximum.map(|m| (m, a.exclusive_maximum.unwrap_or(false)));
            s.multiple_of = a.multiple_of;
            s.min_length = a.min_length;
            s.max_length = a.max_length;
            s.min_items = a.min_items;
            s.max_items = a.max_items;
            s.unique_items = a.unique_items.unwrap_or(false);
            s.min_properties = a.min_properties;
            s.max_properties = a.max_properties;
            s.properties = a
                .properties
                .iter()
                .map(|(k, v)| (k.as_str(), Node::from(v)))
                .collect();
            s.required = a.required.iter().map(String::as_str).collect();
            s.extra = extra_of(&a.additional_properties);
            s.items = a.items.as_ref().map(Node::from);
            s.not = a.not.is_some();
            for (kind, list) in [
                ("oneOf", &a.one_of),
                ("allOf", &a.all_of),
                ("anyOf", &a.any_of),
            ] {
                if !list.is_empty() {
                    s.composition = Some((kind, list.iter().map(Node::from).collect()));
                }
            }
        }
    }
    s
}

/// A short description of a schema, for "old → new".
fn describe(model: &Model, node: Node<'_>) -> String {
    let Some(resolved) = resolve(model, node) else {
        return "an unresolvable `$ref`".into();
    };
    let s = shape(resolved.schema);
    let mut text = match (&resolved.component, s.ty) {
        (Some(name), _) => format!("`{name}`"),
        (None, Some("array")) => match s.items {
            Some(items) => format!("array of {}", describe(model, items)),
            None => "array".into(),
        },
        (None, Some(ty)) => ty.to_string(),
        (None, None) => match &s.composition {
            Some((kind, list)) => format!("{kind} of {}", list.len()),
            None => "any value".into(),
        },
    };
    if resolved.component.is_none() {
        if let Some(format) = &s.format {
            text.push_str(&format!(" ({format})"));
        }
    }
    if s.nullable {
        text.push_str(", nullable");
    }
    text
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

fn bound(b: Option<(f64, bool)>) -> String {
    match b {
        None => "none".into(),
        Some((v, true)) => format!("{v} (exclusive)"),
        Some((v, false)) => format!("{v}"),
    }
}

/// A lower bound moved: raising it allows fewer values.
fn lower(old: Option<(f64, bool)>, new: Option<(f64, bool)>) -> Option<Change> {
    match (old, new) {
        (None, None) => None,
        (None, Some(_)) => Some(Change::Narrower),
        (Some(_), None) => Some(Change::Wider),
        (Some((a, ax)), Some((b, bx))) => {
            if a == b && ax == bx {
                None
            } else if b > a || (a == b && bx) {
                Some(Change::Narrower)
            } else {
                Some(Change::Wider)
            }
        }
    }
}

/// An upper bound moved: lowering it allows fewer values.
fn upper(old: Option<(f64, bool)>, new: Option<(f64, bool)>) -> Option<Change> {
    lower(old.map(|(v, x)| (-v, x)), new.map(|(v, x)| (-v, x)))
}

fn count(n: Option<usize>) -> Option<(f64, bool)> {
    n.map(|n| (n as f64, false))
}

/// Fix advice for a change that breaks in `direction`.
fn fix_for(direction: Direction) -> &'static str {
    match direction {
        Direction::Request => {
            "keep accepting what the released document accepted (add the new rule as a new, optional \
             parameter or field), or bump the major version in info.version"
        }
        Direction::Response => {
            "keep sending only what the released document allowed (add a new field or a new \
             operation instead), or bump the major version in info.version"
        }
    }
}

impl<'a> Comparer<'a> {
    /// A comparer of `old` (released as `version`) against `new`.
    pub fn new(old: &'a Model, new: &'a Model, version: &str) -> Self {
        Self {
            old,
            new,
            version: version.to_string(),
            findings: Vec::new(),
            seen: BTreeSet::new(),
        }
    }

    /// Adds a finding.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        severity: Severity,
        pointer: &str,
        subject: String,
        old: String,
        new: String,
        impact: String,
        fix: &str,
    ) {
        self.findings.push(Finding {
            severity,
            pointer: format!("#{pointer}"),
            subject,
            old,
            new,
            impact,
            fix: fix.to_string(),
        });
    }

    /// A constraint changed: the direction decides the verdict.
    fn constraint(
        &mut self,
        place: &Place,
        change: Change,
        what: String,
        old: String,
        new: String,
    ) {
        let v = self.version.clone();
        let breaking = matches!(
            (place.direction, change),
            (_, Change::Different)
                | (Direction::Request, Change::Narrower)
                | (Direction::Response, Change::Wider)
        );
        let impact = match (place.direction, breaking) {
            (Direction::Request, true) => format!(
                "requests that clients built against {v} send may now be refused (the server reads {} more strictly)",
                place.subject
            ),
            (Direction::Response, true) => format!(
                "clients built against {v} may receive a value of {} their types cannot hold, and fail to decode the answer",
                place.subject
            ),
            (Direction::Request, false) => format!(
                "every request clients built against {v} send is still accepted"
            ),
            (Direction::Response, false) => format!(
                "clients built against {v} still decode every value the server sends"
            ),
        };
        let severity = if breaking {
            Severity::Breaking
        } else {
            Severity::Compatible
        };
        self.push(
            severity,
            &place.new_pointer,
            format!("{what} {} {}", place.direction.word(), place.subject),
            old,
            new,
            impact,
            if breaking {
                fix_for(place.direction)
            } else {
                ""
            },
        );
    }

    /// Compares the schema of `place` in the two documents.
    pub fn compare(&mut self, old_node: Node<'a>, new_node: Node<'a>, place: &Place) {
        let (Some(old), Some(new)) = (resolve(self.old, old_node), resolve(self.new, new_node))
        else {
            self.push(
                Severity::Breaking,
                &place.new_pointer,
                format!("{} {}", place.direction.word(), place.subject),
                "a schema".into(),
                "a `$ref` that does not resolve".into(),
                "the gate cannot tell what clients see here".into(),
                "make the `$ref` resolve (cargo xtask lint names it)",
            );
            return;
        };
        let mut place = place.clone();
        if let (Some(o), Some(n)) = (&old.component, &new.component) {
            if !self.seen.insert((o.clone(), n.clone(), place.direction)) {
                return;
            }
            place.old_pointer = format!("/components/schemas/{}", escape_pointer(o));
            place.new_pointer = format!("/components/schemas/{}", escape_pointer(n));
            place.type_name = Some(n.clone());
            if place.subject.is_empty() || o == n {
                // Keep the use ("parameter `x`") but say which type it is.
                if !place.subject.contains(&format!("`{n}`")) {
                    place.subject = if place.subject.is_empty() {
                        format!("`{n}`")
                    } else {
                        format!("{} (`{n}`)", place.subject)
                    };
                }
            }
        }
        let (o, n) = (shape(old.schema), shape(new.schema));
        self.compare_shapes(&o, &n, old_node, new_node, &place);
    }

    fn compare_shapes(
        &mut self,
        o: &Shape<'a>,
        n: &Shape<'a>,
        old_node: Node<'a>,
        new_node: Node<'a>,
        place: &Place,
    ) {
        // The type first: past a change of type, nothing else compares.
        if o.ty != n.ty
            || o.composition.as_ref().map(|c| c.0) != n.composition.as_ref().map(|c| c.0)
        {
            let change = match (o.ty, n.ty) {
                (Some("integer"), Some("number")) => Change::Wider,
                (Some("number"), Some("integer")) => Change::Narrower,
                _ => Change::Different,
            };
            let old_text = describe(self.old, old_node);
            let new_text = describe(self.new, new_node);
            self.constraint(place, change, "the type of".into(), old_text, new_text);
            return;
        }
        self.optional_rule(place, "the format of", &o.format, &n.format);
        if o.nullable != n.nullable {
            let change = if n.nullable {
                Change::Wider
            } else {
                Change::Narrower
            };
            let text = |b: bool| if b { "nullable" } else { "not nullable" }.to_string();
            self.constraint(
                place,
                change,
                "`nullable` of".into(),
                text(o.nullable),
                text(n.nullable),
            );
        }
        self.enumeration(place, &o.enumeration, &n.enumeration);
        self.optional_rule(place, "the pattern of", &o.pattern, &n.pattern);
        // Bounds: (what, is it a lower bound, old, new).
        let counts = |a: Option<usize>, b: Option<usize>| (count(a), count(b));
        for (what, is_lower, (old, new)) in [
            ("the minimum of", true, (o.minimum, n.minimum)),
            ("the maximum of", false, (o.maximum, n.maximum)),
            ("`minLength` of", true, counts(o.min_length, n.min_length)),
            ("`maxLength` of", false, counts(o.max_length, n.max_length)),
            ("`minItems` of", true, counts(o.min_items, n.min_items)),
            ("`maxItems` of", false, counts(o.max_items, n.max_items)),
            (
                "`minProperties` of",
                true,
                counts(o.min_properties, n.min_properties),
            ),
            (
                "`maxProperties` of",
                false,
                counts(o.max_properties, n.max_properties),
            ),
        ] {
            let change = if is_lower {
                lower(old, new)
            } else {
                upper(old, new)
            };
            if let Some(change) = change {
                self.constraint(place, change, what.into(), bound(old), bound(new));
            }
        }
        if o.multiple_of != n.multiple_of {
            let change = match (o.multiple_of, n.multiple_of) {
                (None, Some(_)) => Change::Narrower,
                (Some(_), None) => Change::Wider,
                (Some(a), Some(b)) if b != 0.0 && (a / b).fract() == 0.0 => Change::Wider,
                (Some(a), Some(b)) if a != 0.0 && (b / a).fract() == 0.0 => Change::Narrower,
                _ => Change::Different,
            };
            let text = |m: Option<f64>| m.map_or("none".into(), |m| m.to_string());
            self.constraint(
                place,
                change,
                "`multipleOf` of".into(),
                text(o.multiple_of),
                text(n.multiple_of),
            );
        }
        if o.unique_items != n.unique_items {
            let change = if n.unique_items {
                Change::Narrower
            } else {
                Change::Wider
            };
            self.constraint(
                place,
                change,
                "`uniqueItems` of".into(),
                o.unique_items.to_string(),
                n.unique_items.to_string(),
            );
        }
        if o.not != n.not {
            self.unclassified(place, "`not`", "changed");
        }
        if o.read_only != n.read_only || o.write_only != n.write_only {
            let text = |s: &Shape| {
                match (s.read_only, s.write_only) {
                    (true, _) => "readOnly",
                    (_, true) => "writeOnly",
                    _ => "neither",
                }
                .to_string()
            };
            self.constraint(
                place,
                Change::Different,
                "`readOnly`/`writeOnly` of".into(),
                text(o),
                text(n),
            );
        }
        if o.default != n.default && place.direction == Direction::Request {
            let text = |d: &Option<Value>| d.as_ref().map_or("none".into(), show);
            let v = self.version.clone();
            self.push(
                Severity::Warning,
                &place.new_pointer,
                format!("the default of request {}", place.subject),
                text(&o.default),
                text(&n.default),
                format!(
                    "clients built against {v} that leave it out get the new default: the same request now means something else"
                ),
                "",
            );
        }
        if !o.deprecated && n.deprecated {
            self.deprecated(&place.new_pointer, &place.subject);
        }
        if let (Some(oi), Some(ni)) = (o.items, n.items) {
            let child = place.child("items", format!("the items of {}", place.subject));
            self.compare(oi, ni, &child);
        } else if o.items.is_some() != n.items.is_some() {
            self.unclassified(
                place,
                "`items`",
                if n.items.is_some() {
                    "added"
                } else {
                    "removed"
                },
            );
        }
        if o.ty == Some("object") || !o.properties.is_empty() || !n.properties.is_empty() {
            self.object(o, n, place);
        }
        if let (Some((kind, old_list)), Some((_, new_list))) = (&o.composition, &n.composition) {
            self.composition(kind, old_list, new_list, place);
        }
    }

    /// A rule that is either absent or a value (a format, a pattern): adding
    /// one narrows, removing one widens, changing one is different.
    fn optional_rule(
        &mut self,
        place: &Place,
        what: &str,
        old: &Option<String>,
        new: &Option<String>,
    ) {
        if old == new {
            return;
        }
        let change = match (old, new) {
            (None, Some(_)) => Change::Narrower,
            (Some(_), None) => Change::Wider,
            _ => Change::Different,
        };
        let text = |v: &Option<String>| v.as_deref().map_or("none".into(), |v| format!("`{v}`"));
        self.constraint(place, change, what.into(), text(old), text(new));
    }

    fn enumeration(&mut self, place: &Place, old: &[Value], new: &[Value]) {
        if old == new {
            return;
        }
        let list = |values: &[Value]| values.iter().map(show).collect::<Vec<_>>().join(", ");
        match (old.is_empty(), new.is_empty()) {
            (true, false) => self.constraint(
                place,
                Change::Narrower,
                "`enum` of".into(),
                "any value".into(),
                list(new),
            ),
            (false, true) => self.constraint(
                place,
                Change::Wider,
                "`enum` of".into(),
                list(old),
                "any value".into(),
            ),
            _ => {
                for value in new.iter().filter(|v| !old.contains(v)) {
                    self.constraint(
                        place,
                        Change::Wider,
                        format!("enum value {} added to", show(value)),
                        list(old),
                        list(new),
                    );
                }
                for value in old.iter().filter(|v| !new.contains(v)) {
                    self.constraint(
                        place,
                        Change::Narrower,
                        format!("enum value {} removed from", show(value)),
                        list(old),
                        list(new),
                    );
                }
            }
        }
    }

    fn object(&mut self, o: &Shape<'a>, n: &Shape<'a>, place: &Place) {
        let v = self.version.clone();
        let type_name = place
            .type_name
            .clone()
            .map_or_else(|| place.subject.clone(), |t| format!("`{t}`"));
        let closed = |s: &Shape| matches!(s.extra, Some(Extra::Closed));
        let added: Vec<&str> = n
            .properties
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| !o.properties.iter().any(|(ok, _)| ok == k))
            .collect();
        for (name, old_node) in &o.properties {
            let was_required = o.required.contains(name);
            let pointer = |p: &str| format!("{p}/properties/{}", escape_pointer(name));
            match n.properties.iter().find(|(k, _)| k == name) {
                Some((_, new_node)) => {
                    let is_required = n.required.contains(name);
                    let child = place.child(
                        &format!("properties/{}", escape_pointer(name)),
                        format!("property `{name}` of {type_name}"),
                    );
                    let child = Place {
                        type_name: place.type_name.clone(),
                        ..child
                    };
                    if was_required != is_required {
                        let text = |r: bool| if r { "required" } else { "optional" }.to_string();
                        let (severity, impact) = match (place.direction, is_required) {
                            (Direction::Response, false) => (
                                Severity::Breaking,
                                format!("clients built against {v} fail to decode a {type_name} without `{name}`"),
                            ),
                            (Direction::Request, true) => (
                                Severity::Breaking,
                                format!("requests from clients built against {v} that leave out `{name}` are refused"),
                            ),
                            (Direction::Response, true) => (
                                Severity::Compatible,
                                format!("clients built against {v} still decode it (they treat it as optional)"),
                            ),
                            (Direction::Request, false) => (
                                Severity::Compatible,
                                format!("clients built against {v} still send it"),
                            ),
                        };
                        let fix = if severity == Severity::Breaking {
                            fix_for(place.direction)
                        } else {
                            ""
                        };
                        self.push(
                            severity,
                            &child.new_pointer,
                            format!(
                                "{} property `{name}` of {type_name} made {}",
                                place.direction.word(),
                                text(is_required)
                            ),
                            text(was_required),
                            text(is_required),
                            impact,
                            fix,
                        );
                    }
                    self.compare(*old_node, *new_node, &child);
                }
                None => {
                    let renamed = if added.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (renamed to {}?)",
                            added
                                .iter()
                                .map(|a| format!("`{a}`"))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        )
                    };
                    let (severity, impact, fix) = match (place.direction, was_required) {
                        (Direction::Response, true) => (
                            Severity::Breaking,
                            format!("clients built against {v} fail to decode a {type_name} without `{name}`"),
                            "keep sending the property (mark it `deprecated: true` first), or bump the major version in info.version",
                        ),
                        (Direction::Response, false) => (
                            Severity::Warning,
                            format!("clients built against {v} decode it as absent from now on"),
                            "",
                        ),
                        (Direction::Request, _) if closed(n) => (
                            Severity::Breaking,
                            format!("requests from clients built against {v} that send `{name}` are refused (`additionalProperties: false`)"),
                            fix_for(Direction::Request),
                        ),
                        (Direction::Request, _) => (
                            Severity::Warning,
                            format!("clients built against {v} still send `{name}`; the server now ignores it"),
                            "",
                        ),
                    };
                    let was = describe(self.old, *old_node);
                    self.push(
                        severity,
                        &pointer(&place.old_pointer),
                        format!(
                            "{} property `{name}` of {type_name} removed{renamed}",
                            place.direction.word()
                        ),
                        format!(
                            "{} {was}",
                            if was_required { "required" } else { "optional" }
                        ),
                        "absent".into(),
                        impact,
                        fix,
                    );
                }
            }
        }
        for name in &added {
            let Some((_, node)) = n.properties.iter().find(|(k, _)| k == name) else {
                continue;
            };
            let is_required = n.required.contains(name);
            let (severity, impact, fix) = match (place.direction, is_required) {
                (Direction::Response, _) if closed(o) => (
                    Severity::Breaking,
                    format!("clients built against {v} refuse unknown fields of {type_name} (`additionalProperties: false`)"),
                    fix_for(Direction::Response),
                ),
                (Direction::Response, _) => (
                    Severity::Compatible,
                    format!("clients built against {v} ignore fields they do not know"),
                    "",
                ),
                (Direction::Request, true) => (
                    Severity::Breaking,
                    format!("requests from clients built against {v} lack `{name}` and are refused"),
                    "make it optional (with a default the server applies), or bump the major version in info.version",
                ),
                (Direction::Request, false) => (
                    Severity::Compatible,
                    format!("clients built against {v} leave it out, which is allowed"),
                    "",
                ),
            };
            let now = describe(self.new, *node);
            self.push(
                severity,
                &format!("{}/properties/{}", place.new_pointer, escape_pointer(name)),
                format!(
                    "{} property `{name}` of {type_name} added",
                    place.direction.word()
                ),
                "absent".into(),
                format!(
                    "{} {now}",
                    if is_required { "required" } else { "optional" }
                ),
                impact,
                fix,
            );
        }
        // Other properties: open, closed, or a schema.
        let text = |e: Option<Extra>| match e {
            None | Some(Extra::Open) => "any".to_string(),
            Some(Extra::Closed) => "none (`false`)".to_string(),
            Some(Extra::Schema(_)) => "a schema".to_string(),
        };
        match (o.extra, n.extra) {
            (Some(Extra::Schema(a)), Some(Extra::Schema(b))) => {
                let child = place.child(
                    "additionalProperties",
                    format!("the other properties of {type_name}"),
                );
                self.compare(a, b, &child);
            }
            (None | Some(Extra::Open), None | Some(Extra::Open)) => {}
            (Some(Extra::Closed), Some(Extra::Closed)) => {}
            (a, b) => {
                let rank = |e: Option<Extra>| match e {
                    None | Some(Extra::Open) => 2,
                    Some(Extra::Schema(_)) => 1,
                    Some(Extra::Closed) => 0,
                };
                let change = if rank(b) < rank(a) {
                    Change::Narrower
                } else {
                    Change::Wider
                };
                self.constraint(
                    place,
                    change,
                    "`additionalProperties` of".into(),
                    text(a),
                    text(b),
                );
            }
        }
    }

    fn composition(&mut self, kind: &str, old: &[Node<'a>], new: &[Node<'a>], place: &Place) {
        let name = |node: &Node| match node {
            Node::Ref(r) => Some(r.to_string()),
            Node::Item(_) => None,
        };
        let mut unmatched_new: Vec<usize> = (0..new.len()).collect();
        let mut pairs = Vec::new();
        let mut removed = Vec::new();
        for (i, o) in old.iter().enumerate() {
            let by_name = name(o).and_then(|on| {
                unmatched_new
                    .iter()
                    .position(|&j| name(&new[j]).as_deref() == Some(on.as_str()))
            });
            let by_position = || {
                unmatched_new
                    .iter()
                    .position(|&j| j == i && name(&new[j]).is_none() && name(o).is_none())
            };
            match by_name.or_else(by_position) {
                Some(k) => pairs.push((i, unmatched_new.remove(k))),
                None => removed.push(i),
            }
        }
        for (i, j) in pairs {
            let child = place.child(
                &format!("{kind}/{j}"),
                format!("alternative {} of {}", j + 1, place.subject),
            );
            let child = Place {
                old_pointer: format!("{}/{kind}/{i}", place.old_pointer),
                ..child
            };
            self.compare(old[i], new[j], &child);
        }
        // More alternatives allow more values, fewer allow fewer; allOf is the reverse.
        let (more, fewer) = if kind == "allOf" {
            (Change::Narrower, Change::Wider)
        } else {
            (Change::Wider, Change::Narrower)
        };
        for j in unmatched_new {
            let text = describe(self.new, new[j]);
            self.constraint(
                place,
                more,
                format!("{kind} member {text} added to"),
                format!("{} members", old.len()),
                format!("{} members", new.len()),
            );
        }
        for i in removed {
            let text = describe(self.old, old[i]);
            self.constraint(
                place,
                fewer,
                format!("{kind} member {text} removed from"),
                format!("{} members", old.len()),
                format!("{} members", new.len()),
            );
        }
    }

    /// A change the gate has no rule for: it fails, naming the node.
    fn unclassified(&mut self, place: &Place, what: &str, how: &str) {
        self.push(
            Severity::Breaking,
            &place.new_pointer,
            format!("{what} of {} {}", place.direction.word(), place.subject),
            "as released".into(),
            how.into(),
            "the gate has no rule for this change, so it cannot promise deployed clients survive it".into(),
            "undo it, or bump the major version in info.version",
        );
    }

    /// `deprecated: true` was set: a warning.
    pub fn deprecated(&mut self, pointer: &str, subject: &str) {
        let v = self.version.clone();
        self.push(
            Severity::Warning,
            pointer,
            format!("{subject} deprecated"),
            "not deprecated".into(),
            "`deprecated: true`".into(),
            format!("clients built against {v} keep working; tell their teams before it goes away"),
            "",
        );
    }
}
