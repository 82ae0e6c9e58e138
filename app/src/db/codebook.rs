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
        // On PostgreSQL the merged theme's row is locked first: a coding
        // that gives it to an answer meanwhile waits, then fails on the
        // theme gone, instead of landing between the statements below and
        // being deleted with no history. (SQLite writes one transaction
        // at a time.)
        if !self.is_sqlite() {
            sqlx::query("SELECT id FROM themes WHERE id = $1 FOR UPDATE")
                .bind(&from_id)
                .fetch_all(&mut *tx)
                .await?;
        }
        // Every answer coded `from`, in any pass, with all its themes in
        // that pass: what each one's history records. Then a handful of
        // statements for all of them, however many (four per answer took
        // minutes for a theme of a national round).
        let rows = sqlx::query(
            "SELECT c.response_id, c.pass, t.name FROM codings f \
             JOIN codings c ON c.response_id = f.response_id AND c.question_id = f.question_id \
                  AND c.pass = f.pass \
             JOIN themes t ON t.id = c.theme_id \
             WHERE f.question_id = $1 AND f.theme_id = $2 \
             ORDER BY c.response_id, c.pass, t.position",
        )
        .bind(question_id)
        .bind(&from_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut coded: Vec<(String, String, Vec<String>)> = Vec::new();
        for row in &rows {
            let (response_id, pass): (String, String) =
                (row.try_get("response_id")?, row.try_get("pass")?);
            let name: String = row.try_get("name")?;
            match coded.last_mut() {
                Some((r, p, names)) if *r == response_id && *p == pass => names.push(name),
                _ => coded.push((response_id, pass, vec![name])),
            }
        }
        sqlx::query(
            "INSERT INTO codings (response_id, round_id, question_id, pass, theme_id) \
             SELECT f.response_id, f.round_id, f.question_id, f.pass, $3 FROM codings f \
             WHERE f.question_id = $1 AND f.theme_id = $2 AND NOT EXISTS (SELECT 1 FROM codings g \
                   WHERE g.response_id = f.response_id AND g.question_id = f.question_id \
                   AND g.pass = f.pass AND g.theme_id = $3)",
        )
        .bind(question_id)
        .bind(&from_id)
        .bind(&into_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM codings WHERE question_id = $1 AND theme_id = $2")
            .bind(question_id)
            .bind(&from_id)
            .execute(&mut *tx)
            .await?;
        // The history: one change per answer, numbered after its last.
        const ROWS_A_STATEMENT: usize = 40;
        let at = now();
        for chunk in coded.chunks(ROWS_A_STATEMENT) {
            // An answer coded `from` in both passes has two changes here,
            // which the subquery would both number after the same last.
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p = |n: usize| format!("${}", 4 + i * 6 + n);
                    let earlier_here = chunk[..i].iter().filter(|c| c.0 == chunk[i].0).count();
                    format!(
                        "({}, {}, $1, {}, $2, $3, {}, {}, 'merge', \
                         (SELECT COALESCE(MAX(seq), 0) + {} FROM coding_changes \
                          WHERE response_id = {} AND question_id = $1))",
                        p(0),
                        p(1),
                        p(2),
                        p(3),
                        p(4),
                        1 + earlier_here,
                        p(5)
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO coding_changes (id, response_id, question_id, pass, changed_by, changed_at, \
                 from_themes, to_themes, how, seq) VALUES {}",
                values.join(", ")
            );
            let mut insert = sqlx::query(&sql).bind(question_id).bind(who).bind(at);
            for (response_id, pass, before) in chunk {
                let mut after: Vec<&str> = before
                    .iter()
                    .map(String::as_str)
                    .filter(|n| *n != from)
                    .collect();
                if !after.contains(&into) {
                    after.push(into);
                }
                insert = insert
                    .bind(new_id())
                    .bind(response_id.as_str())
                    .bind(pass.as_str())
                    .bind(before.join("\n"))
                    .bind(after.join("\n"))
                    .bind(response_id.as_str());
            }
            insert.execute(&mut *tx).await?;
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
