//! The real service binary on 127.0.0.1, driven over raw sockets, for the
//! tests that meet it as a client (or an attacker) would.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_dispatcher-logs-service");
pub const SUB: &str = "csub01HSH04KDEWF6Z4DB2J77J74K5";

pub struct Service {
    child: Child,
    pub addr: SocketAddr,
}

impl Service {
    pub fn start(database: &str, extra: &[&str]) -> Self {
        Self::start_binary(std::path::Path::new(BIN), None, database, extra)
    }

    /// [`Service::start`] with another copy of the binary, in `dir` when given.
    pub fn start_binary(
        binary: &std::path::Path,
        dir: Option<&std::path::Path>,
        database: &str,
        extra: &[&str],
    ) -> Self {
        let mut command = Command::new(binary);
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--dev-secret",
                "--database",
                database,
            ])
            .args(extra)
            .env_remove("JWT_SECRET")
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = spawn(&mut command);
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on http://")
            .expect(&line);
        let addr = url.trim_end_matches("/v2").parse().unwrap();
        Self { child, addr }
    }

    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    }

    /// Sends raw bytes on a new connection and reads the whole answer.
    pub fn raw(&self, request: &[u8]) -> String {
        let mut stream = self.connect();
        stream.write_all(request).unwrap();
        read_all(&mut stream)
    }

    /// A GET of the listing with these extra header lines.
    pub fn get(&self, query: &str, headers: &[String]) -> String {
        let mut request =
            format!("GET /v2/dispatcher_logs?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for header in headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        self.raw(request.as_bytes())
    }

    /// The demo user's valid request.
    pub fn valid(&self, token: &str) -> String {
        self.get(
            &format!("charging_sub_session_id={SUB}"),
            &[format!("Authorization: Bearer {token}")],
        )
    }

    /// SIGTERM, and wait for the graceful exit.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("the service did not stop on SIGTERM");
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn read_all(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

pub fn status(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

pub fn body(answer: &str) -> serde_json::Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

pub fn is_problem(answer: &str, code: u16) -> bool {
    status(answer) == code
        && answer
            .to_ascii_lowercase()
            .contains("content-type: application/problem+json")
        && body(answer)["status"] == code
}

pub fn seeded() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("store.sqlite").display().to_string();
    let seed = Command::new(BIN)
        .args(["seed", "--database", &database, "--logs", "200"])
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(
        seed.status.success(),
        "{}",
        String::from_utf8_lossy(&seed.stderr)
    );
    (dir, database)
}

pub fn token(args: &[&str]) -> String {
    let output = Command::new(BIN)
        .args(["token", "--scopes", "debug:read"])
        .args(args)
        .env_remove("JWT_SECRET")
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// Starts `command`, again while it fails with "text file busy": a binary
/// a test has just copied can be held open for writing for a moment by a
/// process another test thread forked meanwhile (it closes at that
/// child's `exec`).
fn spawn(command: &mut Command) -> std::process::Child {
    let mut tries = 0;
    loop {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 100 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            started => return started.unwrap(),
        }
    }
}
