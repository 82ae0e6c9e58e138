//! A round counted by the database: a handful of GROUP BY queries over
//! indexes that hold a round's answers and codings side by side
//! (migration `..._reports_counted_in_the_database`), so a report reads a
//! few dozen numbers, not every answer, and Heard's memory does not grow
//! with the round.
//!
//! Each instance keeps the counts it made, by round and breakdown, with
//! what they counted: the round's `counted_generation`, its survey's
//! `generation` and how many responses it held (read off the kept
//! `response_counts`, see `db::progress`, not counted). Every write that
//! changes a round's answers or codings, other than adding a response,
//! moves the first on in its own transaction (coding, merging themes,
//! erasing a response); a change to the survey (its options decide who
//! is in which group) moves the second; a new response moves the third,
//! and an erasure the third too. (The submission writers do not touch
//! the round's row: on PostgreSQL they would queue on its lock, one
//! commit at a time; they add to a shard of the kept number.) A copy is
//! used only while all three are unchanged, so another instance's change
//! is never missed.

use super::{Db, DbError, Tx};
use crate::domain::report::{GroupTally, NOT_ANSWERED, QuestionTally, Tally};
use crate::domain::survey::Question;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Marks the counts of `response_id`'s round as changed (see
/// `db::tallies`). Last in a transaction that changed main codings, so
/// that codings are always locked before the round's row (a merge does
/// the same), and once however many answers it coded.
pub(super) async fn recount_round_of(tx: &mut Tx<'_>, response_id: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE rounds SET counted_generation = counted_generation + 1 \
         WHERE id = (SELECT round_id FROM responses WHERE id = $1)",
    )
    .bind(response_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks round `round_id`'s counts as changed, like [`recount_round_of`].
pub(super) async fn recount_round(tx: &mut Tx<'_>, round_id: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE rounds SET counted_generation = counted_generation + 1 WHERE id = $1")
        .bind(round_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The counts as the database gives them: by question and theme ids, so
/// that renaming a theme (which changes no count) needs no recount.
#[derive(Clone, Debug, Default)]
struct Counted {
    responses: i64,
    answered: HashMap<String, i64>,
    /// (question id, option chosen).
    chosen: HashMap<(String, String), i64>,
    /// (question id, theme id).
    themes: HashMap<(String, String), i64>,
    coded: HashMap<String, i64>,
}

/// A round's counts overall, or by an attribute: `None` is those who chose
/// none of its options.
#[derive(Debug, Default)]
struct CountedRound {
    everyone: Counted,
    groups: HashMap<Option<String>, Counted>,
}

/// Which state of the round and survey a copy counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Generations {
    counted: i64,
    survey: i64,
    responses: i64,
}

/// Which counts: (round id, breakdown question id or "").
type TallyKey = (String, String);

/// This instance's counts, each with the generations it counts.
#[derive(Debug, Default)]
pub(super) struct TallyCache {
    kept: Mutex<HashMap<TallyKey, (Generations, Arc<CountedRound>)>>,
}

/// Counts kept at most; past it the cache starts again. Each is a few
/// dozen numbers per question.
const MOST_TALLIES_KEPT: usize = 1_000;

impl TallyCache {
    fn get(&self, key: &TallyKey, now: Generations) -> Option<Arc<CountedRound>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.get(key)
            .filter(|(generations, _)| *generations == now)
            .map(|(_, counted)| Arc::clone(counted))
    }

    fn keep(&self, key: TallyKey, generations: Generations, counted: Arc<CountedRound>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= MOST_TALLIES_KEPT {
            kept.clear();
        }
        kept.insert(key, (generations, counted));
    }
}

/// What a round is broken down by.
#[derive(Clone, Copy, Debug)]
pub enum GroupBy<'a> {
    /// The options of an about-you question.
    Answer(&'a Question),
    /// The language each young person answered in: `by`'s options name
    /// the languages whose tags are `tags`, in order; a response whose
    /// language was never said (imported without one) is in `unsaid`.
    Language {
        by: &'a Question,
        tags: &'a [String],
        unsaid: &'a str,
    },
}

impl GroupBy<'_> {
    fn question(&self) -> &Question {
        match self {
            GroupBy::Answer(by) | GroupBy::Language { by, .. } => by,
        }
    }
}

