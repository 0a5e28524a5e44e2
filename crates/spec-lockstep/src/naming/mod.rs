//! Every name the generators derive from a document, in one place, at the
//! bottom of the generator (it imports nothing of it): [`snake`] and
//! [`pascal`], the one sanitizer of the names we choose (server, mock,
//! model, the client's `Access` setters); [`progenitor`], the names
//! progenitor and typify choose, worked out by their own rules (a leading
//! digit gets `_` there, `x` here: their output is not ours to change);
//! and [`Scope`], the one uniqueness check per Rust scope.
//!
//! The uniqueness check of the names the generators derive from a
//! document, per Rust scope. The model uses it for the names the generated
//! client knows parameters by (`crate::model`, beside the request body's
//! `body`); the server generator for the fields of an operation's request
//! struct (its parameters, beside `body`), the fields of a response's
//! headers struct (beside the constructor's `status` and `body`), and the
//! adapter's `static`s (one per operation, beside `API` and the
//! `HEADERS_<n>` tables). Every name is first made a Rust identifier by
//! [`snake`] (keywords get a trailing `_`, `group_id ` loses its
//! space, `filter[status]` is `filter_status`, `X-Rate-Limit` is
//! `x_rate_limit`); a name another one of the scope already has gets a
//! suffix that says where it comes from (`id_header`), then a number.
//! Renaming is safe: the runtime finds each field by the name the adapter
//! declares beside the wire name.

use std::collections::BTreeSet;

use heck::{ToPascalCase, ToSnakeCase};

pub mod progenitor;

/// `name` as a snake-case Rust identifier (`logged_at__gte` →
/// `logged_at_gte`, `EvEnergy-Version` → `ev_energy_version`), with a
/// trailing `_` for keywords.
pub fn snake(name: &str) -> String {
    identifier(&cleaned(name).to_snake_case())
}

/// `name` as a PascalCase Rust identifier.
pub fn pascal(name: &str) -> String {
    identifier(&cleaned(name).to_pascal_case())
}

fn cleaned(name: &str) -> String {
    name.replace('\'', "")
        .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
}

fn identifier(name: &str) -> String {
    let name = match name.chars().next() {
        None => "x".to_string(),
        Some(c) if c.is_alphabetic() || c == '_' => name.to_string(),
        Some(_) => format!("x{name}"),
    };
    if typify::accept_as_ident(&name) {
        name
    } else {
        format!("{name}_")
    }
}

/// The names taken in one Rust scope.
#[derive(Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope where `reserved` names are taken already.
    pub fn with(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether `name` is still free in this scope.
    pub fn is_free(&self, name: &str) -> bool {
        !self.taken.contains(name) && !self.reserved_pattern(name)
    }

    /// `base` if it is free, else `base` + `_` + `qualifier` (when given),
    /// else `base` + `_2`, `_3`, …; taken from then on.
    pub fn claim(&mut self, base: &str, qualifier: Option<&str>) -> String {
        let candidates = qualifier
            .map(|q| format!("{base}_{q}"))
            .into_iter()
            .chain((2..).map(|n| format!("{base}_{n}")));
        let name = std::iter::once(base.to_string())
            .chain(candidates)
            .find(|name| self.is_free(name))
            .unwrap_or_else(|| base.to_string());
        self.taken.insert(name.clone());
        name
    }

    /// Names no claim may take: the adapter's header tables are
    /// `HEADERS_<n>`.
    fn reserved_pattern(&self, name: &str) -> bool {
        self.taken.contains("HEADERS_*")
            && name
                .strip_prefix("HEADERS_")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }
}

#[cfg(test)]
mod tests {
    use super::snake;
    use super::*;

    #[test]
    fn awkward_names_become_distinct_identifiers() {
        let mut fields = Scope::with(&["body"]);
        let names: Vec<String> = [
            ("body", "query"),
            ("type", "query"),
            ("self", "query"),
            ("group_id ", "query"),
            ("filter[status]", "query"),
            ("X-Rate-Limit", "header"),
            ("userId", "query"),
            ("user_id", "cookie"),
            ("user-id", "header"),
        ]
        .iter()
        .map(|(name, location)| fields.claim(&snake(name), Some(location)))
        .collect();
        assert_eq!(
            names,
            [
                "body_query",
                "type_",
                "self_",
                "group_id",
                "filter_status",
                "x_rate_limit",
                "user_id",
                "user_id_cookie",
                "user_id_header",
            ]
        );
        let mut statics = Scope::with(&["API", "HEADERS_*"]);
        assert_eq!(statics.claim("API", Some("OPERATION")), "API_OPERATION");
        assert_eq!(
            statics.claim("HEADERS_1", Some("OPERATION")),
            "HEADERS_1_OPERATION"
        );
        assert_eq!(statics.claim("LIST", None), "LIST");
        assert_eq!(statics.claim("LIST", None), "LIST_2");
    }
}
