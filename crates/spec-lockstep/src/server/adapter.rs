//! `adapter.rs`: the operations' declarations, which the runtime
//! interprets for every request — per operation one `static`
//! `OperationSpec` (parameters, body, responses with their headers,
//! security) and the response enum's `Responses` impl — and the router
//! that registers each operation with the runtime in one call.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Doc, Header, Op, Param, Resp};
use crate::model::{BodyEncoding, BodyKind, Location, SchemeKind, Status};
use crate::types::ParamType;
use crate::vocab;
use crate::vocab::Shape;

pub(super) fn tokens(doc: &Doc<'_>) -> TokenStream {
    let runtime = &doc.runtime;
    let module_doc = format!(
        " The declarations of {}: per operation, how the document declares it (an \
         `OperationSpec`, which the runtime interprets for every request) and which declared \
         response each variant of its response enum is. Nothing here is meant to be called by \
         a backend except [`router`], [`fallback`] and [`serve`].",
        doc.model.title
    );
    let api_spec = api_spec(doc);
    let registrations = doc.operations.iter().map(registration);
    let tables = HeaderTables::new(doc);
    let schemas = SchemaTable::new(doc);
    let operations = doc
        .operations
        .iter()
        .map(|op| operation(op, &tables, &schemas, doc));
    let header_tables = tables.statics();
    let schema_consts = schemas.consts();
    let gate = gate(doc);
    quote! {
        #![doc = #module_doc]

        use ::#runtime as runtime;
        use runtime::declare as rt;
        use runtime::reexports::axum;
        use super::api::*;

        /// An axum router that serves every operation of the document on
        /// `api`, at the document's paths (nest it under the server's base
        /// path, or take [`router_at`]). A path the document does not have
        /// gets 404 and a method it does not declare 405 with `Allow`, both
        /// as the document's problems; `HEAD` is answered like `GET`,
        /// without the body. Every request gets an ID (`X-Request-Id`, kept
        /// when the client sends a well-formed one), echoed and written into
        /// problem bodies.
        pub fn router<A: Api>(api: ::std::sync::Arc<A>) -> axum::Router {
            routes(api).build()
        }

        /// [`router`] with every path under `base_path` (the path of the
        /// server's URL, e.g. `/v1`), routed in one step: merge it into an
        /// application (`app.merge(router_at("/v1", api))`) instead of
        /// nesting [`router`], whose prefix strip rebuilds every request's
        /// URI. Any other path gets the document's 404.
        pub fn router_at<A: Api>(base_path: &str, api: ::std::sync::Arc<A>) -> axum::Router {
            routes(api).build_at(base_path)
        }

        /// Every operation, registered.
        fn routes<A: Api>(api: ::std::sync::Arc<A>) -> rt::Routes<Gate<A>> {
            rt::Routes::new(&API, Gate(api))
                #(#registrations)*
        }

        /// 404 as the document's problem, for a path it does not have (use it
        /// as the fallback of an application that nests [`router`]).
        pub async fn fallback(uri: axum::extract::OriginalUri) -> axum::response::Response {
            rt::not_found(&API, uri.path())
        }

        /// Serves `app` ([`router`] nested under the server's base path,
        /// with [`fallback`]) on `listener` until `shutdown` completes,
        /// within `limits`: header-read and idle timeouts, a connection cap
        /// and size limits, whose refusals are problem+json (see
        /// `runtime::serve`).
        pub async fn serve(
            listener: runtime::reexports::tokio::net::TcpListener,
            app: axum::Router,
            limits: runtime::Limits,
            shutdown: impl ::std::future::Future<Output = ()> + ::std::marker::Send + 'static,
        ) -> ::std::io::Result<()> {
            runtime::serve(listener, app, &API, limits, shutdown).await
        }

        #api_spec

        #(#operations)*

        #(#header_tables)*

        #(#schema_consts)*

        impl rt::Document for Document {
            fn api() -> &'static rt::ApiSpec {
                &API
            }
        }

        #gate
    }
}

