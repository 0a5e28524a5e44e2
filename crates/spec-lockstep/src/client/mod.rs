//! The client crate: progenitor's builder-style client for the document,
//! with what the generator adds around it — the shared types crate in
//! place of progenitor's `types` module, the document's parameter
//! descriptions on the builder methods, what each parameter accepts (for
//! clear errors), the server URL and the OAuth 2.0 settings as constants.

use anyhow::{anyhow, bail, Context, Result};
use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use progenitor_impl::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

pub mod access;
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

/// `url` resolved against the server URL `base` (RFC 3986 reference
/// resolution for the forms documents use: `/oauth/token` replaces the
/// path, `oauth/token` is appended to the server's path). An absolute `url`,
/// or one with no absolute server URL to resolve against, stays as written.
pub fn resolve_url(url: &str, base: Option<&str>) -> String {
    if url.contains("://") {
        return url.to_string();
    }
    let Some((scheme, rest)) = base.and_then(|b| b.split_once("://")) else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if let Some(network_path) = url.strip_prefix("//") {
        return format!("{scheme}://{network_path}");
    }
    if url.starts_with('/') {
        return format!("{scheme}://{authority}{url}");
    }
    // A server URL names a base path, not a file: its last segment stays.
    format!("{scheme}://{authority}{}/{url}", path.trim_end_matches('/'))
}

