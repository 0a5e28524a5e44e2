// The fixed part of the `access` module of every generated client whose
// workspace gives it no hand-written inner type: credentials for the
// document's security schemes, and retries. `crate::client::access` puts it
// into `mod access { … }` of the client's `generated.rs` beside what each
// document adds: `SCHEMES` (its `components/securitySchemes`),
// `requirements` (which of them each operation accepts) and a setter on
// `Access` per scheme. This file is not compiled in the generator; it is
// compiled, and tested, in every generated client (the fixtures' tests
// exercise each scheme kind and the retries).

use std::sync::Arc;
use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, COOKIE, RETRY_AFTER};
use reqwest::StatusCode;

/// How one of the document's security schemes sends its credential.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Placement {
    /// `Authorization: Bearer <token>` (http `bearer`, OAuth 2.0, OpenID Connect).
    Bearer,
    /// `Authorization: Basic <base64 of user:password>` (http `basic`).
    Basic,
    /// `Authorization: <scheme> <credentials>`: another http scheme.
    Authorization(&'static str),
    /// An API key in this request header.
    Header(&'static str),
    /// An API key in this query parameter.
    Query(&'static str),
    /// An API key in this cookie.
    Cookie(&'static str),
}

/// One of the document's `components/securitySchemes`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scheme {
    /// Its name in the document.
    pub(crate) name: &'static str,
    /// How its credential is sent.
    pub(crate) placement: Placement,
    /// The `tokenUrl` of its `clientCredentials` flow (OAuth 2.0).
    pub(crate) token_url: Option<&'static str>,
    /// The scopes that flow offers.
    pub(crate) scopes: &'static [&'static str],
}

/// A credential as it is sent.
enum Credential {
    /// A header value (`Authorization`, or an API key's header).
    Value(HeaderValue),
    /// An API key for a query parameter or a cookie.
    Text(String),
    /// OAuth 2.0 client credentials, which fetch the token they send.
    ClientCredentials(ClientCredentials),
    /// A credential that cannot be sent, and why: every call that would
    /// send it fails with this message instead.
    Invalid(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Value(_) | Credential::Text(_) => f.write_str("[redacted]"),
            Credential::ClientCredentials(c) => c.fmt(f),
            Credential::Invalid(why) => write!(f, "Invalid({why:?})"),
        }
    }
}

/// What the client sends to authenticate, and how it retries: the
/// client's "inner" value (`Client::new(url, Access::new()…)`).
///
/// Set a credential for each security scheme you hold one for, with the
/// setter named after the scheme. Each call sends the credentials of the
/// first of its operation's security alternatives (in the document's
/// order) that they fully cover, and nothing when none is covered: the
/// server then answers as the document says (usually 401). Clones share
/// credentials and the OAuth 2.0 token cache. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct Access {
    credentials: Vec<Option<Arc<Credential>>>,
    retry: RetryPolicy,
}

impl Default for Access {
    /// No credentials; the default [`RetryPolicy`].
    fn default() -> Self {
        Self::new()
    }
}

impl Access {
    /// No credentials; the default [`RetryPolicy`].
    pub fn new() -> Self {
        Self {
            credentials: vec![None; SCHEMES.len()],
            retry: RetryPolicy::default(),
        }
    }

    /// How calls are retried ([`RetryPolicy::none`] turns retries off).
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    fn put(mut self, scheme: usize, credential: Credential) -> Self {
        self.credentials[scheme] = Some(Arc::new(credential));
        self
    }

