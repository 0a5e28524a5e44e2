//! The service's settings, shared by `serve`, `token`, `demo` and tests.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::auth::{KeySource, Verifier, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_SECRET};
use crate::rate_limit::{Limiter, RollingWindow};
use crate::service::DispatcherLogs;
use crate::store::{Backend, Store};

/// The default database: a SQLite file in the working folder.
pub const DEFAULT_DATABASE: &str = "dispatcher-logs.sqlite";
/// The base of the URLs resources point to each other by.
pub const DEFAULT_PUBLIC_BASE_URL: &str = "https://api.ev.energy/v2";

/// Where the data is.
#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// A SQLite file (created if missing), `:memory:`, or a postgres:// URL.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE)]
    pub database: String,
}

/// How access tokens are verified (and, for `token`, signed).
#[derive(Args, Clone, Debug)]
pub struct AuthArgs {
    /// HS256 secret for verifying (and minting) tokens. Unset, `serve` refuses to start (unless
    /// --jwt-public-key, --jwks or --dev-secret is given) and `token` signs with the development
    /// secret published in the source.
    #[arg(long, env = "JWT_SECRET", default_value = DEV_SECRET, hide_default_value = true)]
    pub jwt_secret: String,
    /// Verify RS256 tokens with this PEM public key instead of the HS256 secret.
    #[arg(long, value_name = "PEM_FILE", conflicts_with = "jwks")]
    pub jwt_public_key: Option<PathBuf>,
    /// Verify tokens with the keys of this JSON Web Key Set file instead of the HS256 secret.
    #[arg(long, value_name = "JWKS_FILE")]
    pub jwks: Option<PathBuf>,
    /// The issuer (`iss`) tokens must name.
    #[arg(long, env = "JWT_ISSUER", default_value = DEFAULT_ISSUER)]
    pub jwt_issuer: String,
    /// The audience (`aud`) tokens must name.
    #[arg(long, env = "JWT_AUDIENCE", default_value = DEFAULT_AUDIENCE)]
    pub jwt_audience: String,
    /// Development only: verify tokens with the built-in development secret, which is published
    /// in the source (anyone can mint a token for any user with it). Loopback addresses only.
    #[arg(long)]
    pub dev_secret: bool,
    /// The longest a token may live (`exp` - `iat`, or `exp` - now without `iat`): seconds, or a
    /// number with s, m, h or d. Longer-lived tokens, and tokens issued in the future, are
    /// answered 401; `token` mints no longer one.
    #[arg(long, env = "MAX_TOKEN_LIFETIME", default_value = "24h", value_parser = parse_lifetime)]
    pub max_token_lifetime: u64,
}

