//! What the generated client carries besides its HTTP client (progenitor's
//! "inner" value): credentials, the API version to send, the retry policy
//! and a per-call timeout. Its hooks add the token before a request, retry
//! once with a fresh token after a 401, and retry what a bad minute
//! brings (connection errors, 502/503/504, 429) with backoff and jitter.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::StatusCode;

use crate::auth::{ClientCredentials, Credentials};
use crate::{BuildError, Client, API_VERSION, DEFAULT_BASE_URL};

/// When and how to retry a call: after a connection error or timeout, a
/// 502, 503 or 504, or a 429, waiting with exponential backoff and jitter
/// (or as `Retry-After` says), within a number of attempts and a total
/// wait. Only safe methods (`GET`, `HEAD`, `OPTIONS`) are retried unless
/// [`unsafe_methods`](Self::unsafe_methods) says otherwise: a retried
/// `POST` may act twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// The longest the client waits in all, across retries. A wait that
    /// would go past it is not made: the last answer is returned.
    pub max_total_wait: Duration,
    /// The first backoff; it doubles with each retry, up to `max_delay`,
    /// and each wait is drawn at random from its upper half (jitter).
    pub base_delay: Duration,
    /// The longest backoff between two attempts (a `Retry-After` may ask
    /// for longer, within `max_total_wait`).
    pub max_delay: Duration,
    /// Retry methods that are not safe too.
    pub unsafe_methods: bool,
}

impl Default for RetryPolicy {
    /// Up to 3 attempts, waiting at most 30 s in all, backoff from 200 ms
    /// to 5 s, safe methods only.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            max_total_wait: Duration::from_secs(30),
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            unsafe_methods: false,
        }
    }
}

impl RetryPolicy {
    /// No retries: every answer comes back as it is.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff before retry number `retry` (1 = the first retry),
    /// with jitter: between half and all of `base × 2^(retry−1)`, capped.
    fn backoff(&self, retry: u32) -> Duration {
        let full = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_delay);
        // A random fraction in [0.5, 1): std's per-process random keys
        // hashed with the time are plenty for jitter.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(Instant::now().elapsed().as_nanos() ^ u128::from(retry));
        let fraction = 0.5 + (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
        full.mul_f64(fraction)
    }
}

/// The header this client puts on every answer it returns: how many
/// attempts the call took (`1` when nothing was retried). Read it with
/// [`AnswerExt::attempts`].
pub const ATTEMPTS_HEADER: &str = "x-client-attempts";

/// The header the API answers with the request's ID.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// What the client knows of an answer beyond its body.
pub trait AnswerExt {
    /// The request ID the API answered with (`X-Request-Id`): quote it to
    /// the API's team.
    fn request_id(&self) -> Option<&str>;
    /// How many attempts the call took.
    fn attempts(&self) -> u32;
}

impl<T> AnswerExt for progenitor_client::ResponseValue<T> {
    fn request_id(&self) -> Option<&str> {
        self.headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
    }

    fn attempts(&self) -> u32 {
        attempts(self.headers())
    }
}

