//! Coding answers into themes, with the history of every change, and
//! quotes.

use super::{Db, DbError, Tx, new_id, now};
use crate::domain::coding::{AnswerToCode, CodingChange, Pass, QuoteState};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet, HashMap};

impl Db {
    /// The answers of a round to one free-text question, for coding in
    /// `pass`: text, about-you answers, themes, flag and quote. Suggestions
    /// are left to the caller, which has the codebook.
    pub async fn coding_answers(
        &self,
        round_id: &str,
        question_id: &str,
        attribute_ids: &[String],
        pass: Pass,
    ) -> Result<Vec<AnswerToCode>, DbError> {
        let rows = sqlx::query(
            "SELECT a.response_id, a.value, \
                    (SELECT COUNT(*) FROM safeguarding_flags f WHERE f.response_id = a.response_id) AS flagged, \
                    qu.redacted, qu.approved_at \
             FROM answers a JOIN responses x ON x.id = a.response_id \
             LEFT JOIN quotes qu ON qu.response_id = a.response_id AND qu.question_id = a.question_id \
             WHERE a.round_id = $1 AND a.question_id = $2 \
             ORDER BY x.submitted_on, x.respondent, x.id",
        )
        .bind(round_id)
        .bind(question_id)
        .fetch_all(self.pool())
        .await?;
        let mut answers: Vec<AnswerToCode> = Vec::with_capacity(rows.len());
        let mut index: HashMap<String, usize> = HashMap::new();
        for row in &rows {
            let response_id: String = row.try_get("response_id")?;
            let redacted: Option<String> = row.try_get("redacted")?;
            let approved: Option<i64> = row.try_get("approved_at")?;
            index.insert(response_id.clone(), answers.len());
            answers.push(AnswerToCode {
                response_id,
                text: row.try_get("value")?,
                about_you: vec![String::new(); attribute_ids.len()],
                themes: Vec::new(),
                suggestions: Vec::new(),
                flagged: row.try_get::<i64, _>("flagged")? > 0,
                quote: redacted.map(|redacted| QuoteState {
                    redacted,
                    approved: approved.is_some(),
                }),
            });
        }
        // Only the about-you answers (choices: free text never is one).
        let attributes = if attribute_ids.is_empty() {
            Vec::new()
        } else {
            sqlx::query(
                "SELECT a.response_id, a.question_id, a.value FROM answers a \
                 WHERE a.round_id = $1 AND a.position = 0 AND a.choice IS NOT NULL",
            )
            .bind(round_id)
            .fetch_all(self.pool())
            .await?
        };
        for row in &attributes {
            let question: String = row.try_get("question_id")?;
            let Some(column) = attribute_ids.iter().position(|a| *a == question) else {
                continue;
            };
            let response_id: String = row.try_get("response_id")?;
            if let Some(&i) = index.get(&response_id) {
                answers[i].about_you[column] = row.try_get("value")?;
            }
        }
        let codings = sqlx::query(
            "SELECT c.response_id, t.name FROM codings c JOIN themes t ON t.id = c.theme_id \
             WHERE c.round_id = $1 AND c.question_id = $2 AND c.pass = $3 ORDER BY t.position",
        )
        .bind(round_id)
        .bind(question_id)
        .bind(pass.as_str())
        .fetch_all(self.pool())
        .await?;
        for row in &codings {
            let response_id: String = row.try_get("response_id")?;
            if let Some(&i) = index.get(&response_id) {
                answers[i].themes.push(row.try_get("name")?);
            }
        }
        Ok(answers)
    }

    /// The text of `response_id`'s answer to question `question_id` in
    /// round `round_id`, if it holds one.
    pub async fn answer_text(
        &self,
        round_id: &str,
        question_id: &str,
        response_id: &str,
    ) -> Result<Option<String>, DbError> {
        let row = sqlx::query(
            "SELECT value FROM answers \
             WHERE response_id = $1 AND question_id = $2 AND position = 0 AND round_id = $3",
        )
        .bind(response_id)
        .bind(question_id)
        .bind(round_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| row.try_get("value"))
            .transpose()
            .map_err(Into::into)
    }

