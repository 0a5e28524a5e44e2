//! End to end over real HTTP on 127.0.0.1: the reference service on a
//! seeded store, called with the generated client (and raw HTTP for input
//! the client refuses to send), for every status the document declares.
//! Runs on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` names a
//! server where the user may create databases (CI sets it and
//! `REQUIRE_POSTGRES=1`, so there a missing server fails the test).

use std::sync::atomic::{AtomicU32, Ordering};

use dispatcher_logs_service::auth::{mint_hs256, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_SECRET};
use dispatcher_logs_service::config::{build, ApiArgs, AuthArgs};
use dispatcher_logs_service::seed::{seed, SeedOptions, DEMO_USER};
use dispatcher_logs_service::{http, Store};
use ev_energy_client::types::{ChargingSubSessionOrUrl, DispatcherLogExpand};
use ev_energy_client::{Client, Error};
use serde_json::Value;
use sqlx::{Connection, Executor};

struct Running {
    base: String,
    sub_session: String,
    foreign: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    async fn start(database: &str, rate_limit: u64) -> Self {
        let service = build(
            database,
            &AuthArgs::development(),
            &ApiArgs {
                rate_limit,
                ..ApiArgs::default()
            },
        )
        .await
        .expect("the service starts");
        if service.store().count_logs().await.unwrap() == 0 {
            let options = SeedOptions {
                logs: 900,
                users: 3,
                seed: 7,
                public_base_url: "https://api.ev.energy/v2".into(),
                progress: false,
            };
            seed(service.store(), &options).await.unwrap();
        }
        let sub_session = service
            .store()
            .a_sub_session_of(DEMO_USER)
            .await
            .unwrap()
            .unwrap();
        let foreign = service
            .store()
            .a_sub_session_of_other_user(DEMO_USER)
            .await
            .unwrap()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = http::base_url(listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let service = std::sync::Arc::new(service);
        let task = tokio::spawn(async move {
            http::serve(
                listener,
                http::app(service.clone()),
                Default::default(),
                async {
                    let _ = stopped.await;
                },
            )
            .await
            .unwrap();
            service.store().close().await;
        });
        Self {
            base,
            sub_session,
            foreign,
            stop: Some(stop),
            task: Some(task),
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }
}

fn token(scopes: &[&str], user: Option<&str>, ttl: i64, secret: &str) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    mint_hs256(
        secret,
        DEFAULT_ISSUER,
        DEFAULT_AUDIENCE,
        "e2e-client",
        user,
        &scopes,
        ttl,
    )
    .unwrap()
}

fn client(base: &str, token: &str) -> Client {
    Client::with_bearer_token(base, token).unwrap()
}

async fn expect_problem<T: std::fmt::Debug>(
    result: Result<ev_energy_client::ResponseValue<T>, Error<ev_energy_client::types::Problem>>,
    status: u16,
    title: &str,
) -> ev_energy_client::types::Problem {
    match result {
        Err(Error::ErrorResponse(problem)) => {
            assert_eq!(problem.status().as_u16(), status, "{problem:?}");
            assert_eq!(
                problem.headers()["content-type"],
                "application/problem+json"
            );
            assert_eq!(problem.title, title);
            problem.into_inner()
        }
        other => panic!("expected a {status} problem, got {other:?}"),
    }
}

async fn raw(base: &str, path_and_query: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(format!("{base}{path_and_query}"));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Every declared status, against a running service on `database`.
async fn every_declared_status(database: &str) {
    let running = Running::start(database, 1000).await;
    let good = token(&["debug:read"], Some(DEMO_USER), 3600, DEV_SECRET);
    let api = client(&running.base, &good);
    let plain = ok_plain(&running, &api).await;
    ok_expanded_within_inclusive_bounds(&running, &api, &plain).await;
    ok_empty_after_the_last_log(&running, &api, &plain).await;
    bad_request_for_each_bad_parameter(&running, &good).await;
    unauthorized_when_missing_expired_or_forged(&running).await;
    forbidden_without_the_scope_or_a_user(&running).await;
    forbidden_alike_for_a_foreign_and_an_unknown_sub_session(&running, &api).await;
    not_acceptable_and_the_document_served(&running, &good).await;
    running.stop().await;
    too_many_requests_after_the_limit(database).await;
}

/// The path and query of a valid listing of the running service's sub-session.
fn listing_query(running: &Running) -> String {
    format!(
        "/dispatcher_logs?charging_sub_session_id={}",
        running.sub_session
    )
}

/// 200, plain: newest first, URLs, some null reasons. Returns the logs.
async fn ok_plain(running: &Running, api: &Client) -> Vec<ev_energy_client::types::DispatcherLog> {
    let plain = api
        .list_dispatcher_logs()
        .charging_sub_session_id(running.sub_session.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(plain.headers()["evenergy-version"], "2");
    assert_eq!(plain.headers()["x-ratelimit-limit"], "1000");
    let plain = plain.into_inner();
    assert!(plain.len() >= 20, "{}", plain.len());
    assert!(
        plain.windows(2).all(|w| w[0].logged_at >= w[1].logged_at),
        "newest first"
    );
    assert!(plain.iter().all(|l| matches!(&l.charging_sub_session,
        ChargingSubSessionOrUrl::ResourceUrl(url) if url.ends_with(&running.sub_session))));
    assert!(plain.iter().any(|l| l.reason_not_sent.is_none()));
    for log in &plain {
        let start = log.schedule_valid_period_start;
        assert!(
            start.timestamp() % 1800 == 0 && start.timestamp_subsec_micros() == 0,
            "half-hour aligned"
        );
    }
    plain
}

/// 200, expanded and time-bounded (inclusive bounds).
async fn ok_expanded_within_inclusive_bounds(
    running: &Running,
    api: &Client,
    plain: &[ev_energy_client::types::DispatcherLog],
) {
    let (gte, lte) = (plain[plain.len() - 5].logged_at, plain[4].logged_at);
    let window = api
        .list_dispatcher_logs()
        .charging_sub_session_id(running.sub_session.as_str())
        .expand(vec![DispatcherLogExpand::ChargingSubSession])
        .logged_at_gte(gte)
        .logged_at_lte(lte)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(window.len(), plain.len() - 8);
    assert_eq!(window.first().unwrap().logged_at, lte);
    assert_eq!(window.last().unwrap().logged_at, gte);
    for log in &window {
        let ChargingSubSessionOrUrl::ChargingSubSession(sub) = &log.charging_sub_session else {
            panic!("expected the expanded sub-session");
        };
        assert_eq!(sub.id.as_str(), running.sub_session);
        assert!(sub.url.ends_with(&running.sub_session));
    }
}

/// 200, empty: a window after the last log.
async fn ok_empty_after_the_last_log(
    running: &Running,
    api: &Client,
    plain: &[ev_energy_client::types::DispatcherLog],
) {
    let empty = api
        .list_dispatcher_logs()
        .charging_sub_session_id(running.sub_session.as_str())
        .logged_at_gte(plain[0].logged_at + chrono::Duration::microseconds(1))
        .send()
        .await
        .unwrap();
    assert!(empty.into_inner().is_empty());
}

/// 400 for each bad parameter (sent raw: the client refuses to send them),
/// and for an unsupported version.
async fn bad_request_for_each_bad_parameter(running: &Running, good: &str) {
    let base = &running.base;
    let auth = format!("Bearer {good}");
    let ok = listing_query(running);
    for (query, field) in [
        ("/dispatcher_logs".to_string(), "charging_sub_session_id"),
        (
            "/dispatcher_logs?charging_sub_session_id=csub42".to_string(),
            "charging_sub_session_id",
        ),
        (format!("{ok}&expand=everything"), "expand"),
        (
            format!("{ok}&logged_at__gte=last-tuesday"),
            "logged_at__gte",
        ),
        (
            format!("{ok}&logged_at__lte=2024-13-01T00:00:00Z"),
            "logged_at__lte",
        ),
    ] {
        let (status, body) = raw(base, &query, &[("Authorization", &auth)]).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body["field_errors"][field].is_array(), "{query}: {body}");
    }
    let (status, body) = raw(
        base,
        &ok,
        &[("Authorization", &auth), ("EvEnergy-Version", "3")],
    )
    .await;
    assert_eq!(
        (status, body["title"].as_str()),
        (400, Some("Unsupported version"))
    );
}

/// 401: missing, expired, forged.
async fn unauthorized_when_missing_expired_or_forged(running: &Running) {
    let base = &running.base;
    let anonymous = Client::anonymous(base).unwrap();
    let problem = expect_problem(
        anonymous
            .list_dispatcher_logs()
            .charging_sub_session_id(running.sub_session.as_str())
            .send()
            .await,
        401,
        "Unauthorized",
    )
    .await;
    assert_eq!(
        problem.detail,
        "Authentication credentials were not provided."
    );
    for (token, detail) in [
        (
            token(&["debug:read"], Some(DEMO_USER), -3600, DEV_SECRET),
            "Token has expired.",
        ),
        (
            token(&["debug:read"], Some(DEMO_USER), 3600, "not-the-secret"),
            "Invalid token.",
        ),
    ] {
        let rejected = client(base, &token);
        let result = rejected
            .list_dispatcher_logs()
            .charging_sub_session_id(running.sub_session.as_str())
            .send()
            .await;
        assert_eq!(
            expect_problem(result, 401, "Unauthorized").await.detail,
            detail
        );
    }
}

/// 403: a token without the scope; a client-credentials token (scope, no
/// user) owns no sub-session.
async fn forbidden_without_the_scope_or_a_user(running: &Running) {
    let base = &running.base;
    let no_scope = client(base, &token(&[], Some(DEMO_USER), 3600, DEV_SECRET));
    expect_problem(
        no_scope
            .list_dispatcher_logs()
            .charging_sub_session_id(running.sub_session.as_str())
            .send()
            .await,
        403,
        "Forbidden",
    )
    .await;
    let no_user = client(base, &token(&["debug:read"], None, 3600, DEV_SECRET));
    expect_problem(
        no_user
            .list_dispatcher_logs()
            .charging_sub_session_id(running.sub_session.as_str())
            .send()
            .await,
        403,
        "Forbidden",
    )
    .await;
}

/// 403 for another user's sub-session and for an unknown one: the same answer.
async fn forbidden_alike_for_a_foreign_and_an_unknown_sub_session(running: &Running, api: &Client) {
    let foreign = expect_problem(
        api.list_dispatcher_logs()
            .charging_sub_session_id(running.foreign.as_str())
            .send()
            .await,
        403,
        "Forbidden",
    )
    .await;
    let unknown = expect_problem(
        api.list_dispatcher_logs()
            .charging_sub_session_id("csub00000000000000000000000000")
            .send()
            .await,
        403,
        "Forbidden",
    )
    .await;
    // Each problem names its own request (`instance`); apart from that an
    // unknown and a foreign sub-session are indistinguishable.
    let without_request = |mut problem: ev_energy_client::types::Problem| {
        assert!(
            problem
                .instance
                .as_deref()
                .is_some_and(|i| i.starts_with("urn:request:")),
            "{problem:?}"
        );
        problem.instance = None;
        problem
    };
    assert_eq!(
        without_request(foreign),
        without_request(unknown),
        "an unknown and a foreign sub-session are indistinguishable"
    );
}

/// 406, and the document itself.
async fn not_acceptable_and_the_document_served(running: &Running, good: &str) {
    let base = &running.base;
    let auth = format!("Bearer {good}");
    let ok = listing_query(running);
    let (status, body) = raw(
        base,
        &ok,
        &[("Authorization", &auth), ("Accept", "text/csv")],
    )
    .await;
    assert_eq!(
        (status, body["title"].as_str()),
        (406, Some("Not Acceptable"))
    );

    // The document itself.
    let document = reqwest::get(format!("{base}/openapi.yaml")).await.unwrap();
    assert_eq!(document.status(), 200);
    assert!(document
        .text()
        .await
        .unwrap()
        .contains("operationId: list_dispatcher_logs"));
}

/// 429 after the limit, with Retry-After. A caller of its own: on
/// PostgreSQL the budget is shared with every instance on the database,
/// so the requests of the other checks count too.
async fn too_many_requests_after_the_limit(database: &str) {
    let limited = Running::start(database, 3).await;
    let good = mint_hs256(
        DEV_SECRET,
        DEFAULT_ISSUER,
        DEFAULT_AUDIENCE,
        "e2e-limited",
        Some(DEMO_USER),
        &["debug:read".to_string()],
        3600,
    )
    .unwrap();
    let api = client(&limited.base, &good);
    for remaining in ["2", "1", "0"] {
        let response = api
            .list_dispatcher_logs()
            .charging_sub_session_id(limited.sub_session.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["x-ratelimit-remaining"], remaining);
    }
    let problem = expect_problem(
        api.list_dispatcher_logs()
            .charging_sub_session_id(limited.sub_session.as_str())
            .send()
            .await,
        429,
        "Too Many Requests",
    )
    .await;
    assert_eq!(
        problem.type_.as_deref(),
        Some("https://api.ev.energy/v2/problems/rate-limit-exceeded/")
    );
    let (status, _) = raw(
        &limited.base,
        &format!(
            "/dispatcher_logs?charging_sub_session_id={}",
            limited.sub_session
        ),
        &[("Authorization", &format!("Bearer {good}"))],
    )
    .await;
    assert_eq!(status, 429);
    limited.stop().await;
}

#[tokio::test]
async fn every_declared_status_is_answered_on_sqlite_and_the_file_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("e2e.sqlite");
    every_declared_status(database.to_str().unwrap()).await;
    // The data survives a restart: the file store is durable.
    let store = Store::open(database.to_str().unwrap()).await.unwrap();
    assert_eq!(store.count_logs().await.unwrap(), 900);
    store.close().await;
}

/// On PostgreSQL, instances share one rate-limit budget per caller.
async fn instances_share_the_rate_limit(database: &str) {
    let first = Running::start(database, 3).await;
    let second = Running::start(database, 3).await;
    let caller = mint_hs256(
        DEV_SECRET,
        DEFAULT_ISSUER,
        DEFAULT_AUDIENCE,
        "e2e-shared",
        Some(DEMO_USER),
        &["debug:read".to_string()],
        3600,
    )
    .unwrap();
    let (a, b) = (client(&first.base, &caller), client(&second.base, &caller));
    let sub = first.sub_session.clone();
    let mut remaining = Vec::new();
    for api in [&a, &b, &a] {
        let response = api
            .list_dispatcher_logs()
            .charging_sub_session_id(sub.as_str())
            .send()
            .await
            .unwrap();
        remaining.push(
            response.headers()["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(
        remaining,
        ["2", "1", "0"],
        "one budget across both instances"
    );
    expect_problem(
        b.list_dispatcher_logs()
            .charging_sub_session_id(sub.as_str())
            .send()
            .await,
        429,
        "Too Many Requests",
    )
    .await;
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn an_in_memory_sqlite_store_serves_listings() {
    let running = Running::start(":memory:", 1000).await;
    let api = client(
        &running.base,
        &token(&["debug:read"], Some(DEMO_USER), 3600, DEV_SECRET),
    );
    let logs = api
        .list_dispatcher_logs()
        .charging_sub_session_id(running.sub_session.as_str())
        .send()
        .await
        .unwrap();
    assert!(!logs.into_inner().is_empty());
    running.stop().await;
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

#[tokio::test]
async fn every_declared_status_and_a_shared_rate_limit_work_on_postgres() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("REQUIRE_POSTGRES").is_none(),
            "REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not"
        );
        eprintln!("skipping the PostgreSQL end-to-end test: set TEST_DATABASE_URL=postgres://user:pass@127.0.0.1/postgres to run it");
        return;
    };
    let name = format!(
        "dispatcher_logs_e2e_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("TEST_DATABASE_URL is reachable");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let (prefix, _) = admin_url
        .rsplit_once('/')
        .expect("a URL with a database name");
    every_declared_status(&format!("{prefix}/{name}")).await;
    instances_share_the_rate_limit(&format!("{prefix}/{name}")).await;
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .await
        .unwrap();
}
