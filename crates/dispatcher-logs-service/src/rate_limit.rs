//! A rolling-window rate limit per (OAuth client, user): by default 1000
//! requests in any hour. Counted in memory for the embedded SQLite store
//! (one instance), and in the database for PostgreSQL, where several
//! stateless instances share it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ev_energy_server::RateLimit;

/// Counts requests per key over a rolling window.
#[derive(Debug)]
pub struct RollingWindow {
    limit: u64,
    window: Duration,
    seen: Mutex<HashMap<(String, String), VecDeque<Instant>>>,
}

impl RollingWindow {
    /// `limit` requests per `window` for each key. A limit of 0 disables limiting.
    pub fn new(limit: u64, window: Duration) -> Self {
        Self {
            limit,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records a request by (`client`, `user`) at `now`, unless it is over the limit.
    pub fn check(&self, client: &str, user: &str, now: Instant) -> RateLimit {
        if self.limit == 0 {
            return RateLimit::Unlimited;
        }
        // A poisoned lock only means another request panicked mid-update;
        // the counts are still usable.
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 10_000 {
            // Forget keys whose window has passed, so idle callers cost nothing.
            seen.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let times = seen
            .entry((client.to_string(), user.to_string()))
            .or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() as u64 >= self.limit {
            let oldest = times.front().copied().unwrap_or(now);
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            return RateLimit::Exceeded {
                limit: self.limit,
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            };
        }
        times.push_back(now);
        RateLimit::Allowed {
            limit: self.limit,
            remaining: self.limit - times.len() as u64,
        }
    }
}

/// Where requests are counted.
#[derive(Debug)]
pub enum Limiter {
    /// In this process.
    Memory(RollingWindow),
    /// In the store, shared by every instance on it.
    Shared {
        /// Requests per window; 0 turns the limit off.
        limit: u64,
        /// The rolling window.
        window: Duration,
    },
}

impl Limiter {
    /// Counts a request by (`client`, `user`).
    pub async fn check(&self, store: &crate::store::Store, client: &str, user: &str) -> RateLimit {
        match self {
            Limiter::Memory(window) => window.check(client, user, Instant::now()),
            Limiter::Shared { limit: 0, .. } => RateLimit::Unlimited,
            Limiter::Shared { limit, window } => {
                let now_us = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_micros() as i64)
                    .unwrap_or(0);
                let caller = format!("{client}\u{1f}{user}");
                match store
                    .count_request(&caller, now_us, window.as_micros() as i64, *limit as i64)
                    .await
                {
                    Ok(Ok(remaining)) => RateLimit::Allowed {
                        limit: *limit,
                        remaining: remaining.max(0) as u64,
                    },
                    Ok(Err(wait_us)) => RateLimit::Exceeded {
                        limit: *limit,
                        retry_after_secs: (wait_us as u64).div_ceil(1_000_000).max(1),
                    },
                    Err(error) => {
                        // Fail open: a rate-limit table outage should not take the API down.
                        tracing::warn!(%error, "cannot count the request against the shared rate limit");
                        RateLimit::Unlimited
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_rolls() {
        let limiter = RollingWindow::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(
            limiter.check("c", "u", t0),
            RateLimit::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        assert_eq!(
            limiter.check("c", "u", t0 + Duration::from_secs(10)),
            RateLimit::Allowed {
                limit: 2,
                remaining: 0
            }
        );
        assert_eq!(
            limiter.check("c", "u", t0 + Duration::from_secs(20)),
            RateLimit::Exceeded {
                limit: 2,
                retry_after_secs: 40
            }
        );
        // Another (client, user) pair has its own budget.
        assert_eq!(
            limiter.check("c", "v", t0),
            RateLimit::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        // Once the first request leaves the window, one more is allowed.
        assert_eq!(
            limiter.check("c", "u", t0 + Duration::from_secs(60)),
            RateLimit::Allowed {
                limit: 2,
                remaining: 0
            }
        );
    }

    #[test]
    fn zero_disables_the_limit() {
        let limiter = RollingWindow::new(0, Duration::from_secs(60));
        assert_eq!(
            limiter.check("c", "u", Instant::now()),
            RateLimit::Unlimited
        );
    }
}
