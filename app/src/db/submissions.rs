//! The submission writer: one task per Heard instance that stores young
//! people's finished surveys, many to a commit.
//!
//! A durable commit waits for the disk (SQLite's WAL sync, PostgreSQL's
//! WAL flush). Stored one per transaction, a busy round queues for the
//! write lock and pays one sync per survey. The writer instead takes every
//! survey that arrived while its last commit was syncing and stores them
//! in one transaction, so throughput grows with load and each survey is
//! still acknowledged only after the commit that holds it is durable.
//!
//! A survey that cannot be stored with the others (a lost race with another
//! instance, a round deleted meanwhile) must not fail the rest: when a batch
//! fails, each of its surveys is tried again alone and answers for itself.
//!
//! Exactly-once rests on the UNIQUE constraint on `responses.client_id`:
//! the writer looks for an earlier copy first (inside the transaction, so
//! it sees the batch's own rows) and the constraint settles races with
//! other instances.

use super::{DbError, Tx, new_id};
use crate::domain::safeguarding::Concern;
use sqlx::{AnyPool, Row};
use std::collections::HashMap;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// At most this many surveys go in one transaction, so a batch never holds
/// the write lock (and the coding screen's writes) for long.
const MOST_IN_A_BATCH: usize = 256;

/// Rows in one multi-row statement. SQLite finds each `$n` parameter by
/// scanning the statement's parameter names, so binding costs grow with
/// the square of their number: profiled, a few hundred rows a statement
/// spent more time binding than storing.
const ROWS_A_STATEMENT: usize = 48;

/// Writer tasks on PostgreSQL (each holds one of the pool's connections
/// while it writes).
const WRITERS_ON_POSTGRES: usize = 4;

/// Surveys waiting for the writer beyond this make senders wait: memory
/// stays bounded however many tablets send at once.
const MOST_WAITING: usize = 4096;

/// A young person's finished survey, checked and ready to store.
#[derive(Debug)]
pub struct NewResponse {
    pub round_id: String,
    pub client_id: String,
    /// Identifies the answers, so a repeat is told from a reused id.
    pub fingerprint: String,
    /// The language the survey was answered in (a tag).
    pub language: String,
    /// Every value given.
    pub values: Vec<NewAnswer>,
    pub concerns: Vec<Concern>,
    pub submitted_on: i64,
    /// The allowance this survey counts against, if any: refused without
    /// being stored when the count is over it.
    pub allowance: Option<Allowance>,
    /// Throttle buckets to mark as used at `at` (a join code that worked).
    pub marks: Vec<(String, i64)>,
}

/// One value of a young person's answer.
#[derive(Debug)]
pub struct NewAnswer {
    pub question_id: String,
    /// Its place among the question's values (0 for the first).
    pub position: i64,
    pub value: String,
    /// The value is an option chosen, not free text: reports count it.
    pub is_choice: bool,
}

/// What a survey counts against, written with it.
#[derive(Debug, Default)]
pub struct Counted {
    /// Refused without being stored when over it.
    pub allowance: Option<Allowance>,
    /// Throttle buckets to mark as used at a second (a join code that worked).
    pub marks: Vec<(String, i64)>,
}

/// One hit counted in `bucket` at the second `at`; over `most` hits since
/// the second `since`, the survey is refused and the hit taken back.
#[derive(Clone, Debug)]
pub struct Allowance {
    pub bucket: String,
    pub at: i64,
    pub since: i64,
    pub most: i64,
}

/// What storing a survey came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    Stored,
    /// The same client id and answers were stored before: nothing done.
    AlreadyStored,
    /// The client id was used before for different answers or another round.
    ClientIdReused,
    /// Over its allowance: not stored. The bucket's hits per second since
    /// the allowance's window opened, oldest first.
    OverAllowance(Vec<(i64, i64)>),
}

struct Job {
    response: NewResponse,
    reply: oneshot::Sender<Result<Written, DbError>>,
}

/// Sends surveys to the instance's writer task.
#[derive(Clone, Debug)]
pub(super) struct SubmissionWriter {
    jobs: mpsc::Sender<Job>,
}

