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
pub(crate) mod ir;
pub use crate::naming as names;

use ir::{Header, Op, Param, Resp};

use std::collections::BTreeMap;

use anyhow::{bail, Result};

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Model, SchemeKind};
use crate::types::Types;

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
    use crate::naming::{pascal, snake};

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