/// Parses `90`, `90s`, `15m`, `1h`, `7d` into seconds (`--max-token-lifetime`).
fn parse_lifetime(text: &str) -> Result<u64, String> {
    match crate::parse_duration(text) {
        Ok(seconds) if seconds > 0 => Ok(seconds.unsigned_abs()),
        Ok(_) => Err("the lifetime must be above zero".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

impl AuthArgs {
    /// The settings of the embedded default.
    pub fn development() -> Self {
        Self {
            jwt_secret: DEV_SECRET.to_string(),
            jwt_public_key: None,
            jwks: None,
            jwt_issuer: DEFAULT_ISSUER.to_string(),
            jwt_audience: DEFAULT_AUDIENCE.to_string(),
            dev_secret: true,
            max_token_lifetime: crate::auth::DEFAULT_MAX_LIFETIME,
        }
    }

    /// Whether tokens would be verified with the published development secret.
    pub fn uses_dev_secret(&self) -> bool {
        self.jwt_public_key.is_none() && self.jwks.is_none() && self.jwt_secret == DEV_SECRET
    }

    /// Refuses to serve on `listen` with the development secret unless
    /// `--dev-secret` says so, and then only on a loopback address.
    pub fn check_serving(&self, listen: std::net::SocketAddr) -> anyhow::Result<()> {
        if !self.uses_dev_secret() {
            return Ok(());
        }
        if !self.dev_secret {
            anyhow::bail!(
                "refusing to serve: no verification key is configured, so tokens would be verified with \
                 the development secret that is published in the source, and anyone could mint a token \
                 for any user. Set --jwt-secret (JWT_SECRET), --jwt-public-key or --jwks; for local \
                 development only, pass --dev-secret (loopback addresses only)."
            );
        }
        if !listen.ip().is_loopback() {
            anyhow::bail!(
                "refusing to serve on {listen} with --dev-secret: the development secret is public, so it \
                 is only allowed on a loopback address (127.0.0.1, [::1]). Configure a real key to listen \
                 on {}.",
                listen.ip()
            );
        }
        tracing::error!(
            "DEVELOPMENT SECRET IN USE: tokens are verified with the secret published in the source; \
             anyone on this machine can mint a token for any user. Never run this way outside a laptop."
        );
        Ok(())
    }

    /// The verifier these settings describe.
    pub fn verifier(&self) -> anyhow::Result<Verifier> {
        let source = if let Some(path) = &self.jwt_public_key {
            KeySource::Rs256PublicKeyPem(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            )
        } else if let Some(path) = &self.jwks {
            KeySource::Jwks(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            )
        } else {
            KeySource::Hs256Secret(self.jwt_secret.clone())
        };
        Ok(
            Verifier::new(&source, &self.jwt_issuer, &self.jwt_audience)?
                .with_max_lifetime(self.max_token_lifetime),
        )
    }
}

/// What each connection and request may take (see `ev_energy_server::serve`).
#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    /// Seconds a client may take to send a request head, or to start the next request on a
    /// kept-alive connection.
    #[arg(long, default_value_t = 10)]
    pub header_read_timeout_secs: u64,
    /// Seconds a connection may go without a byte read or written.
    #[arg(long, default_value_t = 60)]
    pub idle_timeout_secs: u64,
    /// Connections open at once; more are answered 503 and closed.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// The longest request target (path and query), in bytes (414 past it).
    #[arg(long, default_value_t = 8 * 1024)]
    pub max_uri_bytes: usize,
    /// The most bytes of request header fields (431 past it).
    #[arg(long, default_value_t = 16 * 1024)]
    pub max_header_bytes: usize,
    /// The largest request body, in bytes (413 past it).
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
}

impl ServeArgs {
    /// The runtime's limits these flags describe.
    pub fn limits(&self) -> ev_energy_server::runtime::Limits {
        ev_energy_server::runtime::Limits {
            header_read_timeout: std::time::Duration::from_secs(
                self.header_read_timeout_secs.max(1),
            ),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout_secs.max(1)),
            max_connections: self.max_connections.max(1),
            max_uri_bytes: self.max_uri_bytes,
            max_header_bytes: self.max_header_bytes,
            max_body_bytes: self.max_body_bytes,
            ..Default::default()
        }
    }
}

/// Rate limits and public URLs.
#[derive(Args, Clone, Debug)]
pub struct ApiArgs {
    /// Requests each (OAuth client, user) may make per window; 0 turns the limit off.
    #[arg(long, default_value_t = 1000)]
    pub rate_limit: u64,
    /// The rolling window of the rate limit, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub rate_window_secs: u64,
    /// The base of the URLs resources point to each other by.
    #[arg(long, default_value = DEFAULT_PUBLIC_BASE_URL)]
    pub public_base_url: String,
}

impl Default for ApiArgs {
    fn default() -> Self {
        Self {
            rate_limit: 1000,
            rate_window_secs: 3600,
            public_base_url: DEFAULT_PUBLIC_BASE_URL.to_string(),
        }
    }
}

/// Opens the store and builds the service.
pub async fn build(
    database: &str,
    auth: &AuthArgs,
    api: &ApiArgs,
) -> anyhow::Result<DispatcherLogs> {
    let store = Store::open(database)
        .await
        .with_context(|| format!("cannot open the store at {database}"))?;
    let window = Duration::from_secs(api.rate_window_secs);
    let limiter = match store.backend() {
        // Several instances may share a PostgreSQL store: count there.
        Backend::Postgres => Limiter::Shared {
            limit: api.rate_limit,
            window,
        },
        Backend::Sqlite => Limiter::Memory(RollingWindow::new(api.rate_limit, window)),
    };
    // The budgets a previous run saved (SQLite; see DispatcherLogs::save_rate_limits).
    let restored = limiter
        .restore(&store)
        .await
        .context("cannot read the saved rate-limit counters")?;
    if restored > 0 {
        tracing::info!(callers = restored, "rate-limit budgets restored");
    }
    Ok(DispatcherLogs::new(
        store,
        auth.verifier()?,
        limiter,
        &api.public_base_url,
    ))
}
