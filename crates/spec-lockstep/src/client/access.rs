//! The generated client's `access` module (for a client without a
//! hand-written inner type): its `Access` value carries a credential per
//! security scheme of the document and the retry policy, and the client's
//! hooks put on each call the credentials of the first security
//! alternative of its operation they cover. The fixed part
//! (`access_template.rs`: how each kind of scheme is sent, OAuth 2.0
//! client credentials, retries) is the same for every document; this file
//! adds what the document says: its schemes, which of them each operation
//! accepts, and a setter per scheme named after it.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{ApiKeyLocation, FlowKind, Model, SchemeKind};
use crate::naming::Scope;

/// The fixed part of the module.
const TEMPLATE: &str = include_str!("access_template.rs");

/// The names `Access` has whatever the document: a scheme's setter never
/// takes one.
const FIXED_METHODS: &[&str] = &[
    "new",
    "default",
    "clone",
    "fmt",
    "with_retry",
    "put",
    "put_secret",
    "put_basic",
    "put_client_credentials",
    "alternative_for",
    "authorize",
    "refreshable",
    "send_once",
    "send_with_retries",
];

/// How a scheme's setter takes its credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Takes {
    /// One text: a token, an API key, another http scheme's credentials.
    Secret,
    /// A user name and a password (http `basic`).
    UsernamePassword,
    /// `ClientCredentials` (OAuth 2.0 `clientCredentials` flow).
    ClientCredentials,
}

/// One setter of `Access`.
#[derive(Clone, Debug)]
pub struct Setter {
    /// The scheme's name in the document.
    pub scheme: String,
    /// The scheme's index in the generated `SCHEMES`.
    pub index: usize,
    /// The method's name.
    pub method: String,
    /// What it takes.
    pub takes: Takes,
}

/// The setters `Access` gets for `model`'s schemes, in the document's
/// order: one per scheme, named after it, and for an OAuth 2.0 scheme
/// with a `clientCredentials` flow a second one, `<name>_client_credentials`.
pub fn setters(model: &Model) -> Vec<Setter> {
    let mut scope = Scope::with(FIXED_METHODS);
    let mut setters = Vec::new();
    for (index, (name, scheme)) in model.security_schemes.iter().enumerate() {
        let base = crate::naming::snake(name);
        let takes = match scheme.kind {
            SchemeKind::HttpBasic => Takes::UsernamePassword,
            _ => Takes::Secret,
        };
        setters.push(Setter {
            scheme: name.clone(),
            index,
            method: scope.claim(&base, Some("scheme")),
            takes,
        });
        if client_credentials_flow(&scheme.kind).is_some() {
            setters.push(Setter {
                scheme: name.clone(),
                index,
                method: scope.claim(&format!("{base}_client_credentials"), Some("scheme")),
                takes: Takes::ClientCredentials,
            });
        }
    }
    setters
}

fn client_credentials_flow(kind: &SchemeKind) -> Option<&crate::model::OAuthFlow> {
    match kind {
        SchemeKind::OAuth2 { flows } => flows
            .iter()
            .find(|flow| flow.kind == FlowKind::ClientCredentials),
        _ => None,
    }
}

