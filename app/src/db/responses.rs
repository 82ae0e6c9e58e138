//! A young person's finished survey, stored exactly once, and a round's
//! answers read back for workers.

use super::submissions::{Counted, NewAnswer, NewResponse, Written};
use super::{Db, DbError, RoundForCode};
use crate::domain::answers::Answers;
use crate::domain::rounds::RoundAnswers;
use crate::domain::safeguarding::Concern;
use sqlx::Row;
use std::collections::BTreeMap;

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
    /// Stores a young person's answers exactly once per `client_id`,
    /// through the instance's submission writer (many surveys to a
    /// commit; see `submissions`). Counts the survey as `counted` says in
    /// the same transaction, so a refused survey
    /// leaves nothing behind and a stored one is counted exactly once.
    #[allow(clippy::too_many_arguments)]
    pub async fn store_response(
        &self,
        round: &RoundForCode,
        client_id: &str,
        answers: &Answers,
        language: &crate::domain::languages::Language,
        concerns: &[Concern],
        submitted_on: i64,
        counted: Counted,
    ) -> Result<Written, DbError> {
        let mut values = Vec::new();
        for (key, given) in answers.iter() {
            let question_id = round
                .question_ids
                .get(key)
                .ok_or_else(|| DbError::Corrupt(format!("answer to unknown question {key}")))?;
            let is_choice = round
                .survey
                .question(key)
                .is_some_and(|q| q.kind.has_options());
            for (position, value) in given.iter().enumerate() {
                values.push(NewAnswer {
                    question_id: question_id.clone(),
                    position: position as i64,
                    value: value.clone(),
                    is_choice,
                });
            }
        }
        self.writer
            .write(NewResponse {
                round_id: round.round_id.clone(),
                client_id: client_id.to_owned(),
                fingerprint: answers.fingerprint(),
                language: language.tag().to_owned(),
                values,
                concerns: concerns.to_vec(),
                submitted_on,
                allowance: counted.allowance,
                marks: counted.marks,
            })
            .await
    }

    /// What a submission with this id was: the same one stored before
    /// (same round, same answers), another one, or none.
    pub async fn earlier_submission(
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
            tablet: None,
        }))
    }
}
