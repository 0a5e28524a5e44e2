//! The reference page travels with the binary: a copy of it, run from a
//! folder with no source tree around, serves `/v2/docs`, Redoc's bundle
//! and the document it renders.

mod common;

use common::*;

fn get(service: &Service, path: &str) -> String {
    service.raw(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
}

fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = answer.split("\r\n\r\n").next()?;
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[test]
fn a_copy_of_the_binary_far_from_the_source_tree_serves_the_reference_page() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("dispatcher-logs-service");
    std::fs::copy(BIN, &copy).unwrap();
    let service = Service::start_binary(&copy, Some(dir.path()), ":memory:", &[]);

    let page = get(&service, "/v2/docs");
    assert_eq!(status(&page), 200, "{page}");
    assert_eq!(
        header(&page, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.contains("/v2/docs/redoc.standalone.js"), "{page}");
    assert!(page.contains("/v2/openapi.yaml"), "{page}");
    assert!(page.contains("disableTelemetry: true"), "{page}");

    let bundle = get(&service, "/v2/docs/redoc.standalone.js");
    assert_eq!(status(&bundle), 200);
    assert_eq!(
        header(&bundle, "content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(bundle.contains("RedocStandalone"));
    assert!(bundle.len() > 1_000_000, "the whole bundle, not a stub");

    let document = get(&service, "/v2/openapi.yaml");
    assert_eq!(status(&document), 200);
    assert!(document.contains("/dispatcher_logs:"));
    service.stop();
}

#[test]
fn a_reference_page_given_with_docs_that_cannot_be_read_is_a_problem_naming_the_file() {
    let service = Service::start(":memory:", &["--docs", "/nonexistent/page.html"]);
    let answer = get(&service, "/v2/docs");
    assert!(is_problem(&answer, 404), "{answer}");
    assert!(body(&answer)["detail"]
        .as_str()
        .unwrap()
        .contains("/nonexistent/page.html"));
    service.stop();
}
