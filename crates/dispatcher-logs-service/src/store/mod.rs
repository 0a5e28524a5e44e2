//! Storage of charging sub-sessions and their dispatcher logs: an embedded
//! SQLite database by default, PostgreSQL for deployments with several
//! stateless instances.
//!
//! One query layer, two backends. Every statement is written once, here:
//! its SQL (portable, `$1`-numbered parameters), the values it binds
//! (`Value`) and how a result row becomes a Rust value (one function over
//! `Columns`). A backend only runs statements:
//!
//! - `sqlite`: rusqlite on a small r2d2 pool; each store call runs on one
//!   blocking thread (`spawn_blocking`) with cached prepared statements, so a
//!   listing costs one thread hop, not one per row. (sqlx's SQLite driver
//!   hands every row from its worker thread to the async task over a
//!   channel; that was a third of the service's CPU time, see
//!   docs/benchmarks.md.)
//! - `postgres`: sqlx's native PostgreSQL driver, asynchronous.
//!
//! Each backend has its own versioned migrations (`migrations/sqlite`,
//! `migrations/postgres`), embedded by `sqlx::migrate!` and recorded in the
//! same `_sqlx_migrations` table on both.

mod counters;
mod faulty;
mod postgres;
mod sqlite;

use std::path::Path;

pub use counters::{Counted, SavedCounter};
pub use faulty::{FaultyStore, Listings};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names no backend this service supports.
    #[error("unsupported database URL `{0}`: use a SQLite file path, `:memory:`, or postgres://…")]
    UnsupportedUrl(String),
    /// PostgreSQL answered with an error or could not be reached.
    #[error("database error: {0}")]
    Postgres(#[from] sqlx::Error),
    /// SQLite answered with an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The SQLite store cannot be opened (a missing directory, no permission, not a database).
    #[error("cannot open the SQLite store `{location}`: {reason}")]
    Open {
        location: String,
        reason: rusqlite::Error,
    },
    /// No SQLite connection could be had (all busy for too long, or the
    /// file cannot be opened).
    #[error("database error: no SQLite connection: {0}")]
    Pool(#[from] r2d2::Error),
    /// A migration failed, or the database was migrated by something else.
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
    /// A failure injected on purpose by [`FaultyStore`] (`serve
    /// --fail-store-reads`, for tests of clients).
    #[error("the store failed on purpose (fault injection)")]
    Injected,
    /// The store was asked for something it cannot do as asked: a call
    /// the backend does not support, or arguments out of range. A bug in
    /// the caller, not in the data.
    #[error("store misused: {0}")]
    Misuse(String),
    /// A stored value is not what the schema promises.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The thread running a SQLite call stopped before answering.
    #[error("database error: the SQLite call was cancelled or panicked: {0}")]
    Worker(String),
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Self::Migrate(error.to_string())
    }
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

/// One value bound to a statement. Nulls keep their type: PostgreSQL
/// refuses a `NULL` bigint where a text goes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Self::Text(Some(value.to_string()))
    }
}
impl From<&String> for Value {
    fn from(value: &String) -> Self {
        Self::Text(Some(value.clone()))
    }
}
impl From<&Option<String>> for Value {
    fn from(value: &Option<String>) -> Self {
        Self::Text(value.clone())
    }
}
impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}
impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        Self::Int(value)
    }
}
impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Self::Real(Some(value))
    }
}

/// The columns of one result row, as each backend reads them (by position).
pub(crate) trait Columns {
    fn text(&self, index: usize) -> Result<String, StoreError>;
    fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError>;
    fn int(&self, index: usize) -> Result<i64, StoreError>;
    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError>;
    fn real(&self, index: usize) -> Result<f64, StoreError>;
}

/// A statement that reads rows: its SQL and how a row becomes a `T`.
pub(crate) struct Query<T: 'static> {
    pub sql: &'static str,
    pub row: fn(&dyn Columns) -> Result<T, StoreError>,
}

