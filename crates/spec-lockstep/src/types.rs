//! The model types of a document, from typify's public API.
//!
//! One [`TypeSpace`] holds every type: the document's component schemas,
//! and each operation's parameters, body and responses, added under the
//! names progenitor gives them (`{operationId}-{parameter}`,
//! `{operationId}-body`, `{operationId}-response`; typify turns a name
//! into a Rust identifier itself). The types crate is this space rendered;
//! the server generator asks it for the Rust type of each parameter, body
//! and response by [`TypeId`], never by reading rendered code.
//!
//! progenitor builds its own space for the client from the same document.
//! [`Types::verify_client`] checks that both render identically, so a
//! progenitor or typify upgrade that named or shaped a type differently
//! stops the generator with a message instead of producing a client and a
//! server that disagree. What only the server reads (response headers,
//! cookie parameters) is typed after that check, so the types crate may
//! hold a few types the client never names — among them the JSON
//! responses progenitor is shown as any value or bytes
//! (`model::progenitor_view`), typed for the server as
//! `{operationId}-{status}-response`.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, bail, Context, Result};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use typify::{TypeDetails, TypeId, TypeSpace, TypeSpaceSettings};

pub(crate) mod date_times;
mod fields;

use crate::model::progenitor_view::{view, ClientBody};
use crate::model::{Location, Media, Model, Operation, Parameter, RequestBody, Status};
use crate::naming::progenitor;

/// The derives every model type gets, besides the ones typify always adds
/// (`Clone`, `Debug`, `Serialize`, `Deserialize`).
pub const EXTRA_DERIVES: &[&str] = &["schemars::JsonSchema", "PartialEq"];

/// The module path the types live under, in the client and the server
/// (`types::DispatcherLog`).
const TYPE_MOD: &str = "types";

/// The Rust type of JSON objects with `additionalProperties` (maps): an
/// ordered map, so that what the server sends (e.g. a problem's
/// `field_errors`) is in the same order every time.
pub const MAP_TYPE: &str = "::std::collections::BTreeMap";

/// How a parameter's value is held by a request.
#[derive(Clone, Debug)]
pub enum ParamType {
    /// One value of this type.
    Scalar(TokenStream),
    /// An array: a `Vec` of this item type.
    Array(TokenStream),
}

/// A schema typify cannot read (it returns an error, or panics): its JSON
/// pointer, and what typify said. [`settle`] reads the document again with
/// that schema as any JSON value.
#[derive(Debug)]
pub struct Untypeable {
    /// The schema's JSON pointer.
    pub pointer: String,
    /// typify's words.
    pub message: String,
}

impl std::fmt::Display for Untypeable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "typify cannot read the schema {}: {}",
            self.pointer, self.message
        )
    }
}

impl std::error::Error for Untypeable {}

/// How many schemas one document may have read as any value before
/// [`settle`] gives up (each costs a reading of the document).
const MAX_UNTYPED: usize = 64;

/// The document as the types can be built from it: every schema typify
/// cannot read (`Untypeable`) is, for that schema alone, any JSON value
/// (`serde_json::Value`), with a warning naming its pointer and typify's
/// words; the rest of the document is typed as written. Codegen and the
/// corpus round trip both read the document through it, so they agree.
pub fn settle(
    document: &crate::spec::Document,
) -> Result<std::borrow::Cow<'_, crate::spec::Document>> {
    let mut settled = std::borrow::Cow::Borrowed(document);
    for _ in 0..MAX_UNTYPED {
        let (model, _) = crate::model::load(&settled);
        let untypeable = match Types::build(&model) {
            Ok(_) => return Ok(settled),
            Err(e) => e.downcast::<Untypeable>()?,
        };
        let next = settled
            .untyped(&untypeable.pointer, &untypeable.message)
            .with_context(|| untypeable.to_string())?;
        settled = std::borrow::Cow::Owned(next);
    }
    bail!("more than {MAX_UNTYPED} schemas of this document are ones typify cannot read")
}

/// The first of `schemas` that typify cannot read with the ones before it
/// (the rest stand in as any value), when `add_ref_types` fails on them
/// all: found by bisection, a few typify runs.
fn first_untypeable(schemas: &[(String, schemars::schema::Schema)]) -> Option<(usize, String)> {
    let attempt = |k: usize| {
        let mut space = TypeSpace::new(&settings());
        let with = schemas.iter().enumerate().map(|(i, (name, schema))| {
            let schema = if i < k {
                schema.clone()
            } else {
                schemars::schema::Schema::Bool(true)
            };
            (name.clone(), schema)
        });
        guarded(|| space.add_ref_types(with))
    };
    let message = attempt(schemas.len()).err()?;
    // attempt(lo) reads, attempt(hi) does not.
    let (mut lo, mut hi, mut last) = (0, schemas.len(), message);
    if attempt(0).is_err() {
        return None;
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        match attempt(mid) {
            Ok(()) => lo = mid,
            Err(message) => {
                hi = mid;
                last = message;
            }
        }
    }
    Some((hi - 1, last))
}