/// Who is in which group, by the question's id or the survey's language.
enum Members<'a> {
    Answer { question_id: &'a str },
    Language { unsaid: &'a str },
}

impl Db {
    /// `round_id` of survey `survey_id` counted overall and, if `by` is
    /// given, by that question's options (see [`Tally`]).
    pub async fn tally(
        &self,
        round_id: &str,
        survey_id: &str,
        by: Option<&Question>,
    ) -> Result<Tally, DbError> {
        self.tally_grouped(round_id, survey_id, by.map(GroupBy::Answer))
            .await
    }

    /// [`Db::tally`] broken down by an about-you answer or the language
    /// answered in.
    pub async fn tally_grouped(
        &self,
        round_id: &str,
        survey_id: &str,
        group_by: Option<GroupBy<'_>>,
    ) -> Result<Tally, DbError> {
        let ids = self.theme_ids(survey_id).await?;
        let by = group_by.as_ref().map(GroupBy::question);
        // Question ids are UUIDs, so the language's key is no question's.
        let by_id = match group_by {
            Some(GroupBy::Answer(by)) => Some(
                ids.get(&by.key)
                    .map(|(question_id, _)| question_id.clone())
                    .ok_or_else(|| DbError::Corrupt(format!("no question {}", by.key)))?,
            ),
            Some(GroupBy::Language { unsaid, .. }) => Some(format!("language, unsaid {unsaid}")),
            None => None,
        };
        let key = (round_id.to_owned(), by_id.clone().unwrap_or_default());
        // One snapshot for the generations and every count, so that the
        // figures agree with each other (never more answered than
        // responded) and with the generations they are kept under. SQLite
        // (WAL) reads one snapshot through a transaction; PostgreSQL does
        // when asked for REPEATABLE READ.
        let mut tx = if self.is_sqlite() {
            self.pool().begin().await?
        } else {
            self.pool()
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?
        };
        let now = generations(&mut tx, round_id).await?;
        // Everyone first, also under a breakdown: a young person in
        // several groups is one young person.
        let overall_key = (round_id.to_owned(), String::new());
        let overall = match self.tallies.get(&overall_key, now) {
            Some(counted) => counted,
            None => {
                let everyone = count_everyone(&mut tx, round_id).await?;
                let counted = Arc::new(CountedRound {
                    everyone,
                    groups: HashMap::new(),
                });
                self.tallies.keep(overall_key, now, Arc::clone(&counted));
                counted
            }
        };
        let counted = match (&by_id, group_by) {
            (Some(by_id), Some(group_by)) => match self.tallies.get(&key, now) {
                Some(counted) => counted,
                None => {
                    let sqlite = self.is_sqlite();
                    let groups = match group_by {
                        GroupBy::Answer(by) => {
                            let members = Members::Answer { question_id: by_id };
                            count_groups(&mut tx, sqlite, round_id, members, by.options()).await?
                        }
                        GroupBy::Language { by, tags, unsaid } => {
                            let members = Members::Language { unsaid };
                            // Counted by tag, kept by the language's name.
                            let by_tag =
                                count_groups(&mut tx, sqlite, round_id, members, tags).await?;
                            by_tag
                                .into_iter()
                                .map(|(tag, counted)| {
                                    let name = tag.and_then(|tag| {
                                        let at = tags.iter().position(|t| *t == tag)?;
                                        by.options().get(at).cloned()
                                    });
                                    (name, counted)
                                })
                                .collect()
                        }
                    };
                    let counted = Arc::new(CountedRound {
                        everyone: overall.everyone.clone(),
                        groups,
                    });
                    self.tallies.keep(key, now, Arc::clone(&counted));
                    counted
                }
            },
            _ => overall,
        };
        // Rolled back, not committed: nothing here is written, except
        // SQLite's temporary table of who is in which group, which
        // goes with it.
        tx.rollback().await?;
        // Ids to names, as the survey is now.
        let mut question_keys: HashMap<&str, &str> = HashMap::new();
        let mut theme_names: HashMap<&str, &str> = HashMap::new();
        for (key, (question_id, themes)) in &ids {
            question_keys.insert(question_id, key);
            for (name, theme_id) in themes {
                theme_names.insert(theme_id, name);
            }
        }
        let named = |counted: &Counted| named_group(counted, &question_keys, &theme_names);
        let Some(by) = by else {
            return Ok(Tally {
                everyone: named(&counted.everyone),
                ..Tally::default()
            });
        };
        let mut groups: Vec<(String, GroupTally)> = by
            .options()
            .iter()
            .map(|option| {
                let group = counted.groups.get(&Some(option.clone()));
                (option.clone(), group.map(named).unwrap_or_default())
            })
            .collect();
        if let Some(none) = counted.groups.get(&None).filter(|g| g.responses > 0) {
            groups.push((NOT_ANSWERED.to_owned(), named(none)));
        }
        Ok(Tally {
            everyone: named(&counted.everyone),
            by: Some(by.key.clone()),
            groups,
        })
    }
}

async fn generations(tx: &mut Tx<'_>, round_id: &str) -> Result<Generations, DbError> {
    let row = sqlx::query(
        "SELECT r.counted_generation, s.generation, \
         (SELECT CAST(COALESCE(SUM(k.n), 0) AS BIGINT) FROM response_counts k \
          WHERE k.round_id = r.id) AS responses \
         FROM rounds r JOIN surveys s ON s.id = r.survey_id WHERE r.id = $1",
    )
    .bind(round_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| DbError::Corrupt(format!("no round {round_id}")))?;
    Ok(Generations {
        counted: row.try_get("counted_generation")?,
        survey: row.try_get("generation")?,
        responses: row.try_get("responses")?,
    })
}

/// Counts a round with one query per figure, each a GROUP BY over an
/// index range (see the migrations). Answers and codings are written
/// checked (`domain::answers`): no blank values, each option at most
/// once per answer, the first value at position 0, and codings only
/// on answers that exist, so plain row counts are counts of young
/// people.
async fn count_everyone(tx: &mut Tx<'_>, round_id: &str) -> Result<Counted, DbError> {
    let mut counted = Counted::default();
    let row = sqlx::query("SELECT COUNT(*) AS n FROM responses x WHERE x.round_id = $1")
        .bind(round_id)
        .fetch_one(&mut **tx)
        .await?;
    counted.responses = row.try_get("n")?;
    let rows = sqlx::query(
        "SELECT a.question_id, COUNT(*) AS n FROM answers a \
         WHERE a.round_id = $1 AND a.position = 0 GROUP BY a.question_id",
    )
    .bind(round_id)
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        counted
            .answered
            .insert(row.try_get("question_id")?, row.try_get("n")?);
    }
    // Grouped by position too, so that the rows come in the index's
    // order and need no sorting; added up here.
    let rows = sqlx::query(
        "SELECT a.question_id, a.choice, COUNT(*) AS n FROM answers a \
         WHERE a.round_id = $1 AND a.choice IS NOT NULL \
         GROUP BY a.question_id, a.position, a.choice",
    )
    .bind(round_id)
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let key = (row.try_get("question_id")?, row.try_get("choice")?);
        *counted.chosen.entry(key).or_default() += row.try_get::<i64, _>("n")?;
    }
    let rows = sqlx::query(
        "SELECT c.question_id, c.theme_id, COUNT(*) AS n FROM codings c \
         WHERE c.round_id = $1 AND c.pass = 'main' GROUP BY c.question_id, c.theme_id",
    )
    .bind(round_id)
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let key = (row.try_get("question_id")?, row.try_get("theme_id")?);
        counted.themes.insert(key, row.try_get("n")?);
    }
    let rows = sqlx::query(
        "SELECT c.question_id, COUNT(DISTINCT c.response_id) AS n FROM codings c \
         WHERE c.round_id = $1 AND c.pass = 'main' GROUP BY c.question_id",
    )
    .bind(round_id)
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        counted
            .coded
            .insert(row.try_get("question_id")?, row.try_get("n")?);
    }
    Ok(counted)
}

