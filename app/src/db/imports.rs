//! Storing imported responses and codes in bulk, each import in one
//! transaction. Which rows to store is decided before this (see
//! `use_cases::imports`). Responses go into SQLite as JSON taken apart by
//! the database, and into PostgreSQL by COPY, on a connection of the
//! import's own (sqlx's `Any` driver has no COPY).

use super::coding::write_codings;
use super::{Db, DbError, IdRun, RoundRef, new_id, now, start_of_day};
use crate::domain::coding::{How, Pass};
use crate::domain::imports::{ResponseRow as ResponseFileRow, ThemesByAnswer};
use crate::domain::join_code::JoinCode;
use crate::domain::safeguarding::Concern;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// Rows are stored this many at a time (and progress reported) on SQLite,
/// where a batch's JSON is one statement's parameter.
const BATCH_ROWS: usize = 200;

/// Rows a batch through PostgreSQL's COPY: each batch is a COPY per table,
/// with a round trip each, so fewer and larger batches.
const COPY_BATCH_ROWS: usize = 2_000;

/// Batches prepared ahead of the one being stored.
const BATCHES_AHEAD: usize = 4;

/// A table that imports fill, and the columns they fill.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
}

const RESPONSES: Table = Table {
    name: "responses",
    columns: &[
        "id",
        "round_id",
        "client_id",
        "fingerprint",
        "submitted_on",
        "respondent",
        "language",
    ],
};

const ANSWERS: Table = Table {
    name: "answers",
    columns: &[
        "response_id",
        "round_id",
        "question_id",
        "position",
        "value",
        "choice",
    ],
};

const FLAGS: Table = Table {
    name: "safeguarding_flags",
    columns: &["response_id", "concerns", "raised_on"],
};

const CONCERNS: Table = Table {
    name: "safeguarding_concerns",
    columns: &["response_id", "position", "question_key", "words", "reason"],
};

/// The tables a batch fills, in the order they are filled (each row's
/// response before the rows that refer to it).
const TABLES: [Table; 4] = [RESPONSES, ANSWERS, FLAGS, CONCERNS];

impl Table {
    /// SQLite: one statement that inserts every row of a JSON array of
    /// arrays, taken apart by `json_each`. Many rows a statement as `$n`
    /// parameters cost sqlx's SQLite driver more in binding (a scan over
    /// every parameter's name for each value) than SQLite spent storing
    /// them; one parameter costs nothing to bind, and the statement is the
    /// same for every batch.
    fn insert_sql(&self) -> String {
        let values: Vec<String> = (0..self.columns.len())
            .map(|i| format!("value ->> {i}"))
            .collect();
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM json_each($1)",
            self.name,
            self.columns.join(", "),
            values.join(", ")
        )
    }

    /// PostgreSQL's COPY of rows in its text format (see [`RowsOut`]).
    fn copy_sql(&self) -> String {
        format!(
            "COPY {} ({}) FROM STDIN",
            self.name,
            self.columns.join(", ")
        )
    }
}

/// How a batch's rows are written for the database to take in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RowFormat {
    /// A JSON array of arrays, one statement's parameter
    /// ([`Table::insert_sql`]).
    Json,
    /// PostgreSQL's COPY text format: a line a row, tab between values,
    /// `\N` for none, and backslash, tab, newline and carriage return
    /// escaped with a backslash.
    CopyText,
}

/// One value of a row.
enum Cell<'a> {
    Text(&'a str),
    Number(i64),
    Null,
}

/// A table's rows in a batch, written straight into the format the
/// database takes, with no tree of values in between.
struct RowsOut {
    format: RowFormat,
    bytes: Vec<u8>,
}

impl RowsOut {
    fn new(format: RowFormat) -> RowsOut {
        RowsOut {
            format,
            bytes: Vec::new(),
        }
    }

