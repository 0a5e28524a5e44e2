//! Credentials: a static bearer token, or OAuth 2.0 client credentials
//! with a cached access token that is refreshed shortly before it expires.
//! Secrets never appear in `Debug` output.

use std::time::{Duration, Instant};

use oauth2::basic::BasicClient;
use oauth2::{AccessToken, ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};

/// Why an access token could not be had.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The token URL is not a valid URL.
    #[error("invalid token URL `{0}`")]
    InvalidTokenUrl(String),
    /// The token endpoint refused or failed the client-credentials request.
    #[error("the token endpoint did not issue a token: {0}")]
    TokenRequest(String),
}

/// How the client authenticates.
pub enum Credentials {
    /// Sends no `Authorization` header.
    None,
    /// Sends this bearer token as is.
    Bearer(AccessToken),
    /// Fetches, caches and refreshes tokens with the client-credentials flow.
    ClientCredentials(Box<ClientCredentials>),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Bearer(_) => f.write_str("Bearer([redacted])"),
            Credentials::ClientCredentials(c) => c.fmt(f),
        }
    }
}

impl Credentials {
    /// The token to send; `refresh` forces a new one (after a 401).
    pub(crate) async fn token(&self, refresh: bool) -> Result<Option<String>, AuthError> {
        match self {
            Credentials::None => Ok(None),
            Credentials::Bearer(token) => Ok(Some(token.secret().clone())),
            Credentials::ClientCredentials(c) => c.token(refresh).await.map(Some),
        }
    }

    /// Whether a 401 may be cured by fetching a new token.
    pub(crate) fn refreshable(&self) -> bool {
        matches!(self, Credentials::ClientCredentials(_))
    }
}

struct Cached {
    token: AccessToken,
    refresh_at: Instant,
}

/// OAuth 2.0 client credentials and the token they last got.
pub struct ClientCredentials {
    client_id: ClientId,
    client_secret: ClientSecret,
    token_url: TokenUrl,
    scopes: Vec<Scope>,
    http: reqwest::Client,
    cached: tokio::sync::Mutex<Option<Cached>>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id.as_str())
            .field("client_secret", &"[redacted]")
            .field("token_url", &self.token_url.as_str())
            .field(
                "scopes",
                &self.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// How long before expiry a token is replaced: a tenth of its lifetime,
/// at most a minute.
fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(60))
}

impl ClientCredentials {
    /// Client credentials for `token_url`, asking for `scopes`.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        token_url: &str,
        scopes: &[&str],
        http: reqwest::Client,
    ) -> Result<Self, AuthError> {
        Ok(Self {
            client_id: ClientId::new(client_id.into()),
            client_secret: ClientSecret::new(client_secret.into()),
            token_url: TokenUrl::new(token_url.to_string())
                .map_err(|_| AuthError::InvalidTokenUrl(token_url.to_string()))?,
            scopes: scopes.iter().map(|s| Scope::new(s.to_string())).collect(),
            http,
            cached: tokio::sync::Mutex::new(None),
        })
    }

    /// A valid access token: the cached one unless it is about to expire
    /// (or `refresh`), else a new one. Concurrent callers share one fetch.
    pub async fn token(&self, refresh: bool) -> Result<String, AuthError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            if !refresh && Instant::now() < c.refresh_at {
                return Ok(c.token.secret().clone());
            }
        }
        let client = BasicClient::new(self.client_id.clone())
            .set_client_secret(self.client_secret.clone())
            .set_token_uri(self.token_url.clone());
        let http = self.http.clone();
        let send = move |request: oauth2::HttpRequest| {
            let http = http.clone();
            async move { send(&http, request).await }
        };
        let response = client
            .exchange_client_credentials()
            .add_scopes(self.scopes.iter().cloned())
            .request_async(&send)
            .await
            .map_err(|e| AuthError::TokenRequest(describe(&e)))?;
        // Kept at most a day, whatever `expires_in` says (an `Instant` cannot
        // hold any `u64` of seconds from now).
        let lifetime = response
            .expires_in()
            .unwrap_or(Duration::from_secs(300))
            .min(Duration::from_secs(24 * 60 * 60));
        let token = response.access_token().clone();
        let secret = token.secret().clone();
        *cached = Some(Cached {
            token,
            refresh_at: Instant::now() + lifetime - refresh_margin(lifetime),
        });
        Ok(secret)
    }
}

fn describe<E: std::error::Error>(
    error: &oauth2::RequestTokenError<E, oauth2::basic::BasicErrorResponse>,
) -> String {
    match error {
        oauth2::RequestTokenError::ServerResponse(response) => {
            let mut text = response.error().to_string();
            if let Some(description) = response.error_description() {
                text.push_str(": ");
                text.push_str(description);
            }
            text
        }
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
        }
    }
}

/// Why the token request could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum TokenTransportError {
    /// reqwest failed.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// The response could not be rebuilt.
    #[error(transparent)]
    Build(#[from] oauth2::http::Error),
}

/// Sends oauth2's token request with the client's own reqwest.
async fn send(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, TokenTransportError> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut builder = oauth2::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(builder.body(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let c = ClientCredentials::new(
            "app",
            "s3cr3t",
            "https://example.com/token",
            &["debug:read"],
            reqwest::Client::new(),
        )
        .unwrap();
        let text = format!("{:?}", Credentials::ClientCredentials(Box::new(c)));
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(
            text.contains("app") && text.contains("debug:read"),
            "{text}"
        );
        let bearer = format!(
            "{:?}",
            Credentials::Bearer(AccessToken::new("tok3n".into()))
        );
        assert!(!bearer.contains("tok3n"), "{bearer}");
    }

    #[test]
    fn tokens_are_refreshed_before_they_expire() {
        assert_eq!(
            refresh_margin(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(100)),
            Duration::from_secs(10)
        );
    }
}
