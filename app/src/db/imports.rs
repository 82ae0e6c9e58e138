//! Storing imported responses and codes in bulk, each import in one
//! transaction. Which rows to store is decided before this (see
//! `use_cases::imports`).

use super::coding::write_codings;
use super::{Db, DbError, IdRun, RoundRef, new_id, now, start_of_day};
use crate::domain::coding::{How, Pass};
use crate::domain::imports::{ResponseRow as ResponseFileRow, ThemesByAnswer};
use crate::domain::join_code::JoinCode;
use crate::domain::safeguarding::Concern;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// Rows are stored this many at a time (and progress reported).
const BATCH_ROWS: usize = 200;

/// Batches prepared ahead of the one being stored.
const BATCHES_AHEAD: usize = 4;

/// A table's columns for [`insert_json`], each with whether it holds a
/// number (PostgreSQL reads every JSON value as text unless told).
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, bool)],
}

const RESPONSES: Table = Table {
    name: "responses",
    columns: &[
        ("id", false),
        ("round_id", false),
        ("client_id", false),
        ("fingerprint", false),
        ("submitted_on", true),
        ("respondent", false),
    ],
};

const ANSWERS: Table = Table {
    name: "answers",
    columns: &[
        ("response_id", false),
        ("round_id", false),
        ("question_id", false),
        ("position", true),
        ("value", false),
        ("choice", false),
    ],
};

const FLAGS: Table = Table {
    name: "safeguarding_flags",
    columns: &[
        ("response_id", false),
        ("concerns", false),
        ("raised_on", true),
    ],
};

const CONCERNS: Table = Table {
    name: "safeguarding_concerns",
    columns: &[
        ("response_id", false),
        ("position", true),
        ("question_key", false),
        ("words", false),
        ("reason", false),
    ],
};

impl Table {
    /// One statement that inserts every row of a JSON array of arrays,
    /// taken apart by the database (`json_each` on SQLite,
    /// `json_array_elements` on PostgreSQL). Many rows a statement as
    /// `$n` parameters cost sqlx's SQLite driver more in binding (a scan
    /// over every parameter's name for each value) than SQLite spent
    /// storing them; one parameter costs nothing to bind, and the
    /// statement is the same for every batch.
    fn insert_sql(&self, sqlite: bool) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(name, _)| *name).collect();
        let values: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, number))| match (sqlite, number) {
                (true, _) => format!("value ->> {i}"),
                (false, true) => format!("CAST(x ->> {i} AS BIGINT)"),
                (false, false) => format!("x ->> {i}"),
            })
            .collect();
        if sqlite {
            format!(
                "INSERT INTO {} ({}) SELECT {} FROM json_each($1)",
                self.name,
                names.join(", "),
                values.join(", ")
            )
        } else {
            format!(
                "INSERT INTO {} ({}) SELECT {} FROM json_array_elements(CAST($1 AS JSON)) x",
                self.name,
                names.join(", "),
                values.join(", ")
            )
        }
    }
}

/// A batch of imported rows, ready to store: each table's rows as one
/// JSON array of arrays (see [`Table::insert_sql`]), `None` for none.
struct PreparedBatch {
    rows: usize,
    responses: String,
    answers: String,
    flags: Option<String>,
    concerns: Option<String>,
}

/// What the writer is sent: batches, then `Finish` with what the import
/// adds to the kept counts. Only `Finish` commits: a writer whose channel
/// closes without it (the import failed or was abandoned) rolls back.
enum ToWriter {
    Batch(PreparedBatch),
    Finish(super::progress::CountChanges),
}

/// What stays the same for every batch of an import.
struct Preparer<'a> {
    round_id: &'a str,
    today: i64,
    question_ids: &'a BTreeMap<String, String>,
    /// Keys of the questions whose answers are choices (counted from
    /// `answers.choice`).
    choices: Vec<&'a str>,
    response_ids: IdRun,
    client_ids: IdRun,
    answered: super::progress::CountChanges,
    flagged: usize,
}

