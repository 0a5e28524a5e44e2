//! A rate limit per (OAuth client, user): by default 1000 requests in any
//! hour. Counted in memory for the embedded SQLite store (one instance,
//! its counts saved in the store so a restart keeps every caller's budget),
//! and in the database for PostgreSQL, where several stateless instances
//! share it.
//!
//! In memory, each caller costs one fixed-size counter, and a request one
//! lookup in one of [`SHARDS`] independently locked maps: constant work
//! however many callers there are (the previous rolling log kept every
//! request's time and swept the whole map under one global lock past
//! 10 000 callers). The counter splits the window into [`BUCKETS`] buckets
//! and counts every bucket that overlaps the last `window` in full, so no
//! caller ever gets more than the limit into any span of `window` — at the
//! price of a budget that comes back up to one bucket (1/60 of the window)
//! later than an exact log would give it back.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ev_energy_server::Limited;

use crate::store::{Counted, SavedCounter, Store, StoreError};

/// The figure the `X-RateLimit-*` headers carry when no limit applies
/// (`--rate-limit 0`): the document requires the headers on every 200, so
/// the limit and the requests remaining are sent as `i64::MAX`.
pub const UNLIMITED_FIGURE: u64 = i64::MAX as u64;

/// What the hook answers when no limit applies: limits off, a caller not
/// authenticated, or a shared count that failed (failing open).
pub const UNLIMITED: Limited = Limited::Allowed {
    limit: UNLIMITED_FIGURE,
    remaining: UNLIMITED_FIGURE,
};

/// Independently locked parts of the map.
pub const SHARDS: usize = 64;
/// Buckets per window.
pub const BUCKETS: u64 = 60;
/// Buckets a counter keeps: a span of `window` overlaps one more than
/// [`BUCKETS`] when it does not start on a bucket's edge.
const RING: usize = BUCKETS as usize + 1;

/// One caller's counts.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Counter {
    /// The newest bucket counted (time / bucket width).
    head: u64,
    /// Requests per bucket, by bucket index modulo [`RING`].
    buckets: [u32; RING],
    /// The sum of `buckets`.
    total: u64,
    /// Changed since the last save.
    dirty: bool,
}

impl Counter {
    fn new(head: u64) -> Self {
        Self {
            head,
            buckets: [0; RING],
            total: 0,
            dirty: false,
        }
    }

    /// Moves the head to `bucket`, emptying the buckets that leave the window.
    fn roll(&mut self, bucket: u64) {
        if bucket <= self.head {
            return;
        }
        let steps = (bucket - self.head).min(RING as u64);
        for k in 1..=steps {
            let i = ((self.head + k) % RING as u64) as usize;
            self.total -= u64::from(self.buckets[i]);
            self.buckets[i] = 0;
        }
        self.head = bucket;
    }

    /// The oldest bucket still counted.
    fn oldest(&self) -> u64 {
        self.head.saturating_sub(RING as u64 - 1)
    }
}

/// Counts requests per caller over a rolling window.
#[derive(Debug)]
pub struct RollingWindow {
    limit: u64,
    bucket_us: u64,
    shards: Vec<Mutex<HashMap<String, Counter>>>,
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Whole seconds to wait, at least one (`Retry-After`).
fn retry_after_secs(wait_us: u64) -> u64 {
    wait_us.div_ceil(1_000_000).max(1)
}

fn caller_key(client: &str, user: &str) -> String {
    let mut key = String::with_capacity(client.len() + user.len() + 1);
    key.push_str(client);
    key.push('\u{1f}');
    key.push_str(user);
    key
}

impl RollingWindow {
    /// `limit` requests per `window` for each caller. A limit of 0 disables limiting.
    pub fn new(limit: u64, window: Duration) -> Self {
        Self {
            limit,
            bucket_us: (window.as_micros() as u64 / BUCKETS).max(1),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: &str) -> std::sync::MutexGuard<'_, HashMap<String, Counter>> {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        let shard = &self.shards[(hasher.finish() as usize) % SHARDS];
        // A poisoned lock only means another request panicked mid-update;
        // the counts are still usable.
        shard.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a request by (`client`, `user`) at `now_us`, unless it is
    /// over the limit. With a limit of 0, every request is allowed
    /// ([`UNLIMITED`]).
    pub fn check(&self, client: &str, user: &str, now_us: u64) -> Limited {
        if self.limit == 0 {
            return UNLIMITED;
        }
        let limit = self.limit;
        let bucket = now_us / self.bucket_us;
        let key = caller_key(client, user);
        let mut shard = self.shard(&key);
        let counter = shard.entry(key).or_insert_with(|| Counter::new(bucket));
        counter.roll(bucket);
        if counter.total >= limit {
            return Limited::Exceeded {
                limit,
                retry_after_secs: retry_after_secs(self.retry_after_us(counter, now_us)),
            };
        }
        let i = (bucket % RING as u64) as usize;
        counter.buckets[i] += 1;
        counter.total += 1;
        counter.dirty = true;
        Limited::Allowed {
            limit,
            remaining: limit - counter.total,
        }
    }

    /// How long until enough of the oldest buckets leave for one more request.
    fn retry_after_us(&self, counter: &Counter, now_us: u64) -> u64 {
        let mut total = counter.total;
        for bucket in counter.oldest()..=counter.head {
            total -= u64::from(counter.buckets[(bucket % RING as u64) as usize]);
            if total < self.limit {
                // `bucket` stops counting once the head is RING buckets past it.
                let free_at = (bucket + RING as u64) * self.bucket_us;
                return free_at.saturating_sub(now_us);
            }
        }
        self.bucket_us
    }

    /// Forgets callers with nothing left in the window; returns how many
    /// are left. Called periodically; it takes one shard's lock at a time,
    /// so no request waits for more than one shard's sweep.
    pub fn evict(&self, now_us: u64) -> usize {
        let bucket = now_us / self.bucket_us;
        let mut left = 0;
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(|p| p.into_inner());
            shard.retain(|_, c| {
                c.roll(bucket);
                c.total > 0
            });
            left += shard.len();
        }
        left
    }

