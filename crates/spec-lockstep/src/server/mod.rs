//! The server generator: from the model (`crate::model`) of a document and
//! its types (`crate::types`), two files a backend team reads top-down:
//!
//! - `api.rs`: the `Api` trait first (one async method per
//!   operation, with the document's docs), the `Hooks` trait, then each
//!   operation's request struct and response enum, and the response
//!   headers structs;
//! - `adapter.rs`: the declarations the runtime interprets — per operation
//!   a `static` `OperationSpec` and which declared response each variant of
//!   its response enum is — and the router, one registration per
//!   operation. Parsing, the gate, routing and encoding are the runtime's.
//!
//! Everything comes from the model; the Rust types of parameters, bodies
//! and responses come from the type space by id. What the generator cannot
//! serve stops it with an error naming the document node.

mod adapter;
mod api;
pub mod error_shape;
pub use crate::naming as names;
pub mod roundtrip;

use crate::naming::{pascal, snake};
use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context, Result};

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::model::{
    self, BodyEncoding, BodyKind, HeaderRole, Location, Model, SchemeKind, Status, Style, ValueKind,
};
use crate::types::{ParamType, Types};
use crate::vocab::{Kind, Shape};

/// What the server generator needs to know about the generated crates.
pub struct Crates<'a> {
    /// The types crate, as a Rust path segment (`ev_energy_types`).
    pub types: &'a str,
    /// The runtime crate (`ev_energy_runtime`).
    pub runtime: &'a str,
}

/// The two generated files of a server crate.
pub struct ServerFiles {
    /// `src/generated/api.rs`.
    pub api: TokenStream,
    /// `src/generated/adapter.rs`.
    pub adapter: TokenStream,
}

/// Generates the server of `model`.
pub fn generate(model: &Model, types: &mut Types, crates: &Crates<'_>) -> Result<ServerFiles> {
    types.add_server_responses(model)?;
    let mut operations = Vec::new();
    // The adapter's statics: one per operation, beside `API` and the
    // header tables.
    let mut statics = names::Scope::with(&["API", "HEADERS_*"]);
    // Every operation the server cannot serve is listed, not only the first.
    let mut errors = Vec::new();
    for operation in &model.operations {
        let mut op = match Op::read(model, operation, types) {
            Ok(op) => op,
            Err(e) => {
                errors.push(format!(
                    "{} {} ({}): {e:#}",
                    operation.method, operation.path, operation.pointer
                ));
                continue;
            }
        };
        let name = heck::AsShoutySnakeCase(&op.pascal).to_string();
        op.spec = format_ident!("{}", statics.claim(&name, Some("OPERATION")));
        operations.push(op);
    }
    match errors.as_slice() {
        [] => {}
        [one] => bail!("cannot generate the server for {one}"),
        all => bail!(
            "cannot generate the server for {} operations:\n  {}",
            all.len(),
            all.join("\n  ")
        ),
    }
    for (name, scheme) in &model.security_schemes {
        if let SchemeKind::HttpOther { scheme: other } = &scheme.kind {
            let used = model.operations.iter().any(|o| {
                o.security
                    .iter()
                    .flat_map(|r| &r.schemes)
                    .any(|u| &u.scheme == name)
            });
            if used {
                bail!(
                    "security scheme `{name}` (http `{other}`) is not supported: the adapter reads \
                     http bearer and basic, apiKey (header, query, cookie), oauth2 and openIdConnect \
                     credentials (/components/securitySchemes/{name})"
                );
            }
        }
    }
    let problem_type = usual_error_body(&operations);
    let error_bodies = error_bodies(&operations);
    let doc = Doc {
        model,
        operations,
        problem_type,
        error_bodies,
        types: format_ident!("{}", crates.types),
        runtime: format_ident!("{}", crates.runtime),
    };
    Ok(ServerFiles {
        api: api::tokens(&doc),
        adapter: adapter::tokens(&doc),
    })
}

