//! The real reference service on 127.0.0.1, seeded deterministically, and a
//! small OAuth 2.0 token endpoint (client-credentials grant) whose tokens
//! the service accepts.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Form, Json, Router};
use dispatcher_logs_service::auth::{mint_hs256, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_SECRET};
use dispatcher_logs_service::config::{build, ApiArgs, AuthArgs};
use dispatcher_logs_service::http;
use dispatcher_logs_service::seed::{seed, SeedOptions, DEMO_USER, EXAMPLE_SUB_SESSION};
use dispatcher_logs_service::store::FaultyStore;
use dispatcher_logs_service::DispatcherLogs;

pub use dispatcher_logs_service::seed::EXAMPLE_SUB_SESSION as SUB_SESSION;

/// A running reference service.
pub struct Service {
    pub base_url: String,
    /// The service itself, reading through a fault-injecting store.
    pub service: Arc<DispatcherLogs<FaultyStore>>,
    _dir: tempfile::TempDir,
}

/// Starts the service on a fresh SQLite store seeded with seed 42.
pub async fn service(rate_limit: u64, window_secs: u64) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("cli.sqlite");
    let api = ApiArgs {
        rate_limit,
        rate_window_secs: window_secs,
        ..ApiArgs::default()
    };
    let service = build(database.to_str().unwrap(), &AuthArgs::development(), &api)
        .await
        .unwrap()
        .map_store(FaultyStore::new);
    let options = SeedOptions {
        logs: 600,
        users: 3,
        seed: 42,
        public_base_url: "https://api.ev.energy/v2".into(),
        progress: false,
    };
    seed(service.store(), &options).await.unwrap();
    assert_eq!(
        service
            .store()
            .a_sub_session_of(DEMO_USER)
            .await
            .unwrap()
            .as_deref(),
        Some(EXAMPLE_SUB_SESSION)
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = http::base_url(listener.local_addr().unwrap());
    let service = Arc::new(service);
    let app = http::app(service.clone());
    tokio::spawn(async move {
        http::serve(listener, app, Default::default(), std::future::pending())
            .await
            .unwrap()
    });
    Service {
        base_url,
        service,
        _dir: dir,
    }
}

/// A development token for the demo user.
pub fn token(scopes: &[&str], ttl: i64) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    mint_hs256(
        DEV_SECRET,
        DEFAULT_ISSUER,
        DEFAULT_AUDIENCE,
        "cli-tests",
        Some(DEMO_USER),
        &scopes,
        ttl,
    )
    .unwrap()
}

pub const CLIENT_ID: &str = "test-client";
pub const CLIENT_SECRET: &str = "test-secret";

/// What the token endpoint has done.
#[derive(Default)]
pub struct TokenEndpoint {
    /// Tokens issued.
    pub issued: AtomicU32,
    /// Lifetime (`expires_in`) of the tokens it issues.
    pub expires_in: u64,
    /// Issue an already expired token first (to exercise the 401 retry).
    pub first_expired: bool,
}

#[derive(serde::Deserialize)]
struct TokenRequest {
    grant_type: String,
    scope: Option<String>,
}

async fn issue(
    State(endpoint): State<Arc<TokenEndpoint>>,
    headers: HeaderMap,
    Form(request): Form<TokenRequest>,
) -> axum::response::Response {
    // RFC 6749 §2.3.1: client authentication with HTTP Basic.
    let expected = format!("Basic {}", base64(&format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    if request.grant_type != "client_credentials" {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    let n = endpoint.issued.fetch_add(1, Ordering::SeqCst);
    let scope = request.scope.unwrap_or_default();
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    let ttl = if endpoint.first_expired && n == 0 {
        -3600
    } else {
        endpoint.expires_in as i64
    };
    Json(serde_json::json!({
        "access_token": token(&scopes, ttl),
        "token_type": "bearer",
        "expires_in": endpoint.expires_in,
        "scope": scope,
    }))
    .into_response()
}

fn base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Serves a token endpoint; returns its URL and its state.
pub async fn token_endpoint(expires_in: u64, first_expired: bool) -> (String, Arc<TokenEndpoint>) {
    let endpoint = Arc::new(TokenEndpoint {
        issued: AtomicU32::new(0),
        expires_in,
        first_expired,
    });
    let app = Router::new()
        .route("/o/token/", post(issue))
        .with_state(endpoint.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/o/token/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, endpoint)
}
