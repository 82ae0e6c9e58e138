//! Rounds: opening and closing them, finding them by name or join code,
//! and what viewers may see of a survey's figures.

use super::{Db, DbError, is_unique_violation, new_id, now};
use crate::domain::join_code::JoinCode;
use crate::domain::report::Disclosure;
use crate::domain::rounds::RoundSummary;
use crate::domain::survey::Survey;
use sqlx::Row;
use std::collections::BTreeMap;

/// A survey's round, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundRef {
    pub round_id: String,
    pub name: String,
}

impl Db {
    /// The round of a survey with this name, if there is one.
    pub async fn round_named(
        &self,
        survey_id: &str,
        name: &str,
    ) -> Result<Option<RoundRef>, DbError> {
        let row = sqlx::query("SELECT id FROM rounds WHERE survey_id = $1 AND name = $2")
            .bind(survey_id)
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            Ok(RoundRef {
                round_id: row.try_get("id")?,
                name: name.to_owned(),
            })
        })
        .transpose()
    }

    /// A survey's disclosure thresholds.
    pub async fn disclosure(&self, survey_id: &str) -> Result<Disclosure, DbError> {
        let row = sqlx::query(
            "SELECT min_cell, min_answers, hide_small_overall FROM surveys WHERE id = $1",
        )
        .bind(survey_id)
        .fetch_one(self.pool())
        .await?;
        Ok(Disclosure {
            min_cell: row.try_get("min_cell")?,
            min_answers: row.try_get("min_answers")?,
            hide_small_overall: row.try_get::<i64, _>("hide_small_overall")? != 0,
        })
    }

    /// Sets a survey's disclosure thresholds.
    pub async fn set_disclosure(
        &self,
        survey_id: &str,
        disclosure: Disclosure,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE surveys SET min_cell = $1, min_answers = $2, hide_small_overall = $3 WHERE id = $4",
        )
        .bind(disclosure.min_cell)
        .bind(disclosure.min_answers)
        .bind(i64::from(disclosure.hide_small_overall))
            .bind(survey_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// An open round found by its join code, with its survey.
#[derive(Clone, Debug)]
pub struct RoundForCode {
    pub round_id: String,
    pub round_name: String,
    pub join_code: String,
    /// A closed round takes no answers (but late ones, see
    /// `domain::late`); its code still leads to it.
    pub is_open: bool,
    /// When it was closed (seconds), if it is closed and that is known.
    pub closed_at: Option<i64>,
    /// How long after closing it takes late surveys.
    pub late_hours: i64,
    pub survey: Survey,
    /// Database id of each question, by key.
    pub question_ids: BTreeMap<String, String>,
}

impl Db {
    /// Opens the round `name` of a survey, creating it with a fresh join
    /// code if need be. Returns the round's code.
    pub async fn open_round(
        &self,
        survey_id: &str,
        name: &str,
        mut fresh_code: impl FnMut() -> JoinCode,
    ) -> Result<JoinCode, DbError> {
        for _ in 0..10 {
            let existing =
                sqlx::query("SELECT id, join_code FROM rounds WHERE survey_id = $1 AND name = $2")
                    .bind(survey_id)
                    .bind(name)
                    .fetch_optional(self.pool())
                    .await?;
            if let Some(row) = existing {
                let round_id: String = row.try_get("id")?;
                self.set_round_open(&round_id, true).await?;
                let code: String = row.try_get("join_code")?;
                return JoinCode::parse(&code).map_err(|_| {
                    DbError::Corrupt(format!("round {round_id} has join code {code:?}"))
                });
            }
            let code = fresh_code();
            match self.create_open_round(survey_id, name, &code).await {
                Ok(_) => return Ok(code),
                // The code was taken, or another process created the round
                // meanwhile: look again.
                Err(DbError::Query(e)) if is_unique_violation(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(DbError::Corrupt("no free join code after 10 tries".into()))
    }

    /// Closes the round `name` of a survey. `Ok(false)` when there is none.
    pub async fn close_round(&self, survey_id: &str, name: &str) -> Result<bool, DbError> {
        // Closing a closed round keeps the time it first closed.
        let done = sqlx::query(
            "UPDATE rounds SET closed_at = CASE WHEN is_open = 1 THEN $3 ELSE closed_at END, \
             is_open = 0 WHERE survey_id = $1 AND name = $2",
        )
        .bind(survey_id)
        .bind(name)
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Creates a round of a survey, open under `join_code`. Returns its id.
    async fn create_open_round(
        &self,
        survey_id: &str,
        name: &str,
        join_code: &JoinCode,
    ) -> Result<String, DbError> {
        let round_id = new_id();
        sqlx::query(
            "INSERT INTO rounds (id, survey_id, name, join_code, created_at, seq) VALUES ($1, $2, $3, $4, $5, \
             (SELECT COALESCE(MAX(seq), 0) + 1 FROM rounds WHERE survey_id = $2))",
        )
            .bind(&round_id)
            .bind(survey_id)
            .bind(name)
            .bind(join_code.as_str())
            .bind(now())
            .execute(self.pool())
            .await?;
        Ok(round_id)
    }

    /// Opens or closes a round. `Ok(false)` when there is no such round.
    async fn set_round_open(&self, round_id: &str, open: bool) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE rounds SET is_open = $1, \
             closed_at = CASE WHEN $1 = 1 THEN NULL ELSE closed_at END WHERE id = $2",
        )
        .bind(i64::from(open))
        .bind(round_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets how long after closing a round takes late surveys. `Ok(false)`
    /// when there is no such round.
    pub async fn set_late_hours(&self, round_id: &str, hours: i64) -> Result<bool, DbError> {
        let done = sqlx::query("UPDATE rounds SET late_hours = $1 WHERE id = $2")
            .bind(hours)
            .bind(round_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// All rounds, open and closed, with how many responses each has.
    pub async fn list_rounds(&self) -> Result<Vec<RoundSummary>, DbError> {
        self.round_summaries(None).await
    }

    pub(super) async fn round_summaries(
        &self,
        round_id: Option<&str>,
    ) -> Result<Vec<RoundSummary>, DbError> {
        let rows = sqlx::query(
            "SELECT r.id, s.slug, s.title, r.name, r.join_code, r.is_open, r.closed_at, r.late_hours, \
                    (SELECT COUNT(*) FROM responses x WHERE x.round_id = r.id) AS responses \
             FROM rounds r JOIN surveys s ON s.id = r.survey_id \
             WHERE $1 = '' OR r.id = $1 \
             ORDER BY s.title, r.seq, r.created_at, r.name",
        )
        .bind(round_id.unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RoundSummary {
                    round_id: row.try_get("id")?,
                    survey_slug: row.try_get("slug")?,
                    survey_title: row.try_get("title")?,
                    round_name: row.try_get("name")?,
                    join_code: row.try_get("join_code")?,
                    is_open: row.try_get::<i64, _>("is_open")? != 0,
                    closed_at: row.try_get("closed_at")?,
                    late_hours: row.try_get("late_hours")?,
                    responses: row.try_get("responses")?,
                })
            })
            .collect()
    }

    /// The round a join code leads to (open or closed), with its survey.
    pub async fn round_for_join_code(
        &self,
        code: &JoinCode,
    ) -> Result<Option<RoundForCode>, DbError> {
        let Some(row) = sqlx::query(
            "SELECT r.id, r.name, r.is_open, r.closed_at, r.late_hours, r.survey_id, s.slug, s.title \
             FROM rounds r JOIN surveys s ON s.id = r.survey_id WHERE r.join_code = $1",
        )
        .bind(code.as_str())
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let survey_id: String = row.try_get("survey_id")?;
        let (questions, question_ids) = self.questions_of(&survey_id).await?;
        Ok(Some(RoundForCode {
            round_id: row.try_get("id")?,
            round_name: row.try_get("name")?,
            join_code: code.to_string(),
            is_open: row.try_get::<i64, _>("is_open")? != 0,
            closed_at: row.try_get("closed_at")?,
            late_hours: row.try_get("late_hours")?,
            survey: Survey {
                slug: row.try_get("slug")?,
                title: row.try_get("title")?,
                questions,
            },
            question_ids,
        }))
    }
}