/// A statement that writes, with the rows of values it is run for (one
/// run per row, all in one transaction). `insert` marks a plain
/// `INSERT INTO table (columns) VALUES ($1, …)`, which a backend may run
/// as multi-row statements instead (PostgreSQL does: fewer round trips).
pub(crate) struct Write {
    pub sql: &'static str,
    pub insert: bool,
    pub rows: Vec<Vec<Value>>,
}

// ---------------------------------------------------------------------------
// The statements: written once, run by either backend.

fn sub_session_row(row: &dyn Columns) -> Result<SubSessionRow, StoreError> {
    Ok(SubSessionRow {
        id: row.text(0)?,
        user_id: row.text(1)?,
        start_us: row.int(2)?,
        end_us: row.opt_int(3)?,
        mode: row.text(4)?,
        energy_delivered_watt_hours: row.real(5)?,
        location: row.text(6)?,
        cost: row.opt_int(7)?,
        currency: row.text(8)?,
        total_co2_grams: row.real(9)?,
        duration_minutes: row.int(10)?,
    })
}

fn log_row(row: &dyn Columns) -> Result<LogRow, StoreError> {
    Ok(LogRow {
        charging_sub_session_id: row.text(0)?,
        logged_at_us: row.int(1)?,
        schedule_valid_period_start_us: row.int(2)?,
        schedule_created_at_us: row.int(3)?,
        internal_command_id: row.text(4)?,
        device_type: row.text(5)?,
        reason_not_sent: row.opt_text(6)?,
    })
}

fn text_row(row: &dyn Columns) -> Result<String, StoreError> {
    row.text(0)
}

fn int_row(row: &dyn Columns) -> Result<i64, StoreError> {
    row.int(0)
}

macro_rules! sub_session_select {
    ($where:literal) => {
        concat!(
            "SELECT id, user_id, start_us, end_us, mode, energy_delivered_watt_hours, location, cost, \
             currency, total_co2_grams, duration_minutes FROM charging_sub_sessions ",
            $where
        )
    };
}

static OWN_SUB_SESSION: Query<SubSessionRow> = Query {
    sql: sub_session_select!("WHERE id = $1 AND user_id = $2"),
    row: sub_session_row,
};

static LOGS: Query<LogRow> = Query {
    sql: "SELECT charging_sub_session_id, logged_at_us, schedule_valid_period_start_us, \
          schedule_created_at_us, internal_command_id, device_type, reason_not_sent \
          FROM dispatcher_logs WHERE charging_sub_session_id = $1 \
          AND logged_at_us >= $2 AND logged_at_us <= $3 \
          ORDER BY logged_at_us DESC, id DESC",
    row: log_row,
};

static A_SUB_SESSION_OF: Query<String> = Query {
    sql: "SELECT s.id FROM charging_sub_sessions s WHERE s.user_id = $1 \
          AND EXISTS (SELECT 1 FROM dispatcher_logs l WHERE l.charging_sub_session_id = s.id) \
          ORDER BY s.id LIMIT 1",
    row: text_row,
};

static A_SUB_SESSION_OF_OTHER_USER: Query<String> = Query {
    sql: "SELECT s.id FROM charging_sub_sessions s WHERE s.user_id <> $1 \
          AND EXISTS (SELECT 1 FROM dispatcher_logs l WHERE l.charging_sub_session_id = s.id) \
          ORDER BY s.id LIMIT 1",
    row: text_row,
};

static SUB_SESSIONS_OF: Query<String> = Query {
    sql: "SELECT id FROM charging_sub_sessions WHERE user_id = $1 ORDER BY id LIMIT $2",
    row: text_row,
};

static COUNT_LOGS: Query<i64> = Query {
    sql: "SELECT COUNT(*) FROM dispatcher_logs",
    row: int_row,
};

const INSERT_SUB_SESSION: &str =
    "INSERT INTO charging_sub_sessions (id, user_id, start_us, end_us, mode, \
     energy_delivered_watt_hours, location, cost, currency, total_co2_grams, duration_minutes) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

const INSERT_LOG: &str = "INSERT INTO dispatcher_logs (charging_sub_session_id, logged_at_us, \
     schedule_valid_period_start_us, schedule_created_at_us, internal_command_id, device_type, \
     reason_not_sent) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Every statement of the query layer, for the tests that check each
