//! The SQLite backend: rusqlite on an r2d2 pool. Every store call runs
//! whole on one blocking thread (one `spawn_blocking`), at most one call
//! per pooled connection at a time, with the connection's cache of
//! prepared statements.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::Semaphore;

use super::{Columns, Query, StoreError, Value, Write};

/// Settings every connection gets when it opens.
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(())
}

/// A pool of SQLite connections, and as many permits as connections so
/// that no blocking thread waits for a connection.
#[derive(Clone, Debug)]
pub(super) struct Db {
    pool: r2d2::Pool<SqliteConnectionManager>,
    permits: Arc<Semaphore>,
    size: u32,
}

impl Db {
    /// Opens the SQLite file at `path` (created if missing), or a private
    /// in-memory database when `path` is `None`, and migrates it.
    pub(super) async fn open(path: Option<&Path>) -> Result<Self, StoreError> {
        let (manager, size) = match path {
            Some(path) => (
                SqliteConnectionManager::file(path),
                // Readers run in parallel under WAL. Two a core: with one a
                // core the cores idled while calls waited on their hand-off
                // and on SQLite's reads (3 695 req/s at 1.6 cores busy on
                // the plain listing, where a server with a connection per
                // request reached 4 258; with two a core 4 673 vs 4 378,
                // `cargo xtask bench`'s figure 6, 2026-12-07).
                std::thread::available_parallelism()
                    .map_or(4, |n| 2 * n.get() as u32)
                    .clamp(2, 16),
            ),
            // Every connection to `:memory:` is its own database: keep exactly one.
            None => (SqliteConnectionManager::memory(), 1),
        };
        let manager = manager.with_init(configure);
        let location = path.map_or(":memory:".to_string(), |p| p.display().to_string());
        let pool = tokio::task::spawn_blocking(move || {
            // One connection first: a path that cannot be opened fails now,
            // naming itself, instead of after the pool's connection timeout.
            r2d2::ManageConnection::connect(&manager)
                .map_err(|reason| StoreError::Open { location, reason })?;
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                .idle_timeout(None)
                .max_lifetime(None)
                .connection_timeout(Duration::from_secs(10))
                // A SQLite connection does not go stale the way a socket does.
                .test_on_check_out(false)
                .build(manager)
                .map_err(StoreError::from)
        })
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))??;
        let db = Self {
            pool,
            permits: Arc::new(Semaphore::new(size as usize)),
            size,
        };
        db.call(|conn| migrate(conn, &sqlx::migrate!("migrations/sqlite")))
            .await?;
        Ok(db)
    }

    /// Runs `f` on a pooled connection, on a blocking thread.
    pub(super) async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Worker("the store is closed".into()))?;
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            // Held by the thread, not the future: a cancelled request does not
            // let another call start while this one still runs.
            let _permit = permit;
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))?
    }

    /// Waits for running calls, then refuses new ones.
    pub(super) async fn close(&self) {
        if let Ok(all) = self.permits.acquire_many(self.size).await {
            all.forget();
        }
        self.permits.close();
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Text(Some(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Value::Int(Some(n)) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Value::Real(Some(x)) => ToSqlOutput::Borrowed(ValueRef::Real(*x)),
            Value::Text(None) | Value::Int(None) | Value::Real(None) => {
                ToSqlOutput::Borrowed(ValueRef::Null)
            }
        })
    }
}

struct Row<'a, 'b>(&'a rusqlite::Row<'b>);

impl Columns for Row<'_, '_> {
    fn text(&self, index: usize) -> Result<String, StoreError> {
        Ok(self.0.get(index)?)
    }
    fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        Ok(self.0.get(index)?)
    }
    fn int(&self, index: usize) -> Result<i64, StoreError> {
        Ok(self.0.get(index)?)
    }
    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.0.get(index)?)
    }
    fn real(&self, index: usize) -> Result<f64, StoreError> {
        Ok(self.0.get(index)?)
    }
}

/// Every row `query` answers for `params`.
pub(super) fn all<T>(
    conn: &Connection,
    query: &Query<T>,
    params: &[Value],
) -> Result<Vec<T>, StoreError> {
    let mut statement = conn.prepare_cached(query.sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push((query.row)(&Row(row))?);
    }
    Ok(out)
}

