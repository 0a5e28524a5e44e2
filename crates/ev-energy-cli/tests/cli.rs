//! Snapshot tests of `ev-energy`: output and exit codes against the real
//! reference service on 127.0.0.1 (seeded deterministically). Update the
//! snapshots with `EXPECTORATE=overwrite cargo test -p ev-energy-cli`.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// Runs the CLI with `args` and `env`; returns the snapshot text.
async fn run(base_url: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ev-energy"));
    command.args(args).env("EV_ENERGY_BASE_URL", base_url);
    for name in [
        "EV_ENERGY_TOKEN",
        "EV_ENERGY_CLIENT_ID",
        "EV_ENERGY_CLIENT_SECRET",
        "EV_ENERGY_API_VERSION",
    ] {
        command.env_remove(name);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    without_request_ids(&text)
}

/// Request IDs (ULIDs the service makes) differ every run: `(request <id>)`.
fn without_request_ids(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("(request ") {
        let (before, after) = rest.split_at(at + "(request ".len());
        out.push_str(before);
        let id_len = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        out.push_str("<id>");
        rest = &after[id_len..];
    }
    out.push_str(rest);
    out
}

/// Compares with `tests/snapshots/<name>.txt` (or writes it, with EXPECTORATE=overwrite).
fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var("EXPECTORATE").as_deref() == Ok("overwrite") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}; run with EXPECTORATE=overwrite",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "snapshot {name} differs:\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

const LIST: &[&str] = &[
    "dispatcher-logs",
    "list",
    "--charging-sub-session-id",
    SUB_SESSION,
];
const WINDOW: &[&str] = &[
    "--since",
    "2024-04-01T01:00:00Z",
    "--until",
    "2024-04-01T01:30:00Z",
];

fn args(extra: &[&'static str]) -> Vec<&'static str> {
    LIST.iter().chain(extra).copied().collect()
}

#[tokio::test]
async fn listings_and_their_failures_print_as_their_snapshots_say() {
    let service = service(1000, 3600).await;
    let base = service.base_url.as_str();
    let good = token(&["debug:read"], 3600);
    let with_token = [("EV_ENERGY_TOKEN", good.as_str())];

    let mut table = args(WINDOW);
    table.push("--expand");
    assert_snapshot("list_table", &run(base, &table, &with_token).await);
    let json = args(&[
        "--since",
        "2024-04-01T01:00:00Z",
        "--until",
        "2024-04-01T01:10:00Z",
        "--output",
        "json",
    ]);
    assert_snapshot("list_json", &run(base, &json, &with_token).await);
    assert_snapshot("unauthenticated_401", &run(base, &args(&[]), &[]).await);
    let no_scope = token(&[], 3600);
    assert_snapshot(
        "forbidden_403",
        &run(base, &args(&[]), &[("EV_ENERGY_TOKEN", no_scope.as_str())]).await,
    );
    assert_snapshot(
        "unsupported_version_400",
        &run(base, &args(&["--api-version", "3"]), &with_token).await,
    );
    assert_snapshot(
        "invalid_id",
        &run(
            base,
            &[
                "dispatcher-logs",
                "list",
                "--charging-sub-session-id",
                "csub123",
            ],
            &with_token,
        )
        .await,
    );
    assert_snapshot(
        "invalid_time",
        &run(base, &args(&["--since", "yesterday"]), &with_token).await,
    );
}

#[tokio::test]
async fn client_credentials_from_the_environment_sign_in_and_wrong_ones_exit_3() {
    let service = service(1000, 3600).await;
    let (token_url, _) = token_endpoint(3600, false).await;
    let out = run(
        &service.base_url,
        &args(WINDOW),
        &[
            ("EV_ENERGY_CLIENT_ID", CLIENT_ID),
            ("EV_ENERGY_CLIENT_SECRET", CLIENT_SECRET),
            ("EV_ENERGY_TOKEN_URL", &token_url),
        ],
    )
    .await;
    assert!(out.starts_with("exit: 0\n"), "{out}");
    let out = run(
        &service.base_url,
        &args(WINDOW),
        &[
            ("EV_ENERGY_CLIENT_ID", CLIENT_ID),
            ("EV_ENERGY_CLIENT_SECRET", "wrong"),
            ("EV_ENERGY_TOKEN_URL", &token_url),
        ],
    )
    .await;
    assert!(out.starts_with("exit: 3\n"), "{out}");
    assert!(out.contains("invalid_client"), "{out}");
}

#[tokio::test]
async fn help_explains_every_flag_and_the_exit_codes() {
    let out = run(
        "http://127.0.0.1:9",
        &["dispatcher-logs", "list", "--help"],
        &[],
    )
    .await;
    for flag in [
        "--charging-sub-session-id",
        "--since",
        "--until",
        "--expand",
        "--output",
        "--base-url",
        "--api-version",
        "Exit codes",
    ] {
        assert!(out.contains(flag), "{flag} missing from --help:\n{out}");
    }
    let out = run(
        "http://127.0.0.1:9",
        &args(&[]),
        &[("EV_ENERGY_TOKEN", "x")],
    )
    .await;
    assert!(
        out.starts_with("exit: 7\n"),
        "an unreachable API exits 7: {out}"
    );
}