    /// Callers counted now.
    pub fn callers(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).len())
            .sum()
    }

    /// The counters changed since the last call, to save.
    pub fn take_dirty(&self) -> Vec<SavedCounter> {
        let mut out = Vec::new();
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(|p| p.into_inner());
            for (caller, counter) in shard.iter_mut().filter(|(_, c)| c.dirty) {
                counter.dirty = false;
                // RING counts, oldest first (buckets before time began are empty).
                let counts = (0..RING as u64)
                    .map(|k| (counter.head + k + 1).checked_sub(RING as u64))
                    .map(|b| b.map_or(0, |b| counter.buckets[(b % RING as u64) as usize]))
                    .collect();
                out.push(SavedCounter {
                    caller: caller.clone(),
                    head: counter.head,
                    counts,
                });
            }
        }
        out
    }

    /// Puts saved counters back (at start-up), keeping the larger count of
    /// each bucket where a caller is already counted.
    pub fn restore(&self, saved: impl IntoIterator<Item = SavedCounter>) {
        for saved in saved {
            if saved.counts.len() != RING || saved.head < RING as u64 {
                continue;
            }
            let mut shard = self.shard(&saved.caller);
            let counter = shard
                .entry(saved.caller.clone())
                .or_insert_with(|| Counter::new(saved.head));
            counter.roll(saved.head);
            for (k, &count) in saved.counts.iter().enumerate() {
                let bucket = saved.head + 1 - RING as u64 + k as u64;
                if bucket < counter.oldest() {
                    continue;
                }
                let i = (bucket % RING as u64) as usize;
                if count > counter.buckets[i] {
                    counter.total += u64::from(count - counter.buckets[i]);
                    counter.buckets[i] = count;
                }
            }
        }
    }

    /// The oldest bucket a save made now still needs.
    fn horizon(&self, now_us: u64) -> u64 {
        (now_us / self.bucket_us).saturating_sub(RING as u64)
    }
}

/// Where requests are counted.
#[derive(Debug)]
pub enum Limiter {
    /// In this process (saved in the store, see [`RollingWindow::take_dirty`]).
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
    /// Counts a request by (`client`, `user`): the hook's answer.
    pub async fn check(&self, store: &Store, client: &str, user: &str) -> Limited {
        match self {
            Limiter::Memory(window) => window.check(client, user, now_us()),
            Limiter::Shared { limit: 0, .. } => UNLIMITED,
            Limiter::Shared { limit, window } => {
                let caller = caller_key(client, user);
                match store
                    .count_request(&caller, now_us(), *window, *limit)
                    .await
                {
                    Ok(Counted::Allowed { remaining }) => Limited::Allowed {
                        limit: *limit,
                        remaining,
                    },
                    Ok(Counted::Refused { retry_after_us }) => Limited::Exceeded {
                        limit: *limit,
                        retry_after_secs: retry_after_secs(retry_after_us),
                    },
                    Err(error) => {
                        // Fail open: a rate-limit table outage should not take the API down.
                        tracing::warn!(%error, "cannot count the request against the shared rate limit");
                        UNLIMITED
                    }
                }
            }
        }
    }

