//! Errors in the document's own shape, end to end, as a backend team meets
//! them: a document whose error schema is petstore-expanded's
//! `Error {code, message}` (`xtask/tests/features/own-error-shape.yaml`,
//! and petstore-expanded itself from `../shared/corpus` when it is there)
//! is generated with `cargo xtask codegen --document`, served with its
//! generated server on 127.0.0.1, and called with its generated client.
//! The adapter's own refusals — a bad parameter (400), an unknown path
//! (404), another method (405), a body over the limit (413), a backend
//! failure (500) — and the backend's `types::Error::not_found(…)` come
//! back as the typed `Error { code, message }`, never as "Invalid Response
//! Payload".
//!
//! The generated crates get a test of their own (below, `ROUND_TRIP`),
//! built in one target folder under the workspace's `target/` shared with
//! the feature fixtures' check, so only the first run builds the
//! dependencies.

use std::path::Path;
use std::process::Command;

use xtask::corpus::throwaway_cargo;
use xtask::workspace_root;

/// The round trip, for a document with petstore-expanded's four
/// operations and `Error {code, message}`; `CRATE` is the crates' prefix
/// in snake case. `EXTRA` adds the fixture's own operations.
const ROUND_TRIP: &str = r##"
use std::sync::Arc;

use CRATE_client::Client;
use CRATE_server::runtime::Problems;
use CRATE_server::*;
use reqwest::StatusCode;

struct Store;

impl Api for Store {
    async fn find_pets(&self, request: FindPetsRequest) -> runtime::Result<FindPetsResponse> {
        let FindPetsRequest { tags, limit: _ } = request;
        if tags.iter().any(|t| t == "fire") {
            // A backend failure: logged, answered with the document's 500.
            return Err(runtime::Error::msg("the store is on fire"));
        }
        Ok(FindPetsResponse::ok(vec![]))
    }

    async fn add_pet(&self, request: AddPetRequest) -> runtime::Result<AddPetResponse> {
        Ok(AddPetResponse::ok(types::Pet {
            id: 1,
            name: request.body.name,
            tag: request.body.tag,
        }))
    }

    async fn find_pet_by_id(
        &self,
        request: FindPetByIdRequest,
    ) -> runtime::Result<FindPetByIdResponse> {
        // The backend's own problem, in the document's shape.
        let missing = types::Error::not_found(&format!("/api/pets/{}", request.id))?;
        Ok(FindPetByIdResponse::default(StatusCode::NOT_FOUND, missing))
    }

    async fn delete_pet(&self, _: DeletePetRequest) -> runtime::Result<DeletePetResponse> {
        Ok(DeletePetResponse::default(
            StatusCode::FORBIDDEN,
            types::Error::forbidden()?,
        ))
    }

    EXTRA_METHODS
}

async fn serve(limits: runtime::Limits) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .nest("/api", router(Arc::new(Store)))
        .fallback(fallback);
    tokio::spawn(serve_app(listener, app, limits));
    format!("http://{addr}")
}

async fn serve_app(listener: tokio::net::TcpListener, app: axum::Router, limits: runtime::Limits) {
    CRATE_server::serve(listener, app, limits, std::future::pending())
        .await
        .unwrap();
}

/// The typed error the client decoded, or a panic saying what it got.
fn typed<T: std::fmt::Debug, E: std::fmt::Debug>(
    result: Result<T, CRATE_client::Error<E>>,
) -> (u16, E) {
    match result {
        Err(CRATE_client::Error::ErrorResponse(response)) => {
            (response.status().as_u16(), response.into_inner())
        }
        other => panic!("expected the typed error, got {other:?}"),
    }
}

/// A raw request (what the typed client cannot send); its status, its
/// Content-Type and its body, decoded by the client's own decoding
/// (`ResponseValue::from_response`) into the document's `Error`.
async fn raw(method: &str, url: &str, body: Option<String>) -> (u16, String, types::Error) {
    let mut request = reqwest::Client::new().request(method.parse().unwrap(), url);
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    let decoded = CRATE_client::ResponseValue::<types::Error>::from_response::<()>(response)
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {status} is not the document's Error: {e}"));
    (status, content_type, decoded.into_inner())
}

