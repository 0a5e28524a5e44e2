//! Security requirements and schemes, as the model holds them.

/// One alternative of a security requirement: every scheme it lists must
/// be satisfied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityRequirement {
    /// The schemes, with the scopes each needs.
    pub schemes: Vec<SchemeUse>,
}

/// A scheme a requirement names, with the scopes it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemeUse {
    /// The scheme's name in `components/securitySchemes`.
    pub scheme: String,
    /// The scopes (OAuth 2.0 / OpenID Connect) the requirement lists.
    pub scopes: Vec<String>,
}

/// A security scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityScheme {
    /// Its name in `components/securitySchemes`.
    pub name: String,
    /// What kind of credential it takes.
    pub kind: SchemeKind,
    /// `description`.
    pub description: Option<String>,
}

/// The kind of a security scheme, and what identifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemeKind {
    /// `type: http, scheme: bearer`.
    HttpBearer {
        /// `bearerFormat`, a hint such as `JWT`.
        bearer_format: Option<String>,
    },
    /// `type: http, scheme: basic`.
    HttpBasic,
    /// `type: http` with another scheme (e.g. `digest`).
    HttpOther {
        /// The scheme as written.
        scheme: String,
    },
    /// `type: apiKey`.
    ApiKey {
        /// Where the key is sent.
        location: ApiKeyLocation,
        /// The header, query parameter or cookie name.
        name: String,
    },
    /// `type: oauth2`: a bearer access token.
    OAuth2 {
        /// The flows it offers.
        flows: Vec<OAuthFlow>,
    },
    /// `type: openIdConnect`: a bearer access token.
    OpenIdConnect {
        /// `openIdConnectUrl`.
        url: String,
    },
}

impl SchemeKind {
    /// A short name of the kind, as OpenAPI writes it.
    pub fn describe(&self) -> String {
        match self {
            SchemeKind::HttpBearer { .. } => "http bearer".into(),
            SchemeKind::HttpBasic => "http basic".into(),
            SchemeKind::HttpOther { scheme } => format!("http {scheme}"),
            SchemeKind::ApiKey { location, name } => {
                format!("apiKey in {} `{name}`", location.as_str())
            }
            SchemeKind::OAuth2 { .. } => "oauth2".into(),
            SchemeKind::OpenIdConnect { .. } => "openIdConnect".into(),
        }
    }
}

/// Where an API key is sent: the vocabulary's, which the runtime reads.
pub use ev_energy_spec_vocab::KeyLocation as ApiKeyLocation;

/// An OAuth 2.0 flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthFlow {
    /// Which flow.
    pub kind: FlowKind,
    /// `authorizationUrl` (implicit, authorization code).
    pub authorization_url: Option<String>,
    /// `tokenUrl` (password, client credentials, authorization code).
    pub token_url: Option<String>,
    /// `refreshUrl`.
    pub refresh_url: Option<String>,
    /// The scopes it offers, with their descriptions, in document order.
    pub scopes: Vec<(String, String)>,
}

/// The OAuth 2.0 flows OpenAPI names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowKind {
    /// `implicit`
    Implicit,
    /// `password`
    Password,
    /// `clientCredentials`
    ClientCredentials,
    /// `authorizationCode`
    AuthorizationCode,
}

impl FlowKind {
    /// The key OpenAPI uses (`clientCredentials`).
    pub fn key(self) -> &'static str {
        match self {
            FlowKind::Implicit => "implicit",
            FlowKind::Password => "password",
            FlowKind::ClientCredentials => "clientCredentials",
            FlowKind::AuthorizationCode => "authorizationCode",
        }
    }
}
