//! The client crate: progenitor's builder-style client for the document,
//! with what the generator adds around it — the shared types crate in
//! place of progenitor's `types` module, the document's parameter
//! descriptions on the builder methods, what each parameter accepts (for
//! clear errors), the server URL and the OAuth 2.0 settings as constants.
//!
//! Here: progenitor's settings and the rewrites of its output that every
//! client gets; by concern beside it — `bodies` (request media types),
//! `responses` (text and event streams), `builders` (the builder methods'
//! docs), `consts` (the crate's constants), `access` (auth and retries).

use anyhow::{anyhow, bail, Context, Result};
use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use progenitor_impl::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use bodies::*;
use builders::*;
pub use consts::{
    parameter_rules, request_headers, resolve_url, security_consts, server_url_const,
};
use responses::*;

pub mod access;
mod bodies;
mod builders;
mod consts;
mod responses;
#[cfg(test)]
mod tests;

use crate::model::{BodyEncoding, Bound, Constraints, JsonType, Model, SchemeKind, FORM};
use crate::naming::progenitor;

/// Per-API client generation options.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// A hand-written type the client carries (progenitor's "inner type",
    /// e.g. `crate::Session`), for hooks that authenticate and retry.
    pub inner_type: Option<String>,
    /// Also generate `src/mock.rs`: typed httpmock helpers for consumers' tests.
    pub mock: bool,
}

