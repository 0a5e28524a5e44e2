//! The generated client against real HTTP responses from a small server on
//! 127.0.0.1: success bodies decode into the shared types, and every
//! declared problem response comes back as a typed `Problem`.

use std::net::SocketAddr;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use ev_energy_client::{types, Client, Error};

const SUB_SESSION: &str = "csub01HSH04KDEWF6Z4DB2J77J74K5";

/// Serves `router` on an ephemeral port; the server stops with the test's runtime.
async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn problem(status: StatusCode, body: &str) -> axum::response::Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

#[tokio::test]
async fn every_declared_problem_status_is_typed() {
    let cases = [
        (
            StatusCode::BAD_REQUEST,
            r#"{"status":400,"title":"Invalid parameters","detail":"The request has 1 invalid parameter: logged_at__gte.","field_errors":{"logged_at__gte":["Must be an RFC 3339 date-time."]}}"#,
        ),
        (
            StatusCode::UNAUTHORIZED,
            r#"{"status":401,"title":"Unauthorized","detail":"Authentication credentials were not provided."}"#,
        ),
        (
            StatusCode::FORBIDDEN,
            r#"{"status":403,"title":"Forbidden","detail":"You do not have permission to perform this action."}"#,
        ),
        (
            StatusCode::NOT_ACCEPTABLE,
            r#"{"status":406,"title":"Not Acceptable","detail":"Could not satisfy the request Accept header."}"#,
        ),
        (
            StatusCode::TOO_MANY_REQUESTS,
            r#"{"type":"https://api.ev.energy/v2/problems/rate-limit-exceeded/","status":429,"title":"Too Many Requests","detail":"Request was rate limited. Try again in 37 seconds"}"#,
        ),
    ];
    for (status, body) in cases {
        let addr = serve(Router::new().route(
            "/dispatcher_logs",
            get(move || async move { problem(status, body) }),
        ))
        .await;
        let client = Client::anonymous(&format!("http://{addr}")).unwrap();
        let result = client
            .list_dispatcher_logs()
            .charging_sub_session_id(SUB_SESSION)
            .send()
            .await;
        let Err(Error::ErrorResponse(response)) = result else {
            panic!("{status}: expected a typed problem, got {result:?}");
        };
        assert_eq!(response.status(), status);
        let expected: types::Problem = serde_json::from_str(body).unwrap();
        let problem = response.into_inner();
        assert_eq!(problem, expected);
        assert_eq!(problem.status, i32::from(status.as_u16()));
        assert!(!problem.title.is_empty() && !problem.detail.is_empty());
    }
}

#[tokio::test]
async fn a_problem_body_with_a_notification_is_typed() {
    let body = r#"{"type":"https://api.ev.energy/v2/problems/example-problem/","status":400,"title":"Short description","detail":"Long, more specific description.","instance":"https://api.ev.energy/v2/users/user01HN2P75GBNFRJPCZJXEFVXH5E","notification":{"id":"notf67O36PLTFDB57M0E5L33JZLGM0","url":"https://api.ev.energy/notifications/notf67O36PLTFDB57M0E5L33JZLGM0","message_id":"ERR0023","category":"ACTIONABLE","event_time":"2024-04-17T09:39:45Z","short_text_title":"Charger offline","short_text_body":"Your charger stopped responding.","external_link":null}}"#;
    let addr = serve(Router::new().route(
        "/dispatcher_logs",
        get(move || async move { problem(StatusCode::BAD_REQUEST, body) }),
    ))
    .await;
    let result = Client::anonymous(&format!("http://{addr}"))
        .unwrap()
        .list_dispatcher_logs()
        .charging_sub_session_id(SUB_SESSION)
        .send()
        .await;
    let Err(Error::ErrorResponse(response)) = result else {
        panic!("expected a typed problem, got {result:?}");
    };
    let notification = response
        .into_inner()
        .notification
        .expect("the notification is decoded");
    assert_eq!(
        notification.category,
        types::NotificationCategory::Actionable
    );
    assert_eq!(notification.external_link, None);
    assert_eq!(notification.message_id, "ERR0023");
}