    /// `secret` as scheme `scheme` sends it (a token, a key, or the
    /// credentials of another http scheme).
    fn put_secret(self, scheme: usize, secret: String) -> Self {
        let info = &SCHEMES[scheme];
        let credential = match info.placement {
            Placement::Bearer => header_value(info, format!("Bearer {secret}")),
            Placement::Basic => header_value(info, format!("Basic {secret}")),
            Placement::Authorization(kind) => header_value(info, format!("{kind} {secret}")),
            Placement::Header(_) => header_value(info, secret),
            Placement::Query(_) => Credential::Text(secret),
            Placement::Cookie(_) => {
                if secret.bytes().all(|b| b.is_ascii_graphic() && !b"\";,\\".contains(&b)) {
                    Credential::Text(secret)
                } else {
                    Credential::Invalid(format!(
                        "the `{}` API key cannot be sent in a cookie: it holds a space, a control \
                         character or one of `\";,\\`",
                        info.name
                    ))
                }
            }
        };
        self.put(scheme, credential)
    }

    fn put_basic(self, scheme: usize, username: &str, password: &str) -> Self {
        use base64::Engine as _;
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        self.put_secret(scheme, encoded)
    }

    fn put_client_credentials(self, scheme: usize, mut credentials: ClientCredentials) -> Self {
        let info = &SCHEMES[scheme];
        if credentials.token_url.is_none() {
            credentials.token_url = info.token_url.map(str::to_string);
        }
        if credentials.scopes.is_none() {
            credentials.scopes = Some(info.scopes.iter().map(|s| s.to_string()).collect());
        }
        self.put(scheme, Credential::ClientCredentials(credentials))
    }

