//! Counters for throttling, shared by every Heard instance.

use super::{Db, DbError};
use sqlx::Row;

impl Db {
    /// Adds one to `bucket`'s count in the window starting at `window_start`
    /// and returns the new count.
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

    /// `bucket`'s count in the window starting at `window_start`.
    pub async fn hits(&self, bucket: &str, window_start: i64) -> Result<i64, DbError> {
        let row = sqlx::query("SELECT hits FROM throttle WHERE bucket = $1 AND window_start = $2")
            .bind(bucket)
            .bind(window_start)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get("hits")).transpose()?.unwrap_or(0))
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
