//! `serve` will not trust the development secret that is published in the
//! source unless told so, and then only on loopback.

use std::process::{Command, Stdio};

fn serve(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dispatcher-logs-service"))
        .args(["serve", "--database", ":memory:"])
        .args(args)
        .env_remove("JWT_SECRET")
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .output()
        .expect("the service binary runs")
}

#[test]
fn serve_refuses_the_development_secret_by_default() {
    let output = serve(&["--listen", "127.0.0.1:0"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to serve")
            && stderr.contains("--jwt-secret")
            && stderr.contains("--dev-secret"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "it never listened");
}

#[test]
fn the_development_secret_is_for_loopback_only() {
    let output = serve(&["--listen", "0.0.0.0:0", "--dev-secret"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("only allowed on a loopback address"),
        "{stderr}"
    );
}

#[test]
fn serve_starts_with_a_configured_secret_or_the_dev_flag_on_loopback() {
    use std::io::{BufRead, BufReader};
    for args in [
        &[
            "--listen",
            "127.0.0.1:0",
            "--jwt-secret",
            "a-real-secret-from-the-vault",
        ][..],
        &["--listen", "127.0.0.1:0", "--dev-secret"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dispatcher-logs-service"))
            .args(["serve", "--database", ":memory:"])
            .args(args)
            .env_remove("JWT_SECRET")
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        assert!(
            line.starts_with("listening on http://127.0.0.1:"),
            "{args:?}: {line:?}"
        );
        if args.contains(&"--dev-secret") {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("DEVELOPMENT SECRET IN USE"),
                "shouted in the log: {stderr}"
            );
        }
    }
}