    /// The schemes whose credentials a call of `operation` sends: the
    /// first alternative they all cover.
    fn alternative_for(&self, operation: &str) -> &'static [usize] {
        requirements(operation)
            .iter()
            .find(|alternative| {
                !alternative.is_empty()
                    && alternative.iter().all(|&i| self.credentials[i].is_some())
            })
            .copied()
            .unwrap_or(&[])
    }

    /// Puts the credentials `operation` takes on `request`. Where the
    /// request carries the header, query parameter or cookie already (a
    /// parameter of the operation), it is left as it is — except the OAuth
    /// 2.0 token this put there before, which `renew` replaces.
    async fn authorize(
        &self,
        http: &reqwest::Client,
        request: &mut reqwest::Request,
        operation: &str,
        renew: Renew,
    ) -> Result<(), String> {
        for &i in self.alternative_for(operation) {
            let info = &SCHEMES[i];
            let Some(credential) = self.credentials[i].as_deref() else {
                continue;
            };
            let fetched;
            let mut token = false;
            let value = match credential {
                Credential::Invalid(why) => return Err(why.clone()),
                Credential::ClientCredentials(c) => {
                    // The token the server refused, so that it is not sent again.
                    let refused = match renew {
                        Renew::Refused => request.headers().get(AUTHORIZATION).cloned(),
                        Renew::No | Renew::Current => None,
                    };
                    fetched = c.token(http, info.name, refused.as_ref()).await?;
                    token = true;
                    Credential::Value(fetched)
                }
                Credential::Value(v) => Credential::Value(v.clone()),
                Credential::Text(t) => Credential::Text(t.clone()),
            };
            let headers = request.headers_mut();
            match (info.placement, value) {
                (Placement::Header(name), Credential::Value(v)) => {
                    if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
                        if !headers.contains_key(&name) {
                            headers.insert(name, v);
                        }
                    }
                }
                (_, Credential::Value(v)) => {
                    if (token && renew != Renew::No) || !headers.contains_key(AUTHORIZATION) {
                        headers.insert(AUTHORIZATION, v);
                    }
                }
                (Placement::Query(name), Credential::Text(key)) => {
                    let url = request.url_mut();
                    if !url.query_pairs().any(|(k, _)| k == name) {
                        url.query_pairs_mut().append_pair(name, &key);
                    }
                }
                (Placement::Cookie(name), Credential::Text(key)) => {
                    let existing = headers.get(COOKIE).and_then(|v| v.to_str().ok());
                    let has = existing.is_some_and(|c| {
                        c.split(';').any(|pair| pair.trim().split('=').next() == Some(name))
                    });
                    if !has {
                        let cookie = match existing {
                            Some(c) if !c.trim().is_empty() => format!("{c}; {name}={key}"),
                            _ => format!("{name}={key}"),
                        };
                        let mut value = HeaderValue::from_str(&cookie).map_err(|_| {
                            format!("the `{}` API key cannot be sent in a cookie", info.name)
                        })?;
                        value.set_sensitive(true);
                        headers.insert(COOKIE, value);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether a 401 to a call of `operation` may be cured by a new token.
    fn refreshable(&self, operation: &str) -> bool {
        self.alternative_for(operation).iter().any(|&i| {
            matches!(
                self.credentials[i].as_deref(),
                Some(Credential::ClientCredentials(_))
            )
        })
    }

    /// One attempt, and after a 401 one more with a new OAuth 2.0 token
    /// where the call sends one.
    async fn send_once(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        operation: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let again = request.try_clone();
        let response = http.execute(request).await?;
        if response.status() == StatusCode::UNAUTHORIZED && self.refreshable(operation) {
            if let Some(mut retry) = again {
                let renewed = self
                    .authorize(http, &mut retry, operation, Renew::Refused)
                    .await;
                if renewed.is_ok() {
                    return http.execute(retry).await;
                }
            }
        }
        Ok(response)
    }

    /// Sends `request`, retrying as the policy says.
    async fn send_with_retries(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        operation: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = self.retry;
        let retryable_method = policy.unsafe_methods
            || matches!(
                *request.method(),
                reqwest::Method::GET | reqwest::Method::HEAD | reqwest::Method::OPTIONS
            );
        let again = request.try_clone();
        let mut attempts = 1u32;
        let mut waited = Duration::ZERO;
        let mut result = self.send_once(http, request, operation).await;
        while let Some(asked) = retry_reason(&result) {
            if !retryable_method || attempts >= policy.max_attempts {
                break;
            }
            let wait = asked.unwrap_or_else(|| policy.backoff(attempts));
            // A `Retry-After` of any size is only compared, never slept.
            if waited.saturating_add(wait) > policy.max_total_wait {
                break;
            }
            let Some(mut retry) = again.as_ref().and_then(|r| r.try_clone()) else {
                break;
            };
            // The token of now: an attempt before may have replaced the
            // one the first carried after a 401.
            if self.refreshable(operation)
                && self
                    .authorize(http, &mut retry, operation, Renew::Current)
                    .await
                    .is_err()
            {
                break;
            }
            tokio::time::sleep(wait).await;
            waited += wait;
            attempts += 1;
            result = self.send_once(http, retry, operation).await;
        }
        result
    }
}

/// What `Access::authorize` does with an OAuth 2.0 token a request
/// carries already (one it put there for an earlier attempt).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Renew {
    /// Leave it: the first attempt.
    No,
    /// Replace it with the current token: a retry, after which the token
    /// may have been renewed.
    Current,
    /// The server refused it (401): replace it with another, fetching a
    /// new one unless a concurrent call already did.
    Refused,
}

fn header_value(scheme: &Scheme, text: String) -> Credential {
    match HeaderValue::from_str(&text) {
        Ok(mut value) => {
            value.set_sensitive(true);
            Credential::Value(value)
        }
        Err(_) => Credential::Invalid(format!(
            "the `{}` credential cannot be sent in a header: it holds a character a header \
             value cannot",
            scheme.name
        )),
    }
}

/// Why an attempt's outcome is worth another: `Some` with the wait the
/// server asked for (`Retry-After`, in seconds), if it did.
fn retry_reason(result: &reqwest::Result<reqwest::Response>) -> Option<Option<Duration>> {
    match result {
        Err(error) if error.is_connect() || error.is_timeout() => Some(None),
        Err(_) => None,
        Ok(response) => match response.status() {
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => Some(
                response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
            ),
            StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT => Some(None),
            _ => None,
        },
    }
}

/// When and how a call is retried: after a connection error or a
/// timeout, a 502, 503 or 504, or a 429, waiting with exponential backoff
/// and jitter (or as `Retry-After` says), within a number of attempts and
/// a total wait. Only safe methods (`GET`, `HEAD`, `OPTIONS`) are retried
/// unless `unsafe_methods` is set: a retried `POST` may act twice.
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
        use std::hash::{BuildHasher, Hasher};
        let full = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_delay);
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(retry);
        let fraction = 0.5 + (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
        full.mul_f64(fraction)
    }
}

