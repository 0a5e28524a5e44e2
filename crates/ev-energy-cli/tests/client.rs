//! The client against the real reference service on 127.0.0.1: OAuth 2.0
//! client credentials (fetch, cache, refresh, retry after a 401), 429
//! retries that honour Retry-After, and typed errors.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use ev_energy_client::{ApiError, Client, RetryPolicy};

async fn list(client: &Client) -> Result<usize, ApiError> {
    Ok(client
        .list_dispatcher_logs()
        .charging_sub_session_id(SUB_SESSION)
        .send()
        .await?
        .into_inner()
        .len())
}

#[tokio::test]
async fn client_credentials_fetch_cache_and_refresh_the_token() {
    let service = service(1000, 3600).await;
    let (token_url, endpoint) = token_endpoint(2, false).await;
    let client = Client::builder()
        .base_url(&service.base_url)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .token_url(&token_url)
        .build()
        .unwrap();
    assert!(list(&client).await.unwrap() > 0);
    assert!(list(&client).await.unwrap() > 0);
    assert_eq!(
        endpoint.issued.load(Ordering::SeqCst),
        1,
        "the second call reuses the cached token"
    );
    // A 2 s token is replaced 0.2 s before it expires.
    tokio::time::sleep(Duration::from_millis(1900)).await;
    assert!(list(&client).await.unwrap() > 0);
    assert_eq!(
        endpoint.issued.load(Ordering::SeqCst),
        2,
        "a token about to expire is refreshed"
    );
    // The scopes default to the document's.
    assert!(format!("{client:?}").contains("debug:read"));
    assert!(
        !format!("{client:?}").contains(CLIENT_SECRET),
        "secrets stay out of Debug"
    );
}

#[tokio::test]
async fn a_401_is_retried_once_with_a_fresh_token() {
    let service = service(1000, 3600).await;
    // The endpoint's first token is already expired although it claims an hour.
    let (token_url, endpoint) = token_endpoint(3600, true).await;
    let client = Client::builder()
        .base_url(&service.base_url)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .token_url(&token_url)
        .build()
        .unwrap();
    assert!(
        list(&client).await.unwrap() > 0,
        "the retry with a fresh token succeeds"
    );
    assert_eq!(endpoint.issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn wrong_client_credentials_are_an_auth_error() {
    let service = service(1000, 3600).await;
    let (token_url, _) = token_endpoint(3600, false).await;
    let client = Client::builder()
        .base_url(&service.base_url)
        .client_credentials(CLIENT_ID, "wrong")
        .token_url(&token_url)
        .build()
        .unwrap();
    match list(&client).await {
        Err(ApiError::Auth(message)) => assert!(message.contains("invalid_client"), "{message}"),
        other => panic!("expected an auth error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after_when_enabled() {
    // One request per 2-second window.
    let service = service(1, 2).await;
    let token = token(&["debug:read"], 3600);
    let patient = Client::builder()
        .base_url(&service.base_url)
        .bearer_token(&token)
        .retry_on_429(RetryPolicy {
            max_attempts: 3,
            max_total_wait: Duration::from_secs(10),
        })
        .build()
        .unwrap();
    assert!(list(&patient).await.is_ok());
    let started = Instant::now();
    assert!(
        list(&patient).await.is_ok(),
        "the client waited and retried"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );

    // Off by default: the 429 comes back typed, with its Retry-After.
    let impatient = Client::with_bearer_token(&service.base_url, &token).unwrap();
    let _ = list(&impatient).await;
    match list(&impatient).await {
        Err(ApiError::Problem {
            status,
            problem,
            retry_after,
        }) => {
            assert_eq!(status.as_u16(), 429);
            assert_eq!(problem.title, "Too Many Requests");
            // The window is 2 s; the limiter gives a budget back up to 1/60
            // of the window later than an exact log would, so Retry-After,
            // in whole seconds, may round up to 3.
            assert!(
                retry_after.is_some_and(|w| w <= Duration::from_secs(3)),
                "{retry_after:?}"
            );
        }
        other => panic!("expected a typed 429, got {other:?}"),
    }

    // A wait longer than the policy allows is not waited for.
    let bounded = Client::builder()
        .base_url(&service.base_url)
        .bearer_token(&token)
        .retry_on_429(RetryPolicy {
            max_attempts: 5,
            max_total_wait: Duration::from_millis(10),
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let _ = list(&bounded).await;
    let result = list(&bounded).await;
    assert!(
        matches!(&result, Err(e) if e.status().map(|s| s.as_u16()) == Some(429)),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn typed_errors_have_useful_messages() {
    let service = service(1000, 3600).await;
    let anonymous = Client::anonymous(&service.base_url).unwrap();
    let error = list(&anonymous).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "401 Unauthorized: Authentication credentials were not provided."
    );
    let no_scope = Client::with_bearer_token(&service.base_url, &token(&[], 3600)).unwrap();
    assert_eq!(
        list(&no_scope)
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(403)
    );
    let bad_version = Client::builder()
        .base_url(&service.base_url)
        .bearer_token(token(&["debug:read"], 60))
        .api_version("3")
        .build()
        .unwrap();
    let error = list(&bad_version).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "400 Bad Request: Unsupported version: Unsupported version requested: 3"
    );
    let invalid = Client::anonymous(&service.base_url).unwrap();
    let error: ApiError = invalid
        .list_dispatcher_logs()
        .charging_sub_session_id("nope")
        .send()
        .await
        .unwrap_err()
        .into();
    assert!(matches!(error, ApiError::InvalidRequest(_)), "{error}");
    let unreachable = Client::builder()
        .base_url("http://127.0.0.1:9/v2")
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(matches!(
        list(&unreachable).await,
        Err(ApiError::Transport(_))
    ));
}
