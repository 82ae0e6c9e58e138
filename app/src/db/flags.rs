//! Safeguarding flags: responses that need a worker's look.

use super::{Db, DbError, now};
use crate::domain::flags::{FlaggedAnswer, FlaggedResponse};
use crate::domain::safeguarding::Concern;
use crate::domain::survey::QuestionKind;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

impl Db {
    /// Flagged responses, those not yet handled first, newest first.
    pub async fn flagged_responses(&self) -> Result<Vec<FlaggedResponse>, DbError> {
        let rows = sqlx::query(
            "SELECT f.response_id, f.raised_on, f.handled_at, f.note, u.email AS handled_by, \
                    s.title, r.name AS round_name, s.languages, x.language \
             FROM safeguarding_flags f \
             JOIN responses x ON x.id = f.response_id \
             JOIN rounds r ON r.id = x.round_id \
             JOIN surveys s ON s.id = r.survey_id \
             LEFT JOIN users u ON u.id = f.handled_by \
             ORDER BY CASE WHEN f.handled_at IS NULL THEN 0 ELSE 1 END, f.raised_on DESC, f.response_id",
        )
        .fetch_all(self.pool())
        .await?;
        // The free-text answers of every flagged response, in one query.
        let answer_rows = sqlx::query(
            "SELECT a.response_id, q.key, q.text, a.value FROM answers a \
             JOIN questions q ON q.id = a.question_id \
             JOIN safeguarding_flags f ON f.response_id = a.response_id \
             WHERE q.kind = $1 ORDER BY a.response_id, q.position",
        )
        .bind(QuestionKind::Text.as_str())
        .fetch_all(self.pool())
        .await?;
        let concern_rows = sqlx::query(
            "SELECT response_id, question_key, words, reason FROM safeguarding_concerns ORDER BY response_id, position",
        )
        .fetch_all(self.pool())
        .await?;
        let mut concerns_of: HashMap<String, Vec<Concern>> = HashMap::new();
        for row in &concern_rows {
            concerns_of
                .entry(row.try_get("response_id")?)
                .or_default()
                .push(Concern {
                    question: row.try_get("question_key")?,
                    words: row.try_get("words")?,
                    reason: row.try_get("reason")?,
                });
        }
        let mut text_answers: HashMap<String, Vec<&AnyRow>> = HashMap::new();
        for answer in &answer_rows {
            text_answers
                .entry(answer.try_get("response_id")?)
                .or_default()
                .push(answer);
        }
        let mut flagged = Vec::with_capacity(rows.len());
        for row in &rows {
            let response_id: String = row.try_get("response_id")?;
            let concerns = concerns_of.remove(&response_id).unwrap_or_default();
            let mut answers = Vec::new();
            for answer in text_answers.get(&response_id).into_iter().flatten() {
                let key: String = answer.try_get("key")?;
                if concerns.iter().any(|c| c.question == key) {
                    answers.push(FlaggedAnswer {
                        question: answer.try_get("text")?,
                        text: answer.try_get("value")?,
                        words: concerns
                            .iter()
                            .filter(|c| c.question == key && !c.words.is_empty())
                            .map(|c| c.words.clone())
                            .collect(),
                        reasons: concerns
                            .iter()
                            .filter(|c| c.question == key && !c.reason.is_empty())
                            .map(|c| c.reason.clone())
                            .fold(Vec::new(), |mut reasons, r| {
                                if !reasons.contains(&r) {
                                    reasons.push(r);
                                }
                                reasons
                            }),
                    });
                }
            }
            flagged.push(FlaggedResponse {
                response_id,
                survey_title: row.try_get("title")?,
                round_name: row.try_get("round_name")?,
                // Never said (imported without one): the survey's own.
                language: match row.try_get::<Option<String>, _>("language")? {
                    Some(language) => language,
                    None => super::surveys::languages_of(row)?.default.tag().to_owned(),
                },
                raised_on: row.try_get("raised_on")?,
                answers,
                handled_by: row.try_get("handled_by")?,
                handled_at: row.try_get("handled_at")?,
                note: row.try_get("note")?,
            });
        }
        Ok(flagged)
    }