impl Preparer<'_> {
    /// `rows` as JSON for their tables, each row with its concerns.
    fn batch(
        &mut self,
        rows: &[&ResponseFileRow],
        concerns: &[Vec<Concern>],
    ) -> Result<PreparedBatch, DbError> {
        let round_id = self.round_id;
        let mut responses = JsonRows::default();
        let mut answers = JsonRows::default();
        let mut flags = JsonRows::default();
        let mut concern_rows = JsonRows::default();
        for (row, concerns) in rows.iter().zip(concerns) {
            let response_id = self.response_ids.next_id();
            responses.push((
                &response_id,
                round_id,
                self.client_ids.next_id(),
                row.answers.fingerprint(),
                self.today,
                &row.respondent,
            ));
            for (key, values) in row.answers.iter() {
                let question_id = self
                    .question_ids
                    .get(key)
                    .ok_or_else(|| DbError::Corrupt(format!("answer to unknown question {key}")))?;
                let is_choice = self.choices.contains(&key);
                if !values.is_empty() {
                    let counted = (
                        round_id.to_owned(),
                        question_id.clone(),
                        super::progress::Counted::Answered,
                    );
                    *self.answered.entry(counted).or_default() += 1;
                }
                for (position, value) in values.iter().enumerate() {
                    answers.push((
                        &response_id,
                        round_id,
                        question_id,
                        position,
                        value,
                        is_choice.then_some(value),
                    ));
                }
            }
            if !concerns.is_empty() {
                self.flagged += 1;
                flags.push((&response_id, "", self.today));
            }
            for (position, concern) in concerns.iter().enumerate() {
                concern_rows.push((
                    &response_id,
                    position,
                    &concern.question,
                    &concern.words,
                    &concern.reason,
                ));
            }
        }
        Ok(PreparedBatch {
            rows: rows.len(),
            responses: responses.finish(),
            answers: answers.finish(),
            flags: flags.finish_unless_empty(),
            concerns: concern_rows.finish_unless_empty(),
        })
    }
}

/// Rows written straight into a JSON array of arrays (a tuple is written
/// as an array), with no tree of values in between.
#[derive(Default)]
struct JsonRows {
    json: Vec<u8>,
}

impl JsonRows {
    fn push(&mut self, row: impl serde::Serialize) {
        self.json
            .push(if self.json.is_empty() { b'[' } else { b',' });
        serde_json::to_writer(&mut self.json, &row).expect("text and numbers always serialise");
    }

    fn finish(self) -> String {
        self.finish_unless_empty()
            .unwrap_or_else(|| "[]".to_owned())
    }

    fn finish_unless_empty(mut self) -> Option<String> {
        if self.json.is_empty() {
            return None;
        }
        self.json.push(b']');
        Some(String::from_utf8(self.json).expect("serde_json writes UTF-8"))
    }
}