/// Runs progenitor (builder interface) on the document.
fn settings(options: &ClientOptions) -> Result<GenerationSettings> {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_map_type(crate::types::MAP_TYPE);
    for derive in crate::types::EXTRA_DERIVES {
        settings.with_derive(*derive);
    }
    match &options.inner_type {
        Some(inner) => {
            let inner: syn::Type =
                syn::parse_str(inner).with_context(|| format!("`{inner}` is not a Rust type"))?;
            settings.with_inner_type(quote! { #inner });
        }
        // The generated `access` module's `Access`, whose hooks
        // (`impl ClientHooks<Access> for Client`) authenticate and retry.
        None => {
            settings
                .with_inner_type(quote! { access::Access })
                .with_hooks(HooksMode::Expected);
        }
    }
    Ok(settings)
}

pub fn progenitor_client(
    spec: &openapiv3::OpenAPI,
    options: &ClientOptions,
) -> Result<(syn::File, Generator)> {
    let mut generator = Generator::new(&settings(options)?);
    // progenitor asserts on some documents it cannot handle (e.g. a
    // `default` response whose schema differs from the success one); turn
    // that into an error instead of a crash.
    let outcome = crate::panic_guard::quiet_catch_unwind(|| generator.generate_tokens(spec));
    let tokens = match outcome {
        Ok(result) => {
            result.map_err(|e| anyhow!("progenitor could not generate the client: {e}"))?
        }
        Err(message) => {
            return Err(anyhow!(
                "progenitor cannot generate a client for this document ({message}). \
                 A common cause is a `default` response or several success responses with \
                 different schemas: give every success response of an operation one schema."
            ));
        }
    };
    let file = syn::parse2(emptied_types_module(tokens))
        .context("progenitor produced code that does not parse")?;
    Ok((file, generator))
}

/// `tokens` with the body of the top-level `mod types { … }` left out: the
/// client uses the types crate in its place ([`without_types`]), and on a
/// large document that module is most of progenitor's output, which would
/// otherwise be parsed for nothing.
fn emptied_types_module(tokens: TokenStream) -> TokenStream {
    use proc_macro2::{Delimiter, Group, TokenTree};
    let mut out: Vec<TokenTree> = Vec::new();
    for tree in tokens {
        let empty = match (&tree, out.as_slice()) {
            (TokenTree::Group(g), [.., TokenTree::Ident(m), TokenTree::Ident(name)]) => {
                g.delimiter() == Delimiter::Brace && m == "mod" && name == "types"
            }
            _ => false,
        };
        if empty {
            let mut group = Group::new(Delimiter::Brace, TokenStream::new());
            group.set_span(tree.span());
            out.push(TokenTree::Group(group));
        } else {
            out.push(tree);
        }
    }
    out.into_iter().collect()
}

/// progenitor's client without its `types` module: the client refers to
/// the types crate in its place (`pub use <types_crate> as types;`), which
/// holds the same types ([`crate::types::Types::verify_client`] checked), so the client's
/// paths (`types::DispatcherLog`, `types::builder::...`) name exactly the
/// shared types: there is no second copy to drift apart.
pub fn without_types(mut client: syn::File, types_crate: &str, model: &Model) -> Result<syn::File> {
    wire_names(&mut client, model)?;
    body_content_types(&mut client, model)?;
    document_builders(&mut client, model)?;
    text_responses(&mut client, model)?;
    event_responses(&mut client, model)?;
    methods_reqwest_lacks(&mut client);
    fixed_arrays_in_queries(&mut client);
    no_version_header(&mut client);
    let position = client
        .items
        .iter()
        .position(|item| matches!(item, syn::Item::Mod(m) if m.ident == "types"))
        .ok_or_else(|| anyhow!("progenitor's output has no `types` module"))?;
    let types_crate: syn::Ident = syn::parse_str(types_crate)?;
    client.items[position] = syn::parse_quote! {
        /// The model types, shared with the server: see the types crate.
        pub use #types_crate as types;
    };
    Ok(client)
}

/// progenitor builds a request with the reqwest method named after the
/// HTTP method (`client.get(url)`); reqwest has none for `TRACE` and
/// `OPTIONS`, so those are written `client.request(Method::TRACE, url)`.
fn methods_reqwest_lacks(client: &mut syn::File) {
    use syn::visit_mut::VisitMut;
    struct Rewrite;
    impl VisitMut for Rewrite {
        fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
            syn::visit_mut::visit_expr_method_call_mut(self, call);
            let verb = match call.method.to_string().as_str() {
                "trace" => quote::format_ident!("TRACE"),
                "options" => quote::format_ident!("OPTIONS"),
                _ => return,
            };
            // The HTTP client is the `client` field (`client.client`).
            let on_http_client = matches!(
                &*call.receiver,
                syn::Expr::Field(f) if matches!(&f.member, syn::Member::Named(m) if m == "client")
            );
            if !on_http_client || call.args.len() != 1 {
                return;
            }
            let url = call.args[0].clone();
            call.method = quote::format_ident!("request");
            call.args = syn::parse_quote! { ::reqwest::Method::#verb, #url };
        }
    }
    Rewrite.visit_file_mut(client);
}

/// progenitor adds an `api-version: <info.version>` header of its own to
/// every request. The document does not declare it (a server that checks
/// the headers it is sent may refuse it, and it tells the server nothing
/// the document defines), so each builder's `send` drops that `append`.
/// A header parameter the document declares under that name is sent by an
/// `append` of its own, which stays.
fn no_version_header(client: &mut syn::File) {
    use syn::visit_mut::VisitMut;
    /// Whether `statement` is progenitor's own `api-version` append.
    fn own_version_header(statement: &syn::Stmt) -> bool {
        let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = statement else {
            return false;
        };
        let text = quote!(#call).to_string();
        call.method == "append"
            && text.contains("from_static (\"api-version\")")
            && text.contains("api_version ()")
    }
    struct Rewrite;
    impl VisitMut for Rewrite {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            syn::visit_mut::visit_block_mut(self, block);
            let before = block.stmts.len();
            block.stmts.retain(|s| !own_version_header(s));
            if block.stmts.len() == before {
                return;
            }
            // The header map may now get nothing appended.
            for statement in &mut block.stmts {
                if let syn::Stmt::Local(local) = statement {
                    if quote!(#local).to_string().starts_with("let mut header_map") {
                        local.attrs.push(syn::parse_quote!(#[allow(unused_mut)]));
                    }
                }
            }
        }
    }
    Rewrite.visit_file_mut(client);
}

/// progenitor sends a query parameter through `QueryParam`, whose
/// serializer sends a `Vec` as one `name=value` per item (`form`,
/// exploded) but hands a fixed-size array (`[f64; 4]`, the Rust type of an
/// array with `minItems` equal to `maxItems`) to `serde_urlencoded` as a
/// tuple, which refuses it when the request is built ("builder error"). So
/// in each builder's `send`, such a value is given to `QueryParam` as a
/// slice, which it sends as it sends a `Vec`.
fn fixed_arrays_in_queries(client: &mut syn::File) {
    use std::collections::HashMap;
    use syn::visit_mut::VisitMut;

    /// For a builder field's type (`Result<T, String>`): whether `T` is a
    /// fixed-size array (`Some(false)`) or an optional one (`Some(true)`).
    fn fixed_array(ty: &syn::Type) -> Option<bool> {
        fn first_argument<'t>(ty: &'t syn::Type, outer: &str) -> Option<&'t syn::Type> {
            let syn::Type::Path(path) = ty else {
                return None;
            };
            let last = path.path.segments.last()?;
            if last.ident != outer {
                return None;
            }
            let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
                return None;
            };
            arguments.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
        }
        match first_argument(ty, "Result")? {
            syn::Type::Array(_) => Some(false),
            inner => {
                matches!(first_argument(inner, "Option")?, syn::Type::Array(_)).then_some(true)
            }
        }
    }

    /// Rewrites `QueryParam::new(name, &field)` for the fields in `arrays`.
    struct Rewrite<'a> {
        arrays: &'a HashMap<String, bool>,
    }
    impl VisitMut for Rewrite<'_> {
        fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
            syn::visit_mut::visit_expr_call_mut(self, call);
            let syn::Expr::Path(function) = &*call.func else {
                return;
            };
            let names: Vec<String> = function
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if !names.ends_with(&["QueryParam".to_string(), "new".to_string()])
                || call.args.len() != 2
            {
                return;
            }
            let syn::Expr::Reference(reference) = &call.args[1] else {
                return;
            };
            let syn::Expr::Path(value) = &*reference.expr else {
                return;
            };
            let Some(ident) = value.path.get_ident().cloned() else {
                return;
            };
            call.args[1] = match self.arrays.get(&ident.to_string()) {
                Some(true) => syn::parse_quote!(&#ident.as_ref().map(|v| v.as_slice())),
                Some(false) => syn::parse_quote!(&#ident.as_slice()),
                None => return,
            };
        }
    }

    let Some(items) = builder_module(client) else {
        return;
    };
    // Each builder's fields that hold a fixed-size array.
    let mut by_builder: HashMap<String, HashMap<String, bool>> = HashMap::new();
    for item in items.iter() {
        let syn::Item::Struct(builder) = item else {
            continue;
        };
        for field in &builder.fields {
            if let (Some(name), Some(optional)) = (&field.ident, fixed_array(&field.ty)) {
                by_builder
                    .entry(builder.ident.to_string())
                    .or_default()
                    .insert(name.to_string(), optional);
            }
        }
    }
    if by_builder.is_empty() {
        return;
    }
    for item in items.iter_mut() {
        let syn::Item::Impl(implementation) = item else {
            continue;
        };
        let syn::Type::Path(own) = &*implementation.self_ty else {
            continue;
        };
        let Some(arrays) = own
            .path
            .segments
            .last()
            .and_then(|s| by_builder.get(&s.ident.to_string()))
        else {
            continue;
        };
        Rewrite { arrays }.visit_item_impl_mut(implementation);
    }
}