/// backend accepts them as written.
#[cfg(test)]
pub(crate) fn all_statements() -> Vec<&'static str> {
    vec![
        OWN_SUB_SESSION.sql,
        LOGS.sql,
        A_SUB_SESSION_OF.sql,
        A_SUB_SESSION_OF_OTHER_USER.sql,
        SUB_SESSIONS_OF.sql,
        COUNT_LOGS.sql,
        counters::SAVED_COUNTERS.sql,
        counters::SAVE_COUNTER,
        counters::FORGET_COUNTERS,
        INSERT_SUB_SESSION,
        INSERT_LOG,
    ]
}

// ---------------------------------------------------------------------------
// The store.

#[derive(Clone, Debug)]
enum Db {
    Sqlite(sqlite::Db),
    Postgres(postgres::Db),
}

/// The store: one connection pool and the backend it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

impl Store {
    /// Opens (creating if needed) the store at `location` and applies any
    /// pending migrations. `location` is a `postgres://` URL, a
    /// `sqlite://` URL, `:memory:`, or a path to a SQLite file.
    pub async fn open(location: &str) -> Result<Self, StoreError> {
        let db = if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            Db::Postgres(postgres::Db::open(location).await?)
        } else if location == ":memory:" || location == "sqlite::memory:" {
            Db::Sqlite(sqlite::Db::open(None).await?)
        } else if let Some(path) = location.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            let path = path.split_once('?').map_or(path, |(path, _)| path);
            Db::Sqlite(sqlite::Db::open(Some(Path::new(path))).await?)
        } else if location.contains("://") {
            return Err(StoreError::UnsupportedUrl(location.to_string()));
        } else {
            Db::Sqlite(sqlite::Db::open(Some(Path::new(location))).await?)
        };
        Ok(Self { db })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes every connection, waiting for running queries.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(db) => db.close().await,
            Db::Postgres(db) => db.close().await,
        }
    }

    async fn all<T: Send + 'static>(
        &self,
        query: &'static Query<T>,
        params: Vec<Value>,
    ) -> Result<Vec<T>, StoreError> {
        match &self.db {
            Db::Sqlite(db) => db.call(move |conn| sqlite::all(conn, query, &params)).await,
            Db::Postgres(db) => Box::pin(postgres::all(db.pool(), query, &params)).await,
        }
    }

    async fn optional<T: Send + 'static>(
        &self,
        query: &'static Query<T>,
        params: Vec<Value>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.all(query, params).await?.into_iter().next())
    }

    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(db) => db.call(move |conn| sqlite::write(conn, &writes)).await,
            Db::Postgres(db) => Box::pin(postgres::write(db.pool(), &writes)).await,
        }
    }

    /// A listing in one store call: the sub-session `id` if `user_id` owns
    /// it, with its logs newest first within inclusive bounds. `None` when
    /// the sub-session is unknown or another user's: both cost the same
    /// one lookup, so that IDs cannot be probed by timing either.
    pub async fn listing(
        &self,
        user_id: &str,
        id: &str,
        logged_at_gte_us: Option<i64>,
        logged_at_lte_us: Option<i64>,
    ) -> Result<Option<(SubSessionRow, Vec<LogRow>)>, StoreError> {
        let sub_params = vec![id.into(), user_id.into()];
        let log_params = vec![
            id.into(),
            logged_at_gte_us.unwrap_or(i64::MIN).into(),
            logged_at_lte_us.unwrap_or(i64::MAX).into(),
        ];
        match &self.db {
            Db::Sqlite(db) => {
                db.call(move |conn| {
                    let Some(sub) = sqlite::all(conn, &OWN_SUB_SESSION, &sub_params)?
                        .into_iter()
                        .next()
                    else {
                        return Ok(None);
                    };
                    Ok(Some((sub, sqlite::all(conn, &LOGS, &log_params)?)))
                })
                .await
            }
            // Boxed: sqlx's futures are large, and every future awaiting this
            // one would carry their size (and copy it on each move) even on SQLite.
            Db::Postgres(db) => Box::pin(db.listing(&sub_params, &log_params)).await,
        }
    }

    /// The ID of one sub-session of `user_id` that has logs (the oldest), if any.
    pub async fn a_sub_session_of(&self, user_id: &str) -> Result<Option<String>, StoreError> {
        self.optional(&A_SUB_SESSION_OF, vec![user_id.into()]).await
    }

    /// The IDs of up to `limit` sub-sessions of `user_id`, oldest first.
    pub async fn sub_sessions_of(
        &self,
        user_id: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        self.all(&SUB_SESSIONS_OF, vec![user_id.into(), limit.into()])
            .await
    }

    /// The ID of one sub-session with logs that `user_id` does not own, if any.
    pub async fn a_sub_session_of_other_user(
        &self,
        user_id: &str,
    ) -> Result<Option<String>, StoreError> {
        self.optional(&A_SUB_SESSION_OF_OTHER_USER, vec![user_id.into()])
            .await
    }

    /// The logs of one sub-session, newest first, within inclusive bounds.
    pub async fn logs(
        &self,
        sub_session_id: &str,
        logged_at_gte_us: Option<i64>,
        logged_at_lte_us: Option<i64>,
    ) -> Result<Vec<LogRow>, StoreError> {
        self.all(
            &LOGS,
            vec![
                sub_session_id.into(),
                logged_at_gte_us.unwrap_or(i64::MIN).into(),
                logged_at_lte_us.unwrap_or(i64::MAX).into(),
            ],
        )
        .await
    }

    /// How many logs the store holds.
    pub async fn count_logs(&self) -> Result<i64, StoreError> {
        Ok(self.optional(&COUNT_LOGS, Vec::new()).await?.unwrap_or(0))
    }

    /// Inserts sub-sessions and logs in one transaction: all or nothing.
    pub async fn insert(
        &self,
        sub_sessions: &[SubSessionRow],
        logs: &[LogRow],
    ) -> Result<(), StoreError> {
        let sub_rows = sub_sessions
            .iter()
            .map(|s| {
                vec![
                    (&s.id).into(),
                    (&s.user_id).into(),
                    s.start_us.into(),
                    s.end_us.into(),
                    (&s.mode).into(),
                    s.energy_delivered_watt_hours.into(),
                    (&s.location).into(),
                    s.cost.into(),
                    (&s.currency).into(),
                    s.total_co2_grams.into(),
                    s.duration_minutes.into(),
                ]
            })
            .collect();
        let log_rows = logs
            .iter()
            .map(|l| {
                vec![
                    (&l.charging_sub_session_id).into(),
                    l.logged_at_us.into(),
                    l.schedule_valid_period_start_us.into(),
                    l.schedule_created_at_us.into(),
                    (&l.internal_command_id).into(),
                    (&l.device_type).into(),
                    (&l.reason_not_sent).into(),
                ]
            })
            .collect();
        self.write(vec![
            Write {
                sql: INSERT_SUB_SESSION,
                insert: true,
                rows: sub_rows,
            },
            Write {
                sql: INSERT_LOG,
                insert: true,
                rows: log_rows,
            },
        ])
        .await
    }
}

/// The SQL prefix of an `INSERT INTO table (columns) VALUES …` statement:
/// everything before `VALUES`.
fn insert_head(sql: &str) -> &str {
    sql.find(" VALUES ").map_or(sql, |at| &sql[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB_SESSION_COLUMNS: &str =
        "id, user_id, start_us, end_us, mode, energy_delivered_watt_hours, \
         location, cost, currency, total_co2_grams, duration_minutes";

    #[test]
    fn sub_session_columns_are_the_selected_ones() {
        assert!(OWN_SUB_SESSION.sql.contains(SUB_SESSION_COLUMNS));
        assert!(INSERT_SUB_SESSION.contains(&format!("({SUB_SESSION_COLUMNS})")));
    }

    #[test]
    fn insert_heads_stop_before_values() {
        assert_eq!(
            insert_head(INSERT_LOG),
            "INSERT INTO dispatcher_logs (charging_sub_session_id, logged_at_us, \
             schedule_valid_period_start_us, schedule_created_at_us, internal_command_id, device_type, \
             reason_not_sent)"
        );
    }
}
