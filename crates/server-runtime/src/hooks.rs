//! What a backend provides besides its operations: authentication and rate
//! limiting. The generated `Api` trait has [`Hooks`] as its supertrait.

use std::future::Future;

/// Who made a request, as the authentication hook established it.
pub trait Principal: Clone + Send + Sync + 'static {
    /// Whether the principal was granted `scope` (e.g. `debug:read`).
    fn has_scope(&self, scope: &str) -> bool;
}

/// Why a bearer token was rejected; its detail goes into the 401 body.
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

/// What the rate-limit hook decided for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimit {
    /// No limit applies; no rate-limit headers are sent.
    Unlimited,
    /// The request may go ahead.
    Allowed {
        /// Requests allowed per window (`X-RateLimit-Limit`).
        limit: u64,
        /// Requests left in the window after this one (`X-RateLimit-Remaining`).
        remaining: u64,
    },
    /// The request is refused with 429.
    Exceeded {
        /// Requests allowed per window (`X-RateLimit-Limit`).
        limit: u64,
        /// Seconds until a request would be allowed again (`Retry-After`).
        retry_after_secs: u64,
    },
}

/// Authentication and rate limiting, called by the generated adapter before
/// an operation runs.
pub trait Hooks: Send + Sync + 'static {
    /// The authenticated caller handed to operations that require security.
    type Principal: Principal;

    /// Checks a bearer token (the part after `Bearer ` in `Authorization`).
    /// Reject with [`AuthError`]; the adapter answers 401 with
    /// `WWW-Authenticate: Bearer error="invalid_token"`.
    fn authenticate(
        &self,
        token: &str,
    ) -> impl Future<Output = Result<Self::Principal, AuthError>> + Send;

    /// Decides whether a request may go ahead, after authentication and the
    /// scope check. `principal` is `None` for operations without security.
    /// The default applies no limit.
    fn rate_limit(
        &self,
        principal: Option<&Self::Principal>,
        operation_id: &'static str,
    ) -> impl Future<Output = RateLimit> + Send {
        let _ = (principal, operation_id);
        async { RateLimit::Unlimited }
    }
}
