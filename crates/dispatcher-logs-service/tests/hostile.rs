//! The service as attackers meet it: slow and idle connections, too many
//! of them, oversized heads, duplicate and forged credentials, many
//! callers, a restart. Each test starts the real binary on 127.0.0.1 with
//! short limits, is bounded to a few seconds, and checks that a valid
//! client is still served.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

#[test]
fn slow_and_idle_connections_are_closed_and_valid_clients_still_served() {
    let (_dir, database) = seeded();
    let service = Service::start(
        &database,
        &[
            "--header-read-timeout-secs",
            "1",
            "--idle-timeout-secs",
            "2",
            "--max-connections",
            "64",
        ],
    );
    let token = token(&[]);
    // 40 connections dripping half a request line, 10 idle ones.
    let mut drips: Vec<TcpStream> = (0..40).map(|_| service.connect()).collect();
    for drip in &mut drips {
        drip.write_all(b"GET /v2/dispatcher_lo").unwrap();
    }
    let idle: Vec<TcpStream> = (0..10).map(|_| service.connect()).collect();
    // While they hang, a valid client is served.
    assert_eq!(status(&service.valid(&token)), 200);
    let started = Instant::now();
    for mut stream in drips.into_iter().chain(idle) {
        let rest = read_all(&mut stream);
        assert!(rest.is_empty() || status(&rest) == 408, "{rest}");
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "closed after {took:?}");
    // A kept-alive connection that sends nothing more is closed too.
    let mut kept = service.connect();
    kept.write_all(b"GET /v2/nope HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let answer = read_all(&mut kept);
    assert!(is_problem(&answer, 404), "{answer}");
    assert_eq!(status(&service.valid(&token)), 200);
}

#[test]
fn connections_over_the_cap_get_a_503_problem_and_accepted_ones_keep_working() {
    let (_dir, database) = seeded();
    let service = Service::start(
        &database,
        &["--max-connections", "8", "--header-read-timeout-secs", "5"],
    );
    let token = token(&[]);
    // Fill the cap with one kept-alive, valid connection and 7 stalled ones.
    let mut kept = service.connect();
    let request = format!(
        "GET /v2/dispatcher_logs?charging_sub_session_id={SUB} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    let held: Vec<TcpStream> = (0..7).map(|_| service.connect()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let refused = service.raw(b"GET /v2/nope HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(is_problem(&refused, 503), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    // The accepted connection is not starved by the refusals.
    for _ in 0..20 {
        let _ = service.raw(b"GET / HTTP/1.1\r\n\r\n");
    }
    kept.write_all(request.as_bytes()).unwrap();
    let mut head = [0u8; 12];
    kept.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(status(&service.valid(&token)), 200);
}

#[test]
fn oversized_heads_get_problems_not_empty_answers() {
    let (_dir, database) = seeded();
    let service = Service::start(&database, &[]);
    let long = "a".repeat(9000);
    let answer = service.get(&format!("charging_sub_session_id={long}"), &[]);
    assert!(is_problem(&answer, 414), "{answer}");
    let answer = service.get("", &[format!("X-Padding: {}", "b".repeat(20_000))]);
    assert!(is_problem(&answer, 431), "{answer}");
    // Heads far past what hyper buffers (a 1 MiB token, a 100 KiB query)
    // get the same problems, not hyper's empty answer.
    let answer = service.get(
        &format!("charging_sub_session_id={}", "q".repeat(100 * 1024)),
        &[],
    );
    assert!(is_problem(&answer, 414), "{answer}");
    let answer = service.get(
        "",
        &[format!("Authorization: Bearer {}", "t".repeat(1 << 20))],
    );
    assert!(is_problem(&answer, 431), "{answer}");
    let answer = service.raw(
        format!("POST /v2/dispatcher_logs HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", 2 << 20).as_bytes(),
    );
    assert!(is_problem(&answer, 413), "{answer}");
    assert_eq!(status(&service.valid(&token(&[]))), 200);
}

#[test]
fn duplicate_and_forged_credentials_are_refused() {
    let (_dir, database) = seeded();
    let service = Service::start(&database, &[]);
    let good = token(&[]);
    let query = format!("charging_sub_session_id={SUB}");
    let answer = service.get(
        &query,
        &[
            format!("Authorization: Bearer {good}"),
            "Authorization: Bearer other".into(),
        ],
    );
    assert!(
        is_problem(&answer, 400),
        "two Authorization headers: {answer}"
    );
    // Forged: signed with another secret, alg none, a garbage token.
    let other = {
        let output = Command::new(BIN)
            .args(["token", "--jwt-secret", "not-the-servers-secret"])
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    };
    let payload = good.split('.').nth(1).unwrap();
    let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    for forged in [other.as_str(), none.as_str(), "garbage", "a.b.c"] {
        let answer = service.get(&query, &[format!("Authorization: Bearer {forged}")]);
        assert!(is_problem(&answer, 401), "{forged}: {answer}");
        assert!(answer.contains("WWW-Authenticate") || answer.contains("www-authenticate"));
    }
    assert_eq!(status(&service.valid(&good)), 200);
}

#[test]
fn many_callers_each_get_their_budget_and_a_restart_keeps_it() {
    let (_dir, database) = seeded();
    let service = Service::start(&database, &["--rate-limit", "3"]);
    // 300 other callers (other OAuth clients) first.
    let demo = token(&[]);
    for i in 0..300 {
        let other = token(&["--client", &format!("client-{i}")]);
        let answer = service.valid(&other);
        assert_eq!(status(&answer), 200, "{answer}");
    }
    for remaining in [2, 1, 0] {
        let answer = service.valid(&demo);
        assert_eq!(status(&answer), 200, "{answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains(&format!("x-ratelimit-remaining: {remaining}")),
            "{answer}"
        );
    }
    assert!(is_problem(&service.valid(&demo), 429));
    service.stop();
    // The budget survives the restart.
    let service = Service::start(&database, &["--rate-limit", "3"]);
    let answer = service.valid(&demo);
    assert!(
        is_problem(&answer, 429),
        "a restart handed out a fresh budget: {answer}"
    );
}

#[test]
fn a_stalled_body_is_cut_off_and_a_huge_chunked_one_refused() {
    let (_dir, database) = seeded();
    let service = Service::start(
        &database,
        &[
            "--idle-timeout-secs",
            "2",
            "--header-read-timeout-secs",
            "5",
        ],
    );
    // A body announced as 1000 bytes, of which 10 come.
    let mut stalled = service.connect();
    stalled
        .write_all(b"POST /v2/dispatcher_logs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789")
        .unwrap();
    let started = Instant::now();
    let rest = read_all(&mut stalled);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "held for {:?}",
        started.elapsed()
    );
    assert!(rest.is_empty() || status(&rest) < 500, "{rest}");
    // A chunked body that grows past the 1 MiB limit: 413 with a problem, never a 5xx.
    let mut chunked = service.connect();
    chunked
        .write_all(b"POST /v2/dispatcher_logs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        .unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "a".repeat(64 * 1024));
    for _ in 0..40 {
        if chunked.write_all(chunk.as_bytes()).is_err() {
            break; // the server stopped reading: also a refusal
        }
    }
    let _ = chunked.write_all(b"0\r\n\r\n");
    let answer = read_all(&mut chunked);
    // 413, as with a Content-Length over the limit (or nothing, where the
    // connection was cut while the body was still being sent).
    assert!(answer.is_empty() || status(&answer) == 413, "{answer}");
    if !answer.is_empty() {
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("application/problem+json"),
            "{answer}"
        );
    }
    assert_eq!(status(&service.valid(&token(&[]))), 200);
}

/// The answers on one connection, split: each is a head and a body of its
/// `content-length`.
fn answers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find("\r\n\r\n") {
        let head = &rest[..end];
        let length = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        let total = (end + 4 + length).min(rest.len());
        out.push(rest[..total].to_string());
        rest = &rest[total..];
    }
    out
}

#[test]
fn every_head_on_a_kept_alive_connection_gets_the_problem_the_first_gets() {
    let (_dir, database) = seeded();
    let service = Service::start(&database, &[]);
    let valid = format!(
        "GET /v2/dispatcher_logs?charging_sub_session_id={SUB} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        token(&[])
    );
    let oversized = [
        (
            format!(
                "GET /v2/dispatcher_logs?charging_sub_session_id={} HTTP/1.1\r\nHost: x\r\n\r\n",
                "q".repeat(100 * 1024)
            ),
            414,
        ),
        (
            format!(
                "GET /v2/dispatcher_logs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
                "t".repeat(1 << 20)
            ),
            431,
        ),
    ];
    for (head, code) in &oversized {
        // After a valid request on the same connection, and pipelined
        // behind two valid ones in one write: the valid ones are answered
        // first, then the refusal, then the connection is closed.
        for before in [1, 2] {
            let mut stream = service.connect();
            let mut sent = valid.repeat(before).into_bytes();
            sent.extend_from_slice(head.as_bytes());
            sent.extend_from_slice(valid.as_bytes());
            stream.write_all(&sent).unwrap();
            let started = Instant::now();
            let text = read_all(&mut stream);
            assert!(started.elapsed() < Duration::from_secs(4));
            let answers = answers(&text);
            assert_eq!(answers.len(), before + 1, "{text:.600}");
            for answer in &answers[..before] {
                assert_eq!(status(answer), 200, "{answer:.300}");
            }
            let refusal = &answers[before];
            assert!(is_problem(refusal, *code), "{refusal}");
            assert!(
                refusal.to_ascii_lowercase().contains("connection: close"),
                "{refusal}"
            );
            assert!(
                refusal.to_ascii_lowercase().contains("x-request-id:"),
                "{refusal}"
            );
        }
    }
    // A later head dripped in small pieces past the watched size.
    let mut stream = service.connect();
    stream.write_all(valid.as_bytes()).unwrap();
    stream
        .write_all(b"GET /v2/dispatcher_logs HTTP/1.1\r\nHost: x\r\nX-Drip: ")
        .unwrap();
    for _ in 0..(40 * 1024 / 64) {
        if stream.write_all(&[b'd'; 64]).is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"\r\n\r\n");
    let answers = answers(&read_all(&mut stream));
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert!(is_problem(&answers[1], 431), "{}", answers[1]);
    assert_eq!(status(&service.valid(&token(&[]))), 200);
}

#[test]
fn ambiguous_framing_is_refused_with_a_problem_and_the_connection_closed() {
    let (_dir, database) = seeded();
    let service = Service::start(&database, &[]);
    let framings = [
        "Content-Length: 5\r\nTransfer-Encoding: chunked",
        "Transfer-Encoding: chunked\r\nContent-Length: 5",
        "Transfer-Encoding: gzip",
        "Content-Length: 5\r\nContent-Length: 6",
    ];
    for framing in framings {
        let request =
            format!("POST /v2/dispatcher_logs HTTP/1.1\r\nHost: x\r\n{framing}\r\n\r\n0\r\n\r\n");
        // First on its connection.
        let answer = service.raw(request.as_bytes());
        assert!(is_problem(&answer, 400), "{framing}: {answer}");
        assert!(
            body(&answer)["detail"]
                .as_str()
                .unwrap()
                .contains("RFC 9112"),
            "{answer}"
        );
        // After a valid request on the same connection: the valid one is
        // answered, then the refusal, then nothing more (the GET after it
        // is never read as a request).
        let mut stream = service.connect();
        let valid = format!(
            "GET /v2/dispatcher_logs?charging_sub_session_id={SUB} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
            token(&[])
        );
        stream
            .write_all(format!("{valid}{request}{valid}").as_bytes())
            .unwrap();
        let answers = answers(&read_all(&mut stream));
        assert_eq!(answers.len(), 2, "{framing}: {answers:?}");
        assert_eq!(status(&answers[0]), 200);
        assert!(is_problem(&answers[1], 400), "{framing}: {}", answers[1]);
    }
    assert_eq!(status(&service.valid(&token(&[]))), 200);
}

#[test]
fn heads_hyper_would_answer_bare_get_problems_and_garbage_is_refused_at_once() {
    let (_dir, database) = seeded();
    let service = Service::start(&database, &[]);
    let mut many = String::from("GET /v2/dispatcher_logs HTTP/1.1\r\nHost: x\r\n");
    for i in 0..150 {
        many.push_str(&format!("X-Field-{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let cases = [
        (many, 431, "more than 100 header fields"),
        (
            "GET /v2/dispatcher logs HTTP/1.1\r\nHost: x\r\n\r\n".to_string(),
            400,
            "request line",
        ),
        (
            "GET /v2/dispatcher_logs HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n".to_string(),
            400,
            "header field",
        ),
    ];
    let valid = format!(
        "GET /v2/dispatcher_logs?charging_sub_session_id={SUB} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        token(&[])
    );
    for (head, code, words) in &cases {
        // First on its connection, and behind a valid request.
        let answer = service.raw(head.as_bytes());
        assert!(is_problem(&answer, *code), "{words}: {answer}");
        assert!(
            body(&answer)["detail"].as_str().unwrap().contains(words),
            "{answer}"
        );
        let mut stream = service.connect();
        stream
            .write_all(format!("{valid}{head}{valid}").as_bytes())
            .unwrap();
        let answers = answers(&read_all(&mut stream));
        assert_eq!(answers.len(), 2, "{words}: {answers:?}");
        assert_eq!(status(&answers[0]), 200);
        assert!(is_problem(&answers[1], *code), "{words}: {}", answers[1]);
    }
    // A TLS handshake sent to the plain port: refused as it comes, not
    // after the header-read timeout (10 s).
    let mut stream = service.connect();
    stream
        .write_all(&[
            0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03,
        ])
        .unwrap();
    let started = Instant::now();
    let mut answer = [0u8; 512];
    let read = stream.read(&mut answer).unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    let answer = String::from_utf8_lossy(&answer[..read]).into_owned();
    assert_eq!(status(&answer), 400, "{answer}");
    assert_eq!(status(&service.valid(&token(&[]))), 200);
}

#[test]
fn tokens_living_too_long_or_issued_in_the_future_are_refused_with_the_reason() {
    use dispatcher_logs_service::auth::{
        mint_hs256, now_secs, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_SECRET,
    };
    let (_dir, database) = seeded();
    let service = Service::start(&database, &["--max-token-lifetime", "2h"]);
    let query = format!("charging_sub_session_id={SUB}");
    let sign = |claims: serde_json::Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(DEV_SECRET.as_bytes()),
        )
        .unwrap()
    };
    let now = now_secs();
    let claims = |iat: u64, exp: u64| {
        serde_json::json!({
            "iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE, "sub": dispatcher_logs_service::seed::DEMO_USER,
            "client_id": "dev-client", "scope": "debug:read", "iat": iat, "exp": exp
        })
    };
    let century = 100 * 365 * 24 * 3600;
    let cases = [
        (sign(claims(now, now + century)), "lives longer"),
        (
            sign(claims(now + 365 * 24 * 3600, now + 365 * 24 * 3600 + 600)),
            "issued in the future",
        ),
        // Signed by the service's own key, within the default but not this deployment's limit.
        (
            mint_hs256(
                DEV_SECRET,
                DEFAULT_ISSUER,
                DEFAULT_AUDIENCE,
                "dev-client",
                None,
                &["debug:read".into()],
                3 * 3600,
            )
            .unwrap(),
            "lives longer",
        ),
    ];
    for (token, why) in cases {
        let answer = service.get(&query, &[format!("Authorization: Bearer {token}")]);
        assert!(is_problem(&answer, 401), "{why}: {answer}");
        assert!(
            body(&answer)["detail"].as_str().unwrap_or("").contains(why),
            "{answer}"
        );
        let challenge = answer
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("www-authenticate:"))
            .unwrap_or("");
        assert!(
            challenge.contains("error=\"invalid_token\"") && challenge.contains(why),
            "{challenge}"
        );
    }
    // The token command mints none the policy refuses.
    let output = Command::new(BIN)
        .args(["token", "--ttl", "3h", "--max-token-lifetime", "2h"])
        .env_remove("JWT_SECRET")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--max-token-lifetime"));
    assert_eq!(status(&service.valid(&token(&["--ttl", "1h"]))), 200);
}