pub(crate) fn attempts(headers: &reqwest::header::HeaderMap) -> u32 {
    headers
        .get(ATTEMPTS_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// The client's settings and state; see [`ClientBuilder`]. Clones of a
/// client share one token cache.
#[derive(Clone, Debug)]
pub struct Session {
    credentials: std::sync::Arc<Credentials>,
    api_version: HeaderValue,
    retry: RetryPolicy,
    /// A timeout for each attempt of this client's calls, instead of the
    /// HTTP client's (see [`Client::with_timeout`]).
    timeout: Option<Duration>,
}

impl Default for Session {
    /// No credentials, `EvEnergy-Version: 2`, the default retry policy.
    fn default() -> Self {
        Self {
            credentials: std::sync::Arc::new(Credentials::None),
            api_version: HeaderValue::from_static(API_VERSION),
            retry: RetryPolicy::default(),
            timeout: None,
        }
    }
}

impl Client {
    /// This client with another retry policy, for the calls made through
    /// the copy (`client.with_retry(RetryPolicy::none()).list_dispatcher_logs()…`).
    /// Copies share the token cache and connections.
    pub fn with_retry(&self, policy: RetryPolicy) -> Client {
        let mut session = self.inner.clone();
        session.retry = policy;
        Client::new_with_client(&self.baseurl, self.client.clone(), session)
    }

    /// This client with another timeout for each attempt of its calls.
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        let mut session = self.inner.clone();
        session.timeout = Some(timeout);
        Client::new_with_client(&self.baseurl, self.client.clone(), session)
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
    retry: RetryPolicy,
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
            retry: RetryPolicy::default(),
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

    /// How calls are retried (default: [`RetryPolicy::default`], safe
    /// methods only; [`RetryPolicy::none`] turns retries off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The same as [`retry`](Self::retry): 429s are retried with the rest.
    #[deprecated(note = "use `retry`: every retryable answer is retried with one policy")]
    pub fn retry_on_429(self, policy: RetryPolicy) -> Self {
        self.retry(policy)
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
            timeout: None,
        };
        Ok(Client::new_with_client(&self.base_url, http, session))
    }
}

const VERSION_HEADER: &str = "evenergy-version";

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
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let session = self.inner();
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
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let session = self.inner();
        let mut request = request;
        if let Some(timeout) = session.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        let policy = session.retry;
        let retryable_method = policy.unsafe_methods
            || matches!(
                *request.method(),
                reqwest::Method::GET | reqwest::Method::HEAD | reqwest::Method::OPTIONS
            );
        let again = request.try_clone();
        let mut attempts = 1u32;
        let mut waited = Duration::ZERO;
        let mut result = self.send_once(request).await;
        while let Some((reason, asked)) = retry_reason(&result) {
            if !retryable_method || attempts >= policy.max_attempts {
                break;
            }
            let wait = asked.unwrap_or_else(|| policy.backoff(attempts));
            // A `Retry-After` of any size is only compared, never slept.
            if waited.saturating_add(wait) > policy.max_total_wait {
                tracing::debug!(operation = info.operation_id, %reason, ?wait, "not retrying: the wait would pass the retry policy's total");
                break;
            }
            let Some(mut retry) = again.as_ref().and_then(|r| r.try_clone()) else {
                break;
            };
            // The token of now: an attempt before may have replaced, after
            // a 401, the one the first carried.
            if session.credentials.refreshable() {
                match session.credentials.token(false).await {
                    Ok(Some(token)) => {
                        if let Some(value) = bearer(&token) {
                            retry.headers_mut().insert(AUTHORIZATION, value);
                        }
                    }
                    Ok(None) => {}
                    Err(_) => break,
                }
            }
            tracing::debug!(
                operation = info.operation_id,
                attempt = attempts + 1,
                %reason,
                ?wait,
                "retrying"
            );
            tokio::time::sleep(wait).await;
            waited += wait;
            attempts += 1;
            result = self.send_once(retry).await;
        }
        result.map(|mut response| {
            response
                .headers_mut()
                .insert(ATTEMPTS_HEADER, HeaderValue::from(attempts));
            response
        })
    }
}

impl Client {
    /// One attempt, with one retry with a fresh token after a 401 when the
    /// credentials can refresh.
    async fn send_once(&self, request: reqwest::Request) -> reqwest::Result<reqwest::Response> {
        let session = self.inner();
        let again = request.try_clone();
        let response = self.client().execute(request).await?;
        if response.status() == StatusCode::UNAUTHORIZED && session.credentials.refreshable() {
            // The token may have been revoked or expired early: one retry with a fresh one.
            if let (Some(mut retry), Ok(Some(token))) =
                (again, session.credentials.token(true).await)
            {
                if let Some(value) = bearer(&token) {
                    retry.headers_mut().insert(AUTHORIZATION, value);
                    return self.client().execute(retry).await;
                }
            }
        }
        Ok(response)
    }
}

/// Why an attempt's outcome is worth retrying, and the wait the API asked
/// for (`Retry-After`), if it did.
fn retry_reason(result: &reqwest::Result<reqwest::Response>) -> Option<(String, Option<Duration>)> {
    match result {
        Err(error) if error.is_connect() || error.is_timeout() || error.is_request() => {
            Some((format!("transport: {error}"), None))
        }
        Err(_) => None,
        Ok(response) => match response.status() {
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => Some((
                format!("status {}", response.status()),
                retry_after(response),
            )),
            StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT => {
                Some((format!("status {}", response.status()), None))
            }
            _ => None,
        },
    }
}