/// Runs every write in one transaction: all or nothing. The transaction
/// takes the write lock up front, so two writers queue (busy timeout)
/// instead of failing to upgrade a read lock.
pub(super) fn write(conn: &mut Connection, writes: &[Write]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for write in writes {
        let mut statement = tx.prepare_cached(write.sql)?;
        for row in &write.rows {
            statement.execute(rusqlite::params_from_iter(row))?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Applies the pending migrations of `migrator`, recording them in
/// `_sqlx_migrations` exactly as sqlx's own migrator does (the table, the
/// checksums, a failed migration left `success = false`), so a store
/// created by an earlier release, which ran sqlx's SQLite driver, opens
/// unchanged, and a changed or unknown migration is refused.
pub(super) fn migrate(
    conn: &mut Connection,
    migrator: &sqlx::migrate::Migrator,
) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
            version BIGINT PRIMARY KEY,
            description TEXT NOT NULL,
            installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            success BOOLEAN NOT NULL,
            checksum BLOB NOT NULL,
            execution_time BIGINT NOT NULL
        );",
    )?;
    let dirty: Option<i64> = conn
        .query_row(
            "SELECT version FROM _sqlx_migrations WHERE success = false ORDER BY version LIMIT 1",
            [],
            |row| row.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    if let Some(version) = dirty {
        return Err(StoreError::Migrate(format!(
            "migration {version} failed part-way earlier; restore the database from a backup"
        )));
    }
    let applied: HashMap<i64, Vec<u8>> = conn
        .prepare("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let known = |version: i64| migrator.iter().any(|m| m.version == version);
    if let Some(version) = applied.keys().copied().filter(|v| !known(*v)).min() {
        return Err(StoreError::Migrate(format!(
            "the database has migration {version}, which this build does not know: \
             it was migrated by a newer release of the service"
        )));
    }
    for migration in migrator.iter() {
        if migration.migration_type.is_down_migration() {
            continue;
        }
        match applied.get(&migration.version) {
            Some(checksum) if checksum.as_slice() == &*migration.checksum => {}
            Some(_) => {
                return Err(StoreError::Migrate(format!(
                    "migration {} ({}) was changed after it was applied to this database",
                    migration.version, migration.description
                )))
            }
            None => {
                let started = Instant::now();
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                tx.execute_batch(migration.sql.as_str()).map_err(|e| {
                    StoreError::Migrate(format!(
                        "migration {} ({}): {e}",
                        migration.version, migration.description
                    ))
                })?;
                tx.execute(
                    "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                     VALUES (?1, ?2, TRUE, ?3, -1)",
                    rusqlite::params![
                        migration.version,
                        &*migration.description,
                        &*migration.checksum
                    ],
                )?;
                tx.commit()?;
                conn.execute(
                    "UPDATE _sqlx_migrations SET execution_time = ?1 WHERE version = ?2",
                    rusqlite::params![started.elapsed().as_nanos() as i64, migration.version],
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migrated() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, &sqlx::migrate!("migrations/sqlite")).unwrap();
        conn
    }

    #[test]
    fn every_statement_prepares_and_numbers_its_parameters_in_order() {
        let conn = migrated();
        for sql in super::super::all_statements() {
            let statement = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            // `$N` is a named parameter to SQLite, numbered by first use: the
            // layer binds by position, so `$k` must be the k-th.
            for k in 1..=statement.parameter_count() {
                assert_eq!(
                    statement.parameter_index(&format!("${k}")).unwrap(),
                    Some(k),
                    "{sql}"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_store_that_cannot_be_opened_is_named_at_once() {
        let missing = Path::new("/nonexistent-dir-for-this-test/store.sqlite");
        let error = Db::open(Some(missing)).await.unwrap_err();
        assert!(matches!(error, StoreError::Open { .. }), "{error:?}");
        assert!(
            error.to_string().contains(
                "cannot open the SQLite store `/nonexistent-dir-for-this-test/store.sqlite`"
            ),
            "{error}"
        );
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = migrated();
        migrate(&mut conn, &sqlx::migrate!("migrations/sqlite")).unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM _sqlx_migrations WHERE success",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            n as usize,
            sqlx::migrate!("migrations/sqlite").iter().count()
        );
    }

    #[test]
    fn a_changed_or_unknown_migration_is_refused() {
        let mut conn = migrated();
        conn.execute(
            "UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1",
            [],
        )
        .unwrap();
        let error = migrate(&mut conn, &sqlx::migrate!("migrations/sqlite")).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("was changed after it was applied"),
            "{error}"
        );

        let mut conn = migrated();
        conn.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99, 'future', TRUE, x'00', 0)",
            [],
        )
        .unwrap();
        let error = migrate(&mut conn, &sqlx::migrate!("migrations/sqlite")).unwrap_err();
        assert!(error.to_string().contains("newer release"), "{error}");
    }

    #[test]
    fn a_failed_migration_rolls_back_whole() {
        let mut conn = Connection::open_in_memory().unwrap();
        // A table the first migration creates, so that it fails part-way.
        conn.execute_batch("CREATE TABLE dispatcher_logs (x INTEGER);")
            .unwrap();
        let error = migrate(&mut conn, &sqlx::migrate!("migrations/sqlite")).unwrap_err();
        assert!(error.to_string().contains("migration 1"), "{error}");
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'charging_sub_sessions'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            tables, 0,
            "the failed migration's first table was rolled back"
        );
    }
}
