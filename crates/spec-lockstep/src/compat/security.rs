//! Comparing security: the schemes the released document used, and
//! what each operation requires.

use super::schema::Comparer;
use super::Severity;
use crate::model::{Operation, SchemeKind, SecurityRequirement};

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

impl<'a> Comparer<'a> {
    /// Security schemes the released document used, changed in kind.
    pub(super) fn schemes(&mut self) {
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
                                "security-flow-removed",
                                Severity::Breaking,
                                &pointer,
                                format!("the `{}` flow of security scheme `{name}`", flow.kind.key()),
                                "offered".into(),
                                "removed".into(),
                                format!("clients built against {v} that get tokens by this flow cannot authenticate"),
                                "keep the flow, or bump the major version in info.version",
                            ),
                            Some(f) if f.token_url != flow.token_url => self.push(
                                "security-token-url-changed",
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
                    "security-scheme-changed",
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

    pub(super) fn security(&mut self, old: &Operation, new: &Operation) {
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
                if way.schemes.is_empty() { "security-required" } else if !scopes.is_empty() { "security-scope-added" } else { "security-requirement-changed" },
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
}