    /// Saves the in-memory counts that changed, and forgets callers whose
    /// budget is back to full. Nothing to do for the shared limiter.
    pub async fn save(&self, store: &Store) -> Result<(), StoreError> {
        let Limiter::Memory(window) = self else {
            return Ok(());
        };
        let now = now_us();
        let dirty = window.take_dirty();
        if !dirty.is_empty() {
            store.save_rate_limits(&dirty).await?;
        }
        window.evict(now);
        store.forget_rate_limits(window.horizon(now)).await?;
        Ok(())
    }

    /// Loads the counts a previous run saved.
    pub async fn restore(&self, store: &Store) -> Result<usize, StoreError> {
        let Limiter::Memory(window) = self else {
            return Ok(0);
        };
        let saved = store.load_rate_limits(window.horizon(now_us())).await?;
        let count = saved.len();
        window.restore(saved);
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000;

    #[test]
    fn the_window_rolls() {
        let limiter = RollingWindow::new(2, Duration::from_secs(60));
        let t0 = 1_000 * 60 * S; // the start of a bucket
        assert_eq!(
            limiter.check("c", "u", t0),
            Limited::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        assert_eq!(
            limiter.check("c", "u", t0 + 10 * S),
            Limited::Allowed {
                limit: 2,
                remaining: 0
            }
        );
        assert_eq!(
            limiter.check("c", "u", t0 + 20 * S),
            Limited::Exceeded {
                limit: 2,
                retry_after_secs: 41
            }
        );
        // Another (client, user) pair has its own budget.
        assert_eq!(
            limiter.check("c", "v", t0),
            Limited::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        // The first request's bucket still overlaps the last 60 s…
        assert!(matches!(
            limiter.check("c", "u", t0 + 60 * S),
            Limited::Exceeded { .. }
        ));
        // …until it has left it: then one more is allowed.
        assert_eq!(
            limiter.check("c", "u", t0 + 61 * S),
            Limited::Allowed {
                limit: 2,
                remaining: 0
            }
        );
        // Long after, the budget is whole again.
        assert_eq!(
            limiter.check("c", "u", t0 + 300 * S),
            Limited::Allowed {
                limit: 2,
                remaining: 1
            }
        );
    }

    #[test]
    fn no_span_of_a_window_lets_more_than_the_limit_through() {
        // 100 per 60 s; bursts at the end of buckets and a steady trickle.
        let limiter = RollingWindow::new(100, Duration::from_secs(60));
        let mut allowed = Vec::new();
        let mut t = 7 * S + 999_000;
        for i in 0..20_000u64 {
            t += if i % 50 == 0 { 3 * S } else { 7_000 };
            if matches!(limiter.check("c", "u", t), Limited::Allowed { .. }) {
                allowed.push(t);
            }
        }
        for (i, &start) in allowed.iter().enumerate() {
            let within = allowed[i..]
                .iter()
                .take_while(|&&t| t < start + 60 * S)
                .count();
            assert!(within <= 100, "{within} requests in the 60 s from {start}");
        }
        // And it gives the budget back: over the run, about the limit per minute.
        let minutes = (t - 7 * S) as f64 / (60 * S) as f64;
        assert!(
            allowed.len() as f64 >= 0.9 * 100.0 * minutes,
            "{} in {minutes} min",
            allowed.len()
        );
    }

    #[test]
    fn the_cost_does_not_grow_with_the_callers() {
        // Every caller is one counter; idle ones are forgotten by `evict`.
        let limiter = RollingWindow::new(10, Duration::from_secs(60));
        for i in 0..30_000 {
            limiter.check(&format!("client-{i}"), "u", 60 * S);
        }
        assert_eq!(limiter.callers(), 30_000);
        assert_eq!(limiter.evict(100 * S), 30_000, "still inside the window");
        assert_eq!(limiter.evict(200 * S), 0);
    }

    #[test]
    fn saved_counts_come_back() {
        let before = RollingWindow::new(3, Duration::from_secs(3600));
        let t = 100_000 * S;
        for _ in 0..3 {
            before.check("c", "u", t);
        }
        let saved = before.take_dirty();
        assert_eq!(saved.len(), 1);
        assert!(before.take_dirty().is_empty(), "only changes are saved");
        let after = RollingWindow::new(3, Duration::from_secs(3600));
        after.restore(saved);
        assert!(matches!(
            after.check("c", "u", t + 10 * S),
            Limited::Exceeded { .. }
        ));
    }

    #[test]
    fn zero_disables_the_limit() {
        let limiter = RollingWindow::new(0, Duration::from_secs(60));
        assert_eq!(
            limiter.check("c", "u", now_us()),
            Limited::Allowed {
                limit: i64::MAX as u64,
                remaining: i64::MAX as u64
            }
        );
    }
}
