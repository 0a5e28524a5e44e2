//! The names progenitor gives what it generates for an operation, worked
//! out as progenitor-impl 0.15.1 does (`util::sanitize`, which it does not
//! export): the operationId in snake case, and the builder struct is that
//! name again in PascalCase (`method.rs`, `builder_struct`); a parameter's
//! setter is its name in snake case.

use heck::{ToPascalCase, ToSnakeCase};

/// The client's method for an operation (`list_dispatcher_logs`).
pub fn method(operation_id: &str) -> String {
    sanitize(operation_id, false)
}

/// The builder struct of an operation (`builder::ListDispatcherLogs`).
pub fn builder(operation_id: &str) -> String {
    sanitize(&method(operation_id), true)
}

/// The name progenitor gives the type of an operation's parameter, body or
/// response when it adds it to its type space: `{operationId}-{part}`
/// in PascalCase by its own sanitizer (`DetectEntitiesV2-X-Amz-Target` →
/// `DetectEntitiesV2XAmzTarget`), which typify then cases again. The model
/// types name them the same way, or the two would differ.
pub fn type_name(operation_id: &str, part: &str) -> String {
    sanitize(&format!("{operation_id}-{part}"), true)
}

/// The builder's setter for a parameter (`logged_at_gte`).
pub fn setter(parameter: &str) -> String {
    sanitize(parameter, false)
}

/// Whether typify (0.8, `TypeEntryEnum::from_metadata`) can name the
/// variants of a string `enum` with these values: it names each value in
/// PascalCase, then, where two names are one, again with `_` and every
/// character a name cannot hold as `X`; where two are still one it panics
/// (`[asc, desc, ASC, DESC]`, `[e-, e+]`).
pub fn enum_values_nameable(values: &[&str]) -> bool {
    let unique = |names: Vec<String>| {
        let mut seen = std::collections::BTreeSet::new();
        names.into_iter().all(|name| seen.insert(name))
    };
    unique(values.iter().map(|v| typify_sanitize(v)).collect())
        || unique(
            values
                .iter()
                .map(|v| typify_sanitize(&v.replace(|c| c == '_' || !is_xid_continue(c), "X")))
                .collect(),
        )
}

/// The Rust type typify names a `components/schemas` entry
/// (`stringValueLength1to255` → `StringValueLength1to255`).
pub fn component_type(name: &str) -> String {
    typify_sanitize(name)
}

/// typify's own sanitizer (`typify-impl` `util::sanitize`, PascalCase):
/// progenitor's but for the prefix of a name that cannot start an
/// identifier (`X`, not `_`).
fn typify_sanitize(input: &str) -> String {
    sanitize_with(input, true, "X")
}

/// progenitor's sanitizer (`util::sanitize`): a name that cannot start an
/// identifier gets `_` before it.
fn sanitize(input: &str, pascal: bool) -> String {
    sanitize_with(input, pascal, "_")
}

/// The sanitizer progenitor and typify share but for `prefix`, put before
/// a name that cannot start an identifier.
fn sanitize_with(input: &str, pascal: bool, prefix: &str) -> String {
    let to_case = |s: &str| {
        if pascal {
            s.to_pascal_case()
        } else {
            s.to_snake_case()
        }
    };
    let out = match input {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => to_case(
            &input
                .replace('\'', "")
                .replace(|c: char| !is_xid_continue(c), "-"),
        ),
    };
    let out = match out.chars().next() {
        None => to_case("x"),
        Some(c) if is_xid_start(c) => out,
        Some(_) => format!("{prefix}{out}"),
    };
    if typify::accept_as_ident(&out) {
        out
    } else {
        format!("{out}_")
    }
}

/// Unicode `XID_Start`, as the Rust lexer reads it (`_` is not one).
fn is_xid_start(c: char) -> bool {
    unicode_ident::is_xid_start(c)
}

/// Unicode `XID_Continue`, as the Rust lexer reads it.
fn is_xid_continue(c: char) -> bool {
    unicode_ident::is_xid_continue(c)
}
