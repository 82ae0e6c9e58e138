//! Changing a question's codebook while coding: adding, editing, renaming,
//! reordering and merging themes. Codings point at theme ids, so a renamed
//! theme keeps its answers and every round's reports follow the new name.

use super::{Db, DbError, new_id, now};
use sqlx::Row;

/// What a codebook change found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodebookChange {
    Done,
    /// The theme named does not exist.
    NoSuchTheme,
    /// Another theme already has the new name.
    NameTaken,
}

impl Db {
    /// A question's theme ids (UUIDs, used as REFI-QDA guids) by name.
    pub async fn theme_guids(
        &self,
        survey_id: &str,
        key: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, DbError> {
        let rows = sqlx::query(
            "SELECT t.id, t.name FROM themes t JOIN questions q ON q.id = t.question_id \
             WHERE q.survey_id = $1 AND q.key = $2",
        )
        .bind(survey_id)
        .bind(key)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("id")?)))
            .collect()
    }

    async fn theme_id(&self, question_id: &str, name: &str) -> Result<Option<String>, DbError> {
        let row = sqlx::query("SELECT id FROM themes WHERE question_id = $1 AND name = $2")
            .bind(question_id)
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    /// Adds a theme at the end of a question's codebook.
    pub async fn add_theme(
        &self,
        question_id: &str,
        name: &str,
        description: &str,
    ) -> Result<CodebookChange, DbError> {
        if self.theme_id(question_id, name).await?.is_some() {
            return Ok(CodebookChange::NameTaken);
        }
        sqlx::query(
            "INSERT INTO themes (id, question_id, position, name, description, keywords) \
             VALUES ($1, $2, (SELECT COALESCE(MAX(position), -1) + 1 FROM themes WHERE question_id = $2), $3, $4, '')",
        )
        .bind(new_id())
        .bind(question_id)
        .bind(name)
        .bind(description)
        .execute(self.pool())
        .await?;
        Ok(CodebookChange::Done)
    }

    /// Sets a theme's description, keywords (one per entry) and colour.
    pub async fn edit_theme(
        &self,
        question_id: &str,
        name: &str,
        description: &str,
        keywords: &[String],
        colour: &str,
    ) -> Result<CodebookChange, DbError> {
        let done = sqlx::query("UPDATE themes SET description = $1, keywords = $2, colour = $3 WHERE question_id = $4 AND name = $5")
            .bind(description)
            .bind(keywords.join("\n"))
            .bind(colour)
            .bind(question_id)
            .bind(name)
            .execute(self.pool())
            .await?;
        Ok(if done.rows_affected() == 1 {
            CodebookChange::Done
        } else {
            CodebookChange::NoSuchTheme
        })
    }

    /// Renames a theme; its codings stay with it.
    pub async fn rename_theme(
        &self,
        question_id: &str,
        old: &str,
        new: &str,
    ) -> Result<CodebookChange, DbError> {
        if self.theme_id(question_id, new).await?.is_some() {
            return Ok(CodebookChange::NameTaken);
        }
        let done = sqlx::query("UPDATE themes SET name = $1 WHERE question_id = $2 AND name = $3")
            .bind(new)
            .bind(question_id)
            .bind(old)
            .execute(self.pool())
            .await?;
        Ok(if done.rows_affected() == 1 {
            CodebookChange::Done
        } else {
            CodebookChange::NoSuchTheme
        })
    }

    /// Moves a theme one place up or down the codebook.
    pub async fn move_theme(
        &self,
        question_id: &str,
        name: &str,
        up: bool,
    ) -> Result<CodebookChange, DbError> {
        let rows =
            sqlx::query("SELECT id, name FROM themes WHERE question_id = $1 ORDER BY position")
                .bind(question_id)
                .fetch_all(self.pool())
                .await?;
        let mut ids: Vec<(String, String)> = rows
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let Some(at) = ids.iter().position(|(_, n)| n == name) else {
            return Ok(CodebookChange::NoSuchTheme);
        };
        let to = if up {
            at.checked_sub(1)
        } else {
            (at + 1 < ids.len()).then_some(at + 1)
        };
        if let Some(to) = to {
            ids.swap(at, to);
        }
        let mut tx = self.pool().begin().await?;
        for (position, (id, _)) in ids.iter().enumerate() {
            sqlx::query("UPDATE themes SET position = $1 WHERE id = $2")
                .bind(position as i64)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(CodebookChange::Done)
    }

    /// Merges theme `from` into `into`: every answer coded `from` (in any
    /// round and pass) is coded `into` instead, each change recorded in the
    /// answer's history, its keywords added to `into`'s, the old name kept
    /// in `theme_merges`, and `from` removed. Returns the change and how many answers moved.
    pub async fn merge_themes(
        &self,
        question_id: &str,
        from: &str,
        into: &str,
        who: &str,
    ) -> Result<(CodebookChange, usize), DbError> {
        let (Some(from_id), Some(into_id)) = (
            self.theme_id(question_id, from).await?,
            self.theme_id(question_id, into).await?,
        ) else {
            return Ok((CodebookChange::NoSuchTheme, 0));
        };
        if from_id == into_id {
            return Ok((CodebookChange::NameTaken, 0));
        }
        let mut tx = self.pool().begin().await?;
        let coded = sqlx::query(
            "SELECT response_id, pass FROM codings WHERE question_id = $1 AND theme_id = $2",
        )
        .bind(question_id)
        .bind(&from_id)
        .fetch_all(&mut *tx)
        .await?;
        for row in &coded {
            let (response_id, pass): (String, String) =
                (row.try_get("response_id")?, row.try_get("pass")?);
            let before: Vec<String> = sqlx::query(
                "SELECT t.name FROM codings c JOIN themes t ON t.id = c.theme_id \
                 WHERE c.response_id = $1 AND c.question_id = $2 AND c.pass = $3 ORDER BY t.position",
            )
            .bind(&response_id)
            .bind(question_id)
            .bind(&pass)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("name"))
            .collect::<Result<_, _>>()?;
            sqlx::query("DELETE FROM codings WHERE response_id = $1 AND question_id = $2 AND pass = $3 AND theme_id = $4")
                .bind(&response_id)
                .bind(question_id)
                .bind(&pass)
                .bind(&from_id)
                .execute(&mut *tx)
                .await?;
            let mut after: Vec<String> = before.iter().filter(|n| *n != from).cloned().collect();
            if !after.iter().any(|n| n == into) {
                sqlx::query(
                    "INSERT INTO codings (response_id, round_id, question_id, pass, theme_id) \
                     VALUES ($1, (SELECT round_id FROM responses WHERE id = $1), $2, $3, $4)",
                )
                .bind(&response_id)
                .bind(question_id)
                .bind(&pass)
                .bind(&into_id)
                .execute(&mut *tx)
                .await?;
                after.push(into.to_owned());
            }
            sqlx::query(
                "INSERT INTO coding_changes (id, response_id, question_id, pass, changed_by, changed_at, from_themes, to_themes, how, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'merge', \
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM coding_changes WHERE response_id = $2 AND question_id = $3))",
            )
            .bind(new_id())
            .bind(&response_id)
            .bind(question_id)
            .bind(&pass)
            .bind(who)
            .bind(now())
            .bind(before.join("\n"))
            .bind(after.join("\n"))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE rounds SET counted_generation = counted_generation + 1 \
             WHERE survey_id = (SELECT survey_id FROM questions WHERE id = $1)",
        )
        .bind(question_id)
        .execute(&mut *tx)
        .await?;
        // The merged theme's keywords now suggest the theme it joined.
        let keywords = sqlx::query("SELECT id, keywords FROM themes WHERE id = $1 OR id = $2")
            .bind(&from_id)
            .bind(&into_id)
            .fetch_all(&mut *tx)
            .await?;
        let mut merged: Vec<String> = Vec::new();
        for id in [&into_id, &from_id] {
            for row in keywords
                .iter()
                .filter(|r| r.try_get::<String, _>("id").is_ok_and(|i| &i == id))
            {
                let text: String = row.try_get("keywords")?;
                for keyword in text.lines().filter(|k| !k.is_empty()) {
                    if !merged.iter().any(|m| m == keyword) {
                        merged.push(keyword.to_owned());
                    }
                }
            }
        }
        sqlx::query("UPDATE themes SET keywords = $1 WHERE id = $2")
            .bind(merged.join("\n"))
            .bind(&into_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM theme_merges WHERE question_id = $1 AND old_name = $2")
            .bind(question_id)
            .bind(from)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO theme_merges (question_id, old_name, new_name, merged_at) VALUES ($1, $2, $3, $4)")
            .bind(question_id)
            .bind(from)
            .bind(into)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM themes WHERE id = $1")
            .bind(&from_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((CodebookChange::Done, coded.len()))
    }
}