impl SubmissionWriter {
    /// Starts the writer tasks on `pool`: one on SQLite, which takes one
    /// writer at a time whatever is asked of it; on PostgreSQL a few, so
    /// that while one batch waits for its commit the next is being
    /// written (each takes whatever is waiting when it is free). They end
    /// when the last sender is dropped.
    pub(super) fn start(pool: AnyPool) -> SubmissionWriter {
        let (jobs, waiting) = mpsc::channel(MOST_WAITING);
        let writers = if is_sqlite(&pool) {
            1
        } else {
            WRITERS_ON_POSTGRES
        };
        let waiting = std::sync::Arc::new(tokio::sync::Mutex::new(waiting));
        for _ in 0..writers {
            tokio::spawn(run(pool.clone(), std::sync::Arc::clone(&waiting)));
        }
        SubmissionWriter { jobs }
    }

    /// Stores `response` and answers once the commit holding it is
    /// durable. Dropping the future does not withdraw the survey: once
    /// sent, it is stored (and a repeat finds it).
    pub(super) async fn write(&self, response: NewResponse) -> Result<Written, DbError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { response, reply })
            .await
            .map_err(|_| DbError::Corrupt("the submission writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| DbError::Corrupt("the submission writer stopped mid-batch".into()))?
    }

    pub(super) fn waiting(&self) -> usize {
        MOST_WAITING - self.jobs.capacity()
    }
}

async fn run(pool: AnyPool, waiting: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>) {
    let mut batch = Vec::with_capacity(MOST_IN_A_BATCH);
    loop {
        // Held only while taking a batch, not while writing it.
        let taken = waiting
            .lock()
            .await
            .recv_many(&mut batch, MOST_IN_A_BATCH)
            .await;
        if taken == 0 {
            return;
        }
        let started = Instant::now();
        let size = batch.len();
        write_batch(&pool, &mut batch).await;
        metrics::histogram!("heard_submission_batch_size").record(size as f64);
        metrics::histogram!("heard_submission_batch_seconds")
            .record(started.elapsed().as_secs_f64());
        tracing::debug!(size, took = ?started.elapsed(), "submission batch committed");
    }
}

fn is_sqlite(pool: &AnyPool) -> bool {
    pool.connect_options().database_url.scheme() == "sqlite"
}

/// Stores every job of `batch` and answers each (emptying `batch`).
async fn write_batch(pool: &AnyPool, batch: &mut Vec<Job>) {
    // Rows are locked in one order in every batch (throttle counts by
    // bucket, then responses by client id), so two writers on
    // PostgreSQL wait for each other rather than deadlock.
    fn lock_order(job: &Job) -> (Option<&str>, &str) {
        let response = &job.response;
        let bucket = response.allowance.as_ref().map(|a| a.bucket.as_str());
        (bucket, response.client_id.as_str())
    }
    batch.sort_by(|a, b| lock_order(a).cmp(&lock_order(b)));
    if batch.len() > 1 {
        match write_together(pool, batch).await {
            Ok(outcomes) => {
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
                return;
            }
            // One survey's rows broke a rule of the schema (a race with
            // another writer, a round deleted meanwhile): the others must
            // not fail with it.
            Err(error) if breaks_a_constraint(&error) => {
                tracing::warn!(%error, size = batch.len(), "a submission batch failed; storing its surveys one by one");
            }
            // The database itself failed (down, restarting, disk full):
            // every survey alone would fail the same way, one slow try
            // after another. All are answered now, and their tablets try
            // again.
            Err(error) => {
                tracing::warn!(%error, size = batch.len(), "a submission batch could not be stored");
                let message = error.to_string();
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(DbError::Unavailable(message.clone())));
                }
                return;
            }
        }
    }
    for job in batch.drain(..) {
        let mut outcome = write_alone(pool, &job).await;
        // Another writer (of this instance on PostgreSQL, or of another
        // instance) stored the same survey between this one's look for
        // it and its insert: the constraint refused the copy, and a second
        // look finds the first.
        if matches!(&outcome, Err(DbError::Query(e)) if super::is_unique_violation(e)) {
            outcome = write_alone(pool, &job).await;
        }
        if let Err(error) = &outcome {
            tracing::warn!(%error, "a survey could not be stored");
        }
        let _ = job.reply.send(outcome);
    }
}

fn breaks_a_constraint(error: &DbError) -> bool {
    let DbError::Query(error) = error else {
        return false;
    };
    error.as_database_error().is_some_and(|e| {
        e.is_unique_violation() || e.is_foreign_key_violation() || e.is_check_violation()
    })
}

async fn write_alone(pool: &AnyPool, job: &Job) -> Result<Written, DbError> {
    let mut outcomes = write_together(pool, std::slice::from_ref(job)).await?;
    outcomes
        .pop()
        .ok_or_else(|| DbError::Corrupt("a survey was given no outcome".into()))
}

