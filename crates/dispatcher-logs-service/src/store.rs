//! Storage of charging sub-sessions and their dispatcher logs: an embedded
//! SQLite database by default, PostgreSQL for deployments with several
//! stateless instances. Both sit behind this one type: sqlx's `Any` driver
//! picks the backend from the URL, each backend has its own versioned
//! migrations (`migrations/sqlite`, `migrations/postgres`), and the
//! queries are portable SQL.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names no backend this service supports.
    #[error("unsupported database URL `{0}`: use a SQLite file path, `:memory:`, or postgres://…")]
    UnsupportedUrl(String),
    /// The database answered with an error or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A failure injected on purpose (`serve --fail-store-reads`, for tests).
    #[error("the store failed on purpose (fault injection)")]
    Injected,
    /// A stored value is not what the schema promises.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// Which database the store uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (or `:memory:`).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A charging sub-session, as stored. Times are microseconds since the
/// Unix epoch, UTC.
#[derive(Clone, Debug, PartialEq)]
pub struct SubSessionRow {
    pub id: String,
    pub user_id: String,
    pub start_us: i64,
    pub end_us: Option<i64>,
    pub mode: String,
    pub energy_delivered_watt_hours: f64,
    pub location: String,
    pub cost: Option<i64>,
    pub currency: String,
    pub total_co2_grams: f64,
    pub duration_minutes: i64,
}

/// A dispatcher log, as stored. Times are microseconds since the Unix
/// epoch, UTC.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRow {
    pub charging_sub_session_id: String,
    pub logged_at_us: i64,
    pub schedule_valid_period_start_us: i64,
    pub schedule_created_at_us: i64,
    pub internal_command_id: String,
    pub device_type: String,
    pub reason_not_sent: Option<String>,
}

/// The store: one connection pool and the backend it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// Rows per multi-row INSERT. SQLite binds `$N` parameters by name, which
/// costs more per parameter the longer the statement, so it gets short
/// statements; PostgreSQL gets long ones (fewer round trips).
fn insert_chunk(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 50,
        Backend::Postgres => 1000,
    }
}

