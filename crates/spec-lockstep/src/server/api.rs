//! `api.rs`: what a backend team implements and builds, top-down — the
//! `Api` trait, the `Hooks` trait, then each operation's request struct and
//! response enum, then the response headers structs.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::error_shape::{self, Shape};
use super::{doc_lines, paragraphs, Doc, Op, Resp};
use crate::model::{BodyEncoding, HeaderRole, Status};

pub(super) fn tokens(doc: &Doc<'_>) -> TokenStream {
    let types = &doc.types;
    let runtime = &doc.runtime;
    let title = &doc.model.title;
    let has_hooks = doc.secured() || doc.requires_rate_limits().is_some();
    let hooks_part = match (doc.secured(), has_hooks) {
        (true, _) => ") and [`Hooks`] (authentication, rate limits)",
        (false, true) => ") and [`Hooks`] (the rate limit)",
        (false, false) => "; the document has no security, so there are no hooks)",
    };
    let module_doc = format!(
        " The operations of {title} as a backend implements them: implement [`Api`] \
         (one method per operation{hooks_part}, then serve them with `router`. Every \
         request your methods receive is parsed and validated as the document declares; \
         every response they return is one the document declares."
    );
    let supertrait = if has_hooks {
        quote! { Hooks }
    } else {
        quote! { Send + Sync + 'static }
    };
    let trait_doc = format!(
        " The operations of {title}. Each method receives a parsed, validated request and \
         returns one of the responses the document declares; an `Err` (any \
         `std::error::Error`, through `?`) is logged with its causes and answered with the \
         document's 500/503 problem, never shown to the caller."
    );
    let default_doc = " Every method has a default that answers `501 Not Implemented` in the \
         document's error shape (`runtime::Error::not_implemented`), so a backend \
         implements its operations one at a time.";
    let methods = doc.operations.iter().map(trait_method);
    let hooks = hooks_trait(doc);
    let requests = doc.operations.iter().map(request_struct);
    let responses = doc.operations.iter().map(response_enum);
    let header_structs = headers_structs(doc);
    let problems = problems_impls(doc);
    quote! {
        #![doc = #module_doc]

        use ::#runtime as runtime;
        use runtime::reexports::axum::http::StatusCode;
        /// The model types, shared with the client: see the types crate.
        pub use ::#types as types;

        #[doc = #trait_doc]
        #[doc = ""]
        #[doc = #default_doc]
        pub trait Api: #supertrait {
            #(#methods)*
        }

        #hooks

        #(#requests)*

        #(#responses)*

        #(#header_structs)*

        #problems
    }
}

/// `Problems`: the adapter's own problems, for the backend's responses —
/// the runtime's trait, implemented for every body type of the document's
/// error responses.
fn problems_impls(doc: &Doc<'_>) -> TokenStream {
    let impls = doc.error_bodies.values().map(|body| {
        let ty = &body.ty;
        match &body.shape {
            Shape::Problem => quote! { impl runtime::Problems<Document> for #ty {} },
            shape => {
                let what = match shape {
                    Shape::Fields(fields) => format!(
                        " Filled in the document's own error shape (`{}`): {}.",
                        body.pointer,
                        error_shape::describe(fields)
                    ),
                    _ => format!(
                        " `{}` cannot hold the adapter's problems (codegen warned): its \
                         constructors return an error, and the adapter answers with RFC 9457 \
                         problem+json.",
                        body.pointer
                    ),
                };
                let why = match shape {
                    Shape::Unfillable(missing) => format!(
                        "{} requires {}, which nothing in a problem fills (codegen warned); \
                         the adapter answers with application/problem+json instead",
                        body.pointer,
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => String::new(),
                };
                let shape = shape.tokens(&why);
                quote! {
                    #[doc = #what]
                    impl runtime::Problems<Document> for #ty {
                        const SHAPE: runtime::declare::ErrorShape = {
                            use runtime::declare::{ErrorField, ErrorShape, FieldErrors, Source};
                            #shape
                        };
                    }
                }
            }
        }
    });
    quote! {
        /// The problems the adapter answers by itself, with the document's
        /// texts (`x-problem-details`), for the responses your methods build:
        /// `Ok(...Response::forbidden(types::Problem::forbidden()?))`.
        pub use runtime::Problems;

        /// This document, for [`Problems`]: `types::Problem::forbidden()` has its texts.
        #[derive(Clone, Copy, Debug)]
        pub struct Document;

        #(#impls)*
    }
}

fn trait_method(op: &Op<'_>) -> TokenStream {
    let model = op.model;
    let doc = doc_lines(&paragraphs(&[
        model.summary.as_deref().unwrap_or(""),
        model.description.as_deref().unwrap_or(""),
        &format!(
            "`{} {}` (operationId `{}`).{}",
            model.method,
            model.path,
            model.id,
            if model.deprecated {
                " **Deprecated** by the document."
            } else {
                ""
            }
        ),
    ]));
    let name = &op.fn_name;
    let request = op.request_ident();
    let response = op.response_ident();
    let (principal, unused) = match (model.secured(), model.auth_optional()) {
        (false, _) => (quote! {}, quote! { request }),
        (true, false) => (
            quote! { principal: Self::Principal, },
            quote! { (principal, request) },
        ),
        (true, true) => (
            quote! { principal: ::std::option::Option<Self::Principal>, },
            quote! { (principal, request) },
        ),
    };
    quote! {
        #doc
        fn #name(
            &self,
            #principal
            request: #request,
        ) -> impl ::std::future::Future<Output = runtime::Result<#response>> + Send {
            let _ = #unused;
            ::std::future::ready(Err(runtime::Error::not_implemented()))
        }
    }
}