/// The backend behind its hooks, as the runtime calls them: the document's
/// `Hooks` when it has security; for a document without, nobody is
/// authenticated and the rate limit is the backend's only if the document
/// requires its figures.
fn gate(doc: &Doc<'_>) -> TokenStream {
    let (principal, authenticate, rate_limit) = if doc.secured() {
        (
            quote! { A::Principal },
            quote! { self.0.authenticate(credential) },
            quote! {
                let decided = self.0.rate_limit(principal, operation_id);
                async move { decided.await.into() }
            },
        )
    } else {
        let rate_limit = match doc.requires_rate_limits() {
            Some(_) => quote! {
                let _ = principal;
                let decided = self.0.rate_limit(operation_id);
                async move { decided.await.into() }
            },
            None => quote! {
                let _ = (principal, operation_id);
                async { runtime::RateLimit::Unlimited }
            },
        };
        (
            quote! { rt::Anonymous },
            quote! {
                let _ = credential;
                async { ::std::result::Result::Err(runtime::AuthError::new("This API has no security.")) }
            },
            rate_limit,
        )
    };
    quote! {
        /// The backend behind its hooks, as the runtime calls them.
        struct Gate<A>(::std::sync::Arc<A>);

        impl<A: Api> rt::Gatekeeper for Gate<A> {
            type Principal = #principal;

            fn authenticate(
                &self,
                credential: &runtime::Credential,
            ) -> impl ::std::future::Future<
                Output = ::std::result::Result<#principal, runtime::AuthError>,
            > + Send {
                #authenticate
            }

            fn rate_limit(
                &self,
                principal: ::std::option::Option<&#principal>,
                operation_id: &'static str,
            ) -> impl ::std::future::Future<Output = runtime::RateLimit> + Send {
                #rate_limit
            }
        }
    }
}

/// `.secured(&SPEC, |gate, principal, request| ...)`: the operation's one
/// line in the router.
fn registration(op: &Op<'_>) -> TokenStream {
    let spec = op.spec_ident();
    let name = &op.fn_name;
    match (op.model.secured(), op.model.auth_optional()) {
        (false, _) => quote! {
            .public(&#spec, |gate, request| async move { gate.0.#name(request).await })
        },
        (true, optional) => {
            let how = if optional {
                format_ident!("optional")
            } else {
                format_ident!("secured")
            };
            quote! {
                .#how(&#spec, |gate, principal, request| async move {
                    gate.0.#name(principal, request).await
                })
            }
        }
    }
}

