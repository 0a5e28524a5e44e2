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
async fn a_retry_after_a_fresh_token_sends_the_fresh_token() {
    // The first token is expired (401); the fresh one meets a 503 from a
    // front; the retry of that must carry the fresh token, not the expired
    // one again (another 401 and another token).
    let service = service(1000, 3600).await;
    let (token_url, endpoint) = token_endpoint(3600, true).await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    let upstream = service.base_url.clone();
    let front = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let record = record.clone();
        let upstream = upstream.clone();
        async move {
            let authorization = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let number = {
                let mut seen = record.lock().unwrap();
                seen.push(authorization.clone());
                seen.len() - 1
            };
            if number == 1 {
                return (
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    [("retry-after", "0".to_string())],
                    String::new(),
                );
            }
            let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
            let base = upstream.trim_end_matches("/v2");
            let answer = reqwest::Client::new()
                .get(format!("{base}{path}"))
                .header("authorization", authorization)
                .send()
                .await
                .unwrap();
            let status = axum::http::StatusCode::from_u16(answer.status().as_u16()).unwrap();
            let content_type = answer
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_string();
            let body = answer.text().await.unwrap();
            (status, [("content-type", content_type)], body)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, front).await.unwrap() });
    let client = Client::builder()
        .base_url(format!("http://{addr}/v2"))
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .token_url(&token_url)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    assert!(list(&client).await.unwrap() > 0);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_ne!(seen[0], seen[1], "a fresh token after the 401");
    assert_eq!(seen[1], seen[2], "the retry carries the fresh token");
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
async fn a_429_is_retried_after_retry_after() {
    // One request per 2-second window.
    let service = service(1, 2).await;
    let token = token(&["debug:read"], 3600);
    let patient = Client::builder()
        .base_url(&service.base_url)
        .bearer_token(&token)
        .retry(RetryPolicy {
            max_attempts: 3,
            max_total_wait: Duration::from_secs(10),
            ..RetryPolicy::default()
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

    // With retries off, the 429 comes back typed, with its Retry-After.
    let impatient = Client::with_bearer_token(&service.base_url, &token)
        .unwrap()
        .with_retry(RetryPolicy::none());
    let _ = list(&impatient).await;
    match list(&impatient).await {
        Err(ApiError::Problem {
            status,
            problem,
            retry_after,
            attempts,
            ..
        }) => {
            assert_eq!(status.as_u16(), 429);
            assert_eq!(attempts, 1);
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
        .retry(RetryPolicy {
            max_attempts: 5,
            max_total_wait: Duration::from_millis(10),
            ..RetryPolicy::default()
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
    // The message ends with the request's ID, to quote to the API's team.
    let id = error.request_id().expect("a request ID").to_string();
    assert_eq!(
        error.to_string(),
        format!("401 Unauthorized: Authentication credentials were not provided. (request {id})")
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
    assert!(
        error.to_string().starts_with(
            "400 Bad Request: Unsupported version: Unsupported version requested: 3 (request "
        ),
        "{error}"
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

/// A store outage of two failures: the call succeeds on its third attempt,
/// says so, and names its request.
#[tokio::test]
async fn a_store_outage_is_ridden_out_with_backoff() {
    use ev_energy_client::AnswerExt;
    let service = service(1000, 3600).await;
    let token = token(&["debug:read"], 3600);
    let client = Client::with_bearer_token(&service.base_url, &token).unwrap();

    service.service.listings().fail_next_reads(2);
    let started = Instant::now();
    let logs = client
        .list_dispatcher_logs()
        .charging_sub_session_id(SUB_SESSION)
        .send()
        .await
        .expect("the third attempt succeeds");
    assert_eq!(logs.attempts(), 3);
    assert_eq!(logs.request_id().map(str::len), Some(26), "a ULID");
    assert!(!logs.into_inner().is_empty());
    // Two backoffs: at least half of 200 ms, then half of 400 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );

    // A longer outage than the policy rides out: the last 503, typed, with
    // the attempts and the request ID in its message.
    service.service.listings().fail_next_reads(5);
    let error = list(&client).await.unwrap_err();
    match &error {
        ApiError::Problem {
            status,
            attempts,
            request_id,
            ..
        } => {
            assert_eq!(status.as_u16(), 503);
            assert_eq!(*attempts, 3);
            let id = request_id.as_deref().expect("a request ID");
            assert!(
                error
                    .to_string()
                    .contains(&format!("(request {id}, after 3 attempts)")),
                "{error}"
            );
        }
        other => panic!("expected a typed 503, got {other:?}"),
    }
    service.service.listings().fail_next_reads(0);

    // Per call: no retries.
    service.service.listings().fail_next_reads(1);
    let error = list(&client.with_retry(RetryPolicy::none()))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(list(&client).await.map(|n| n > 0).ok(), Some(true));
}

/// Unsafe methods are not retried unless the policy says so.
#[tokio::test]
async fn only_safe_methods_are_retried_by_default() {
    // A server that counts attempts and always answers 503.
    use std::sync::atomic::AtomicU32;
    use std::sync::Arc;
    let seen = Arc::new(AtomicU32::new(0));
    let counter = seen.clone();
    let app = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let fast = RetryPolicy {
        base_delay: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    let client = Client::builder()
        .base_url(&base)
        .retry(fast)
        .build()
        .unwrap();
    // GET: retried.
    let _ = list(&client).await;
    assert_eq!(seen.swap(0, Ordering::SeqCst), 3);
    // POST through the same hooks: not retried...
    let post = client_post(&client, &base).await;
    assert_eq!(post, 503);
    assert_eq!(seen.swap(0, Ordering::SeqCst), 1);
    // ...unless the policy allows it.
    let client = client.with_retry(RetryPolicy {
        unsafe_methods: true,
        ..fast
    });
    let _ = client_post(&client, &base).await;
    assert_eq!(seen.swap(0, Ordering::SeqCst), 3);
}

/// Sends a POST through the client's hooks (the document has no unsafe
/// operation yet, so the generated methods cannot).
async fn client_post(client: &Client, base: &str) -> u16 {
    use progenitor_client::{ClientHooks, OperationInfo};
    let request = reqwest::Client::new()
        .post(format!("{base}/anything"))
        .build()
        .unwrap();
    let info = OperationInfo {
        operation_id: "a_post",
    };
    client.exec(request, &info).await.unwrap().status().as_u16()
}

/// A closed port: connection errors are retried, then reported as transport errors.
#[tokio::test]
async fn a_closed_port_is_retried_then_reported() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}/v2"))
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let error = list(&client).await.unwrap_err();
    assert!(matches!(error, ApiError::Transport(_)), "{error:?}");
    // Two backoffs of at least 25 ms and 50 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(75),
        "{:?}",
        started.elapsed()
    );
    assert!(
        error.to_string().contains("could not reach the API"),
        "{error}"
    );
}
