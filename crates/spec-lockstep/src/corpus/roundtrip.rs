//! The round trip of a generated client against its generated server
//! (`cargo xtask corpus`): a small binary that serves the server crate
//! with a checking backend on 127.0.0.1 and calls every operation with the
//! client crate, twice — once with the required parameters only, once with
//! every parameter — plus one deliberately bad call where the
//! operation has something to get wrong.
//!
//! The backend compares the request it receives with the one the client
//! sent (the request structs derive `PartialEq`) and answers with the
//! operation's first declared success response, its body the document's
//! example or a value invented from the schema ([`crate::invent`]); the
//! body, where the operation has one, is sent in both runs (progenitor's
//! builder always sends one, an optional body as its default value); the
//! client must decode that answer to the same JSON value. The bad call
//! (a parameter of the wrong type, or a required one left out) must come
//! back as 400 with a body that decodes into the error type the operation
//! declares for it.
//!
//! Everything is read from the same in-between structures the server
//! generator renders (`Op`), so the names are the generated ones.

use anyhow::{anyhow, Result};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::client::access::Takes;
use crate::model::progenitor_view::{self, ClientBody};
use crate::model::{
    self, ApiKeyLocation, BodyEncoding, BodyKind, Location, Model, Node, SchemeKind, Status,
};
use crate::server::ir::{Op, Resp};
use crate::server::Crates;
use crate::types::{ParamType, Types};
use crate::vocab::Kind;

/// The crate names the round trip uses.
pub struct RoundTripCrates<'a> {
    /// The generated crates.
    pub crates: Crates<'a>,
    /// The client crate (`petstore_client`).
    pub client: &'a str,
    /// The server crate (`petstore_server`).
    pub server: &'a str,
}

