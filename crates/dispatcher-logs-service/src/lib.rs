//! The reference service of the ev.energy API v2: the generated
//! [`ev_energy_server::Api`] trait implemented on an embedded SQLite store
//! (or PostgreSQL), with JWT authentication and a rolling rate limit.
//!
//! The binary (`dispatcher-logs-service`) has four commands: `serve`,
//! `seed`, `token` and `demo`; see `--help`.

pub mod auth;
pub mod config;
pub mod demo;
pub mod http;
pub mod metrics;
pub mod process;
pub mod rate_limit;
pub mod seed;
pub mod service;
pub mod store;

pub use service::DispatcherLogs;
pub use store::Store;

/// Parses `90`, `90s`, `15m`, `1h`, `7d`, `-1h` into seconds (`token --ttl`,
/// `--max-token-lifetime`).
pub fn parse_duration(text: &str) -> anyhow::Result<i64> {
    use anyhow::Context;
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let number: i64 = number
        .parse()
        .with_context(|| format!("`{text}` is not a duration such as 90s, 15m, 1h or 7d"))?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        other => anyhow::bail!("unknown unit `{other}` in `{text}`: use s, m, h or d"),
    };
    number.checked_mul(factor).context("duration too large")
}
