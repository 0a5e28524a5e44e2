//! `/metrics` counts the requests just made, as Prometheus scrapes it.

mod common;

use common::*;

/// The value of the sample `name{labels…}` whose labels include all of `want`.
fn sample(text: &str, name: &str, want: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter(|l| want.iter().all(|w| l.contains(w)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[test]
fn metrics_count_requests_by_operation_and_status() {
    let (_dir, database) = seeded();
    let service = Service::start(&database, &["--rate-limit", "3"]);
    let token = token(&[]);
    let scrape = || {
        let answer = service.raw(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assert_eq!(status(&answer), 200, "{answer}");
        assert!(answer.contains("text/plain; version=0.0.4"), "{answer}");
        answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string()
    };
    let op = "operation=\"list_dispatcher_logs\"";
    // Two answered, one invalid, then the budget of 3 runs out: one 429.
    assert_eq!(status(&service.valid(&token)), 200);
    assert_eq!(status(&service.valid(&token)), 200);
    let bad = service.get(
        "charging_sub_session_id=nope",
        &[format!("Authorization: Bearer {token}")],
    );
    assert_eq!(status(&bad), 400);
    assert_eq!(status(&service.valid(&token)), 429);
    let text = scrape();
    assert_eq!(
        sample(&text, "http_requests_total", &[op, "status=\"200\""]),
        2.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "http_requests_total", &[op, "status=\"400\""]),
        1.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "http_requests_total", &[op, "status=\"429\""]),
        1.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "http_rate_limit_refusals_total", &[op]),
        1.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "http_request_duration_seconds_count", &[op]),
        4.0,
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "a histogram: {text}"
    );
    assert_eq!(
        sample(&text, "http_requests_in_flight", &[op]),
        0.0,
        "{text}"
    );
}