/// The body type the document's error responses use most (the first of
/// those used as often), for the adapter's own problems.
fn usual_error_body(operations: &[Op<'_>]) -> Option<TokenStream> {
    let mut counts: Vec<(String, TokenStream, usize)> = Vec::new();
    let bodies = operations
        .iter()
        .flat_map(|o| &o.responses)
        .filter(|r| r.model.status.is_error() && r.typed)
        .filter_map(|r| r.body.as_ref().map(|(ty, _)| ty));
    for ty in bodies {
        let key = ty.to_string();
        match counts.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, n)) => *n += 1,
            None => counts.push((key, ty.clone(), 1)),
        }
    }
    let most = counts.iter().map(|(_, _, n)| *n).max()?;
    counts
        .into_iter()
        .find(|(_, _, n)| *n == most)
        .map(|(_, ty, _)| ty)
}

/// The error body types of the document, by their Rust type's text: the
/// media type of the first response that uses each, and how it holds the
/// adapter's problems.
fn error_bodies(operations: &[Op<'_>]) -> BTreeMap<String, ErrorBody> {
    let mut bodies = BTreeMap::new();
    for response in operations.iter().flat_map(|o| &o.responses) {
        if let (Some((ty, media_type)), Some((shape, pointer))) = (&response.body, &response.shape)
        {
            bodies.entry(ty.to_string()).or_insert_with(|| ErrorBody {
                ty: ty.clone(),
                media_type: media_type.clone(),
                shape: shape.clone(),
                pointer: pointer.clone(),
            });
        }
    }
    bodies
}

/// An error body type of the document.
struct ErrorBody {
    ty: TokenStream,
    /// The media type of the first response with it.
    media_type: String,
    /// How it holds the adapter's problems.
    shape: error_shape::Shape,
    /// The schema's pointer, for docs and messages.
    pointer: String,
}

impl ErrorBody {
    /// The runtime's encoder of the adapter's problems as this body.
    fn encoder(&self) -> TokenStream {
        let ty = &self.ty;
        match self.shape {
            error_shape::Shape::Problem => quote! { rt::typed_problem::<#ty> },
            _ => quote! { rt::shaped_problem::<#ty, Document> },
        }
    }
}

/// The document, as both files need it.
struct Doc<'a> {
    model: &'a Model,
    operations: Vec<Op<'a>>,
    /// The body type of most error responses ([`usual_error_body`]).
    problem_type: Option<TokenStream>,
    /// Every error body type ([`error_bodies`]).
    error_bodies: BTreeMap<String, ErrorBody>,
    types: Ident,
    runtime: Ident,
}

impl Doc<'_> {
    /// Whether any operation takes credentials: then the backend
    /// authenticates them (`Hooks::authenticate`).
    fn secured(&self) -> bool {
        self.model.secured()
    }

    /// Whether any response requires a rate-limit header: then the hooks
    /// must rate-limit every request.
    fn requires_rate_limits(&self) -> Option<String> {
        self.model.requires_rate_limits()
    }
}

/// One operation, ready to render.
struct Op<'a> {
    model: &'a model::Operation,
    /// `list_dispatcher_logs`
    fn_name: Ident,
    /// `ListDispatcherLogs`
    pascal: String,
    /// The `static` of its `OperationSpec` (`LIST_DISPATCHER_LOGS`).
    spec: Ident,
    params: Vec<Param<'a>>,
    body: Option<Body>,
    responses: Vec<Resp<'a>>,
}

struct Param<'a> {
    model: &'a model::Parameter,
    field: Ident,
    ty: ParamType,
    shape: Shape,
    kind: Kind,
}

struct Body {
    required: bool,
    /// The request struct's field type (without the `Option` of an
    /// optional body).
    ty: TokenStream,
    schema: String,
    description: Option<String>,
    /// What the field holds.
    encoding: BodyEncoding,
    /// Each media type and how it is read; empty when the body is only
    /// `application/json` (the runtime's default).
    consumes: Vec<(String, BodyEncoding)>,
}