/// progenitor sends a parameter under the name it was shown; where the
/// model named a parameter otherwise for the client
/// ([`crate::model::Parameter::client_name`]: `start_time_lt` for
/// `StartTime<`), the builder's `send` is given the wire name back.
fn wire_names(client: &mut syn::File, model: &Model) -> Result<()> {
    let Some(items) = builder_module(client) else {
        return Ok(());
    };
    let index = builder_index(items);
    for operation in &model.operations {
        let renamed: Vec<_> = operation
            .parameters
            .iter()
            .filter(|p| p.client_name != p.name && p.location != crate::model::Location::Cookie)
            .collect();
        if renamed.is_empty() {
            continue;
        }
        let name = progenitor::builder(&operation.id);
        let send = builder_send(items, &index, &name).ok_or_else(|| {
            anyhow!(
                "operation `{}`: progenitor wrote no `builder::{name}::send`",
                operation.id
            )
        })?;
        let mut text = quote!(#send).to_string();
        for parameter in renamed {
            let (shown, wire) = (parameter.client_name.as_str(), parameter.name.as_str());
            let call = match parameter.location {
                crate::model::Location::Header => quote!(header_map.append),
                _ => quote!(progenitor_client::QueryParam::new),
            };
            let from = quote!(#call(#shown,)).to_string();
            let from = from.trim_end_matches([')', ' ', ',']);
            let to = quote!(#call(#wire,)).to_string();
            let to = to.trim_end_matches([')', ' ', ',']);
            if !text.contains(from) {
                bail!(
                    "operation `{}`: progenitor's `send` does not send `{shown}` as `{from}` (was \
                     progenitor upgraded?)",
                    operation.id
                );
            }
            text = text.replace(from, to);
        }
        *send = syn::parse_str(&text)
            .context("the client's `send` with the parameters' wire names does not parse")?;
    }
    Ok(())
}
