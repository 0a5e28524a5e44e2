//! Comparing what two documents say outside schemas: servers, operations
//! and their parameters (bodies and responses: `bodies`; security:
//! `security`).

use std::collections::BTreeMap;

use super::schema::{Comparer, Direction, Place};
use super::Severity;
use crate::model::{Operation, Parameter};

/// A path template with its parameter names blanked, so `/a/{id}` and
/// `/a/{item_id}` are the same route.
fn route(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                out.push('{');
            }
            '}' => {
                depth -= 1;
                out.push('}');
            }
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

fn parameter_key(p: &Parameter) -> (String, String) {
    let name = match p.location {
        crate::model::Location::Header => p.name.to_ascii_lowercase(),
        _ => p.name.clone(),
    };
    (p.location.as_str().to_string(), name)
}

impl<'a> Comparer<'a> {
    /// Every rule, over the whole documents.
    pub fn documents(&mut self) {
        self.servers();
        self.schemes();
        let old = self.old;
        let new = self.new;
        for old_op in &old.operations {
            let same_route = new
                .operations
                .iter()
                .find(|n| n.method == old_op.method && route(&n.path) == route(&old_op.path));
            match same_route {
                Some(new_op) => self.operation(old_op, new_op),
                None => {
                    let v = self.version.clone();
                    match new.operation(&old_op.id) {
                        Some(moved) => self.push(
                            "operation-moved",
                            Severity::Breaking,
                            &moved.pointer,
                            format!("operation `{}` moved", old_op.id),
                            format!("{} {}", old_op.method, old_op.path),
                            format!("{} {}", moved.method, moved.path),
                            format!(
                                "clients built against {v} still send {} {} and get a 404 or 405",
                                old_op.method, old_op.path
                            ),
                            "keep the old route (both may exist), or bump the major version in info.version",
                        ),
                        None => self.operation_removed(old_op),
                    }
                }
            }
        }
        for new_op in &new.operations {
            let existed = old.operations.iter().any(|o| {
                (o.method == new_op.method && route(&o.path) == route(&new_op.path))
                    || o.id == new_op.id
            });
            if !existed {
                self.push(
                    "operation-added",
                    Severity::Compatible,
                    &new_op.pointer,
                    format!("operation `{}` added", new_op.id),
                    "absent".into(),
                    format!("{} {}", new_op.method, new_op.path),
                    "clients built against the release do not call it".into(),
                    "",
                );
            }
        }
    }

