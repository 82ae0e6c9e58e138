//! What exports and reports read: a round's responses with their answers
//! and main coding, and a round as a REFI-QDA project.

use super::{Db, DbError, RoundRef};
use crate::domain::qdpx::{Project, ProjectResponse, ProjectRound, project};
use crate::domain::report::ResponseRow;
use crate::domain::survey::Survey;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

impl Db {
    /// A round's responses for export, with their respondent ids, ordered
    /// by respondent (responses without one last, in a stable order).
    pub async fn export_rows(
        &self,
        round_id: &str,
    ) -> Result<Vec<(Option<String>, ResponseRow)>, DbError> {
        Ok(self
            .export_rows_with_ids(round_id)
            .await?
            .into_iter()
            .map(|(respondent, _, row)| (respondent, row))
            .collect())
    }

    /// [`Db::export_rows`] with each response's id.
    async fn export_rows_with_ids(
        &self,
        round_id: &str,
    ) -> Result<Vec<(Option<String>, String, ResponseRow)>, DbError> {
        let ids = sqlx::query("SELECT id, respondent FROM responses WHERE round_id = $1")
            .bind(round_id)
            .fetch_all(self.pool())
            .await?;
        let mut respondents: HashMap<String, Option<String>> = HashMap::new();
        for row in &ids {
            respondents.insert(row.try_get("id")?, row.try_get("respondent")?);
        }
        let mut rows: Vec<(Option<String>, String, ResponseRow)> = self
            .report_rows_with_ids(round_id)
            .await?
            .into_iter()
            .map(|(id, row)| (respondents.get(&id).cloned().flatten(), id, row))
            .collect();
        rows.sort_by(|a, b| (a.0.is_none(), &a.0, &a.1).cmp(&(b.0.is_none(), &b.0, &b.1)));
        Ok(rows)
    }

    /// A round as a REFI-QDA project (see `domain::qdpx`).
    pub async fn round_project(
        &self,
        survey_id: &str,
        survey: &Survey,
        round: &RoundRef,
    ) -> Result<Project, DbError> {
        let (_, question_guids) = self.questions_of(survey_id).await?;
        let mut theme_guids = BTreeMap::new();
        for question in &survey.questions {
            theme_guids.insert(
                question.key.clone(),
                self.theme_guids(survey_id, &question.key).await?,
            );
        }
        let responses: Vec<ProjectResponse> = self
            .export_rows_with_ids(&round.round_id)
            .await?
            .into_iter()
            .map(|(respondent, id, row)| ProjectResponse {
                id,
                respondent,
                row,
            })
            .collect();
        Ok(project(&ProjectRound {
            survey,
            round_name: &round.name,
            question_guids: &question_guids,
            theme_guids: &theme_guids,
            responses: &responses,
        }))
    }

    async fn report_rows_with_ids(
        &self,
        round_id: &str,
    ) -> Result<Vec<(String, ResponseRow)>, DbError> {
        let answers = sqlx::query(
            "SELECT x.id, q.key, a.value FROM responses x \
             LEFT JOIN answers a ON a.response_id = x.id \
             LEFT JOIN questions q ON q.id = a.question_id \
             WHERE x.round_id = $1 ORDER BY x.id, q.key, a.position",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        let mut rows: BTreeMap<String, ResponseRow> = BTreeMap::new();
        for row in &answers {
            let entry = rows.entry(row.try_get("id")?).or_default();
            let key: Option<String> = row.try_get("key")?;
            let value: Option<String> = row.try_get("value")?;
            if let (Some(key), Some(value)) = (key, value) {
                entry.answers.entry(key).or_default().push(value);
            }
        }
        let codings = sqlx::query(
            "SELECT c.response_id, q.key, t.name FROM codings c \
             JOIN responses x ON x.id = c.response_id \
             JOIN questions q ON q.id = c.question_id \
             JOIN themes t ON t.id = c.theme_id \
             WHERE x.round_id = $1 AND c.pass = 'main' ORDER BY t.position",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        for row in &codings {
            let response_id: String = row.try_get("response_id")?;
            if let Some(entry) = rows.get_mut(&response_id) {
                entry
                    .themes
                    .entry(row.try_get("key")?)
                    .or_default()
                    .push(row.try_get("name")?);
            }
        }
        Ok(rows.into_iter().collect())
    }
}