/// `Hooks`, as much of it as the document needs: nothing for a document
/// without security whose responses need no rate-limit figures.
fn hooks_trait(doc: &Doc<'_>) -> TokenStream {
    if !doc.secured() {
        return public_hooks_trait(doc);
    }
    let schemes: Vec<String> = doc
        .model
        .security_schemes
        .values()
        .map(|s| format!("`{}` ({})", s.name, s.kind.describe()))
        .collect();
    let authenticate_doc = doc_lines(&format!(
        "Checks a credential the request carried for one of the document's security schemes \
         ({}): return the principal it identifies, or reject it with the detail the 401 \
         answer shows. The adapter then checks the principal's scopes.",
        if schemes.is_empty() {
            "it has none".to_string()
        } else {
            schemes.join(", ")
        }
    ));
    let rate_limit = match doc.requires_rate_limits() {
        Some(required) => {
            let text = doc_lines(&format!(
                "Counts a request against its caller's budget, after authentication. \
                 Required: the document requires the rate-limit figures on responses \
                 ({required}), so every request must have them. `principal` is `None` for \
                 operations without security."
            ));
            quote! {
                #text
                fn rate_limit(
                    &self,
                    principal: ::std::option::Option<&Self::Principal>,
                    operation_id: &'static str,
                ) -> impl ::std::future::Future<Output = runtime::Limited> + Send;
            }
        }
        None => quote! {
            /// Counts a request against its caller's budget, after authentication.
            /// `principal` is `None` for operations without security. The default
            /// applies no limit.
            fn rate_limit(
                &self,
                principal: ::std::option::Option<&Self::Principal>,
                operation_id: &'static str,
            ) -> impl ::std::future::Future<Output = runtime::RateLimit> + Send {
                let _ = (principal, operation_id);
                async { runtime::RateLimit::Unlimited }
            }
        },
    };
    quote! {
        /// Authentication and rate limiting, called by the adapter before an
        /// operation runs, in the order of `ev_energy_spec_vocab::GATE` (the README lists the checks).
        pub trait Hooks: Send + Sync + 'static {
            /// Who made a request, as [`Hooks::authenticate`] established it.
            type Principal: runtime::Principal;

            #authenticate_doc
            fn authenticate(
                &self,
                credential: &runtime::Credential,
            ) -> impl ::std::future::Future<
                Output = ::std::result::Result<Self::Principal, runtime::AuthError>,
            > + Send;

            #rate_limit
        }
    }
}

/// The hooks of a document without security: only the rate limit its
/// responses require, if they do; no principal, no authentication.
fn public_hooks_trait(doc: &Doc<'_>) -> TokenStream {
    let Some(required) = doc.requires_rate_limits() else {
        return TokenStream::new();
    };
    let text = doc_lines(&format!(
        "Counts a request against the budget it falls under. Required: the document requires \
         the rate-limit figures on responses ({required}), so every request must have them."
    ));
    quote! {
        /// The rate limit, called by the adapter before an operation runs, in the
        /// order of `ev_energy_spec_vocab::GATE`. The document has no security, so there is
        /// nothing to authenticate.
        pub trait Hooks: Send + Sync + 'static {
            #text
            fn rate_limit(
                &self,
                operation_id: &'static str,
            ) -> impl ::std::future::Future<Output = runtime::Limited> + Send;
        }
    }
}

