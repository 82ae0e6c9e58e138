//! The audit log: who did what to accounts and to people's data, and when.
//! Only ever added to: Heard has no statement that changes or deletes a row.

use super::{Db, DbError, new_id, now};
use crate::domain::audit::{AuditEntry, AuditEvent};
use sqlx::Row;

impl Db {
    /// Adds one entry. `who` is the account's e-mail address, `heard` for
    /// the command line, or what is known of an anonymous caller.
    pub async fn record_audit(&self, who: &str, event: &AuditEvent) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO audit_log (id, at, who, action, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(now())
        .bind(who)
        .bind(event.action())
        .bind(event.detail())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Entries from `since` (Unix seconds) on, newest first, at most `limit`.
    pub async fn audit_entries(&self, since: i64, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        let rows = sqlx::query(
            "SELECT at, who, action, detail FROM audit_log WHERE at >= $1 \
             ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: row.try_get("at")?,
                    who: row.try_get("who")?,
                    action: row.try_get("action")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }
}
