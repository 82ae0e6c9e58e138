//! Imported responses, coding (with its history) and what reports read.

use super::{Db, DbError, IdRun, new_id, now, start_of_day};
use crate::domain::coding::{AnswerToCode, CodingChange, Pass, QuoteState};
use crate::domain::imports::{CodeRow, Problem, ResponseRow as ResponseFileRow};
use crate::domain::join_code::JoinCode;
use crate::domain::qdpx::{Project, ProjectResponse, ProjectRound, project};
use crate::domain::report::{Disclosure, ResponseRow};
use crate::domain::safeguarding::Concern;
use crate::domain::survey::Survey;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A survey's round, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundRef {
    pub round_id: String,
    pub name: String,
}

/// Rows are read and checked this many at a time (and progress reported).
const BATCH_ROWS: usize = 200;

/// At most this many values go in one INSERT. sqlx's SQLite driver looks
/// up each parameter's name with a scan over all of the statement's
/// parameters, so the cost per value grows with the statement: 800 values
/// a statement spent more time there than SQLite spent storing (measured
/// with perf on a 500,000-row import). A hundred or so keeps that small
/// and the number of statements reasonable on both databases.
const VALUES_PER_STATEMENT: usize = 120;

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Inserts `rows` (each `width` values) into `table (columns)`, in batches.
async fn insert_many(
    tx: &mut Tx<'_>,
    table: &str,
    columns: &str,
    width: usize,
    rows: Vec<Vec<Value>>,
) -> Result<(), DbError> {
    let per_statement = (VALUES_PER_STATEMENT / width).max(1);
    // The statement for a full batch is built once; only the last, shorter
    // batch needs one of its own.
    let mut sql_for: Option<(usize, String)> = None;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<Vec<Value>> = rows.by_ref().take(per_statement).collect();
        let sql = match &sql_for {
            Some((n, sql)) if *n == batch.len() => sql.clone(),
            _ => {
                let sql = insert_sql(table, columns, width, batch.len());
                sql_for = Some((batch.len(), sql.clone()));
                sql
            }
        };
        let mut query = sqlx::query(&sql);
        for value in batch.into_iter().flatten() {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Int(n) => query.bind(n),
                Value::Optional(text) => query.bind(text),
            };
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `INSERT INTO table (columns) VALUES ($1, $2), ($3, $4), ...`.
fn insert_sql(table: &str, columns: &str, width: usize, rows: usize) -> String {
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let values: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", values.join(","))
        })
        .collect();
    format!(
        "INSERT INTO {table} ({columns}) VALUES {}",
        tuples.join(",")
    )
}

