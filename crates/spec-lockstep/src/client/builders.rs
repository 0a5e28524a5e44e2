//! The builder methods' docs: each parameter's description and what it
//! accepts, and what a success answers with.

use super::*;

/// The document's descriptions on progenitor's builder methods (it writes
/// none): each parameter's setter, `body` and `send`. The builders are
/// found by progenitor's own naming; an operation, parameter or body whose
/// method is not there is an error, not a method left undocumented.
pub(super) fn document_builders(client: &mut syn::File, model: &Model) -> Result<()> {
    let items = builder_module(client)
        .ok_or_else(|| anyhow!("progenitor's output has no `builder` module"))?;
    let mut misses = Vec::new();
    let index = builder_index(items);
    for operation in &model.operations {
        let name = progenitor::builder(&operation.id);
        let builder = builder_impl(items, &index, &name);
        let Some(builder) = builder else {
            misses.push(format!(
                "operation `{}`: no `builder::{name}`",
                operation.id
            ));
            continue;
        };
        for (method, text) in builder_docs(model, operation) {
            let function = builder.items.iter_mut().find_map(|member| match member {
                syn::ImplItem::Fn(f) if f.sig.ident == method => Some(f),
                _ => None,
            });
            let Some(function) = function else {
                misses.push(format!(
                    "operation `{}`: no `builder::{name}::{method}`",
                    operation.id
                ));
                continue;
            };
            for line in text.trim().lines() {
                let line = if line.trim().is_empty() {
                    String::new()
                } else {
                    format!(" {}", line.trim_end())
                };
                function.attrs.push(syn::parse_quote! { #[doc = #line] });
            }
        }
    }
    if !misses.is_empty() {
        return Err(anyhow!(
            "progenitor named {} builder method(s) otherwise than expected, so their docs \
             have nowhere to go (was progenitor upgraded?):\n  {}",
            misses.len(),
            misses.join("\n  ")
        ));
    }
    Ok(())
}

/// The last segment of an impl's type (`ListDispatcherLogs`).
/// The items of progenitor's `builder` module, if it wrote one.
pub(super) fn builder_module(client: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    client.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The `send` method of the builder `name`, found by [`builder_index`].
pub(super) fn builder_send<'i>(
    items: &'i mut [syn::Item],
    index: &std::collections::HashMap<String, usize>,
    name: &str,
) -> Option<&'i mut syn::ImplItemFn> {
    send_of(builder_impl(items, index, name)?)
}

/// The `send` method of a builder's impl.
pub(super) fn send_of(builder: &mut syn::ItemImpl) -> Option<&mut syn::ImplItemFn> {
    builder.items.iter_mut().find_map(|member| match member {
        syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
        _ => None,
    })
}

/// The builder module's inherent impls by their type's name, for
/// [`builder_impl`]: one pass over the module, not one per operation.
pub(super) fn builder_index(items: &[syn::Item]) -> std::collections::HashMap<String, usize> {
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => Some((impl_name(imp)?, i)),
            _ => None,
        })
        .collect()
}

/// The inherent impl of the builder `name`, found by [`builder_index`].
pub(super) fn builder_impl<'i>(
    items: &'i mut [syn::Item],
    index: &std::collections::HashMap<String, usize>,
    name: &str,
) -> Option<&'i mut syn::ItemImpl> {
    match items.get_mut(*index.get(name)?)? {
        syn::Item::Impl(imp) => Some(imp),
        _ => None,
    }
}

pub(super) fn impl_name(imp: &syn::ItemImpl) -> Option<String> {
    let syn::Type::Path(self_ty) = &*imp.self_ty else {
        return None;
    };
    self_ty.path.segments.last().map(|s| s.ident.to_string())
}

