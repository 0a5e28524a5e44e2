//! What the generated client carries besides its HTTP client (progenitor's
//! "inner" value): credentials, the API version to send, and the 429 retry
//! policy. Its hooks add the token before a request, retry once with a
//! fresh token after a 401, and honour `Retry-After` on 429 when enabled.

use std::time::Duration;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::StatusCode;

use crate::auth::{ClientCredentials, Credentials};
use crate::{BuildError, Client, API_VERSION, DEFAULT_BASE_URL};

/// When and how long to wait and retry after a 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (2 = one retry).
    pub max_attempts: u32,
    /// The longest the client waits in all, across retries. A `Retry-After`
    /// that would go past it is not waited for: the 429 is returned.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    /// Up to 3 attempts, waiting at most 60 s in all.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            max_total_wait: Duration::from_secs(60),
        }
    }
}

/// The client's settings and state; see [`ClientBuilder`]. Clones of a
/// client share one token cache.
#[derive(Clone, Debug)]
pub struct Session {
    credentials: std::sync::Arc<Credentials>,
    api_version: HeaderValue,
    retry: Option<RetryPolicy>,
}

impl Default for Session {
    /// No credentials, `EvEnergy-Version: 2`, no 429 retries.
    fn default() -> Self {
        Self {
            credentials: std::sync::Arc::new(Credentials::None),
            api_version: HeaderValue::from_static(API_VERSION),
            retry: None,
        }
    }
}

/// Builds a [`Client`]: base URL, credentials, timeout, API version and
/// 429 retries.
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    bearer: Option<String>,
    client_credentials: Option<(String, String)>,
    token_url: String,
    scopes: Vec<String>,
    timeout: Duration,
    api_version: String,
    retry: Option<RetryPolicy>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            bearer: None,
            client_credentials: None,
            token_url: crate::security::oauth2::CLIENT_CREDENTIALS_TOKEN_URL.to_string(),
            scopes: crate::security::oauth2::CLIENT_CREDENTIALS_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            timeout: Duration::from_secs(30),
            api_version: API_VERSION.to_string(),
            retry: None,
        }
    }
}

impl ClientBuilder {
    /// The API's base URL (default: the document's server, [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Authenticate with this bearer token, as is.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(token.into());
        self
    }

    /// Authenticate with OAuth 2.0 client credentials: the client fetches a
    /// token, caches it, refreshes it shortly before it expires, and retries
    /// a request once with a fresh token after a 401.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.client_credentials = Some((client_id.into(), client_secret.into()));
        self
    }

    /// The token endpoint (default: the document's client-credentials `tokenUrl`).
    pub fn token_url(mut self, token_url: impl Into<String>) -> Self {
        self.token_url = token_url.into();
        self
    }

    /// The scopes to ask for (default: the document's client-credentials scopes).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The timeout of each request, connection included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `EvEnergy-Version` sent when a request sets none (default `2`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Retry 429 answers, waiting as `Retry-After` says, within `policy`.
    /// Off by default: the 429 comes back as a typed `Problem`.
    pub fn retry_on_429(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, BuildError> {
        let http = reqwest::Client::builder()
            .connect_timeout(self.timeout)
            .timeout(self.timeout)
            .build()?;
        let credentials = match (self.client_credentials, self.bearer) {
            (Some((id, secret)), _) => {
                let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
                Credentials::ClientCredentials(Box::new(ClientCredentials::new(
                    id,
                    secret,
                    &self.token_url,
                    &scopes,
                    http.clone(),
                )?))
            }
            (None, Some(token)) => {
                HeaderValue::from_str(&format!("Bearer {token}"))?;
                Credentials::Bearer(oauth2::AccessToken::new(token))
            }
            (None, None) => Credentials::None,
        };
        let session = Session {
            credentials: std::sync::Arc::new(credentials),
            api_version: HeaderValue::from_str(&self.api_version)?,
            retry: self.retry,
        };
        Ok(Client::new_with_client(&self.base_url, http, session))
    }
}

const VERSION_HEADER: &str = "evenergy-version";

/// The header progenitor adds to every request (its `ClientInfo::api_version`).
const PROGENITOR_VERSION_HEADER: &str = "api-version";

/// Whether the document declares the header parameter `name` on the operation.
fn declares_header(operation_id: &str, name: &str) -> bool {
    crate::REQUEST_HEADERS
        .iter()
        .filter(|(id, _)| *id == operation_id)
        .flat_map(|(_, headers)| headers.iter())
        .any(|header| header.eq_ignore_ascii_case(name))
}

fn bearer(token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Seconds from a `Retry-After` header (delta-seconds form).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let text = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl ClientHooks<Session> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let session = self.inner();
        // progenitor sends an `api-version` header of its own on every
        // request; this API does not define it, so it goes unless the
        // operation declares a header of that name.
        if !declares_header(info.operation_id, PROGENITOR_VERSION_HEADER) {
            request.headers_mut().remove(PROGENITOR_VERSION_HEADER);
        }
        if !request.headers().contains_key(VERSION_HEADER) {
            request
                .headers_mut()
                .insert(VERSION_HEADER, session.api_version.clone());
        }
        if !request.headers().contains_key(AUTHORIZATION) {
            let token = session
                .credentials
                .token(false)
                .await
                .map_err(|e| Error::Custom(e.to_string()))?;
            if let Some(value) = token.as_deref().and_then(bearer) {
                request.headers_mut().insert(AUTHORIZATION, value);
            }
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let session = self.inner();
        let again = request.try_clone();
        let mut response = self.client().execute(request).await?;

        if response.status() == StatusCode::UNAUTHORIZED && session.credentials.refreshable() {
            // The token may have been revoked or expired early: one retry with a fresh one.
            if let (Some(mut retry), Ok(Some(token))) = (
                again.as_ref().and_then(|r| r.try_clone()),
                session.credentials.token(true).await,
            ) {
                if let Some(value) = bearer(&token) {
                    retry.headers_mut().insert(AUTHORIZATION, value);
                    response = self.client().execute(retry).await?;
                }
            }
        }

        if let Some(policy) = session.retry {
            let mut attempts = 1;
            let mut waited = Duration::ZERO;
            while response.status() == StatusCode::TOO_MANY_REQUESTS
                && attempts < policy.max_attempts
            {
                let Some(wait) = retry_after(&response) else {
                    break;
                };
                if waited + wait > policy.max_total_wait {
                    break;
                }
                let Some(retry) = again.as_ref().and_then(|r| r.try_clone()) else {
                    break;
                };
                tokio::time::sleep(wait).await;
                waited += wait;
                attempts += 1;
                response = self.client().execute(retry).await?;
            }
        }
        Ok(response)
    }
}
