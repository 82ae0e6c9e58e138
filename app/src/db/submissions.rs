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
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// At most this many surveys go in one transaction, so a batch never holds
/// the write lock (and the coding screen's writes) for long.
const MOST_IN_A_BATCH: usize = 256;

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
    /// `(question id, position, value)` for every value given.
    pub values: Vec<(String, i64, String)>,
    pub concerns: Vec<Concern>,
    pub submitted_on: i64,
    /// The allowance this survey counts against, if any: refused without
    /// being stored when the count is over it.
    pub allowance: Option<Allowance>,
    /// Throttle buckets to mark as used at `at` (a join code that worked).
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
            Err(error) => {
                tracing::warn!(%error, size = batch.len(), "a submission batch failed; storing its surveys one by one");
            }
        }
    }
    for job in batch.drain(..) {
        let outcome = write_together(pool, std::slice::from_ref(&job))
            .await
            .map(|mut outcomes| outcomes.remove(0));
        let _ = job.reply.send(outcome);
    }
}

/// Stores `jobs` in one transaction: all of them, or (on an error) none.
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
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        outcomes.push(write_one(&mut tx, &job.response).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

async fn write_one(tx: &mut Tx<'_>, response: &NewResponse) -> Result<Written, DbError> {
    // A repeat is answered before anything is counted: a tablet retrying
    // after a lost acknowledgement must not use up its class's allowance.
    if let Some(row) =
        sqlx::query("SELECT round_id, fingerprint FROM responses WHERE client_id = $1")
            .bind(&response.client_id)
            .fetch_optional(&mut **tx)
            .await?
    {
        let same = row.try_get::<String, _>("round_id")? == response.round_id
            && row.try_get::<String, _>("fingerprint")? == response.fingerprint;
        return Ok(if same {
            Written::AlreadyStored
        } else {
            Written::ClientIdReused
        });
    }
    if let Some(allowance) = &response.allowance {
        count_hit(tx, &allowance.bucket, allowance.at, 1).await?;
        let per_second = sqlx::query(
            "SELECT window_start, hits FROM throttle WHERE bucket = $1 AND window_start >= $2 AND hits > 0 ORDER BY window_start",
        )
        .bind(&allowance.bucket)
        .bind(allowance.since)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("window_start")?, r.try_get("hits")?)))
        .collect::<Result<Vec<(i64, i64)>, DbError>>()?;
        if per_second.iter().map(|(_, n)| n).sum::<i64>() > allowance.most {
            count_hit(tx, &allowance.bucket, allowance.at, -1).await?;
            return Ok(Written::OverAllowance(per_second));
        }
    }
    for (bucket, at) in &response.marks {
        count_hit(tx, bucket, *at, 1).await?;
    }
    let response_id = new_id();
    sqlx::query(
        "INSERT INTO responses (id, round_id, client_id, fingerprint, submitted_on) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&response_id)
    .bind(&response.round_id)
    .bind(&response.client_id)
    .bind(&response.fingerprint)
    .bind(response.submitted_on)
    .execute(&mut **tx)
    .await?;
    // All of a survey's answers in one statement (a few in a long one).
    for values in response.values.chunks(200) {
        let mut sql =
            String::from("INSERT INTO answers (response_id, question_id, position, value) VALUES ");
        for i in 0..values.len() {
            let n = 4 * i;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
        }
        let mut insert = sqlx::query(&sql);
        for (question_id, position, value) in values {
            insert = insert
                .bind(&response_id)
                .bind(question_id)
                .bind(*position)
                .bind(value);
        }
        insert.execute(&mut **tx).await?;
    }
    if !response.concerns.is_empty() {
        sqlx::query(
            "INSERT INTO safeguarding_flags (response_id, concerns, raised_on) VALUES ($1, '', $2)",
        )
        .bind(&response_id)
        .bind(response.submitted_on)
        .execute(&mut **tx)
        .await?;
        for (position, concern) in response.concerns.iter().enumerate() {
            sqlx::query(
                "INSERT INTO safeguarding_concerns (response_id, position, question_key, words, reason) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&response_id)
            .bind(position as i64)
            .bind(&concern.question)
            .bind(&concern.words)
            .bind(&concern.reason)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(Written::Stored)
}

/// Adds `by` to `bucket`'s count for the second `at`.
async fn count_hit(tx: &mut Tx<'_>, bucket: &str, at: i64, by: i64) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO throttle (bucket, window_start, hits) VALUES ($1, $2, $3) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = throttle.hits + $3",
    )
    .bind(bucket)
    .bind(at)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