fn request_struct(op: &Op<'_>) -> TokenStream {
    let request = op.request_ident();
    let name = &op.fn_name;
    let doc = format!(
        " The parameters of [`Api::{name}`], parsed and validated as the document declares \
         them. Destructure it naming every field, without `..`: a parameter the document adds \
         later then fails your build until you handle it."
    );
    let fields = op.params.iter().map(|p| {
        let model = p.model;
        let mut notes = format!(
            "{} parameter `{}`{}.",
            capitalized(model.location.as_str()),
            model.name,
            if model.required { ", required" } else { "" }
        );
        if let Some(default) = &model.schema.default {
            notes.push_str(&format!(" Default `{default}`."));
        }
        if model.deprecated {
            notes.push_str(" **Deprecated** by the document.");
        }
        let doc = doc_lines(&paragraphs(&[
            model.description.as_deref().unwrap_or(""),
            &notes,
        ]));
        let field = &p.field;
        let ty = p.field_type();
        let attribute = p.field_attribute();
        quote! { #doc #attribute pub #field: #ty, }
    });
    let body = op.body.as_ref().map(|body| {
        let what = match body.encoding {
            BodyEncoding::Json if body.consumes.is_empty() => "The JSON request body".to_string(),
            _ => format!(
                "The request body, sent as {}",
                body.consumes
                    .iter()
                    .map(|(media_type, encoding)| {
                        let how = match encoding {
                            BodyEncoding::Json => "JSON",
                            BodyEncoding::Form => "a form",
                            BodyEncoding::Text => "text",
                            BodyEncoding::Multipart => "parts",
                            BodyEncoding::Binary => "bytes",
                        };
                        format!("`{media_type}` ({how})")
                    })
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        let notes = format!("{what}{}.", if body.required { ", required" } else { "" });
        let doc = doc_lines(&paragraphs(&[
            body.description.as_deref().unwrap_or(""),
            &notes,
        ]));
        let ty = &body.ty;
        let ty = if body.required {
            quote! { #ty }
        } else {
            quote! { ::std::option::Option<#ty> }
        };
        quote! { #doc pub body: #ty, }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq, ::serde::Deserialize)]
        pub struct #request {
            #(#fields)*
            #body
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn response_enum(op: &Op<'_>) -> TokenStream {
    let response = op.response_ident();
    let name = &op.fn_name;
    let doc = format!(
        " What [`Api::{name}`] answers: one variant per response the document declares. \
         Headers the runtime knows (the API version, rate-limit figures, `Retry-After`) are \
         `Option`s the adapter fills when left `None`; headers the document requires and only \
         your code knows are plain fields."
    );
    let variants = op.responses.iter().map(variant);
    let constructors = op.responses.iter().map(constructor);
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq)]
        pub enum #response {
            #(#variants)*
        }

        impl #response {
            #(#constructors)*

            /// The HTTP status of this response.
            pub fn status(&self) -> StatusCode {
                runtime::declare::Responses::status(self)
            }
        }
    }
}

fn status_doc(response: &Resp<'_>) -> String {
    match response.model.status {
        Status::Code(code) => format!("{code}"),
        Status::Range(class) => format!("Any {class}xx status not declared otherwise"),
        Status::Default => "Any status not declared otherwise".to_string(),
    }
}

fn variant(response: &Resp<'_>) -> TokenStream {
    let variant = &response.variant;
    let doc = doc_lines(&format!(
        "{}: {}",
        status_doc(response),
        response.model.description
    ));
    let status = response.status.is_none().then(|| {
        quote! {
            /// The status to answer with.
            status: StatusCode,
        }
    });
    let body = response.body.as_ref().map(|(ty, _)| quote! { body: #ty, });
    let headers = response
        .headers_struct
        .as_ref()
        .map(|ident| quote! { headers: #ident, });
    quote! {
        #doc
        #variant { #status #body #headers },
    }
}

/// `Ok { .. }` from its body, with every header the runtime fills left
/// `None`; for responses with headers only the backend knows, those are
/// parameters too.
fn constructor(response: &Resp<'_>) -> TokenStream {
    let variant = &response.variant;
    let name = response.constructor();
    let mut params = Vec::new();
    let mut doc = format!("{}.", status_doc(response));
    if response.status.is_none() {
        params.push(quote! { status: StatusCode });
    }
    if let Some((ty, _)) = &response.body {
        params.push(quote! { body: #ty });
    }
    let own: Vec<_> = response
        .headers
        .iter()
        .filter(|h| h.backend_must_set())
        .collect();
    let headers = response.headers_struct.as_ref().map(|ident| {
        if own.is_empty() {
            return quote! { headers: #ident::default(), };
        }
        let fields = response.headers.iter().map(|h| {
            let field = &h.field;
            if h.backend_must_set() {
                quote! { #field }
            } else {
                quote! { #field: ::std::option::Option::None }
            }
        });
        quote! { headers: #ident { #(#fields),* }, }
    });
    for h in &own {
        let field = &h.field;
        let ty = &h.ty;
        params.push(quote! { #field: #ty });
    }
    if response.headers.iter().any(|h| !h.backend_must_set()) {
        doc.push_str(" The adapter fills the headers the runtime knows.");
    }
    if !own.is_empty() {
        let names: Vec<String> = own.iter().map(|h| format!("`{}`", h.name)).collect();
        doc.push_str(&format!(" The document requires {}.", names.join(", ")));
    }
    let status_field = response.status.is_none().then(|| quote! { status, });
    let body_field = response.body.as_ref().map(|_| quote! { body, });
    let doc = doc_lines(&doc);
    quote! {
        #doc
        pub fn #name(#(#params),*) -> Self {
            Self::#variant { #status_field #body_field #headers }
        }
    }
}

/// The headers structs, one per distinct name; a struct whose fields are
/// those of one already written (names, types, docs) is an alias of it.
fn headers_structs(doc: &Doc<'_>) -> Vec<TokenStream> {
    let mut written: BTreeMap<String, TokenStream> = BTreeMap::new();
    let mut by_fields: BTreeMap<String, proc_macro2::Ident> = BTreeMap::new();
    let mut responses: Vec<&Resp<'_>> = doc
        .operations
        .iter()
        .flat_map(|o| &o.responses)
        .filter(|r| r.headers_struct.is_some())
        .collect();
    responses.sort_by_key(|r| r.headers_struct.as_ref().map(ToString::to_string));
    for response in responses {
        let Some(ident) = &response.headers_struct else {
            continue;
        };
        if written.contains_key(&ident.to_string()) {
            continue;
        }
        let (fields, derive_default) = header_fields(response);
        let key = quote! { #derive_default #fields }.to_string();
        let tokens = match by_fields.get(&key) {
            Some(same) => {
                let doc = format!(
                    " The headers of {}: the same as [`{same}`].",
                    described(response)
                );
                quote! {
                    #[doc = #doc]
                    pub type #ident = #same;
                }
            }
            None => {
                by_fields.insert(key, ident.clone());
                let doc = format!(
                    " The headers of {}. `Option` fields the runtime knows are filled by the \
                     adapter when left `None`.",
                    described(response)
                );
                quote! {
                    #[doc = #doc]
                    #[derive(Clone, Debug, #derive_default PartialEq, ::serde::Serialize)]
                    pub struct #ident {
                        #fields
                    }
                }
            }
        };
        written.insert(ident.to_string(), tokens);
    }
    written.into_values().collect()
}

fn described(response: &Resp<'_>) -> String {
    match &response.model.component {
        Some(component) => format!("the `{component}` response"),
        None => format!("the {} response", response.model.status),
    }
}

/// The fields of a response's headers struct, and `Default,` when the
/// runtime can fill every one.
fn header_fields(response: &Resp<'_>) -> (TokenStream, Option<TokenStream>) {
    let fields = response.headers.iter().map(|h| {
        let mut text = format!("`{}`", h.name);
        if let Some(description) = h.description {
            text.push_str(": ");
            text.push_str(description.trim());
        }
        let note = match (h.role, h.required) {
            (Some(HeaderRole::ApiVersion), _) => {
                " Filled by the adapter: the API version that answered."
            }
            (Some(HeaderRole::RateLimitLimit), _) => {
                " Filled by the adapter from the rate-limit hook."
            }
            (Some(HeaderRole::RateLimitRemaining), _) => {
                " Filled by the adapter from the rate-limit hook."
            }
            (Some(HeaderRole::RetryAfter), _) => " Filled by the adapter from the rate-limit hook.",
            (None, true) => " Required.",
            (None, false) => "",
        };
        text.push_str(note);
        let doc = doc_lines(&text);
        let field = &h.field;
        let ty = &h.ty;
        if h.backend_must_set() {
            quote! { #doc pub #field: #ty, }
        } else {
            quote! { #doc pub #field: ::std::option::Option<#ty>, }
        }
    });
    let derive_default = response
        .headers
        .iter()
        .all(|h| !h.backend_must_set())
        .then(|| quote! { Default, });
    (quote! { #(#fields)* }, derive_default)
}
