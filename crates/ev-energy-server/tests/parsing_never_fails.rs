//! Property test: whatever the query string and headers, the adapter never
//! panics and never answers 5xx.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use proptest::prelude::*;
use tower::ServiceExt;

/// Query strings built from the characters that matter: separators,
/// percent-escapes (valid and not), the parameters' names, and anything.
fn query() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("charging_sub_session_id=".to_string()),
        Just("csub01HSH04KDEWF6Z4DB2J77J74K5".to_string()),
        Just("expand=".to_string()),
        Just("charging_sub_session".to_string()),
        Just("logged_at__gte=".to_string()),
        Just("logged_at__lte=".to_string()),
        Just("2024-04-17T09:39:45Z".to_string()),
        Just("&".to_string()),
        Just("=".to_string()),
        Just("+".to_string()),
        Just("%".to_string()),
        Just("%2B".to_string()),
        Just("%FF%FE".to_string()),
        Just("%00".to_string()),
        "[a-zA-Z0-9_.~-]{0,12}",
        "[!-~]{0,6}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"2".to_vec()),
        Just(b"application/json;q=0.5, */*".to_vec()),
        Just(b"Bearer good-token".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_queries_and_headers_never_panic_or_5xx(
        query in query(),
        version in header_value(),
        accept in header_value(),
        authorization in header_value(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let uri = format!("/v2/dispatcher_logs?{query}");
        // Only what HTTP itself can carry reaches the adapter.
        prop_assume!(uri.parse::<axum::http::Uri>().is_ok());
        let mut request = Request::get(&uri);
        for (name, value) in [("evenergy-version", &version), ("accept", &accept), ("authorization", &authorization)] {
            if let Ok(value) = axum::http::HeaderValue::from_bytes(value) {
                request = request.header(name, value);
            }
        }
        let request = request.body(Body::empty()).unwrap();
        let response = runtime.block_on(common::app(u64::MAX).oneshot(request)).unwrap();
        prop_assert!(!response.status().is_server_error(), "{uri} -> {}", response.status());
        prop_assert!(
            response.status() == StatusCode::OK
                || response.headers().get("content-type").is_some_and(|v| v == "application/problem+json"),
            "{uri} -> {} without a problem body", response.status()
        );
    }
}