#[tokio::test]
async fn an_undeclared_status_is_an_unexpected_response() {
    let addr = serve(Router::new().route(
        "/dispatcher_logs",
        get(|| async {
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"title":"Oops","detail":"Boom"}"#,
            )
        }),
    ))
    .await;
    let result = Client::anonymous(&format!("http://{addr}"))
        .unwrap()
        .list_dispatcher_logs()
        .charging_sub_session_id(SUB_SESSION)
        .send()
        .await;
    match result {
        Err(Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR)
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn logs_decode_plain_and_expanded_and_the_request_carries_every_parameter() {
    let body = r#"[
      {"logged_at":"2024-04-17T09:39:45.984584Z",
       "charging_sub_session":{"id":"csub01HSH04KDEWF6Z4DB2J77J74K5","url":"https://api.ev.energy/v2/charging_sub_sessions/csub01HSH04KDEWF6Z4DB2J77J74K5","start":"2024-04-17T08:45:00Z","end":null,"mode":"SMART","energy_delivered_watt_hours":7420,"location":"https://api.ev.energy/v2/locations/loca01HSGZX1E3N5C9V7Q2W4R6T8Y0","cost":null,"currency":"GBP","total_co2_grams":1210.5,"duration_minutes":54},
       "schedule_valid_period_start":"2024-04-17T09:30:00Z","schedule_created_at":"2024-04-17T09:29:12.402117Z",
       "internal_command_id":"12345678-1234-5678-1234-567812345678","device_type":"VEHICLE","reason_not_sent":null},
      {"logged_at":"2024-04-17T09:09:41.120442Z",
       "charging_sub_session":"https://api.ev.energy/v2/charging_sub_sessions/csub01HSH04KDEWF6Z4DB2J77J74K5",
       "schedule_valid_period_start":"2024-04-17T09:00:00Z","schedule_created_at":"2024-04-17T08:59:30.551820Z",
       "internal_command_id":"0f6e2c1d-8b4a-4c37-9f1e-2a5b7d3c9e10","device_type":"EVSE","reason_not_sent":"Charger offline"}
    ]"#;
    // The server echoes what it received so the test can check the request.
    let handler = move |uri: axum::http::Uri, headers: HeaderMap| async move {
        let version = headers
            .get("evenergy-version")
            .map(|v| v.to_str().unwrap().to_string());
        let auth = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap().to_string());
        let mut names: Vec<&str> = headers.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        let names = names.join(",");
        (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::HeaderName::from_static("x-seen-query"),
                    uri.query().unwrap_or("").to_string(),
                ),
                (
                    header::HeaderName::from_static("x-seen-version"),
                    version.unwrap_or_default(),
                ),
                (
                    header::HeaderName::from_static("x-seen-auth"),
                    auth.unwrap_or_default(),
                ),
                (header::HeaderName::from_static("x-seen-headers"), names),
            ],
            body,
        )
    };
    let addr = serve(Router::new().route("/dispatcher_logs", get(handler))).await;
    let client = Client::with_bearer_token(&format!("http://{addr}"), "token-123").unwrap();
    let response = client
        .list_dispatcher_logs()
        .charging_sub_session_id(SUB_SESSION)
        .expand(vec![types::DispatcherLogExpand::ChargingSubSession])
        .logged_at_gte(
            "2024-04-17T09:00:00+01:00"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap(),
        )
        .send()
        .await
        .expect("a 200 decodes");
    let seen = |name: &str| {
        response
            .headers()
            .get(name)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    let query = seen("x-seen-query");
    assert!(
        query.contains("charging_sub_session_id=csub01HSH04KDEWF6Z4DB2J77J74K5"),
        "{query}"
    );
    assert!(query.contains("expand=charging_sub_session"), "{query}");
    assert!(
        query.contains("logged_at__gte=2024-04-17T08%3A00%3A00Z"),
        "{query}"
    );
    assert_eq!(seen("x-seen-version"), "2");
    assert_eq!(seen("x-seen-auth"), "Bearer token-123");
    // Only headers the document declares (and HTTP's own): no `api-version`
    // of progenitor's.
    assert_eq!(
        seen("x-seen-headers"),
        "accept,authorization,evenergy-version,host"
    );

    let logs = response.into_inner();
    assert_eq!(logs.len(), 2);
    match &logs[0].charging_sub_session {
        types::ChargingSubSessionOrUrl::ChargingSubSession(sub) => {
            assert_eq!(sub.id.as_str(), SUB_SESSION);
            assert_eq!(sub.end, None);
            assert_eq!(sub.cost, None);
            assert_eq!(sub.mode, types::ChargingMode::Smart);
        }
        other => panic!("expected the expanded sub-session, got {other:?}"),
    }
    assert!(
        matches!(&logs[1].charging_sub_session, types::ChargingSubSessionOrUrl::ResourceUrl(url) if url.ends_with(SUB_SESSION))
    );
    assert_eq!(logs[0].reason_not_sent, None);
    assert_eq!(logs[1].reason_not_sent.as_deref(), Some("Charger offline"));
    assert_eq!(logs[1].device_type, types::DeviceType::Evse);
}

#[tokio::test]
async fn an_invalid_parameter_is_refused_before_sending() {
    let result = Client::anonymous("http://127.0.0.1:9")
        .unwrap()
        .list_dispatcher_logs()
        .charging_sub_session_id("not-a-sub-session")
        .send()
        .await;
    assert!(
        matches!(result, Err(Error::InvalidRequest(_))),
        "{result:?}"
    );
}
