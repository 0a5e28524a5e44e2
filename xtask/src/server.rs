//! The server generator: from the document (and progenitor's view of it),
//! for every operation a request type, a response enum, a method on one
//! async `Api` trait and an axum handler, plus one router for every path.
//!
//! Parameter types are read off progenitor's builder structs, and body
//! types off its `send()` signatures, so server and client name exactly
//! the same types. Everything else comes from the document.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, bail, Context, Result};
use heck::{ToPascalCase, ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::model::json_schema::{resolve, self_contained};
use crate::spec::{escape_pointer, resolve_ref, Document, JSON, PROBLEM_JSON};

/// The HTTP methods an OpenAPI path item may hold, in document order.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What the server generator needs to know about the generated crates.
pub struct Crates<'a> {
    /// The types crate, as a Rust path segment (`ev_energy_types`).
    pub types: &'a str,
    /// The runtime crate (`ev_energy_server_runtime`).
    pub runtime: &'a str,
}

/// Generates the server module for `document`.
///
/// `client` is progenitor's output for the same document (builder style);
/// `type_names` are the names the types crate defines.
pub fn generate(
    document: &Document,
    client: &syn::File,
    type_names: &BTreeSet<String>,
    crates: &Crates<'_>,
) -> Result<TokenStream> {
    let raw = &document.raw;
    let builders = Builders::read(client)?;
    let mut operations = Vec::new();
    let mut paths: BTreeMap<usize, (String, Vec<(String, syn::Ident)>)> = BTreeMap::new();
    let mut path_order = Vec::new();

    for (path, item) in raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let index = path_order.len();
        path_order.push(path.clone());
        for method in METHODS {
            let Some(operation) = item.get(*method) else {
                continue;
            };
            let pointer = format!("/paths/{}/{method}", escape_pointer(path));
            let op = Operation::read(
                raw, path, method, item, operation, &pointer, &builders, type_names,
            )
            .with_context(|| {
                format!(
                    "cannot generate the server for {} {path} ({pointer})",
                    method.to_uppercase()
                )
            })?;
            paths
                .entry(index)
                .or_insert_with(|| (path.clone(), Vec::new()))
                .1
                .push((method.to_uppercase(), op.fn_name.clone()));
            operations.push(op);
        }
    }

    let types_crate = format_ident!("{}", crates.types);
    let runtime_crate = format_ident!("{}", crates.runtime);
    let items: Vec<TokenStream> = operations.iter().map(Operation::tokens).collect();
    // One headers struct per response component, shared by the operations that use it.
    let mut header_structs = BTreeMap::new();
    for response in operations.iter().flat_map(|o| &o.responses) {
        if let Some((name, tokens)) = response.headers_struct() {
            header_structs.entry(name).or_insert(tokens);
        }
    }
    let header_structs = header_structs.into_values();
    let trait_methods: Vec<TokenStream> = operations.iter().map(Operation::trait_method).collect();
    let routes = paths.values().map(|(path, methods)| route(path, methods));
    let dispatchers = paths
        .values()
        .map(|(path, methods)| dispatcher(path, methods));
    let title = raw
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("the API");
    let trait_doc = format!(
        " The operations of {title}: implement this trait, with [`runtime::Hooks`] for \
         authentication and rate limits, and serve it with [`router`]."
    );

    Ok(quote! {
        #[allow(unused_imports)]
        use ::#runtime_crate as runtime;
        #[allow(unused_imports)]
        use runtime::reexports::axum;
        /// The model types, shared with the client: see the types crate.
        pub use ::#types_crate as types;

        #(#header_structs)*

        #(#items)*

        #[doc = #trait_doc]
        pub trait Api: runtime::Hooks {
            #(#trait_methods)*
        }

        /// An axum router that serves every operation of the document on
        /// `api`, at the document's paths (nest it under the server's base
        /// path, e.g. `/v2`). An unknown path gets 404 and a known path with
        /// another method 405, both as problem details.
        pub fn router<A: Api>(api: ::std::sync::Arc<A>) -> axum::Router {
            axum::Router::new()
                #(#routes)*
                .fallback(runtime::gate::not_found)
                .with_state(api)
        }

        #(#dispatchers)*
    })
}

/// progenitor's builder structs (parameter types) and `send()` signatures
/// (body types), by builder name.
struct Builders {
    fields: BTreeMap<String, BTreeMap<String, syn::Type>>,
    sends: BTreeMap<String, (syn::Type, syn::Type)>,
}