/// The same figures for each group of a breakdown by question `by_id`:
/// those who chose each of `options`, and (under `None`) those who chose
/// none of them.
///
/// Who is in which group is gathered once (a temporary table on SQLite,
/// which has no hash join; a WITH clause PostgreSQL hashes), and each
/// counted row, still read from its index alone, is joined to it by
/// response id. The groups are columns (`COUNT(*) FILTER`), not a GROUP
/// BY term, so the rows stay in the index's order and need no sorting.
/// A young person who chose several options is joined once per option,
/// so counted in each of their groups.
async fn count_groups(
    tx: &mut Tx<'_>,
    sqlite: bool,
    round_id: &str,
    members: Members<'_>,
    options: &[String],
) -> Result<HashMap<Option<String>, Counted>, DbError> {
    // Who is in which group: (response_id, choice), with $1 the round, $2
    // the question (or the language of responses that never said), and
    // the options from $3.
    let (members, by_id, members_take_options) = match members {
        Members::Answer { question_id } => (
            "SELECT response_id, choice FROM answers \
             WHERE round_id = $1 AND question_id = $2 \
             AND choice IN (SELECT label FROM question_options WHERE question_id = $2)"
                .to_owned(),
            question_id,
            false,
        ),
        // A language the survey is not offered in (an import's) is in no
        // group, like an answer that is no option.
        Members::Language { unsaid } => (
            format!(
                "SELECT id AS response_id, COALESCE(language, $2) AS choice FROM responses \
                 WHERE round_id = $1 AND COALESCE(language, $2) IN ({})",
                (0..options.len())
                    .map(|i| format!("${}", i + 3))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            unsaid,
            true,
        ),
    };
    let with = if sqlite {
        // (Gone with the transaction's rollback; dropped first in case a
        // connection ever kept one.)
        sqlx::query("DROP TABLE IF EXISTS temp.tally_group")
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "CREATE TEMP TABLE tally_group (response_id TEXT NOT NULL, choice TEXT NOT NULL, \
             PRIMARY KEY (response_id, choice)) WITHOUT ROWID",
        )
        .execute(&mut **tx)
        .await?;
        let insert_sql = format!("INSERT OR IGNORE INTO tally_group {members}");
        let mut insert = sqlx::query(&insert_sql).bind(round_id).bind(by_id);
        if members_take_options {
            for option in options {
                insert = insert.bind(option);
            }
        }
        insert.execute(&mut **tx).await?;
        String::new()
    } else {
        format!("WITH tally_group AS ({members}) ")
    };
    // $1 the round, $2 the question (PostgreSQL's WITH; SQLite has no
    // use for it, and numbered parameters may skip one), then the options.
    let columns = |counted: &str| {
        let mut columns: Vec<String> = (0..options.len())
            .map(|i| format!("{counted} FILTER (WHERE g.choice = ${}) AS n{i}", i + 3))
            .collect();
        columns.push(format!(
            "{counted} FILTER (WHERE g.choice IS NULL) AS n_none"
        ));
        columns.join(", ")
    };
    let rows = columns("COUNT(*)");
    let join = |table: &str| format!("LEFT JOIN tally_group g ON g.response_id = {table}");
    let queries = [
        format!(
            "{with}SELECT {rows} FROM responses x {} WHERE x.round_id = $1",
            join("x.id")
        ),
        format!(
            "{with}SELECT a.question_id, {rows} FROM answers a {} \
             WHERE a.round_id = $1 AND a.position = 0 GROUP BY a.question_id",
            join("a.response_id")
        ),
        format!(
            "{with}SELECT a.question_id, a.choice, {rows} FROM answers a {} \
             WHERE a.round_id = $1 AND a.choice IS NOT NULL \
             GROUP BY a.question_id, a.position, a.choice",
            join("a.response_id")
        ),
        format!(
            "{with}SELECT c.question_id, c.theme_id, {rows} FROM codings c {} \
             WHERE c.round_id = $1 AND c.pass = 'main' GROUP BY c.question_id, c.theme_id",
            join("c.response_id")
        ),
        format!(
            "{with}SELECT c.question_id, {} FROM codings c {} \
             WHERE c.round_id = $1 AND c.pass = 'main' GROUP BY c.question_id",
            columns("COUNT(DISTINCT c.response_id)"),
            join("c.response_id")
        ),
    ];
    let mut groups: Vec<(Option<String>, Counted)> = options
        .iter()
        .map(|option| (Some(option.clone()), Counted::default()))
        .chain([(None, Counted::default())])
        .collect();
    for (which, sql) in queries.iter().enumerate() {
        let mut query = sqlx::query(sql).bind(round_id).bind(by_id);
        for option in options {
            query = query.bind(option);
        }
        for row in query.fetch_all(&mut **tx).await? {
            for (i, (_, target)) in groups.iter_mut().enumerate() {
                let column = if i < options.len() {
                    format!("n{i}")
                } else {
                    "n_none".to_owned()
                };
                let n: i64 = row.try_get(column.as_str())?;
                if n == 0 {
                    continue;
                }
                match which {
                    0 => target.responses += n,
                    1 => {
                        *target
                            .answered
                            .entry(row.try_get("question_id")?)
                            .or_default() += n
                    }
                    2 => {
                        let key = (row.try_get("question_id")?, row.try_get("choice")?);
                        *target.chosen.entry(key).or_default() += n;
                    }
                    3 => {
                        let key = (row.try_get("question_id")?, row.try_get("theme_id")?);
                        *target.themes.entry(key).or_default() += n;
                    }
                    _ => *target.coded.entry(row.try_get("question_id")?).or_default() += n,
                }
            }
        }
    }
    Ok(groups.into_iter().collect())
}