impl Store {
    /// Opens (creating if needed) the store at `location` and applies any
    /// pending migrations. `location` is a `postgres://` URL, a
    /// `sqlite://` URL, `:memory:`, or a path to a SQLite file.
    pub async fn open(location: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, backend, memory) =
            if location.starts_with("postgres://") || location.starts_with("postgresql://") {
                (location.to_string(), Backend::Postgres, false)
            } else if location == ":memory:" || location == "sqlite::memory:" {
                ("sqlite::memory:".to_string(), Backend::Sqlite, true)
            } else if location.starts_with("sqlite:") {
                (location.to_string(), Backend::Sqlite, false)
            } else if location.contains("://") {
                return Err(StoreError::UnsupportedUrl(location.to_string()));
            } else {
                (sqlite_url(Path::new(location)), Backend::Sqlite, false)
            };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        options = match (backend, memory) {
            // Every connection to `:memory:` is its own database: keep exactly one, forever.
            (Backend::Sqlite, true) => options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None),
            (Backend::Sqlite, false) => options.max_connections(4),
            (Backend::Postgres, _) => options.max_connections(16),
        };
        if backend == Backend::Sqlite {
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await?,
        }
        Ok(Self { pool, backend })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection, waiting for running queries.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// One sub-session by ID.
    pub async fn sub_session(&self, id: &str) -> Result<Option<SubSessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, start_us, end_us, mode, energy_delivered_watt_hours, location, cost, \
             currency, total_co2_grams, duration_minutes FROM charging_sub_sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| sub_session_from(&row)).transpose()
    }

    /// The ID of one sub-session of `user_id` that has logs (the oldest), if any.
    pub async fn a_sub_session_of(&self, user_id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT s.id FROM charging_sub_sessions s WHERE s.user_id = $1 \
             AND EXISTS (SELECT 1 FROM dispatcher_logs l WHERE l.charging_sub_session_id = s.id) \
             ORDER BY s.id LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
            .transpose()
    }

    /// The IDs of up to `limit` sub-sessions of `user_id`, oldest first.
    pub async fn sub_sessions_of(
        &self,
        user_id: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM charging_sub_sessions WHERE user_id = $1 ORDER BY id LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
            .collect()
    }

    /// The ID of one sub-session with logs that `user_id` does not own, if any.
    pub async fn a_sub_session_of_other_user(
        &self,
        user_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT s.id FROM charging_sub_sessions s WHERE s.user_id <> $1 \
             AND EXISTS (SELECT 1 FROM dispatcher_logs l WHERE l.charging_sub_session_id = s.id) \
             ORDER BY s.id LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
            .transpose()
    }

    /// The logs of one sub-session, newest first, within inclusive bounds.
    pub async fn logs(
        &self,
        sub_session_id: &str,
        logged_at_gte_us: Option<i64>,
        logged_at_lte_us: Option<i64>,
    ) -> Result<Vec<LogRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT charging_sub_session_id, logged_at_us, schedule_valid_period_start_us, \
             schedule_created_at_us, internal_command_id, device_type, reason_not_sent \
             FROM dispatcher_logs WHERE charging_sub_session_id = $1 \
             AND logged_at_us >= $2 AND logged_at_us <= $3 \
             ORDER BY logged_at_us DESC, id DESC",
        )
        .bind(sub_session_id)
        .bind(logged_at_gte_us.unwrap_or(i64::MIN))
        .bind(logged_at_lte_us.unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(log_from).collect()
    }

    /// Counts a request by `caller` at `now_us` against `limit` requests per
    /// rolling `window_us`, shared by every instance on this database
    /// (PostgreSQL). `Ok(remaining)` when it may go ahead, `Err(wait_us)`
    /// when it may not.
    pub async fn count_request(
        &self,
        caller: &str,
        now_us: i64,
        window_us: i64,
        limit: i64,
    ) -> Result<Result<i64, i64>, StoreError> {
        if self.backend != Backend::Postgres {
            return Err(StoreError::Corrupt(
                "shared rate limits need PostgreSQL".into(),
            ));
        }
        let mut tx = self.pool.begin().await?;
        // One caller's requests are counted one at a time, across instances.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))::TEXT")
            .bind(caller)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM rate_limit_events WHERE caller = $1 AND at_us <= $2")
            .bind(caller)
            .bind(now_us - window_us)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "SELECT COUNT(*), COALESCE(MIN(at_us), 0) FROM rate_limit_events WHERE caller = $1",
        )
        .bind(caller)
        .fetch_one(&mut *tx)
        .await?;
        let (count, oldest): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        let outcome = if count >= limit {
            Err((oldest + window_us - now_us).max(0))
        } else {
            sqlx::query("INSERT INTO rate_limit_events (caller, at_us) VALUES ($1, $2)")
                .bind(caller)
                .bind(now_us)
                .execute(&mut *tx)
                .await?;
            Ok(limit - count - 1)
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Saves in-memory rate-limit counters (SQLite), replacing earlier saves.
    pub async fn save_rate_limits(
        &self,
        counters: &[crate::rate_limit::SavedCounter],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for counter in counters {
            let counts = counter
                .counts
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            sqlx::query(
                "INSERT INTO rate_limit_counters (caller, head, counts) VALUES ($1, $2, $3) \
                 ON CONFLICT (caller) DO UPDATE SET head = excluded.head, counts = excluded.counts",
            )
            .bind(&counter.caller)
            .bind(counter.head as i64)
            .bind(counts)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The saved rate-limit counters whose newest bucket is at or after `horizon`.
    pub async fn load_rate_limits(
        &self,
        horizon: u64,
    ) -> Result<Vec<crate::rate_limit::SavedCounter>, StoreError> {
        let rows =
            sqlx::query("SELECT caller, head, counts FROM rate_limit_counters WHERE head >= $1")
                .bind(horizon as i64)
                .fetch_all(&self.pool)
                .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let counts: String = row.try_get(2)?;
            let counts = counts
                .split(',')
                .map(|n| n.parse::<u32>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::Corrupt(format!("rate-limit counts: {e}")))?;
            out.push(crate::rate_limit::SavedCounter {
                caller: row.try_get(0)?,
                head: row.try_get::<i64, _>(1)?.max(0) as u64,
                counts,
            });
        }
        Ok(out)
    }

    /// Removes saved rate-limit counters older than `horizon`.
    pub async fn forget_rate_limits(&self, horizon: u64) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        sqlx::query("DELETE FROM rate_limit_counters WHERE head < $1")
            .bind(horizon as i64)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many logs the store holds.
    pub async fn count_logs(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM dispatcher_logs")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    /// Inserts sub-sessions and logs in one transaction: all or nothing.
    pub async fn insert(
        &self,
        sub_sessions: &[SubSessionRow],
        logs: &[LogRow],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for chunk in sub_sessions.chunks(insert_chunk(self.backend)) {
            let sql = insert_sql(
                "charging_sub_sessions (id, user_id, start_us, end_us, mode, energy_delivered_watt_hours, \
                 location, cost, currency, total_co2_grams, duration_minutes)",
                11,
                chunk.len(),
            );
            // Only fixed column lists and numbered placeholders: no data in the SQL.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for s in chunk {
                query = query
                    .bind(&s.id)
                    .bind(&s.user_id)
                    .bind(s.start_us)
                    .bind(s.end_us)
                    .bind(&s.mode)
                    .bind(s.energy_delivered_watt_hours)
                    .bind(&s.location)
                    .bind(s.cost)
                    .bind(&s.currency)
                    .bind(s.total_co2_grams)
                    .bind(s.duration_minutes);
            }
            query.execute(&mut *tx).await?;
        }
        for chunk in logs.chunks(insert_chunk(self.backend)) {
            let sql = insert_sql(
                "dispatcher_logs (charging_sub_session_id, logged_at_us, schedule_valid_period_start_us, \
                 schedule_created_at_us, internal_command_id, device_type, reason_not_sent)",
                7,
                chunk.len(),
            );
            // Only fixed column lists and numbered placeholders: no data in the SQL.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for l in chunk {
                query = query
                    .bind(&l.charging_sub_session_id)
                    .bind(l.logged_at_us)
                    .bind(l.schedule_valid_period_start_us)
                    .bind(l.schedule_created_at_us)
                    .bind(&l.internal_command_id)
                    .bind(&l.device_type)
                    .bind(&l.reason_not_sent);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The sqlx URL of a SQLite file, created if missing.
fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// `INSERT INTO <table> VALUES ($1, …), (…)` for `rows` rows of `columns` values.
fn insert_sql(table: &str, columns: usize, rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} VALUES ");
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    sql
}

fn sub_session_from(row: &AnyRow) -> Result<SubSessionRow, StoreError> {
    Ok(SubSessionRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        start_us: row.try_get("start_us")?,
        end_us: row.try_get("end_us")?,
        mode: row.try_get("mode")?,
        energy_delivered_watt_hours: row.try_get("energy_delivered_watt_hours")?,
        location: row.try_get("location")?,
        cost: row.try_get("cost")?,
        currency: row.try_get("currency")?,
        total_co2_grams: row.try_get("total_co2_grams")?,
        duration_minutes: row.try_get("duration_minutes")?,
    })
}

fn log_from(row: &AnyRow) -> Result<LogRow, StoreError> {
    Ok(LogRow {
        charging_sub_session_id: row.try_get("charging_sub_session_id")?,
        logged_at_us: row.try_get("logged_at_us")?,
        schedule_valid_period_start_us: row.try_get("schedule_valid_period_start_us")?,
        schedule_created_at_us: row.try_get("schedule_created_at_us")?,
        internal_command_id: row.try_get("internal_command_id")?,
        device_type: row.try_get("device_type")?,
        reason_not_sent: row.try_get("reason_not_sent")?,
    })
}