    fn push(&mut self, row: &[Cell]) {
        use std::io::Write;
        let bytes = &mut self.bytes;
        match self.format {
            RowFormat::Json => {
                bytes.push(if bytes.is_empty() { b'[' } else { b',' });
                bytes.push(b'[');
                for (i, cell) in row.iter().enumerate() {
                    if i > 0 {
                        bytes.push(b',');
                    }
                    match cell {
                        Cell::Text(text) => serde_json::to_writer(&mut *bytes, text)
                            .expect("text always serialises"),
                        Cell::Number(n) => write!(bytes, "{n}").expect("writing to memory"),
                        Cell::Null => bytes.extend_from_slice(b"null"),
                    }
                }
                bytes.push(b']');
            }
            RowFormat::CopyText => {
                for (i, cell) in row.iter().enumerate() {
                    if i > 0 {
                        bytes.push(b'\t');
                    }
                    match cell {
                        Cell::Text(text) => {
                            for byte in text.bytes() {
                                match byte {
                                    b'\\' => bytes.extend_from_slice(b"\\\\"),
                                    b'\t' => bytes.extend_from_slice(b"\\t"),
                                    b'\n' => bytes.extend_from_slice(b"\\n"),
                                    b'\r' => bytes.extend_from_slice(b"\\r"),
                                    other => bytes.push(other),
                                }
                            }
                        }
                        Cell::Number(n) => write!(bytes, "{n}").expect("writing to memory"),
                        Cell::Null => bytes.extend_from_slice(b"\\N"),
                    }
                }
                bytes.push(b'\n');
            }
        }
    }

    /// The rows, or `None` for none.
    fn finish(mut self) -> Option<Vec<u8>> {
        if self.bytes.is_empty() {
            return None;
        }
        if self.format == RowFormat::Json {
            self.bytes.push(b']');
        }
        Some(self.bytes)
    }
}

/// A batch of imported rows, ready to store: each table's rows (in the
/// order of [`TABLES`]), `None` for none.
struct PreparedBatch {
    rows: usize,
    tables: [Option<Vec<u8>>; 4],
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
    format: RowFormat,
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
    /// `rows` in the writer's format for their tables, each row with its
    /// concerns.
    fn batch(
        &mut self,
        rows: &[&ResponseFileRow],
        concerns: &[Vec<Concern>],
    ) -> Result<PreparedBatch, DbError> {
        use Cell::{Null, Number, Text};
        let round_id = self.round_id;
        let [mut responses, mut answers, mut flags, mut concern_rows] =
            [(); 4].map(|_| RowsOut::new(self.format));
        for (row, concerns) in rows.iter().zip(concerns) {
            let response_id = self.response_ids.next_id();
            let client_id = self.client_ids.next_id();
            let fingerprint = row.answers.fingerprint();
            responses.push(&[
                Text(&response_id),
                Text(round_id),
                Text(&client_id),
                Text(&fingerprint),
                Number(self.today),
                row.respondent.as_deref().map_or(Null, Text),
                row.language.as_ref().map_or(Null, |l| Text(l.tag())),
            ]);
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
                    answers.push(&[
                        Text(&response_id),
                        Text(round_id),
                        Text(question_id),
                        Number(position as i64),
                        Text(value),
                        if is_choice { Text(value) } else { Null },
                    ]);
                }
            }
            if !concerns.is_empty() {
                self.flagged += 1;
                flags.push(&[Text(&response_id), Text(""), Number(self.today)]);
            }
            for (position, concern) in concerns.iter().enumerate() {
                concern_rows.push(&[
                    Text(&response_id),
                    Number(position as i64),
                    Text(&concern.question),
                    Text(&concern.words),
                    Text(&concern.reason),
                ]);
            }
        }
        Ok(PreparedBatch {
            rows: rows.len(),
            tables: [responses, answers, flags, concern_rows].map(RowsOut::finish),
        })
    }
}