    /// An operation the revision no longer has: breaking, unless the release
    /// deprecated it (a warning: its clients were told) or its `x-sunset`
    /// date has passed (info).
    fn operation_removed(&mut self, old_op: &Operation) {
        let v = self.version.clone();
        let today = chrono::Utc::now().date_naive();
        let sunset = old_op
            .sunset
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok());
        let subject = format!("operation `{}` removed", old_op.id);
        let route = format!("{} {}", old_op.method, old_op.path);
        match sunset {
            Some(date) if date <= today => self.push(
                "operation-removed-after-sunset",
                Severity::Compatible,
                &old_op.pointer,
                subject,
                format!("{route}, `x-sunset: {date}`"),
                "absent".into(),
                format!("its sunset date {date} has passed: clients were told it would go"),
                "",
            ),
            _ if old_op.deprecated => self.push(
                "deprecated-operation-removed",
                Severity::Warning,
                &old_op.pointer,
                subject,
                format!("{route}, deprecated"),
                "absent".into(),
                format!(
                    "clients built against {v} that still call `{}` get a 404 or 405; it was deprecated, so they were told",
                    old_op.id
                ),
                "",
            ),
            _ => self.push(
                "operation-removed",
                Severity::Breaking,
                &old_op.pointer,
                subject,
                route,
                "absent".into(),
                format!(
                    "clients built against {v} that call `{}` get a 404 or 405",
                    old_op.id
                ),
                "deprecate it first (`deprecated: true`, with an `x-sunset` date) and remove it after that date, or bump the major version in info.version",
            ),
        }
    }

    fn servers(&mut self) {
        let (old, new) = (self.old, self.new);
        let v = self.version.clone();
        let (Some(o), Some(n)) = (old.servers.first(), new.servers.first()) else {
            if old.servers.first().map(|s| &s.url) != new.servers.first().map(|s| &s.url) {
                self.push(
                    "server-url-changed",
                    Severity::Breaking,
                    "/servers",
                    "the server URL".into(),
                    old.servers
                        .first()
                        .map_or("none".into(), |s| format!("`{}`", s.url)),
                    new.servers
                        .first()
                        .map_or("none".into(), |s| format!("`{}`", s.url)),
                    format!("clients built against {v} default to the released server URL"),
                    "keep the first server URL, or bump the major version in info.version",
                );
            }
            return;
        };
        if old.base_path() != new.base_path() {
            self.push(
                "server-base-path-changed",
                Severity::Breaking,
                "/servers/0/url",
                "the base path of the server URL".into(),
                format!("`{}`", old.base_path()),
                format!("`{}`", new.base_path()),
                format!(
                    "clients built against {v} send every request under `{}`",
                    old.base_path()
                ),
                "serve the new base path next to the old one and keep the old URL first, or bump the major version in info.version",
            );
        } else if o.url != n.url {
            self.push(
                "server-url-changed",
                Severity::Breaking,
                "/servers/0/url",
                "the server URL".into(),
                format!("`{}`", o.url),
                format!("`{}`", n.url),
                format!("clients built against {v} call `{}` unless told otherwise (their default base URL)", o.url),
                "keep the first server URL (list the new one after it), or bump the major version in info.version",
            );
        }
    }

    fn operation(&mut self, old: &'a Operation, new: &'a Operation) {
        let v = self.version.clone();
        let id = &new.id;
        if old.id != new.id {
            self.push(
                "operation-id-changed",
                Severity::Breaking,
                &format!("{}/operationId", new.pointer),
                format!("the operationId of {} {}", new.method, new.path),
                format!("`{}`", old.id),
                format!("`{}`", new.id),
                format!(
                    "code built against {v} calls the client's `{}()`, which is renamed",
                    old.id
                ),
                "keep the operationId, or bump the major version in info.version",
            );
        }
        if !old.deprecated && new.deprecated {
            self.deprecated(&new.pointer, &format!("operation `{id}`"));
        }
        self.security(old, new);
        self.parameters(old, new);
        self.body(old, new);
        self.responses(old, new);
    }

    fn parameters(&mut self, old: &'a Operation, new: &'a Operation) {
        let v = self.version.clone();
        let old_params: BTreeMap<_, _> = old
            .parameters
            .iter()
            .map(|p| (parameter_key(p), p))
            .collect();
        let new_params: BTreeMap<_, _> = new
            .parameters
            .iter()
            .map(|p| (parameter_key(p), p))
            .collect();
        for (key, o) in &old_params {
            let subject = format!("{} parameter `{}` of `{}`", o.location, o.name, new.id);
            let Some(n) = new_params.get(key) else {
                self.push(
                    "parameter-removed",
                    Severity::Breaking,
                    &o.pointer,
                    format!("{subject} removed"),
                    if o.required { "required" } else { "optional" }.into(),
                    "absent".into(),
                    format!("clients built against {v} still send `{}`; the server no longer reads it, so what it asked for is silently lost", o.name),
                    "keep the parameter (mark it `deprecated: true`), or bump the major version in info.version",
                );
                continue;
            };
            self.parameter_kept(o, n, &subject);
        }
        for (key, n) in &new_params {
            if !old_params.contains_key(key) {
                self.parameter_added(new, n);
            }
        }
    }

    /// A parameter in both: required, style, deprecation, then its schema.
    fn parameter_kept(&mut self, o: &'a Parameter, n: &'a Parameter, subject: &str) {
        let v = self.version.clone();
        if o.required != n.required {
            if n.required {
                self.push(
                        "parameter-became-required",
                        Severity::Breaking,
                        &n.pointer,
                        format!("{subject} made required"),
                        "optional".into(),
                        "required".into(),
                        format!("requests from clients built against {v} that leave out `{}` are refused", n.name),
                        "keep it optional (the server applies a default), or bump the major version in info.version",
                    );
            } else {
                self.push(
                    "parameter-became-optional",
                    Severity::Compatible,
                    &n.pointer,
                    format!("{subject} made optional"),
                    "required".into(),
                    "optional".into(),
                    format!("clients built against {v} still send it"),
                    "",
                );
            }
        }
        if o.style != n.style || o.explode != n.explode {
            self.push(
                    "parameter-style-changed",
                    Severity::Breaking,
                    &n.pointer,
                    format!("how {subject} is written (`style`/`explode`)"),
                    format!("{:?}, explode {}", o.style, o.explode),
                    format!("{:?}, explode {}", n.style, n.explode),
                    format!("clients built against {v} write the value the released way, which the server reads differently"),
                    "keep the style, or bump the major version in info.version",
                );
        }
        if !o.deprecated && n.deprecated {
            self.deprecated(&n.pointer, subject);
        }
        let place = Place {
            direction: Direction::Request,
            subject: format!("parameter `{}`", n.name),
            type_name: None,
            old_pointer: o.schema.pointer.clone(),
            new_pointer: n.schema.pointer.clone(),
        };
        self.compare(&o.schema.node, &n.schema.node, &place);
    }

    /// A parameter the release does not have.
    fn parameter_added(&mut self, new: &Operation, n: &Parameter) {
        let v = self.version.clone();
        let subject = format!(
            "{} parameter `{}` of `{}` added",
            n.location, n.name, new.id
        );
        if n.required {
            self.push(
                "required-parameter-added",
                Severity::Breaking,
                &n.pointer,
                subject,
                "absent".into(),
                "required".into(),
                format!("requests from clients built against {v} lack `{}` and are refused", n.name),
                "make it optional (the server applies a default), or bump the major version in info.version",
            );
        } else {
            self.push(
                "optional-parameter-added",
                Severity::Compatible,
                &n.pointer,
                subject,
                "absent".into(),
                "optional".into(),
                format!("clients built against {v} leave it out, which is allowed"),
                "",
            );
        }
    }
}