/// The docs of an operation's builder methods: (method, text), in the
/// order the methods are documented. Cookie parameters have no method
/// (progenitor cannot send them: see `Document::for_generators`).
pub(super) fn builder_docs(
    model: &Model,
    operation: &crate::model::Operation,
) -> Vec<(String, String)> {
    let mut docs = Vec::new();
    for p in &operation.parameters {
        if p.location == crate::model::Location::Cookie {
            continue;
        }
        let mut text = p.description.as_deref().unwrap_or("").trim().to_string();
        text.push_str(&format!(
            "\n\nThe {} parameter `{}`{}.",
            p.location,
            p.name,
            if p.required { ", required" } else { "" }
        ));
        if let Some(rule) = accepts(model, p) {
            text.push_str(&format!(" Accepts {rule}."));
        }
        docs.push((progenitor::setter(&p.client_name), text));
    }
    if let Some(b) = &operation.body {
        let mut text = b.description.as_deref().unwrap_or("").trim().to_string();
        let what = match b.primary() {
            Some(m) => match m.body_encoding() {
                BodyEncoding::Json if m.media_type == crate::spec::JSON => {
                    "The JSON request body".to_string()
                }
                BodyEncoding::Json => {
                    format!("The JSON request body, sent as `{}`", crate::spec::JSON)
                }
                BodyEncoding::Form => format!(
                    "The request body, sent as a form (`{}`)",
                    crate::model::FORM
                ),
                BodyEncoding::Text => format!("The text request body, sent as `{}`", m.media_type),
                BodyEncoding::Binary => {
                    format!("The request body's bytes, sent as `{}`", m.media_type)
                }
                BodyEncoding::Multipart => format!(
                    "The request body, sent as `{}`: encode its parts with `multipart_body`",
                    m.media_type
                ),
            },
            None => "The request body".to_string(),
        };
        text.push_str(&format!(
            "\n\n{what}{}.",
            if b.required { ", required" } else { "" }
        ));
        let others: Vec<String> = b
            .content
            .iter()
            .filter(|m| Some(*m as *const _) != b.primary().map(|p| p as *const _))
            .map(|m| format!("`{}`", m.media_type))
            .collect();
        if !others.is_empty() {
            text.push_str(&format!(
                " The document also allows {}; this client sends the one above.",
                others.join(", ")
            ));
        }
        docs.push(("body".to_string(), text));
    }
    let mut send = format!(
        "Sends `{} {}` and returns the typed answer: the success body, or \
         `Error::ErrorResponse` with the problem the API answered.",
        operation.method, operation.path
    );
    if let Some(note) = success_note(operation) {
        send.push(' ');
        send.push_str(&note);
    }
    docs.push(("send".to_string(), send));
    docs
}