/// `mod access { … }` and the `pub use` of what a caller names.
pub fn module(model: &Model) -> Result<TokenStream> {
    let fixed: syn::File =
        syn::parse_str(TEMPLATE).context("the client's access template does not parse")?;
    let fixed = fixed.items;
    let index: BTreeMap<&str, usize> = model
        .security_schemes
        .keys()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let first_server = model.servers.first().map(|s| s.url.as_str());
    let schemes = model.security_schemes.values().map(|scheme| {
        let name = &scheme.name;
        let placement = match &scheme.kind {
            SchemeKind::HttpBearer { .. }
            | SchemeKind::OAuth2 { .. }
            | SchemeKind::OpenIdConnect { .. } => quote! { Placement::Bearer },
            SchemeKind::HttpBasic => quote! { Placement::Basic },
            SchemeKind::HttpOther { scheme } => quote! { Placement::Authorization(#scheme) },
            SchemeKind::ApiKey { location, name } => match location {
                ApiKeyLocation::Header => quote! { Placement::Header(#name) },
                ApiKeyLocation::Query => quote! { Placement::Query(#name) },
                ApiKeyLocation::Cookie => quote! { Placement::Cookie(#name) },
            },
        };
        let flow = client_credentials_flow(&scheme.kind);
        let token_url = match flow.and_then(|f| f.token_url.as_deref()) {
            Some(url) => {
                let url = super::resolve_url(url, first_server);
                quote! { Some(#url) }
            }
            None => quote! { None },
        };
        let scopes = flow
            .map(|f| f.scopes.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>())
            .unwrap_or_default();
        quote! {
            Scheme {
                name: #name,
                placement: #placement,
                token_url: #token_url,
                scopes: &[#(#scopes),*],
            }
        }
    });
    // Operations grouped by the alternatives they accept (most documents
    // have a handful of distinct ones), as indexes into `SCHEMES`. An
    // alternative naming a scheme the document does not define cannot be
    // met and is left out.
    let mut groups: BTreeMap<Vec<Vec<usize>>, Vec<String>> = BTreeMap::new();
    for operation in &model.operations {
        let alternatives: Vec<Vec<usize>> = operation
            .security
            .iter()
            .filter_map(|requirement| {
                requirement
                    .schemes
                    .iter()
                    .map(|u| index.get(u.scheme.as_str()).copied())
                    .collect::<Option<Vec<usize>>>()
            })
            .collect();
        if alternatives.iter().all(Vec::is_empty) {
            continue;
        }
        groups
            .entry(alternatives)
            .or_default()
            .push(crate::naming::progenitor::method(&operation.id));
    }
    let arms = groups.iter().map(|(alternatives, operations)| {
        let alternatives = alternatives.iter().map(|a| {
            let a = a.iter().map(|i| proc_macro2::Literal::usize_unsuffixed(*i));
            quote! { &[#(#a),*] }
        });
        quote! { #(#operations)|* => &[#(#alternatives),*], }
    });
    let count = proc_macro2::Literal::usize_unsuffixed(model.security_schemes.len());
    let schemes: Vec<TokenStream> = schemes.collect();
    let setters = setters(model).into_iter().map(|setter| {
        let scheme = &model.security_schemes[&setter.scheme];
        let method = format_ident!("{}", setter.method);
        let index = proc_macro2::Literal::usize_unsuffixed(setter.index);
        let what = match &scheme.kind {
            SchemeKind::HttpBearer { .. } => "http bearer token".to_string(),
            SchemeKind::HttpBasic => "http basic user name and password".to_string(),
            SchemeKind::HttpOther { scheme } => {
                format!("`{scheme}` credentials (sent as `Authorization: {scheme} …`)")
            }
            SchemeKind::ApiKey { location, name } => {
                format!("API key (sent in the {} `{name}`)", location.as_str())
            }
            SchemeKind::OAuth2 { .. } => "OAuth 2.0 access token".to_string(),
            SchemeKind::OpenIdConnect { .. } => "OpenID Connect access token".to_string(),
        };
        let mut doc = match setter.takes {
            Takes::ClientCredentials => format!(
                " The `{}` security scheme, with OAuth 2.0 client credentials: the client \
                 fetches the token from the flow's `tokenUrl` (or \
                 [`ClientCredentials::token_url`]), caches and renews it.",
                setter.scheme
            ),
            _ => format!(" The `{}` security scheme's {what}.", setter.scheme),
        };
        if let Some(description) = scheme
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            doc.push_str("\n\n");
            doc.push_str(description.trim());
        }
        let body = match setter.takes {
            Takes::Secret => quote! {
                pub fn #method(self, secret: impl Into<String>) -> Self {
                    self.put_secret(#index, secret.into())
                }
            },
            Takes::UsernamePassword => quote! {
                pub fn #method(self, username: &str, password: &str) -> Self {
                    self.put_basic(#index, username, password)
                }
            },
            Takes::ClientCredentials => quote! {
                pub fn #method(self, credentials: ClientCredentials) -> Self {
                    self.put_client_credentials(#index, credentials)
                }
            },
        };
        quote! { #[doc = #doc] #body }
    });
    Ok(quote! {
        /// Credentials for the document's security schemes, and retries:
        /// see [`Access`].
        pub mod access {
            #![allow(dead_code, clippy::all)]
            #(#fixed)*

            /// The document's `components/securitySchemes`, in its order.
            pub(crate) const SCHEMES: [Scheme; #count] = [#(#schemes),*];

            /// The security alternatives an operation (by progenitor's
            /// name) accepts, as indexes into [`SCHEMES`]; none for an
            /// operation without security.
            fn requirements(operation: &str) -> &'static [&'static [usize]] {
                match operation {
                    #(#arms)*
                    _ => &[],
                }
            }

            impl Access {
                #(#setters)*
            }
        }
        pub use access::{Access, ClientCredentials, RetryPolicy};
    })
}