/// Stores `jobs` in one transaction: all of them, or (on an error) none.
///
/// A handful of statements for the whole batch, not a handful per
/// survey: each statement costs a round trip to the database's thread or
/// server, and those, not the disk, had become the limit. The outcome of
/// each survey is what storing them one after another in this order
/// would give (see `decide_allowances`).
async fn write_together(pool: &AnyPool, jobs: &[Job]) -> Result<Vec<Written>, DbError> {
    // On SQLite the transaction takes the write lock before it reads: a
    // transaction that read first and then found another process had
    // written meanwhile could not write at all (SQLITE_BUSY_SNAPSHOT),
    // where one that waits for the lock sees the other's rows.
    let mut tx = if is_sqlite(pool) {
        pool.begin_with("BEGIN IMMEDIATE").await?
    } else {
        pool.begin().await?
    };
    let responses: Vec<&NewResponse> = jobs.iter().map(|job| &job.response).collect();
    let mut outcomes: Vec<Option<Written>> = vec![None; responses.len()];

    // Repeats: stored before, or earlier in this batch (whose outcome
    // they then share).
    let stored_before = stored_client_ids(&mut tx, &responses).await?;
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    let mut repeats = Vec::new();
    for (i, response) in responses.iter().enumerate() {
        if let Some((round_id, fingerprint)) = stored_before.get(response.client_id.as_str()) {
            let same = *round_id == response.round_id && *fingerprint == response.fingerprint;
            outcomes[i] = Some(if same {
                Written::AlreadyStored
            } else {
                Written::ClientIdReused
            });
        } else if let Some(&first) = first_of.get(response.client_id.as_str()) {
            repeats.push((i, first));
        } else {
            first_of.insert(&response.client_id, i);
        }
    }
    let fresh: Vec<usize> = first_of.into_values().collect();

    decide_allowances(&mut tx, is_sqlite(pool), &responses, &fresh, &mut outcomes).await?;
    let stored: Vec<usize> = {
        let mut stored: Vec<usize> = fresh
            .into_iter()
            .filter(|&i| outcomes[i].is_none())
            .collect();
        stored.sort_unstable();
        stored
    };

    let marks = sum_by_key(stored.iter().flat_map(|&i| {
        responses[i]
            .marks
            .iter()
            .map(|(b, at)| ((b.as_str(), *at), 1))
    }));
    add_hits(&mut tx, &marks).await?;

    let ids: Vec<String> = stored.iter().map(|_| new_id()).collect();
    for chunk in stored
        .iter()
        .zip(&ids)
        .collect::<Vec<_>>()
        .chunks(ROWS_A_STATEMENT)
    {
        let sql = format!(
            "INSERT INTO responses (id, round_id, client_id, fingerprint, submitted_on, language) VALUES {}",
            rows_of_placeholders(chunk.len(), 6)
        );
        let mut insert = sqlx::query(&sql);
        for (i, id) in chunk {
            let response = responses[**i];
            insert = insert
                .bind(id.as_str())
                .bind(response.round_id.as_str())
                .bind(response.client_id.as_str())
                .bind(response.fingerprint.as_str())
                .bind(response.submitted_on)
                .bind(response.language.as_str());
        }
        insert.execute(&mut *tx).await?;
    }
    let values: Vec<(&str, &str, &NewAnswer)> = stored
        .iter()
        .zip(&ids)
        .flat_map(|(&i, id)| {
            let round_id = responses[i].round_id.as_str();
            responses[i]
                .values
                .iter()
                .map(move |v| (id.as_str(), round_id, v))
        })
        .collect();
    for chunk in values.chunks(ROWS_A_STATEMENT) {
        let sql = format!(
            "INSERT INTO answers (response_id, round_id, question_id, position, value, choice) VALUES {}",
            rows_of_placeholders(chunk.len(), 6)
        );
        let mut insert = sqlx::query(&sql);
        for (id, round_id, answer) in chunk {
            insert = insert
                .bind(*id)
                .bind(*round_id)
                .bind(answer.question_id.as_str())
                .bind(answer.position)
                .bind(answer.value.as_str())
                .bind(answer.is_choice.then_some(answer.value.as_str()));
        }
        insert.execute(&mut *tx).await?;
    }
    let mut answered = super::progress::CountChanges::new();
    for (_, round_id, answer) in values.iter().filter(|(_, _, a)| a.position == 0) {
        let key = (
            (*round_id).to_owned(),
            answer.question_id.clone(),
            super::progress::Counted::Answered,
        );
        *answered.entry(key).or_default() += 1;
    }
    let shard = super::progress::next_shard();
    super::progress::add_to_counts(&mut *tx, &answered, shard).await?;
    let mut added: std::collections::BTreeMap<String, i64> = Default::default();
    for &i in &stored {
        *added.entry(responses[i].round_id.clone()).or_default() += 1;
    }
    super::progress::add_to_responses(&mut *tx, &added, shard).await?;

    for (&i, id) in stored.iter().zip(&ids) {
        store_concerns(&mut tx, id, responses[i]).await?;
        outcomes[i] = Some(Written::Stored);
    }

    for (i, first) in repeats {
        let (response, other) = (responses[i], responses[first]);
        let same = response.round_id == other.round_id && response.fingerprint == other.fingerprint;
        outcomes[i] = Some(match &outcomes[first] {
            Some(Written::Stored) if same => Written::AlreadyStored,
            // Refused for its allowance: so is its repeat (same source).
            Some(refused @ Written::OverAllowance(_)) => refused.clone(),
            _ => Written::ClientIdReused,
        });
    }
    tx.commit().await?;
    outcomes
        .into_iter()
        .map(|o| {
            o.ok_or_else(|| DbError::Corrupt("a survey in a batch was given no outcome".into()))
        })
        .collect()
}

