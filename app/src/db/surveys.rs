//! Surveys, rounds and responses.

use super::{Db, DbError, is_unique_violation, new_id, now};
use crate::domain::answers::Answers;
use crate::domain::join_code::JoinCode;
use crate::domain::rounds::{RoundAnswers, RoundSummary};
use crate::domain::survey::{Question, QuestionKind, Survey};
use sqlx::Row;
use std::collections::BTreeMap;

/// An open round found by its join code, with its survey.
#[derive(Clone, Debug)]
pub struct RoundForCode {
    pub round_id: String,
    pub round_name: String,
    pub survey: Survey,
    /// Database id of each question, by key.
    pub question_ids: BTreeMap<String, String>,
}

/// What happened to a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreOutcome {
    /// Stored now.
    Stored,
    /// The same client id and answers were stored before: nothing done.
    AlreadyStored,
    /// The client id was used before for different answers or another round.
    ClientIdReused,
}

impl Db {
    pub async fn survey_count(&self) -> Result<i64, DbError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM surveys")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
    }

    /// Stores a new survey with its questions, all or nothing. Returns its id.
    pub async fn create_survey(&self, survey: &Survey) -> Result<String, DbError> {
        let mut tx = self.pool().begin().await?;
        let survey_id = new_id();
        sqlx::query("INSERT INTO surveys (id, slug, title, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&survey_id)
            .bind(&survey.slug)
            .bind(&survey.title)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        for (position, question) in survey.questions.iter().enumerate() {
            let question_id = new_id();
            sqlx::query(
                "INSERT INTO questions (id, survey_id, position, key, kind, text, about_you) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&question_id)
            .bind(&survey_id)
            .bind(position as i64)
            .bind(&question.key)
            .bind(question.kind.as_str())
            .bind(&question.text)
            .bind(i64::from(question.about_you))
            .execute(&mut *tx)
            .await?;
            for (position, label) in question.options.iter().enumerate() {
                sqlx::query("INSERT INTO question_options (question_id, position, label) VALUES ($1, $2, $3)")
                    .bind(&question_id)
                    .bind(position as i64)
                    .bind(label)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(survey_id)
    }

    /// Creates a round of a survey, open under `join_code`. Returns its id.
    pub async fn create_open_round(
        &self,
        survey_id: &str,
        name: &str,
        join_code: &JoinCode,
    ) -> Result<String, DbError> {
        let round_id = new_id();
        sqlx::query("INSERT INTO rounds (id, survey_id, name, join_code, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&round_id)
            .bind(survey_id)
            .bind(name)
            .bind(join_code.as_str())
            .bind(now())
            .execute(self.pool())
            .await?;
        Ok(round_id)
    }

    /// All rounds, open and closed, with how many responses each has.
    pub async fn list_rounds(&self) -> Result<Vec<RoundSummary>, DbError> {
        self.round_summaries(None).await
    }

    async fn round_summaries(&self, round_id: Option<&str>) -> Result<Vec<RoundSummary>, DbError> {
        let rows = sqlx::query(
            "SELECT r.id, s.slug, s.title, r.name, r.join_code, \
                    (SELECT COUNT(*) FROM responses x WHERE x.round_id = r.id) AS responses \
             FROM rounds r JOIN surveys s ON s.id = r.survey_id \
             WHERE $1 = '' OR r.id = $1 \
             ORDER BY s.title, r.created_at, r.name",
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
                    responses: row.try_get("responses")?,
                })
            })
            .collect()
    }

    /// The open round a join code leads to, with its survey.
    pub async fn round_for_join_code(
        &self,
        code: &JoinCode,
    ) -> Result<Option<RoundForCode>, DbError> {
        let Some(row) = sqlx::query(
            "SELECT r.id, r.name, r.survey_id, s.slug, s.title \
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
            survey: Survey {
                slug: row.try_get("slug")?,
                title: row.try_get("title")?,
                questions,
            },
            question_ids,
        }))
    }

    /// A survey's questions in order, and their database ids by key.
    async fn questions_of(
        &self,
        survey_id: &str,
    ) -> Result<(Vec<Question>, BTreeMap<String, String>), DbError> {
        let rows = sqlx::query(
            "SELECT id, key, kind, text, about_you FROM questions WHERE survey_id = $1 ORDER BY position",
        )
        .bind(survey_id)
        .fetch_all(self.pool())
        .await?;
        let option_rows = sqlx::query(
            "SELECT o.question_id, o.label FROM question_options o \
             JOIN questions q ON q.id = o.question_id \
             WHERE q.survey_id = $1 ORDER BY o.question_id, o.position",
        )
        .bind(survey_id)
        .fetch_all(self.pool())
        .await?;
        let mut options: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in &option_rows {
            options
                .entry(row.try_get("question_id")?)
                .or_default()
                .push(row.try_get("label")?);
        }
        let mut questions = Vec::with_capacity(rows.len());
        let mut ids = BTreeMap::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            let key: String = row.try_get("key")?;
            let kind: String = row.try_get("kind")?;
            questions.push(Question {
                key: key.clone(),
                kind: QuestionKind::parse(&kind).ok_or_else(|| {
                    DbError::Corrupt(format!("question {key} has unknown kind {kind:?}"))
                })?,
                text: row.try_get("text")?,
                options: options.remove(&id).unwrap_or_default(),
                about_you: row.try_get::<i64, _>("about_you")? != 0,
            });
            ids.insert(key, id);
        }
        Ok((questions, ids))
    }

    /// Stores a young person's answers exactly once per `client_id`.
    ///
    /// The UNIQUE constraint on `responses.client_id` is what guarantees it:
    /// of two racing identical submissions one inserts and the other hits the
    /// constraint, then finds the first and reports [`StoreOutcome::AlreadyStored`].
    pub async fn store_response(
        &self,
        round: &RoundForCode,
        client_id: &str,
        answers: &Answers,
        submitted_on: i64,
    ) -> Result<StoreOutcome, DbError> {
        let fingerprint = answers.fingerprint();
        if let Some(outcome) = self
            .earlier_submission(&round.round_id, client_id, &fingerprint)
            .await?
        {
            return Ok(outcome);
        }
        let mut tx = self.pool().begin().await?;
        let response_id = new_id();
        let inserted = sqlx::query(
            "INSERT INTO responses (id, round_id, client_id, fingerprint, submitted_on) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&response_id)
        .bind(&round.round_id)
        .bind(client_id)
        .bind(&fingerprint)
        .bind(submitted_on)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                tx.rollback().await?;
                return self
                    .earlier_submission(&round.round_id, client_id, &fingerprint)
                    .await?
                    .ok_or_else(|| {
                        DbError::Corrupt("client id clashed but no response holds it".into())
                    });
            }
            Err(e) => return Err(e.into()),
        }
        for (key, values) in answers.iter() {
            let question_id = round
                .question_ids
                .get(key)
                .ok_or_else(|| DbError::Corrupt(format!("answer to unknown question {key}")))?;
            for (position, value) in values.iter().enumerate() {
                sqlx::query("INSERT INTO answers (response_id, question_id, position, value) VALUES ($1, $2, $3, $4)")
                    .bind(&response_id)
                    .bind(question_id)
                    .bind(position as i64)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(StoreOutcome::Stored)
    }

    async fn earlier_submission(
        &self,
        round_id: &str,
        client_id: &str,
        fingerprint: &str,
    ) -> Result<Option<StoreOutcome>, DbError> {
        let row = sqlx::query("SELECT round_id, fingerprint FROM responses WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            let same = row.try_get::<String, _>("round_id")? == round_id
                && row.try_get::<String, _>("fingerprint")? == fingerprint;
            Ok(if same {
                StoreOutcome::AlreadyStored
            } else {
                StoreOutcome::ClientIdReused
            })
        })
        .transpose()
    }

    /// A round's responses, one row of answers per young person.
    pub async fn round_answers(&self, round_id: &str) -> Result<Option<RoundAnswers>, DbError> {
        let Some(round) = self
            .round_summaries(Some(round_id))
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let survey_id: String = sqlx::query("SELECT survey_id FROM rounds WHERE id = $1")
            .bind(round_id)
            .fetch_one(self.pool())
            .await?
            .try_get("survey_id")?;
        let (questions, question_ids) = self.questions_of(&survey_id).await?;
        let column_of: BTreeMap<&str, usize> = questions
            .iter()
            .enumerate()
            .map(|(i, q)| (question_ids[&q.key].as_str(), i))
            .collect();
        let rows = sqlx::query(
            "SELECT x.id AS response_id, a.question_id, a.value FROM responses x \
             LEFT JOIN answers a ON a.response_id = x.id \
             WHERE x.round_id = $1 ORDER BY x.submitted_on, x.id, a.question_id, a.position",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        let mut responses: Vec<Vec<Vec<String>>> = Vec::new();
        let mut current: Option<String> = None;
        for row in &rows {
            let response_id: String = row.try_get("response_id")?;
            if current.as_ref() != Some(&response_id) {
                responses.push(vec![Vec::new(); questions.len()]);
                current = Some(response_id);
            }
            let question_id: Option<String> = row.try_get("question_id")?;
            let value: Option<String> = row.try_get("value")?;
            if let (Some(question_id), Some(value), Some(answers)) =
                (question_id, value, responses.last_mut())
            {
                let column = column_of.get(question_id.as_str()).ok_or_else(|| {
                    DbError::Corrupt(format!(
                        "answer to question {question_id} of another survey"
                    ))
                })?;
                answers[*column].push(value);
            }
        }
        Ok(Some(RoundAnswers {
            round,
            questions,
            responses,
        }))
    }
}