impl Builders {
    fn read(client: &syn::File) -> Result<Self> {
        let module = client
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Mod(m) if m.ident == "builder" => {
                    m.content.as_ref().map(|(_, items)| items)
                }
                _ => None,
            })
            .ok_or_else(|| {
                anyhow!(
                    "progenitor's output has no `builder` module (is the builder interface on?)"
                )
            })?;
        let mut fields = BTreeMap::new();
        let mut sends = BTreeMap::new();
        for item in module {
            match item {
                syn::Item::Struct(s) => {
                    let named = s
                        .fields
                        .iter()
                        .filter_map(|f| Some((f.ident.as_ref()?.to_string(), f.ty.clone())))
                        .collect();
                    fields.insert(s.ident.to_string(), named);
                }
                syn::Item::Impl(imp) => {
                    let syn::Type::Path(self_ty) = &*imp.self_ty else {
                        continue;
                    };
                    let Some(name) = self_ty.path.segments.last().map(|s| s.ident.to_string())
                    else {
                        continue;
                    };
                    for inner in &imp.items {
                        let syn::ImplItem::Fn(f) = inner else {
                            continue;
                        };
                        if f.sig.ident != "send" {
                            continue;
                        }
                        let syn::ReturnType::Type(_, ret) = &f.sig.output else {
                            continue;
                        };
                        // Result<ResponseValue<S>, Error<E>>
                        let [ok, err] = &generic_args(ret)[..] else {
                            continue;
                        };
                        let ok = generic_args(ok).into_iter().next();
                        let err = generic_args(err).into_iter().next();
                        if let (Some(ok), Some(err)) = (ok, err) {
                            sends.insert(name.clone(), (ok, err));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(Self { fields, sends })
    }
}

/// The generic arguments of the last segment of a path type.
fn generic_args(ty: &syn::Type) -> Vec<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return Vec::new();
    };
    let Some(last) = path.path.segments.last() else {
        return Vec::new();
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return Vec::new();
    };
    args.args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// Whether a type's last path segment is `name`.
fn is_named(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// progenitor's (and typify's) identifier rules: heck's case conversion of
/// the name with non-identifier characters as word breaks, and a trailing
/// `_` for keywords.
fn sanitize(input: &str, pascal: bool) -> String {
    let cleaned = input
        .replace('\'', "")
        .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-");
    let out = if pascal {
        cleaned.to_pascal_case()
    } else {
        cleaned.to_snake_case()
    };
    let out = match out.chars().next() {
        None => {
            if pascal {
                "X".into()
            } else {
                "x".into()
            }
        }
        Some(c) if c.is_alphabetic() || c == '_' => out,
        Some(_) => format!("_{out}"),
    };
    if typify::accept_as_ident(&out) {
        out
    } else {
        format!("{out}_")
    }
}

/// `name` as a snake-case Rust identifier, by progenitor's rules.
pub fn snake(name: &str) -> String {
    sanitize(name, false)
}

/// One parameter of an operation.
struct Param {
    name: String,
    field: syn::Ident,
    spec_ident: syn::Ident,
    location: &'static str,
    kind: &'static str,
    shape: &'static str,
    required: bool,
    schema: String,
    default: Option<String>,
    hint: Option<String>,
    description: Option<String>,
    /// How the request struct holds it.
    field_type: TokenStream,
    /// The runtime call that reads it.
    read: TokenStream,
}

/// A JSON request body.
struct BodyOut {
    required: bool,
    schema: String,
    description: Option<String>,
    ty: TokenStream,
}

impl BodyOut {
    fn read(
        raw: &Value,
        body: &Value,
        builder_fields: &BTreeMap<String, syn::Type>,
    ) -> Result<Self> {
        let content = body
            .get("content")
            .and_then(Value::as_object)
            .ok_or_else(|| anyhow!("a request body needs `content`"))?;
        let (media_type, media) = content
            .iter()
            .find(|(m, _)| *m == JSON || m.ends_with("+json"))
            .ok_or_else(|| anyhow!("only JSON request bodies are supported"))?;
        let schema = media
            .get("schema")
            .ok_or_else(|| anyhow!("the `{media_type}` body has no schema"))?;
        let builder_type = builder_fields
            .get("body")
            .ok_or_else(|| anyhow!("progenitor's builder has no `body` field"))?;
        let inner = generic_args(builder_type)
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("unexpected builder body type"))?;
        // The builder interface takes struct bodies as `types::builder::X`;
        // the server receives the built `types::X`.
        let text = quote! { #inner }
            .to_string()
            .replace("types :: builder ::", "types ::");
        let ty: syn::Type = syn::parse_str(&text).context("cannot map the body type")?;
        Ok(Self {
            required: body
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            schema: serde_json::to_string(&self_contained(raw, schema).map_err(|e| anyhow!(e))?)?,
            description: body
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            ty: quote! { #ty },
        })
    }
}

/// One declared response.
struct ResponseOut {
    /// The headers struct's name: shared by every operation that uses the
    /// same response component (`BadRequestHeaders`), else per operation.
    headers_name: String,
    status: Option<u16>,
    variant: syn::Ident,
    description: String,
    media_type: Option<String>,
    body: Option<syn::Type>,
    headers: Vec<HeaderOut>,
}

struct HeaderOut {
    name: String,
    field: syn::Ident,
    ty: TokenStream,
    description: Option<String>,
}

struct Operation {
    body: Option<BodyOut>,
    id: String,
    fn_name: syn::Ident,
    pascal: String,
    method: String,
    path: String,
    doc: String,
    params: Vec<Param>,
    responses: Vec<ResponseOut>,
    produces: Vec<String>,
    security: Vec<Vec<String>>,
}

impl Operation {
    #[allow(clippy::too_many_arguments)]
    fn read(
        raw: &Value,
        path: &str,
        method: &str,
        item: &Value,
        operation: &Value,
        pointer: &str,
        builders: &Builders,
        type_names: &BTreeSet<String>,
    ) -> Result<Self> {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("the operation has no operationId"))?
            .to_string();
        let pascal = sanitize(&id, true);
        let fn_name = format_ident!("{}", sanitize(&id, false));
        let builder_fields = builders
            .fields
            .get(&pascal)
            .ok_or_else(|| anyhow!("progenitor generated no builder `{pascal}`"))?;
        let (ok_type, err_type) = builders
            .sends
            .get(&pascal)
            .ok_or_else(|| anyhow!("progenitor generated no `{pascal}::send`"))?;

        let body = match operation.get("requestBody") {
            None => None,
            Some(request_body) => Some(
                BodyOut::read(raw, resolve(raw, request_body), builder_fields)
                    .with_context(|| format!("the request body at {pointer}/requestBody"))?,
            ),
        };

        // Path-item parameters, overridden by operation parameters of the same name and location.
        let mut declared: Vec<(String, &Value)> = Vec::new();
        for list in [item.get("parameters"), operation.get("parameters")] {
            for param in list.and_then(Value::as_array).into_iter().flatten() {
                let param = resolve(raw, param);
                let key = format!(
                    "{}:{}",
                    param.get("in").and_then(Value::as_str).unwrap_or(""),
                    param.get("name").and_then(Value::as_str).unwrap_or("")
                );
                declared.retain(|(k, _)| *k != key);
                declared.push((key, param));
            }
        }
        let mut params = Vec::new();
        for (_, param) in declared {
            params.push(Param::read(raw, &id, param, builder_fields)?);
        }

        let mut responses = Vec::new();
        let mut produces = Vec::new();
        for (status, response) in operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let component = response
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/responses/"))
                .map(str::to_string);
            let response = resolve(raw, response);
            let code = if status == "default" {
                None
            } else {
                Some(status.parse::<u16>().ok().filter(|c| (100..600).contains(c)).ok_or_else(|| {
                    anyhow!("response `{status}`: only exact status codes and `default` are supported")
                })?)
            };
            let success = code.is_some_and(|c| (200..300).contains(&c));
            let content = response.get("content").and_then(Value::as_object);
            let media = content.and_then(|c| c.iter().next());
            let (media_type, body) = match media {
                None => (None, None),
                Some((media_type, media)) => {
                    if media_type != JSON
                        && media_type != PROBLEM_JSON
                        && !media_type.ends_with("+json")
                    {
                        bail!("response `{status}`: media type `{media_type}` is not supported (JSON only)");
                    }
                    let body = if media.get("schema").is_none() {
                        None
                    } else if success {
                        Some(ok_type.clone())
                    } else {
                        Some(err_type.clone())
                    };
                    if body.as_ref().is_some_and(|t| is_named(t, "ByteStream")) {
                        bail!("response `{status}`: progenitor does not type this body");
                    }
                    (Some(media_type.clone()), body)
                }
            };
            if success {
                if let Some(media_type) = &media_type {
                    if !produces.contains(media_type) {
                        produces.push(media_type.clone());
                    }
                }
            }
            let variant = match code {
                None => "Default".to_string(),
                Some(code) => http::StatusCode::from_u16(code)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .map(|reason| sanitize(reason, true))
                    .unwrap_or_else(|| format!("Status{code}")),
            };
            let mut headers = Vec::new();
            for (name, header) in response
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let header = resolve(raw, header);
                let schema = header
                    .get("schema")
                    .ok_or_else(|| anyhow!("response `{status}`: header `{name}` has no schema"))?;
                headers.push(HeaderOut {
                    name: name.clone(),
                    field: format_ident!("{}", sanitize(name, false)),
                    ty: header_type(raw, schema, type_names)
                        .with_context(|| format!("response `{status}`: header `{name}`"))?,
                    description: header
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                });
            }
            let headers_name = match &component {
                Some(name) => format!("{}Headers", sanitize(name, true)),
                None => format!("{pascal}{variant}Headers"),
            };
            responses.push(ResponseOut {
                headers_name,
                status: code,
                variant: format_ident!("{}", variant),
                description: response
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim()
                    .to_string(),
                media_type,
                body,
                headers,
            });
        }

        let security_value = operation.get("security").or_else(|| raw.get("security"));
        let mut security = Vec::new();
        for requirement in security_value
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut scopes = Vec::new();
            for (scheme, needed) in requirement.as_object().into_iter().flatten() {
                let definition = raw
                    .pointer(&format!(
                        "/components/securitySchemes/{}",
                        escape_pointer(scheme)
                    ))
                    .map(|s| resolve(raw, s))
                    .ok_or_else(|| anyhow!("security scheme `{scheme}` is not defined"))?;
                let kind = definition.get("type").and_then(Value::as_str).unwrap_or("");
                let bearer = kind == "oauth2"
                    || kind == "openIdConnect"
                    || (kind == "http"
                        && definition
                            .get("scheme")
                            .and_then(Value::as_str)
                            .is_some_and(|s| s.eq_ignore_ascii_case("bearer")));
                if !bearer {
                    bail!("security scheme `{scheme}` ({kind}) is not supported: the adapter authenticates bearer tokens (oauth2, openIdConnect, http bearer)");
                }
                scopes.extend(
                    needed
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_string),
                );
            }
            security.push(scopes);
        }

        let summary = operation
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or("");
        let description = operation
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        let doc = format!(
            "{summary}\n\n{}\n\n`{} {path}` (operationId `{id}`).",
            description.trim(),
            method.to_uppercase()
        );
        Ok(Self {
            body,
            id,
            fn_name,
            pascal,
            method: method.to_uppercase(),
            path: path.to_string(),
            doc,
            params,
            responses,
            produces,
            security,
        })
    }

    fn request_ident(&self) -> syn::Ident {
        format_ident!("{}Request", self.pascal)
    }

    fn response_ident(&self) -> syn::Ident {
        format_ident!("{}Response", self.pascal)
    }

    fn spec_ident(&self) -> syn::Ident {
        format_ident!("{}", self.pascal.to_shouty_snake_case())
    }

    fn handler_ident(&self) -> syn::Ident {
        format_ident!("handle_{}", self.fn_name)
    }

    fn secured(&self) -> bool {
        !self.security.is_empty()
    }

    fn auth_optional(&self) -> bool {
        self.security.iter().any(Vec::is_empty)
    }

    fn principal_param(&self) -> TokenStream {
        match (self.secured(), self.auth_optional()) {
            (false, _) => quote! {},
            (true, false) => quote! { principal: Self::Principal, },
            (true, true) => quote! { principal: ::std::option::Option<Self::Principal>, },
        }
    }

    fn trait_method(&self) -> TokenStream {
        let doc = doc_lines(&self.doc);
        let name = &self.fn_name;
        let request = self.request_ident();
        let response = self.response_ident();
        let principal = self.principal_param();
        quote! {
            #doc
            fn #name(
                &self,
                #principal
                request: #request,
            ) -> impl ::std::future::Future<Output = #response> + Send;
        }
    }

    fn tokens(&self) -> TokenStream {
        let request = self.request_ident();
        let response = self.response_ident();
        let spec = self.spec_ident();
        let handler = self.handler_ident();
        let parse = format_ident!("parse_{}", self.fn_name);
        let name = &self.fn_name;
        let id = &self.id;
        let method = &self.method;
        let path = &self.path;
        let request_doc = format!(" The parameters of [`Api::{name}`], parsed and validated as the document declares them.");
        let response_doc = format!(
            " What [`Api::{name}`] answers: one variant per status the document declares. \
             The adapter adds the headers the runtime sets on every response (see `runtime::gate`) \
             where a variant leaves them `None`."
        );

        let fields = self.params.iter().map(|p| {
            let doc = doc_lines(&format!(
                "{}\n\n{} parameter `{}`{}.",
                p.description.as_deref().unwrap_or("").trim(),
                p.location,
                p.name,
                if p.required { ", required" } else { "" }
            ));
            let field = &p.field;
            let ty = &p.field_type;
            quote! { #doc pub #field: #ty, }
        });
        let body_spec_ident = format_ident!("{}_BODY", self.pascal.to_shouty_snake_case());
        let (body_field, body_spec, body_read) = match &self.body {
            None => (quote! {}, quote! {}, quote! { let _ = raw_body; }),
            Some(body) => {
                let ty = &body.ty;
                let required = body.required;
                let schema = &body.schema;
                let doc = doc_lines(&format!(
                    "{}\n\nThe JSON request body{}.",
                    body.description.as_deref().unwrap_or("").trim(),
                    if required { ", required" } else { "" }
                ));
                let (field_ty, read) = if required {
                    (
                        quote! { #ty },
                        quote! { raw.required_body::<#ty>(&mut errors, &#body_spec_ident, raw_body) },
                    )
                } else {
                    (
                        quote! { ::std::option::Option<#ty> },
                        quote! { raw.optional_body::<#ty>(&mut errors, &#body_spec_ident, raw_body) },
                    )
                };
                let spec_doc = " The request body as the document declares it.";
                (
                    quote! { #doc pub body: #field_ty, },
                    quote! {
                        #[doc = #spec_doc]
                        pub static #body_spec_ident: runtime::BodySpec = runtime::BodySpec {
                            required: #required,
                            schema: #schema,
                            compiled: runtime::Compiled::new(),
                        };
                    },
                    quote! { let body = #read; },
                )
            }
        };
        let specs = self.params.iter().map(Param::spec_tokens);
        let spec_refs = self.params.iter().map(|p| {
            let ident = &p.spec_ident;
            quote! { &#ident }
        });
        let reads = self.params.iter().map(|p| {
            let field = &p.field;
            let read = &p.read;
            quote! { let #field = #read; }
        });
        let body_ident = format_ident!("body");
        let names: Vec<&syn::Ident> = self
            .params
            .iter()
            .map(|p| &p.field)
            .chain(self.body.as_ref().map(|_| &body_ident))
            .collect();
        let produces = &self.produces;
        let security = self
            .security
            .iter()
            .map(|scopes| quote! { &[#(#scopes),*] });

        let variants = self.responses.iter().map(ResponseOut::variant_tokens);
        let constructors = self.responses.iter().map(ResponseOut::constructor);
        let arms = self.responses.iter().map(|r| r.response_arm());
        let status_arms = self.responses.iter().map(|r| {
            let variant = &r.variant;
            match r.status {
                Some(code) => quote! { Self::#variant { .. } => axum::http::StatusCode::from_u16(#code).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR), },
                None => quote! { Self::#variant { status, .. } => *status, },
            }
        });

        let call = match (self.secured(), self.auth_optional()) {
            (false, _) => quote! { api.#name(request).await },
            (true, true) => quote! { api.#name(admitted.principal, request).await },
            (true, false) => quote! {
                let ::std::option::Option::Some(principal) = admitted.principal else {
                    return runtime::ProblemBody::unauthorized().into_response_with(admitted.headers);
                };
                api.#name(principal, request).await
            },
        };

        quote! {
            #[doc = #request_doc]
            #[derive(Clone, Debug, PartialEq)]
            pub struct #request {
                #(#fields)*
                #body_field
            }


            #[doc = #response_doc]
            #[derive(Clone, Debug, PartialEq)]
            pub enum #response {
                #(#variants)*
            }

            impl #response {
                #(#constructors)*

                /// The HTTP status of this response.
                pub fn status(&self) -> axum::http::StatusCode {
                    match self {
                        #(#status_arms)*
                    }
                }

                /// The HTTP response, with `ambient` headers where the variant sets none.
                pub fn into_http(self, ambient: axum::http::HeaderMap) -> axum::response::Response {
                    match self {
                        #(#arms)*
                    }
                }
            }

            #(#specs)*
            #body_spec

            /// How the document declares this operation.
            pub static #spec: runtime::OperationSpec = runtime::OperationSpec {
                id: #id,
                method: #method,
                path: #path,
                produces: &[#(#produces),*],
                security: &[#(#security),*],
                params: &[#(#spec_refs),*],
            };

            fn #parse(raw: &runtime::RawRequest, raw_body: &runtime::RawBody) -> ::std::result::Result<#request, runtime::ParamErrors> {
                #[allow(unused_mut)]
                let mut errors = runtime::ParamErrors::default();
                #(#reads)*
                #body_read
                let (#(::std::option::Option::Some(#names),)*) = (#(#names,)*) else {
                    return ::std::result::Result::Err(errors);
                };
                ::std::result::Result::Ok(#request { #(#names),* })
            }

            async fn #handler<A: Api>(api: &A, raw: runtime::RawRequest, raw_body: runtime::RawBody) -> axum::response::Response {
                let parsed = #parse(&raw, &raw_body);
                #[allow(unused_variables)]
                let (admitted, request) = match runtime::admit(api, &#spec, &raw, parsed).await {
                    ::std::result::Result::Ok(admitted) => admitted,
                    ::std::result::Result::Err(response) => return response,
                };
                let response = { #call };
                response.into_http(admitted.headers)
            }
        }
    }
}

impl Param {
    fn read(
        raw: &Value,
        operation_id: &str,
        param: &Value,
        builder_fields: &BTreeMap<String, syn::Type>,
    ) -> Result<Self> {
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("a parameter has no name"))?
            .to_string();
        let location = match param.get("in").and_then(Value::as_str) {
            Some("query") => "Query",
            Some("header") => "Header",
            Some("path") => "Path",
            other => bail!(
                "parameter `{name}`: location {other:?} is not supported (query, header, path)"
            ),
        };
        let required = location == "Path"
            || param
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        let schema_value = param.get("schema").ok_or_else(|| {
            anyhow!("parameter `{name}` has no schema (`content` parameters are not supported)")
        })?;
        let schema = resolve(raw, schema_value);
        let ty = schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string");
        let (kind_schema, array) = if ty == "array" {
            let items = schema
                .get("items")
                .map(|i| resolve(raw, i))
                .ok_or_else(|| anyhow!("parameter `{name}`: an array needs `items`"))?;
            (items, true)
        } else {
            (schema, false)
        };
        let kind = match kind_schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string")
        {
            "string" => "String",
            "integer" => "Integer",
            "number" => "Number",
            "boolean" => "Boolean",
            other => bail!("parameter `{name}`: values of type `{other}` are not supported"),
        };
        let explode = param
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(param.get("style").and_then(Value::as_str).unwrap_or("form") == "form");
        let shape = match (array, location, explode) {
            (false, ..) => "Scalar",
            (true, "Query", true) => "Exploded",
            (true, ..) => "CommaSeparated",
        };
        let json_schema =
            self_contained(raw, schema_value).map_err(|e| anyhow!("parameter `{name}`: {e}"))?;
        let default = schema.get("default").map(Value::to_string);
        let hint = (kind_schema.get("format").and_then(Value::as_str) == Some("date-time")).then(|| {
            "Use an RFC 3339 date-time such as 2024-04-17T09:39:45Z; percent-encode a `+` in an offset as %2B."
                .to_string()
        });

        let field_name = sanitize(&name, false);
        let builder_type = builder_fields.get(&field_name).ok_or_else(|| {
            anyhow!("progenitor's builder for `{operation_id}` has no field `{field_name}` for parameter `{name}`")
        })?;
        // Result<T, String> where T is the type, or Option<the type> when optional.
        let inner = generic_args(builder_type)
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("unexpected builder field type for `{name}`"))?;
        let value_type = if is_named(&inner, "Option") {
            generic_args(&inner).into_iter().next().unwrap_or(inner)
        } else {
            inner
        };
        let spec_ident = format_ident!(
            "{}_{}",
            operation_id.to_shouty_snake_case(),
            field_name.to_shouty_snake_case()
        );
        let (field_type, read) = if array {
            let item = generic_args(&value_type)
                .into_iter()
                .next()
                .ok_or_else(|| anyhow!("parameter `{name}`: expected a Vec type"))?;
            (
                quote! { ::std::vec::Vec<#item> },
                quote! { raw.array::<#item>(&mut errors, &#spec_ident) },
            )
        } else if required || default.is_some() {
            (
                quote! { #value_type },
                quote! { raw.required::<#value_type>(&mut errors, &#spec_ident) },
            )
        } else {
            (
                quote! { ::std::option::Option<#value_type> },
                quote! { raw.optional::<#value_type>(&mut errors, &#spec_ident) },
            )
        };
        Ok(Self {
            field: format_ident!("{}", field_name),
            spec_ident,
            location,
            kind,
            shape,
            required,
            schema: serde_json::to_string(&json_schema)?,
            default,
            hint,
            description: param
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            field_type,
            read,
            name,
        })
    }

    fn spec_tokens(&self) -> TokenStream {
        let ident = &self.spec_ident;
        let name = &self.name;
        let location = format_ident!("{}", self.location);
        let kind = format_ident!("{}", self.kind);
        let shape = format_ident!("{}", self.shape);
        let required = self.required;
        let schema = &self.schema;
        let default = option_str(self.default.as_deref());
        let hint = option_str(self.hint.as_deref());
        let doc = format!(
            " The {} parameter `{name}` as the document declares it.",
            self.location.to_lowercase()
        );
        quote! {
            #[doc = #doc]
            pub static #ident: runtime::ParamSpec = runtime::ParamSpec {
                name: #name,
                location: runtime::Location::#location,
                kind: runtime::Kind::#kind,
                shape: runtime::Shape::#shape,
                required: #required,
                schema: #schema,
                default: #default,
                hint: #hint,
                compiled: runtime::Compiled::new(),
            };
        }
    }
}

impl ResponseOut {
    fn headers_ident(&self) -> syn::Ident {
        format_ident!("{}", self.headers_name)
    }

    fn variant_tokens(&self) -> TokenStream {
        let variant = &self.variant;
        let doc = doc_lines(&match self.status {
            Some(code) => format!("{code}: {}", self.description),
            None => format!("Any other status: {}", self.description),
        });
        let status = self
            .status
            .is_none()
            .then(|| quote! { status: axum::http::StatusCode, });
        let body = self.body.as_ref().map(|ty| quote! { body: #ty, });
        let headers = (!self.headers.is_empty()).then(|| {
            let ident = self.headers_ident();
            quote! { headers: #ident, }
        });
        quote! {
            #doc
            #variant { #status #body #headers },
        }
    }

    fn headers_struct(&self) -> Option<(String, TokenStream)> {
        if self.headers.is_empty() {
            return None;
        }
        let ident = self.headers_ident();
        let doc = format!(
            " The headers of {}. Leave a header `None` to let the adapter set it \
             where the runtime knows the value (see `runtime::gate`).",
            match self.headers_name.strip_suffix("Headers") {
                Some(name) if !name.ends_with(&self.variant.to_string()) =>
                    format!("the `{name}` response"),
                _ => format!(
                    "the {} response",
                    self.status.map_or("default".to_string(), |c| c.to_string())
                ),
            }
        );
        let fields = self.headers.iter().map(|h| {
            let doc = doc_lines(&format!(
                "`{}`: {}",
                h.name,
                h.description.as_deref().unwrap_or("")
            ));
            let field = &h.field;
            let ty = &h.ty;
            quote! { #doc pub #field: ::std::option::Option<#ty>, }
        });
        Some((
            self.headers_name.clone(),
            quote! {
                #[doc = #doc]
                #[derive(Clone, Debug, Default, PartialEq)]
                pub struct #ident {
                    #(#fields)*
                }
            },
        ))
    }

    fn constructor(&self) -> TokenStream {
        let variant = &self.variant;
        let name = format_ident!("{}", sanitize(&variant.to_string(), false));
        let doc = format!(
            " {} with the adapter's default headers.",
            self.status.map_or("A response".into(), |c| format!("{c}"))
        );
        let headers = (!self.headers.is_empty())
            .then(|| quote! { headers: ::std::default::Default::default(), });
        let (status_param, status_field) = match self.status {
            None => (
                quote! { status: axum::http::StatusCode, },
                quote! { status, },
            ),
            Some(_) => (quote! {}, quote! {}),
        };
        let (body_param, body_field) = match &self.body {
            Some(ty) => (quote! { body: #ty }, quote! { body, }),
            None => (quote! {}, quote! {}),
        };
        quote! {
            #[doc = #doc]
            pub fn #name(#status_param #body_param) -> Self {
                Self::#variant { #status_field #body_field #headers }
            }
        }
    }

    fn response_arm(&self) -> TokenStream {
        let variant = &self.variant;
        let status_binding = self.status.is_none().then(|| quote! { status, });
        let body_binding = self.body.as_ref().map(|_| quote! { body, });
        let headers_binding = (!self.headers.is_empty()).then(|| quote! { headers, });
        let status = match self.status {
            Some(code) => {
                quote! { axum::http::StatusCode::from_u16(#code).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR) }
            }
            None => quote! { status },
        };
        let sets = self.headers.iter().map(|h| {
            let field = &h.field;
            let name = h.name.to_ascii_lowercase();
            quote! {
                if let ::std::option::Option::Some(value) = headers.#field {
                    if let ::std::result::Result::Ok(value) = axum::http::HeaderValue::from_str(&value.to_string()) {
                        out.insert(axum::http::HeaderName::from_static(#name), value);
                    }
                }
            }
        });
        let respond = match (&self.body, &self.media_type) {
            (Some(_), Some(media_type)) => {
                quote! { runtime::respond_json(#status, #media_type, &body, out) }
            }
            _ => quote! { runtime::respond_empty(#status, out) },
        };
        quote! {
            Self::#variant { #status_binding #body_binding #headers_binding } => {
                #[allow(unused_mut)]
                let mut out = axum::http::HeaderMap::new();
                #(#sets)*
                runtime::problem::merge_headers(&mut out, ambient);
                #respond
            }
        }
    }
}

/// The Rust type of a response header's value.
fn header_type(raw: &Value, schema: &Value, type_names: &BTreeSet<String>) -> Result<TokenStream> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        let ident = sanitize(name, true);
        if resolve_ref(raw, reference).is_some() && type_names.contains(&ident) {
            let ident = format_ident!("{}", ident);
            return Ok(quote! { types::#ident });
        }
        bail!("`{reference}` has no generated type");
    }
    let format = schema.get("format").and_then(Value::as_str);
    Ok(match (schema.get("type").and_then(Value::as_str), format) {
        (Some("integer"), Some("int32")) => quote! { i32 },
        (Some("integer"), _) => quote! { i64 },
        (Some("number"), _) => quote! { f64 },
        (Some("boolean"), _) => quote! { bool },
        (Some("string"), Some("date-time")) => quote! { ::chrono::DateTime<::chrono::offset::Utc> },
        (Some("string"), _) | (None, _) => quote! { ::std::string::String },
        (Some(other), _) => bail!("headers of type `{other}` are not supported"),
    })
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote! { ::std::option::Option::Some(#value) },
        None => quote! { ::std::option::Option::None },
    }
}

/// `#[doc]` attributes, one per line, so prettyplease renders `///` lines.
fn doc_lines(text: &str) -> TokenStream {
    let lines = text.trim().lines().map(|line| {
        let line = format!(" {}", line.trim_end());
        quote! { #[doc = #line] }
    });
    quote! { #(#lines)* }
}

fn route(path: &str, methods: &[(String, syn::Ident)]) -> TokenStream {
    let dispatcher = dispatcher_ident(path);
    let _ = methods;
    quote! { .route(#path, axum::routing::any(#dispatcher::<A>)) }
}

fn dispatcher_ident(path: &str) -> syn::Ident {
    let name = sanitize(&format!("path {path}"), false);
    format_ident!("{}", name)
}

fn dispatcher(path: &str, methods: &[(String, syn::Ident)]) -> TokenStream {
    let ident = dispatcher_ident(path);
    let allow = methods
        .iter()
        .map(|(m, _)| m.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let arms = methods.iter().map(|(method, name)| {
        let handler = format_ident!("handle_{}", name);
        quote! { #method => #handler(&*api, raw, raw_body).await, }
    });
    let doc = format!(" Dispatches `{path}` by method; others get 405 with `Allow: {allow}`.");
    quote! {
        #[doc = #doc]
        async fn #ident<A: Api>(
            axum::extract::State(api): axum::extract::State<::std::sync::Arc<A>>,
            raw: runtime::RawRequest,
            body: ::std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
        ) -> axum::response::Response {
            let raw_body: runtime::RawBody = body.map_err(|rejection| rejection.body_text());
            match raw.method.as_str() {
                #(#arms)*
                _ => runtime::gate::method_not_allowed(&raw.method, #allow),
            }
        }
    }
}
