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

mod composition;
mod object;
mod rules;

use std::collections::BTreeSet;

use super::{Finding, Severity};
use crate::model::{Model, Node};
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

/// The rule id of a constraint change: `<direction>-<kind>-<how>`
/// (`request-maximum-narrowed`), or `<direction>-<kind>` where the kind
/// says how (`response-enum-value-added`); see [`super::rules`].
fn constraint_rule(direction: Direction, change: Change, what: &str) -> String {
    let kind = super::rules::constraint_kind(what);
    if kind.ends_with("-added") || kind.ends_with("-removed") {
        return format!("{}-{kind}", direction.word());
    }
    let how = match change {
        Change::Narrower => "narrowed",
        Change::Wider => "widened",
        Change::Different => "changed",
    };
    format!("{}-{kind}-{how}", direction.word())
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

    /// Adds a finding of the catalogue's rule `rule` ([`super::rules`]).
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        rule: impl Into<String>,
        severity: Severity,
        pointer: &str,
        subject: String,
        old: String,
        new: String,
        impact: String,
        fix: &str,
    ) {
        let rule = rule.into();
        // Every id a finding carries is one `compat --rules` lists (the
        // tests, run with debug assertions, reach most of them).
        debug_assert!(
            super::rules::is_known(&rule),
            "the rule `{rule}` is not in the catalogue (crates/spec-lockstep/src/compat/rules.rs)"
        );
        self.findings.push(Finding {
            severity,
            pointer: format!("#{pointer}"),
            subject,
            old,
            new,
            impact,
            fix: fix.to_string(),
            rule,
            acknowledged: None,
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
            constraint_rule(place.direction, change, &what),
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
    pub fn compare(&mut self, old_node: &'a Node, new_node: &'a Node, place: &Place) {
        let (Some(old), Some(new)) = (self.old.resolve(old_node), self.new.resolve(new_node))
        else {
            self.push(
                format!("{}-schema-unresolvable", place.direction.word()),
                Severity::Breaking,
                &place.new_pointer,
                format!("{} {}", place.direction.word(), place.subject),
                "a schema".into(),
                "a `$ref` that does not resolve".into(),
                "the gate cannot tell what clients see here".into(),
                "make the `$ref` resolve (the lint names it)",
            );
            return;
        };
        let mut place = place.clone();
        if let (Some(o), Some(n)) = (old.component, new.component) {
            if !self
                .seen
                .insert((o.to_string(), n.to_string(), place.direction))
            {
                return;
            }
            place.old_pointer = format!("/components/schemas/{}", escape_pointer(o));
            place.new_pointer = format!("/components/schemas/{}", escape_pointer(n));
            place.type_name = Some(n.to_string());
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
        self.compare_constraints(old.constraints, new.constraints, old_node, new_node, &place);
    }

    /// A change the gate has no rule for: it fails, naming the node.
    fn unclassified(&mut self, place: &Place, what: &str, how: &str) {
        self.push(
            format!("{}-change-unclassified", place.direction.word()),
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
            "deprecated",
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