/// The types `tokens` implement `Display` for at their top level (`impl
/// … Display for Name`), read from the tokens: parsing a large document's
/// types to find them took seconds.
fn displayed_types(tokens: &TokenStream) -> BTreeSet<String> {
    use proc_macro2::{Delimiter, TokenTree};
    let mut displayed = BTreeSet::new();
    // The item being read: after `impl`, until its body.
    let mut header: Option<Vec<TokenTree>> = None;
    for tree in tokens.clone() {
        match (&tree, header.as_mut()) {
            (TokenTree::Ident(ident), None) if ident == "impl" => header = Some(Vec::new()),
            (TokenTree::Group(g), Some(words)) if g.delimiter() == Delimiter::Brace => {
                let names: Vec<String> = words
                    .iter()
                    .filter_map(|t| match t {
                        TokenTree::Ident(i) => Some(i.to_string()),
                        _ => None,
                    })
                    .collect();
                let trait_then_for = names
                    .iter()
                    .position(|n| n == "for")
                    .filter(|&at| at > 0 && names[at - 1] == "Display");
                // `impl Display for Name {` (or `…::Display for
                // path::Name {`): the last word is the type.
                if let (Some(_), Some(name)) = (trait_then_for, names.last()) {
                    if !words
                        .iter()
                        .any(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '<'))
                    {
                        displayed.insert(name.clone());
                    }
                }
                header = None;
            }
            (TokenTree::Punct(p), Some(_)) if p.as_char() == ';' => header = None,
            (_, Some(words)) => words.push(tree),
            _ => {}
        }
    }
    displayed
}

/// Every type of one document, and which one each operation part uses.
pub struct Types {
    space: TypeSpace,
    params: BTreeMap<(String, Location, String), TypeId>,
    bodies: BTreeMap<String, TypeId>,
    responses: BTreeMap<(String, Status), TypeId>,
}

/// typify's settings, the same progenitor derives from its own for the
/// builder interface with these derives.
fn settings() -> TypeSpaceSettings {
    let mut settings = TypeSpaceSettings::default();
    settings
        .with_type_mod(TYPE_MOD)
        .with_struct_builder(true)
        .with_map_type(MAP_TYPE);
    for derive in EXTRA_DERIVES {
        settings.with_derive(derive.to_string());
    }
    settings
}

/// The media type of a body whose schema progenitor types: JSON
/// (`application/json`, or a `+json` type such as `application/problem+json`).
pub fn typed_media(content: &[Media]) -> Option<&Media> {
    content
        .iter()
        .find(|m| m.media_type == "application/json")
        .or_else(|| content.iter().find(|m| m.is_json()))
        .filter(|m| m.schema.is_some())
}

/// The media type of a request body whose schema progenitor types: the
/// one the client sends ([`RequestBody::primary`]), when it is JSON or a
/// form (progenitor names both `{operationId}-body`).
pub fn body_media(body: &RequestBody) -> Option<&Media> {
    body.primary()
        .filter(|m| m.body_encoding().is_typed() && m.schema.is_some())
}

