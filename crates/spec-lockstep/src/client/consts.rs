//! Constants of the client crate: the server URL, the OAuth 2.0 settings,
//! what each parameter accepts and the request headers the document declares.

use super::*;

/// `url` resolved against the server URL `base` (RFC 3986 reference
/// resolution for the forms documents use: `/oauth/token` replaces the
/// path, `oauth/token` is appended to the server's path). An absolute `url`,
/// or one with no absolute server URL to resolve against, stays as written.
pub fn resolve_url(url: &str, base: Option<&str>) -> String {
    if url.contains("://") {
        return url.to_string();
    }
    let Some((scheme, rest)) = base.and_then(|b| b.split_once("://")) else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if let Some(network_path) = url.strip_prefix("//") {
        return format!("{scheme}://{network_path}");
    }
    if url.starts_with('/') {
        return format!("{scheme}://{authority}{url}");
    }
    // A server URL names a base path, not a file: its last segment stays.
    format!("{scheme}://{authority}{}/{url}", path.trim_end_matches('/'))
}

/// The document's OAuth 2.0 settings as constants, one module per scheme,
/// so a client needs no hand-copied token URL or scope list. Token and
/// authorization URLs relative to the server URL are resolved against the
/// first server.
pub fn security_consts(model: &Model) -> TokenStream {
    let mut modules = Vec::new();
    for (name, scheme) in &model.security_schemes {
        let SchemeKind::OAuth2 { flows } = &scheme.kind else {
            continue;
        };
        let mut items = Vec::new();
        for flow in flows {
            let prefix = flow.kind.key().to_shouty_snake_case();
            for (suffix, key, url) in [
                ("TOKEN_URL", "tokenUrl", &flow.token_url),
                (
                    "AUTHORIZATION_URL",
                    "authorizationUrl",
                    &flow.authorization_url,
                ),
                ("REFRESH_URL", "refreshUrl", &flow.refresh_url),
            ] {
                if let Some(written) = url {
                    let url = resolve_url(written, model.servers.first().map(|s| s.url.as_str()));
                    let ident = quote::format_ident!("{prefix}_{suffix}");
                    let doc = if url == *written {
                        format!(" `{key}` of the `{}` flow.", flow.kind.key())
                    } else {
                        format!(
                            " `{key}` of the `{}` flow: `{written}` in the document, resolved \
                             against the first server URL.",
                            flow.kind.key()
                        )
                    };
                    items.push(quote! { #[doc = #doc] pub const #ident: &str = #url; });
                }
            }
            let scopes = flow.scopes.iter().map(|(scope, _)| scope);
            let ident = quote::format_ident!("{prefix}_SCOPES");
            let doc = format!(" The scopes the `{}` flow offers.", flow.kind.key());
            items.push(quote! { #[doc = #doc] pub const #ident: &[&str] = &[#(#scopes),*]; });
        }
        let module = quote::format_ident!("{}", crate::naming::snake(name));
        let doc = format!(" The document's `{name}` OAuth 2.0 security scheme.");
        modules.push(quote! { #[doc = #doc] pub mod #module { #(#items)* } });
    }
    if modules.is_empty() {
        return TokenStream::new();
    }
    quote! {
        /// The document's security schemes.
        pub mod security { #(#modules)* }
    }
}

/// `DEFAULT_BASE_URL`: the document's first server URL, so a client needs
/// no hand-copied URL.
pub fn server_url_const(model: &Model) -> TokenStream {
    let Some(server) = model.servers.first() else {
        return TokenStream::new();
    };
    let url = server.url.trim_end_matches('/');
    let doc = format!(
        " The document's first server URL{}: `{url}`.",
        server
            .description
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default()
    );
    quote! {
        #[doc = #doc]
        pub const DEFAULT_BASE_URL: &str = #url;
    }
}

/// `PARAMETER_RULES`: what each parameter accepts, so that an invalid
/// value (rejected before anything is sent) can say what was expected.
pub fn parameter_rules(model: &Model) -> TokenStream {
    let mut rules = Vec::new();
    for operation in &model.operations {
        for parameter in &operation.parameters {
            if let Some(rule) = accepts(model, parameter) {
                let id = &operation.id;
                let name = progenitor::setter(&parameter.client_name);
                rules.push(quote! { (#id, #name, #rule) });
            }
        }
    }
    quote! {
        /// What each parameter accepts, from the document: (operationId, the
        /// builder method, the rule). An invalid value is rejected before
        /// anything is sent, with this rule in the message.
        pub const PARAMETER_RULES: &[(&str, &str, &str)] = &[#(#rules),*];
    }
}

/// `REQUEST_HEADERS`: the header parameters each operation declares, for
/// the client's hooks to tell a header the document defines from any other.
pub fn request_headers(model: &Model) -> TokenStream {
    let operations = model.operations.iter().map(|operation| {
        let id = &operation.id;
        let names = operation
            .parameters
            .iter()
            .filter(|p| p.location == crate::model::Location::Header)
            .map(|p| p.name.as_str());
        quote! { (#id, &[#(#names),*]) }
    });
    quote! {
        /// The header parameters each operation declares in the document:
        /// (operationId, header names). A request sends no other header of
        /// its own besides `Accept`, `Content-Type` and the credentials.
        pub const REQUEST_HEADERS: &[(&str, &[&str])] = &[#(#operations),*];
    }
}

#[cfg(test)]
mod url_tests {
    use super::resolve_url;

    #[test]
    fn relative_oauth_urls_resolve_against_the_server_url() {
        let base = Some("https://api.example.com/v1");
        assert_eq!(
            resolve_url("/oauth/token", base),
            "https://api.example.com/oauth/token"
        );
        assert_eq!(
            resolve_url("oauth/token", base),
            "https://api.example.com/v1/oauth/token"
        );
        assert_eq!(
            resolve_url("oauth/token", Some("https://api.example.com/v1/")),
            "https://api.example.com/v1/oauth/token"
        );
        assert_eq!(
            resolve_url("//auth.example.com/token", base),
            "https://auth.example.com/token"
        );
        assert_eq!(
            resolve_url("https://auth.example.com/t", base),
            "https://auth.example.com/t"
        );
        // Nothing absolute to resolve against: as written.
        assert_eq!(resolve_url("/oauth/token", Some("/v1")), "/oauth/token");
        assert_eq!(resolve_url("/oauth/token", None), "/oauth/token");
    }
}
