//! An object's properties and `additionalProperties` compared with their
//! release.

use super::rules::describe;
use super::{fix_for, Change, Comparer, Direction, Place, Severity};
use crate::model::{Additional, Constraints, Node};
use crate::spec::escape_pointer;

/// Whether no other property is allowed (`additionalProperties: false`).
fn closed(s: &Constraints) -> bool {
    matches!(s.additional, Some(Additional::Closed))
}

fn required_text(required: bool) -> &'static str {
    if required {
        "required"
    } else {
        "optional"
    }
}

impl<'a> Comparer<'a> {
    pub(super) fn object(&mut self, o: &'a Constraints, n: &'a Constraints, place: &Place) {
        let type_name = place
            .type_name
            .clone()
            .map_or_else(|| place.subject.clone(), |t| format!("`{t}`"));
        let added: Vec<&str> = n
            .properties
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !o.properties.iter().any(|(ok, _)| ok == k))
            .collect();
        for (name, old_node) in &o.properties {
            match n.properties.iter().find(|(k, _)| k == name) {
                Some((_, new_node)) => {
                    self.property_kept(o, n, name, old_node, new_node, place, &type_name)
                }
                None => self.property_removed(o, n, name, old_node, &added, place, &type_name),
            }
        }
        for name in &added {
            self.property_added(o, n, name, place, &type_name);
        }
        self.additional(o, n, place, &type_name);
    }

    /// A property in both: whether it is required, then its schema.
    #[allow(clippy::too_many_arguments)]
    fn property_kept(
        &mut self,
        o: &Constraints,
        n: &Constraints,
        name: &str,
        old_node: &'a Node,
        new_node: &'a Node,
        place: &Place,
        type_name: &str,
    ) {
        let v = self.version.clone();
        let was_required = o.required.iter().any(|r| r == name);
        let is_required = n.required.iter().any(|r| r == name);
        let child = place.child(
            &format!("properties/{}", escape_pointer(name)),
            format!("property `{name}` of {type_name}"),
        );
        let child = Place {
            type_name: place.type_name.clone(),
            ..child
        };
        if was_required != is_required {
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
                format!(
                    "{}-property-became-{}",
                    place.direction.word(),
                    required_text(is_required)
                ),
                severity,
                &child.new_pointer,
                format!(
                    "{} property `{name}` of {type_name} made {}",
                    place.direction.word(),
                    required_text(is_required)
                ),
                required_text(was_required).to_string(),
                required_text(is_required).to_string(),
                impact,
                fix,
            );
        }
        self.compare(old_node, new_node, &child);
    }

    /// A property of the release that is gone.
    #[allow(clippy::too_many_arguments)]
    fn property_removed(
        &mut self,
        o: &Constraints,
        n: &Constraints,
        name: &str,
        old_node: &Node,
        added: &[&str],
        place: &Place,
        type_name: &str,
    ) {
        let v = self.version.clone();
        let was_required = o.required.iter().any(|r| r == name);
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
        let was = describe(self.old, old_node);
        let rule = match (place.direction, was_required) {
            (Direction::Response, true) => "response-required-property-removed",
            (Direction::Response, false) => "response-optional-property-removed",
            (Direction::Request, _) if closed(n) => "request-property-removed-from-closed-object",
            (Direction::Request, _) => "request-property-removed",
        };
        self.push(
            rule,
            severity,
            &format!("{}/properties/{}", place.old_pointer, escape_pointer(name)),
            format!(
                "{} property `{name}` of {type_name} removed{renamed}",
                place.direction.word()
            ),
            format!("{} {was}", required_text(was_required)),
            "absent".into(),
            impact,
            fix,
        );
    }

    /// A property the release does not have.
    fn property_added(
        &mut self,
        o: &Constraints,
        n: &Constraints,
        name: &str,
        place: &Place,
        type_name: &str,
    ) {
        let Some((_, node)) = n.properties.iter().find(|(k, _)| k == name) else {
            return;
        };
        let v = self.version.clone();
        let is_required = n.required.iter().any(|r| r == name);
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
        let now = describe(self.new, node);
        let rule = match (place.direction, is_required) {
            (Direction::Response, _) if closed(o) => "response-property-added-to-closed-object",
            (Direction::Response, _) => "response-property-added",
            (Direction::Request, true) => "request-required-property-added",
            (Direction::Request, false) => "request-optional-property-added",
        };
        self.push(
            rule,
            severity,
            &format!("{}/properties/{}", place.new_pointer, escape_pointer(name)),
            format!(
                "{} property `{name}` of {type_name} added",
                place.direction.word()
            ),
            "absent".into(),
            format!("{} {now}", required_text(is_required)),
            impact,
            fix,
        );
    }

    /// Other properties: open, closed, or a schema.
    fn additional(
        &mut self,
        o: &'a Constraints,
        n: &'a Constraints,
        place: &Place,
        type_name: &str,
    ) {
        let text = |e: &Option<Additional>| match e {
            None | Some(Additional::Open) => "any".to_string(),
            Some(Additional::Closed) => "none (`false`)".to_string(),
            Some(Additional::Schema(_)) => "a schema".to_string(),
        };
        match (&o.additional, &n.additional) {
            (Some(Additional::Schema(a)), Some(Additional::Schema(b))) => {
                let child = place.child(
                    "additionalProperties",
                    format!("the other properties of {type_name}"),
                );
                self.compare(a, b, &child);
            }
            (None | Some(Additional::Open), None | Some(Additional::Open)) => {}
            (Some(Additional::Closed), Some(Additional::Closed)) => {}
            (a, b) => {
                let rank = |e: &Option<Additional>| match e {
                    None | Some(Additional::Open) => 2,
                    Some(Additional::Schema(_)) => 1,
                    Some(Additional::Closed) => 0,
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
}