impl Types {
    /// Builds the type space of `model`.
    pub fn build(model: &Model) -> Result<Self> {
        let mut space = TypeSpace::new(&settings());
        if let Err(e) = guarded(|| space.add_ref_types(model.typify_schemas.iter().cloned())) {
            return Err(match first_untypeable(&model.typify_schemas) {
                Some((i, message)) => Untypeable {
                    pointer: format!(
                        "/components/schemas/{}",
                        crate::spec::escape_pointer(&model.typify_schemas[i].0)
                    ),
                    message,
                }
                .into(),
                None => anyhow!("typify cannot read `components/schemas`: {e}"),
            });
        }
        let mut params = BTreeMap::new();
        let mut bodies = BTreeMap::new();
        let mut responses = BTreeMap::new();
        for operation in &model.operations {
            // progenitor's client leaves cookie parameters out (see
            // `Document::for_generators`): they are typed after the check.
            for parameter in operation
                .parameters
                .iter()
                .filter(|p| p.location != Location::Cookie)
            {
                let id = guarded(|| {
                    space.add_type_with_name(
                        &parameter.schema.typify,
                        Some(progenitor::type_name(&operation.id, &parameter.client_name)),
                    )
                })
                .map_err(|message| Untypeable {
                    pointer: parameter.schema.pointer.clone(),
                    message,
                })?;
                params.insert(key(operation, parameter), id);
            }
            if let Some(media) = operation.body.as_ref().and_then(body_media) {
                let schema = media.schema.as_ref().map(|s| &s.typify);
                if let Some(schema) = schema {
                    let id = guarded(|| {
                        space.add_type_with_name(
                            schema,
                            Some(progenitor::type_name(&operation.id, "body")),
                        )
                    })
                    .map_err(|message| Untypeable {
                        pointer: media
                            .schema
                            .as_ref()
                            .map(|s| s.pointer.clone())
                            .unwrap_or_default(),
                        message,
                    })?;
                    bodies.insert(operation.id.clone(), id);
                }
            }
            // Only the types progenitor is shown (see `progenitor_view`);
            // the server's others are typed after the check.
            for (response, shown) in operation.responses.iter().zip(view(operation)) {
                let ClientBody::Typed(schema) = shown else {
                    continue;
                };
                let schema_pointer = schema.pointer.clone();
                let schema = &schema.typify;
                let id = guarded(|| {
                    space.add_type_with_name(
                        schema,
                        Some(progenitor::type_name(&operation.id, "response")),
                    )
                })
                .map_err(|message| Untypeable {
                    pointer: schema_pointer.clone(),
                    message,
                })?;
                responses.insert((operation.id.clone(), response.status), id);
            }
        }
        Ok(Self {
            space,
            params,
            bodies,
            responses,
        })
    }

    /// Types the cookie parameters, which progenitor's client leaves out.
    /// Call after [`Types::verify_client`]: a type they need (a constrained
    /// string, say) is in the types crate but not in progenitor's space.
    pub fn add_cookie_params(&mut self, model: &Model) -> Result<()> {
        for operation in &model.operations {
            for parameter in operation
                .parameters
                .iter()
                .filter(|p| p.location == Location::Cookie)
            {
                let id = guarded(|| {
                    self.space.add_type_with_name(
                        &parameter.schema.typify,
                        Some(format!("{}-{}", operation.id, parameter.client_name)),
                    )
                })
                .map_err(|e| {
                    anyhow!(
                        "typify cannot type the cookie parameter `{}` ({}): {e}",
                        parameter.name,
                        parameter.pointer
                    )
                })?;
                self.params.insert(key(operation, parameter), id);
            }
        }
        Ok(())
    }

    /// Types the JSON response bodies progenitor is not shown typed (see
    /// `progenitor_view`: success responses of several types), which the
    /// server types each as declared, as `{operationId}-{status}-response`.
    /// Call after [`Types::verify_client`].
    pub fn add_server_responses(&mut self, model: &Model) -> Result<()> {
        for operation in &model.operations {
            for response in &operation.responses {
                let key = (operation.id.clone(), response.status);
                let Some(schema) = response.body().and_then(|b| b.schema()) else {
                    continue;
                };
                if self.responses.contains_key(&key) {
                    continue;
                }
                let space = &mut self.space;
                let id = guarded(|| {
                    space.add_type_with_name(
                        &schema.typify,
                        Some(format!("{}-{}-response", operation.id, response.status)),
                    )
                })
                .map_err(|e| {
                    anyhow!(
                        "typify cannot type the {} response of `{}` ({}): {e}",
                        response.status,
                        operation.id,
                        response.pointer
                    )
                })?;
                self.responses.insert(key, id);
            }
        }
        Ok(())
    }

    /// The types crate: every type, rendered.
    pub fn tokens(&self) -> TokenStream {
        self.space.to_stream()
    }

    /// The types crate as written: [`Types::tokens`], with the fields
    /// typify names alike told apart (see `types/fields.rs`) and date-times
    /// written digit by digit (`types/date_times.rs`).
    pub fn crate_tokens(&self) -> Result<TokenStream> {
        let clashing = fields::clashing(&self.space);
        let mut tokens = self.tokens();
        if !clashing.is_empty() {
            tokens = fields::distinct(tokens, &clashing)
                .context("typify's output does not parse")?
                .0;
        }
        date_times::written_by_digits(tokens).context("typify's output does not parse")
    }

