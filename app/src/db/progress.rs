//! How many answers each question has in a round and how many are coded,
//! kept in `answer_counts` by the writes that change them (migration
//! `..._coding_progress_kept`), so that the coding screen reads a few
//! rows instead of counting a round's answers for every page; and how
//! many responses each round holds (`response_counts`), which tells
//! whether a round's kept report counts are current (`db::tallies`).
//!
//! The writers: submissions and imported responses add responses and
//! answers, coding an answer (alone, in bulk or by import) moves it in or
//! out of a pass's coded answers, and erasing a response takes all of
//! them away. Merging themes
//! leaves every answer coded, and a round or question deleted takes its
//! counts with it (the schema cascades).

use super::{Db, DbError, Tx};
use crate::domain::coding::Pass;
use sqlx::Row;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a count counts: every answer to a question, or the answers with
/// themes in one pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Counted {
    Answered,
    Coded(Pass),
}

impl Counted {
    fn as_str(self) -> &'static str {
        match self {
            Counted::Answered => "answered",
            Counted::Coded(pass) => pass.as_str(),
        }
    }
}

/// Changes to the kept counts, by (round id, question id, what): the
/// amount to add (below zero to take away).
pub(super) type CountChanges = BTreeMap<(String, String, Counted), i64>;

/// How many shards a count of answers is kept in (see the migration).
const SHARDS: u64 = 8;

/// The shard the next submission batch adds to: each in turn, so that
/// the writers of one instance add to different rows.
pub(super) fn next_shard() -> i64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    (NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS) as i64
}

/// Adds `changes` to the kept counts, in shard `shard`, on `conn`. Rows are
/// written in key order (the map's), so that two transactions on
/// PostgreSQL lock them in the same order and wait rather than deadlock.
///
/// On any connection in a transaction: through `Any` as everywhere, or a
/// PostgreSQL connection of its own (an import's COPY, `db::imports`).
pub(super) async fn add_to_counts<C>(
    conn: &mut C,
    changes: &CountChanges,
    shard: i64,
) -> Result<(), DbError>
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    for<'q> <C::Database as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, C::Database>,
    for<'q> &'q str: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    for<'q> i64: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
{
    // At most this many rows a statement (five parameters each).
    const ROWS_A_STATEMENT: usize = 40;
    let changes: Vec<_> = changes.iter().filter(|(_, n)| **n != 0).collect();
    for chunk in changes.chunks(ROWS_A_STATEMENT) {
        let sql = format!(
            "INSERT INTO answer_counts (round_id, question_id, counted, shard, n) VALUES {} \
             ON CONFLICT (round_id, question_id, counted, shard) \
             DO UPDATE SET n = answer_counts.n + excluded.n",
            super::submissions::placeholders_from(1, chunk.len(), 5)
        );
        let mut query = sqlx::query(&sql);
        for ((round_id, question_id, counted), n) in chunk {
            query = query
                .bind(round_id.as_str())
                .bind(question_id.as_str())
                .bind(counted.as_str())
                .bind(shard)
                .bind(**n);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds to the kept number of responses of each round in `added` (round
/// id to how many; below zero to take away), in shard `shard`, in round
/// id order (see [`add_to_counts`]).
pub(super) async fn add_to_responses<C>(
    conn: &mut C,
    added: &BTreeMap<String, i64>,
    shard: i64,
) -> Result<(), DbError>
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    for<'q> <C::Database as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, C::Database>,
    for<'q> &'q str: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    for<'q> i64: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
{
    for (round_id, n) in added.iter().filter(|(_, n)| **n != 0) {
        sqlx::query(
            "INSERT INTO response_counts (round_id, shard, n) VALUES ($1, $2, $3) \
             ON CONFLICT (round_id, shard) DO UPDATE SET n = response_counts.n + excluded.n",
        )
        .bind(round_id.as_str())
        .bind(shard)
        .bind(*n)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What erasing response `response_id` takes from the kept counts: one
/// answer from each question it answered, and one coded answer from each
/// pass that coded it. Read before its rows are deleted.
pub(super) async fn counted_in(
    tx: &mut Tx<'_>,
    response_id: &str,
) -> Result<CountChanges, DbError> {
    let rows = sqlx::query(
        "SELECT round_id, question_id, 'answered' AS counted FROM answers \
         WHERE response_id = $1 AND position = 0 \
         UNION ALL \
         SELECT DISTINCT round_id, question_id, pass AS counted FROM codings WHERE response_id = $1",
    )
    .bind(response_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut changes = CountChanges::new();
    for row in rows {
        let counted: String = row.try_get("counted")?;
        let counted = match Pass::parse(&counted) {
            Some(pass) => Counted::Coded(pass),
            None => Counted::Answered,
        };
        *changes
            .entry((
                row.try_get("round_id")?,
                row.try_get("question_id")?,
                counted,
            ))
            .or_default() -= 1;
    }
    Ok(changes)
}

impl Db {
    /// How many answers free-text question `question_id` has in round
    /// `round_id`, and how many of them have a theme in `pass`: read off
    /// the kept counts.
    pub async fn coding_progress(
        &self,
        round_id: &str,
        question_id: &str,
        pass: Pass,
    ) -> Result<(usize, usize), DbError> {
        let rows = sqlx::query(
            "SELECT counted, CAST(SUM(n) AS BIGINT) AS n FROM answer_counts \
             WHERE round_id = $1 AND question_id = $2 AND counted IN ('answered', $3) \
             GROUP BY counted",
        )
        .bind(round_id)
        .bind(question_id)
        .bind(pass.as_str())
        .fetch_all(self.pool())
        .await?;
        let (mut answered, mut coded) = (0, 0);
        for row in rows {
            let n: i64 = row.try_get("n")?;
            let n = usize::try_from(n).map_err(|_| {
                DbError::Corrupt(format!("a kept count of {n} for question {question_id}"))
            })?;
            if row.try_get::<String, _>("counted")? == Counted::Answered.as_str() {
                answered = n;
            } else {
                coded = n;
            }
        }
        Ok((answered, coded))
    }
}
