//! Counters for throttling, shared by every Heard instance.

use super::{Db, DbError};
use sqlx::Row;

impl Db {
    /// Adds one to `bucket`'s count for the second `window_start` and
    /// returns that second's new count.
    pub async fn count_hit(&self, bucket: &str, window_start: i64) -> Result<i64, DbError> {
        let row = sqlx::query(
            "INSERT INTO throttle (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = throttle.hits + 1 \
             RETURNING hits",
        )
        .bind(bucket)
        .bind(window_start)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("hits")?)
    }

    /// Takes one off `bucket`'s count for the second `window_start`.
    pub async fn uncount_hit(&self, bucket: &str, window_start: i64) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE throttle SET hits = hits - 1 WHERE bucket = $1 AND window_start = $2 AND hits > 0",
        )
        .bind(bucket)
        .bind(window_start)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The secret `name`, shared by every instance: the stored one, or
    /// `fresh()` stored now if there is none (when two instances start at
    /// once, the first to write wins and both read its value).
    pub async fn server_secret(
        &self,
        name: &str,
        fresh: impl FnOnce() -> String,
    ) -> Result<String, DbError> {
        sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(fresh())
            .execute(self.pool())
            .await?;
        let row = sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("value")?)
    }

    /// `bucket`'s failures per second from `since` on, oldest first.
    pub async fn hits_since(&self, bucket: &str, since: i64) -> Result<Vec<(i64, i64)>, DbError> {
        let rows = sqlx::query(
            "SELECT window_start, hits FROM throttle WHERE bucket = $1 AND window_start >= $2 AND hits > 0 ORDER BY window_start",
        )
        .bind(bucket)
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("window_start")?, r.try_get("hits")?)))
            .collect()
    }

    /// Forgets counts from windows that started before `before`.
    pub async fn forget_hits_before(&self, before: i64) -> Result<(), DbError> {
        sqlx::query("DELETE FROM throttle WHERE window_start < $1")
            .bind(before)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