/// OAuth 2.0 client credentials (RFC 6749 §4.4): the client asks the token
/// endpoint for an access token, caches it, asks again shortly before it
/// expires, and once more after a 401. The token URL and scopes default
/// to the scheme's `clientCredentials` flow in the document.
pub struct ClientCredentials {
    client_id: String,
    client_secret: String,
    token_url: Option<String>,
    scopes: Option<Vec<String>>,
    cached: tokio::sync::Mutex<Option<(HeaderValue, Instant)>>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("token_url", &self.token_url)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl ClientCredentials {
    /// The client's ID and secret, sent to the token endpoint with HTTP
    /// basic authentication.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_url: None,
            scopes: None,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Another token endpoint than the document's.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Other scopes to ask for than all those the document's flow offers
    /// (none: the request names no scope).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// `Bearer <token>`: the cached token unless it is about to expire or
    /// is the one the server `refused`, else a new one. Concurrent calls
    /// share one fetch, and so do concurrent 401s of one token.
    async fn token(
        &self,
        http: &reqwest::Client,
        scheme: &str,
        refused: Option<&HeaderValue>,
    ) -> Result<HeaderValue, String> {
        let mut cached = self.cached.lock().await;
        if let Some((value, refresh_at)) = cached.as_ref() {
            if Instant::now() < *refresh_at && Some(value) != refused {
                return Ok(value.clone());
            }
        }
        let Some(url) = self.token_url.as_deref() else {
            return Err(format!(
                "the `{scheme}` scheme has no client-credentials token URL in the document: \
                 give one with `ClientCredentials::token_url`"
            ));
        };
        let mut form = vec![("grant_type", "client_credentials".to_string())];
        let scopes = self.scopes.as_deref().unwrap_or_default();
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        let response = http
            .post(url)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header(ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| format!("the token endpoint {url} could not be reached: {e}"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("the token endpoint {url} did not answer in full: {e}"))?;
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let text = |key: &str| answer.get(key).and_then(serde_json::Value::as_str);
        if !status.is_success() {
            let mut why = text("error").unwrap_or("no OAuth 2.0 error").to_string();
            if let Some(description) = text("error_description") {
                why.push_str(": ");
                why.push_str(description);
            }
            return Err(format!("the token endpoint {url} issued no token ({status}): {why}"));
        }
        let Some(token) = text("access_token") else {
            return Err(format!(
                "the token endpoint {url} answered {status} without an `access_token`"
            ));
        };
        let lifetime = match answer.get("expires_in") {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .map_or(Duration::from_secs(300), Duration::from_secs)
        // Kept at most a day, whatever `expires_in` says (an `Instant` cannot
        // hold any `u64` of seconds from now).
        .min(Duration::from_secs(24 * 60 * 60));
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| format!("the token endpoint {url} issued a token a header cannot hold"))?;
        value.set_sensitive(true);
        // Replaced a tenth of its lifetime early, at most a minute.
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        *cached = Some((value.clone(), Instant::now() + lifetime - margin));
        Ok(value)
    }
}

impl ClientHooks<Access> for super::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        self.inner()
            .authorize(self.client(), request, info.operation_id, Renew::No)
            .await
            .map_err(Error::Custom)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner()
            .send_with_retries(self.client(), request, info.operation_id)
            .await
    }
}
