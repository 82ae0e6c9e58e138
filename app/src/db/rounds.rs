//! Rounds: opening and closing them, finding them by name or join code,
//! and what viewers may see of a survey's figures.

use super::{Db, DbError, is_unique_violation, new_id, now};
use crate::domain::join_code::JoinCode;
use crate::domain::report::Disclosure;
use crate::domain::rounds::RoundSummary;
use crate::domain::survey::Survey;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

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
            "SELECT min_cell, min_answers, hide_small_overall, whole_population FROM surveys WHERE id = $1",
        )
        .bind(survey_id)
        .fetch_one(self.pool())
        .await?;
        Ok(Disclosure {
            min_cell: row.try_get("min_cell")?,
            min_answers: row.try_get("min_answers")?,
            hide_small_overall: row.try_get::<i64, _>("hide_small_overall")? != 0,
            whole_population: row.try_get::<i64, _>("whole_population")? != 0,
        })
    }

    /// Sets a survey's disclosure thresholds.
    pub async fn set_disclosure(
        &self,
        survey_id: &str,
        disclosure: Disclosure,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE surveys SET min_cell = $1, min_answers = $2, hide_small_overall = $3, \
             whole_population = $4 WHERE id = $5",
        )
        .bind(disclosure.min_cell)
        .bind(disclosure.min_answers)
        .bind(i64::from(disclosure.hide_small_overall))
        .bind(i64::from(disclosure.whole_population))
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
    /// Which state of the round and survey this copy shows.
    generation: Generation,
}

/// A round's and its survey's change counters, as read with a copy.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Generation {
    round_id: String,
    round: i64,
    survey: i64,
}

/// This instance's copies of the rounds behind join codes.
#[derive(Debug, Default)]
pub(super) struct RoundCache {
    by_code: Mutex<HashMap<String, Arc<RoundForCode>>>,
}

/// Copies kept at most; past it the cache starts again (only real join
/// codes get in, so this is a deployment with very many rounds).
const MOST_ROUNDS_KEPT: usize = 10_000;

impl RoundCache {
    fn get(&self, code: &str, current: &Generation) -> Option<Arc<RoundForCode>> {
        let by_code = self.by_code.lock().unwrap_or_else(|e| e.into_inner());
        by_code
            .get(code)
            .filter(|round| round.generation == *current)
            .cloned()
    }

    fn keep(&self, code: &str, round: Arc<RoundForCode>) {
        let mut by_code = self.by_code.lock().unwrap_or_else(|e| e.into_inner());
        if by_code.len() >= MOST_ROUNDS_KEPT {
            by_code.clear();
        }
        by_code.insert(code.to_owned(), round);
    }

    fn forget(&self, code: &str) {
        let mut by_code = self.by_code.lock().unwrap_or_else(|e| e.into_inner());
        by_code.remove(code);
    }
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
             is_open = 0, generation = generation + 1 WHERE survey_id = $1 AND name = $2",
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
            "UPDATE rounds SET is_open = $1, generation = generation + 1, \
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
        let done = sqlx::query(
            "UPDATE rounds SET late_hours = $1, generation = generation + 1 WHERE id = $2",
        )
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

    /// The round behind a join code, with its survey. Kept in memory per
    /// instance and read again only when the round or its survey changed
    /// (their `generation`s, which every change moves on, on whichever
    /// instance made it): one small read instead of the survey's rows on
    /// every submission.
    pub async fn round_for_join_code(
        &self,
        code: &JoinCode,
    ) -> Result<Option<Arc<RoundForCode>>, DbError> {
        let Some(row) = sqlx::query(
            "SELECT r.id, r.generation AS round_generation, s.generation AS survey_generation \
             FROM rounds r JOIN surveys s ON s.id = r.survey_id WHERE r.join_code = $1",
        )
        .bind(code.as_str())
        .fetch_optional(self.pool())
        .await?
        else {
            self.rounds.forget(code.as_str());
            return Ok(None);
        };
        let current = Generation {
            round_id: row.try_get("id")?,
            round: row.try_get("round_generation")?,
            survey: row.try_get("survey_generation")?,
        };
        if let Some(cached) = self.rounds.get(code.as_str(), &current) {
            return Ok(Some(cached));
        }
        let Some(round) = self.read_round_for_join_code(code).await? else {
            return Ok(None);
        };
        let round = Arc::new(round);
        self.rounds.keep(code.as_str(), Arc::clone(&round));
        Ok(Some(round))
    }

    async fn read_round_for_join_code(
        &self,
        code: &JoinCode,
    ) -> Result<Option<RoundForCode>, DbError> {
        let Some(row) = sqlx::query(
            "SELECT r.id, r.name, r.is_open, r.closed_at, r.late_hours, r.survey_id, s.slug, s.title, s.languages, \
                    r.generation AS round_generation, s.generation AS survey_generation \
             FROM rounds r JOIN surveys s ON s.id = r.survey_id WHERE r.join_code = $1",
        )
        .bind(code.as_str())
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let survey_id: String = row.try_get("survey_id")?;
        // Read after the generations: a change in between makes the copy
        // newer than its generation says, so it is only read again.
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
                languages: super::surveys::languages_of(&row)?,
            },
            question_ids,
            generation: Generation {
                round_id: row.try_get("id")?,
                round: row.try_get("round_generation")?,
                survey: row.try_get("survey_generation")?,
            },
        }))
    }
}
