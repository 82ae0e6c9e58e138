//! Storing imported responses and codes in bulk, each import in one
//! transaction. Which rows to store is decided before this (see
//! `use_cases::imports`).

use super::coding::write_codings;
use super::{Db, DbError, IdRun, RoundRef, Tx, new_id, now, start_of_day};
use crate::domain::coding::{How, Pass};
use crate::domain::imports::{ResponseRow as ResponseFileRow, ThemesByAnswer};
use crate::domain::join_code::JoinCode;
use crate::domain::safeguarding::Concern;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// Rows are read and checked this many at a time (and progress reported).
const BATCH_ROWS: usize = 200;

/// Inserts `rows` (each `width` values) into `table (columns)` with one
/// statement and one parameter: the rows as a JSON array of arrays,
/// taken apart by the database (`json_each` on SQLite,
/// `json_array_elements` on PostgreSQL). Many rows a statement cost
/// sqlx's SQLite driver more in binding (a scan over every parameter's
/// name for each value) than SQLite spent storing them; one parameter
/// costs nothing to bind, and the statement is the same for every batch.
async fn insert_many(
    tx: &mut Tx<'_>,
    sqlite: bool,
    table: &str,
    columns: &str,
    width: usize,
    rows: Vec<Vec<Value>>,
) -> Result<(), DbError> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    // Each value taken out of its row as text, or as a number where the
    // column holds one.
    let values: Vec<String> = (0..width)
        .map(|i| match (sqlite, &first[i]) {
            (true, _) => format!("value ->> {i}"),
            (false, Value::Int(_)) => format!("CAST(x ->> {i} AS BIGINT)"),
            (false, _) => format!("x ->> {i}"),
        })
        .collect();
    let sql = if sqlite {
        format!(
            "INSERT INTO {table} ({columns}) SELECT {} FROM json_each($1)",
            values.join(", ")
        )
    } else {
        format!(
            "INSERT INTO {table} ({columns}) SELECT {} FROM json_array_elements(CAST($1 AS JSON)) x",
            values.join(", ")
        )
    };
    let json: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|value| match value {
                    Value::Text(text) | Value::Optional(Some(text)) => text.into(),
                    Value::Int(n) => n.into(),
                    Value::Optional(None) => serde_json::Value::Null,
                })
                .collect()
        })
        .collect();
    sqlx::query(&sql)
        .bind(serde_json::Value::Array(json).to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
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
        let (questions, question_ids) = self.questions_of(survey_id).await?;
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
            let mut answered = super::progress::CountChanges::new();
            for (rows, concerns) in new_rows.chunks(BATCH_ROWS).zip(concerns.chunks(BATCH_ROWS)) {
                let mut responses = Vec::with_capacity(rows.len());
                let mut answers = Vec::new();
                let mut flags = Vec::new();
                let mut concern_rows = Vec::new();
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
                        let is_choice = questions
                            .iter()
                            .any(|q| q.key == key && q.kind.has_options());
                        if !values.is_empty() {
                            let key = (
                                round_id.clone(),
                                question_id.clone(),
                                super::progress::Counted::Answered,
                            );
                            *answered.entry(key).or_default() += 1;
                        }
                        for (position, value) in values.iter().enumerate() {
                            answers.push(vec![
                                Value::from(response_id.as_str()),
                                Value::from(round_id.as_str()),
                                Value::from(question_id.as_str()),
                                Value::from(position as i64),
                                Value::from(value.as_str()),
                                if is_choice {
                                    Value::from(value.as_str())
                                } else {
                                    Value::Optional(None)
                                },
                            ]);
                        }
                    }
                    if !concerns.is_empty() {
                        flags.push(vec![
                            Value::from(response_id.as_str()),
                            Value::from(""),
                            Value::from(today),
                        ]);
                    }
                    for (position, concern) in concerns.iter().enumerate() {
                        concern_rows.push(vec![
                            Value::from(response_id.as_str()),
                            Value::from(position as i64),
                            Value::from(concern.question.as_str()),
                            Value::from(concern.words.as_str()),
                            Value::from(concern.reason.as_str()),
                        ]);
                    }
                }
                insert_many(
                    &mut tx,
                    sqlite,
                    "responses",
                    "id, round_id, client_id, fingerprint, submitted_on, respondent",
                    6,
                    responses,
                )
                .await?;
                insert_many(
                    &mut tx,
                    sqlite,
                    "answers",
                    "response_id, round_id, question_id, position, value, choice",
                    6,
                    answers,
                )
                .await?;
                insert_many(
                    &mut tx,
                    sqlite,
                    "safeguarding_flags",
                    "response_id, concerns, raised_on",
                    3,
                    flags,
                )
                .await?;
                insert_many(
                    &mut tx,
                    sqlite,
                    "safeguarding_concerns",
                    "response_id, position, question_key, words, reason",
                    5,
                    concern_rows,
                )
                .await?;
                done += rows.len();
                progress(done, new_rows.len());
            }
            super::progress::add_to_counts(&mut tx, &answered, 0).await?;
            let added = BTreeMap::from([(round_id.clone(), done as i64)]);
            super::progress::add_to_responses(&mut tx, &added, 0).await?;
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

    /// The round's responses that came with a respondent id, by that id.
    pub async fn response_ids_by_respondent(
        &self,
        round_id: &str,
    ) -> Result<HashMap<String, String>, DbError> {
        sqlx::query(
            "SELECT respondent, id FROM responses WHERE round_id = $1 AND respondent IS NOT NULL",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| Ok((row.try_get("respondent")?, row.try_get("id")?)))
        .collect()
    }

    /// The answers a round holds, as (response id, question key).
    pub async fn answers_held(
        &self,
        round_id: &str,
    ) -> Result<std::collections::HashSet<(String, String)>, DbError> {
        sqlx::query(
            "SELECT a.response_id, q.key FROM answers a JOIN questions q ON q.id = a.question_id \
             WHERE a.round_id = $1 AND a.position = 0",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| Ok((row.try_get("response_id")?, row.try_get("key")?)))
        .collect()
    }

    /// Gives each answer named in `wanted` (response id and question key)
    /// exactly those themes as its main coding, in one transaction, each
    /// change recorded in the answer's history as an import by `who`.
    /// Returns how many answers' coding changed.
    pub async fn store_imported_codes(
        &self,
        survey_id: &str,
        round_id: &str,
        wanted: &ThemesByAnswer,
        who: &str,
    ) -> Result<usize, DbError> {
        let themes = self.theme_ids(survey_id).await?;
        let current = self.codings_of_round(round_id, "main").await?;
        let mut tx = self.pool().begin().await?;
        // The changed answers, by question.
        let mut changed: BTreeMap<&str, Vec<(String, Vec<String>)>> = BTreeMap::new();
        for ((response_id, key), names) in wanted {
            let before = current
                .get(&(response_id.clone(), key.clone()))
                .cloned()
                .unwrap_or_default();
            if before != *names {
                let names: Vec<String> = names.iter().cloned().collect();
                changed
                    .entry(key.as_str())
                    .or_default()
                    .push((response_id.clone(), names));
            }
        }
        let mut counts = super::progress::CountChanges::new();
        for (key, coded) in &changed {
            let how = How::Import.as_str();
            write_codings(
                &mut tx,
                &mut counts,
                &themes,
                key,
                Pass::Main,
                coded,
                who,
                how,
            )
            .await?;
        }
        // After every question's codings, before the round's row.
        super::progress::add_to_counts(&mut tx, &counts, 0).await?;
        let changed: usize = changed.values().map(Vec::len).sum();
        if changed > 0 {
            super::tallies::recount_round(&mut tx, round_id).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}
