//! What two `serve` flags do to the answers, seen from outside the
//! binary: `--fail-store-reads N` (fault injection for tests of clients)
//! and `--rate-limit 0` (limits off, headers still sent).

mod common;

use common::*;

#[test]
fn fail_store_reads_answers_503_for_the_first_listings_then_serves() {
    let (_dir, database) = seeded();
    let service = Service::start(&database, &["--fail-store-reads", "2"]);
    let token = token(&[]);
    for _ in 0..2 {
        let answer = service.valid(&token);
        assert!(is_problem(&answer, 503), "{answer}");
    }
    let answer = service.valid(&token);
    assert_eq!(status(&answer), 200, "{answer}");
    service.stop();
}

#[test]
fn with_limits_off_every_200_still_carries_the_rate_limit_headers() {
    let (_dir, database) = seeded();
    let service = Service::start(&database, &["--rate-limit", "0"]);
    let token = token(&[]);
    for _ in 0..3 {
        let answer = service.valid(&token);
        assert_eq!(status(&answer), 200, "{answer}");
        let head = answer.split("\r\n\r\n").next().unwrap_or("").to_lowercase();
        for header in ["x-ratelimit-limit", "x-ratelimit-remaining"] {
            assert!(
                head.contains(&format!("{header}: 9223372036854775807\r\n")),
                "{header}: {head}"
            );
        }
    }
    service.stop();
}
