//! Comparing what two documents say outside schemas: servers, operations,
//! parameters, bodies, responses and their headers, security.

use std::collections::BTreeMap;

use super::schema::{Comparer, Direction, Place};
use super::Severity;
use crate::model::{Operation, Parameter, SchemeKind, SecurityRequirement, Status};

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

fn requirement_text(requirement: &SecurityRequirement) -> String {
    if requirement.schemes.is_empty() {
        return "no credentials".into();
    }
    requirement
        .schemes
        .iter()
        .map(|s| {
            if s.scopes.is_empty() {
                format!("`{}`", s.scheme)
            } else {
                format!("`{}` [{}]", s.scheme, s.scopes.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

fn security_text(security: &[SecurityRequirement]) -> String {
    if security.is_empty() {
        return "no credentials".into();
    }
    security
        .iter()
        .map(requirement_text)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Whether credentials that satisfy `old` also satisfy `new`: every
/// scheme `new` names is one `old` names, with no scope `old` lacks.
fn admits(old: &SecurityRequirement, new: &SecurityRequirement) -> bool {
    new.schemes.iter().all(|n| {
        old.schemes
            .iter()
            .any(|o| o.scheme == n.scheme && n.scopes.iter().all(|s| o.scopes.contains(s)))
    })
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
                        None => self.push(
                            Severity::Breaking,
                            &old_op.pointer,
                            format!("operation `{}` removed", old_op.id),
                            format!("{} {}", old_op.method, old_op.path),
                            "absent".into(),
                            format!(
                                "clients built against {v} that call `{}` get a 404 or 405",
                                old_op.id
                            ),
                            "deprecate it first (`deprecated: true`) and remove it in a major version",
                        ),
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

    fn servers(&mut self) {
        let (old, new) = (self.old, self.new);
        let v = self.version.clone();
        let (Some(o), Some(n)) = (old.servers.first(), new.servers.first()) else {
            if old.servers.first().map(|s| &s.url) != new.servers.first().map(|s| &s.url) {
                self.push(
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

    /// Security schemes the released document used, changed in kind.
    fn schemes(&mut self) {
        let (old, new) = (self.old, self.new);
        let v = self.version.clone();
        for (name, scheme) in &old.security_schemes {
            let pointer = format!(
                "/components/securitySchemes/{}",
                crate::spec::escape_pointer(name)
            );
            let Some(now) = new.security_schemes.get(name) else {
                // Removing it is judged where operations used it.
                continue;
            };
            let same = match (&scheme.kind, &now.kind) {
                (SchemeKind::OAuth2 { flows: a }, SchemeKind::OAuth2 { flows: b }) => {
                    for flow in a {
                        match b.iter().find(|f| f.kind == flow.kind) {
                            None => self.push(
                                Severity::Breaking,
                                &pointer,
                                format!("the `{}` flow of security scheme `{name}`", flow.kind.key()),
                                "offered".into(),
                                "removed".into(),
                                format!("clients built against {v} that get tokens by this flow cannot authenticate"),
                                "keep the flow, or bump the major version in info.version",
                            ),
                            Some(f) if f.token_url != flow.token_url => self.push(
                                Severity::Breaking,
                                &format!("{pointer}/flows/{}/tokenUrl", flow.kind.key()),
                                format!("the token URL of the `{}` flow of `{name}`", flow.kind.key()),
                                flow.token_url.clone().unwrap_or_default(),
                                f.token_url.clone().unwrap_or_default(),
                                format!("clients built against {v} fetch tokens from the released URL"),
                                "keep the token URL, or bump the major version in info.version",
                            ),
                            Some(_) => {}
                        }
                    }
                    true
                }
                (a, b) => a == b,
            };
            if !same {
                self.push(
                    Severity::Breaking,
                    &pointer,
                    format!("security scheme `{name}`"),
                    scheme.kind.describe(),
                    now.kind.describe(),
                    format!("clients built against {v} send credentials the released way, which the server no longer reads"),
                    "add the new scheme as an alternative next to the old one, or bump the major version in info.version",
                );
            }
        }
    }

    fn operation(&mut self, old: &'a Operation, new: &'a Operation) {
        let v = self.version.clone();
        let id = &new.id;
        if old.id != new.id {
            self.push(
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

    fn security(&mut self, old: &Operation, new: &Operation) {
        let v = self.version.clone();
        let pointer = format!("{}/security", new.pointer);
        // Every way an old client could authenticate must still work.
        let old_ways: Vec<SecurityRequirement> = if old.security.is_empty() {
            vec![SecurityRequirement { schemes: vec![] }]
        } else {
            old.security.clone()
        };
        for way in &old_ways {
            let still = new.security.is_empty() || new.security.iter().any(|n| admits(way, n));
            if still {
                continue;
            }
            // Name what is missing: a scope of the same scheme, or the scheme.
            let scopes: Vec<String> = new
                .security
                .iter()
                .flat_map(|n| &n.schemes)
                .filter_map(|n| {
                    let o = way.schemes.iter().find(|o| o.scheme == n.scheme)?;
                    let missing: Vec<_> = n
                        .scopes
                        .iter()
                        .filter(|s| !o.scopes.contains(s))
                        .cloned()
                        .collect();
                    (!missing.is_empty())
                        .then(|| format!("`{}` of `{}`", missing.join("`, `"), n.scheme))
                })
                .collect();
            let subject = if way.schemes.is_empty() {
                format!("authentication of operation `{}` now required", new.id)
            } else if !scopes.is_empty() {
                format!(
                    "required scope {} added to operation `{}`",
                    scopes.join(", "),
                    new.id
                )
            } else {
                format!("security requirement of operation `{}` changed", new.id)
            };
            self.push(
                Severity::Breaking,
                &pointer,
                subject,
                security_text(&old.security),
                security_text(&new.security),
                format!(
                    "clients built against {v} that authenticate with {} are refused (401 or 403)",
                    requirement_text(way)
                ),
                "keep the released requirement as an alternative, or bump the major version in info.version",
            );
        }
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
            if o.required != n.required {
                if n.required {
                    self.push(
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
                self.deprecated(&n.pointer, &subject);
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
        for (key, n) in &new_params {
            if old_params.contains_key(key) {
                continue;
            }
            let subject = format!(
                "{} parameter `{}` of `{}` added",
                n.location, n.name, new.id
            );
            if n.required {
                self.push(
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

    fn body(&mut self, old: &'a Operation, new: &'a Operation) {
        let v = self.version.clone();
        match (&old.body, &new.body) {
            (None, None) => {}
            (None, Some(n)) => {
                let (severity, impact, fix) = if n.required {
                    (
                        Severity::Breaking,
                        format!(
                            "requests from clients built against {v} carry no body and are refused"
                        ),
                        "make the body optional, or bump the major version in info.version",
                    )
                } else {
                    (
                        Severity::Compatible,
                        format!("clients built against {v} send none, which is allowed"),
                        "",
                    )
                };
                self.push(
                    severity,
                    &n.pointer,
                    format!("request body of `{}` added", new.id),
                    "none".into(),
                    if n.required { "required" } else { "optional" }.into(),
                    impact,
                    fix,
                );
            }
            (Some(o), None) => self.push(
                Severity::Breaking,
                &o.pointer,
                format!("request body of `{}` removed", old.id),
                "a body".into(),
                "none".into(),
                format!("clients built against {v} still send a body the server no longer reads"),
                "keep the body, or bump the major version in info.version",
            ),
            (Some(o), Some(n)) => {
                if !o.required && n.required {
                    self.push(
                        Severity::Breaking,
                        &n.pointer,
                        format!("request body of `{}` made required", new.id),
                        "optional".into(),
                        "required".into(),
                        format!(
                            "requests from clients built against {v} without a body are refused"
                        ),
                        "keep it optional, or bump the major version in info.version",
                    );
                }
                for media in &o.content {
                    let Some(now) = n.content.iter().find(|m| m.media_type == media.media_type)
                    else {
                        self.push(
                            Severity::Breaking,
                            &n.pointer,
                            format!("request body media type `{}` of `{}` removed", media.media_type, new.id),
                            format!("`{}`", media.media_type),
                            n.content.iter().map(|m| format!("`{}`", m.media_type)).collect::<Vec<_>>().join(", "),
                            format!("clients built against {v} send `{}`, which is refused (415)", media.media_type),
                            "keep accepting the media type, or bump the major version in info.version",
                        );
                        continue;
                    };
                    if let (Some(a), Some(b)) = (&media.schema, &now.schema) {
                        let place = Place {
                            direction: Direction::Request,
                            subject: format!("the request body of `{}`", new.id),
                            type_name: None,
                            old_pointer: a.pointer.clone(),
                            new_pointer: b.pointer.clone(),
                        };
                        self.compare(&a.node, &b.node, &place);
                    }
                }
            }
        }
    }

    fn responses(&mut self, old: &'a Operation, new: &'a Operation) {
        let v = self.version.clone();
        for o in &old.responses {
            let Some(n) = new.responses.iter().find(|r| r.status == o.status) else {
                if o.status.is_success() {
                    self.push(
                        Severity::Breaking,
                        &o.pointer,
                        format!("{} response of `{}` removed", o.status, old.id),
                        "declared".into(),
                        "absent".into(),
                        format!("clients built against {v} expect a {} and treat what comes instead as unexpected", o.status),
                        "keep the response, or bump the major version in info.version",
                    );
                } else {
                    self.push(
                        Severity::Compatible,
                        &o.pointer,
                        format!("{} response of `{}` removed", o.status, old.id),
                        "declared".into(),
                        "absent".into(),
                        format!("clients built against {v} still handle it, should it come"),
                        "",
                    );
                }
                continue;
            };
            let what = format!("the {} response of `{}`", o.status, new.id);
            for media in &o.content {
                let Some(now) = n.content.iter().find(|m| m.media_type == media.media_type) else {
                    self.push(
                        Severity::Breaking,
                        &n.pointer,
                        format!("media type of {what}"),
                        format!("`{}`", media.media_type),
                        n.content.iter().map(|m| format!("`{}`", m.media_type)).collect::<Vec<_>>().join(", "),
                        format!("clients built against {v} ask for and decode `{}`", media.media_type),
                        "keep offering the media type (add the new one next to it), or bump the major version in info.version",
                    );
                    continue;
                };
                if let (Some(a), Some(b)) = (&media.schema, &now.schema) {
                    let place = Place {
                        direction: Direction::Response,
                        subject: format!("the {} body of `{}`", o.status, new.id),
                        type_name: None,
                        old_pointer: a.pointer.clone(),
                        new_pointer: b.pointer.clone(),
                    };
                    self.compare(&a.node, &b.node, &place);
                }
            }
            for header in &o.headers {
                let key = header.name.to_ascii_lowercase();
                let now = n
                    .headers
                    .iter()
                    .find(|h| h.name.to_ascii_lowercase() == key);
                let subject = format!("header `{}` of {what}", header.name);
                match now {
                    None if header.required => self.push(
                        Severity::Breaking,
                        &n.pointer,
                        format!("required {subject} removed"),
                        "required".into(),
                        "absent".into(),
                        format!(
                            "clients built against {v} read `{}` from every such answer",
                            header.name
                        ),
                        "keep sending the header, or bump the major version in info.version",
                    ),
                    None => {}
                    Some(h) => {
                        if header.required && !h.required {
                            self.push(
                                Severity::Breaking,
                                &n.pointer,
                                format!("{subject} made optional"),
                                "required".into(),
                                "optional".into(),
                                format!(
                                    "clients built against {v} read `{}` from every such answer",
                                    header.name
                                ),
                                "keep it required, or bump the major version in info.version",
                            );
                        }
                        let place = Place {
                            direction: Direction::Response,
                            subject: format!("header `{}`", header.name),
                            type_name: None,
                            old_pointer: header.schema.pointer.clone(),
                            new_pointer: h.schema.pointer.clone(),
                        };
                        self.compare(&header.schema.node, &h.schema.node, &place);
                    }
                }
            }
        }
        for n in &new.responses {
            if old.responses.iter().any(|o| o.status == n.status) {
                continue;
            }
            let covered = match n.status {
                Status::Code(code) => old.response_for(code).is_some(),
                _ => false,
            };
            let (severity, impact) = if n.status.is_success() {
                (
                    Severity::Breaking,
                    format!(
                        "clients built against {v} treat a {} answer as unexpected",
                        n.status
                    ),
                )
            } else if covered {
                (
                    Severity::Compatible,
                    format!(
                        "clients built against {v} already handle it under a range or `default`"
                    ),
                )
            } else {
                (
                    Severity::Warning,
                    format!("clients built against {v} see a {} as an unexpected status until they update", n.status),
                )
            };
            self.push(
                severity,
                &n.pointer,
                format!("{} response of `{}` declared", n.status, new.id),
                "absent".into(),
                "declared".into(),
                impact,
                if severity == Severity::Breaking {
                    "answer with a status the release declares, or bump the major version in info.version"
                } else {
                    ""
                },
            );
        }
    }
}
