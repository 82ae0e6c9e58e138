//! Retention and erasure of children's data, and the audit trail.

use super::{Db, DbError, new_id, now};
use crate::domain::receipt::{Receipt, ReceiptLookup, ReceiptResponse};
use crate::domain::survey::QuestionKind;
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
               WHERE x.round_id = r.id AND q.kind = $3 AND a.value <> $2) \
             ORDER BY s.slug, r.seq, r.name",
        )
        .bind(now())
        .bind(ERASED)
        .bind(QuestionKind::Text.as_str())
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
             AND question_id IN (SELECT id FROM questions WHERE kind = $3)",
        )
        .bind(ERASED)
        .bind(round_id)
        .bind(QuestionKind::Text.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let quotes = sqlx::query("DELETE FROM quotes WHERE response_id IN (SELECT id FROM responses WHERE round_id = $1)")
            .bind(round_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE safeguarding_concerns SET words = '', reason = '' \
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

impl Db {
    /// The response whose client id the receipt code was read off.
    pub async fn response_for_receipt(&self, receipt: &Receipt) -> Result<ReceiptLookup, DbError> {
        let mut conn = self.pool().acquire().await?;
        Ok(find_by_receipt(&mut conn, receipt).await?.1)
    }

    /// Deletes the one response a receipt code leads to, with its answers,
    /// codings, coding history, quotes and safeguarding flag, and writes
    /// the audit log in the same transaction. The log names the round and
    /// the day, never the code or anything that was answered.
    pub async fn erase_by_receipt(
        &self,
        receipt: &Receipt,
        who: &str,
    ) -> Result<ReceiptLookup, DbError> {
        let mut tx = self.pool().begin().await?;
        let (response_id, found) = find_by_receipt(&mut tx, receipt).await?;
        let (Some(response_id), ReceiptLookup::Found(response)) = (response_id, &found) else {
            return Ok(found);
        };
        // On PostgreSQL the response's row is locked first, as coding
        // locks it: what the erasure takes from the kept counts is read
        // after any coding of it has committed, and a second erasure of
        // the same response waits, then finds it gone.
        if !self.is_sqlite() {
            let locked = sqlx::query("SELECT id FROM responses WHERE id = $1 FOR UPDATE")
                .bind(&response_id)
                .fetch_optional(&mut *tx)
                .await?;
            if locked.is_none() {
                return Ok(ReceiptLookup::NotFound);
            }
        }
        let counted = super::progress::counted_in(&mut tx, &response_id).await?;
        // The schema cascades these; deleting them by name keeps the
        // erasure complete even on a database opened without foreign keys.
        for table in [
            "coding_changes",
            "codings",
            "quotes",
            "safeguarding_concerns",
            "safeguarding_flags",
            "answers",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE response_id = $1"))
                .bind(&response_id)
                .execute(&mut *tx)
                .await?;
        }
        // After the codings, as everywhere: codings are locked before
        // the kept counts, and those before the round's row.
        super::progress::add_to_counts(&mut *tx, &counted, 0).await?;
        let round = sqlx::query("SELECT round_id FROM responses WHERE id = $1")
            .bind(&response_id)
            .fetch_one(&mut *tx)
            .await?;
        let taken = std::collections::BTreeMap::from([(round.try_get("round_id")?, -1)]);
        super::progress::add_to_responses(&mut *tx, &taken, 0).await?;
        super::tallies::recount_round_of(&mut tx, &response_id).await?;
        sqlx::query("DELETE FROM responses WHERE id = $1")
            .bind(&response_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO audit_log (id, at, who, action, detail) VALUES ($1, $2, $3, 'erase response by receipt', $4)")
            .bind(new_id())
            .bind(now())
            .bind(who)
            .bind(format!(
                "survey {}, round {}: one response ({} answers) deleted at the young person's request",
                response.survey_slug, response.round_name, response.answers
            ))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(found)
    }
}

async fn find_by_receipt(
    conn: &mut sqlx::AnyConnection,
    receipt: &Receipt,
) -> Result<(Option<String>, ReceiptLookup), DbError> {
    let (low, high) = receipt.client_id_range();
    let rows = sqlx::query(
        "SELECT x.id, s.slug, s.title, r.name, x.submitted_on, \
         (SELECT COUNT(*) FROM answers a WHERE a.response_id = x.id) AS answers \
         FROM responses x JOIN rounds r ON r.id = x.round_id JOIN surveys s ON s.id = r.survey_id \
         WHERE x.client_id >= $1 AND x.client_id < $2",
    )
    .bind(low)
    .bind(high)
    .fetch_all(&mut *conn)
    .await?;
    Ok(match rows.as_slice() {
        [] => (None, ReceiptLookup::NotFound),
        [row] => (
            Some(row.try_get("id")?),
            ReceiptLookup::Found(ReceiptResponse {
                survey_slug: row.try_get("slug")?,
                survey_title: row.try_get("title")?,
                round_name: row.try_get("name")?,
                submitted_on: row.try_get("submitted_on")?,
                answers: row.try_get("answers")?,
            }),
        ),
        many => (None, ReceiptLookup::Ambiguous(many.len())),
    })
}