/// The round and fingerprint of every survey of `responses` already
/// stored under its client id.
async fn stored_client_ids(
    tx: &mut Tx<'_>,
    responses: &[&NewResponse],
) -> Result<HashMap<String, (String, String)>, DbError> {
    let mut found = HashMap::new();
    for chunk in responses.chunks(ROWS_A_STATEMENT) {
        let sql = format!(
            "SELECT client_id, round_id, fingerprint FROM responses WHERE client_id IN {}",
            rows_of_placeholders(1, chunk.len())
        );
        let mut select = sqlx::query(&sql);
        for response in chunk {
            select = select.bind(response.client_id.as_str());
        }
        for row in select.fetch_all(&mut **tx).await? {
            found.insert(
                row.try_get("client_id")?,
                (row.try_get("round_id")?, row.try_get("fingerprint")?),
            );
        }
    }
    Ok(found)
}

/// Counts each fresh survey against its allowance and refuses those over
/// it, as if they had come one after another in batch order: a survey
/// sees the hits counted before the batch, those of the batch's surveys
/// taken before it, and its own, and is refused (its hit taken back) past
/// the bucket's most.
async fn decide_allowances(
    tx: &mut Tx<'_>,
    sqlite: bool,
    responses: &[&NewResponse],
    fresh: &[usize],
    outcomes: &mut [Option<Written>],
) -> Result<(), DbError> {
    let counted: Vec<(usize, &Allowance)> = {
        let mut counted: Vec<(usize, &Allowance)> = fresh
            .iter()
            .filter_map(|&i| responses[i].allowance.as_ref().map(|a| (i, a)))
            .collect();
        counted.sort_unstable_by_key(|(i, _)| *i);
        counted
    };
    if counted.is_empty() {
        return Ok(());
    }
    let buckets: Vec<&str> = {
        let mut buckets: Vec<&str> = counted.iter().map(|(_, a)| a.bucket.as_str()).collect();
        buckets.sort_unstable();
        buckets.dedup();
        buckets
    };
    if !sqlite {
        // PostgreSQL's other writers (of this instance and others) count
        // in transactions this one cannot see until they commit: without
        // a lock per bucket, two could each see room for one more and
        // both store. (SQLite's BEGIN IMMEDIATE already lets one writer
        // in at a time.) Taken in one order, so writers wait, not
        // deadlock.
        for chunk in buckets.chunks(ROWS_A_STATEMENT) {
            let sql = format!(
                "SELECT pg_advisory_xact_lock(hashtext(b)) FROM \
                 (SELECT b FROM (VALUES {}) AS v (b) ORDER BY b) AS sorted",
                rows_of_placeholders(chunk.len(), 1)
            );
            let mut lock = sqlx::query(&sql);
            for bucket in chunk {
                lock = lock.bind(*bucket);
            }
            lock.execute(&mut **tx).await?;
        }
    }
    add_hits(
        tx,
        &sum_by_key(counted.iter().map(|(_, a)| ((a.bucket.as_str(), a.at), 1))),
    )
    .await?;
    // Every bucket's counts per second, the batch's own included.
    let since = counted
        .iter()
        .map(|(_, a)| a.since)
        .min()
        .unwrap_or_default();
    let mut per_second: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for chunk in buckets.chunks(ROWS_A_STATEMENT) {
        let sql = format!(
            "SELECT bucket, window_start, hits FROM throttle WHERE hits > 0 AND window_start >= $1 \
             AND bucket IN {} ORDER BY bucket, window_start",
            placeholders_from(2, 1, chunk.len())
        );
        let mut select = sqlx::query(&sql).bind(since);
        for bucket in chunk {
            select = select.bind(*bucket);
        }
        for row in select.fetch_all(&mut **tx).await? {
            per_second
                .entry(row.try_get("bucket")?)
                .or_default()
                .push((row.try_get("window_start")?, row.try_get("hits")?));
        }
    }
    let in_batch = sum_by_key(counted.iter().map(|(_, a)| (a.bucket.as_str(), 1)));
    let mut seen_in_batch: HashMap<&str, i64> = HashMap::new();
    let mut taken_back = Vec::new();
    for (i, allowance) in counted {
        let window: Vec<(i64, i64)> = per_second
            .get(allowance.bucket.as_str())
            .map(|rows| {
                rows.iter()
                    .copied()
                    .filter(|(second, _)| *second >= allowance.since)
                    .collect()
            })
            .unwrap_or_default();
        let before_batch =
            window.iter().map(|(_, n)| n).sum::<i64>() - in_batch[allowance.bucket.as_str()];
        // Taken before it in this batch (a refused one is taken back
        // before the next comes, as one at a time).
        let taken = seen_in_batch.entry(allowance.bucket.as_str()).or_default();
        if before_batch + *taken + 1 > allowance.most {
            taken_back.push(((allowance.bucket.as_str(), allowance.at), -1));
            outcomes[i] = Some(Written::OverAllowance(window));
        } else {
            *taken += 1;
        }
    }
    add_hits(tx, &sum_by_key(taken_back)).await
}