    /// A warning per struct with fields typify names alike: which field
    /// name, and what the others get.
    pub fn field_clash_findings(&self) -> Vec<crate::model::Finding> {
        fields::clashing(&self.space)
            .into_iter()
            .map(|name| {
                crate::model::Finding::warning(
                    "/components/schemas",
                    format!(
                        "the type `{name}` has properties whose names differ only in case or \
                         punctuation, which Rust names alike: the property whose name is the \
                         field's keeps it, the others get `_2`, `_3`, … (their wire names are \
                         kept)"
                    ),
                )
            })
            .collect()
    }

    /// What the types crate adds to typify's output, for every newtype:
    /// `Display` where typify gives none (an ID can be printed), and for a
    /// `number` newtype, conversions from integers (`version(2)`, not only
    /// `version(2.0)`), keeping the document's `number`.
    /// `rendered` is [`Types::tokens`], rendered once by the caller.
    pub fn conveniences(&self, rendered: &TokenStream) -> TokenStream {
        // typify 0.8 reports `Display` for constrained string newtypes
        // (`has_impl`) but does not render it; ask its output instead.
        let displayed = displayed_types(rendered);
        let mut out = Vec::new();
        for ty in self.space.iter_types() {
            let TypeDetails::Newtype(newtype) = ty.details() else {
                continue;
            };
            let Ok(inner) = self.space.get_type(&newtype.inner()) else {
                continue;
            };
            let name = format_ident!("{}", ty.name());
            let inner_details = inner.details();
            if !displayed.contains(&ty.name()) {
                let body = match inner_details {
                    TypeDetails::String => Some(quote! { f.write_str(&self.0) }),
                    TypeDetails::Builtin(_) => {
                        Some(quote! { ::std::fmt::Display::fmt(&self.0, f) })
                    }
                    _ => None,
                };
                if let Some(body) = body {
                    out.push(quote! {
                        impl ::std::fmt::Display for #name {
                            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                                #body
                            }
                        }
                    });
                }
            }
            if matches!(inner.details(), TypeDetails::Builtin("f64")) {
                for integer in [quote! { i32 }, quote! { u32 }] {
                    out.push(quote! {
                        /// The number, as the document's `number` holds it (every
                        /// value of this integer type is exactly a `f64`).
                        impl ::std::convert::TryFrom<#integer> for #name {
                            type Error = <#name as ::std::convert::TryFrom<f64>>::Error;
                            fn try_from(value: #integer) -> ::std::result::Result<Self, Self::Error> {
                                <#name as ::std::convert::TryFrom<f64>>::try_from(f64::from(value))
                            }
                        }
                    });
                }
            }
        }
        quote! { #(#out)* }
    }

    fn ident(&self, id: &TypeId) -> Result<TokenStream> {
        Ok(self
            .space
            .get_type(id)
            .map_err(|e| anyhow!("typify lost a type it made: {e}"))?
            .ident())
    }

    /// The Rust type of a parameter's value: an array's item type, or the
    /// value's type (without the `Option` typify adds for a nullable schema).
    pub fn param(&self, operation: &Operation, parameter: &Parameter) -> Result<ParamType> {
        let id = self
            .params
            .get(&key(operation, parameter))
            .ok_or_else(|| anyhow!("parameter `{}` has no type", parameter.name))?;
        self.value_type(id)
    }

    /// The type of a value: `Vec` items and nullable `Option`s unwrapped.
    fn value_type(&self, id: &TypeId) -> Result<ParamType> {
        let ty = self.space.get_type(id).map_err(|e| anyhow!("{e}"))?;
        let details = ty.details();
        let result = match details {
            TypeDetails::Vec(item) => ParamType::Array(self.ident(&item)?),
            TypeDetails::Option(inner) => self.value_type(&inner)?,
            _ => ParamType::Scalar(ty.ident()),
        };
        Ok(result)
    }

    /// The Rust type of an operation's JSON or form request body.
    pub fn body(&self, operation: &Operation) -> Option<Result<TokenStream>> {
        self.bodies.get(&operation.id).map(|id| self.ident(id))
    }

    /// The Rust type of a response's JSON body.
    pub fn response(&self, operation: &Operation, status: Status) -> Option<Result<TokenStream>> {
        self.responses
            .get(&(operation.id.clone(), status))
            .map(|id| self.ident(id))
    }

    /// The Rust type of a response header's schema. Headers are not part
    /// of progenitor's client; call after [`Types::verify_client`].
    pub fn header(&mut self, schema: &schemars::schema::Schema, name: &str) -> Result<TokenStream> {
        let id = guarded(|| {
            self.space
                .add_type_with_name(schema, Some(name.to_string()))
        })
        .map_err(|e| anyhow!("typify cannot type {name}: {e}"))?;
        self.ident(&id)
    }

    /// Checks that progenitor's type space (the client's `types`) is this
    /// one: the same types, rendered the same.
    pub fn verify_client(&self, client: &TypeSpace) -> Result<()> {
        // The same tokens are the same code: the common case, decided
        // without rendering either (rendering a large document's types
        // twice costs seconds).
        if self.tokens().to_string() == client.to_stream().to_string() {
            return Ok(());
        }
        let render = |tokens: TokenStream| -> Result<(String, BTreeSet<String>)> {
            let file: syn::File = syn::parse2(tokens).context("typify's output does not parse")?;
            let names = file
                .items
                .iter()
                .filter_map(|item| match item {
                    syn::Item::Struct(s) => Some(s.ident.to_string()),
                    syn::Item::Enum(e) => Some(e.ident.to_string()),
                    syn::Item::Type(t) => Some(t.ident.to_string()),
                    _ => None,
                })
                .collect();
            Ok((prettyplease::unparse(&file), names))
        };
        let (ours, our_names) = render(self.tokens())?;
        let (theirs, their_names) = render(client.to_stream())?;
        if ours == theirs {
            return Ok(());
        }
        // Both renderings, for the report (in the system's temporary
        // folder: never beside the user's files).
        let dir = std::env::temp_dir().join(format!("xtask-types-{}", std::process::id()));
        let kept = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join("model.rs"), &ours))
            .and_then(|()| std::fs::write(dir.join("client.rs"), &theirs))
            .map_or_else(
                |_| String::new(),
                |()| format!(" Both are in {} (model.rs, client.rs).", dir.display()),
            );
        let only_ours: Vec<_> = our_names.difference(&their_names).collect();
        let only_theirs: Vec<_> = their_names.difference(&our_names).collect();
        let what = if only_ours.is_empty() && only_theirs.is_empty() {
            ours.lines()
                .zip(theirs.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("first difference: model `{a}`, client `{b}`"))
                .unwrap_or_else(|| "one is longer than the other".into())
        } else {
            format!("only in the model: {only_ours:?}; only in the client: {only_theirs:?}")
        };
        bail!(
            "the model types and progenitor's client types differ ({what}). The model names and \
             reads schemas as progenitor does (crates/spec-lockstep/src/types.rs, \
             crates/spec-lockstep/src/model/progenitor_schema.rs); a progenitor or typify upgrade may have changed \
             that.{kept}"
        )
    }
}

