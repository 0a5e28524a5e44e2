//! The client's typed httpmock helpers (`src/mock.rs`, feature `mock`),
//! generated from the model.
//!
//! Each operation gets a `When` with one matcher per parameter and a
//! `Then` with one helper per declared response. A matcher serializes its
//! value exactly as the generated client does — query values through
//! progenitor's `QueryParam` and `serde_urlencoded`, headers and path
//! segments through `to_string()` — so a mock set up with a value matches
//! the request the client sends with that value, whatever its type
//! (date-times, enums, arrays, numbers). A response helper sets the
//! headers the document requires on that response, with the document's
//! example values.

use anyhow::{anyhow, Result};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Location, Model, Node, Operation, Parameter, Status};
use crate::naming::{pascal, snake};
use crate::types::{typed_media, ParamType, Types};

/// The mock module of `model`'s client.
pub fn generate(model: &Model, types: &Types) -> Result<TokenStream> {
    let mut wrappers = Vec::new();
    let mut ext_methods = Vec::new();
    let mut ext_impls = Vec::new();
    for operation in &model.operations {
        let when = when_wrapper(operation, types)?;
        let then = then_wrapper(operation, types)?;
        wrappers.push(quote! { #when #then });
        ext_methods.push(ext_method(operation));
        ext_impls.push(ext_impl(operation));
    }
    Ok(mock_module(&wrappers, &ext_methods, &ext_impls))
}

/// The `When` of `operation`: its method and path, then one matcher per
/// parameter and one for the JSON body.
fn when_wrapper(operation: &Operation, types: &Types) -> Result<TokenStream> {
    let when = format_ident!("{}When", pascal(&operation.id));
    let method = format_ident!("{}", operation.method.as_str());
    let path_regex = format!("^{}$", path_regex(&operation.path, None));
    let mut matchers = Vec::new();
    for parameter in &operation.parameters {
        matchers.push(matcher(operation, parameter, types)?);
    }
    // A form body is typed too, but not sent as JSON: no matcher for it.
    let json_body = operation
        .body
        .as_ref()
        .and_then(|b| b.primary())
        .is_some_and(|m| m.body_encoding() == crate::model::BodyEncoding::Json);
    if let Some(ty) = types.body(operation).filter(|_| json_body) {
        let ty = ty?;
        matchers.push(quote! {
            /// Matches the JSON body the client sends.
            pub fn body(self, value: &#ty) -> Self {
                Self(self.0.json_body_obj(value))
            }
        });
    }
    let doc = format!(
        " Matchers for `{} {}` ({}): each matches a parameter as the client sends it.",
        operation.method, operation.path, operation.id
    );
    Ok(quote! {
        #[doc = #doc]
        pub struct #when(::httpmock::When);

        impl #when {
            /// Matches the operation's method and path.
            pub fn new(inner: ::httpmock::When) -> Self {
                Self(inner.method(::httpmock::Method::#method).path_matches(path_regex(#path_regex)))
            }

            /// The httpmock matcher, to match beyond what the document declares.
            pub fn into_inner(self) -> ::httpmock::When {
                self.0
            }

            #(#matchers)*
        }
    })
}

/// The `Then` of `operation`: one helper per declared response.
fn then_wrapper(operation: &Operation, types: &Types) -> Result<TokenStream> {
    let then = format_ident!("{}Then", pascal(&operation.id));
    let mut helpers = Vec::new();
    for response in &operation.responses {
        helpers.push(response_helper(operation, response, types)?);
    }
    let doc = format!(
        " Answers for `{} {}` ({}): one per response the document declares.",
        operation.method, operation.path, operation.id
    );
    Ok(quote! {
        #[doc = #doc]
        pub struct #then(::httpmock::Then);

        impl #then {
            /// Wraps an httpmock answer.
            pub fn new(inner: ::httpmock::Then) -> Self {
                Self(inner)
            }

            /// The httpmock answer, to answer beyond what the document declares.
            pub fn into_inner(self) -> ::httpmock::Then {
                self.0
            }

            #(#helpers)*
        }
    })
}

/// The declaration of `operation`'s method on `MockServerExt`.
fn ext_method(operation: &Operation) -> TokenStream {
    let pascal = pascal(&operation.id);
    let (when, then) = (format_ident!("{pascal}When"), format_ident!("{pascal}Then"));
    let name = format_ident!("{}", snake(&operation.id));
    let doc = format!(
        " A mock of `{} {}` ({}).",
        operation.method, operation.path, operation.id
    );
    quote! {
        #[doc = #doc]
        fn #name<F>(&self, config_fn: F) -> ::httpmock::Mock<'_>
        where
            F: FnOnce(operations::#when, operations::#then);
    }
}

/// `operation`'s method on `MockServerExt` for `MockServer`: `mock()` with
/// the operation's `When` and `Then`.
fn ext_impl(operation: &Operation) -> TokenStream {
    let pascal = pascal(&operation.id);
    let (when, then) = (format_ident!("{pascal}When"), format_ident!("{pascal}Then"));
    let name = format_ident!("{}", snake(&operation.id));
    quote! {
        fn #name<F>(&self, config_fn: F) -> ::httpmock::Mock<'_>
        where
            F: FnOnce(operations::#when, operations::#then),
        {
            self.mock(|when, then| {
                config_fn(operations::#when::new(when), operations::#then::new(then))
            })
        }
    }
}

/// The whole module: the helpers the matchers share, the wrappers, and
/// `MockServerExt`.
fn mock_module(
    wrappers: &[TokenStream],
    ext_methods: &[TokenStream],
    ext_impls: &[TokenStream],
) -> TokenStream {
    quote! {
        //! Typed [`httpmock`] helpers for testing code that uses this client
        //! (feature `mock`): one method per operation on
        //! [`httpmock::MockServer`], whose matchers match exactly what the
        //! client sends, and whose answers are the document's responses.

        pub mod operations {
            //! [`When`](::httpmock::When) and [`Then`](::httpmock::Then)
            //! wrappers for each operation. `into_inner()` gives the httpmock
            //! value back, to deviate from what the document permits.
            #[allow(unused_imports)]
            use crate::types;

            /// The query pairs the client sends for a parameter: the same
            /// serializer (`progenitor_client::QueryParam` through
            /// `serde_urlencoded`), decoded as the server decodes them. A
            /// fixed-size array, which that serializer refuses, is sent by
            /// the client as a slice: its items, here as JSON values.
            fn query_pairs<T: ::serde::Serialize>(name: &str, value: &T) -> ::std::vec::Vec<(String, String)> {
                let encoded = ::serde_urlencoded::to_string(progenitor_client::QueryParam::new(name, value))
                    .or_else(|error| match ::serde_json::to_value(value) {
                        Ok(::serde_json::Value::Array(items)) => ::serde_urlencoded::to_string(
                            progenitor_client::QueryParam::new(name, &items),
                        ),
                        _ => Err(error),
                    })
                    .expect("a generated type serializes as a query parameter");
                ::form_urlencoded::parse(encoded.as_bytes()).into_owned().collect()
            }

            fn query(when: ::httpmock::When, name: &str, value: &impl ::serde::Serialize) -> ::httpmock::When {
                query_pairs(name, value)
                    .into_iter()
                    .fold(when, |when, (key, value)| when.query_param(key, value))
            }

            fn path_regex(pattern: &str) -> ::regex::Regex {
                ::regex::Regex::new(pattern).expect("a generated path pattern is a valid regex")
            }

            #(#wrappers)*
        }

        /// Adds a typed method per operation to [`MockServer`](::httpmock::MockServer):
        /// type-checked [`mock()`](::httpmock::MockServer::mock) calls.
        pub trait MockServerExt {
            #(#ext_methods)*
        }

        impl MockServerExt for ::httpmock::MockServer {
            #(#ext_impls)*
        }
    }
}

/// The path as a regex: each `{parameter}` a segment (or `value`, encoded
/// as the client encodes it, for `only`).
fn path_regex(path: &str, only: Option<&str>) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&regex_escape(&rest[..start]));
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + end];
        match only {
            Some(target) if target == name => out.push_str("{}"),
            _ => out.push_str("[^/]+"),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(&regex_escape(rest));
    out
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

fn matcher(operation: &Operation, parameter: &Parameter, types: &Types) -> Result<TokenStream> {
    let method = format_ident!("{}", snake(&parameter.client_name));
    let name = &parameter.name;
    let ty = match types.param(operation, parameter)? {
        ParamType::Array(item) => quote! { ::std::vec::Vec<#item> },
        ParamType::Scalar(ty) => ty,
    };
    let doc = format!(
        " Matches the {} parameter `{name}` as the client sends it{}.",
        parameter.location,
        if parameter.required || parameter.location == Location::Path {
            ""
        } else {
            "; `None`: the request does not carry it"
        }
    );
    let present = |value: TokenStream| match parameter.location {
        Location::Query => quote! { query(self.0, #name, #value) },
        Location::Header => quote! { self.0.header(#name, #value.to_string()) },
        Location::Cookie => quote! { self.0.cookie(#name, #value.to_string()) },
        Location::Path => {
            let pattern = format!("^{}$", path_regex(&operation.path, Some(name)));
            quote! {
                self.0.path_matches(path_regex(&format!(
                    #pattern,
                    ::regex::escape(&progenitor_client::encode_path(&#value.to_string()))
                )))
            }
        }
    };
    let missing = match parameter.location {
        Location::Query => quote! { self.0.query_param_missing(#name) },
        Location::Header => quote! { self.0.header_missing(#name) },
        Location::Cookie => quote! { self.0.cookie_missing(#name) },
        Location::Path => quote! { self.0 },
    };
    if parameter.required || parameter.location == Location::Path {
        let present = present(quote! { value });
        return Ok(quote! {
            #[doc = #doc]
            pub fn #method(self, value: &#ty) -> Self {
                Self(#present)
            }
        });
    }
    let present = present(quote! { value });
    Ok(quote! {
        #[doc = #doc]
        pub fn #method<'a, T>(self, value: T) -> Self
        where
            T: Into<Option<&'a #ty>>,
        {
            match value.into() {
                Some(value) => Self(#present),
                None => Self(#missing),
            }
        }
    })
}

/// The `Then` helper for `response`: its status, the headers the
/// document requires, and its JSON body if it has one.
fn response_helper(
    operation: &Operation,
    response: &crate::model::Response,
    types: &Types,
) -> Result<TokenStream> {
    let name = format_ident!("{}", helper_name(response.status));
    let (status_param, status) = match response.status {
        Status::Code(code) => (quote! {}, quote! { #code }),
        _ => (quote! { status: u16, }, quote! { status }),
    };
    let headers = required_headers(operation, response)?;
    let doc = format!(
        " Answers {}: {}{}",
        response.status,
        response.description,
        if headers.is_empty() {
            String::new()
        } else {
            " (with the headers the document requires, set to its examples)".to_string()
        }
    );
    Ok(match typed_media(&response.content) {
        Some(media) => {
            let ty = types
                .response(operation, response.status)
                .ok_or_else(|| anyhow!("response {} has no type", response.status))??;
            let media_type = &media.media_type;
            quote! {
                #[doc = #doc]
                pub fn #name(self, #status_param value: &#ty) -> Self {
                    Self(
                        self.0
                            .status(#status)
                            .header("content-type", #media_type)
                            #(#headers)*
                            .json_body_obj(value),
                    )
                }
            }
        }
        None => quote! {
            #[doc = #doc]
            pub fn #name(self, #status_param) -> Self {
                Self(self.0.status(#status) #(#headers)*)
            }
        },
    })
}

/// The name of the helper that answers `status`: the status's reason in
/// snake case (`not_found`), `status_4xx` for a range, `default`.
fn helper_name(status: Status) -> String {
    match status {
        Status::Code(code) => http::StatusCode::from_u16(code)
            .ok()
            .and_then(|s| s.canonical_reason())
            .map(snake)
            .unwrap_or_else(|| format!("status_{code}")),
        Status::Range(class) => format!("status_{class}xx"),
        Status::Default => "default".to_string(),
    }
}

/// A `.header(name, value)` call for each header `response` requires, set
/// to its default, first enum value or example; an error if it has none.
fn required_headers(
    operation: &Operation,
    response: &crate::model::Response,
) -> Result<Vec<TokenStream>> {
    let mut headers = Vec::new();
    for header in response.headers.iter().filter(|h| h.required) {
        let example = header
            .schema
            .default
            .clone()
            .or_else(|| header.schema.enum_values.first().cloned())
            .or_else(|| header.example.clone())
            .ok_or_else(|| {
                anyhow!(
                    "the mock cannot answer {} of `{}`: the required header `{}` has no example, \
                     default or enum value to send ({})",
                    response.status,
                    operation.id,
                    header.name,
                    header.schema.pointer
                )
            })?;
        let value = match example {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        let header_name = &header.name;
        headers.push(quote! { .header(#header_name, #value) });
    }
    Ok(headers)
}

/// A test of the mock against the real client (`tests/mock_matches_client.rs`):
/// for every parameter of every operation, a mock set up with the
/// parameter's example (or a value invented from its schema when the
/// document gives none) matches the request the client sends with it, and
/// for an optional parameter, does not match a request without it.
pub fn generate_test(model: &Model, types: &Types, client_crate: &str) -> Result<TokenStream> {
    // Every generated client carries an inner value (the hand-written
    // one of this workspace's API, or the generated `Access`): its default.
    let new_client = quote! { Client::new(&server.base_url(), ::std::default::Default::default()) };
    let mut tests = Vec::new();
    for operation in &model.operations {
        for parameter in &operation.parameters {
            tests.push(parameter_test(
                operation,
                parameter,
                types,
                &model.schema_nodes,
                &new_client,
            )?);
        }
    }
    Ok(test_module(&format_ident!("{client_crate}"), &tests))
}

/// The test of `parameter`'s matcher: the client sends the operation's
/// required parameters and this one, each its example (or invented value), and the mock
/// matches; for an optional parameter, matching its absence then does not.
fn parameter_test(
    operation: &Operation,
    parameter: &Parameter,
    types: &Types,
    components: &[(String, Node)],
    new_client: &TokenStream,
) -> Result<TokenStream> {
    let name = format_ident!("{}", snake(&operation.id));
    // The client's method by progenitor's own name.
    let client_method = format_ident!("{}", crate::naming::progenitor::method(&operation.id));
    let test = format_ident!("{}_{}", snake(&operation.id), snake(&parameter.client_name));
    let mut sent: Vec<&Parameter> = operation
        .parameters
        .iter()
        .filter(|p| p.required || p.location == Location::Path)
        .collect();
    if !sent.iter().any(|p| std::ptr::eq(*p, parameter)) {
        sent.push(parameter);
    }
    let mut lets = Vec::new();
    for p in &sent {
        lets.push(example_let(operation, p, types, components)?);
    }
    let matchers: Vec<TokenStream> = sent.iter().map(|p| matcher_call(p)).collect();
    let setters: Vec<TokenStream> = sent.iter().map(|p| setter_call(p)).collect();
    let optional = !(parameter.required || parameter.location == Location::Path);
    let negative = optional.then(|| absence_check(operation, parameter, &sent, &setters));
    let doc = format!(
        " `{}`: the mock's `{}` matcher matches what the client sends.",
        operation.id, parameter.name
    );
    Ok(quote! {
        #[doc = #doc]
        #[tokio::test]
        #[allow(unused_variables)]
        async fn #test() {
            let server = ::httpmock::MockServer::start_async().await;
            let client = #new_client;
            #(#lets)*
            let mock = server.#name(|when, then| {
                when #(#matchers)*;
                then.into_inner().status(204);
            });
            let _ = client.#client_method() #(#setters)* .send().await;
            mock.assert_async().await;
            mock.delete_async().await;
            #negative
        }
    })
}

/// For an optional `parameter`: a mock that matches its absence (and the
/// other `sent` parameters) is not called by a request that carries it.
fn absence_check(
    operation: &Operation,
    parameter: &Parameter,
    sent: &[&Parameter],
    setters: &[TokenStream],
) -> TokenStream {
    let name = format_ident!("{}", snake(&operation.id));
    let client_method = format_ident!("{}", crate::naming::progenitor::method(&operation.id));
    let var = format_ident!("{}", snake(&parameter.client_name));
    let others = sent
        .iter()
        .filter(|p| !std::ptr::eq(**p, parameter))
        .map(|p| matcher_call(p));
    quote! {
        // Matching its absence does not match a request that carries it.
        let mock = server.#name(|when, then| {
            when #(#others)* .#var(None);
            then.into_inner().status(204);
        });
        let _ = client.#client_method() #(#setters)* .send().await;
        assert_eq!(mock.calls_async().await, 0, "`None` must match only requests without the parameter");
        mock.delete_async().await;
    }
}

/// `let <parameter>: <type> = example(<json>);` with the parameter's
/// example, default or first enum value, or else a value invented from its
/// schema (see [`crate::invent`]; its warnings go to stderr).
fn example_let(
    operation: &Operation,
    p: &Parameter,
    types: &Types,
    components: &[(String, Node)],
) -> Result<TokenStream> {
    let ty = types.param(operation, p)?;
    let invented = crate::invent::parameter_value(p, matches!(ty, ParamType::Array(_)), components);
    for warning in &invented.warnings {
        eprintln!(
            "{warning} (the {} parameter `{}` of `{}`)",
            p.location, p.name, operation.id
        );
    }
    let example = invented.value;
    let var = format_ident!("{}", snake(&p.client_name));
    let json = example.to_string();
    let ty = match ty {
        ParamType::Array(item) => quote! { ::std::vec::Vec<#item> },
        ParamType::Scalar(ty) => ty,
    };
    Ok(quote! { let #var: #ty = example(#json); })
}

/// `.<parameter>(&<parameter>)`: the mock's matcher, given the example.
fn matcher_call(p: &Parameter) -> TokenStream {
    let var = format_ident!("{}", snake(&p.client_name));
    quote! { .#var(&#var) }
}

/// `.<setter>(<parameter>.clone())`: the client's setter, by progenitor's
/// own name, given the example.
fn setter_call(p: &Parameter) -> TokenStream {
    let var = format_ident!("{}", snake(&p.client_name));
    let setter = format_ident!("{}", crate::naming::progenitor::setter(&p.client_name));
    quote! { .#setter(#var.clone()) }
}

/// The test file: the `example()` helper and the tests.
fn test_module(client_crate: &proc_macro2::Ident, tests: &[TokenStream]) -> TokenStream {
    quote! {
        //! The generated mock against the generated client: every matcher
        //! matches exactly what the client sends (generated with the mock,
        //! from the document's parameter examples). Needs the `mock` feature.

        #[rustfmt::skip]
        #[allow(clippy::all)]
        mod generated {
            use #client_crate::mock::MockServerExt;
            #[allow(unused_imports)]
            use #client_crate::{types, Client};

            fn example<T: ::serde::de::DeserializeOwned>(json: &str) -> T {
                ::serde_json::from_str(json).expect("the document's example fits the parameter's type")
            }

            #(#tests)*
        }
    }
}
