//! What the store keeps for rate limits: the shared count of requests per
//! caller (PostgreSQL, one budget for every instance), and the saved
//! in-memory counters of a single instance (SQLite, so a restart keeps
//! every caller's budget).
//!
//! The store owns these primitives and their types; the limiter
//! (`crate::rate_limit`) builds on them, and nothing here knows it.

use std::time::Duration;

use super::{Backend, Columns, Db, Query, Store, StoreError, Write};

/// A saved in-memory counter: the caller (`client` U+001F `user`), its
/// newest bucket and the counts of the buckets up to it, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedCounter {
    /// `client` and `user`, joined by U+001F.
    pub caller: String,
    /// The newest bucket (time / bucket width).
    pub head: u64,
    /// 61 counts (a window's buckets and one more), oldest first.
    pub counts: Vec<u32>,
}

/// What [`Store::count_request`] did with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// Counted: `remaining` more requests fit in the window after this one.
    Allowed {
        /// Requests still allowed in the window.
        remaining: u64,
    },
    /// Not counted, the window being full: the next request fits in
    /// `retry_after_us` microseconds.
    Refused {
        /// Microseconds until the oldest counted request leaves the window.
        retry_after_us: u64,
    },
}

fn saved_counter_row(row: &dyn Columns) -> Result<SavedCounter, StoreError> {
    let counts = row
        .text(2)?
        .split(',')
        .map(str::parse::<u32>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Corrupt(format!("rate-limit counts: {e}")))?;
    Ok(SavedCounter {
        caller: row.text(0)?,
        head: row.int(1)?.max(0) as u64,
        counts,
    })
}

pub(super) static SAVED_COUNTERS: Query<SavedCounter> = Query {
    sql: "SELECT caller, head, counts FROM rate_limit_counters WHERE head >= $1",
    row: saved_counter_row,
};

pub(super) const SAVE_COUNTER: &str =
    "INSERT INTO rate_limit_counters (caller, head, counts) VALUES ($1, $2, $3) \
     ON CONFLICT (caller) DO UPDATE SET head = excluded.head, counts = excluded.counts";

pub(super) const FORGET_COUNTERS: &str = "DELETE FROM rate_limit_counters WHERE head < $1";

/// `value` as the database's integer, or why it cannot be.
fn int(what: &str, value: u128) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::Misuse(format!("{what} {value} is past the database's integers")))
}

impl Store {
    /// Counts a request by `caller` at `now_us` (microseconds since the
    /// Unix epoch) against `limit` requests per rolling `window`, shared by
    /// every instance on this database. PostgreSQL only; on SQLite, or
    /// with a zero `limit` or `window`, it is [`StoreError::Misuse`].
    pub async fn count_request(
        &self,
        caller: &str,
        now_us: u64,
        window: Duration,
        limit: u64,
    ) -> Result<Counted, StoreError> {
        if limit == 0 || window.is_zero() {
            return Err(StoreError::Misuse(format!(
                "a shared rate limit of {limit} per {window:?} counts nothing"
            )));
        }
        let (now_us, window_us, limit) = (
            int("the time", now_us.into())?,
            int("the window", window.as_micros())?,
            int("the limit", limit.into())?,
        );
        match &self.db {
            Db::Postgres(db) => Box::pin(db.count_request(caller, now_us, window_us, limit)).await,
            Db::Sqlite(_) => Err(StoreError::Misuse(
                "shared rate limits need PostgreSQL".into(),
            )),
        }
    }

    /// Saves in-memory rate-limit counters (SQLite), replacing earlier saves.
    pub async fn save_rate_limits(&self, counters: &[SavedCounter]) -> Result<(), StoreError> {
        let rows = counters
            .iter()
            .map(|counter| {
                let counts = counter
                    .counts
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                vec![
                    (&counter.caller).into(),
                    (counter.head as i64).into(),
                    (&counts).into(),
                ]
            })
            .collect();
        self.write(vec![Write {
            sql: SAVE_COUNTER,
            insert: false,
            rows,
        }])
        .await
    }

    /// The saved rate-limit counters whose newest bucket is at or after `horizon`.
    pub async fn load_rate_limits(&self, horizon: u64) -> Result<Vec<SavedCounter>, StoreError> {
        self.all(&SAVED_COUNTERS, vec![(horizon as i64).into()])
            .await
    }

    /// Removes saved rate-limit counters older than `horizon`.
    pub async fn forget_rate_limits(&self, horizon: u64) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Ok(());
        }
        self.write(vec![Write {
            sql: FORGET_COUNTERS,
            insert: false,
            rows: vec![vec![(horizon as i64).into()]],
        }])
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counting_a_shared_request_on_sqlite_is_misuse_not_corruption() {
        let store = Store::open(":memory:").await.unwrap();
        let counted = store
            .count_request("c\u{1f}u", 1, Duration::from_secs(60), 10)
            .await;
        assert!(matches!(counted, Err(StoreError::Misuse(_))), "{counted:?}");
        store.close().await;
    }

    #[tokio::test]
    async fn a_zero_limit_or_window_is_refused_as_misuse() {
        let store = Store::open(":memory:").await.unwrap();
        for (window, limit) in [(Duration::ZERO, 10), (Duration::from_secs(60), 0)] {
            let counted = store.count_request("c\u{1f}u", 1, window, limit).await;
            assert!(
                matches!(counted, Err(StoreError::Misuse(_))),
                "{window:?}, {limit}: {counted:?}"
            );
        }
        store.close().await;
    }
}