#[tokio::test]
async fn the_client_reads_its_servers_refusals_as_the_documents_error() {
    let base = serve(runtime::Limits::default()).await;
    let client = Client::new(&format!("{base}/api"), Default::default());

    // A parameter the schema refuses: the adapter's 400.
    let (status, content_type, error) = raw("GET", &format!("{base}/api/pets?limit=x"), None).await;
    assert_eq!((status, content_type.as_str(), error.code), (400, "application/json", 400));
    assert!(
        error.message.contains("limit: "),
        "the reasons are in the message when the schema has no place for them: {}",
        error.message
    );
    // A limit beyond its Rust type (i32, or u32 where `minimum: 1`): the runtime's own message.
    let (status, _, error) = raw("GET", &format!("{base}/api/pets?limit=99999999999"), None).await;
    assert_eq!((status, error.code), (400, 400));
    assert!(error.message.contains("Must be an integer from"), "{}", error.message);

    // A backend failure: the document's 500, typed.
    let (status, error) = typed(client.find_pets().tags(vec!["fire".to_string()]).send().await);
    assert_eq!((status, error.code), (500, 500));
    assert!(!error.message.contains("fire"), "never the error's text: {}", error.message);

    // The backend's own `types::Error::not_found(…)` and `forbidden()`.
    let (status, error) = typed(client.find_pet_by_id().id(7).send().await);
    assert_eq!((status, error.code), (404, 404));
    assert_eq!(error.message, "There is no resource at /api/pets/7.");
    let (status, error) = typed(client.delete_pet().id(7).send().await);
    assert_eq!((status, error.code), (403, 403));

    // An unknown path (a client pointed at the wrong base path): 404, typed.
    let lost = Client::new(&format!("{base}/v9"), Default::default());
    let (status, error) = typed(lost.find_pets().send().await);
    assert_eq!((status, error.code), (404, 404));
    assert!(error.message.contains("/v9/pets"), "{}", error.message);

    // What the typed client cannot send, sent raw and decoded as it decodes.
    let (status, content_type, error) = raw("GET", &format!("{base}/api/pets/abc"), None).await;
    assert_eq!((status, content_type.as_str(), error.code), (400, "application/json", 400));
    assert!(error.message.contains("id: "), "{}", error.message);
    // A 20-digit id on an int64 path parameter: the runtime's own message.
    let (status, _, error) =
        raw("GET", &format!("{base}/api/pets/99999999999999999999"), None).await;
    assert_eq!((status, error.code), (400, 400));
    assert!(
        error.message.contains("Must be an integer from -9223372036854775808 to 9223372036854775807"),
        "{}",
        error.message
    );
    let (status, content_type, error) = raw("PATCH", &format!("{base}/api/pets"), None).await;
    assert_eq!((status, content_type.as_str(), error.code), (405, "application/json", 405));
    let (status, _, error) = raw("POST", &format!("{base}/api/pets"), Some("{".into())).await;
    assert_eq!((status, error.code), (400, 400));

    // A body over the server's limit: refused before routing, 413, typed.
    let small = serve(runtime::Limits {
        max_body_bytes: 64,
        ..runtime::Limits::default()
    })
    .await;
    let (status, content_type, error) = raw(
        "POST",
        &format!("{small}/api/pets"),
        Some(format!(r#"{{"name":"{}"}}"#, "x".repeat(200))),
    )
    .await;
    assert_eq!((status, content_type.as_str(), error.code), (413, "application/json", 413));
    // A request target over the limit: 414, typed.
    let long = format!("{base}/api/pets?tags={}", "x".repeat(9000));
    let (status, _, error) = raw("GET", &long, None).await;
    assert_eq!((status, error.code), (414, 414));

    // One connection over the cap: 503, typed, before any request is read.
    let capped = serve(runtime::Limits {
        max_connections: 1,
        ..runtime::Limits::default()
    })
    .await;
    let _held = tokio::net::TcpStream::connect(capped.trim_start_matches("http://"))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // The refusal is written before the request is read: raw TCP.
    let mut refused = tokio::net::TcpStream::connect(capped.trim_start_matches("http://"))
        .await
        .unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = refused.write_all(b"GET /api/pets HTTP/1.1\r\nhost: x\r\n\r\n").await;
    let mut answer = String::new();
    refused.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(head.contains("content-type: application/json\r\n"), "{answer}");
    let error: types::Error = serde_json::from_str(body).unwrap();
    assert_eq!(error.code, 503);
}

EXTRA_TESTS
"##;

/// The fixture's own operations: `updatePet` declares `Missing`
/// (`{error: {status, message}}`) for `4XX`; `adoptPet` declares
/// `Rejection`, which requires `trace_token`.
const FIXTURE_METHODS: &str = r##"
    async fn update_pet(&self, request: UpdatePetRequest) -> runtime::Result<UpdatePetResponse> {
        if request.id == 404 {
            let missing = types::Missing::not_found("/api/pets/404")?;
            return Ok(UpdatePetResponse::status4xx(StatusCode::NOT_FOUND, missing));
        }
        Ok(UpdatePetResponse::ok(types::Pet {
            id: request.id,
            name: request.body.name,
            tag: request.body.tag,
        }))
    }

    async fn adopt_pet(&self, _: AdoptPetRequest) -> runtime::Result<AdoptPetResponse> {
        // Cannot be filled: an error, never a silent failure.
        let why = types::Rejection::forbidden().unwrap_err().to_string();
        assert!(why.contains("trace_token"), "{why}");
        Ok(AdoptPetResponse::no_content())
    }
"##;

const FIXTURE_TESTS: &str = r##"
#[tokio::test]
async fn each_operation_answers_in_the_schema_it_declares_for_the_status() {
    let base = serve(runtime::Limits::default()).await;
    let client = Client::new(&format!("{base}/api"), Default::default());
    // `updatePet`'s 4XX is `Missing`: its refusals come nested.
    let response = reqwest::Client::new()
        .put(format!("{base}/api/pets/abc"))
        .json(&serde_json::json!({"name": "Rex"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let missing: types::Missing = response.json().await.unwrap();
    assert_eq!(missing.error.status, 400);
    // Required, filled by nothing in a problem: stand-ins the schema accepts.
    assert_eq!(missing.href, "/api/pets/abc");
    assert_eq!(missing.kind, types::MissingKind::Client);
    assert!(missing.error.message.contains("id: "), "{}", missing.error.message);
    // The backend's `types::Missing::not_found(…)`, read by the client.
    let (status, missing) = typed(
        client
            .update_pet()
            .id(404)
            .body(types::NewPet { name: "Rex".into(), tag: None })
            .send()
            .await,
    );
    assert_eq!((status, missing.error.status), (404, 404));
    assert_eq!(missing.error.message, "There is no resource at /api/pets/404.");

    // `adoptPet`'s only error schema cannot hold a problem (codegen
    // warned): its refusals are problem+json.
    let response = reqwest::Client::new()
        .post(format!("{base}/api/pets/abc/adoption"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let ok = client.adopt_pet().id(1).send().await.unwrap();
    assert_eq!(ok.status(), 204);
}
"##;

/// Generates `document` into `out`, adds the round trip to its server
/// crate, and runs it.
fn round_trip(document: &Path, out: &Path, fixture: bool) {
    let root = workspace_root();
    let generate = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--document"])
        .arg(document)
        .arg("--out")
        .arg(out)
        .arg("--runtime-path")
        .arg(root.join("crates").join("ev-energy-runtime"))
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        generate.status.success(),
        "{}: {}",
        document.display(),
        String::from_utf8_lossy(&generate.stderr)
    );
    let prefix = xtask::standalone::crate_prefix(document).unwrap();
    let snake = prefix.replace('-', "_");
    let server = out.join(format!("{prefix}-server"));
    let manifest = server.join("Cargo.toml");
    let mut toml = std::fs::read_to_string(&manifest).unwrap();
    toml.push_str(&format!(
        "\n[dev-dependencies]\n{prefix}-client = {{ path = \"../{prefix}-client\" }}\n\
         axum = {{ version = \"0.8\", default-features = false }}\n\
         reqwest = {{ version = \"0.13\", default-features = false, features = [\"json\"] }}\n\
         serde_json = \"1\"\n\
         tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\", \"time\"] }}\n"
    ));
    std::fs::write(&manifest, toml).unwrap();
    let (methods, tests) = if fixture {
        (FIXTURE_METHODS, FIXTURE_TESTS)
    } else {
        ("", "")
    };
    let source = ROUND_TRIP
        .replace("EXTRA_METHODS", methods)
        .replace("EXTRA_TESTS", tests)
        .replace("CRATE", &snake);
    std::fs::create_dir_all(server.join("tests")).unwrap();
    std::fs::write(server.join("tests").join("round_trip.rs"), source).unwrap();
    let test = throwaway_cargo(&root.join("target").join("feature-fixtures"))
        .args([
            "test",
            "--quiet",
            "--offline",
            "--test",
            "round_trip",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "{}: the round trip failed:\n{}\n{}",
        document.display(),
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );
}

#[test]
fn the_generated_client_reads_the_fixtures_own_errors() {
    let out = tempfile::tempdir().unwrap();
    let document = Path::new("xtask/tests/features/own-error-shape.yaml");
    round_trip(document, out.path(), true);
}

#[test]
fn the_generated_client_reads_petstore_expandeds_own_errors() {
    let document = workspace_root()
        .join("..")
        .join("shared")
        .join("corpus")
        .join("oai-petstore-expanded.yaml");
    if !document.exists() {
        eprintln!(
            "skipped: {} is absent (the corpus lies beside the checkout in CI)",
            document.display()
        );
        return;
    }
    let out = tempfile::tempdir().unwrap();
    round_trip(&document, out.path(), false);
}
