//! The PostgreSQL backend: sqlx's native PostgreSQL driver.

use std::time::Duration;

use sqlx::postgres::{PgArguments, PgPool, PgPoolOptions, PgRow};
use sqlx::query::Query as SqlxQuery;
use sqlx::{Postgres, Row};

use super::{insert_head, Columns, Query, StoreError, Value, Write};

/// Rows per multi-row INSERT: fewer round trips, well under PostgreSQL's
/// 65 535 parameters per statement.
const INSERT_CHUNK: usize = 1000;

#[derive(Clone, Debug)]
pub(super) struct Db {
    pool: PgPool,
}

impl Db {
    /// Connects to `url` and applies pending migrations.
    pub(super) async fn open(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(16)
            .connect(url)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }

    /// The sub-session (`sub_params`: id, owner) and its logs
    /// (`log_params`), on one connection.
    pub(super) async fn listing(
        &self,
        sub_params: &[Value],
        log_params: &[Value],
    ) -> Result<Option<(super::SubSessionRow, Vec<super::LogRow>)>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let Some(sub) = all(&mut *conn, &super::OWN_SUB_SESSION, sub_params)
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        Ok(Some((
            sub,
            all(&mut *conn, &super::LOGS, log_params).await?,
        )))
    }

    /// Counts a request by `caller` against a budget every instance on this
    /// database shares: one caller's requests are counted one at a time
    /// (an advisory lock), across instances.
    pub(super) async fn count_request(
        &self,
        caller: &str,
        now_us: i64,
        window_us: i64,
        limit: i64,
    ) -> Result<super::Counted, StoreError> {
        let mut tx = self.pool.begin().await?;
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
            super::Counted::Refused {
                retry_after_us: (oldest + window_us - now_us).max(0) as u64,
            }
        } else {
            sqlx::query("INSERT INTO rate_limit_events (caller, at_us) VALUES ($1, $2)")
                .bind(caller)
                .bind(now_us)
                .execute(&mut *tx)
                .await?;
            super::Counted::Allowed {
                remaining: (limit - count - 1).max(0) as u64,
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }
}

fn bind<'q>(
    mut query: SqlxQuery<'q, Postgres, PgArguments>,
    params: &[Value],
) -> SqlxQuery<'q, Postgres, PgArguments> {
    for param in params {
        query = match param {
            Value::Text(text) => query.bind(text.clone()),
            Value::Int(n) => query.bind(*n),
            Value::Real(x) => query.bind(*x),
        };
    }
    query
}

impl Columns for PgRow {
    fn text(&self, index: usize) -> Result<String, StoreError> {
        Ok(self.try_get(index)?)
    }
    fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(index)?)
    }
    fn int(&self, index: usize) -> Result<i64, StoreError> {
        Ok(self.try_get(index)?)
    }
    fn opt_int(&self, index: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(index)?)
    }
    fn real(&self, index: usize) -> Result<f64, StoreError> {
        Ok(self.try_get(index)?)
    }
}

/// Every row `query` answers for `params`.
pub(super) async fn all<'c, T>(
    executor: impl sqlx::PgExecutor<'c>,
    query: &Query<T>,
    params: &[Value],
) -> Result<Vec<T>, StoreError> {
    let rows = bind(sqlx::query(query.sql), params)
        .fetch_all(executor)
        .await?;
    rows.iter().map(|row| (query.row)(row)).collect()
}

/// Runs every write in one transaction: all or nothing. Inserts go in
/// multi-row statements.
pub(super) async fn write(pool: &PgPool, writes: &[Write]) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    for write in writes {
        if write.insert {
            for chunk in write.rows.chunks(INSERT_CHUNK) {
                let sql = multi_row_insert(write.sql, chunk[0].len(), chunk.len());
                // Only the statement's own text and numbered placeholders: no data in the SQL.
                let query = sqlx::query(sqlx::AssertSqlSafe(sql));
                bind(query, &chunk.concat()).execute(&mut *tx).await?;
            }
        } else {
            for row in &write.rows {
                bind(sqlx::query(write.sql), row).execute(&mut *tx).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// `INSERT INTO table (columns) VALUES ($1, …), (…)` for `rows` rows of
/// `columns` values, from the one-row statement `sql`.
fn multi_row_insert(sql: &str, columns: usize, rows: usize) -> String {
    use std::fmt::Write as _;
    let mut out = format!("{} VALUES ", insert_head(sql));
    let mut n = 0;
    for row in 0..rows {
        out.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            n += 1;
            let _ = write!(out, "{}${n}", if column == 0 { "" } else { ", " });
        }
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_inserts_number_every_value() {
        assert_eq!(
            multi_row_insert("INSERT INTO t (a, b) VALUES ($1, $2)", 2, 3),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)"
        );
    }
}
