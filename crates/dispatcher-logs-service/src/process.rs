//! The service binary run as a child process on 127.0.0.1, for the demo
//! and the load run: started with `serve --listen 127.0.0.1:0`, found by
//! the `listening on …` line it prints, stopped with SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};

/// A running `serve` child process.
pub struct ServiceProcess {
    child: Child,
    /// Where it serves the API, e.g. `http://127.0.0.1:41234/v2`.
    pub base_url: String,
}

impl ServiceProcess {
    /// Starts `binary serve --listen 127.0.0.1:0 --dev-secret <args>` (on
    /// loopback, with the development secret the demo mints its tokens
    /// with) and waits for its address.
    pub fn start(binary: &Path, args: &[&str]) -> anyhow::Result<Self> {
        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0", "--dev-secret"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let stdout = child.stdout.take().context("no stdout from the service")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .context("cannot read the service's address")?;
        let Some(base_url) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the service did not start (it printed {line:?})");
        };
        Ok(Self {
            base_url: base_url.to_string(),
            child,
        })
    }

    /// The process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal (`-TERM`, `-KILL`) with `kill`.
    pub fn signal(&self, signal: &str) -> anyhow::Result<()> {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()?;
        ensure!(status.success(), "kill {signal} {} failed", self.child.id());
        Ok(())
    }

    /// Waits at most `limit` for the process to exit.
    pub fn wait(&mut self, limit: Duration) -> anyhow::Result<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        bail!("the service did not exit within {limit:?}")
    }

    /// SIGTERM (graceful shutdown), then waits up to 5 s.
    pub fn stop(&mut self) -> anyhow::Result<ExitStatus> {
        self.signal("-TERM")?;
        self.wait(Duration::from_secs(5))
    }

    /// Resident memory in KiB, from /proc (Linux).
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .context("no VmRSS")?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .context("VmRSS value")?
            .parse()?)
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
