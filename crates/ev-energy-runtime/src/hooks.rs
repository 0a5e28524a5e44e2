//! What a backend's hooks receive and answer: the credential a request
//! carried, the principal it identifies, and rate-limit decisions.
//!
//! The hooks trait itself is generated per document (`Hooks` in the
//! server crate's `api` module), because the document decides what it
//! must do: a document that requires rate-limit headers on a response
//! makes `rate_limit` a required method that returns [`Limited`], so a
//! backend cannot leave the headers out.

/// Who made a request, as the authentication hook established it.
pub trait Principal: Clone + Send + Sync + 'static {
    /// Whether the principal was granted `scope` (e.g. `debug:read`).
    fn has_scope(&self, scope: &str) -> bool;

    /// The client (e.g. the OAuth application) acting, for logs and
    /// metrics. `None` when unknown.
    fn client_id(&self) -> Option<&str> {
        None
    }
}

/// The principal of a document without security: nobody is ever
/// authenticated, so a backend of such a document implements no hooks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Anonymous;

impl Principal for Anonymous {
    fn has_scope(&self, _: &str) -> bool {
        false
    }
}

/// A credential a request carried for one of the document's security
/// schemes.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The scheme's name in the document's `components/securitySchemes`.
    pub scheme: &'static str,
    /// What was sent.
    pub kind: CredentialKind,
}

/// What kind of credential, with its value.
#[derive(Clone, PartialEq, Eq)]
pub enum CredentialKind {
    /// `Authorization: Bearer <token>` (http bearer, oauth2, openIdConnect).
    Bearer(String),
    /// `Authorization: Basic …` (http basic), decoded.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// An API key, from the header, query parameter or cookie the scheme names.
    ApiKey(String),
}

impl std::fmt::Debug for Credential {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            CredentialKind::Bearer(_) => "Bearer(…)".to_string(),
            CredentialKind::Basic { username, .. } => format!("Basic({username:?}, …)"),
            CredentialKind::ApiKey(_) => "ApiKey(…)".to_string(),
        };
        write!(
            f,
            "Credential {{ scheme: {:?}, kind: {kind} }}",
            self.scheme
        )
    }
}

/// Why a credential was rejected; its detail goes into the 401 body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthError {
    /// Shown to the caller as the problem's `detail`, e.g. "Token has expired.".
    pub detail: String,
}

impl AuthError {
    /// A rejection with a detail for the caller.
    pub fn new(detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
        }
    }
}

/// What a rate-limit hook decided for one request, when the document
/// requires the rate-limit figures on responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    /// The request may go ahead.
    Allowed {
        /// Requests allowed per window.
        limit: u64,
        /// Requests left in the window after this one.
        remaining: u64,
    },
    /// The request is refused with 429.
    Exceeded {
        /// Requests allowed per window.
        limit: u64,
        /// Seconds until a request would be allowed again (`Retry-After`).
        retry_after_secs: u64,
    },
}

/// What a rate-limit hook decided for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimit {
    /// No limit applies; no rate-limit headers are sent.
    Unlimited,
    /// The request may go ahead.
    Allowed {
        /// Requests allowed per window.
        limit: u64,
        /// Requests left in the window after this one.
        remaining: u64,
    },
    /// The request is refused with 429.
    Exceeded {
        /// Requests allowed per window.
        limit: u64,
        /// Seconds until a request would be allowed again (`Retry-After`).
        retry_after_secs: u64,
    },
}

impl From<Limited> for RateLimit {
    fn from(limited: Limited) -> Self {
        match limited {
            Limited::Allowed { limit, remaining } => RateLimit::Allowed { limit, remaining },
            Limited::Exceeded {
                limit,
                retry_after_secs,
            } => RateLimit::Exceeded {
                limit,
                retry_after_secs,
            },
        }
    }
}

/// The hooks as the gate calls them. The generated adapter implements it
/// for every backend, on top of the document's own `Hooks` trait.
pub trait Gatekeeper: Send + Sync {
    /// The authenticated caller.
    type Principal: Principal;

    /// Checks one credential.
    fn authenticate(
        &self,
        credential: &Credential,
    ) -> impl std::future::Future<Output = Result<Self::Principal, AuthError>> + Send;

    /// Decides whether a request may go ahead.
    fn rate_limit(
        &self,
        principal: Option<&Self::Principal>,
        operation_id: &'static str,
    ) -> impl std::future::Future<Output = RateLimit> + Send;
}
