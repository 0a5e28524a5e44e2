//! `adapter.rs`: the axum router and everything it does for each
//! operation — the document's declarations as runtime `static`s, parsing,
//! the gate, routing, and encoding responses with their headers.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{allow, option_str, snake, Doc, Header, Op, Param, Resp, ScalarKind, Shape};
use crate::model::{
    ApiKeyLocation, HeaderRole, Location, Method, ProblemSituation, SchemeKind, Status,
};
use crate::types::ParamType;

pub(super) fn tokens(doc: &Doc<'_>) -> TokenStream {
    let runtime = &doc.runtime;
    let module_doc = format!(
        " The axum adapter of {}: routing, the document's declarations as runtime \
         statics, parsing and validation, the gate (see `runtime::gate`), and encoding. \
         Nothing here is meant to be called by a backend except [`router`] and [`fallback`].",
        doc.model.title
    );
    let api_spec = api_spec(doc);
    let mut paths: BTreeMap<&str, Vec<&Op<'_>>> = BTreeMap::new();
    let mut order = Vec::new();
    for op in &doc.operations {
        if !paths.contains_key(op.model.path.as_str()) {
            order.push(op.model.path.as_str());
        }
        paths.entry(&op.model.path).or_default().push(op);
    }
    let routes = order.iter().map(|path| {
        let dispatcher = dispatcher_ident(path);
        quote! { .route(#path, axum::routing::any(#dispatcher::<A>)) }
    });
    let dispatchers = order.iter().map(|path| dispatcher(path, &paths[path]));
    let operations = doc.operations.iter().map(operation);
    let mut header_writers = BTreeMap::new();
    for response in doc.operations.iter().flat_map(|o| &o.responses) {
        if let Some(ident) = &response.headers_struct {
            header_writers
                .entry(ident.to_string())
                .or_insert_with(|| headers_writer(response));
        }
    }
    let header_writers = header_writers.into_values();
    quote! {
        #![doc = #module_doc]

        #[allow(unused_imports)]
        use ::#runtime as runtime;
        #[allow(unused_imports)]
        use runtime::reexports::axum;
        #[allow(unused_imports)]
        use super::api::*;

        /// An axum router that serves every operation of the document on
        /// `api`, at the document's paths (nest it under the server's base
        /// path). A path the document does not have gets 404 and a method it
        /// does not declare 405 with `Allow`, both as the document's problems;
        /// `HEAD` is answered like `GET`, without the body. Every request
        /// gets an ID (`X-Request-Id`, kept when the client sends a
        /// well-formed one), echoed and written into problem bodies.
        pub fn router<A: Api>(api: ::std::sync::Arc<A>) -> axum::Router {
            axum::Router::new()
                #(#routes)*
                .fallback(fallback)
                .with_state(api)
                .layer(axum::middleware::from_fn(runtime::request_id::layer))
        }

        /// The problem of a situation with the document's texts.
        pub(crate) fn problem(situation: runtime::Situation, values: &[(&str, &str)]) -> runtime::Problem {
            runtime::Problem::of(::std::option::Option::Some(&API), situation, values)
        }

        /// 404 as the document's problem, for a path it does not have (use it
        /// as the fallback of an application that nests [`router`]).
        pub async fn fallback(uri: axum::extract::OriginalUri) -> axum::response::Response {
            runtime::gate::not_found(&API, uri.path())
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

        #(#dispatchers)*

        #(#operations)*

        #(#header_writers)*

        /// The backend's hooks, as the gate calls them.
        struct Gate<'a, A>(&'a A);

        impl<A: Api> runtime::Gatekeeper for Gate<'_, A> {
            type Principal = A::Principal;

            fn authenticate(
                &self,
                credential: &runtime::Credential,
            ) -> impl ::std::future::Future<
                Output = ::std::result::Result<A::Principal, runtime::AuthError>,
            > + Send {
                self.0.authenticate(credential)
            }

            fn rate_limit(
                &self,
                principal: ::std::option::Option<&A::Principal>,
                operation_id: &'static str,
            ) -> impl ::std::future::Future<Output = runtime::RateLimit> + Send {
                let decided = self.0.rate_limit(principal, operation_id);
                async move { runtime::RateLimit::from(decided.await) }
            }
        }
    }
}

fn situation(s: ProblemSituation) -> TokenStream {
    let ident = format_ident!("{}", format!("{s:?}"));
    quote! { runtime::Situation::#ident }
}

fn api_spec(doc: &Doc<'_>) -> TokenStream {
    let title = &doc.model.title;
    let problems = doc.model.conventions.problem_details.iter().map(|(s, text)| {
        let situation = situation(*s);
        let type_uri = option_str(text.type_uri.as_deref());
        let title = option_str(text.title.as_deref());
        let detail = option_str(text.detail.as_deref());
        quote! {
            (#situation, runtime::ProblemText { type_uri: #type_uri, title: #title, detail: #detail })
        }
    });
    let schemes = doc.model.security_schemes.values().filter_map(|scheme| {
        let name = &scheme.name;
        let kind = match &scheme.kind {
            SchemeKind::HttpBearer { .. }
            | SchemeKind::OAuth2 { .. }
            | SchemeKind::OpenIdConnect { .. } => {
                quote! { runtime::SchemeKind::Bearer }
            }
            SchemeKind::HttpBasic => quote! { runtime::SchemeKind::Basic },
            SchemeKind::ApiKey { location, name } => {
                let location = match location {
                    ApiKeyLocation::Header => quote! { runtime::KeyLocation::Header },
                    ApiKeyLocation::Query => quote! { runtime::KeyLocation::Query },
                    ApiKeyLocation::Cookie => quote! { runtime::KeyLocation::Cookie },
                };
                quote! { runtime::SchemeKind::ApiKey { location: #location, name: #name } }
            }
            SchemeKind::HttpOther { .. } => return None,
        };
        Some(quote! { runtime::SchemeSpec { name: #name, kind: #kind } })
    });
    quote! {
        /// What the document says for every operation: its problem texts
        /// (`x-problem-details`) and security schemes.
        static API: runtime::ApiSpec = runtime::ApiSpec {
            title: #title,
            problems: &[#(#problems),*],
            schemes: &[#(#schemes),*],
        };
    }
}

fn dispatcher_ident(path: &str) -> proc_macro2::Ident {
    format_ident!("{}", snake(&format!("path {path}")))
}

fn dispatcher(path: &str, ops: &[&Op<'_>]) -> TokenStream {
    let ident = dispatcher_ident(path);
    let methods: Vec<Method> = ops.iter().map(|o| o.model.method).collect();
    let allow = allow(&methods);
    let mut arms: Vec<TokenStream> = ops
        .iter()
        .map(|op| {
            let method = op.model.method.as_str();
            let handler = format_ident!("handle_{}", op.fn_name);
            quote! { #method => #handler(&*api, raw, raw_body).await, }
        })
        .collect();
    if let Some(get) = ops.iter().find(|o| o.model.method == Method::Get) {
        if !methods.contains(&Method::Head) {
            let handler = format_ident!("handle_{}", get.fn_name);
            arms.push(
                quote! { "HEAD" => runtime::gate::head(#handler(&*api, raw, raw_body).await), },
            );
        }
    }
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
                _ => runtime::gate::method_not_allowed(&API, &raw.method, #allow),
            }
        }
    }
}

fn param_spec(p: &Param<'_>) -> TokenStream {
    let model = p.model;
    let ident = &p.spec;
    let name = &model.name;
    let location = match model.location {
        Location::Query => quote! { runtime::Location::Query },
        Location::Header => quote! { runtime::Location::Header },
        Location::Path => quote! { runtime::Location::Path },
        Location::Cookie => quote! { runtime::Location::Cookie },
    };
    let kind = match p.kind {
        ScalarKind::String => quote! { runtime::Kind::String },
        ScalarKind::Integer => quote! { runtime::Kind::Integer },
        ScalarKind::Number => quote! { runtime::Kind::Number },
        ScalarKind::Boolean => quote! { runtime::Kind::Boolean },
    };
    let shape = match p.shape {
        Shape::Scalar => quote! { runtime::Shape::Scalar },
        Shape::Exploded => quote! { runtime::Shape::Exploded },
        Shape::CommaSeparated => quote! { runtime::Shape::CommaSeparated },
    };
    let required = model.required || model.location == Location::Path;
    let schema = serde_json::to_string(
        model
            .schema
            .json_schema
            .as_ref()
            .unwrap_or(&serde_json::Value::Bool(true)),
    )
    .unwrap_or_default();
    let default = option_str(
        model
            .schema
            .default
            .as_ref()
            .map(|d| d.to_string())
            .as_deref(),
    );
    let hint = option_str((model.schema.format.as_deref() == Some("date-time")).then_some(
        "Use an RFC 3339 date-time such as 2024-04-17T09:39:45Z; percent-encode a `+` in an offset as %2B.",
    ));
    let doc = format!(
        " The {} parameter `{name}` as the document declares it.",
        model.location
    );
    quote! {
        #[doc = #doc]
        static #ident: runtime::ParamSpec = runtime::ParamSpec {
            name: #name,
            location: #location,
            kind: #kind,
            shape: #shape,
            required: #required,
            schema: #schema,
            default: #default,
            hint: #hint,
            compiled: runtime::Compiled::new(),
        };
    }
}

/// The text a header carries for a JSON value (`2`, `v1`).
fn header_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn operation(op: &Op<'_>) -> TokenStream {
    let model = op.model;
    let spec = op.spec_ident();
    let request = op.request_ident();
    let response = op.response_ident();
    let name = &op.fn_name;
    let handler = format_ident!("handle_{}", op.fn_name);
    let answer = format_ident!("answer_{}", op.fn_name);
    let parse = format_ident!("parse_{}", op.fn_name);
    let id = &model.id;
    let method = model.method.as_str();
    let path = &model.path;
    let produces = model.produces();
    let param_specs = op.params.iter().map(param_spec);
    let spec_refs = op.params.iter().map(|p| {
        let ident = &p.spec;
        quote! { &#ident }
    });

    let version_ident = format_ident!("{}_VERSION", spec);
    let (version_static, version) = match op.params.iter().find(|p| p.model.api_version) {
        None => (quote! {}, quote! { ::std::option::Option::None }),
        Some(p) => {
            let param = &p.spec;
            let values: Vec<String> = p.model.schema.enum_values.iter().map(header_text).collect();
            let default = option_str(p.model.schema.default.as_ref().map(header_text).as_deref());
            (
                quote! {
                    /// The header that selects the API version, and the versions there are.
                    static #version_ident: runtime::VersionSpec = runtime::VersionSpec {
                        param: &#param,
                        values: &[#(#values),*],
                        default: #default,
                    };
                },
                quote! { ::std::option::Option::Some(&#version_ident) },
            )
        }
    };

    let security = model.security.iter().map(|requirement| {
        let uses = requirement.schemes.iter().map(|u| {
            let scheme = &u.scheme;
            let scopes = &u.scopes;
            quote! { (#scheme, &[#(#scopes),*]) }
        });
        quote! { &[#(#uses),*] }
    });

    let reads = op.params.iter().map(|p| {
        let field = &p.field;
        let ident = &p.spec;
        let read = match &p.ty {
            ParamType::Array(item) => quote! { raw.array::<#item>(&mut errors, &#ident) },
            ParamType::Scalar(ty) if p.always_present() => {
                quote! { raw.required::<#ty>(&mut errors, &#ident) }
            }
            ParamType::Scalar(ty) => quote! { raw.optional::<#ty>(&mut errors, &#ident) },
        };
        quote! { let #field = #read; }
    });
    let body_spec_ident = format_ident!("{}_BODY", spec);
    let (body_spec, body_read) = match &op.body {
        None => (quote! {}, quote! { let _ = raw_body; }),
        Some(body) => {
            let ty = &body.ty;
            let required = body.required;
            let schema = &body.schema;
            let read = if required {
                quote! { raw.required_body::<#ty>(&mut errors, &#body_spec_ident, raw_body) }
            } else {
                quote! { raw.optional_body::<#ty>(&mut errors, &#body_spec_ident, raw_body) }
            };
            (
                quote! {
                    /// The request body as the document declares it.
                    static #body_spec_ident: runtime::BodySpec = runtime::BodySpec {
                        required: #required,
                        schema: #schema,
                        compiled: runtime::Compiled::new(),
                    };
                },
                quote! { let body = #read; },
            )
        }
    };
    let body_ident = format_ident!("body");
    let names: Vec<&proc_macro2::Ident> = op
        .params
        .iter()
        .map(|p| &p.field)
        .chain(op.body.as_ref().map(|_| &body_ident))
        .collect();

    let call = match (model.secured(), model.auth_optional()) {
        (false, _) => quote! { api.#name(request).await },
        (true, true) => quote! { api.#name(principal, request).await },
        (true, false) => quote! {
            let ::std::option::Option::Some(principal) = principal else {
                // The gate admits a secured operation only with a principal.
                let problem = context.problem(runtime::Situation::Unauthenticated, &[]);
                return #response::from_problem(&problem)
                    .map(|typed| typed.into_http(context))
                    .unwrap_or_else(|| runtime::gate::respond_problem(&problem, context));
            };
            api.#name(principal, request).await
        },
    };
    let from_problem = from_problem(op);
    let into_http = into_http(op);

    quote! {
        #(#param_specs)*
        #body_spec
        #version_static

        /// How the document declares this operation.
        static #spec: runtime::OperationSpec = runtime::OperationSpec {
            api: &API,
            id: #id,
            method: #method,
            path: #path,
            produces: &[#(#produces),*],
            security: &[#(#security),*],
            params: &[#(#spec_refs),*],
            version: #version,
        };

        fn #parse(
            raw: &runtime::RawRequest,
            raw_body: &runtime::RawBody,
        ) -> ::std::result::Result<#request, runtime::ParamErrors> {
            #[allow(unused_mut)]
            let mut errors = runtime::ParamErrors::default();
            #(#reads)*
            #body_read
            let (#(::std::option::Option::Some(#names),)*) = (#(#names,)*) else {
                return ::std::result::Result::Err(errors);
            };
            ::std::result::Result::Ok(#request { #(#names),* })
        }

        /// Answers a request to the operation, in its span, with its metrics.
        async fn #handler<A: Api>(
            api: &A,
            raw: runtime::RawRequest,
            raw_body: runtime::RawBody,
        ) -> axum::response::Response {
            use runtime::reexports::tracing::Instrument;
            let mut context = runtime::Context::new(&#spec);
            let observation = runtime::observe::Observation::start(&#spec);
            let response = #answer(api, raw, raw_body, &mut context)
                .instrument(observation.span().clone())
                .await;
            observation.finish(&response, &context);
            response
        }

        async fn #answer<A: Api>(
            api: &A,
            raw: runtime::RawRequest,
            raw_body: runtime::RawBody,
            context: &mut runtime::Context,
        ) -> axum::response::Response {
            let parsed = #parse(&raw, &raw_body);
            #[allow(unused_variables)]
            let (principal, request) =
                match runtime::admit(&Gate(api), &#spec, &raw, parsed, context).await {
                    ::std::result::Result::Ok(admitted) => admitted,
                    ::std::result::Result::Err(problem) => {
                        return #response::from_problem(&problem)
                            .map(|typed| typed.into_http(context))
                            .unwrap_or_else(|| runtime::gate::respond_problem(&problem, context));
                    }
                };
            let result = { #call };
            match result {
                ::std::result::Result::Ok(response) => response.into_http(context),
                ::std::result::Result::Err(error) => {
                    match runtime::gate::failure(context, &error, #response::from_problem) {
                        ::std::result::Result::Ok(typed) => typed.into_http(context),
                        ::std::result::Result::Err(problem) => {
                            runtime::gate::respond_problem(&problem, context)
                        }
                    }
                }
            }
        }

        #from_problem
        #into_http
    }
}

/// `from_problem`: the declared error response for a problem the adapter
/// answers by itself (exact status, else its range, else `default`), with
/// the problem as its body.
fn from_problem(op: &Op<'_>) -> TokenStream {
    let response = op.response_ident();
    let buildable = |r: &&Resp<'_>| r.model.status.is_error() && r.buildable_by_adapter();
    let build = |r: &Resp<'_>| {
        let variant = &r.variant;
        let status = r
            .status
            .is_none()
            .then(|| quote! { status: problem.status(), });
        let body = r
            .body
            .as_ref()
            .map(|_| quote! { body: problem.to_body()?, });
        let headers = r.headers_struct.as_ref().map(|ident| {
            let fields = r.headers.iter().map(|h| {
                let field = &h.field;
                quote! { #field: ::std::option::Option::None }
            });
            quote! { headers: #ident { #(#fields),* }, }
        });
        quote! { ::std::option::Option::Some(Self::#variant { #status #body #headers }) }
    };
    let mut arms = Vec::new();
    for r in op.responses.iter().filter(buildable) {
        if let Status::Code(code) = r.model.status {
            let value = build(r);
            arms.push(quote! { #code => #value, });
        }
    }
    for r in op.responses.iter().filter(buildable) {
        if let Status::Range(class) = r.model.status {
            let low = u16::from(class) * 100;
            let high = low + 99;
            let value = build(r);
            arms.push(quote! { #low..=#high => #value, });
        }
    }
    let fallback = match op
        .responses
        .iter()
        .filter(buildable)
        .find(|r| r.model.status == Status::Default)
    {
        Some(r) => build(r),
        None => quote! { ::std::option::Option::None },
    };
    quote! {
        impl #response {
            /// The declared response for a problem the adapter answers by
            /// itself, with the problem as its body; `None` when the document
            /// declares none it can build.
            #[allow(unused_variables, unreachable_patterns)]
            fn from_problem(problem: &runtime::Problem) -> ::std::option::Option<Self> {
                match problem.status {
                    #(#arms)*
                    _ => #fallback,
                }
            }
        }
    }
}

fn into_http(op: &Op<'_>) -> TokenStream {
    let response = op.response_ident();
    let arms = op.responses.iter().map(|r| {
        let variant = &r.variant;
        let status_binding = r.status.is_none().then(|| quote! { status, });
        let body_binding = r.body.as_ref().map(|_| quote! { body, });
        let headers_binding = r.headers_struct.as_ref().map(|_| quote! { headers, });
        let status = match &r.status {
            Some(status) => status.clone(),
            None => quote! { status },
        };
        let write = r
            .headers_struct
            .as_ref()
            .map(|_| quote! { headers.write(&mut out, context)?; });
        let respond = match &r.body {
            Some((_, media_type)) => {
                quote! { runtime::respond_json(#status, #media_type, &body, out) }
            }
            None => quote! { runtime::respond_empty(#status, out) },
        };
        quote! {
            Self::#variant { #status_binding #body_binding #headers_binding } => {
                #write
                ::std::result::Result::Ok(#respond)
            }
        }
    });
    quote! {
        impl #response {
            /// The HTTP response, with its headers: those the backend set,
            /// and those the runtime knows (from `context`). A header that
            /// cannot be sent makes it a logged 500, never a silent drop.
            fn into_http(self, context: &runtime::Context) -> axum::response::Response {
                #[allow(unused_mut)]
                let mut out = axum::http::HeaderMap::new();
                let written: ::std::result::Result<axum::response::Response, runtime::HeaderError> =
                    (|| match self {
                        #(#arms)*
                    })();
                context.finish(written.unwrap_or_else(runtime::respond::header_failure))
            }
        }
    }
}

/// `write`: one function per headers struct.
fn headers_writer(response: &Resp<'_>) -> TokenStream {
    let Some(ident) = &response.headers_struct else {
        return quote! {};
    };
    let writes = response.headers.iter().map(header_write);
    quote! {
        impl #ident {
            /// Writes every header to `out`; where a field the runtime knows is
            /// `None`, the value from `context`.
            fn write(
                self,
                out: &mut axum::http::HeaderMap,
                context: &runtime::Context,
            ) -> ::std::result::Result<(), runtime::HeaderError> {
                let _ = context;
                #(#writes)*
                ::std::result::Result::Ok(())
            }
        }
    }
}

fn header_write(h: &Header<'_>) -> TokenStream {
    let field = &h.field;
    let name = &h.lower;
    if h.backend_must_set() {
        return quote! { runtime::respond::put(out, #name, &self.#field.to_string())?; };
    }
    let fill = match h.role {
        Some(role) => {
            let role = match role {
                HeaderRole::ApiVersion => quote! { runtime::Role::ApiVersion },
                HeaderRole::RateLimitLimit => quote! { runtime::Role::RateLimitLimit },
                HeaderRole::RateLimitRemaining => quote! { runtime::Role::RateLimitRemaining },
                HeaderRole::RetryAfter => quote! { runtime::Role::RetryAfter },
            };
            let required = h.required;
            quote! { context.fill(out, #name, #role, #required)? }
        }
        None => quote! {},
    };
    quote! {
        match &self.#field {
            ::std::option::Option::Some(value) => runtime::respond::put(out, #name, &value.to_string())?,
            ::std::option::Option::None => { #fill }
        }
    }
}
