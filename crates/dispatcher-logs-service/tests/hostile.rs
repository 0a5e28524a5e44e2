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