/// `($1, $2), ($3, $4)`: `rows` groups of `columns` numbered
/// placeholders, the form both databases take through the `Any` driver.
fn rows_of_placeholders(rows: usize, columns: usize) -> String {
    placeholders_from(1, rows, columns)
}

/// [`rows_of_placeholders`] numbered from `first`.
pub(super) fn placeholders_from(first: usize, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(first + row * columns + column).to_string());
        }
        sql.push(')');
    }
    sql
}

/// Sums the numbers of equal keys.
fn sum_by_key<K: std::hash::Hash + Eq>(
    items: impl IntoIterator<Item = (K, i64)>,
) -> HashMap<K, i64> {
    let mut sums = HashMap::new();
    for (key, n) in items {
        *sums.entry(key).or_default() += n;
    }
    sums
}

/// Adds each count to its bucket's second, in one statement per few
/// hundred (keys are unique here, as PostgreSQL requires of one upsert).
async fn add_hits(tx: &mut Tx<'_>, hits: &HashMap<(&str, i64), i64>) -> Result<(), DbError> {
    let mut rows: Vec<(&(&str, i64), &i64)> = hits.iter().filter(|(_, n)| **n != 0).collect();
    // One order for every batch, so concurrent writers lock rows alike.
    rows.sort_unstable();
    for chunk in rows.chunks(ROWS_A_STATEMENT) {
        let sql = format!(
            "INSERT INTO throttle (bucket, window_start, hits) VALUES {} \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = throttle.hits + excluded.hits",
            rows_of_placeholders(chunk.len(), 3)
        );
        let mut upsert = sqlx::query(&sql);
        for ((bucket, at), n) in chunk {
            upsert = upsert.bind(*bucket).bind(*at).bind(**n);
        }
        upsert.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A flagged survey's safeguarding flag and its concerns.
async fn store_concerns(
    tx: &mut Tx<'_>,
    response_id: &str,
    response: &NewResponse,
) -> Result<(), DbError> {
    if response.concerns.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO safeguarding_flags (response_id, concerns, raised_on) VALUES ($1, '', $2)",
    )
    .bind(response_id)
    .bind(response.submitted_on)
    .execute(&mut **tx)
    .await?;
    for (position, concern) in response.concerns.iter().enumerate() {
        sqlx::query(
            "INSERT INTO safeguarding_concerns (response_id, position, question_key, words, reason) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(response_id)
        .bind(position as i64)
        .bind(&concern.question)
        .bind(&concern.words)
        .bind(&concern.reason)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
