//! Retention and erasure of children's data, and the audit trail.

use super::{Db, DbError, new_id, now};
use sqlx::Row;

/// What an erased free-text answer reads afterwards. The row stays, with
/// its coding, so the round's counts and comparisons do not change.
pub const ERASED: &str = "[erased]";

/// What erasing a round's free text removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub answers: u64,
    pub quotes: u64,
}

impl Db {
    /// Sets (or clears) the day after which a round's free text is erased.
    pub async fn set_retention(&self, round_id: &str, until: Option<i64>) -> Result<(), DbError> {
        sqlx::query("UPDATE rounds SET retain_until = $1 WHERE id = $2")
            .bind(until)
            .bind(round_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Rounds whose retention date has passed and that still hold free text.
    pub async fn rounds_due_for_erasure(&self) -> Result<Vec<(String, String, String)>, DbError> {
        sqlx::query(
            "SELECT r.id, r.name, s.slug FROM rounds r JOIN surveys s ON s.id = r.survey_id \
             WHERE r.retain_until IS NOT NULL AND r.retain_until < $1 AND EXISTS ( \
               SELECT 1 FROM answers a JOIN responses x ON x.id = a.response_id \
               JOIN questions q ON q.id = a.question_id \
               WHERE x.round_id = r.id AND q.kind = 'text' AND a.value <> $2) \
             ORDER BY s.slug, r.seq, r.name",
        )
        .bind(now())
        .bind(ERASED)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("id")?,
                row.try_get("slug")?,
                row.try_get("name")?,
            ))
        })
        .collect()
    }

    /// Erases a round's free text: every free-text answer becomes
    /// [`ERASED`] (keeping its coding, so counts stay), quotes are deleted,
    /// and safeguarding flags keep which question was flagged but not the
    /// words. Recorded in the audit log, in the same transaction.
    pub async fn erase_free_text(
        &self,
        round_id: &str,
        who: &str,
        why: &str,
    ) -> Result<Erased, DbError> {
        let mut tx = self.pool().begin().await?;
        let answers = sqlx::query(
            "UPDATE answers SET value = $1 WHERE value <> $1 \
             AND response_id IN (SELECT id FROM responses WHERE round_id = $2) \
             AND question_id IN (SELECT id FROM questions WHERE kind = 'text')",
        )
        .bind(ERASED)
        .bind(round_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let quotes = sqlx::query("DELETE FROM quotes WHERE response_id IN (SELECT id FROM responses WHERE round_id = $1)")
            .bind(round_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE safeguarding_flags SET concerns = 'free text erased' \
             WHERE response_id IN (SELECT id FROM responses WHERE round_id = $1)",
        )
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO audit_log (id, at, who, action, detail) VALUES ($1, $2, $3, 'erase free text', $4)")
            .bind(new_id())
            .bind(now())
            .bind(who)
            .bind(format!("round {round_id}: {answers} answers, {quotes} quotes ({why})"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Erased { answers, quotes })
    }
}