/// Runs one typify call; a panic in typify (it panics on some schemas it
/// does not expect) becomes an error, like the errors it returns.
fn guarded<T>(
    f: impl FnOnce() -> std::result::Result<T, typify::Error>,
) -> std::result::Result<T, String> {
    match crate::panic_guard::quiet_catch_unwind(f) {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(panic) => Err(format!("typify panicked: {}", panic.trim())),
    }
}

fn key(operation: &Operation, parameter: &Parameter) -> (String, Location, String) {
    (
        operation.id.clone(),
        parameter.location,
        parameter.name.clone(),
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::spec::Document;

    #[test]
    fn display_impls_are_read_from_the_tokens_at_the_top_level_only() {
        let tokens = quote! {
            impl ::std::fmt::Display for Plain { fn fmt(&self) {} }
            impl std::fmt::Display for super::Pathed { fn fmt(&self) {} }
            impl ::std::str::FromStr for NotDisplayed { type Err = (); }
            impl From<Display> for AlsoNot { fn from(_: Display) -> Self { todo!() } }
            pub struct Display;
            pub mod inner { impl ::std::fmt::Display for Nested {} }
        };
        let found: Vec<String> = displayed_types(&tokens).into_iter().collect();
        assert_eq!(found, ["Pathed", "Plain"]);
    }

    #[test]
    fn a_typify_panic_is_an_error_naming_what_it_was_reading() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n\
                    components:\n  schemas:\n    Links: {type: object, format: uri-map}\n";
        let document = Document::parse(Path::new("t.yaml"), text).unwrap();
        let (mut model, _) = crate::model::load(&document);
        // The view drops the format typify panics on ...
        assert!(Types::build(&model).is_ok());
        // ... and were it there, typify's panic would be an error.
        model.typify_schemas[0].1 =
            serde_json::from_value(serde_json::json!({"type": "object", "format": "uri-map"}))
                .unwrap();
        let error = Types::build(&model).err().unwrap().to_string();
        assert!(
            error.starts_with(
                "typify cannot read the schema /components/schemas/Links: typify panicked: "
            ),
            "{error}"
        );
    }
}
