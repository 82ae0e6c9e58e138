//! What exports and reports read: a round's responses with their answers
//! and main coding, and a round as a REFI-QDA project.

use super::{Db, DbError, RoundRef};
use crate::domain::exports::ExportedResponse;
use crate::domain::qdpx::{Project, ProjectResponse, ProjectRound, project};
use crate::domain::report::ResponseRow;
use crate::domain::survey::Survey;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

impl Db {
    /// A round's responses for export, with their respondent ids and
    /// languages, ordered by respondent (responses without one last, in a
    /// stable order).
    pub async fn export_rows(&self, round_id: &str) -> Result<Vec<ExportedResponse>, DbError> {
        Ok(self
            .export_rows_with_ids(round_id)
            .await?
            .into_iter()
            .map(|(_, response)| response)
            .collect())
    }

    /// [`Db::export_rows`] with each response's id.
    async fn export_rows_with_ids(
        &self,
        round_id: &str,
    ) -> Result<Vec<(String, ExportedResponse)>, DbError> {
        let ids = sqlx::query("SELECT id, respondent, language FROM responses WHERE round_id = $1")
            .bind(round_id)
            .fetch_all(self.pool())
            .await?;
        type Known = (Option<String>, Option<String>);
        let mut known: HashMap<String, Known> = HashMap::new();
        for row in &ids {
            known.insert(
                row.try_get("id")?,
                (row.try_get("respondent")?, row.try_get("language")?),
            );
        }
        let mut rows: Vec<(String, ExportedResponse)> = self
            .report_rows_with_ids(round_id)
            .await?
            .into_iter()
            .map(|(id, row)| {
                let (respondent, language) = known.get(&id).cloned().unwrap_or_default();
                let response = ExportedResponse {
                    respondent,
                    language,
                    row,
                };
                (id, response)
            })
            .collect();
        rows.sort_by(|(a_id, a), (b_id, b)| {
            (a.respondent.is_none(), &a.respondent, a_id).cmp(&(
                b.respondent.is_none(),
                &b.respondent,
                b_id,
            ))
        });
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
            .map(|(id, response)| ProjectResponse {
                id,
                respondent: response.respondent,
                language: response.language,
                row: response.row,
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