impl Body {
    fn read(
        operation: &model::Operation,
        body: &model::RequestBody,
        types: &Types,
    ) -> Result<Self> {
        let encoding = body
            .encoding()
            .ok_or_else(|| anyhow!("the request body ({}) has no media type", body.pointer))?;
        let primary = body.primary();
        let (ty, schema) = match encoding {
            BodyEncoding::Json | BodyEncoding::Form => {
                let schema = primary
                    .and_then(|m| m.schema.as_ref())
                    .and_then(|s| s.json_schema.as_deref().cloned())
                    .ok_or_else(|| {
                        anyhow!(
                            "the request body's schema refers to itself ({})",
                            body.pointer
                        )
                    })?;
                (
                    types
                        .body(operation)
                        .ok_or_else(|| anyhow!("the request body has no type"))??,
                    schema,
                )
            }
            BodyEncoding::Text => (
                quote! { ::std::string::String },
                primary
                    .and_then(|m| m.schema.as_ref())
                    .and_then(|s| s.json_schema.as_deref().cloned())
                    .unwrap_or(serde_json::Value::Bool(true)),
            ),
            BodyEncoding::Multipart => (
                quote! { runtime::Multipart },
                primary
                    .and_then(|m| m.schema.as_ref())
                    .and_then(|s| s.json_schema.as_deref().cloned())
                    .unwrap_or(serde_json::Value::Bool(true)),
            ),
            BodyEncoding::Binary => (quote! { runtime::Binary }, serde_json::Value::Bool(true)),
        };
        let only_json = body.content.len() == 1
            && body.content[0].media_type == crate::spec::JSON
            && encoding == BodyEncoding::Json;
        let consumes = if only_json {
            Vec::new()
        } else {
            body.content
                .iter()
                .map(|m| {
                    let each = match encoding {
                        BodyEncoding::Json | BodyEncoding::Form => m.body_encoding(),
                        other => other,
                    };
                    (m.media_type.trim().to_string(), each)
                })
                .collect()
        };
        Ok(Self {
            required: body.required,
            ty,
            schema: serde_json::to_string(&schema)?,
            description: body.description.clone(),
            encoding,
            consumes,
        })
    }
}

struct Resp<'a> {
    model: &'a model::Response,
    variant: Ident,
    /// The exact code, where the response declares one (not a range or
    /// `default`): any status 100–599, registered or not (AWS documents
    /// declare 480).
    status: Option<u16>,
    /// The body's Rust type and the media type it is answered with.
    body: Option<(TokenStream, String)>,
    /// How the body is sent (`None`: no body).
    kind: Option<BodyKind>,
    /// Whether the body is JSON of a type the document's schema gives (not
    /// any JSON value, text or bytes).
    typed: bool,
    /// For an error response with a body: how its schema holds the
    /// adapter's problems, and the schema's pointer.
    shape: Option<(error_shape::Shape, String)>,
    headers: Vec<Header<'a>>,
    /// The headers struct (empty when the response declares none).
    headers_struct: Option<Ident>,
}

struct Header<'a> {
    name: &'a str,
    /// Lower case, for `HeaderName::from_static`.
    lower: String,
    field: Ident,
    ty: TokenStream,
    required: bool,
    role: Option<HeaderRole>,
    description: Option<&'a str>,
}

impl Header<'_> {
    /// Whether the backend must set it: required, and nothing the runtime
    /// knows fills it.
    fn backend_must_set(&self) -> bool {
        self.required && self.role.is_none()
    }
}

impl<'a> Op<'a> {
    fn read(model: &'a Model, operation: &'a model::Operation, types: &mut Types) -> Result<Self> {
        let pascal = pascal(&operation.id);
        let fn_name = format_ident!("{}", snake(&operation.id));
        let mut params = Vec::new();
        // The request struct's fields: one per parameter, beside `body`.
        let mut fields = names::Scope::with(if operation.body.is_some() {
            &["body"]
        } else {
            &[]
        });
        for parameter in &operation.parameters {
            params.push(Param::read(operation, parameter, types, &mut fields)?);
        }
        let body = match &operation.body {
            None => None,
            Some(body) => Some(Body::read(operation, body, types)?),
        };
        let mut responses = Vec::new();
        for response in &operation.responses {
            responses.push(Resp::read(model, operation, response, types, &pascal)?);
        }
        Ok(Self {
            model: operation,
            fn_name,
            spec: format_ident!("{}", heck::AsShoutySnakeCase(&pascal).to_string()),
            pascal,
            params,
            body,
            responses,
        })
    }

    fn request_ident(&self) -> Ident {
        format_ident!("{}Request", self.pascal)
    }

