//! The one uniqueness check of the names the generators derive from a
//! document, per Rust scope. The model uses it for the names the generated
//! client knows parameters by (`crate::model`, beside the request body's
//! `body`); the server generator for the fields of an operation's request
//! struct (its parameters, beside `body`), the fields of a response's
//! headers struct (beside the constructor's `status` and `body`), and the
//! adapter's `static`s (one per operation, beside `API` and the
//! `HEADERS_<n>` tables). Every name is first made a Rust identifier by
//! [`crate::server::snake`] (keywords get a trailing `_`, `group_id ` loses its
//! space, `filter[status]` is `filter_status`, `X-Rate-Limit` is
//! `x_rate_limit`); a name another one of the scope already has gets a
//! suffix that says where it comes from (`id_header`), then a number.
//! Renaming is safe: the runtime finds each field by the name the adapter
//! declares beside the wire name.

use std::collections::BTreeSet;

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
    use super::*;
    use crate::server::snake;

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