/// The writer of an import (see [`Db::store_imported_responses`]): makes
/// the round if it is new, stores each batch it is sent, and commits on
/// `Finish`. Returns whether it committed; a channel that closes without
/// `Finish` leaves nothing stored.
async fn write_imported(
    pool: sqlx::AnyPool,
    sqlite: bool,
    round_id: String,
    new_round: Option<(String, String, String)>,
    mut batches: tokio::sync::mpsc::Receiver<ToWriter>,
    stored: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> Result<bool, DbError> {
    let mut conn = pool.acquire().await?;
    if sqlite {
        // A bigger page cache for this connection while it writes: with
        // the default 2 MB SQLite re-read index pages all through a large
        // import. Set back afterwards, whatever happened, because the
        // connection goes back to the pool.
        sqlx::query("PRAGMA cache_size = -262144")
            .execute(&mut *conn)
            .await?;
    }
    let written = async {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        if let Some((survey_id, round_name, join_code)) = &new_round {
            sqlx::query(
                "INSERT INTO rounds (id, survey_id, name, join_code, is_open, created_at, seq) VALUES ($1, $2, $3, $4, 0, $5, \
                 (SELECT COALESCE(MAX(seq), 0) + 1 FROM rounds WHERE survey_id = $2))",
            )
            .bind(&round_id)
            .bind(survey_id)
            .bind(round_name)
            .bind(join_code)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        }
        let [responses, answers, flags, concerns] =
            [RESPONSES, ANSWERS, FLAGS, CONCERNS].map(|table| table.insert_sql(sqlite));
        while let Some(message) = batches.recv().await {
            match message {
                ToWriter::Batch(batch) => {
                    let inserts = [
                        (&responses, Some(batch.responses)),
                        (&answers, Some(batch.answers)),
                        (&flags, batch.flags),
                        (&concerns, batch.concerns),
                    ];
                    for (sql, rows) in inserts {
                        if let Some(rows) = rows {
                            sqlx::query(sql).bind(rows).execute(&mut *tx).await?;
                        }
                    }
                    stored.fetch_add(batch.rows, std::sync::atomic::Ordering::Relaxed);
                }
                ToWriter::Finish(answered) => {
                    super::progress::add_to_counts(&mut tx, &answered, 0).await?;
                    let added = stored.load(std::sync::atomic::Ordering::Relaxed) as i64;
                    let added = BTreeMap::from([(round_id.clone(), added)]);
                    super::progress::add_to_responses(&mut tx, &added, 0).await?;
                    tx.commit().await?;
                    return Ok(true);
                }
            }
        }
        Ok::<bool, DbError>(false)
    }
    .await;
    // Once committed, the import stands: a connection that cannot be set
    // back is closed rather than reused, not reported as a failed import.
    if sqlite
        && let Err(error) = sqlx::query("PRAGMA cache_size = -2000")
            .execute(&mut *conn)
            .await
    {
        tracing::warn!(%error, "closed a connection whose page cache could not be set back");
        conn.close_on_drop();
    }
    written
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
    /// `round_name` when `round` is `None`, in one transaction, and
    /// returns how many were flagged. `check` gives each row's
    /// safeguarding concerns. `progress` hears, after each batch, how many
    /// rows are stored and of how many.
    ///
    /// Two things happen at once, one on each core: this task checks the
    /// rows and writes them as JSON a batch at a time, while a writer task
    /// stores the batches before them (SQLite does its work on a thread
    /// of its own, so a single task that did both would leave a core idle
    /// while either worked). The writer commits only when told the last
    /// batch is sent; if this task fails, or stops before that (its future
    /// dropped, as when the server shuts down), the writer rolls
    /// everything back. (The browser's import runs in a task of its own,
    /// so a worker closing the page does not stop it.)
    #[allow(clippy::too_many_arguments)]
    pub async fn store_imported_responses(
        &self,
        survey_id: &str,
        round: Option<RoundRef>,
        round_name: &str,
        new_rows: &[&ResponseFileRow],
        check: &(dyn Fn(&[&ResponseFileRow]) -> Vec<Vec<Concern>> + Sync),
        fresh_code: impl FnOnce() -> JoinCode,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<usize, DbError> {
        let (questions, question_ids) = self.questions_of(survey_id).await?;
        let sqlite = self.is_sqlite();
        let (round_id, new_round) = match round {
            Some(round) => (round.round_id, None),
            None => (
                new_id(),
                Some((
                    survey_id.to_owned(),
                    round_name.to_owned(),
                    fresh_code().as_str().to_owned(),
                )),
            ),
        };
        let (to_writer, from_preparer) = tokio::sync::mpsc::channel(BATCHES_AHEAD);
        let stored = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let writer = tokio::spawn(write_imported(
            self.pool().clone(),
            sqlite,
            round_id.clone(),
            new_round,
            from_preparer,
            stored.clone(),
        ));
        let mut preparer = Preparer {
            round_id: &round_id,
            today: start_of_day(now()),
            question_ids: &question_ids,
            choices: questions
                .iter()
                .filter(|q| q.kind.has_options())
                .map(|q| q.key.as_str())
                .collect(),
            response_ids: IdRun::new(),
            client_ids: IdRun::new(),
            answered: Default::default(),
            flagged: 0,
        };
        let prepared = async {
            for rows in new_rows.chunks(BATCH_ROWS) {
                let batch = preparer.batch(rows, &check(rows))?;
                if to_writer.send(ToWriter::Batch(batch)).await.is_err() {
                    // The writer stopped: its error is told below.
                    return Ok(false);
                }
                progress(
                    stored.load(std::sync::atomic::Ordering::Relaxed),
                    new_rows.len(),
                );
            }
            let counts = std::mem::take(&mut preparer.answered);
            Ok::<bool, DbError>(to_writer.send(ToWriter::Finish(counts)).await.is_ok())
        }
        .await;
        // Without `Finish` (an error here) the writer rolls back when the
        // channel closes; either way, wait for it to let go of its
        // connection.
        drop(to_writer);
        let written = writer
            .await
            .unwrap_or_else(|failed| match failed.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                // Cancelled: only the runtime shutting down does that.
                Err(_) => Err(DbError::Unavailable(
                    "the import's writer was stopped before it finished".to_owned(),
                )),
            });
        prepared?;
        if !written? {
            return Err(DbError::Corrupt(
                "the import stopped before its last batch".to_owned(),
            ));
        }
        progress(new_rows.len(), new_rows.len());
        Ok(preparer.flagged)
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