fn named_group(
    counted: &Counted,
    question_keys: &HashMap<&str, &str>,
    theme_names: &HashMap<&str, &str>,
) -> GroupTally {
    let mut questions: BTreeMap<String, QuestionTally> = BTreeMap::new();
    // Answers to questions the survey no longer has are not counted.
    fn entry<'a>(
        questions: &'a mut BTreeMap<String, QuestionTally>,
        keys: &HashMap<&str, &str>,
        id: &str,
    ) -> Option<&'a mut QuestionTally> {
        let key = keys.get(id)?;
        Some(questions.entry((*key).to_owned()).or_default())
    }
    for (id, n) in &counted.answered {
        if let Some(q) = entry(&mut questions, question_keys, id) {
            q.answered += n;
        }
    }
    for ((id, choice), n) in &counted.chosen {
        if let Some(q) = entry(&mut questions, question_keys, id) {
            *q.chosen.entry(choice.clone()).or_default() += n;
        }
    }
    for ((id, theme_id), n) in &counted.themes {
        if let Some(name) = theme_names.get(theme_id.as_str())
            && let Some(q) = entry(&mut questions, question_keys, id)
        {
            *q.themes.entry((*name).to_owned()).or_default() += n;
        }
    }
    for (id, n) in &counted.coded {
        if let Some(q) = entry(&mut questions, question_keys, id) {
            q.coded += n;
        }
    }
    GroupTally {
        responses: counted.responses,
        questions,
    }
}