/// A value for [`insert_many`].
enum Value {
    Text(String),
    Int(i64),
    /// Text or NULL.
    Optional(Option<String>),
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
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
        let row = sqlx::query("SELECT min_cell, min_answers FROM surveys WHERE id = $1")
            .bind(survey_id)
            .fetch_one(self.pool())
            .await?;
        Ok(Disclosure {
            min_cell: row.try_get("min_cell")?,
            min_answers: row.try_get("min_answers")?,
        })
    }

    /// Sets a survey's disclosure thresholds.
    pub async fn set_disclosure(
        &self,
        survey_id: &str,
        disclosure: Disclosure,
    ) -> Result<(), DbError> {
        sqlx::query("UPDATE surveys SET min_cell = $1, min_answers = $2 WHERE id = $3")
            .bind(disclosure.min_cell)
            .bind(disclosure.min_answers)
            .bind(survey_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The respondent ids a round already holds, each with its answers'
    /// fingerprint (see `domain::imports::new_rows`).
    pub async fn respondent_fingerprints(
        &self,
        round_id: &str,
    ) -> Result<HashMap<String, String>, DbError> {
        let rows = sqlx::query(
            "SELECT respondent, fingerprint FROM responses WHERE round_id = $1 AND respondent IS NOT NULL",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("respondent")?, row.try_get("fingerprint")?)))
            .collect()
    }

    /// Stores imported rows in `round`, or in a new closed round named
    /// `round_name` when `round` is `None`, in one transaction. `concerns`
    /// holds each row's safeguarding concerns. `progress` is told, after each
    /// batch, how many rows are stored and of how many.
    #[allow(clippy::too_many_arguments)]
    pub async fn store_imported_responses(
        &self,
        survey_id: &str,
        round: Option<RoundRef>,
        round_name: &str,
        new_rows: &[&ResponseFileRow],
        concerns: &[Vec<Concern>],
        fresh_code: impl FnOnce() -> JoinCode,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(), DbError> {
        let (_, question_ids) = self.questions_of(survey_id).await?;
        let mut conn = self.pool().acquire().await?;
        let sqlite = self.is_sqlite();
        if sqlite {
            // A bigger page cache for this connection while it writes: with
            // the default 2 MB SQLite re-read index pages all through a
            // large import. Set back afterwards, whatever happened, because
            // the connection goes back to the pool.
            sqlx::query("PRAGMA cache_size = -262144")
                .execute(&mut *conn)
                .await?;
        }
        let written = async {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            let round_id = match round {
                Some(round) => round.round_id,
                None => {
                    let round_id = new_id();
                    sqlx::query(
                        "INSERT INTO rounds (id, survey_id, name, join_code, is_open, created_at, seq) VALUES ($1, $2, $3, $4, 0, $5, \
                         (SELECT COALESCE(MAX(seq), 0) + 1 FROM rounds WHERE survey_id = $2))",
                    )
                    .bind(&round_id)
                    .bind(survey_id)
                    .bind(round_name)
                    .bind(fresh_code().as_str())
                    .bind(now())
                    .execute(&mut *tx)
                    .await?;
                    round_id
                }
            };
            let today = start_of_day(now());
            let mut response_ids = IdRun::new();
            let mut client_ids = IdRun::new();
            let mut done = 0;
            for (rows, concerns) in new_rows.chunks(BATCH_ROWS).zip(concerns.chunks(BATCH_ROWS)) {
                let mut responses = Vec::with_capacity(rows.len());
                let mut answers = Vec::new();
                let mut flags = Vec::new();
                for (row, concerns) in rows.iter().zip(concerns) {
                    let response_id = response_ids.next_id();
                    responses.push(vec![
                        Value::from(response_id.as_str()),
                        Value::from(round_id.as_str()),
                        Value::from(client_ids.next_id()),
                        Value::from(row.answers.fingerprint()),
                        Value::from(today),
                        Value::Optional(row.respondent.clone()),
                    ]);
                    for (key, values) in row.answers.iter() {
                        let question_id = question_ids.get(key).ok_or_else(|| {
                            DbError::Corrupt(format!("answer to unknown question {key}"))
                        })?;
                        for (position, value) in values.iter().enumerate() {
                            answers.push(vec![
                                Value::from(response_id.as_str()),
                                Value::from(question_id.as_str()),
                                Value::from(position as i64),
                                Value::from(value.as_str()),
                            ]);
                        }
                    }
                    if !concerns.is_empty() {
                        let lines: Vec<String> = concerns
                            .iter()
                            .map(|c| format!("{}\t{}", c.question, c.words))
                            .collect();
                        flags.push(vec![
                            Value::from(response_id.as_str()),
                            Value::from(lines.join("\n")),
                            Value::from(today),
                        ]);
                    }
                }
                insert_many(
                    &mut tx,
                    "responses",
                    "id, round_id, client_id, fingerprint, submitted_on, respondent",
                    6,
                    responses,
                )
                .await?;
                insert_many(
                    &mut tx,
                    "answers",
                    "response_id, question_id, position, value",
                    4,
                    answers,
                )
                .await?;
                insert_many(
                    &mut tx,
                    "safeguarding_flags",
                    "response_id, concerns, raised_on",
                    3,
                    flags,
                )
                .await?;
                done += rows.len();
                progress(done, new_rows.len());
            }
            tx.commit().await?;
            Ok::<(), DbError>(())
        }
        .await;
        if sqlite {
            sqlx::query("PRAGMA cache_size = -2000")
                .execute(&mut *conn)
                .await?;
        }
        written
    }

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

    /// A round's responses as reports count them: answers by question key
    /// and the main coding's theme names.
    pub async fn report_rows(&self, round_id: &str) -> Result<Vec<ResponseRow>, DbError> {
        Ok(self
            .report_rows_with_ids(round_id)
            .await?
            .into_iter()
            .map(|(_, row)| row)
            .collect())
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

    /// Stores codes done elsewhere (checked against the codebook already)
    /// as the main coding of round `round_id`, all or nothing. Each answer
    /// named in the file gets exactly the file's themes; the change is
    /// recorded in its history as an import by `who`. Returns how many
    /// answers' coding changed.
    pub async fn import_codes(
        &self,
        survey_id: &str,
        round: &RoundRef,
        rows: &[CodeRow],
        who: &str,
    ) -> Result<Result<usize, Vec<Problem>>, DbError> {
        let respondents: HashMap<String, String> = sqlx::query(
            "SELECT respondent, id FROM responses WHERE round_id = $1 AND respondent IS NOT NULL",
        )
        .bind(&round.round_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| Ok((row.try_get("respondent")?, row.try_get("id")?)))
        .collect::<Result<_, DbError>>()?;
        let problems: Vec<Problem> = rows
            .iter()
            .filter(|row| !respondents.contains_key(&row.respondent))
            .map(|row| Problem {
                line: row.line,
                column: Some("respondent".to_owned()),
                reason: format!(
                    "round \"{}\" has no response from respondent \"{}\"",
                    round.name, row.respondent
                ),
            })
            .collect();
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let themes = self.theme_ids(survey_id).await?;
        let mut wanted: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for row in rows {
            wanted
                .entry((respondents[&row.respondent].clone(), row.question.clone()))
                .or_default()
                .insert(row.theme.clone());
        }
        let current = self.codings_of_round(&round.round_id, "main").await?;
        let mut tx = self.pool().begin().await?;
        let mut changed = 0;
        for ((response_id, key), names) in &wanted {
            let before = current
                .get(&(response_id.clone(), key.clone()))
                .cloned()
                .unwrap_or_default();
            if before == *names {
                continue;
            }
            let names: Vec<String> = names.iter().cloned().collect();
            write_coding(
                &mut tx,
                &themes,
                response_id,
                key,
                "main",
                &names,
                who,
                "import",
            )
            .await?;
            changed += 1;
        }
        tx.commit().await?;
        Ok(Ok(changed))
    }

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
             WHERE x.round_id = $1 AND a.question_id = $2 \
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
        let attributes = sqlx::query(
            "SELECT a.response_id, a.question_id, a.value FROM answers a \
             JOIN responses x ON x.id = a.response_id WHERE x.round_id = $1 AND a.position = 0",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
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
             JOIN responses x ON x.id = c.response_id \
             WHERE x.round_id = $1 AND c.question_id = $2 AND c.pass = $3 ORDER BY t.position",
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
    async fn theme_ids(&self, survey_id: &str) -> Result<ThemeIds, DbError> {
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
    async fn codings_of_round(
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
type ThemeIds = BTreeMap<String, (String, BTreeMap<String, String>)>;

/// Replaces the themes of one answer in one pass and records the change.
#[allow(clippy::too_many_arguments)]
async fn write_coding(
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
        sqlx::query("INSERT INTO codings (response_id, question_id, pass, theme_id) VALUES ($1, $2, $3, $4)")
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