/// The round trip's `src/main.rs`, and how many calls it makes.
pub fn main_rs(
    model: &Model,
    types: &mut Types,
    names: &RoundTripCrates<'_>,
) -> Result<(TokenStream, usize)> {
    types.add_server_responses(model)?;
    let mut operations = Vec::new();
    let mut problems = Vec::new();
    for operation in &model.operations {
        match Op::read(model, operation, types) {
            Ok(op) => operations.push(op),
            Err(e) => problems.push(format!("{}: {e:#}", operation.id)),
        }
    }
    if !problems.is_empty() {
        return Err(anyhow!(
            "the server generator cannot read {} operation(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        ));
    }
    let secured = operations.iter().any(|op| op.model.secured());
    let mut methods = Vec::new();
    let mut calls = Vec::new();
    let mut call_names = Vec::new();
    let mut unimplemented_calls = Vec::new();
    let mut total = 0;
    for (n, op) in operations.iter().enumerate() {
        let plan = Plan::new(model, op, types)?;
        methods.push(plan.backend_method());
        // An operation the server cannot tell from an earlier one (codegen
        // warned: the earlier answers) is not called.
        let key = crate::model::unnamed_parameters(&op.model.path);
        if operations[..n].iter().any(|earlier| {
            earlier.model.method == op.model.method
                && crate::model::unnamed_parameters(&earlier.model.path) == key
        }) {
            continue;
        }
        calls.push(plan.client_call(model)?);
        let id = &op.model.id;
        let call = format_ident!("call_{}", op.fn_name);
        call_names.push(quote! {
            for full in [false, true] {
                total += 1;
                backend.full.store(full, ::std::sync::atomic::Ordering::SeqCst);
                let result = #call(&base, full, false).await;
                let mismatches: ::std::vec::Vec<::std::string::String> =
                    ::std::mem::take(&mut *backend.mismatches.lock().unwrap());
                let run = if full { "every parameter" } else { "required parameters" };
                match (result, mismatches.is_empty()) {
                    (Ok(()), true) => passed += 1,
                    (Ok(()), false) => println!("FAIL {} ({run}): {}", #id, mismatches.join("; ")),
                    (Err(e), _) => println!("FAIL {} ({run}): {e} {}", #id, mismatches.join("; ")),
                }
            }
        });
        total += 2;
        unimplemented_calls.push(quote! {
            total += 1;
            match #call(&base, false, true).await {
                Ok(()) => passed += 1,
                Err(e) => println!("FAIL {} (left unimplemented): {e}", #id),
            }
        });
        total += 1;
        if let Some(bad) = plan.bad_call(model)? {
            calls.push(bad);
            let bad_name = format_ident!("bad_{}", op.fn_name);
            call_names.push(quote! {
                total += 1;
                match #bad_name(&base).await {
                    Ok(()) => passed += 1,
                    Err(e) => println!("FAIL {} (bad call): {e}", #id),
                }
            });
            total += 1;
        }
    }
    let client = format_ident!("{}", names.client);
    let server = format_ident!("{}", names.server);
    let types_crate = format_ident!("{}", names.crates.types);
    // Both backends (the checking one, and the one that implements
    // nothing) let anybody in.
    let admit_anyone = |backend: TokenStream| {
        quote! {
            impl srv::Hooks for #backend {
                type Principal = Anyone;

                async fn authenticate(
                    &self,
                    _credential: &srv::runtime::Credential,
                ) -> ::std::result::Result<Anyone, srv::runtime::AuthError> {
                    Ok(Anyone)
                }
            }
        }
    };
    let hooks = secured.then(|| {
        let backend = admit_anyone(quote! { Backend });
        let nothing = admit_anyone(quote! { Nothing });
        quote! {
            /// Anybody: the round trip checks what the adapter passes on,
            /// not who may call.
            #[derive(Clone, Debug)]
            struct Anyone;

            impl srv::runtime::Principal for Anyone {
                fn has_scope(&self, _scope: &str) -> bool {
                    true
                }
            }

            #backend
            #nothing
        }
    });
    let bytes_const = proc_macro2::Literal::byte_string(BYTES);
    let tokens = quote! {
        //! The round trip of the generated client against the generated
        //! server: written by `cargo xtask corpus`, see
        //! `crates/spec-lockstep/src/corpus/roundtrip.rs`.
        #![allow(unused_variables, unused_mut, unused_imports, clippy::all)]

        use ::#server as srv;
        use ::#client as cl;
        use ::#types_crate as types;
        use srv::runtime;
        use ::futures_core::Stream as _;

        /// Every byte of a byte stream the client returned.
        async fn bytes_of(mut stream: cl::ByteStream) -> ::std::result::Result<::std::vec::Vec<u8>, ::std::string::String> {
            let mut bytes = ::std::vec::Vec::new();
            while let Some(chunk) = ::std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                bytes.extend_from_slice(&chunk.map_err(|e| format!("the body broke off: {e}"))?);
            }
            Ok(bytes)
        }

        /// What a body of bytes holds, as the JSON value it was made from:
        /// JSON as it is, else its text as a string (`null` for none).
        fn read_bytes(bytes: &[u8], json: bool) -> ::serde_json::Value {
            if bytes.is_empty() {
                return ::serde_json::Value::Null;
            }
            if json {
                ::serde_json::from_slice(bytes).unwrap_or(::serde_json::Value::Null)
            } else {
                ::serde_json::Value::String(::std::string::String::from_utf8_lossy(bytes).into_owned())
            }
        }

        /// `json` as a `T`: the invented values are JSON.
        fn value<T: ::serde::de::DeserializeOwned>(json: &str) -> T {
            ::serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("the value {json} does not fit its Rust type: {e}"))
        }

        /// The JSON `json` takes once read as a `T` and written again.
        fn through<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(json: &str) -> ::serde_json::Value {
            ::serde_json::to_value(value::<T>(json)).expect("a value serializes")
        }

        /// An HTTP client that sends `headers` (the credentials) on every request.
        fn http(headers: &[(&str, &str)]) -> ::reqwest::Client {
            let mut map = ::reqwest::header::HeaderMap::new();
            for (name, value) in headers {
                map.insert(
                    ::reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    ::reqwest::header::HeaderValue::from_str(value).unwrap(),
                );
            }
            ::reqwest::Client::builder().default_headers(map).build().unwrap()
        }

        /// The bytes sent where a body is bytes.
        const BYTES: &[u8] = #bytes_const;

        /// A multipart body's parts as (name, file name, bytes).
        fn parts(body: &srv::runtime::Multipart) -> ::std::vec::Vec<(::std::string::String, ::std::option::Option<::std::string::String>, ::std::vec::Vec<u8>)> {
            body.parts
                .iter()
                .map(|p| (p.name.clone(), p.filename.clone(), p.bytes.to_vec()))
                .collect()
        }

        /// What the client sent, what the backend saw.
        #[derive(Default)]
        struct Backend {
            full: ::std::sync::atomic::AtomicBool,
            mismatches: ::std::sync::Mutex<::std::vec::Vec<::std::string::String>>,
        }

        impl Backend {
            fn full(&self) -> bool {
                self.full.load(::std::sync::atomic::Ordering::SeqCst)
            }

            fn check<T: PartialEq + ::std::fmt::Debug>(&self, operation: &str, received: &T, sent: &T) {
                if received != sent {
                    self.mismatches.lock().unwrap().push(format!(
                        "{operation}: the backend received {received:?}, the client sent {sent:?}"
                    ));
                }
            }
        }

        #hooks

        impl srv::Api for Backend {
            #(#methods)*
        }

        /// A backend that has implemented nothing yet: every operation
        /// answers the trait's default 501.
        struct Nothing;

        impl srv::Api for Nothing {}

        #(#calls)*

        #[tokio::main(flavor = "current_thread")]
        async fn main() {
            let backend = ::std::sync::Arc::new(Backend::default());
            let listener = ::tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let (stop, stopped) = ::tokio::sync::oneshot::channel::<()>();
            let server = ::tokio::spawn(srv::serve(
                listener,
                srv::router(backend.clone()),
                srv::runtime::Limits::default(),
                async move {
                    let _ = stopped.await;
                },
            ));
            let mut passed = 0usize;
            let mut total = 0usize;
            #(#call_names)*
            let _ = stop.send(());
            let _ = server.await;

            let listener = ::tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let (stop, stopped) = ::tokio::sync::oneshot::channel::<()>();
            let server = ::tokio::spawn(srv::serve(
                listener,
                srv::router(::std::sync::Arc::new(Nothing)),
                srv::runtime::Limits::default(),
                async move {
                    let _ = stopped.await;
                },
            ));
            #(#unimplemented_calls)*
            let _ = stop.send(());
            let _ = server.await;
            println!("ROUNDTRIP passed={passed} total={total}");
            if passed != total {
                ::std::process::exit(1);
            }
        }
    };
    Ok((tokens, total))
}

/// A request body as the round trip sends it, by how the server reads it.
enum SentBody {
    /// JSON or a form: a value of the body's type, as JSON.
    Typed(String),
    /// Text: a JSON string.
    Text(String),
    /// Bytes, sent with this content type.
    Binary(String),
    /// A value of the client's type (JSON, then this Rust type) that the
    /// client encodes as JSON and the server reads as bytes (an operation
    /// offering media types that read into no one value).
    JsonAsBytes(String, TokenStream),
    /// `multipart/form-data`: (name, file name for a file part, bytes).
    Multipart(Vec<(String, Option<String>, Vec<u8>)>),
}

/// The bytes sent where a body is bytes.
const BYTES: &[u8] = b"round trip \x00\x01\xff bytes";

/// The values of one operation's round trip.
struct Plan<'a, 'b> {
    op: &'b Op<'a>,
    /// Per parameter (in `op.params` order): the JSON sent.
    values: Vec<String>,
    /// The body sent, where there is one.
    body: Option<SentBody>,
    /// The response answered (the first success; where the document
    /// declares none, `default`, else its first response), and its body's
    /// JSON.
    answer: Option<(&'b Resp<'a>, Option<String>, Vec<String>)>,
    /// The status the client must report as an error, where the operation
    /// declares no success (nor `default`, which progenitor reads as one).
    refused: Option<u16>,
}

impl<'a, 'b> Plan<'a, 'b> {
    fn new(model: &Model, op: &'b Op<'a>, types: &Types) -> Result<Self> {
        let components = &model.schema_nodes;
        let values = op
            .params
            .iter()
            .map(|p| {
                crate::invent::parameter_value(
                    p.model,
                    matches!(p.ty, ParamType::Array(_)),
                    components,
                )
                .value
                .to_string()
            })
            .collect();
        let body = op.model.body.as_ref().and_then(|body| {
            let media = body.primary()?;
            let value = || {
                media
                    .schema
                    .as_ref()
                    .map(|schema| example_of(schema, components, &body.pointer))
            };
            let client_type = || types.body(op.model).and_then(Result::ok);
            if body.encoding()? == BodyEncoding::Binary
                && media.body_encoding() == BodyEncoding::Json
            {
                return Some(SentBody::JsonAsBytes(value()?.to_string(), client_type()?));
            }
            Some(match body.encoding()? {
                BodyEncoding::Json | BodyEncoding::Form => SentBody::Typed(value()?.to_string()),
                BodyEncoding::Text => SentBody::Text(match value() {
                    Some(Value::String(text)) => Value::String(text).to_string(),
                    _ => Value::String("round trip".into()).to_string(),
                }),
                BodyEncoding::Binary => SentBody::Binary(media.media_type.clone()),
                BodyEncoding::Multipart => {
                    SentBody::Multipart(multipart_parts(media, value().unwrap_or(Value::Null)))
                }
            })
        });
        let answer = op
            .responses
            .iter()
            .find(|r| r.model.status.is_success() && r.status.is_some())
            .or_else(|| op.responses.iter().find(|r| r.model.status.is_success()))
            .or_else(|| {
                op.responses
                    .iter()
                    .find(|r| r.model.status == Status::Default)
            })
            .or_else(|| op.responses.first())
            .map(|r| {
                let body = r.model.body().map(|declared| {
                    match declared.kind {
                        BodyKind::Json => declared
                            .schema()
                            .map(|schema| example_of(schema, components, &r.model.pointer))
                            .unwrap_or_else(|| serde_json::json!({"any": "JSON"})),
                        BodyKind::Text | BodyKind::Bytes => Value::String(format!(
                            "the {} body of {}",
                            declared.media.media_type, op.model.id
                        )),
                        BodyKind::EventStream => serde_json::json!(["one", "two\nlines"]),
                    }
                    .to_string()
                });
                let headers = r
                    .headers
                    .iter()
                    .filter(|h| h.backend_must_set())
                    .map(|h| {
                        let declared = r.model.headers.iter().find(|d| d.name == h.name);
                        declared
                            .map(|d| {
                                crate::invent::fitting(
                                    d.example
                                        .clone()
                                        .into_iter()
                                        .chain(d.schema.example.clone()),
                                    &d.schema,
                                    components,
                                    &r.model.pointer,
                                )
                                .value
                            })
                            .unwrap_or(Value::String("x".into()))
                            .to_string()
                    })
                    .collect();
                (r, body, headers)
            });
        Ok(Self {
            op,
            values,
            body,
            refused: answer.as_ref().and_then(|(r, _, _)| match r.model.status {
                Status::Code(code) if !(200..300).contains(&code) => Some(code),
                Status::Range(class) if class != 2 => Some(u16::from(class) * 100),
                _ => None,
            }),
            answer,
        })
    }

    /// The backend's method: checks the request, answers the success.
    fn backend_method(&self) -> TokenStream {
        let op = self.op;
        let name = &op.fn_name;
        let id = &op.model.id;
        let request = op.request_ident();
        let response = op.response_ident();
        let principal = match (op.model.secured(), op.model.auth_optional()) {
            (false, _) => quote! {},
            (true, false) => quote! { _principal: Anyone, },
            (true, true) => quote! { _principal: ::std::option::Option<Anyone>, },
        };
        let fields = |full: bool| {
            let mut fields: Vec<TokenStream> = op
                .params
                .iter()
                .zip(&self.values)
                .map(|(p, json)| {
                    let field = &p.field;
                    let sent = full || p.model.required || p.model.location == Location::Path;
                    let value = if sent {
                        if p.always_present() || matches!(p.ty, ParamType::Array(_)) {
                            quote! { value(#json) }
                        } else {
                            quote! { ::std::option::Option::Some(value(#json)) }
                        }
                    } else if let Some(default) = &p.model.schema.default {
                        let default = default.to_string();
                        quote! { value(#default) }
                    } else if matches!(p.ty, ParamType::Array(_)) {
                        quote! { ::std::vec::Vec::new() }
                    } else {
                        quote! { ::std::option::Option::None }
                    };
                    quote! { #field: #value }
                })
                .collect();
            if let Some(body) = &op.body {
                // progenitor's builder always sends a body (an optional
                // one as its default value), so both runs send it.
                let value = match &self.body {
                    None => quote! { ::std::option::Option::None },
                    // The parts are compared by name, file name and bytes
                    // below; the rest of the body is what was received.
                    Some(SentBody::Multipart(_)) => quote! { request.body.clone() },
                    Some(sent) => {
                        let value = match sent {
                            SentBody::Typed(json) | SentBody::Text(json) => quote! { value(#json) },
                            SentBody::Binary(content_type) => quote! {
                                srv::runtime::Binary {
                                    content_type: #content_type.to_string(),
                                    bytes: ::std::convert::From::from(BYTES.to_vec()),
                                }
                            },
                            SentBody::JsonAsBytes(json, ty) => quote! {
                                srv::runtime::Binary {
                                    content_type: "application/json".to_string(),
                                    bytes: ::std::convert::From::from(
                                        ::serde_json::to_vec(&value::<#ty>(#json)).unwrap()
                                    ),
                                }
                            },
                            SentBody::Multipart(_) => unreachable!(),
                        };
                        if body.required {
                            value
                        } else {
                            quote! { ::std::option::Option::Some(#value) }
                        }
                    }
                };
                fields.push(quote! { body: #value });
            }
            fields
        };
        let full = fields(true);
        let required = fields(false);
        let parts_check = match (&self.body, &op.body) {
            (Some(SentBody::Multipart(parts)), Some(body)) => {
                let expected = parts.iter().map(|(name, file, bytes)| {
                    let file = match file {
                        Some(f) => quote! { ::std::option::Option::Some(#f.to_string()) },
                        None => quote! { ::std::option::Option::None },
                    };
                    let bytes = proc_macro2::Literal::byte_string(bytes);
                    quote! { (#name.to_string(), #file, #bytes.to_vec()) }
                });
                let received = if body.required {
                    quote! { parts(&request.body) }
                } else {
                    quote! { request.body.as_ref().map(parts).unwrap_or_default() }
                };
                quote! {
                    let expected: ::std::vec::Vec<(::std::string::String, ::std::option::Option<::std::string::String>, ::std::vec::Vec<u8>)> =
                        ::std::vec![#(#expected),*];
                    self.check(#id, &#received, &expected);
                }
            }
            _ => quote! {},
        };
        let answer = match &self.answer {
            Some((resp, body, headers)) => {
                let constructor = resp.constructor();
                let mut args = Vec::new();
                if resp.status.is_none() {
                    let code = match resp.model.status {
                        Status::Range(class) => u16::from(class) * 100,
                        _ => 200,
                    };
                    args.push(quote! {
                        srv::runtime::reexports::axum::http::StatusCode::from_u16(#code).unwrap()
                    });
                }
                if let Some(json) = body {
                    args.push(match resp.kind {
                        Some(BodyKind::Bytes) => {
                            let media = resp.body.as_ref().map_or("", |(_, m)| m.as_str());
                            let concrete = concrete_media_type(media);
                            quote! {
                                runtime::Binary::typed(#concrete, value::<::std::string::String>(#json).into_bytes())
                            }
                        }
                        Some(BodyKind::EventStream) => quote! {
                            runtime::EventStream::iter(
                                value::<::std::vec::Vec<::std::string::String>>(#json)
                                    .into_iter()
                                    .map(runtime::Event::data),
                            )
                        },
                        _ => quote! { value(#json) },
                    });
                }
                for json in headers {
                    args.push(quote! { value(#json) });
                }
                quote! { Ok(srv::#response::#constructor(#(#args),*)) }
            }
            None => quote! {
                Err(srv::runtime::Error::msg("the document declares no success response"))
            },
        };
        quote! {
            async fn #name(&self, #principal request: srv::#request)
                -> srv::runtime::Result<srv::#response>
            {
                let sent = if self.full() {
                    srv::#request { #(#full),* }
                } else {
                    srv::#request { #(#required),* }
                };
                #parts_check
                self.check(#id, &request, &sent);
                #answer
            }
        }
    }

    /// `call_<op>(base, full)`: the client's call, and its check of the answer.
    fn client_call(&self, model: &Model) -> Result<TokenStream> {
        let op = self.op;
        let call = format_ident!("call_{}", op.fn_name);
        let method = format_ident!("{}", crate::naming::progenitor::method(&op.model.id));
        let access = access(model, op.model);
        let mut required = Vec::new();
        let mut optional = Vec::new();
        let mut cookies = Vec::new();
        for (p, json) in op.params.iter().zip(&self.values) {
            if p.model.location == Location::Cookie {
                // progenitor sends no cookies: a caller sets them on its
                // HTTP client, as this one does.
                let pair = format!(
                    "{}={}",
                    p.model.name,
                    texts(&serde_json::from_str(json)?).join(",")
                );
                let always = p.model.required;
                cookies.push(quote! { if #always || full { cookies.push(#pair); } });
                continue;
            }
            let setter = format_ident!(
                "{}",
                crate::naming::progenitor::setter(&p.model.client_name)
            );
            let ty = match &p.ty {
                ParamType::Array(item) => quote! { ::std::vec::Vec<#item> },
                ParamType::Scalar(ty) => ty.clone(),
            };
            let set = quote! { call = call.#setter(value::<#ty>(#json)); };
            if p.model.required || p.model.location == Location::Path {
                required.push(set);
            } else {
                optional.push(set);
            }
        }
        if let (Some(body), Some(sent)) = (&op.body, &self.body) {
            let ty = &body.ty;
            required.push(match sent {
                SentBody::Typed(json) => quote! { call = call.body(value::<#ty>(#json)); },
                SentBody::Text(json) => {
                    quote! { call = call.body(value::<::std::string::String>(#json)); }
                }
                SentBody::Binary(_) => quote! { call = call.body(BYTES.to_vec()); },
                SentBody::JsonAsBytes(json, ty) => quote! { call = call.body(value::<#ty>(#json)); },
                SentBody::Multipart(parts) => {
                    let parts = parts.iter().map(|(name, file, bytes)| {
                        let bytes = proc_macro2::Literal::byte_string(bytes);
                        match file {
                            Some(file) => quote! {
                                cl::MultipartPart::file(#name, #file, "application/octet-stream", #bytes.to_vec())
                            },
                            None => quote! {
                                cl::MultipartPart::text(#name, ::std::string::String::from_utf8(#bytes.to_vec()).unwrap())
                            },
                        }
                    });
                    quote! {
                        call = call.body(cl::multipart_body(&[#(#parts),*]).map_err(|e| e.to_string())?);
                    }
                }
            });
        }
        let expected = match &self.answer {
            Some((resp, Some(json), _)) => match resp.kind {
                Some(BodyKind::Bytes) => quote! { value::<::serde_json::Value>(#json) },
                Some(BodyKind::EventStream) if self.client_reads() != Reads::Events => {
                    // Bytes: the events as the stream writes them.
                    let data: Vec<String> = serde_json::from_str(json)?;
                    let text: String = data
                        .iter()
                        .map(|d| {
                            d.split('\n')
                                .map(|line| format!("data: {line}\n"))
                                .collect::<String>()
                                + "\n"
                        })
                        .collect();
                    quote! { ::serde_json::Value::String(#text.to_string()) }
                }
                Some(BodyKind::EventStream) => quote! { value::<::serde_json::Value>(#json) },
                _ => {
                    let ty = &resp.body.as_ref().expect("a body has a type").0;
                    quote! { through::<#ty>(#json) }
                }
            },
            _ => quote! { ::serde_json::Value::Null },
        };
        // No success declared: the backend answers the declared refusal,
        // which the client reports as an error with its status.
        let refused = self.refused.map(|code| {
            quote! {
                match call.send().await {
                    Ok(_) => Err(format!("the client took the declared {} for a success", #code)),
                    Err(e) if e.status().map(|s| s.as_u16()) == Some(#code) => Ok(()),
                    Err(e) => Err(format!("the client got {e}, not the declared {}", #code)),
                }
            }
        });
        let json_body = self
            .answer
            .as_ref()
            .is_some_and(|(resp, _, _)| resp.kind == Some(BodyKind::Json));
        let received = match self.client_reads() {
            Reads::Value => quote! {
                ::serde_json::to_value(answer.into_inner())
                    .map_err(|e| format!("the answer does not serialize: {e}"))?
            },
            Reads::Bytes => quote! {
                read_bytes(&bytes_of(answer.into_inner()).await?, #json_body)
            },
            Reads::Events => quote! {{
                let mut events = answer.into_inner();
                let mut data = ::std::vec::Vec::new();
                while let Some(event) = ::std::future::poll_fn(|cx| {
                    ::std::pin::Pin::new(&mut events).poll_next(cx)
                })
                .await
                {
                    data.push(event.map_err(|e| format!("the events broke off: {e}"))?.data);
                }
                ::serde_json::to_value(data).expect("strings serialize")
            }},
        };
        let tail = refused.unwrap_or_else(|| {
            quote! {
                let answer = call.send().await.map_err(|e| format!("the client got {e}"))?;
                let received = #received;
                let expected = #expected;
                if received != expected {
                    return Err(format!("the client decoded {received}, the backend sent {expected}"));
                }
                Ok(())
            }
        });
        // Against a backend that implements nothing: the trait's default
        // 501, in the document's error shape, which the client decodes as
        // the operation's typed error where a JSON response covers 501.
        // A schema no problem can fill (codegen warned) gets problem+json
        // as it is, which the client cannot decode as that schema.
        let shape_501 = op.model.response_for(501).and_then(|r| {
            r.content
                .iter()
                .find(|m| m.is_json())
                .map(|m| crate::server::error_shape::of_media(m).map(|(shape, _)| shape))
        });
        let (check_501, wanted) = match shape_501 {
            Some(Some(crate::server::error_shape::Shape::Unfillable(_))) => (
                quote! {
                    matches!(&e, cl::Error::InvalidResponsePayload(bytes, _)
                        if ::serde_json::from_slice::<::serde_json::Value>(bytes)
                            .is_ok_and(|p| p["status"] == 501))
                },
                "a 501 problem+json (the declared error schema cannot hold it)",
            ),
            Some(_) => (
                quote! {
                    e.status().map(|s| s.as_u16()) == Some(501)
                        && matches!(e, cl::Error::ErrorResponse(_))
                },
                "a 501 decoded as the operation's declared error",
            ),
            None => (
                quote! { e.status().map(|s| s.as_u16()) == Some(501) },
                "a 501",
            ),
        };
        let unimplemented = quote! {
            if unimplemented {
                return match call.send().await {
                    Ok(_) => Err("left unimplemented, it answered a success".to_string()),
                    Err(e) if #check_501 => Ok(()),
                    Err(e) => Err(format!("left unimplemented, the client got {e}, not {}", #wanted)),
                };
            }
        };
        Ok(quote! {
            async fn #call(base: &str, full: bool, unimplemented: bool) -> ::std::result::Result<(), ::std::string::String> {
                let mut cookies: ::std::vec::Vec<&str> = ::std::vec::Vec::new();
                #(#cookies)*
                let cookie = cookies.join("; ");
                let mut headers: ::std::vec::Vec<(&str, &str)> = ::std::vec::Vec::new();
                if !cookie.is_empty() {
                    headers.push(("cookie", &cookie));
                }
                let client = cl::Client::new_with_client(base, http(&headers), #access);
                let mut call = client.#method();
                #(#required)*
                if full {
                    #(#optional)*
                }
                #unimplemented
                #tail
            }
        })
    }

    /// What the client's `send()` returns for the operation's successes:
    /// text and events where every success is such (`String` serializes
    /// as its JSON), else as progenitor is shown the answered response.
    fn client_reads(&self) -> Reads {
        let op = self.op.model;
        let all = |kind: BodyKind| {
            let mut kinds = op.successes().map(|r| r.body().map(|b| b.kind)).peekable();
            kinds.peek().is_some() && kinds.all(|k| k == Some(kind))
        };
        if all(BodyKind::EventStream) {
            return Reads::Events;
        }
        if all(BodyKind::Text) {
            return Reads::Value;
        }
        let Some((resp, _, _)) = &self.answer else {
            return Reads::Value;
        };
        let index = op
            .responses
            .iter()
            .position(|r| std::ptr::eq(r, resp.model))
            .unwrap_or_default();
        match progenitor_view::view(op).get(index) {
            Some(ClientBody::Raw) => Reads::Bytes,
            _ => Reads::Value,
        }
    }

    /// `bad_<op>(base)`: a raw request with one parameter of the wrong type
    /// (or a required one left out, or a body that is not JSON), which must
    /// come back as 400 with the operation's declared error body.
    fn bad_call(&self, model: &Model) -> Result<Option<TokenStream>> {
        let op = self.op;
        let typed = op.params.iter().position(|p| {
            matches!(p.kind, Kind::Integer | Kind::Number | Kind::Boolean)
                && p.model.location != Location::Cookie
        });
        let missing = op.params.iter().position(|p| {
            p.model.required && matches!(p.model.location, Location::Query | Location::Header)
        });
        let (spoiled, left_out, bad_body) = match (typed, missing) {
            (Some(i), _) => (Some(i), None, false),
            (None, Some(i)) => (None, Some(i), false),
            (None, None)
                if op.body.as_ref().is_some_and(|b| b.required)
                    && matches!(self.body, Some(SentBody::Typed(_)))
                    && op
                        .model
                        .body
                        .as_ref()
                        .and_then(|b| b.primary())
                        .is_some_and(|m| m.body_encoding() == BodyEncoding::Json) =>
            {
                (None, None, true)
            }
            _ => return Ok(None),
        };
        let mut path = op.model.path.clone();
        let (mut headers, mut query) = credentials(model, op.model);
        for (i, (p, json)) in op.params.iter().zip(&self.values).enumerate() {
            if Some(i) == left_out || p.model.location == Location::Cookie {
                continue;
            }
            let text = if Some(i) == spoiled {
                vec!["not-a-number".to_string()]
            } else if !(p.model.required || p.model.location == Location::Path) {
                continue;
            } else {
                texts(&serde_json::from_str(json)?)
            };
            match p.model.location {
                Location::Path => {
                    let joined = text.join(",");
                    path = path.replace(&format!("{{{}}}", p.model.name), &encode(&joined));
                }
                Location::Query => {
                    for t in text {
                        query.push(format!("{}={}", encode(&p.model.name), encode(&t)));
                    }
                }
                Location::Header => {
                    let name = &p.model.name;
                    let joined = text.join(",");
                    headers.push(quote! { (#name, #joined) });
                }
                Location::Cookie => {}
            }
        }
        let url = if query.is_empty() {
            path
        } else {
            format!("{path}?{}", query.join("&"))
        };
        let method = format_ident!("{}", op.model.method.as_str());
        let body = match (&self.body, bad_body) {
            (_, true) => quote! {
                .header("content-type", "application/json").body("{ this is not JSON")
            },
            (Some(sent), false) if op.body.as_ref().is_some_and(|b| b.required) => {
                let media = op
                    .model
                    .body
                    .as_ref()
                    .and_then(|b| b.primary())
                    .map_or("application/json".to_string(), |m| m.media_type.clone());
                match sent {
                    SentBody::Typed(json) if media.contains("json") => quote! {
                        .header("content-type", #media).body(#json)
                    },
                    SentBody::Text(json) => {
                        let text: String = serde_json::from_str(json)?;
                        quote! { .header("content-type", #media).body(#text) }
                    }
                    SentBody::Binary(content_type) => quote! {
                        .header("content-type", #content_type).body(BYTES.to_vec())
                    },
                    // A form or multipart body needs its encoder: the bad
                    // parameter is refused before the body is read anyway.
                    _ => quote! {},
                }
            }
            _ => quote! {},
        };
        let error_response = op
            .responses
            .iter()
            .find(|r| r.model.status == Status::Code(400))
            .or_else(|| {
                op.responses
                    .iter()
                    .find(|r| r.model.status == Status::Range(4))
            })
            .or_else(|| {
                op.responses
                    .iter()
                    .find(|r| r.model.status == Status::Default)
            });
        // An error schema the adapter's problems cannot fill (codegen
        // warned): the refusal is RFC 9457 problem+json, as the warning says.
        let unfillable = error_response
            .and_then(|r| r.shape.as_ref())
            .is_some_and(|(shape, _)| {
                matches!(shape, crate::server::error_shape::Shape::Unfillable(_))
            });
        let error_type = error_response
            .filter(|_| !unfillable)
            // A refusal is JSON: a response declared as text or bytes is
            // answered with the problem as it is.
            .filter(|r| r.kind == Some(BodyKind::Json))
            .and_then(|r| r.body.as_ref().map(|(ty, _)| ty.clone()))
            .unwrap_or_else(|| quote! { ::serde_json::Value });
        let what = match (spoiled, left_out) {
            (Some(i), _) => format!("`{}` of the wrong type", op.params[i].model.name),
            (None, Some(i)) => format!("`{}` left out", op.params[i].model.name),
            _ => "a body that is not JSON".to_string(),
        };
        let problem_json = if unfillable {
            quote! {
                if !content_type.starts_with("application/problem+json") {
                    return Err(format!(
                        "{}: its error schema cannot hold a problem, so the 400 should be \
                         problem+json, not {content_type}", #what
                    ));
                }
            }
        } else {
            quote! { let _ = content_type; }
        };
        // The 400 declared without content is answered without one.
        let no_body = error_response
            .filter(|r| r.model.content.is_empty() && !unfillable)
            .map(|_| {
                quote! {
                    return match bytes.is_empty() {
                        true => Ok(()),
                        false => Err(format!(
                            "{}: the 400 is declared without content, yet has: {}",
                            #what, String::from_utf8_lossy(&bytes)
                        )),
                    };
                }
            });
        let bad = format_ident!("bad_{}", op.fn_name);
        Ok(Some(quote! {
            async fn #bad(base: &str) -> ::std::result::Result<(), ::std::string::String> {
                let answer = http(&[#(#headers),*])
                    .request(::reqwest::Method::#method, format!("{base}{}", #url))
                    #body
                    .send()
                    .await
                    .map_err(|e| format!("{}: {e}", #what))?;
                let status = answer.status();
                let content_type = answer
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let bytes = answer.bytes().await.map_err(|e| e.to_string())?;
                if status != ::reqwest::StatusCode::BAD_REQUEST {
                    return Err(format!(
                        "{}: answered {status}, not 400: {}", #what, String::from_utf8_lossy(&bytes)
                    ));
                }
                #problem_json
                #no_body
                ::serde_json::from_slice::<#error_type>(&bytes).map_err(|e| {
                    format!(
                        "{}: the 400 body does not decode into the declared error type: {e}: {}",
                        #what, String::from_utf8_lossy(&bytes)
                    )
                })?;
                Ok(())
            }
        }))
    }
}

/// The example of `schema`, or a value invented from it.
/// How the round trip reads what the client's `send()` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reads {
    /// A value that serializes as the JSON it was made from (typed JSON,
    /// any JSON value, a `String`, `()`).
    Value,
    /// A `ByteStream`.
    Bytes,
    /// The client's `EventStream`.
    Events,
}

/// A media type the declared one covers, for a body of bytes: itself, or
/// for a range (`image/*`, `*/*`) an octet stream of it.
fn concrete_media_type(declared: &str) -> String {
    let essence = declared.split(';').next().unwrap_or("").trim();
    match essence.split_once('/') {
        Some(("*", _)) | None => "application/octet-stream".to_string(),
        Some((kind, "*")) => format!("{kind}/octet-stream"),
        Some(_) => declared.to_string(),
    }
}

/// The example of `schema` where it fits the schema, else a value
/// invented from it.
fn example_of(schema: &model::Schema, components: &[(String, Node)], pointer: &str) -> Value {
    crate::invent::fitting(schema.example.clone(), schema, components, pointer).value
}

/// A parameter's JSON value as the texts sent on the wire (one per array item).
fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(texts).collect(),
        Value::String(s) => vec![s.clone()],
        other => vec![other.to_string()],
    }
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The generated client's `Access` with a credential for each scheme of
/// the operation's first security alternative (retries off: a round trip
/// answers at once), through the setters the client has for them.
fn access(model: &Model, operation: &model::Operation) -> TokenStream {
    let setters = crate::client::access::setters(model);
    let alternative = operation.security.iter().find(|r| {
        !r.schemes.is_empty()
            && r.schemes
                .iter()
                .all(|u| model.security_schemes.contains_key(&u.scheme))
    });
    let calls = alternative
        .into_iter()
        .flat_map(|r| &r.schemes)
        .filter_map(|u| {
            let setter = setters
                .iter()
                .find(|s| s.scheme == u.scheme && s.takes != Takes::ClientCredentials)?;
            let method = format_ident!("{}", setter.method);
            Some(
                match (setter.takes, &model.security_schemes[&u.scheme].kind) {
                    (Takes::UsernamePassword, _) => quote! { .#method("round", "trip") },
                    (_, SchemeKind::ApiKey { .. }) => quote! { .#method("round-trip-key") },
                    _ => quote! { .#method("round-trip-token") },
                },
            )
        });
    quote! { cl::Access::new().with_retry(cl::RetryPolicy::none()) #(#calls)* }
}

/// The credentials a raw request sends for the operation's first
/// security alternative: `(name, value)` header pairs (a cookie key as a
/// `cookie` header) and `name=value` query pairs.
fn credentials(model: &Model, operation: &model::Operation) -> (Vec<TokenStream>, Vec<String>) {
    let requirement = operation.security.iter().find(|r| {
        r.schemes.iter().all(|u| {
            model
                .security_schemes
                .get(&u.scheme)
                .is_some_and(|s| !matches!(s.kind, SchemeKind::HttpOther { .. }))
        })
    });
    let (mut headers, mut query) = (Vec::new(), Vec::new());
    let Some(requirement) = requirement else {
        return (headers, query);
    };
    for scheme in requirement
        .schemes
        .iter()
        .filter_map(|u| model.security_schemes.get(&u.scheme))
    {
        match &scheme.kind {
            SchemeKind::HttpBearer { .. }
            | SchemeKind::OAuth2 { .. }
            | SchemeKind::OpenIdConnect { .. } => {
                headers.push(quote! { ("authorization", "Bearer round-trip-token") })
            }
            SchemeKind::HttpBasic => {
                headers.push(quote! { ("authorization", "Basic cm91bmQ6dHJpcA==") })
            }
            SchemeKind::ApiKey { location, name } => match location {
                ApiKeyLocation::Header => headers.push(quote! { (#name, "round-trip-key") }),
                ApiKeyLocation::Query => query.push(format!("{}=round-trip-key", encode(name))),
                ApiKeyLocation::Cookie => {
                    let cookie = format!("{name}=round-trip-key");
                    headers.push(quote! { ("cookie", #cookie) })
                }
            },
            SchemeKind::HttpOther { .. } => {}
        }
    }
    (headers, query)
}

/// The parts the round trip sends for a multipart body: a file part
/// ([`BYTES`]) for each binary property, a text part per value (an array
/// one per item) for the others, from the invented `value`.
fn multipart_parts(media: &model::Media, value: Value) -> Vec<(String, Option<String>, Vec<u8>)> {
    let schema = media
        .schema
        .as_ref()
        .and_then(|s| s.json_schema.as_deref().cloned());
    let properties = schema
        .as_ref()
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let is_binary = |schema: &Value| {
        let schema = schema.get("items").unwrap_or(schema);
        schema.get("format").and_then(Value::as_str) == Some("binary")
            || schema.get("contentMediaType").is_some()
    };
    let mut parts = Vec::new();
    let Value::Object(fields) = value else {
        return parts;
    };
    for (name, field) in fields {
        let binary = properties.get(&name).is_some_and(is_binary);
        let items = match field {
            Value::Array(items) => items,
            other => vec![other],
        };
        for item in items {
            if binary {
                parts.push((name.clone(), Some(format!("{name}.bin")), BYTES.to_vec()));
            } else {
                let text = match item {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                parts.push((name.clone(), None, text.into_bytes()));
            }
        }
    }
    parts
}
