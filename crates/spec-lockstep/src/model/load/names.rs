//! Names the generated client would not tell apart, made distinct: the
//! document belongs to its team, which may not be able to rename anything
//! in it, so two document names that would become one Rust name get names
//! of their own, deterministically, with a warning naming both nodes (the
//! server generator makes its own names unique the same way, with
//! [`crate::naming::Scope`]).
//!
//! progenitor (0.15) names an operation's client method after the
//! `operationId` in snake case, and the builder's setters after the
//! parameters' names in snake case, beside a `body` setter for the request
//! body; it does not make them unique, so two of them that collide would
//! be a rustc error in the generated client. The model gives each
//! parameter the name progenitor is shown ([`Parameter::client_name`]); the
//! wire name stays the document's (`crate::client` restores it in the
//! generated code).

use std::collections::BTreeMap;

use super::super::*;
use super::Loader;
use crate::naming::progenitor;
use crate::naming::Scope;

impl Loader<'_> {
    /// Gives every parameter the client sends a setter of its own, beside
    /// the request body's `body`: the first of two that would share one
    /// keeps its name; the other is named with its punctuation spelled
    /// out (`StartTime<` → `start_time_lt`, `partition[]` →
    /// `partition_array`), else with its location (`max_results_query`),
    /// else a number (`max_results_2`). Path parameters are named first:
    /// their names are the path template's.
    pub(super) fn client_names(
        &mut self,
        parameters: &mut [Parameter],
        body: Option<&RequestBody>,
    ) {
        let reserved: &[&str] = if body.is_some() { &["body"] } else { &[] };
        let mut scope = Scope::with(reserved);
        let mut owners: BTreeMap<String, (String, String)> = BTreeMap::new();
        if let Some(body) = body {
            owners.insert(
                "body".into(),
                ("the request body".into(), body.pointer.clone()),
            );
        }
        // progenitor's client leaves cookie parameters out.
        let order = parameters
            .iter()
            .enumerate()
            .filter(|(_, p)| p.location != Location::Cookie)
            .map(|(i, p)| (p.location != Location::Path, i))
            .collect::<std::collections::BTreeSet<_>>();
        for (_, i) in order {
            let parameter = &mut parameters[i];
            let setter = progenitor::setter(&parameter.name);
            let this = format!("{} parameter `{}`", parameter.location, parameter.name);
            if scope.is_free(&setter) {
                scope.claim(&setter, None);
                owners.insert(setter, (this, parameter.pointer.clone()));
                continue;
            }
            let spelled = progenitor::setter(&spell_out_punctuation(&parameter.name));
            let name = if spelled != setter
                && scope.is_free(&spelled)
                && progenitor::setter(&spelled) == spelled
            {
                scope.claim(&spelled, None)
            } else {
                scope.claim(&setter, Some(parameter.location.as_str()))
            };
            let (first, first_pointer) = owners.get(&setter).cloned().unwrap_or_default();
            let message = format!(
                "{this} and {first} ({first_pointer}) would both be `{setter}` in the generated \
                 client's request builder: this one is `{name}` there (it is still sent as `{}`)",
                parameter.name
            );
            self.warning(&parameter.pointer, message);
            owners.insert(name.clone(), (this, parameter.pointer.clone()));
            parameter.client_name = name;
        }
    }

    /// An operation's client method must not be another's: `getUser` and
    /// `get_user` are both `get_user`. `Some(first)`: the operation that has
    /// the method already.
    pub(super) fn method_taken<'m>(
        methods: &'m BTreeMap<String, (String, String)>,
        id: &str,
    ) -> Option<&'m (String, String)> {
        methods
            .get(&progenitor::method(id))
            .filter(|(other, _)| other != id)
    }
}

/// A name with the punctuation that carries meaning in parameter names
/// spelled out as words (`StartTime<` → `StartTime_lt`, `created>=` →
/// `created_gte`, `tags[]` → `tags_array`, `$filter` → `dollar_filter`),
/// so that names which differ only there stay apart in Rust.
pub fn spell_out_punctuation(name: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("<=", "_lte_"),
        (">=", "_gte_"),
        ("!=", "_ne_"),
        ("[]", "_array_"),
        ("<", "_lt_"),
        (">", "_gt_"),
        ("=", "_eq_"),
        ("!", "_not_"),
        ("$", "_dollar_"),
        ("@", "_at_"),
        ("+", "_plus_"),
        ("~", "_tilde_"),
        ("*", "_star_"),
        ("#", "_hash_"),
        ("%", "_percent_"),
        ("&", "_and_"),
        ("|", "_or_"),
        ("^", "_caret_"),
        ("?", "_q_"),
    ];
    let mut out = String::new();
    let mut rest = name;
    'outer: while !rest.is_empty() {
        for (symbol, word) in WORDS {
            if let Some(after) = rest.strip_prefix(symbol) {
                out.push_str(word);
                rest = after;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_is_spelled_out_as_words() {
        for (name, spelled) in [
            ("StartTime<", "start_time_lt"),
            ("StartTime>", "start_time_gt"),
            ("created>=", "created_gte"),
            ("partition[]", "partition_array"),
            ("$filter", "dollar_filter"),
            ("a.b", "a_b"),
        ] {
            assert_eq!(
                progenitor::setter(&spell_out_punctuation(name)),
                spelled,
                "{name}"
            );
        }
    }
}
