//! The constraints of one schema compared with its release: type, format,
//! `nullable`, `enum`, pattern, bounds, flags, then what it contains.

use serde_json::Value;

use super::{Change, Comparer, Direction, Place, Severity};
use crate::model::{Bound, Constraints, JsonType, Model, Node};

/// A short description of a schema, for "old → new".
pub(super) fn describe(model: &Model, node: &Node) -> String {
    let Some(resolved) = model.resolve(node) else {
        return "an unresolvable `$ref`".into();
    };
    let s = resolved.constraints;
    let mut text = match (resolved.component, s.ty) {
        (Some(name), _) => format!("`{name}`"),
        (None, Some(JsonType::Array)) => match &s.items {
            Some(items) => format!("array of {}", describe(model, items)),
            None => "array".into(),
        },
        (None, Some(ty)) => ty.as_str().to_string(),
        (None, None) => match &s.composition {
            Some((kind, list)) => format!("{} of {}", kind.key(), list.len()),
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

pub(super) fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

fn bound(b: Option<Bound>) -> String {
    match b {
        None => "none".into(),
        Some(Bound {
            value,
            exclusive: true,
        }) => format!("{value} (exclusive)"),
        Some(Bound { value, .. }) => format!("{value}"),
    }
}

/// A lower bound moved: raising it allows fewer values.
fn lower(old: Option<Bound>, new: Option<Bound>) -> Option<Change> {
    match (old, new) {
        (None, None) => None,
        (None, Some(_)) => Some(Change::Narrower),
        (Some(_), None) => Some(Change::Wider),
        (Some(a), Some(b)) => {
            if a == b {
                None
            } else if b.value > a.value || (a.value == b.value && b.exclusive) {
                Some(Change::Narrower)
            } else {
                Some(Change::Wider)
            }
        }
    }
}

/// An upper bound moved: lowering it allows fewer values.
fn upper(old: Option<Bound>, new: Option<Bound>) -> Option<Change> {
    let negate = |b: Option<Bound>| {
        b.map(|b| Bound {
            value: -b.value,
            ..b
        })
    };
    lower(negate(old), negate(new))
}

fn count(n: Option<usize>) -> Option<Bound> {
    n.map(|n| Bound {
        value: n as f64,
        exclusive: false,
    })
}

impl<'a> Comparer<'a> {
    /// Compares the constraints of a schema with its release.
    pub(super) fn compare_constraints(
        &mut self,
        o: &'a Constraints,
        n: &'a Constraints,
        old_node: &'a Node,
        new_node: &'a Node,
        place: &Place,
    ) {
        // The type first: past a change of type, nothing else compares.
        if o.ty != n.ty
            || o.composition.as_ref().map(|c| c.0) != n.composition.as_ref().map(|c| c.0)
        {
            let change = match (o.ty, n.ty) {
                (Some(JsonType::Integer), Some(JsonType::Number)) => Change::Wider,
                (Some(JsonType::Number), Some(JsonType::Integer)) => Change::Narrower,
                _ => Change::Different,
            };
            let old_text = describe(self.old, old_node);
            let new_text = describe(self.new, new_node);
            self.constraint(place, change, "the type of".into(), old_text, new_text);
            return;
        }
        self.values(o, n, place);
        self.bounds(o, n, place);
        self.flags(o, n, place);
        self.contents(o, n, place);
    }

    /// Which values: format, `nullable`, `enum`, pattern.
    fn values(&mut self, o: &Constraints, n: &Constraints, place: &Place) {
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
    }

    /// Bounds and counts, and `multipleOf`.
    fn bounds(&mut self, o: &Constraints, n: &Constraints, place: &Place) {
        // (what, is it a lower bound, old, new).
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
    }

    /// `uniqueItems`, `not`, `readOnly`/`writeOnly`, the default,
    /// `deprecated`.
    fn flags(&mut self, o: &Constraints, n: &Constraints, place: &Place) {
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
        if o.not.is_some() != n.not.is_some() {
            self.unclassified(place, "`not`", "changed");
        }
        if o.read_only != n.read_only || o.write_only != n.write_only {
            let text = |s: &Constraints| {
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
                "request-default-changed",
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
    }

    /// What the schema contains: items, properties, composition members.
    fn contents(&mut self, o: &'a Constraints, n: &'a Constraints, place: &Place) {
        if let (Some(oi), Some(ni)) = (&o.items, &n.items) {
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
        if o.ty == Some(JsonType::Object) || !o.properties.is_empty() || !n.properties.is_empty() {
            self.object(o, n, place);
        }
        if let (Some((kind, old_list)), Some((_, new_list))) = (&o.composition, &n.composition) {
            self.composition(*kind, old_list, new_list, place);
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
}
