//! Surveys: their questions, options and codebooks, stored and read back.

use super::{Db, DbError, Tx, new_id, now};
use crate::domain::rounds::SurveySummary;
use crate::domain::survey::{
    Codebook, CodingMode, Kind, Question, QuestionKind, Scale, Survey, Theme,
};
use sqlx::Row;
use std::collections::BTreeMap;

impl Db {
    pub async fn survey_count(&self) -> Result<i64, DbError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM surveys")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
    }

    /// Stores a new survey, all of it in one transaction. Returns its id.
    pub async fn create_survey(&self, survey: &Survey) -> Result<String, DbError> {
        let mut tx = self.pool().begin().await?;
        let survey_id = new_id();
        sqlx::query(
            "INSERT INTO surveys (id, slug, title, created_at, languages) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&survey_id)
        .bind(&survey.slug)
        .bind(&survey.title)
        .bind(now())
        .bind(languages_json(survey))
            .execute(&mut *tx)
            .await?;
        for (position, question) in survey.questions.iter().enumerate() {
            insert_question(&mut tx, &survey_id, position, question).await?;
        }
        tx.commit().await?;
        Ok(survey_id)
    }

    /// Replaces the stored survey `survey_id` with `survey` in one
    /// transaction: questions missing from it are deleted, the others
    /// updated in place (keeping their answers), new ones added. Whether
    /// that is allowed is for the caller (`use_cases::surveys`).
    pub async fn update_survey(&self, survey_id: &str, survey: &Survey) -> Result<(), DbError> {
        let (stored_questions, ids) = self.questions_of(survey_id).await?;
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE surveys SET title = $1, languages = $2, generation = generation + 1 WHERE id = $3",
        )
        .bind(&survey.title)
        .bind(languages_json(survey))
        .bind(survey_id)
            .execute(&mut *tx)
            .await?;
        for old in &stored_questions {
            if survey.question(&old.key).is_none() {
                sqlx::query("DELETE FROM questions WHERE id = $1")
                    .bind(&ids[&old.key])
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for (position, question) in survey.questions.iter().enumerate() {
            match ids.get(&question.key) {
                None => insert_question(&mut tx, survey_id, position, question).await?,
                Some(question_id) => {
                    sqlx::query(
                        "UPDATE questions SET position = $1, kind = $2, text = $3, about_you = $4, coding = $5 WHERE id = $6",
                    )
                    .bind(position as i64)
                    .bind(question.kind.as_str())
                    .bind(&question.text)
                    .bind(i64::from(question.about_you))
                    .bind(question.coding().as_str())
                    .bind(question_id)
                    .execute(&mut *tx)
                    .await?;
                    write_options_and_themes(&mut tx, question_id, question).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Themes that answers are coded with but `updated` no longer has, one
    /// message each: removing them would lose coding, so they must be merged.
    pub async fn coded_themes_removed(
        &self,
        survey_id: &str,
        updated: &Survey,
    ) -> Result<Vec<String>, DbError> {
        let rows = sqlx::query(
            "SELECT q.key, t.name, COUNT(*) AS n FROM codings c \
             JOIN themes t ON t.id = c.theme_id JOIN questions q ON q.id = t.question_id \
             WHERE q.survey_id = $1 GROUP BY q.key, t.name ORDER BY q.key, t.name",
        )
        .bind(survey_id)
        .fetch_all(self.pool())
        .await?;
        let mut problems = Vec::new();
        for row in &rows {
            let (key, name): (String, String) = (row.try_get("key")?, row.try_get("name")?);
            let kept = updated
                .question(&key)
                .is_some_and(|q| q.themes().iter().any(|t| t.name == name));
            if !kept {
                let n: i64 = row.try_get("n")?;
                problems.push(format!(
                    "question \"{key}\": theme \"{name}\" is used in {n} codings; merge it into another theme instead of removing it"
                ));
            }
        }
        Ok(problems)
    }

    /// For each question of a survey (by key), how many answers each
    /// option has (free-text answers counted under the empty text). Read
    /// off the counting index, round by round.
    pub async fn answered_values(
        &self,
        survey_id: &str,
    ) -> Result<BTreeMap<String, BTreeMap<String, i64>>, DbError> {
        let keys: BTreeMap<String, String> = self
            .question_ids(survey_id)
            .await?
            .into_iter()
            .map(|(key, id)| (id, key))
            .collect();
        let rows = sqlx::query(
            "SELECT a.question_id, COALESCE(a.choice, '') AS value, COUNT(*) AS n \
             FROM rounds r CROSS JOIN answers a \
             WHERE r.survey_id = $1 AND a.round_id = r.id \
             GROUP BY a.question_id, a.choice",
        )
        .bind(survey_id)
        .fetch_all(self.pool())
        .await?;
        let mut answered: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        for row in &rows {
            let question_id: String = row.try_get("question_id")?;
            let Some(key) = keys.get(&question_id) else {
                return Err(DbError::Corrupt(format!(
                    "answers to question {question_id}, not of survey {survey_id}"
                )));
            };
            *answered
                .entry(key.clone())
                .or_default()
                .entry(row.try_get("value")?)
                .or_default() += row.try_get::<i64, _>("n")?;
        }
        Ok(answered)
    }

    /// Every survey with its number of questions, by title.
    pub async fn survey_summaries(&self) -> Result<Vec<SurveySummary>, DbError> {
        let rows = sqlx::query(
            "SELECT s.slug, s.title, (SELECT COUNT(*) FROM questions q WHERE q.survey_id = s.id) AS questions \
             FROM surveys s ORDER BY s.title, s.slug",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SurveySummary {
                    slug: row.try_get("slug")?,
                    title: row.try_get("title")?,
                    questions: row.try_get("questions")?,
                })
            })
            .collect()
    }

    /// A survey by its slug, with its id.
    pub async fn survey_by_slug(&self, slug: &str) -> Result<Option<(String, Survey)>, DbError> {
        let Some(row) = sqlx::query("SELECT id, title, languages FROM surveys WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let survey_id: String = row.try_get("id")?;
        let (questions, _) = self.questions_of(&survey_id).await?;
        let survey = Survey {
            slug: slug.to_owned(),
            title: row.try_get("title")?,
            questions,
            languages: languages_of(&row)?,
        };
        Ok(Some((survey_id, survey)))
    }

    /// A survey's questions in order (with options, pictures and themes),
    /// and their database ids by key.
    pub(super) async fn questions_of(
        &self,
        survey_id: &str,
    ) -> Result<(Vec<Question>, BTreeMap<String, String>), DbError> {
        let rows = sqlx::query(
            "SELECT id, key, kind, text, about_you, coding FROM questions WHERE survey_id = $1 ORDER BY position",
        )
        .bind(survey_id)
        .fetch_all(self.pool())
        .await?;
        let option_rows = sqlx::query(
            "SELECT o.question_id, o.label, o.emoji FROM question_options o \
             JOIN questions q ON q.id = o.question_id \
             WHERE q.survey_id = $1 ORDER BY o.question_id, o.position",
        )
        .bind(survey_id)
        .fetch_all(self.pool())
        .await?;
        let theme_rows = sqlx::query(
            "SELECT t.question_id, t.name, t.description, t.keywords, t.colour FROM themes t \
             JOIN questions q ON q.id = t.question_id \
             WHERE q.survey_id = $1 ORDER BY t.question_id, t.position",
        )
        .bind(survey_id)
        .fetch_all(self.pool())
        .await?;
        let mut options: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for row in &option_rows {
            let (labels, emoji) = options.entry(row.try_get("question_id")?).or_default();
            labels.push(row.try_get("label")?);
            emoji.push(row.try_get("emoji")?);
        }
        let mut themes: BTreeMap<String, Vec<Theme>> = BTreeMap::new();
        for row in &theme_rows {
            let keywords: String = row.try_get("keywords")?;
            themes
                .entry(row.try_get("question_id")?)
                .or_default()
                .push(Theme {
                    colour: row.try_get("colour")?,
                    name: row.try_get("name")?,
                    description: row.try_get("description")?,
                    keywords: keywords
                        .lines()
                        .map(str::to_owned)
                        .filter(|k| !k.is_empty())
                        .collect(),
                });
        }
        let mut questions = Vec::with_capacity(rows.len());
        let mut ids = BTreeMap::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            let key: String = row.try_get("key")?;
            let kind: String = row.try_get("kind")?;
            let kind = QuestionKind::parse(&kind).ok_or_else(|| {
                DbError::Corrupt(format!("question {key} has unknown kind {kind:?}"))
            })?;
            let coding: String = row.try_get("coding")?;
            let coding = CodingMode::parse(&coding).ok_or_else(|| {
                DbError::Corrupt(format!("question {key} has unknown coding {coding:?}"))
            })?;
            let (labels, emoji) = options.remove(&id).unwrap_or_default();
            let kind = match kind {
                QuestionKind::Single => Kind::Single { options: labels },
                QuestionKind::Multi => Kind::Multi { options: labels },
                QuestionKind::Scale => {
                    Kind::Scale(Scale::new(labels, emoji).map_err(|problem| {
                        DbError::Corrupt(format!("scale question {key} has {problem}"))
                    })?)
                }
                QuestionKind::Text => Kind::Text(Codebook {
                    coding,
                    themes: themes.remove(&id).unwrap_or_default(),
                }),
            };
            questions.push(Question {
                key: key.clone(),
                text: row.try_get("text")?,
                about_you: row.try_get::<i64, _>("about_you")? != 0,
                kind,
            });
            ids.insert(key, id);
        }
        Ok((questions, ids))
    }
}

async fn insert_question(
    tx: &mut Tx<'_>,
    survey_id: &str,
    position: usize,
    question: &Question,
) -> Result<(), DbError> {
    let question_id = new_id();
    sqlx::query(
        "INSERT INTO questions (id, survey_id, position, key, kind, text, about_you, coding) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&question_id)
    .bind(survey_id)
    .bind(position as i64)
    .bind(&question.key)
    .bind(question.kind.as_str())
    .bind(&question.text)
    .bind(i64::from(question.about_you))
    .bind(question.coding().as_str())
    .execute(&mut **tx)
    .await?;
    write_options_and_themes(tx, &question_id, question).await
}

/// Rewrites a question's options, and brings its themes in line with the
/// file. Themes keep their ids when their names stay, so coding done against
/// them survives a re-import.
async fn write_options_and_themes(
    tx: &mut Tx<'_>,
    question_id: &str,
    question: &Question,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM question_options WHERE question_id = $1")
        .bind(question_id)
        .execute(&mut **tx)
        .await?;
    for (position, label) in question.options().iter().enumerate() {
        sqlx::query("INSERT INTO question_options (question_id, position, label, emoji) VALUES ($1, $2, $3, $4)")
            .bind(question_id)
            .bind(position as i64)
            .bind(label)
            .bind(question.emoji().get(position).map(String::as_str).unwrap_or_default())
            .execute(&mut **tx)
            .await?;
    }
    let rows = sqlx::query("SELECT id, name FROM themes WHERE question_id = $1")
        .bind(question_id)
        .fetch_all(&mut **tx)
        .await?;
    let mut stored: BTreeMap<String, String> = BTreeMap::new();
    for row in &rows {
        stored.insert(row.try_get("name")?, row.try_get("id")?);
    }
    for (name, id) in &stored {
        if !question.themes().iter().any(|t| &t.name == name) {
            sqlx::query("DELETE FROM themes WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    for (position, theme) in question.themes().iter().enumerate() {
        let keywords = theme.keywords.join("\n");
        match stored.get(&theme.name) {
            Some(id) => {
                sqlx::query("UPDATE themes SET position = $1, description = $2, keywords = $3, colour = $4 WHERE id = $5")
                    .bind(position as i64)
                    .bind(&theme.description)
                    .bind(&keywords)
                    .bind(&theme.colour)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO themes (id, question_id, position, name, description, keywords, colour) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(new_id())
                .bind(question_id)
                .bind(position as i64)
                .bind(&theme.name)
                .bind(&theme.description)
                .bind(&keywords)
                .bind(&theme.colour)
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(())
}

/// A survey's languages as stored (see the migration `..._survey_languages`).
fn languages_json(survey: &Survey) -> String {
    serde_json::to_string(&survey.languages).expect("languages always serialise")
}

/// The languages of a survey row read with its `languages` column.
pub(super) fn languages_of(
    row: &sqlx::any::AnyRow,
) -> Result<crate::domain::languages::Languages, DbError> {
    let json: String = row.try_get("languages")?;
    serde_json::from_str(&json)
        .map_err(|e| DbError::Corrupt(format!("a survey's stored languages: {e}")))
}