    /// Of `response_ids`, the answers to question `question_id` in round
    /// `round_id` with no main coding yet: (response id, text).
    pub async fn uncoded_answers_among(
        &self,
        round_id: &str,
        question_id: &str,
        response_ids: &[String],
    ) -> Result<Vec<(String, String)>, DbError> {
        // A few dozen ids a statement: sqlx's SQLite driver binds in time
        // that grows with the square of the parameters.
        const IDS_A_STATEMENT: usize = 48;
        let mut found = Vec::new();
        for ids in response_ids.chunks(IDS_A_STATEMENT) {
            let sql = format!(
                "SELECT a.response_id, a.value FROM answers a \
                 WHERE a.round_id = $1 AND a.question_id = $2 AND a.position = 0 \
                 AND a.response_id IN {} AND NOT EXISTS (SELECT 1 FROM codings c \
                 WHERE c.response_id = a.response_id AND c.question_id = a.question_id AND c.pass = 'main')",
                super::submissions::placeholders_from(3, 1, ids.len())
            );
            let mut query = sqlx::query(&sql).bind(round_id).bind(question_id);
            for id in ids {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(self.pool()).await? {
                found.push((row.try_get("response_id")?, row.try_get("value")?));
            }
        }
        Ok(found)
    }

    /// Gives each answer its themes in the main coding, in one
    /// transaction, each change recorded as `how` by `who`.
    pub async fn code_many(
        &self,
        survey_id: &str,
        key: &str,
        coded: &[(String, Vec<String>)],
        who: &str,
        how: &str,
    ) -> Result<(), DbError> {
        let themes = self.theme_ids(survey_id).await?;
        let mut tx = self.pool().begin().await?;
        for (response_id, names) in coded {
            write_coding(&mut tx, &themes, response_id, key, "main", names, who, how).await?;
        }
        if let Some((response_id, _)) = coded.first() {
            super::tallies::recount_round_of(&mut tx, response_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets the themes of one answer in one pass, recording the change.
    /// `Ok(false)` when the response is not in the round or did not answer
    /// the question. Setting the themes it already has records nothing.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_coding(
        &self,
        survey_id: &str,
        round_id: &str,
        response_id: &str,
        key: &str,
        pass: Pass,
        names: &[String],
        who: &str,
        how: &str,
    ) -> Result<bool, DbError> {
        let answered = sqlx::query(
            "SELECT COUNT(*) AS n FROM answers a JOIN responses x ON x.id = a.response_id \
             JOIN questions q ON q.id = a.question_id \
             WHERE x.id = $1 AND x.round_id = $2 AND q.key = $3 AND q.survey_id = $4",
        )
        .bind(response_id)
        .bind(round_id)
        .bind(key)
        .bind(survey_id)
        .fetch_one(self.pool())
        .await?
        .try_get::<i64, _>("n")?;
        if answered == 0 {
            return Ok(false);
        }
        let themes = self.theme_ids(survey_id).await?;
        let mut tx = self.pool().begin().await?;
        write_coding(
            &mut tx,
            &themes,
            response_id,
            key,
            pass.as_str(),
            names,
            who,
            how,
        )
        .await?;
        if pass == Pass::Main {
            super::tallies::recount_round_of(&mut tx, response_id).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Every change to one answer's coding, oldest first.
    pub async fn coding_history(
        &self,
        response_id: &str,
        question_id: &str,
    ) -> Result<Vec<CodingChange>, DbError> {
        sqlx::query(
            "SELECT changed_by, changed_at, from_themes, to_themes, how, pass FROM coding_changes \
             WHERE response_id = $1 AND question_id = $2 ORDER BY seq",
        )
        .bind(response_id)
        .bind(question_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| {
            let lines = |column: &str| -> Result<Vec<String>, sqlx::Error> {
                let text: String = row.try_get(column)?;
                Ok(text.lines().map(str::to_owned).collect())
            };
            Ok(CodingChange {
                changed_by: row.try_get("changed_by")?,
                changed_at: row.try_get("changed_at")?,
                from: lines("from_themes")?,
                to: lines("to_themes")?,
                how: row.try_get("how")?,
                pass: row.try_get("pass")?,
            })
        })
        .collect()
    }

    /// Stars an answer as a quote with a proposed redacted copy, or updates
    /// the copy; approving sets who approved it, and any edit after that
    /// needs approving again. Removing deletes the quote.
    pub async fn save_quote(
        &self,
        response_id: &str,
        question_id: &str,
        redacted: Option<&str>,
        approved_by: Option<&str>,
    ) -> Result<(), DbError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM quotes WHERE response_id = $1 AND question_id = $2")
            .bind(response_id)
            .bind(question_id)
            .execute(&mut *tx)
            .await?;
        if let Some(redacted) = redacted {
            sqlx::query(
                "INSERT INTO quotes (response_id, question_id, redacted, approved_by, approved_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(response_id)
            .bind(question_id)
            .bind(redacted)
            .bind(approved_by)
            .bind(approved_by.map(|_| now()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A survey's question ids by key.
    pub async fn question_ids(&self, survey_id: &str) -> Result<BTreeMap<String, String>, DbError> {
        Ok(self.questions_of(survey_id).await?.1)
    }

    /// For each question key of a survey: its id, and its themes' ids by name.
    pub(super) async fn theme_ids(&self, survey_id: &str) -> Result<ThemeIds, DbError> {
        let rows = sqlx::query(
            "SELECT q.key, q.id AS question_id, t.id, t.name FROM questions q \
             LEFT JOIN themes t ON t.question_id = q.id WHERE q.survey_id = $1",
        )
        .bind(survey_id)
        .fetch_all(self.pool())
        .await?;
        let mut ids = ThemeIds::default();
        for row in &rows {
            let key: String = row.try_get("key")?;
            let entry = ids
                .entry(key)
                .or_insert_with(|| (String::new(), BTreeMap::new()));
            entry.0 = row.try_get("question_id")?;
            let (id, name): (Option<String>, Option<String>) =
                (row.try_get("id")?, row.try_get("name")?);
            if let (Some(id), Some(name)) = (id, name) {
                entry.1.insert(name, id);
            }
        }
        Ok(ids)
    }

    /// The themes (names) of every coded answer of a round in one pass, by
    /// (response id, question key).
    pub(super) async fn codings_of_round(
        &self,
        round_id: &str,
        pass: &str,
    ) -> Result<BTreeMap<(String, String), BTreeSet<String>>, DbError> {
        let rows = sqlx::query(
            "SELECT c.response_id, q.key, t.name FROM codings c \
             JOIN responses x ON x.id = c.response_id \
             JOIN questions q ON q.id = c.question_id \
             JOIN themes t ON t.id = c.theme_id \
             WHERE x.round_id = $1 AND c.pass = $2",
        )
        .bind(round_id)
        .bind(pass)
        .fetch_all(self.pool())
        .await?;
        let mut codings: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for row in &rows {
            codings
                .entry((row.try_get("response_id")?, row.try_get("key")?))
                .or_default()
                .insert(row.try_get("name")?);
        }
        Ok(codings)
    }
}

/// Question key -> (question id, theme name -> theme id).
pub(super) type ThemeIds = BTreeMap<String, (String, BTreeMap<String, String>)>;

/// Replaces the themes of one answer in one pass and records the change.
#[allow(clippy::too_many_arguments)]
pub(super) async fn write_coding(
    tx: &mut Tx<'_>,
    themes: &ThemeIds,
    response_id: &str,
    key: &str,
    pass: &str,
    names: &[String],
    who: &str,
    how: &str,
) -> Result<(), DbError> {
    let (question_id, ids) = themes
        .get(key)
        .ok_or_else(|| DbError::Corrupt(format!("coding for unknown question {key}")))?;
    let before: Vec<String> = sqlx::query(
        "SELECT t.name FROM codings c JOIN themes t ON t.id = c.theme_id \
         WHERE c.response_id = $1 AND c.question_id = $2 AND c.pass = $3 ORDER BY t.position",
    )
    .bind(response_id)
    .bind(question_id)
    .bind(pass)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| row.try_get("name"))
    .collect::<Result<_, _>>()?;
    sqlx::query("DELETE FROM codings WHERE response_id = $1 AND question_id = $2 AND pass = $3")
        .bind(response_id)
        .bind(question_id)
        .bind(pass)
        .execute(&mut **tx)
        .await?;
    for name in names {
        let theme_id = ids
            .get(name)
            .ok_or_else(|| DbError::Corrupt(format!("question {key} has no theme {name:?}")))?;
        sqlx::query(
            "INSERT INTO codings (response_id, round_id, question_id, pass, theme_id) \
             VALUES ($1, (SELECT round_id FROM responses WHERE id = $1), $2, $3, $4)",
        )
        .bind(response_id)
        .bind(question_id)
        .bind(pass)
        .bind(theme_id)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO coding_changes (id, response_id, question_id, pass, changed_by, changed_at, from_themes, to_themes, how, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM coding_changes WHERE response_id = $2 AND question_id = $3))",
    )
    .bind(new_id())
    .bind(response_id)
    .bind(question_id)
    .bind(pass)
    .bind(who)
    .bind(now())
    .bind(before.join("\n"))
    .bind(names.join("\n"))
    .bind(how)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
