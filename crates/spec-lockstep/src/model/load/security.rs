//! Security requirements and `components/securitySchemes`.

use std::collections::BTreeMap;

use super::super::*;
use super::{Loader, Resolved};
use crate::spec::escape_pointer;

impl<'a> Loader<'a> {
    pub(super) fn security(
        &mut self,
        requirements: Vec<openapiv3::SecurityRequirement>,
        pointer: &str,
        schemes: &BTreeMap<String, SecurityScheme>,
    ) -> Vec<SecurityRequirement> {
        let mut out = Vec::new();
        for (i, requirement) in requirements.iter().enumerate() {
            let mut uses = Vec::new();
            let mut undefined = false;
            for (scheme, scopes) in requirement {
                if !schemes.contains_key(scheme) {
                    // Nothing says how to send or check it: the generated
                    // code cannot use it, and is right without it.
                    self.warning(
                        format!("{pointer}/{i}/{}", escape_pointer(scheme)),
                        format!(
                            "security scheme `{scheme}` is not defined in \
                             `components/securitySchemes`; the generated code leaves it out of \
                             this requirement: define it, or remove it"
                        ),
                    );
                    undefined = true;
                    continue;
                }
                uses.push(SchemeUse {
                    scheme: scheme.clone(),
                    scopes: scopes.clone(),
                });
            }
            // An alternative of undefined schemes only is left out: kept
            // empty, it would admit requests without credentials.
            if !(undefined && uses.is_empty()) {
                out.push(SecurityRequirement { schemes: uses });
            }
        }
        out
    }

    pub(super) fn security_schemes(&mut self) -> BTreeMap<String, SecurityScheme> {
        let mut out = BTreeMap::new();
        let Some(components) = &self.api.components else {
            return out;
        };
        for (name, scheme) in &components.security_schemes {
            let pointer = format!("/components/securitySchemes/{}", escape_pointer(name));
            let Some(Resolved { item, .. }) =
                self.resolve(scheme, pointer, "securitySchemes", |c| &c.security_schemes)
            else {
                continue;
            };
            let (kind, description) = match item {
                openapiv3::SecurityScheme::APIKey {
                    location,
                    name: key,
                    description,
                    ..
                } => (
                    SchemeKind::ApiKey {
                        location: match location {
                            openapiv3::APIKeyLocation::Header => ApiKeyLocation::Header,
                            openapiv3::APIKeyLocation::Query => ApiKeyLocation::Query,
                            openapiv3::APIKeyLocation::Cookie => ApiKeyLocation::Cookie,
                        },
                        name: key.clone(),
                    },
                    description,
                ),
                openapiv3::SecurityScheme::HTTP {
                    scheme,
                    bearer_format,
                    description,
                    ..
                } => (
                    if scheme.eq_ignore_ascii_case("bearer") {
                        SchemeKind::HttpBearer {
                            bearer_format: bearer_format.clone(),
                        }
                    } else if scheme.eq_ignore_ascii_case("basic") {
                        SchemeKind::HttpBasic
                    } else {
                        SchemeKind::HttpOther {
                            scheme: scheme.clone(),
                        }
                    },
                    description,
                ),
                openapiv3::SecurityScheme::OAuth2 {
                    flows, description, ..
                } => (
                    SchemeKind::OAuth2 {
                        flows: oauth_flows(flows),
                    },
                    description,
                ),
                openapiv3::SecurityScheme::OpenIDConnect {
                    open_id_connect_url,
                    description,
                    ..
                } => (
                    SchemeKind::OpenIdConnect {
                        url: open_id_connect_url.clone(),
                    },
                    description,
                ),
            };
            out.insert(
                name.clone(),
                SecurityScheme {
                    name: name.clone(),
                    kind,
                    description: description.clone(),
                },
            );
        }
        out
    }
}

fn scopes(scopes: &indexmap::IndexMap<String, String>) -> Vec<(String, String)> {
    scopes.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The flows an OAuth 2.0 scheme offers, in the order OpenAPI lists them.
fn oauth_flows(flows: &openapiv3::OAuth2Flows) -> Vec<OAuthFlow> {
    let mut out = Vec::new();
    if let Some(f) = &flows.implicit {
        out.push(OAuthFlow {
            kind: FlowKind::Implicit,
            authorization_url: Some(f.authorization_url.clone()),
            token_url: None,
            refresh_url: f.refresh_url.clone(),
            scopes: scopes(&f.scopes),
        });
    }
    if let Some(f) = &flows.password {
        out.push(OAuthFlow {
            kind: FlowKind::Password,
            authorization_url: None,
            token_url: Some(f.token_url.clone()),
            refresh_url: f.refresh_url.clone(),
            scopes: scopes(&f.scopes),
        });
    }
    if let Some(f) = &flows.client_credentials {
        out.push(OAuthFlow {
            kind: FlowKind::ClientCredentials,
            authorization_url: None,
            token_url: Some(f.token_url.clone()),
            refresh_url: f.refresh_url.clone(),
            scopes: scopes(&f.scopes),
        });
    }
    if let Some(f) = &flows.authorization_code {
        out.push(OAuthFlow {
            kind: FlowKind::AuthorizationCode,
            authorization_url: Some(f.authorization_url.clone()),
            token_url: Some(f.token_url.clone()),
            refresh_url: f.refresh_url.clone(),
            scopes: scopes(&f.scopes),
        });
    }
    out
}