fn api_spec(doc: &Doc<'_>) -> TokenStream {
    let title = &doc.model.title;
    let problems = doc
        .model
        .conventions
        .problem_details
        .iter()
        .map(|(s, text)| {
            let situation = vocab::situation(*s);
            let mut tokens = quote! { rt::ProblemText::of(#situation) };
            if let Some(type_uri) = &text.type_uri {
                tokens.extend(quote! { .type_uri(#type_uri) });
            }
            if let Some(title) = &text.title {
                tokens.extend(quote! { .title(#title) });
            }
            if let Some(detail) = &text.detail {
                tokens.extend(quote! { .detail(#detail) });
            }
            tokens
        });
    let usual = doc
        .problem_type
        .as_ref()
        .and_then(|ty| doc.error_bodies.get(&ty.to_string()));
    let problem = match usual {
        Some(body) => {
            let encoder = body.encoder();
            quote! { Some(#encoder) }
        }
        None => quote! { None },
    };
    // The usual error body answers what no operation declares, unless it
    // is problem+json as it is (the runtime's own answer then).
    let usual_error = match usual {
        Some(body)
            if !(body.shape == super::error_shape::Shape::Problem
                && body
                    .media_type
                    .eq_ignore_ascii_case("application/problem+json")) =>
        {
            let media_type = &body.media_type;
            let encoder = body.encoder();
            quote! { Some(rt::ErrorBody::new(#media_type, #encoder)) }
        }
        _ => quote! { None },
    };
    let schemes = doc.model.security_schemes.values().filter_map(|scheme| {
        let name = &scheme.name;
        Some(match &scheme.kind {
            SchemeKind::HttpBearer { .. }
            | SchemeKind::OAuth2 { .. }
            | SchemeKind::OpenIdConnect { .. } => quote! { rt::SchemeSpec::bearer(#name) },
            SchemeKind::HttpBasic => quote! { rt::SchemeSpec::basic(#name) },
            SchemeKind::ApiKey {
                location,
                name: key,
            } => {
                // The vocabulary's variant, by its name.
                let variant = format_ident!("{}", location.name());
                quote! { rt::SchemeSpec::api_key(#name, rt::KeyLocation::#variant, #key) }
            }
            SchemeKind::HttpOther { .. } => return None,
        })
    });
    quote! {
        /// What the document says for every operation: its problem texts
        /// (`x-problem-details`) and security schemes.
        static API: rt::ApiSpec = rt::ApiSpec {
            title: #title,
            problems: &[#(#problems),*],
            schemes: &[#(#schemes),*],
            problem: #problem,
            usual_error: #usual_error,
        };
    }
}

/// The self-contained JSON Schema a parameter is validated against, as text.
fn param_schema(p: &Param<'_>) -> String {
    serde_json::to_string(
        p.model
            .schema
            .json_schema
            .as_deref()
            .unwrap_or(&serde_json::Value::Bool(true)),
    )
    .unwrap_or_default()
}

/// `rt::ParamSpec::query("name", "field", rt::Kind::String).schema("…")`.
fn param_spec(p: &Param<'_>, schemas: &SchemaTable) -> TokenStream {
    let model = p.model;
    let name = &model.name;
    let field = p.field.to_string();
    let constructor = format_ident!("{}", model.location.as_str());
    let kind = vocab::kind(p.kind);
    let mut tokens = quote! { rt::ParamSpec::#constructor(#name, #field, #kind) };
    if model.required && model.location != Location::Path {
        tokens.extend(quote! { .required() });
    }
    if p.shape != Shape::Scalar {
        let shape = vocab::shape(p.shape);
        tokens.extend(quote! { .shape(#shape) });
        // Not a `Vec` (a fixed-size array, an enum of arrays): the field
        // is an `Option`, so an absent one is `None`, not `[]`.
        if matches!(p.ty, ParamType::Scalar(_)) {
            tokens.extend(quote! { .absent_is_none() });
        }
    }
    let schema = schemas.text(&param_schema(p));
    tokens.extend(quote! { .schema(#schema) });
    if let Some(hint) = model.schema.hint() {
        tokens.extend(quote! { .hint(#hint) });
    }
    if let Some((min, max)) = integer_range(p) {
        let (min, max) = (Literal::i128_unsuffixed(min), Literal::i128_unsuffixed(max));
        tokens.extend(quote! { .range(#min, #max) });
    }
    tokens
}

/// The integers an integer parameter's Rust type (or its items' type)
/// holds, when it is one of Rust's integer types; `None` for a newtype,
/// whose own checks answer.
fn integer_range(p: &Param<'_>) -> Option<(i128, i128)> {
    if p.kind != crate::vocab::Kind::Integer {
        return None;
    }
    let ty = match &p.ty {
        ParamType::Scalar(ty) | ParamType::Array(ty) => ty.to_string(),
    };
    let name = ty.rsplit("::").next()?.trim();
    let (min, max): (i128, i128) = match name {
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" => (i64::MIN.into(), i64::MAX.into()),
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        "NonZeroU8" => (1, u8::MAX.into()),
        "NonZeroU16" => (1, u16::MAX.into()),
        "NonZeroU32" => (1, u32::MAX.into()),
        "NonZeroU64" => (1, u64::MAX.into()),
        _ => return None,
    };
    // Within that, the document's own bounds: a refusal says "from 1 to
    // 100" where the document says so, not the Rust type's range.
    let constraints = match &p.ty {
        ParamType::Scalar(_) => &p.model.schema.constraints,
        ParamType::Array(_) => return Some((min, max)),
    };
    let whole = |bound: &crate::model::Bound, up: bool| -> Option<i128> {
        let value = if up {
            bound.value.ceil()
        } else {
            bound.value.floor()
        };
        if !value.is_finite() || value.abs() > 1e38 {
            return None;
        }
        let value = value as i128;
        let at_limit = bound.exclusive && bound.value.fract() == 0.0;
        Some(match (at_limit, up) {
            (true, true) => value + 1,
            (true, false) => value - 1,
            (false, _) => value,
        })
    };
    let min = constraints
        .minimum
        .as_ref()
        .and_then(|b| whole(b, true))
        .map_or(min, |doc| doc.max(min));
    let max = constraints
        .maximum
        .as_ref()
        .and_then(|b| whole(b, false))
        .map_or(max, |doc| doc.min(max));
    (min <= max).then_some((min, max))
}

fn operation(
    op: &Op<'_>,
    tables: &HeaderTables,
    schemas: &SchemaTable,
    document: &Doc<'_>,
) -> TokenStream {
    let model = op.model;
    let spec = op.spec_ident();
    let response = op.response_ident();
    let id = &model.id;
    let method = model.method.as_str();
    let path = &model.path;
    let produces = model.produces();
    let params = op.params.iter().map(|p| param_spec(p, schemas));
    let security = model.security.iter().map(|requirement| {
        let uses = requirement.schemes.iter().map(|u| {
            let scheme = &u.scheme;
            let scopes = &u.scopes;
            quote! { (#scheme, &[#(#scopes),*]) }
        });
        quote! { &[#(#uses),*] }
    });
    let body = op.body.as_ref().map(|body| {
        let required = body.required;
        let schema = schemas.text(&body.schema);
        let mut tokens =
            quote! { body: Some(rt::BodySpec { required: #required, schema: #schema }), };
        if !body.consumes.is_empty() {
            let media = body.consumes.iter().map(|(media_type, encoding)| {
                let constructor = match encoding {
                    BodyEncoding::Json => format_ident!("json"),
                    BodyEncoding::Form => format_ident!("form"),
                    BodyEncoding::Text => format_ident!("text"),
                    BodyEncoding::Multipart => format_ident!("multipart"),
                    BodyEncoding::Binary => format_ident!("binary"),
                };
                quote! { rt::MediaSpec::#constructor(#media_type) }
            });
            tokens.extend(quote! { consumes: &[#(#media),*], });
        }
        tokens
    });
    let version = op.params.iter().find(|p| p.model.api_version).map(|p| {
        let name = &p.model.name;
        quote! { version: Some(#name), }
    });
    let responses = op
        .responses
        .iter()
        .map(|r| response_spec(r, tables, document));
    let arms = op
        .responses
        .iter()
        .enumerate()
        .map(|(index, r)| reply_arm(index, r));
    let doc = format!(" `{method} {path}` (`{id}`) as the document declares it.");
    let mut fields = quote! { id: #id, method: #method, path: #path, };
    if !produces.is_empty() {
        fields.extend(quote! { produces: &[#(#produces),*], });
    }
    if !model.security.is_empty() {
        fields.extend(quote! { security: &[#(#security),*], });
    }
    if !op.params.is_empty() {
        fields.extend(quote! { params: &[#(#params),*], });
    }
    fields.extend(body);
    fields.extend(version);
    quote! {
        #[doc = #doc]
        static #spec: rt::OperationSpec = rt::OperationSpec {
            #fields
            responses: &[#(#responses),*],
            ..rt::OperationSpec::of(&API)
        };

        impl rt::Responses for #response {
            const OPERATION: &'static rt::OperationSpec = &#spec;

            fn reply(&self) -> rt::Reply<'_> {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

/// `rt::ResponseSpec::code(200, Some("application/json"), &HEADERS_1)`.
fn response_spec(r: &Resp<'_>, tables: &HeaderTables, doc: &Doc<'_>) -> TokenStream {
    let usual = doc.problem_type.as_ref().map(ToString::to_string);
    let media_type = match &r.body {
        Some((_, media)) => quote! { Some(#media) },
        None => quote! { None },
    };
    let headers = match tables.ident(r) {
        Some(ident) => quote! { &#ident },
        None => quote! { &[] },
    };
    let mut tokens = match r.model.status {
        Status::Code(code) => {
            let code = Literal::u16_unsuffixed(code);
            quote! { rt::ResponseSpec::code(#code, #media_type, #headers) }
        }
        Status::Range(class) => {
            let class = Literal::u8_unsuffixed(class);
            quote! { rt::ResponseSpec::range(#class, #media_type, #headers) }
        }
        Status::Default => quote! { rt::ResponseSpec::otherwise(#media_type, #headers) },
    };
    match &r.body {
        Some((ty, _)) if r.model.status.is_error() && r.typed && usual != Some(ty.to_string()) => {
            let encoder = match doc.error_bodies.get(&ty.to_string()) {
                Some(body) => body.encoder(),
                None => quote! { rt::typed_problem::<#ty> },
            };
            tokens.extend(quote! { .problem(#encoder) });
        }
        _ => {}
    }
    tokens
}

/// `Self::Ok { body, headers } => rt::Reply::new(0).body(body).headers(headers),`
fn reply_arm(index: usize, r: &Resp<'_>) -> TokenStream {
    let variant = &r.variant;
    let mut bindings = Vec::new();
    let mut parts = TokenStream::new();
    if r.status.is_none() {
        bindings.push(quote! { status });
        parts.extend(quote! { .status(*status) });
    }
    match r.kind {
        None => {}
        Some(BodyKind::Json) => {
            bindings.push(quote! { body });
            parts.extend(quote! { .body(body) });
        }
        Some(BodyKind::Text) => {
            bindings.push(quote! { body });
            parts.extend(quote! { .text(body) });
        }
        Some(BodyKind::Bytes) => {
            bindings.push(quote! { body });
            parts.extend(quote! { .binary(body) });
        }
        Some(BodyKind::EventStream) => {
            bindings.push(quote! { body });
            parts.extend(quote! { .events(body) });
        }
    }
    if r.headers_struct.is_some() {
        bindings.push(quote! { headers });
        parts.extend(quote! { .headers(headers) });
    }
    let index = Literal::usize_unsuffixed(index);
    if r.status.is_none() || r.kind != Some(BodyKind::Json) || r.headers_struct.is_none() {
        quote! { Self::#variant { #(#bindings),* } => rt::Reply::new(#index) #parts, }
    } else {
        quote! { Self::#variant { body, headers } => rt::Reply::with(#index, body, headers), }
    }
}

/// The header tables of the responses, one `static` per distinct table.
/// The JSON Schemas the operations validate against, each one used more
/// than once written once, as a `const`: in a large document one component
/// is the body or a parameter of hundreds of operations, and its
/// self-contained schema can be much of the document (Microsoft Graph's
/// adapter was 140 MB, 108 MB of it the same 177 schemas over and over).
struct SchemaTable {
    /// Schema text → how often it is used, and its `const` when it has one.
    uses: BTreeMap<String, (usize, Option<Ident>)>,
}

impl SchemaTable {
    fn new(doc: &Doc<'_>) -> Self {
        let mut uses: BTreeMap<String, (usize, Option<Ident>)> = BTreeMap::new();
        let mut order = Vec::new();
        for op in &doc.operations {
            let texts = op
                .params
                .iter()
                .map(param_schema)
                .chain(op.body.as_ref().map(|b| b.schema.clone()));
            for text in texts {
                let entry = uses.entry(text.clone()).or_default();
                entry.0 += 1;
                if entry.0 == 2 {
                    order.push(text);
                }
            }
        }
        for (n, text) in order.iter().enumerate() {
            if let Some(entry) = uses.get_mut(text) {
                entry.1 = Some(format_ident!("SCHEMA_{}", n + 1));
            }
        }
        Self { uses }
    }

    /// The schema as the spec writes it: its `const`, or the text itself.
    fn text(&self, schema: &str) -> TokenStream {
        match self.uses.get(schema) {
            Some((_, Some(ident))) => quote! { #ident },
            _ => quote! { #schema },
        }
    }

    fn consts(&self) -> Vec<TokenStream> {
        let mut consts: Vec<_> = self
            .uses
            .iter()
            .filter_map(|(text, (_, ident))| Some((ident.as_ref()?, text)))
            .collect();
        consts.sort_by_key(|(ident, _)| {
            ident.to_string()["SCHEMA_".len()..]
                .parse::<usize>()
                .unwrap_or_default()
        });
        consts
            .into_iter()
            .map(|(ident, text)| {
                quote! {
                    /// A JSON Schema that more than one parameter or body is validated against.
                    const #ident: &str = #text;
                }
            })
            .collect()
    }
}

struct HeaderTables {
    /// Table tokens → its ident, tokens and length.
    tables: BTreeMap<String, (Ident, TokenStream, usize)>,
}

impl HeaderTables {
    fn new(doc: &Doc<'_>) -> Self {
        let mut tables = BTreeMap::new();
        for r in doc.operations.iter().flat_map(|o| &o.responses) {
            if r.headers.is_empty() {
                continue;
            }
            let entries = r.headers.iter().map(header_spec);
            let table = quote! { #(#entries),* };
            let next = tables.len() + 1;
            tables
                .entry(table.to_string())
                .or_insert_with(|| (format_ident!("HEADERS_{}", next), table, r.headers.len()));
        }
        Self { tables }
    }

    fn ident(&self, r: &Resp<'_>) -> Option<&Ident> {
        if r.headers.is_empty() {
            return None;
        }
        let entries = r.headers.iter().map(header_spec);
        let table = quote! { #(#entries),* };
        self.tables
            .get(&table.to_string())
            .map(|(ident, _, _)| ident)
    }

    fn statics(&self) -> Vec<TokenStream> {
        let mut tables: Vec<_> = self.tables.values().collect();
        tables.sort_by_key(|(ident, _, _)| {
            ident.to_string()["HEADERS_".len()..]
                .parse::<usize>()
                .unwrap_or_default()
        });
        tables
            .into_iter()
            .map(|(ident, table, len)| {
                let len = Literal::usize_unsuffixed(*len);
                quote! {
                    /// Response headers, in the order of their struct's fields.
                    static #ident: [rt::HeaderSpec; #len] = [#table];
                }
            })
            .collect()
    }
}

/// `rt::HeaderSpec::filled("x-ratelimit-limit", rt::Role::RateLimitLimit, true)`.
fn header_spec(h: &Header<'_>) -> TokenStream {
    let name = &h.lower;
    let required = h.required;
    match h.role {
        Some(role) => {
            let role = vocab::role(role);
            quote! { rt::HeaderSpec::filled(#name, #role, #required) }
        }
        None => quote! { rt::HeaderSpec::new(#name, #required) },
    }
}