    fn response_ident(&self) -> Ident {
        format_ident!("{}Response", self.pascal)
    }

    /// The `static` of its `OperationSpec`.
    fn spec_ident(&self) -> Ident {
        self.spec.clone()
    }
}

impl<'a> Param<'a> {
    fn read(
        operation: &model::Operation,
        parameter: &'a model::Parameter,
        types: &Types,
        fields: &mut names::Scope,
    ) -> Result<Self> {
        let name = &parameter.name;
        let unsupported = |what: &str| {
            anyhow!(
                "parameter `{name}` ({}): {what} is not supported",
                parameter.pointer
            )
        };
        if let Some(what) = parameter.unsupported() {
            return Err(unsupported(&what));
        }
        let array = matches!(parameter.schema.value, ValueKind::Array(_));
        let shape = match (
            array,
            parameter.location,
            parameter.style,
            parameter.explode,
        ) {
            (false, _, _, _) => Shape::Scalar,
            (true, Location::Query | Location::Cookie, Style::Form, true) => Shape::Exploded,
            (true, _, _, _) => Shape::CommaSeparated,
        };
        let item_kind = match &parameter.schema.value {
            ValueKind::Array(item) => item.as_ref(),
            other => other,
        };
        let kind = match item_kind {
            ValueKind::String | ValueKind::Other => Kind::String,
            ValueKind::Integer => Kind::Integer,
            ValueKind::Number => Kind::Number,
            ValueKind::Boolean => Kind::Boolean,
            ValueKind::Object | ValueKind::Array(_) => {
                return Err(unsupported("a value that is an object or a nested array"))
            }
        };
        let field = fields.claim(&snake(name), Some(parameter.location.as_str()));
        Ok(Self {
            model: parameter,
            field: format_ident!("{}", field),
            ty: types
                .param(operation, parameter)
                .with_context(|| format!("parameter `{name}`"))?,
            shape,
            kind,
        })
    }

    /// Required, or defaulted: the request holds a value, not an `Option`.
    fn always_present(&self) -> bool {
        self.model.required || self.model.schema.default.is_some()
    }