impl Db {
    /// How many answers to free-text question `question_key` were coded in
    /// round `round_id` (main coding), and how many carry each pair of its
    /// themes, by theme name: two GROUP BY queries over the codings'
    /// index.
    pub async fn themes_together(
        &self,
        round_id: &str,
        survey_id: &str,
        question_key: &str,
    ) -> Result<(i64, HashMap<(String, String), i64>), DbError> {
        let ids = self.theme_ids(survey_id).await?;
        let (question_id, themes) = ids
            .get(question_key)
            .ok_or_else(|| DbError::Corrupt(format!("no question {question_key}")))?;
        let names: HashMap<&str, &str> = themes
            .iter()
            .map(|(name, id)| (id.as_str(), name.as_str()))
            .collect();
        let coded: i64 = sqlx::query(
            "SELECT COUNT(DISTINCT response_id) AS n FROM codings \
             WHERE round_id = $1 AND pass = 'main' AND question_id = $2",
        )
        .bind(round_id)
        .bind(question_id)
        .fetch_one(self.pool())
        .await?
        .try_get("n")?;
        let rows = sqlx::query(
            "SELECT a.theme_id AS first, b.theme_id AS second, COUNT(*) AS n \
             FROM codings a JOIN codings b ON b.round_id = a.round_id AND b.pass = a.pass \
             AND b.question_id = a.question_id AND b.response_id = a.response_id \
             AND a.theme_id < b.theme_id \
             WHERE a.round_id = $1 AND a.pass = 'main' AND a.question_id = $2 \
             GROUP BY a.theme_id, b.theme_id",
        )
        .bind(round_id)
        .bind(question_id)
        .fetch_all(self.pool())
        .await?;
        let mut both = HashMap::new();
        for row in rows {
            let (first, second): (String, String) = (row.try_get("first")?, row.try_get("second")?);
            // Codings of a theme since removed are counted nowhere.
            if let (Some(first), Some(second)) =
                (names.get(first.as_str()), names.get(second.as_str()))
            {
                both.insert(
                    ((*first).to_owned(), (*second).to_owned()),
                    row.try_get("n")?,
                );
            }
        }
        Ok((coded, both))
    }
}