/// The transaction an import writes in: on SQLite through `Any`, on
/// PostgreSQL on a connection of its own for COPY, which sqlx's `Any`
/// driver does not offer.
enum ImportTx<'c> {
    Sqlite(sqlx::Transaction<'c, sqlx::Any>),
    Postgres(sqlx::Transaction<'c, sqlx::Postgres>),
}

impl ImportTx<'_> {
    async fn add_round(&mut self, round_id: &str, new: &NewRound) -> Result<(), DbError> {
        match self {
            ImportTx::Sqlite(tx) => add_round(&mut **tx, round_id, new).await,
            ImportTx::Postgres(tx) => add_round(&mut **tx, round_id, new).await,
        }
    }

    async fn store(&mut self, batch: PreparedBatch) -> Result<(), DbError> {
        for (table, rows) in TABLES.iter().zip(batch.tables) {
            let Some(rows) = rows else { continue };
            match self {
                ImportTx::Sqlite(tx) => {
                    let json = String::from_utf8(rows).expect("serde_json writes UTF-8");
                    sqlx::query(&table.insert_sql())
                        .bind(json)
                        .execute(&mut **tx)
                        .await?;
                }
                ImportTx::Postgres(tx) => {
                    let mut copy = tx.copy_in_raw(&table.copy_sql()).await?;
                    copy.send(rows).await?;
                    copy.finish().await?;
                }
            }
        }
        Ok(())
    }

    /// Adds the import to the kept counts and commits.
    async fn finish(
        self,
        round_id: &str,
        answered: &super::progress::CountChanges,
        stored: usize,
    ) -> Result<(), DbError> {
        let added = BTreeMap::from([(round_id.to_owned(), stored as i64)]);
        match self {
            ImportTx::Sqlite(mut tx) => {
                super::progress::add_to_counts(&mut *tx, answered, 0).await?;
                super::progress::add_to_responses(&mut *tx, &added, 0).await?;
                tx.commit().await?;
            }
            ImportTx::Postgres(mut tx) => {
                super::progress::add_to_counts(&mut *tx, answered, 0).await?;
                super::progress::add_to_responses(&mut *tx, &added, 0).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

/// Makes the new round an import goes into (closed), its `seq` one after
/// the survey's last, on either kind of connection (see [`ImportTx`]).
async fn add_round<C>(conn: &mut C, round_id: &str, new: &NewRound) -> Result<(), DbError>
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    for<'q> <C::Database as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, C::Database>,
    for<'q> &'q str: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    for<'q> i64: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
{
    sqlx::query(
        "INSERT INTO rounds (id, survey_id, name, join_code, is_open, created_at, seq) \
         VALUES ($1, $2, $3, $4, 0, $5, (SELECT COALESCE(MAX(seq), 0) + 1 FROM rounds WHERE survey_id = $2))",
    )
    .bind(round_id)
    .bind(new.survey_id.as_str())
    .bind(new.name.as_str())
    .bind(new.join_code.as_str())
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The round an import makes when it goes into a new one.
struct NewRound {
    survey_id: String,
    name: String,
    join_code: String,
}

/// Where an import's writer stores its batches.
enum ImportTarget {
    /// SQLite: a connection from the pool.
    Sqlite(sqlx::AnyPool),
    /// PostgreSQL: a connection of the import's own, for COPY.
    Postgres(Box<sqlx::postgres::PgConnectOptions>),
}

/// The writer of an import (see [`Db::store_imported_responses`]): makes
/// the round if it is new, stores each batch it is sent, and commits on
/// `Finish`. Returns whether it committed; a channel that closes without
/// `Finish` leaves nothing stored.
async fn write_imported(
    target: ImportTarget,
    round_id: String,
    new_round: Option<NewRound>,
    batches: tokio::sync::mpsc::Receiver<ToWriter>,
    stored: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> Result<bool, DbError> {
    match target {
        ImportTarget::Sqlite(pool) => {
            let mut conn = pool.acquire().await?;
            // A bigger page cache for this connection while it writes:
            // with the default 2 MB SQLite re-read index pages all through
            // a large import. Set back afterwards, whatever happened,
            // because the connection goes back to the pool.
            sqlx::query("PRAGMA cache_size = -262144")
                .execute(&mut *conn)
                .await?;
            let written = async {
                let tx = ImportTx::Sqlite(sqlx::Connection::begin(&mut *conn).await?);
                receive_batches(tx, &round_id, new_round, batches, &stored).await
            }
            .await;
            // Once committed, the import stands: a connection that cannot
            // be set back is closed rather than reused, not reported as a
            // failed import.
            if let Err(error) = sqlx::query("PRAGMA cache_size = -2000")
                .execute(&mut *conn)
                .await
            {
                tracing::warn!(%error, "closed a connection whose page cache could not be set back");
                conn.close_on_drop();
            }
            written
        }
        ImportTarget::Postgres(options) => {
            // Beside the pool, for this import only: closed when it ends,
            // so a connection that was in the middle of a COPY is never
            // handed to anyone else.
            let mut conn = sqlx::ConnectOptions::connect(&*options).await?;
            let tx = sqlx::Connection::begin(&mut conn).await?;
            let written = receive_batches(
                ImportTx::Postgres(tx),
                &round_id,
                new_round,
                batches,
                &stored,
            )
            .await;
            if let Err(error) = sqlx::Connection::close(conn).await {
                tracing::warn!(%error, "the import's own connection did not close cleanly");
            }
            written
        }
    }
}

/// Stores each batch sent in `tx`, after the new round if there is one,
/// and commits on `Finish` (see [`write_imported`]).
async fn receive_batches(
    mut tx: ImportTx<'_>,
    round_id: &str,
    new_round: Option<NewRound>,
    mut batches: tokio::sync::mpsc::Receiver<ToWriter>,
    stored: &std::sync::atomic::AtomicUsize,
) -> Result<bool, DbError> {
    if let Some(new_round) = &new_round {
        tx.add_round(round_id, new_round).await?;
    }
    while let Some(message) = batches.recv().await {
        match message {
            ToWriter::Batch(batch) => {
                let rows = batch.rows;
                tx.store(batch).await?;
                stored.fetch_add(rows, std::sync::atomic::Ordering::Relaxed);
            }
            ToWriter::Finish(answered) => {
                let added = stored.load(std::sync::atomic::Ordering::Relaxed);
                tx.finish(round_id, &answered, added).await?;
                return Ok(true);
            }
        }
    }
    Ok(false)
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
        let (round_id, new_round) = match round {
            Some(round) => (round.round_id, None),
            None => (
                new_id(),
                Some(NewRound {
                    survey_id: survey_id.to_owned(),
                    name: round_name.to_owned(),
                    join_code: fresh_code().as_str().to_owned(),
                }),
            ),
        };
        // PostgreSQL takes the rows by COPY, on a connection of the
        // import's own (made from the pool's settings).
        let (target, format, batch_rows) = if self.is_sqlite() {
            let pool = self.pool().clone();
            (ImportTarget::Sqlite(pool), RowFormat::Json, BATCH_ROWS)
        } else {
            let url = &self.pool().connect_options().database_url;
            let options: sqlx::postgres::PgConnectOptions = sqlx::ConnectOptions::from_url(url)?;
            let target = ImportTarget::Postgres(Box::new(options));
            (target, RowFormat::CopyText, COPY_BATCH_ROWS)
        };
        let (to_writer, from_preparer) = tokio::sync::mpsc::channel(BATCHES_AHEAD);
        let stored = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let writer = tokio::spawn(write_imported(
            target,
            round_id.clone(),
            new_round,
            from_preparer,
            stored.clone(),
        ));
        let mut preparer = Preparer {
            format,
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
            for rows in new_rows.chunks(batch_rows) {
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
        super::progress::add_to_counts(&mut *tx, &counts, 0).await?;
        let changed: usize = changed.values().map(Vec::len).sum();
        if changed > 0 {
            super::tallies::recount_round(&mut tx, round_id).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}