    /// Raises a safeguarding concern about an answer by hand: a worker who
    /// read it saw what no rule did. Flags the response if it was not (or
    /// opens its flag again if it was handled, so it is looked at anew),
    /// and queues the e-mail to the lead like any flag. One transaction.
    /// `Ok(false)` when the response does not exist.
    pub async fn raise_concern(
        &self,
        response_id: &str,
        question_key: &str,
        reason: &str,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool().begin().await?;
        let exists = sqlx::query("SELECT id FROM responses WHERE id = $1")
            .bind(response_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Ok(false);
        }
        let flagged =
            sqlx::query("SELECT response_id FROM safeguarding_flags WHERE response_id = $1")
                .bind(response_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if flagged {
            sqlx::query(
                "UPDATE safeguarding_flags SET handled_by = NULL, handled_at = NULL, \
                 notified_at = NULL, notify_attempts = 0, next_notify_at = 0 WHERE response_id = $1",
            )
            .bind(response_id)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO safeguarding_flags (response_id, concerns, raised_on) VALUES ($1, '', $2)",
            )
            .bind(response_id)
            .bind(super::start_of_day(super::now()))
            .execute(&mut *tx)
            .await?;
        }
        let (position,): (i64,) = sqlx::query_as(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM safeguarding_concerns WHERE response_id = $1",
        )
        .bind(response_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO safeguarding_concerns (response_id, position, question_key, words, reason) VALUES ($1, $2, $3, '', $4)",
        )
        .bind(response_id)
        .bind(position)
        .bind(question_key)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Marks a flag handled by `user_id`, with a note. `Ok(false)` when the
    /// response has no flag.
    pub async fn mark_flag_handled(
        &self,
        response_id: &str,
        user_id: &str,
        note: &str,
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE safeguarding_flags SET handled_by = $1, handled_at = $2, note = $3 WHERE response_id = $4",
        )
        .bind(user_id)
        .bind(now())
        .bind(note)
        .bind(response_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Moves safeguarding concerns stored the old way (tab-joined lines in
    /// `safeguarding_flags.concerns`) into `safeguarding_concerns`, one row
    /// each, and empties the old column. Run at every start; once moved,
    /// nothing is left to move. One transaction, so a failure moves nothing.
    pub(super) async fn move_concerns_to_rows(&self) -> Result<usize, DbError> {
        let mut tx = self.pool().begin().await?;
        let old = sqlx::query(
            "SELECT response_id, concerns FROM safeguarding_flags WHERE concerns <> ''",
        )
        .fetch_all(&mut *tx)
        .await?;
        for row in &old {
            let response_id: String = row.try_get("response_id")?;
            let concerns: String = row.try_get("concerns")?;
            let lines = concerns.lines().filter_map(|line| line.split_once('\t'));
            for (position, (question, words)) in lines.enumerate() {
                sqlx::query(
                    "INSERT INTO safeguarding_concerns (response_id, position, question_key, words) VALUES ($1, $2, $3, $4)",
                )
                .bind(&response_id)
                .bind(position as i64)
                .bind(question)
                .bind(words)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE safeguarding_flags SET concerns = '' WHERE response_id = $1")
                .bind(&response_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(old.len())
    }
}

/// A flag whose survey's safeguarding lead is due an e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueNotification {
    pub response_id: String,
    pub survey_title: String,
    pub round_name: String,
    /// The survey's own lead, if it has one.
    pub lead: Option<String>,
    pub attempts: i64,
    /// The `next_notify_at` it was found with (for claiming it).
    pub next_notify_at: i64,
}

impl Db {
    /// Unhandled flags whose lead is due an e-mail now (`next_notify_at`
    /// is 0 for a new flag, a retry's time after a failure, the re-send's
    /// after a success), of surveys with a lead of their own or, when
    /// `default_lead` is set, of any survey.
    pub async fn due_notifications(
        &self,
        default_lead: bool,
    ) -> Result<Vec<DueNotification>, DbError> {
        let rows = sqlx::query(
            "SELECT f.response_id, s.title, r.name AS round_name, s.safeguarding_lead, \
                    f.notify_attempts, f.next_notify_at \
             FROM safeguarding_flags f \
             JOIN responses x ON x.id = f.response_id \
             JOIN rounds r ON r.id = x.round_id \
             JOIN surveys s ON s.id = r.survey_id \
             WHERE f.handled_at IS NULL AND f.next_notify_at <= $1 \
               AND (s.safeguarding_lead IS NOT NULL OR $2 = 1) \
             ORDER BY f.next_notify_at LIMIT 50",
        )
        .bind(now())
        .bind(i64::from(default_lead))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DueNotification {
                    response_id: row.try_get("response_id")?,
                    survey_title: row.try_get("title")?,
                    round_name: row.try_get("round_name")?,
                    lead: row.try_get("safeguarding_lead")?,
                    attempts: row.try_get("notify_attempts")?,
                    next_notify_at: row.try_get("next_notify_at")?,
                })
            })
            .collect()
    }

    /// Claims a due notification for this instance until `until`: `false`
    /// when another instance claimed it first.
    pub async fn claim_notification(
        &self,
        due: &DueNotification,
        until: i64,
    ) -> Result<bool, DbError> {
        let changed = sqlx::query(
            "UPDATE safeguarding_flags SET next_notify_at = $3 WHERE response_id = $1 AND next_notify_at = $2",
        )
        .bind(&due.response_id)
        .bind(due.next_notify_at)
        .bind(until)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Records how sending went: told now (and to be told again at
    /// `resend_at` if still unhandled), or to try again at `retry_at` with
    /// the reason.
    pub async fn record_notification(
        &self,
        response_id: &str,
        outcome: Result<i64, (&str, i64)>,
    ) -> Result<(), DbError> {
        let query = match outcome {
            Ok(resend_at) => sqlx::query(
                "UPDATE safeguarding_flags SET notified_at = $2, notify_attempts = notify_attempts + 1, \
                 next_notify_at = $3, last_notify_error = NULL WHERE response_id = $1",
            )
            .bind(response_id)
            .bind(now())
            .bind(resend_at),
            Err((error, retry_at)) => sqlx::query(
                "UPDATE safeguarding_flags SET notify_attempts = notify_attempts + 1, \
                 next_notify_at = $2, last_notify_error = $3 WHERE response_id = $1",
            )
            .bind(response_id)
            .bind(retry_at)
            .bind(error.to_owned()),
        };
        query.execute(self.pool()).await?;
        Ok(())
    }

    /// Whether the lead was told of this flag before.
    pub async fn notified_before(&self, response_id: &str) -> Result<bool, DbError> {
        let row = sqlx::query("SELECT notified_at FROM safeguarding_flags WHERE response_id = $1")
            .bind(response_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<Option<i64>, _>("notified_at")?.is_some(),
            None => false,
        })
    }

    /// Sets (or clears) a survey's safeguarding lead. `Ok(false)`: no such
    /// survey.
    pub async fn set_safeguarding_lead(
        &self,
        slug: &str,
        lead: Option<&str>,
    ) -> Result<bool, DbError> {
        let changed = sqlx::query("UPDATE surveys SET safeguarding_lead = $2 WHERE slug = $1")
            .bind(slug)
            .bind(lead)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(changed == 1)
    }
}
