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

/// The builder's setter for a parameter (`logged_at_gte`).
pub fn setter(parameter: &str) -> String {
    sanitize(parameter, false)
}

fn sanitize(input: &str, pascal: bool) -> String {
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
        Some(_) => format!("_{out}"),
    };
    if typify::accept_as_ident(&out) {
        out
    } else {
        format!("{out}_")
    }
}

/// Unicode `XID_Start`, as the Rust lexer reads it (`_` is not one).
fn is_xid_start(c: char) -> bool {
    c != '_' && syn::parse_str::<syn::Ident>(&c.to_string()).is_ok()
}

/// Unicode `XID_Continue`, as the Rust lexer reads it.
fn is_xid_continue(c: char) -> bool {
    syn::parse_str::<syn::Ident>(&format!("x{c}")).is_ok()
}