    /// The type of the request's field.
    fn field_type(&self) -> TokenStream {
        match &self.ty {
            ParamType::Array(item) => quote! { ::std::vec::Vec<#item> },
            ParamType::Scalar(ty) if self.always_present() => quote! { #ty },
            ParamType::Scalar(ty) => quote! { ::std::option::Option<#ty> },
        }
    }
}

impl<'a> Resp<'a> {
    fn read(
        model: &Model,
        operation: &model::Operation,
        response: &'a model::Response,
        types: &mut Types,
        op_pascal: &str,
    ) -> Result<Self> {
        let variant = match response.status {
            Status::Code(code) => http::StatusCode::from_u16(code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .map(pascal)
                .unwrap_or_else(|| format!("Status{code}")),
            Status::Range(class) => format!("Status{class}xx"),
            Status::Default => "Default".to_string(),
        };
        let status = match response.status {
            Status::Code(code) => Some(code),
            _ => None,
        };
        let declared = response.body();
        let body = match declared {
            None => None,
            Some(body) => {
                let ty = match body.kind {
                    BodyKind::Json if body.schema().is_some() => types
                        .response(operation, response.status)
                        .ok_or_else(|| anyhow!("response {} has no type", response.status))??,
                    BodyKind::Json => quote! { runtime::reexports::serde_json::Value },
                    BodyKind::Text => quote! { ::std::string::String },
                    BodyKind::Bytes => quote! { runtime::Binary },
                    BodyKind::EventStream => quote! { runtime::EventStream },
                };
                Some((ty, body.media_type().to_string()))
            }
        };
        let kind = declared.map(|b| b.kind);
        let typed = declared.is_some_and(|b| b.schema().is_some());
        let shape = match (&body, response.status.is_error()) {
            (Some(_), true) if typed => declared.map(|b| b.media).and_then(error_shape::of_media),
            _ => None,
        };
        let mut headers = Vec::new();
        // The headers struct's fields, which the response's constructor
        // also takes beside `status` and `body`.
        let mut fields = names::Scope::with(&["status", "body"]);
        for header in &response.headers {
            let version_header = operation
                .parameters
                .iter()
                .any(|p| p.api_version && p.name.eq_ignore_ascii_case(&header.name));
            let role = if version_header {
                Some(HeaderRole::ApiVersion)
            } else {
                header.role
            };
            let ty = types
                .header(
                    &header.schema.typify,
                    &format!("{}-{}-{}", operation.id, response.status, header.name),
                )
                .with_context(|| {
                    format!(
                        "response {} ({}): header `{}`",
                        response.status, response.pointer, header.name
                    )
                })?;
            headers.push(Header {
                name: &header.name,
                lower: header.name.to_ascii_lowercase(),
                field: format_ident!("{}", fields.claim(&snake(&header.name), Some("header"))),
                ty,
                required: header.required,
                role,
                description: header.description.as_deref(),
            });
        }
        let headers_struct = (!headers.is_empty()).then(|| match &response.component {
            Some(component) => format_ident!("{}Headers", pascal(component)),
            None => format_ident!("{op_pascal}{variant}Headers"),
        });
        let _ = model;
        Ok(Self {
            model: response,
            variant: format_ident!("{}", variant),
            status,
            body,
            kind,
            typed,
            shape,
            headers,
            headers_struct,
        })
    }

    /// The constructor's name (`ok`, `bad_request`, `status_4xx`).
    fn constructor(&self) -> Ident {
        format_ident!("{}", snake(&self.variant.to_string()))
    }
}

/// `#[doc]` attributes, one per line, so prettyplease renders `///` lines;
/// nothing for an empty text.
fn doc_lines(text: &str) -> TokenStream {
    let text = text.trim();
    if text.is_empty() {
        return TokenStream::new();
    }
    let lines = text.lines().map(|line| {
        let line = if line.trim().is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        quote! { #[doc = #line] }
    });
    quote! { #(#lines)* }
}

/// Joins paragraphs, leaving out empty ones.
fn paragraphs(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_and_pascal_make_rust_identifiers_escaping_keywords_and_leading_digits() {
        assert_eq!(snake("logged_at__gte"), "logged_at_gte");
        assert_eq!(snake("EvEnergy-Version"), "ev_energy_version");
        assert_eq!(snake("type"), "type_");
        assert_eq!(pascal("list_dispatcher_logs"), "ListDispatcherLogs");
        assert_eq!(snake("1st"), "x1st");
    }

    #[test]
    fn operations_the_generators_cannot_serve_are_left_out_with_a_warning() {
        let op = |id: &str, schema: &str| {
            format!(
                "    get:\n      operationId: {id}\n      parameters:\n        - {{name: grid, in: query, \
                 schema: {schema}}}\n      responses: {{'200': {{description: ok}}}}\n"
            )
        };
        let nested = "{type: array, items: {type: array, items: {type: string}}}";
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n{}  /b:\n{}  /c:\n{}",
            op("a", nested),
            op("b", "{type: string}").replace("in: query,", "in: query, style: deepObject,"),
            op("c", "{type: string}")
        );
        let document = crate::spec::Document::parse(std::path::Path::new("t.yaml"), &text).unwrap();
        let (model, findings) = crate::model::load(&document);
        let ids: Vec<&str> = model.operations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["c"]);
        let warnings: Vec<String> = findings.iter().map(ToString::to_string).collect();
        assert!(
            warnings.contains(
                &"/paths/~1a/get/parameters/0: parameter `grid`: a value that is an \
             object or a nested array is not supported: the operation `a` (GET /a) is left out of \
             the generated crates"
                    .to_string()
            ),
            "{warnings:#?}"
        );
        assert!(
            warnings.contains(
                &"/paths/~1b/get/parameters/0: parameter `grid`: style \
             `DeepObject` is not supported: the operation `b` (GET /b) is left out of the \
             generated crates"
                    .to_string()
            ),
            "{warnings:#?}"
        );
        let api = crate::standalone::api(std::path::Path::new("t.yaml")).unwrap();
        let files = crate::codegen::generate_from_document(&document, &api).unwrap();
        let client = &files[1].contents;
        assert!(client.contains("pub fn c(&self)"), "{client}");
        assert!(!client.contains("pub fn a(&self)") && !client.contains("pub fn b(&self)"));
    }
}