/// The document's OAuth 2.0 settings as constants, one module per scheme,
/// so a client needs no hand-copied token URL or scope list. Token and
/// authorization URLs relative to the server URL are resolved against the
/// first server.
pub fn security_consts(model: &Model) -> TokenStream {
    let mut modules = Vec::new();
    for (name, scheme) in &model.security_schemes {
        let SchemeKind::OAuth2 { flows } = &scheme.kind else {
            continue;
        };
        let mut items = Vec::new();
        for flow in flows {
            let prefix = flow.kind.key().to_shouty_snake_case();
            for (suffix, key, url) in [
                ("TOKEN_URL", "tokenUrl", &flow.token_url),
                (
                    "AUTHORIZATION_URL",
                    "authorizationUrl",
                    &flow.authorization_url,
                ),
                ("REFRESH_URL", "refreshUrl", &flow.refresh_url),
            ] {
                if let Some(written) = url {
                    let url = resolve_url(written, model.servers.first().map(|s| s.url.as_str()));
                    let ident = quote::format_ident!("{prefix}_{suffix}");
                    let doc = if url == *written {
                        format!(" `{key}` of the `{}` flow.", flow.kind.key())
                    } else {
                        format!(
                            " `{key}` of the `{}` flow: `{written}` in the document, resolved \
                             against the first server URL.",
                            flow.kind.key()
                        )
                    };
                    items.push(quote! { #[doc = #doc] pub const #ident: &str = #url; });
                }
            }
            let scopes = flow.scopes.iter().map(|(scope, _)| scope);
            let ident = quote::format_ident!("{prefix}_SCOPES");
            let doc = format!(" The scopes the `{}` flow offers.", flow.kind.key());
            items.push(quote! { #[doc = #doc] pub const #ident: &[&str] = &[#(#scopes),*]; });
        }
        let module = quote::format_ident!("{}", crate::naming::snake(name));
        let doc = format!(" The document's `{name}` OAuth 2.0 security scheme.");
        modules.push(quote! { #[doc = #doc] pub mod #module { #(#items)* } });
    }
    if modules.is_empty() {
        return TokenStream::new();
    }
    quote! {
        /// The document's security schemes.
        pub mod security { #(#modules)* }
    }
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

    let Some(items) = client.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
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
    let Some(items) = client.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
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
        let send = builder_impl(items, &index, &name)
            .and_then(|imp| {
                imp.items.iter_mut().find_map(|member| match member {
                    syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
                    _ => None,
                })
            })
            .ok_or_else(|| {
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

/// progenitor reads every response that is not JSON as a byte stream; an
/// operation whose success responses are all text (`text/plain`, …)
/// returns its body as a `String` instead: its builder's `send` is
/// rewritten to decode the text, through one helper the client gets.
fn text_responses(client: &mut syn::File, model: &Model) -> Result<()> {
    use crate::model::BodyKind;
    let texts = all_successes(model, BodyKind::Text);
    if texts.is_empty() {
        return Ok(());
    }
    rewrite_streams(
        client,
        &texts,
        "ResponseValue < :: std :: string :: String >",
        "super :: text_response (response) . await",
    )?;
    client.items.push(syn::parse_quote! {
        /// A text response's body, decoded as UTF-8 (lossily, as
        /// `reqwest::Response::text` does).
        async fn text_response<E>(
            response: reqwest::Response,
        ) -> Result<ResponseValue<::std::string::String>, Error<E>> {
            let status = response.status();
            let headers = response.headers().clone();
            let text = response.text().await.map_err(Error::ResponseBodyError)?;
            Ok(ResponseValue::new(text, status, headers))
        }
    });
    Ok(())
}

/// The operations whose success responses are all of `kind`.
fn all_successes(model: &Model, kind: crate::model::BodyKind) -> Vec<&crate::model::Operation> {
    model
        .operations
        .iter()
        .filter(|operation| {
            let mut kinds = operation
                .successes()
                .map(|r| r.body().map(|b| b.kind))
                .peekable();
            kinds.peek().is_some() && kinds.all(|k| k == Some(kind))
        })
        .collect()
}

/// Rewrites the `send` of each of `operations`, whose success responses
/// progenitor returns as byte streams: to return `ResponseValue<ty>`, each
/// success answered by `value` (an expression of `response`).
fn rewrite_streams(
    client: &mut syn::File,
    operations: &[&crate::model::Operation],
    ty: &str,
    value: &str,
) -> Result<()> {
    let items = client
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| anyhow!("progenitor's output has no `builder` module"))?;
    const STREAM_TYPE: &str = "ResponseValue < ByteStream >";
    const STREAM_VALUE: &str = "Ok (ResponseValue :: stream (response))";
    let index = builder_index(items);
    for operation in operations {
        let name = progenitor::builder(&operation.id);
        let send = builder_impl(items, &index, &name)
            .and_then(|imp| {
                imp.items.iter_mut().find_map(|member| match member {
                    syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
                    _ => None,
                })
            })
            .ok_or_else(|| anyhow!("operation `{}`: no `builder::{name}::send`", operation.id))?;
        let text = quote! { #send }.to_string();
        if !text.contains(STREAM_TYPE) || !text.contains(STREAM_VALUE) {
            return Err(anyhow!(
                "operation `{}`: progenitor's `send` does not return the response as a \
                 byte stream as expected (was progenitor upgraded?)",
                operation.id
            ));
        }
        let text = text
            .replacen(STREAM_TYPE, ty, 1)
            .replace(STREAM_VALUE, value);
        *send = syn::parse_str(&text).context("the rewritten `send` does not parse")?;
    }
    Ok(())
}

/// An operation whose success responses are all `text/event-stream`
/// returns a `Stream` of its events (`EventStream`, parsed as the
/// response's bytes come), not a byte stream.
fn event_responses(client: &mut syn::File, model: &Model) -> Result<()> {
    let operations = all_successes(model, crate::model::BodyKind::EventStream);
    if operations.is_empty() {
        return Ok(());
    }
    rewrite_streams(
        client,
        &operations,
        "ResponseValue < super :: EventStream >",
        "Ok (super :: EventStream :: from_response (response))",
    )?;
    let file: syn::File = syn::parse_quote! {
        /// One server-sent event, as a `text/event-stream` response carried it.
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct Event {
            /// `event:`, the event's type (`None`: `message`).
            pub event: ::std::option::Option<::std::string::String>,
            /// `data:`, its lines joined by line breaks.
            pub data: ::std::string::String,
            /// `id:`, the last one seen in the stream.
            pub id: ::std::option::Option<::std::string::String>,
            /// `retry:`, the reconnection delay in milliseconds.
            pub retry: ::std::option::Option<u64>,
        }

        /// A `text/event-stream` response: a `Stream` of its [`Event`]s, each
        /// as soon as its bytes have come (an error of the connection ends it).
        pub struct EventStream {
            bytes: ByteStream,
            buffer: ::std::vec::Vec<u8>,
            last_id: ::std::option::Option<::std::string::String>,
            done: bool,
        }

        impl ::std::fmt::Debug for EventStream {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("EventStream(..)")
            }
        }

        impl EventStream {
            fn from_response(response: reqwest::Response) -> ResponseValue<Self> {
                let status = response.status();
                let headers = response.headers().clone();
                let bytes = ResponseValue::stream(response).into_inner();
                ResponseValue::new(
                    Self {
                        bytes,
                        buffer: ::std::vec::Vec::new(),
                        last_id: ::std::option::Option::None,
                        done: false,
                    },
                    status,
                    headers,
                )
            }

            /// The next whole event in the buffer, if any; comments and
            /// blocks without data are skipped.
            fn buffered(&mut self) -> ::std::option::Option<Event> {
                loop {
                    let end = self.buffer.windows(2).position(|w| w == b"\n\n")?;
                    let block: ::std::vec::Vec<u8> = self.buffer.drain(..end + 2).collect();
                    let block = ::std::string::String::from_utf8_lossy(&block).into_owned();
                    let mut event = Event::default();
                    let mut data: ::std::vec::Vec<&str> = ::std::vec::Vec::new();
                    for line in block.lines() {
                        if line.is_empty() || line.starts_with(':') {
                            continue;
                        }
                        let (field, value) = line.split_once(':').unwrap_or((line, ""));
                        let value = value.strip_prefix(' ').unwrap_or(value);
                        match field {
                            "data" => data.push(value),
                            "event" => event.event = Some(value.to_string()),
                            "id" if !value.contains('\0') => {
                                self.last_id = Some(value.to_string())
                            }
                            "retry" => event.retry = value.parse().ok().or(event.retry),
                            _ => {}
                        }
                    }
                    if data.is_empty() {
                        continue;
                    }
                    event.data = data.join("\n");
                    event.id = self.last_id.clone();
                    return Some(event);
                }
            }
        }

        impl futures_core::Stream for EventStream {
            type Item = ::std::result::Result<Event, reqwest::Error>;

            fn poll_next(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::option::Option<Self::Item>> {
                use ::std::task::Poll;
                let this = self.get_mut();
                loop {
                    if let Some(event) = this.buffered() {
                        return Poll::Ready(Some(Ok(event)));
                    }
                    if this.done {
                        return Poll::Ready(None);
                    }
                    match this.bytes.as_mut().poll_next(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(None) => this.done = true,
                        Poll::Ready(Some(Err(error))) => {
                            this.done = true;
                            return Poll::Ready(Some(Err(error)));
                        }
                        Poll::Ready(Some(Ok(chunk))) => {
                            this.buffer.extend_from_slice(&chunk);
                            // CRLF and CR line ends, as LF (a CR at the end
                            // waits for the next chunk).
                            let keep_cr = this.buffer.last() == Some(&b'\r');
                            if keep_cr {
                                this.buffer.pop();
                            }
                            let text = ::std::mem::take(&mut this.buffer);
                            let mut out = ::std::vec::Vec::with_capacity(text.len());
                            let mut i = 0;
                            while i < text.len() {
                                if text[i] == b'\r' {
                                    out.push(b'\n');
                                    if text.get(i + 1) == Some(&b'\n') {
                                        i += 1;
                                    }
                                } else {
                                    out.push(text[i]);
                                }
                                i += 1;
                            }
                            if keep_cr {
                                out.push(b'\r');
                            }
                            this.buffer = out;
                        }
                    }
                }
            }
        }
    };
    client.items.extend(file.items);
    Ok(())
}

/// `DEFAULT_BASE_URL`: the document's first server URL, so a client needs
/// no hand-copied URL.
pub fn server_url_const(model: &Model) -> TokenStream {
    let Some(server) = model.servers.first() else {
        return TokenStream::new();
    };
    let url = server.url.trim_end_matches('/');
    let doc = format!(
        " The document's first server URL{}: `{url}`.",
        server
            .description
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default()
    );
    quote! {
        #[doc = #doc]
        pub const DEFAULT_BASE_URL: &str = #url;
    }
}

/// The document's descriptions on progenitor's builder methods (it writes
/// none): each parameter's setter, `body` and `send`. The builders are
/// found by progenitor's own naming; an operation, parameter or body whose
/// method is not there is an error, not a method left undocumented.
fn document_builders(client: &mut syn::File, model: &Model) -> Result<()> {
    let items = client
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
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

/// progenitor sends a text body as `text/plain` and a byte body as
/// `application/octet-stream` (what `Document::for_generators` hands it);
/// the builder's `send` of each operation whose document says otherwise
/// (`image/jpeg`, `application/xml`, `text/csv`) sends the document's
/// media type instead. A media range (`image/*`) is sent as written: the
/// server admits it, and the document names no single type.
fn body_content_types(client: &mut syn::File, model: &Model) -> Result<()> {
    let Some(items) = client.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return Ok(());
    };
    let mut uses_form = false;
    let mut uses_multipart = false;
    let index = builder_index(items);
    for operation in &model.operations {
        let Some(body) = &operation.body else {
            continue;
        };
        let Some(media) = body.primary() else {
            continue;
        };
        let encoding = media.body_encoding();
        // What progenitor's `send` does with the body (what
        // `Document::for_generators` handed it) and what it should do.
        let (from, to) = match encoding {
            BodyEncoding::Json => (BodyCall::Method("json"), None),
            BodyEncoding::Form => (BodyCall::TriedMethod("form_urlencoded"), Some(form_call())),
            BodyEncoding::Multipart => {
                uses_multipart = true;
                let content_type = multipart_content_type();
                (
                    BodyCall::Literal(crate::adapt::BINARY),
                    Some(quote!(#content_type)),
                )
            }
            BodyEncoding::Text | BodyEncoding::Binary => {
                let sent = if encoding == BodyEncoding::Text {
                    crate::adapt::TEXT
                } else {
                    crate::adapt::BINARY
                };
                let wanted = media.media_type.trim();
                let keep = wanted.eq_ignore_ascii_case(sent)
                    || wanted == "*/*"
                    || header_value(wanted).is_none();
                (BodyCall::Literal(sent), (!keep).then(|| quote!(#wanted)))
            }
        };
        let name = progenitor::builder(&operation.id);
        let builder = builder_impl(items, &index, &name).ok_or_else(|| {
            anyhow!(
                "operation `{}`: progenitor wrote no `builder::{name}`",
                operation.id
            )
        })?;
        let send = builder
            .items
            .iter_mut()
            .find_map(|member| match member {
                syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
                _ => None,
            })
            .ok_or_else(|| {
                anyhow!(
                    "operation `{}`: progenitor wrote no `builder::{name}::send`",
                    operation.id
                )
            })?;
        let original = send.clone();
        // `send` with `from` in it rewritten as `with`.
        let rewritten = |with: &TokenStream| -> Result<syn::ImplItemFn> {
            from.rewrite(&original, with).with_context(|| {
                format!(
                    "operation `{}`: progenitor's `send` does not contain {from} (was progenitor \
                     upgraded?)",
                    operation.id
                )
            })
        };
        // Checked before anything changes, whatever `send` becomes.
        rewritten(&from.as_written())?;
        let variant = |ident: &str, with: &TokenStream, doc: &str| -> Result<syn::ImplItem> {
            let mut f = rewritten(with)?;
            f.sig.ident = quote::format_ident!("{ident}");
            f.attrs.retain(|a| !a.path().is_ident("doc"));
            f.attrs.push(syn::parse_quote! { #[doc = #doc] });
            Ok(syn::ImplItem::Fn(f))
        };
        // The other media types of the body, each a `send_*` of its own.
        let mut others = Vec::new();
        let alternatives = body.content.iter().filter(|m| !std::ptr::eq(*m, media));
        if encoding.is_typed() {
            let schema = |m: &crate::model::Media| {
                m.schema
                    .as_ref()
                    .and_then(|s| s.json_schema.as_deref().cloned())
            };
            let same = |m: &crate::model::Media| {
                m.body_encoding().is_typed() && schema(m).is_some() && schema(m) == schema(media)
            };
            let mut done = vec![encoding];
            let mut raw = Vec::new();
            for m in alternatives {
                if !same(m) {
                    raw.push(format!("`{}`", m.media_type));
                    continue;
                }
                let other = m.body_encoding();
                if done.contains(&other) {
                    continue;
                }
                done.push(other);
                match other {
                    BodyEncoding::Form => others.push(variant(
                        "send_form",
                        &form_call(),
                        &format!(
                            " Sends the body as a form (`{FORM}`), which the document also \
                             allows; otherwise like `send`."
                        ),
                    )?),
                    BodyEncoding::Json => others.push(variant(
                        "send_json",
                        &quote!(.json(&body)),
                        " Sends the body as JSON (`application/json`), which the document \
                         also allows; otherwise like `send`.",
                    )?),
                    _ => {}
                }
            }
            if !raw.is_empty() {
                let doc = format!(
                    " Sends `body` as it is, with `content_type` as its `Content-Type`, in \
                     place of the typed body (which is not needed): for the media types the \
                     document also allows ({}). Otherwise like `send`. `content_type` must \
                     be a valid header value.",
                    raw.join(", ")
                );
                let mut f = match variant(
                    "send_raw",
                    &quote!(
                        .header(
                            ::reqwest::header::CONTENT_TYPE,
                            ::reqwest::header::HeaderValue::from_static(content_type),
                        )
                        .body(body)
                    ),
                    &doc,
                )? {
                    syn::ImplItem::Fn(f) => f,
                    _ => unreachable!("variant makes functions"),
                };
                without_typed_body(&mut f).with_context(|| {
                    format!(
                        "operation `{}`: progenitor's `send` changed shape",
                        operation.id
                    )
                })?;
                f.sig
                    .inputs
                    .push(syn::parse_quote! { content_type: &'static str });
                f.sig
                    .inputs
                    .push(syn::parse_quote! { body: impl ::std::convert::Into<::reqwest::Body> });
                others.push(syn::ImplItem::Fn(f));
            }
        } else if !encoding.is_typed() && body.content.len() > 1 {
            let allowed: Vec<String> = body
                .content
                .iter()
                .map(|m| format!("`{}`", m.media_type))
                .collect();
            others.push(variant(
                "send_as",
                &quote!(content_type),
                &format!(
                    " Sends the body with `content_type` as its `Content-Type` (the document \
                     allows {}); otherwise like `send`. `content_type` must be a valid header \
                     value.",
                    allowed.join(", ")
                ),
            )?);
            if let Some(syn::ImplItem::Fn(f)) = others.last_mut() {
                f.sig
                    .inputs
                    .push(syn::parse_quote! { content_type: &'static str });
            }
        }
        uses_form |= encoding == BodyEncoding::Form
            || others
                .iter()
                .any(|f| matches!(f, syn::ImplItem::Fn(f) if f.sig.ident == "send_form"));
        if let Some(to) = to {
            *send = rewritten(&to)?;
        }
        builder.items.extend(others);
    }
    // Also for a multipart body the client sends with `send_raw`.
    uses_multipart |= model.operations.iter().any(|o| {
        o.body.as_ref().is_some_and(|b| {
            b.content
                .iter()
                .any(|m| m.body_encoding() == BodyEncoding::Multipart)
        })
    });
    if uses_multipart {
        client.items.extend(multipart_helpers());
    }
    if uses_form {
        client.items.push(syn::parse_quote! {
            /// A form body (`application/x-www-form-urlencoded`) as the
            /// document's servers read it: each field once, an array as the
            /// field repeated, `null` left out, an object as JSON text.
            fn encode_form_body<E, T: ::serde::Serialize + ?Sized>(
                body: &T,
            ) -> ::std::result::Result<::std::string::String, Error<E>> {
                let value = ::serde_json::to_value(body).map_err(|e| {
                    Error::InvalidRequest(format!("the form body cannot be encoded: {e}"))
                })?;
                let ::serde_json::Value::Object(fields) = value else {
                    return Err(Error::InvalidRequest("a form body must be an object".to_string()));
                };
                let mut out = ::std::string::String::new();
                for (name, value) in &fields {
                    let items = match value {
                        ::serde_json::Value::Array(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    for item in items {
                        let text = match item {
                            ::serde_json::Value::Null => continue,
                            ::serde_json::Value::String(text) => text.clone(),
                            other => other.to_string(),
                        };
                        if !out.is_empty() {
                            out.push('&');
                        }
                        percent_encode(&mut out, name);
                        out.push('=');
                        percent_encode(&mut out, &text);
                    }
                }
                Ok(out)
            }
        });
        client.items.push(syn::parse_quote! {
            /// `text` as a form writes it: unreserved bytes as they are, a
            /// space as `+`, every other byte `%XX`.
            fn percent_encode(out: &mut ::std::string::String, text: &str) {
                for byte in text.bytes() {
                    match byte {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                            out.push(char::from(byte))
                        }
                        b' ' => out.push('+'),
                        _ => out.push_str(&format!("%{byte:02X}")),
                    }
                }
            }
        });
    }
    Ok(())
}

/// The boundary of the multipart bodies the client sends: fixed, so that
/// `send` can name it in its static `Content-Type`; `multipart_body`
/// refuses a part that contains it.
const MULTIPART_BOUNDARY: &str = "openapi-multipart-b7e1c94f2a6d4e08931c5f7a2d8b6e40";

fn multipart_content_type() -> String {
    format!("{}; boundary={MULTIPART_BOUNDARY}", crate::model::MULTIPART)
}

/// `MultipartPart` and `multipart_body`, for the `body` of an operation
/// that takes `multipart/form-data` (progenitor sends only bytes).
fn multipart_helpers() -> Vec<syn::Item> {
    let boundary = MULTIPART_BOUNDARY;
    let file: syn::File = syn::parse_quote! {
        /// The boundary between the parts of the multipart bodies this
        /// client sends (see [`multipart_body`]).
        pub const MULTIPART_BOUNDARY: &str = #boundary;

        /// One part of a `multipart/form-data` body (see [`multipart_body`]).
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct MultipartPart {
            /// The field name.
            pub name: ::std::string::String,
            /// The file name, for a file part.
            pub filename: ::std::option::Option<::std::string::String>,
            /// The part's `Content-Type`, if any.
            pub content_type: ::std::option::Option<::std::string::String>,
            /// The content.
            pub bytes: ::std::vec::Vec<u8>,
        }

        impl MultipartPart {
            /// A text field.
            pub fn text(
                name: impl ::std::convert::Into<::std::string::String>,
                value: impl ::std::convert::Into<::std::string::String>,
            ) -> Self {
                Self {
                    name: name.into(),
                    filename: None,
                    content_type: None,
                    bytes: value.into().into_bytes(),
                }
            }

            /// A file.
            pub fn file(
                name: impl ::std::convert::Into<::std::string::String>,
                filename: impl ::std::convert::Into<::std::string::String>,
                content_type: impl ::std::convert::Into<::std::string::String>,
                bytes: impl ::std::convert::Into<::std::vec::Vec<u8>>,
            ) -> Self {
                Self {
                    name: name.into(),
                    filename: Some(filename.into()),
                    content_type: Some(content_type.into()),
                    bytes: bytes.into(),
                }
            }
        }

        /// `parts` as a `multipart/form-data` body (RFC 7578) separated by
        /// [`MULTIPART_BOUNDARY`]: what the `body` of an operation that takes
        /// one expects. `Err` when a part contains the boundary, or a name,
        /// file name or content type holds a quote or a line break.
        pub fn multipart_body(
            parts: &[MultipartPart],
        ) -> ::std::result::Result<::std::vec::Vec<u8>, ::std::string::String> {
            let unsafe_text = |text: &str| text.contains(['"', '\r', '\n']);
            let mut out = ::std::vec::Vec::new();
            for part in parts {
                if part
                    .bytes
                    .windows(MULTIPART_BOUNDARY.len())
                    .any(|w| w == MULTIPART_BOUNDARY.as_bytes())
                {
                    return Err(format!("part `{}` contains the multipart boundary", part.name));
                }
                let texts = [Some(&part.name), part.filename.as_ref(), part.content_type.as_ref()];
                if texts.into_iter().flatten().any(|t| unsafe_text(t)) {
                    return Err(format!("part `{}` has a quote or line break in its headers", part.name));
                }
                out.extend_from_slice(format!("--{MULTIPART_BOUNDARY}\r\n").as_bytes());
                let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
                if let Some(filename) = &part.filename {
                    disposition.push_str(&format!("; filename=\"{filename}\""));
                }
                out.extend_from_slice(disposition.as_bytes());
                out.extend_from_slice(b"\r\n");
                if let Some(content_type) = &part.content_type {
                    out.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
                }
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(&part.bytes);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(format!("--{MULTIPART_BOUNDARY}--\r\n").as_bytes());
            Ok(out)
        }
    };
    file.items
}

/// `send` without its typed body: the builder's `body` is not read (it
/// may never have been set), so `let Self { client, body, .. } = self;`
/// ignores it and the statement that converts it goes.
fn without_typed_body(f: &mut syn::ImplItemFn) -> Result<()> {
    let body_ident = |pat: &syn::Pat| matches!(pat, syn::Pat::Ident(i) if i.ident == "body");
    let mut destructured = false;
    f.block.stmts.retain_mut(|stmt| {
        let syn::Stmt::Local(local) = stmt else {
            return true;
        };
        if let syn::Pat::Struct(pattern) = &mut local.pat {
            for field in pattern.fields.iter_mut() {
                if matches!(&field.member, syn::Member::Named(m) if m == "body") {
                    field.colon_token = Some(Default::default());
                    *field.pat = syn::parse_quote! { _ };
                    destructured = true;
                }
            }
            return true;
        }
        !body_ident(&local.pat)
    });
    if !destructured {
        return Err(anyhow!("no `let Self {{ .., body }} = self;`"));
    }
    Ok(())
}

/// The body call of `send` for a form: progenitor's form encoder
/// (serde_urlencoded) refuses arrays, the client's own
/// (`encode_form_body`) sends them as repeated fields.
fn form_call() -> TokenStream {
    quote!(
        .header(
            ::reqwest::header::CONTENT_TYPE,
            ::reqwest::header::HeaderValue::from_static(#FORM),
        )
        .body(super::encode_form_body(&body)?)
    )
}

/// What progenitor's `send` does with the body, found in its syntax tree.
#[derive(Clone, Copy, Debug)]
enum BodyCall {
    /// `<request>.<method>(&body)`: rewritten as `<request>` followed by
    /// the replacement's method calls.
    Method(&'static str),
    /// `<request>.<method>(&body)?`, likewise.
    TriedMethod(&'static str),
    /// A string literal (the `Content-Type` it names): rewritten as the
    /// replacement expression.
    Literal(&'static str),
}

impl std::fmt::Display for BodyCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyCall::Method(method) => write!(f, "`.{method}(&body)`"),
            BodyCall::TriedMethod(method) => write!(f, "`.{method}(&body)?`"),
            BodyCall::Literal(text) => write!(f, "`{text:?}`"),
        }
    }
}

impl BodyCall {
    /// The tokens that rewrite it as it is.
    fn as_written(self) -> TokenStream {
        match self {
            BodyCall::Method(method) => {
                let method = quote::format_ident!("{method}");
                quote!(.#method(&body))
            }
            BodyCall::TriedMethod(method) => {
                let method = quote::format_ident!("{method}");
                quote!(.#method(&body)?)
            }
            BodyCall::Literal(text) => quote!(#text),
        }
    }

    /// `send` with every occurrence rewritten as `with`; an error when
    /// there is none, or the result is not an expression.
    fn rewrite(self, send: &syn::ImplItemFn, with: &TokenStream) -> Result<syn::ImplItemFn> {
        let mut send = send.clone();
        let mut rewrite = Rewrite {
            call: self,
            with,
            done: 0,
            failed: None,
        };
        syn::visit_mut::VisitMut::visit_impl_item_fn_mut(&mut rewrite, &mut send);
        if let Some(error) = rewrite.failed {
            return Err(anyhow!("the rewritten body call does not parse: {error}"));
        }
        if rewrite.done == 0 {
            return Err(anyhow!("no {self}"));
        }
        Ok(send)
    }
}

/// The visitor of [`BodyCall::rewrite`].
struct Rewrite<'a> {
    call: BodyCall,
    with: &'a TokenStream,
    done: usize,
    failed: Option<syn::Error>,
}

impl syn::visit_mut::VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        let on_body = |m: &syn::ExprMethodCall, method: &str| {
            m.method == method
                && m.args.len() == 1
                && matches!(&m.args[0], syn::Expr::Reference(r)
                    if matches!(&*r.expr, syn::Expr::Path(p) if p.path.is_ident("body")))
        };
        let receiver = match (self.call, &*expr) {
            (BodyCall::Method(method), syn::Expr::MethodCall(m)) if on_body(m, method) => {
                Some(&m.receiver)
            }
            (BodyCall::TriedMethod(method), syn::Expr::Try(t)) => match &*t.expr {
                syn::Expr::MethodCall(m) if on_body(m, method) => Some(&m.receiver),
                _ => None,
            },
            _ => None,
        };
        let with = self.with;
        let replaced = match (self.call, &*expr, receiver) {
            (_, _, Some(receiver)) => Some(syn::parse2::<syn::Expr>(quote!(#receiver #with))),
            (BodyCall::Literal(text), syn::Expr::Lit(lit), None) => match &lit.lit {
                syn::Lit::Str(s) if s.value() == text => {
                    Some(syn::parse2::<syn::Expr>(with.clone()))
                }
                _ => None,
            },
            _ => None,
        };
        match replaced {
            Some(Ok(new)) => {
                *expr = new;
                self.done += 1;
            }
            Some(Err(error)) => self.failed = Some(error),
            None => {}
        }
    }
}

/// `Some` when `value` is a valid header value (`HeaderValue::from_static`
/// would panic on another).
fn header_value(value: &str) -> Option<&str> {
    value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
        .then_some(value)
}

/// The last segment of an impl's type (`ListDispatcherLogs`).
/// The builder module's inherent impls by their type's name, for
/// [`builder_impl`]: one pass over the module, not one per operation.
fn builder_index(items: &[syn::Item]) -> std::collections::HashMap<String, usize> {
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
fn builder_impl<'i>(
    items: &'i mut [syn::Item],
    index: &std::collections::HashMap<String, usize>,
    name: &str,
) -> Option<&'i mut syn::ItemImpl> {
    match items.get_mut(*index.get(name)?)? {
        syn::Item::Impl(imp) => Some(imp),
        _ => None,
    }
}

fn impl_name(imp: &syn::ItemImpl) -> Option<String> {
    let syn::Type::Path(self_ty) = &*imp.self_ty else {
        return None;
    };
    self_ty.path.segments.last().map(|s| s.ident.to_string())
}

/// The docs of an operation's builder methods: (method, text), in the
/// order the methods are documented. Cookie parameters have no method
/// (progenitor cannot send them: see `Document::for_generators`).
fn builder_docs(model: &Model, operation: &crate::model::Operation) -> Vec<(String, String)> {
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
fn success_note(operation: &crate::model::Operation) -> Option<String> {
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
fn accepts(model: &Model, parameter: &crate::model::Parameter) -> Option<String> {
    describe(model, &parameter.schema.constraints)
}

fn describe(model: &Model, c: &Constraints) -> Option<String> {
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

fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `PARAMETER_RULES`: what each parameter accepts, so that an invalid
/// value (rejected before anything is sent) can say what was expected.
pub fn parameter_rules(model: &Model) -> TokenStream {
    let mut rules = Vec::new();
    for operation in &model.operations {
        for parameter in &operation.parameters {
            if let Some(rule) = accepts(model, parameter) {
                let id = &operation.id;
                let name = progenitor::setter(&parameter.client_name);
                rules.push(quote! { (#id, #name, #rule) });
            }
        }
    }
    quote! {
        /// What each parameter accepts, from the document: (operationId, the
        /// builder method, the rule). An invalid value is rejected before
        /// anything is sent, with this rule in the message.
        pub const PARAMETER_RULES: &[(&str, &str, &str)] = &[#(#rules),*];
    }
}

/// `REQUEST_HEADERS`: the header parameters each operation declares, for
/// the client's hooks to tell a header the document defines from any other.
pub fn request_headers(model: &Model) -> TokenStream {
    let operations = model.operations.iter().map(|operation| {
        let id = &operation.id;
        let names = operation
            .parameters
            .iter()
            .filter(|p| p.location == crate::model::Location::Header)
            .map(|p| p.name.as_str());
        quote! { (#id, &[#(#names),*]) }
    });
    quote! {
        /// The header parameters each operation declares in the document:
        /// (operationId, header names). A request sends no other header of
        /// its own besides `Accept`, `Content-Type` and the credentials.
        pub const REQUEST_HEADERS: &[(&str, &[&str])] = &[#(#operations),*];
    }
}

#[cfg(test)]
mod url_tests {
    use super::resolve_url;

    #[test]
    fn relative_oauth_urls_resolve_against_the_server_url() {
        let base = Some("https://api.example.com/v1");
        assert_eq!(
            resolve_url("/oauth/token", base),
            "https://api.example.com/oauth/token"
        );
        assert_eq!(
            resolve_url("oauth/token", base),
            "https://api.example.com/v1/oauth/token"
        );
        assert_eq!(
            resolve_url("oauth/token", Some("https://api.example.com/v1/")),
            "https://api.example.com/v1/oauth/token"
        );
        assert_eq!(
            resolve_url("//auth.example.com/token", base),
            "https://auth.example.com/token"
        );
        assert_eq!(
            resolve_url("https://auth.example.com/t", base),
            "https://auth.example.com/t"
        );
        // Nothing absolute to resolve against: as written.
        assert_eq!(resolve_url("/oauth/token", Some("/v1")), "/oauth/token");
        assert_eq!(resolve_url("/oauth/token", None), "/oauth/token");
    }
}