/// What `send` returns where it is not one typed body per the document
/// (see `model::progenitor_view`), and what becomes of declared 3xx
/// answers; `None` for an operation whose successes are one JSON type.
pub(super) fn success_note(operation: &crate::model::Operation) -> Option<String> {
    use crate::model::progenitor_view::{view, ClientBody};
    use crate::model::{BodyKind, Status};
    let kinds: Vec<Option<BodyKind>> = operation
        .successes()
        .map(|r| r.body().map(|b| b.kind))
        .collect();
    let statuses = |test: &dyn Fn(&ClientBody<'_>) -> bool| {
        operation
            .responses
            .iter()
            .zip(view(operation))
            .filter(|(r, shown)| r.status.is_success() && test(shown))
            .map(|(r, _)| r.status.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut notes = Vec::new();
    if !kinds.is_empty() && kinds.iter().all(|k| *k == Some(BodyKind::Text)) {
        notes.push("The success body is the response's text.".to_string());
    } else if !kinds.is_empty() && kinds.iter().all(|k| *k == Some(BodyKind::EventStream)) {
        notes.push(
            "The success body is an `EventStream`: a `Stream` of the events as they come."
                .to_string(),
        );
    } else {
        let any = statuses(&|shown| *shown == ClientBody::AnyJson);
        let raw = statuses(&|shown| *shown == ClientBody::Raw);
        let typed = operation
            .successes()
            .any(|r| r.body().and_then(|b| b.schema()).is_some());
        if !any.is_empty() && !typed {
            notes.push(
                "The success body is any JSON value (`serde_json::Value`): the document gives \
                 it no schema."
                    .to_string(),
            );
        } else if !any.is_empty() {
            notes.push(format!(
                "The success body is any JSON value (`serde_json::Value`): the document \
                 declares it otherwise per status ({any}); read it as that status's type."
            ));
        } else if !raw.is_empty() {
            notes.push(format!(
                "The success body is the response's bytes (`ByteStream`) for {raw}: the \
                 document declares no one JSON type for them."
            ));
        }
    }
    let redirects: Vec<String> = operation
        .responses
        .iter()
        .filter(|r| match r.status {
            Status::Code(code) => (300..400).contains(&code),
            Status::Range(class) => class == 3,
            Status::Default => false,
        })
        .map(|r| r.status.to_string())
        .collect();
    if !redirects.is_empty() {
        notes.push(format!(
            "A {} answer comes back as `Error::UnexpectedResponse` (with its status and \
             headers), unless the HTTP client follows it as a redirect.",
            redirects.join(" or ")
        ));
    }
    (!notes.is_empty()).then(|| notes.join(" "))
}

/// What a parameter accepts, in words, from its schema's constraints.
pub(super) fn accepts(model: &Model, parameter: &crate::model::Parameter) -> Option<String> {
    describe(model, &parameter.schema.constraints)
}

pub(super) fn describe(model: &Model, c: &Constraints) -> Option<String> {
    if c.nullable && c.ty.is_none() {
        // `null`, or whatever the rest allows: no one rule to state.
        return None;
    }
    if !c.enumeration.is_empty() {
        let mut values: Vec<String> = c
            .enumeration
            .iter()
            .map(|v| format!("`{}`", text(v)))
            .collect();
        if c.nullable && !c.enumeration.contains(&serde_json::Value::Null) {
            values.push("`null`".into());
        }
        return Some(format!("one of {}", values.join(", ")));
    }
    if let Some(pattern) = &c.pattern {
        return Some(format!("a string matching `{pattern}`"));
    }
    match c.format.as_deref() {
        Some("date-time") => {
            return Some("an RFC 3339 date-time, such as `2024-04-17T09:39:45Z`".into())
        }
        Some("uuid") => return Some("a UUID".into()),
        _ => {}
    }
    // An exclusive bound is left out: "from 1" would be wrong.
    let inclusive = |b: Option<Bound>| b.filter(|b| !b.exclusive).map(|b| b.value.to_string());
    let count = |n: Option<usize>| n.map(|n| n.to_string());
    let bounds = |low: Option<String>, high: Option<String>| match (low, high) {
        (Some(l), Some(h)) => Some(format!(" from {l} to {h}")),
        (Some(l), None) => Some(format!(" of at least {l}")),
        (None, Some(h)) => Some(format!(" of at most {h}")),
        (None, None) => None,
    };
    match c.ty? {
        JsonType::Array => {
            let items = c
                .items
                .as_ref()
                .and_then(|items| model.resolve(items))
                .and_then(|items| describe(model, items.constraints));
            Some(match items {
                Some(items) => format!("a list of values, each {items}"),
                None => "a list of values".into(),
            })
        }
        ty @ (JsonType::Integer | JsonType::Number) => Some(format!(
            "{}{}",
            if ty == JsonType::Integer {
                "an integer"
            } else {
                "a number"
            },
            bounds(inclusive(c.minimum), inclusive(c.maximum)).unwrap_or_default()
        )),
        JsonType::String => bounds(count(c.min_length), count(c.max_length))
            .map(|b| format!("a string of a length{b}")),
        JsonType::Boolean | JsonType::Object => None,
    }
}

pub(super) fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
