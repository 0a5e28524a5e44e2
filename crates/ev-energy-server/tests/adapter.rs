//! Request-level tests of the generated adapter over real HTTP on
//! 127.0.0.1: every rule it enforces, with status, `Content-Type` and the
//! problem body.

mod common;

use common::*;
use reqwest::header::{HeaderMap, ACCEPT, ALLOW, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Value};

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem response with this status and title.
    fn assert_problem(&self, status: u16, title: &str) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{:#}",
            self.body
        );
        assert_eq!(self.body["status"], json!(status), "{:#}", self.body);
        assert_eq!(self.body["title"], json!(title), "{:#}", self.body);
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{:#}",
            self.body
        );
        assert_eq!(
            self.header("evenergy-version"),
            Some("2"),
            "every response carries the version"
        );
    }

    fn field_errors(&self) -> Vec<String> {
        self.body["field_errors"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// Sends a GET with `query`, a good token unless `headers` says otherwise.
async fn get(base: &str, path_and_query: &str, headers: &[(&str, &str)]) -> Answer {
    let client = reqwest::Client::new();
    let mut request = client.get(format!("{base}{path_and_query}"));
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
    {
        request = request.header(AUTHORIZATION, format!("Bearer {GOOD_TOKEN}"));
    }
    for (k, v) in headers {
        if !v.is_empty() || !k.eq_ignore_ascii_case("authorization") {
            request = request.header(*k, *v);
        }
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

const OK_QUERY: &str = "/dispatcher_logs?charging_sub_session_id=csub01HSH04KDEWF6Z4DB2J77J74K5";

#[tokio::test]
async fn a_valid_request_gets_200_json_with_the_declared_headers() {
    let base = serve(1000).await;
    let answer = get(&base, OK_QUERY, &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("evenergy-version"), Some("2"));
    assert_eq!(answer.header("x-ratelimit-limit"), Some("1000"));
    assert_eq!(answer.header("x-ratelimit-remaining"), Some("999"));
    assert_eq!(answer.body.as_array().unwrap().len(), 3);
    assert!(answer.body[0]["charging_sub_session"].is_string());
    assert_eq!(answer.body[0]["reason_not_sent"], Value::Null);
}

#[tokio::test]
async fn every_bad_parameter_gets_400_with_field_errors() {
    let base = serve(1000).await;
    let cases: &[(&str, &[&str])] = &[
        ("/dispatcher_logs", &["charging_sub_session_id"]),
        ("/dispatcher_logs?charging_sub_session_id=", &["charging_sub_session_id"]),
        ("/dispatcher_logs?charging_sub_session_id=csub123", &["charging_sub_session_id"]),
        ("/dispatcher_logs?charging_sub_session_id=CSUB01HSH04KDEWF6Z4DB2J77J74K5", &["charging_sub_session_id"]),
        (
            "/dispatcher_logs?charging_sub_session_id=csub01HSH04KDEWF6Z4DB2J77J74K5&charging_sub_session_id=csub01HSH04KDEWF6Z4DB2J77J74K5",
            &["charging_sub_session_id"],
        ),
        (&format!("{OK_QUERY}&expand=everything"), &["expand"]),
        (&format!("{OK_QUERY}&expand=charging_sub_session&expand=nope"), &["expand"]),
        (&format!("{OK_QUERY}&logged_at__gte=yesterday"), &["logged_at__gte"]),
        (&format!("{OK_QUERY}&logged_at__lte=2024-04-17"), &["logged_at__lte"]),
        (&format!("{OK_QUERY}&logged_at__gte=2024-04-17T09:00:00+01:00"), &["logged_at__gte"]),
        (
            "/dispatcher_logs?charging_sub_session_id=x&logged_at__gte=x&expand=x",
            &["charging_sub_session_id", "expand", "logged_at__gte"],
        ),
    ];
    for (query, fields) in cases {
        let answer = get(&base, query, &[]).await;
        answer.assert_problem(400, "Invalid parameters");
        assert_eq!(answer.field_errors(), *fields, "{query}: {:#}", answer.body);
        for field in *fields {
            let messages = answer.body["field_errors"][field].as_array().unwrap();
            assert!(
                !messages.is_empty()
                    && messages
                        .iter()
                        .all(|m| m.as_str().is_some_and(|m| m.len() > 5))
            );
        }
    }
    // The messages say what is wrong.
    let answer = get(
        &base,
        "/dispatcher_logs?charging_sub_session_id=csub123",
        &[],
    )
    .await;
    let message = answer.body["field_errors"]["charging_sub_session_id"][0]
        .as_str()
        .unwrap();
    assert!(message.contains("^csub[0-9A-Z]{26}$"), "{message}");
    let answer = get(&base, "/dispatcher_logs", &[]).await;
    assert_eq!(
        answer.body["field_errors"]["charging_sub_session_id"],
        json!(["This parameter is required."])
    );
    let answer = get(
        &base,
        &format!("{OK_QUERY}&logged_at__gte=2024-04-17T09:00:00+01:00"),
        &[],
    )
    .await;
    let message = answer.body["field_errors"]["logged_at__gte"][0]
        .as_str()
        .unwrap();
    assert!(message.contains("%2B"), "{message}");
}

#[tokio::test]
async fn a_percent_encoded_offset_and_inclusive_bounds_work() {
    let base = serve(1000).await;
    let answer = get(
        &base,
        &format!("{OK_QUERY}&logged_at__gte=2024-04-17T10:09:41%2B01:00&logged_at__lte=2024-04-17T09:39:45.984584Z"),
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
    assert_eq!(
        answer.body.as_array().unwrap().len(),
        2,
        "both bounds are inclusive"
    );
}

#[tokio::test]
async fn an_unsupported_version_gets_400_unsupported_version() {
    let base = serve(1000).await;
    for version in ["3", "1", "two", "2.5"] {
        let answer = get(&base, OK_QUERY, &[("EvEnergy-Version", version)]).await;
        answer.assert_problem(400, "Unsupported version");
        assert_eq!(
            answer.body["detail"],
            json!(format!("Unsupported version requested: {version}"))
        );
    }
    // Another spelling of 2 is version 2, and the answer says `2`, as the
    // document writes it, not what was sent.
    for spelling in ["2", "2.0", "2e0"] {
        let answer = get(&base, OK_QUERY, &[("EvEnergy-Version", spelling)]).await;
        assert_eq!(answer.status, StatusCode::OK, "{spelling}");
        assert_eq!(answer.header("evenergy-version"), Some("2"), "{spelling}");
    }
    // The version is checked before the other parameters.
    let answer = get(&base, "/dispatcher_logs", &[("EvEnergy-Version", "3")]).await;
    answer.assert_problem(400, "Unsupported version");
}

#[tokio::test]
async fn accept_is_negotiated() {
    let base = serve(1000).await;
    for accept in [
        "application/json",
        "*/*",
        "application/*",
        "text/html;q=0.9, application/json;q=0.1",
        "APPLICATION/JSON",
    ] {
        let answer = get(&base, OK_QUERY, &[("Accept", accept)]).await;
        assert_eq!(answer.status, StatusCode::OK, "Accept: {accept}");
    }
    for accept in [
        "text/html",
        "application/xml",
        "application/json;q=0",
        "application/problem+json",
        "image/*",
    ] {
        let answer = get(&base, OK_QUERY, &[("Accept", accept)]).await;
        answer.assert_problem(406, "Not Acceptable");
        assert_eq!(
            answer.body["detail"],
            json!("Could not satisfy the request Accept header.")
        );
    }
    // Without Accept anything goes.
    let response = reqwest::Client::new()
        .get(format!("{base}{OK_QUERY}"))
        .header(AUTHORIZATION, format!("Bearer {GOOD_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get(ACCEPT).is_none());
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn authentication_and_scopes() {
    let base = serve(1000).await;
    let answer = get(&base, OK_QUERY, &[("Authorization", "")]).await;
    answer.assert_problem(401, "Unauthorized");
    assert_eq!(
        answer.body["detail"],
        json!("Authentication credentials were not provided.")
    );
    assert!(answer
        .header("www-authenticate")
        .unwrap()
        .starts_with("Bearer"));

    for authorization in [
        "Bearer wrong",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Token good-token",
    ] {
        let answer = get(&base, OK_QUERY, &[("Authorization", authorization)]).await;
        answer.assert_problem(401, "Unauthorized");
        assert!(
            answer
                .header("www-authenticate")
                .unwrap()
                .starts_with("Bearer"),
            "{authorization}"
        );
    }
    let answer = get(&base, OK_QUERY, &[("Authorization", "Basic dXNlcjpwYXNz")]).await;
    assert_eq!(
        answer.body["detail"],
        json!("Authorization header must be: Bearer <access token>.")
    );
    assert!(answer
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_request"));
    let answer = get(&base, OK_QUERY, &[("Authorization", "Bearer wrong")]).await;
    assert_eq!(answer.body["detail"], json!("Invalid token."));
    assert!(answer
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));

    let answer = get(
        &base,
        OK_QUERY,
        &[("Authorization", &format!("Bearer {NO_SCOPE_TOKEN}"))],
    )
    .await;
    answer.assert_problem(403, "Forbidden");
    assert_eq!(
        answer.body["detail"],
        json!("You do not have permission to perform this action.")
    );
    assert!(answer
        .header("www-authenticate")
        .unwrap()
        .contains("scope=\"debug:read\""));

    // Authentication comes before parameter validation.
    let answer = get(
        &base,
        "/dispatcher_logs?charging_sub_session_id=bad",
        &[("Authorization", "")],
    )
    .await;
    answer.assert_problem(401, "Unauthorized");
}

#[tokio::test]
async fn the_rate_limit_hook_answers_429_with_retry_after() {
    let base = serve(2).await;
    assert_eq!(
        get(&base, OK_QUERY, &[])
            .await
            .header("x-ratelimit-remaining"),
        Some("1")
    );
    assert_eq!(
        get(&base, OK_QUERY, &[])
            .await
            .header("x-ratelimit-remaining"),
        Some("0")
    );
    let answer = get(&base, OK_QUERY, &[]).await;
    answer.assert_problem(429, "Too Many Requests");
    assert_eq!(answer.header(RETRY_AFTER.as_str()), Some("37"));
    assert_eq!(answer.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(answer.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(
        answer.body["type"],
        json!("https://api.ev.energy/v2/problems/rate-limit-exceeded/")
    );
    assert_eq!(
        answer.body["detail"],
        json!("Request was rate limited. Try again in 37 seconds")
    );
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let base = serve(1000).await;
    let answer = get(&base, "/nothing_here", &[]).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(answer.body["title"], json!("Not Found"));

    for method in [
        reqwest::Method::POST,
        reqwest::Method::DELETE,
        reqwest::Method::PUT,
    ] {
        let response = reqwest::Client::new()
            .request(method.clone(), format!("{base}{OK_QUERY}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        assert_eq!(response.headers().get(ALLOW).unwrap(), "GET, HEAD");
        assert_eq!(
            response.headers().get(CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["title"], json!("Method Not Allowed"));
        assert_eq!(body["status"], json!(405));
    }
}

/// The problems a backend builds serialize exactly like the adapter's own.
#[tokio::test]
async fn backends_build_the_adapters_problems() {
    use ev_energy_server::{types, Problems};
    let base = serve(1000).await;
    let answer = get(
        &base,
        OK_QUERY,
        &[("Authorization", &format!("Bearer {NO_SCOPE_TOKEN}"))],
    )
    .await;
    // The same body, but for the `instance` the adapter adds: the request's ID.
    let mut body = answer.body.clone();
    let instance = body.as_object_mut().unwrap().remove("instance");
    assert!(
        instance
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|i| i.starts_with("urn:request:")),
        "{instance:?}"
    );
    assert_eq!(
        body,
        serde_json::to_value(types::Problem::forbidden().unwrap()).unwrap()
    );
    let answer = get(&base, "/dispatcher_logs?charging_sub_session_id=x", &[]).await;
    let field_errors = serde_json::from_value(answer.body["field_errors"].clone()).unwrap();
    let mut body = answer.body.clone();
    assert!(body.as_object_mut().unwrap().remove("instance").is_some());
    assert_eq!(
        body,
        serde_json::to_value(types::Problem::bad_request(field_errors).unwrap()).unwrap()
    );
}

/// Two Authorization headers are ambiguous (a proxy may check the other
/// one): 400, never "the first one wins".
#[tokio::test]
async fn two_authorization_headers_are_refused() {
    let base = serve(1000).await;
    for second in [
        format!("Bearer {GOOD_TOKEN}"),
        "Bearer someone-else".to_string(),
    ] {
        let response = reqwest::Client::new()
            .get(format!("{base}{OK_QUERY}"))
            .header(AUTHORIZATION, format!("Bearer {GOOD_TOKEN}"))
            .header(AUTHORIZATION, second)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["detail"],
            json!("Send one Authorization header; this request has 2.")
        );
    }
}

/// Answers that depend on who asks are not cached; none is sniffed.
#[tokio::test]
async fn authenticated_answers_are_not_cached_or_sniffed() {
    let base = serve(1000).await;
    for (query, auth, status) in [
        (OK_QUERY, format!("Bearer {GOOD_TOKEN}"), 200),
        (OK_QUERY, String::new(), 401),
        ("/dispatcher_logs", format!("Bearer {GOOD_TOKEN}"), 400),
    ] {
        let answer = get(&base, query, &[("Authorization", &auth)]).await;
        assert_eq!(answer.status.as_u16(), status);
        assert_eq!(answer.header("cache-control"), Some("no-store"), "{status}");
        assert_eq!(
            answer.header("vary"),
            Some("Authorization, Accept"),
            "{status}"
        );
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{status}"
        );
    }
    let answer = get(&base, "/nothing_here", &[]).await;
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        answer.body["detail"],
        json!("There is no resource at /v2/nothing_here."),
        "the path as the client sent it, base path included"
    );
}

/// HEAD on a GET operation is answered like GET, without the body.
#[tokio::test]
async fn head_is_answered_like_get_without_a_body() {
    let base = serve(1000).await;
    let head = reqwest::Client::new()
        .head(format!("{base}{OK_QUERY}"))
        .header("Authorization", format!("Bearer {GOOD_TOKEN}"))
        .send()
        .await
        .unwrap();
    let get = get(
        &base,
        OK_QUERY,
        &[("Authorization", &format!("Bearer {GOOD_TOKEN}"))],
    )
    .await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(get.status, StatusCode::OK);
    for name in ["content-type", "x-ratelimit-limit", "evenergy-version"] {
        assert!(head.headers().contains_key(name), "{name}");
    }
    assert_eq!(
        head.headers().get(CONTENT_TYPE),
        Some(&reqwest::header::HeaderValue::from_static(
            "application/json"
        ))
    );
    assert!(head.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_generated_client_and_server_agree_on_every_type() {
    let base = serve(1000).await;
    let client = ev_energy_client::Client::with_bearer_token(&base, GOOD_TOKEN).unwrap();

    let plain = client
        .list_dispatcher_logs()
        .charging_sub_session_id(SUB_SESSION)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.headers().get("x-ratelimit-limit").unwrap(), "1000");
    let plain = plain.into_inner();
    assert_eq!(
        plain,
        Memory::new(1).logs,
        "what the server sent is what the client read"
    );
    assert_eq!(plain[0].reason_not_sent, None);
    assert!(matches!(
        plain[0].charging_sub_session,
        ev_energy_client::types::ChargingSubSessionOrUrl::ResourceUrl(_)
    ));

    let expanded = client
        .list_dispatcher_logs()
        .charging_sub_session_id(SUB_SESSION)
        .expand(vec![
            ev_energy_client::types::DispatcherLogExpand::ChargingSubSession,
        ])
        .logged_at_lte(
            "2024-04-17T09:30:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(expanded.len(), 2);
    for log in &expanded {
        assert_eq!(
            log.charging_sub_session,
            ev_energy_client::types::ChargingSubSessionOrUrl::ChargingSubSession(sub_session())
        );
    }

    let empty = client
        .list_dispatcher_logs()
        .charging_sub_session_id(OTHER_SUB_SESSION)
        .send()
        .await
        .unwrap();
    assert!(empty.into_inner().is_empty());

    // A problem from the adapter reaches the client typed.
    let anonymous = ev_energy_client::Client::anonymous(&base).unwrap();
    match anonymous
        .list_dispatcher_logs()
        .charging_sub_session_id(SUB_SESSION)
        .send()
        .await
    {
        Err(ev_energy_client::Error::ErrorResponse(problem)) => {
            assert_eq!(problem.status(), 401);
            assert_eq!(problem.title, "Unauthorized");
            assert_eq!(
                problem.detail,
                "Authentication credentials were not provided."
            );
        }
        other => panic!("expected a typed 401, got {other:?}"),
    }
    let wrong_version = client
        .list_dispatcher_logs()
        .charging_sub_session_id(SUB_SESSION)
        .ev_energy_version(2.0)
        .send()
        .await;
    assert!(wrong_version.is_ok(), "{wrong_version:?}");
}

/// Every answer carries a request ID, and every problem names it: a
/// well-formed incoming `X-Request-Id` is kept, anything else replaced.
#[tokio::test]
async fn every_answer_has_a_request_id_and_problems_name_it() {
    let base = serve(1000).await;
    // Kept, on a success and on a problem.
    let ok = get(&base, OK_QUERY, &[("X-Request-Id", "proxy-7f3a.42")]).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.header("x-request-id"), Some("proxy-7f3a.42"));
    let bad = get(
        &base,
        "/dispatcher_logs?charging_sub_session_id=x",
        &[("X-Request-Id", "proxy-7f3a.43")],
    )
    .await;
    bad.assert_problem(400, "Invalid parameters");
    assert_eq!(bad.header("x-request-id"), Some("proxy-7f3a.43"));
    assert_eq!(bad.body["instance"], json!("urn:request:proxy-7f3a.43"));
    // Made when missing or malformed: a ULID, different every time.
    let mut seen = std::collections::BTreeSet::new();
    for given in ["", "has space", "<script>", &"x".repeat(200)] {
        let headers: Vec<(&str, &str)> = if given.is_empty() {
            vec![]
        } else {
            vec![("X-Request-Id", given)]
        };
        let answer = get(&base, "/nowhere", &headers).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(answer.body["title"], json!("Not Found"));
        let id = answer.header("x-request-id").unwrap().to_string();
        assert_eq!(id.len(), 26, "a ULID: {id}");
        assert_eq!(answer.body["instance"], json!(format!("urn:request:{id}")));
        assert!(seen.insert(id));
    }
}
