//! Coding answers into themes, with the history of every change, and
//! quotes.

use super::{Db, DbError, Tx, new_id, now};
use crate::domain::agreement::CodedTwice;
use crate::domain::coding::{
    AnswerToCode, CodingChange, MOST_COUNTED_AHEAD, NextTo, PAGE_SIZE, Pass, QuoteState, SheetView,
    Show, Shown,
};
use crate::domain::languages::Language;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A response's place in a round's order (`ORDER BY submitted_on,
/// respondent, id`, the `responses_in_order` index): what a page next to
/// an answer reads on from.
struct InOrder {
    submitted_on: i64,
    /// Only imported responses have one.
    respondent: Option<String>,
    id: String,
}

impl InOrder {
    /// The conditions (on `x`, the round's responses) that pick the
    /// responses after this one (before it, going `backwards`), in the
    /// order a page reads them, each with the values it binds from
    /// parameter `bound + 1` on. Several, because a respondent may be
    /// NULL, which no comparison passes and which each database sorts
    /// to its own end (SQLite first, PostgreSQL last): each condition is
    /// one range of the index, read in order, until the page is full.
    fn ranges(
        &self,
        backwards: bool,
        nulls_first: bool,
        bound: usize,
    ) -> Vec<(String, Vec<String>)> {
        let (than, time, id) = (
            if backwards { "<" } else { ">" },
            format!("CAST(${} AS BIGINT)", bound + 1),
            self.id.clone(),
        );
        // Whether, going this way, responses with no respondent come
        // after those with one.
        let nulls_later = backwards == nulls_first;
        let same_time = |rest: String| format!(" AND x.submitted_on = {time} AND {rest}");
        let mut ranges = Vec::new();
        match &self.respondent {
            None => {
                ranges.push((
                    same_time(format!(
                        "x.respondent IS NULL AND x.id {than} ${}",
                        bound + 2
                    )),
                    vec![self.submitted_on.to_string(), id],
                ));
                if !nulls_later {
                    ranges.push((
                        same_time("x.respondent IS NOT NULL".to_owned()),
                        vec![self.submitted_on.to_string()],
                    ));
                }
            }
            Some(respondent) => {
                ranges.push((
                    same_time(format!(
                        "(x.respondent, x.id) {than} (${}, ${})",
                        bound + 2,
                        bound + 3
                    )),
                    vec![self.submitted_on.to_string(), respondent.clone(), id],
                ));
                if nulls_later {
                    ranges.push((
                        same_time("x.respondent IS NULL".to_owned()),
                        vec![self.submitted_on.to_string()],
                    ));
                }
            }
        }
        ranges.push((
            format!(" AND x.submitted_on {than} {time}"),
            vec![self.submitted_on.to_string()],
        ));
        ranges
    }
}

impl Db {
    /// The answers to `question_id` in `round_id` that have themes in the
    /// main coding: each one's text and themes (in codebook order). What
    /// keywords are learned from; reads only the coded answers.
    pub async fn coded_answers(
        &self,
        round_id: &str,
        question_id: &str,
    ) -> Result<Vec<(String, Vec<String>)>, DbError> {
        let rows = sqlx::query(
            "SELECT c.response_id, a.value, t.name FROM codings c \
             JOIN themes t ON t.id = c.theme_id \
             JOIN answers a ON a.response_id = c.response_id AND a.question_id = c.question_id \
                  AND a.position = 0 \
             JOIN responses x ON x.id = c.response_id \
             WHERE c.round_id = $1 AND c.pass = 'main' AND c.question_id = $2 \
             ORDER BY x.submitted_on, x.respondent, x.id, t.position",
        )
        .bind(round_id)
        .bind(question_id)
        .fetch_all(self.pool())
        .await?;
        let mut coded: Vec<(String, String, Vec<String>)> = Vec::new();
        for row in &rows {
            let response_id: String = row.try_get("response_id")?;
            let theme: String = row.try_get("name")?;
            match coded.last_mut() {
                Some((id, _, themes)) if *id == response_id => themes.push(theme),
                _ => coded.push((response_id, row.try_get("value")?, vec![theme])),
            }
        }
        Ok(coded
            .into_iter()
            .map(|(_, text, themes)| (text, themes))
            .collect())
    }

    /// One page of a round's answers to free-text question `question_id`,
    /// for coding in `pass`: those `view` shows, in its order, each with
    /// its text, about-you answers (`attribute_ids`' first values),
    /// themes, flag and quote; and how many `view` shows over all pages
    /// (`progress` is the question's [`Db::coding_progress`]; a view
    /// that must be counted is counted only [`MOST_COUNTED_AHEAD`] past
    /// the page).
    /// Filtered, ordered and cut by the database, so a page reads a page
    /// of rows however large the round. `view` ends as the page was
    /// served: a page next to an answer that is gone starts at its count
    /// instead, and one before an answer with no more than a page before
    /// it is the first page. A view sorted by an about-you answer is read
    /// group by group; only an address counted by hand past its first
    /// page (`from` with no answer named) sorts every answer.
    #[allow(clippy::too_many_arguments)]
    pub async fn coding_page(
        &self,
        round_id: &str,
        question_id: &str,
        attribute_ids: &[String],
        pass: Pass,
        view: &mut SheetView,
        progress: (usize, usize),
        survey_language: &Language,
    ) -> Result<(Vec<AnswerToCode>, Shown), DbError> {
        // Parameters numbered as they are added, so each is used.
        let mut params: Vec<String> = vec![round_id.to_owned(), question_id.to_owned()];
        let mut param = |value: &str| {
            params.push(value.to_owned());
            format!("${}", params.len())
        };
        let mut filter = String::new();
        match &view.show {
            Show::All => {}
            Show::Uncoded => {
                filter += &format!(
                    " AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.response_id = a.response_id \
                     AND c.question_id = a.question_id AND c.pass = {})",
                    param(pass.as_str())
                )
            }
            Show::Flagged => {
                filter += " AND EXISTS (SELECT 1 FROM safeguarding_flags f \
                           WHERE f.response_id = a.response_id)"
            }
            Show::Theme(name) => {
                filter += &format!(
                    " AND EXISTS (SELECT 1 FROM codings c JOIN themes t ON t.id = c.theme_id \
                     WHERE c.response_id = a.response_id AND c.question_id = a.question_id \
                     AND c.pass = {} AND t.name = {})",
                    param(pass.as_str()),
                    param(name)
                )
            }
        }
        if let Some(about) = &view.about
            && let Some(attribute_id) = attribute_ids.get(about.column)
        {
            filter += &format!(
                " AND EXISTS (SELECT 1 FROM answers b WHERE b.response_id = a.response_id \
                 AND b.question_id = {} AND b.position = 0 AND b.value = {})",
                param(attribute_id),
                param(&about.value)
            );
        }
        // Answers in one language; those whose language was never said
        // (imported without one) are in the survey's own.
        if let Some(language) = &view.language {
            let unsaid = if *language == survey_language.tag() {
                " OR l.language IS NULL"
            } else {
                ""
            };
            filter += &format!(
                " AND EXISTS (SELECT 1 FROM responses l WHERE l.id = a.response_id \
                 AND (l.language = {}{unsaid}))",
                param(language)
            );
        }
        let sqlite = self.is_sqlite();
        // A view sorted by an about-you answer: the question, and its
        // options that the round's answers hold (in byte order, as the
        // screen sorts). A free-text about-you answer is never shown on
        // the page, so a view sorted by one is shown, and read, in the
        // order answered.
        let mut sorted_by = None;
        if let Some((column, attribute_id)) = view
            .order
            .and_then(|i| attribute_ids.get(i).map(|id| (i, id)))
            && let Some(mut held) = self.options_held(round_id, attribute_id).await?
        {
            // Filtered to one of its own options: the others hold none.
            if let Some(about) = view.about.as_ref().filter(|a| a.column == column) {
                held.retain(|label| *label == about.value);
            }
            sorted_by = Some((attribute_id, held));
        }
        let most_counted = view.from + PAGE_SIZE + MOST_COUNTED_AHEAD;
        let count_sql = format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM answers a \
             WHERE a.round_id = $1 AND a.question_id = $2 AND a.position = 0{filter} \
             LIMIT {}) counted",
            most_counted + 1
        );
        // How many are shown: for all answers, or those not yet coded,
        // read off the progress's indexes; otherwise counted with the
        // filter.
        let (total, coded) = progress;
        let shown = match (&view.show, &view.about, &view.language) {
            (Show::All, None, None) => Shown::All(total),
            (Show::Uncoded, None, None) => Shown::All(total.saturating_sub(coded)),
            _ => {
                let mut count = sqlx::query(&count_sql);
                for value in &params {
                    count = count.bind(value);
                }
                let n: i64 = count.fetch_one(self.pool()).await?.try_get("n")?;
                match n as usize {
                    n if n > most_counted => Shown::AtLeast(most_counted),
                    n => Shown::All(n),
                }
            }
        };
        // A page of the view's answers that also meet `more` (conditions
        // on `a`, the answer, and `x`, its response), in the order
        // answered (or its reverse), from a count.
        // `first_by` sorts ahead of the order answered ("" for none).
        let page_sql = |from: &str,
                        more: &str,
                        first_by: &str,
                        descending: bool,
                        limit: usize,
                        offset: usize| {
            let order = if descending {
                "x.submitted_on DESC, x.respondent DESC, x.id DESC"
            } else {
                "x.submitted_on, x.respondent, x.id"
            };
            format!(
                "SELECT a.response_id, a.value, \
                        (SELECT COUNT(*) FROM safeguarding_flags f WHERE f.response_id = a.response_id) AS flagged, \
                        qu.redacted, qu.approved_at \
                 FROM {from} \
                 LEFT JOIN quotes qu ON qu.response_id = a.response_id AND qu.question_id = a.question_id \
                 WHERE x.round_id = $1 AND a.response_id = x.id \
                 AND a.question_id = $2 AND a.position = 0{filter}{more} \
                 ORDER BY {first_by}{order} LIMIT {limit} OFFSET {offset}"
            )
        };
        // One page's rows: `sql` with the view's parameters, then `extra`.
        let fetch = async |sql: String, extra: &[String]| {
            let mut page = sqlx::query(&sql);
            for value in params.iter().chain(extra) {
                page = page.bind(value);
            }
            page.fetch_all(self.pool()).await
        };
        // What a page reads, in the view's order: its answers in the
        // order answered, or, in a view sorted by an about-you answer,
        // each group of them in turn (those with no about-you answer, as
        // the empty text sorts, then each option in byte order, as the
        // screen sorts), each in the order answered. Each part is where
        // the rows are read from, a condition and the values it binds
        // after the view's parameters.
        let in_order = "responses x CROSS JOIN answers a";
        let mut parts: Vec<(&str, String, Vec<String>)> = Vec::new();
        match &sorted_by {
            None => parts.push((in_order, String::new(), Vec::new())),
            Some((attribute_id, held)) => {
                let attribute = format!("${}", params.len() + 1);
                let option = format!("${}", params.len() + 2);
                let answered = format!(
                    "SELECT 1 FROM answers g WHERE g.response_id = a.response_id \
                     AND g.question_id = {attribute} AND g.position = 0"
                );
                let about_it = view
                    .about
                    .as_ref()
                    .is_some_and(|a| Some(a.column) == view.order);
                if !about_it && self.anyone_skipped(round_id, attribute_id).await? {
                    parts.push((
                        in_order,
                        format!(" AND NOT EXISTS ({answered})"),
                        vec![(*attribute_id).clone()],
                    ));
                }
                // A group of many is found by reading the round in order
                // and keeping its members (a page of a group of a tenth
                // reads about a thousand answers); a group of few (at
                // most [`FEW`], and under a twentieth of the answers) from
                // its members in the counting index, sorted: read in
                // order, it would take a pass through the round.
                const FEW: usize = 2_000;
                let few = FEW.min(progress.0 / 20);
                for label in held {
                    let members = self
                        .members_up_to(round_id, attribute_id, label, few + 1)
                        .await?;
                    let values = vec![(*attribute_id).clone(), label.clone()];
                    if members <= few {
                        parts.push((
                            "answers g CROSS JOIN responses x CROSS JOIN answers a",
                            format!(
                                " AND g.round_id = $1 AND g.question_id = {attribute} \
                                 AND g.position = 0 AND g.choice = {option} AND x.id = g.response_id"
                            ),
                            values,
                        ));
                    } else {
                        parts.push((
                            in_order,
                            format!(" AND EXISTS ({answered} AND g.value = {option})"),
                            values,
                        ));
                    }
                }
            }
        }
        // Up to `wanted` rows from part `start` on (backwards: from it
        // back to the first part), from the start of each part, or, in
        // part `start`, from the answer `after` names.
        let read = async |start: usize, after: Option<&InOrder>, backwards: bool, wanted: usize| {
            let mut rows = Vec::new();
            let order: Vec<usize> = if backwards {
                (0..=start).rev().collect()
            } else {
                (start..parts.len()).collect()
            };
            for i in order {
                let (from, condition, values) = &parts[i];
                let ranges = match after {
                    Some(key) if i == start => {
                        key.ranges(backwards, sqlite, params.len() + values.len())
                    }
                    _ => vec![(String::new(), Vec::new())],
                };
                for (range, range_values) in ranges {
                    let sql = page_sql(
                        from,
                        &format!("{condition}{range}"),
                        "",
                        backwards,
                        wanted - rows.len(),
                        0,
                    );
                    rows.extend(fetch(sql, &[values.clone(), range_values].concat()).await?);
                    if rows.len() == wanted {
                        return Ok::<_, DbError>(rows);
                    }
                }
            }
            Ok(rows)
        };
        // Where the answer the page starts next to is: its place in the
        // order answered, and which part it is in.
        let next_to = match &view.next_to {
            Some(next_to) => match self.answer_in_order(round_id, next_to).await? {
                Some((key, backwards)) => {
                    let part = match &sorted_by {
                        None => Some(0),
                        Some((attribute_id, _)) => {
                            let group = self.about_you_answer(&key.id, attribute_id).await?;
                            parts
                                .iter()
                                .position(|(_, _, values)| values.get(1) == group.as_ref())
                        }
                    };
                    part.map(|part| (key, part, backwards))
                }
                None => None,
            },
            None => None,
        };
        let first_page = async || match sorted_by {
            None => fetch(page_sql(in_order, "", "", false, PAGE_SIZE, 0), &[])
                .await
                .map_err(DbError::from),
            Some(_) => read(0, None, false, PAGE_SIZE).await,
        };
        let rows = match next_to {
            None => {
                view.next_to = None;
                match &sorted_by {
                    _ if view.from == 0 => first_page().await?,
                    None => {
                        fetch(page_sql(in_order, "", "", false, PAGE_SIZE, view.from), &[]).await?
                    }
                    // Sorted and counted from an address typed by hand:
                    // every answer sorted (seconds in a large round).
                    Some((attribute_id, _)) => {
                        let from = format!(
                            "{in_order} LEFT JOIN answers o ON o.response_id = a.response_id \
                             AND o.question_id = ${} AND o.position = 0",
                            params.len() + 1
                        );
                        let first_by = if sqlite {
                            "COALESCE(o.value, ''), "
                        } else {
                            "COALESCE(o.value, '') COLLATE \"C\", "
                        };
                        let sql = page_sql(&from, "", first_by, false, PAGE_SIZE, view.from);
                        fetch(sql, std::slice::from_ref(attribute_id)).await?
                    }
                }
            }
            Some((key, part, backwards)) => {
                // Backwards, one more than a page: to know whether the
                // page is the first.
                let wanted = PAGE_SIZE + usize::from(backwards);
                let mut rows = read(part, Some(&key), backwards, wanted).await?;
                if backwards && rows.len() == wanted {
                    rows.pop();
                    rows.reverse();
                    // More than a page before: not the first page, even
                    // where answers came into the view before it since
                    // the address counted (the pager keeps its way back).
                    view.from = view.from.max(1);
                } else if backwards {
                    // No more than a page before the answer: the page is
                    // the first, whatever the address counted.
                    view.from = 0;
                    view.next_to = None;
                    if rows.len() == PAGE_SIZE {
                        rows.reverse();
                    } else {
                        rows = first_page().await?;
                    }
                }
                rows
            }
        };
        let mut answers: Vec<AnswerToCode> = Vec::with_capacity(rows.len());
        for row in &rows {
            let redacted: Option<String> = row.try_get("redacted")?;
            let approved: Option<i64> = row.try_get("approved_at")?;
            answers.push(AnswerToCode {
                language: None,
                response_id: row.try_get("response_id")?,
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
        if answers.is_empty() {
            return Ok((answers, shown));
        }
        let index: HashMap<String, usize> = answers
            .iter()
            .enumerate()
            .map(|(i, a)| (a.response_id.clone(), i))
            .collect();
        if !attribute_ids.is_empty() {
            // By the answers' key (the page's responses are the round's):
            // with the round named, SQLite read every about-you answer of
            // the round off the counting index instead. Only choices:
            // free text never is an about-you answer.
            let sql = format!(
                "SELECT a.response_id, a.question_id, a.value FROM answers a \
                 WHERE a.question_id IN {} AND a.position = 0 AND a.response_id IN {} \
                 AND a.choice IS NOT NULL",
                super::submissions::placeholders_from(1, 1, attribute_ids.len()),
                super::submissions::placeholders_from(1 + attribute_ids.len(), 1, answers.len())
            );
            let mut query = sqlx::query(&sql);
            for attribute_id in attribute_ids {
                query = query.bind(attribute_id);
            }
            for answer in &answers {
                query = query.bind(&answer.response_id);
            }
            for row in query.fetch_all(self.pool()).await? {
                let question: String = row.try_get("question_id")?;
                let Some(column) = attribute_ids.iter().position(|a| *a == question) else {
                    continue;
                };
                let response_id: String = row.try_get("response_id")?;
                if let Some(&i) = index.get(&response_id) {
                    answers[i].about_you[column] = row.try_get("value")?;
                }
            }
        }
        let sql = format!(
            "SELECT c.response_id, t.name FROM codings c JOIN themes t ON t.id = c.theme_id \
             WHERE c.question_id = $1 AND c.pass = $2 AND c.response_id IN {} \
             ORDER BY t.position",
            super::submissions::placeholders_from(3, 1, answers.len())
        );
        let mut query = sqlx::query(&sql).bind(question_id).bind(pass.as_str());
        for answer in &answers {
            query = query.bind(&answer.response_id);
        }
        for row in query.fetch_all(self.pool()).await? {
            let response_id: String = row.try_get("response_id")?;
            if let Some(&i) = index.get(&response_id) {
                answers[i].themes.push(row.try_get("name")?);
            }
        }
        Ok((answers, shown))
    }

    /// Whether a response of round `round_id` may have left about-you
    /// question `attribute_id` unanswered: fewer answers to it than
    /// responses, read off the kept counts. When none did, a view sorted
    /// by it need not look for such answers (which, when there are none,
    /// means reading through the whole round to find none).
    async fn anyone_skipped(&self, round_id: &str, attribute_id: &str) -> Result<bool, DbError> {
        let row = sqlx::query(
            "SELECT (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM response_counts WHERE round_id = $1) AS responses, \
                    (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM answer_counts \
                     WHERE round_id = $1 AND question_id = $2 AND counted = 'answered') AS answered",
        )
        .bind(round_id)
        .bind(attribute_id)
        .fetch_one(self.pool())
        .await?;
        let (responses, answered): (i64, i64) =
            (row.try_get("responses")?, row.try_get("answered")?);
        Ok(answered < responses)
    }

    /// The options of question `question_id` that answers in round
    /// `round_id` hold, in byte order (as the coding screen sorts
    /// about-you answers); `None` if it has no options (free text). One
    /// look in the counting index per option: a view sorted by it need
    /// not read through the round for an option no one chose.
    async fn options_held(
        &self,
        round_id: &str,
        question_id: &str,
    ) -> Result<Option<Vec<String>>, DbError> {
        let rows = sqlx::query(
            "SELECT o.label, CAST(CASE WHEN EXISTS (SELECT 1 FROM answers a \
                 WHERE a.round_id = $1 AND a.question_id = $2 AND a.position = 0 AND a.choice = o.label) \
                 THEN 1 ELSE 0 END AS BIGINT) AS held \
             FROM question_options o WHERE o.question_id = $2",
        )
        .bind(round_id)
        .bind(question_id)
        .fetch_all(self.pool())
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut held = Vec::new();
        for row in &rows {
            if row.try_get::<i64, _>("held")? == 1 {
                held.push(row.try_get::<String, _>("label")?);
            }
        }
        held.sort();
        Ok(Some(held))
    }

    /// How many answers in round `round_id` chose `label` for question
    /// `question_id`, counted only up to `most` (index entries read).
    async fn members_up_to(
        &self,
        round_id: &str,
        question_id: &str,
        label: &str,
        most: usize,
    ) -> Result<usize, DbError> {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM answers WHERE round_id = $1 AND question_id = $2 \
             AND position = 0 AND choice = $3 LIMIT {most}) members"
        ))
        .bind(round_id)
        .bind(question_id)
        .bind(label)
        .fetch_one(self.pool())
        .await?;
        Ok(n as usize)
    }

    /// Response `response_id`'s answer to about-you question
    /// `attribute_id`, if it gave one.
    async fn about_you_answer(
        &self,
        response_id: &str,
        attribute_id: &str,
    ) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT value FROM answers WHERE response_id = $1 AND question_id = $2 AND position = 0",
        )
        .bind(response_id)
        .bind(attribute_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Where the answer `next_to` names comes in a round's order (its
    /// response's time, respondent and id), and whether the page goes
    /// backwards from it; `None` if the round has no such response.
    async fn answer_in_order(
        &self,
        round_id: &str,
        next_to: &NextTo,
    ) -> Result<Option<(InOrder, bool)>, DbError> {
        let (id, backwards) = match next_to {
            NextTo::After(id) => (id, false),
            NextTo::Before(id) => (id, true),
        };
        let row = sqlx::query(
            "SELECT submitted_on, respondent FROM responses WHERE id = $1 AND round_id = $2",
        )
        .bind(id)
        .bind(round_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(row) => Some((
                InOrder {
                    submitted_on: row.try_get("submitted_on")?,
                    respondent: row.try_get("respondent")?,
                    id: id.clone(),
                },
                backwards,
            )),
            None => None,
        })
    }

    /// The answers to `question_id` in `round_id` that both the main
    /// coder and a second coder have given themes, in the order answered:
    /// what agreement is measured on. Reads only the answers coded twice.
    pub async fn coded_twice(
        &self,
        round_id: &str,
        question_id: &str,
    ) -> Result<Vec<CodedTwice>, DbError> {
        let rows = sqlx::query(
            // From the second coder's answers (CROSS JOIN: SQLite keeps
            // that order), never a scan of the round's codings.
            "SELECT c.response_id, c.pass, t.name, a.value \
             FROM (SELECT DISTINCT k.response_id FROM codings k \
                   WHERE k.round_id = $1 AND k.pass = 'check' AND k.question_id = $2) k \
             CROSS JOIN codings c \
             JOIN themes t ON t.id = c.theme_id \
             JOIN answers a ON a.response_id = c.response_id AND a.question_id = c.question_id \
                  AND a.position = 0 \
             JOIN responses x ON x.id = c.response_id \
             WHERE c.response_id = k.response_id AND c.question_id = $2 \
             ORDER BY x.submitted_on, x.respondent, x.id, t.position",
        )
        .bind(round_id)
        .bind(question_id)
        .fetch_all(self.pool())
        .await?;
        let mut twice: Vec<(String, CodedTwice)> = Vec::new();
        for row in &rows {
            let response_id: String = row.try_get("response_id")?;
            if twice.last().is_none_or(|(id, _)| *id != response_id) {
                let answer = CodedTwice {
                    answer: row.try_get("value")?,
                    first: Default::default(),
                    second: Default::default(),
                };
                twice.push((response_id, answer));
            }
            let Some((_, answer)) = twice.last_mut() else {
                continue;
            };
            let theme: String = row.try_get("name")?;
            if row.try_get::<String, _>("pass")? == Pass::Check.as_str() {
                answer.second.insert(theme);
            } else {
                answer.first.insert(theme);
            }
        }
        Ok(twice
            .into_iter()
            .map(|(_, answer)| answer)
            .filter(|a| !a.first.is_empty() && !a.second.is_empty())
            .collect())
    }

    /// The text of `response_id`'s answer to question `question_id` in
    /// round `round_id`, if it holds one.
    pub async fn answer_text(
        &self,
        round_id: &str,
        question_id: &str,
        response_id: &str,
    ) -> Result<Option<String>, DbError> {
        let row = sqlx::query(
            "SELECT value FROM answers \
             WHERE response_id = $1 AND question_id = $2 AND position = 0 AND round_id = $3",
        )
        .bind(response_id)
        .bind(question_id)
        .bind(round_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| row.try_get("value"))
            .transpose()
            .map_err(Into::into)
    }

    /// The language each of `response_ids` was answered in, where known
    /// (not for responses stored before surveys had languages, nor
    /// imported ones).
    pub async fn response_languages(
        &self,
        response_ids: &[&str],
    ) -> Result<HashMap<String, String>, DbError> {
        // A few dozen ids a statement, as in `uncoded_answers_among`.
        const IDS_A_STATEMENT: usize = 48;
        let mut languages = HashMap::new();
        for ids in response_ids.chunks(IDS_A_STATEMENT) {
            let sql = format!(
                "SELECT id, language FROM responses WHERE language IS NOT NULL AND id IN {}",
                super::submissions::placeholders_from(1, 1, ids.len())
            );
            let mut query = sqlx::query(&sql);
            for id in ids {
                query = query.bind(*id);
            }
            for row in query.fetch_all(self.pool()).await? {
                languages.insert(row.try_get("id")?, row.try_get("language")?);
            }
        }
        Ok(languages)
    }

    /// Of `response_ids`, the answers to question `question_id` in round
    /// `round_id` with no main coding yet: (response id, text).
    pub async fn uncoded_answers_among(
        &self,
        round_id: &str,
        question_id: &str,
        response_ids: &[String],
    ) -> Result<Vec<(String, String)>, DbError> {
        // A few dozen ids a statement: sqlx's SQLite driver binds in time
        // that grows with the square of the parameters.
        const IDS_A_STATEMENT: usize = 48;
        let mut found = Vec::new();
        for ids in response_ids.chunks(IDS_A_STATEMENT) {
            let sql = format!(
                "SELECT a.response_id, a.value FROM answers a \
                 WHERE a.round_id = $1 AND a.question_id = $2 AND a.position = 0 \
                 AND a.response_id IN {} AND NOT EXISTS (SELECT 1 FROM codings c \
                 WHERE c.response_id = a.response_id AND c.question_id = a.question_id AND c.pass = 'main')",
                super::submissions::placeholders_from(3, 1, ids.len())
            );
            let mut query = sqlx::query(&sql).bind(round_id).bind(question_id);
            for id in ids {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(self.pool()).await? {
                found.push((row.try_get("response_id")?, row.try_get("value")?));
            }
        }
        Ok(found)
    }

    /// Gives each answer its themes in the main coding, in one
    /// transaction, each change recorded as `how` by `who`.
    pub async fn code_many(
        &self,
        survey_id: &str,
        key: &str,
        coded: &[(String, Vec<String>)],
        who: &str,
        how: &str,
    ) -> Result<(), DbError> {
        let themes = self.theme_ids(survey_id).await?;
        let mut tx = self.pool().begin().await?;
        let mut counts = super::progress::CountChanges::new();
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
        super::progress::add_to_counts(&mut *tx, &counts, 0).await?;
        if let Some((response_id, _)) = coded.first() {
            super::tallies::recount_round_of(&mut tx, response_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets the themes of one answer in one pass, recording the change.
    /// `Ok(false)` when the response is not in the round or did not answer
    /// the question. Setting the themes it already has is recorded too
    /// (the worker confirmed them).
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
        let coded = [(response_id.to_owned(), names.to_vec())];
        let mut counts = super::progress::CountChanges::new();
        write_codings(&mut tx, &mut counts, &themes, key, pass, &coded, who, how).await?;
        super::progress::add_to_counts(&mut *tx, &counts, 0).await?;
        if pass == Pass::Main {
            super::tallies::recount_round_of(&mut tx, response_id).await?;
        }
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
    pub(super) async fn theme_ids(&self, survey_id: &str) -> Result<ThemeIds, DbError> {
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
    pub(super) async fn codings_of_round(
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
pub(super) type ThemeIds = BTreeMap<String, (String, BTreeMap<String, String>)>;

/// Replaces the themes of each answer of `coded` (response id, theme
/// names; the last for an answer named twice) to question `key` in
/// `pass`, records each change as `how` by `who`, and adds to `counts`
/// how the kept counts move (`db::progress`; for the caller to write
/// once, after all its codings and before the round's row): a handful
/// of statements for every 40 answers, not five for each. Each answer
/// must exist (the callers look first).
///
/// On PostgreSQL each response's row is locked first, as an erasure
/// locks it, so that what an answer had before is read after any other
/// change to it has committed: two workers coding one answer, or a
/// coding and an erasure, then count it once. (SQLite writes one
/// transaction at a time.)
#[allow(clippy::too_many_arguments)]
pub(super) async fn write_codings(
    tx: &mut Tx<'_>,
    counts: &mut super::progress::CountChanges,
    themes: &ThemeIds,
    key: &str,
    pass: Pass,
    coded: &[(String, Vec<String>)],
    who: &str,
    how: &str,
) -> Result<(), DbError> {
    // Answers a statement; a few dozen parameters: sqlx's SQLite driver
    // binds in time that grows with the square of the parameters.
    const ANSWERS_A_STATEMENT: usize = 40;
    let (question_id, ids) = themes
        .get(key)
        .ok_or_else(|| DbError::Corrupt(format!("coding for unknown question {key}")))?;
    let theme_id = |name: &String| {
        ids.get(name)
            .ok_or_else(|| DbError::Corrupt(format!("question {key} has no theme {name:?}")))
    };
    // Each answer once (the last of its themes given).
    let mut seen = std::collections::HashSet::new();
    let mut coded: Vec<(String, Vec<String>)> = coded
        .iter()
        .rev()
        .filter(|(id, _)| seen.insert(id.as_str()))
        .cloned()
        .collect();
    coded.reverse();
    let at = now();
    for chunk in coded.chunks(ANSWERS_A_STATEMENT) {
        lock_responses(tx, chunk).await?;
        let in_chunk = super::submissions::placeholders_from(3, 1, chunk.len());
        // Each answer's round and themes before.
        let sql = format!(
            "SELECT a.response_id, a.round_id, t.name FROM answers a \
             LEFT JOIN codings c ON c.response_id = a.response_id \
                  AND c.question_id = a.question_id AND c.pass = $2 \
             LEFT JOIN themes t ON t.id = c.theme_id \
             WHERE a.question_id = $1 AND a.position = 0 AND a.response_id IN {in_chunk} \
             ORDER BY a.response_id, t.position"
        );
        let rows = sqlx::query(&sql)
            .bind(question_id.as_str())
            .bind(pass.as_str());
        let rows = bind_ids(rows, chunk).fetch_all(&mut **tx).await?;
        let mut before: HashMap<String, (String, Vec<String>)> = HashMap::new();
        for row in &rows {
            let (round_id, names) = before
                .entry(row.try_get("response_id")?)
                .or_insert_with(|| (String::new(), Vec::new()));
            *round_id = row.try_get("round_id")?;
            if let Some(name) = row.try_get::<Option<String>, _>("name")? {
                names.push(name);
            }
        }
        let sql = format!(
            "DELETE FROM codings WHERE question_id = $1 AND pass = $2 AND response_id IN {in_chunk}"
        );
        let delete = sqlx::query(&sql)
            .bind(question_id.as_str())
            .bind(pass.as_str());
        bind_ids(delete, chunk).execute(&mut **tx).await?;
        let mut new_codings: Vec<(&str, &str, &str)> = Vec::new();
        for (response_id, names) in chunk {
            let (round_id, was) = before.get(response_id).ok_or_else(|| {
                DbError::Corrupt(format!("coding an answer that is not there ({key})"))
            })?;
            for name in names {
                new_codings.push((response_id, round_id, theme_id(name)?));
            }
            let moved = i64::from(!names.is_empty()) - i64::from(!was.is_empty());
            *counts
                .entry((
                    round_id.clone(),
                    question_id.clone(),
                    super::progress::Counted::Coded(pass),
                ))
                .or_default() += moved;
        }
        for rows in new_codings.chunks(ANSWERS_A_STATEMENT) {
            let sql = format!(
                "INSERT INTO codings (response_id, round_id, question_id, pass, theme_id) VALUES {}",
                (0..rows.len())
                    .map(|i| format!("(${}, ${}, $1, $2, ${})", 3 + 3 * i, 4 + 3 * i, 5 + 3 * i))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut insert = sqlx::query(&sql)
                .bind(question_id.as_str())
                .bind(pass.as_str());
            for (response_id, round_id, theme_id) in rows {
                insert = insert.bind(*response_id).bind(*round_id).bind(*theme_id);
            }
            insert.execute(&mut **tx).await?;
        }
        // The history: each answer's change numbered after its last.
        let sql = format!(
            "INSERT INTO coding_changes (id, response_id, question_id, pass, changed_by, changed_at, \
             from_themes, to_themes, how, seq) VALUES {}",
            (0..chunk.len())
                .map(|i| {
                    let p = |n: usize| format!("${}", 6 + 4 * i + n);
                    format!(
                        "({}, {}, $1, $2, $3, $4, {}, {}, $5, (SELECT COALESCE(MAX(seq), 0) + 1 \
                         FROM coding_changes WHERE response_id = {} AND question_id = $1))",
                        p(0),
                        p(1),
                        p(2),
                        p(3),
                        p(1)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut insert = sqlx::query(&sql)
            .bind(question_id.as_str())
            .bind(pass.as_str())
            .bind(who)
            .bind(at)
            .bind(how);
        for (response_id, names) in chunk {
            let was = before.get(response_id).map(|(_, was)| was.join("\n"));
            insert = insert
                .bind(new_id())
                .bind(response_id.as_str())
                .bind(was.unwrap_or_default())
                .bind(names.join("\n"));
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}

/// On PostgreSQL, locks the rows of the responses of `coded` until the
/// transaction ends (in id order, so that two transactions wait rather
/// than deadlock); see [`write_codings`].
async fn lock_responses(tx: &mut Tx<'_>, coded: &[(String, Vec<String>)]) -> Result<(), DbError> {
    if tx.backend_name() == "SQLite" {
        return Ok(());
    }
    let sql = format!(
        "SELECT id FROM responses WHERE id IN {} ORDER BY id FOR UPDATE",
        super::submissions::placeholders_from(1, 1, coded.len())
    );
    bind_ids(sqlx::query(&sql), coded)
        .fetch_all(&mut **tx)
        .await?;
    Ok(())
}

/// `query` with the response id of each of `coded` bound after its
/// parameters.
fn bind_ids<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    coded: &'q [(String, Vec<String>)],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for (response_id, _) in coded {
        query = query.bind(response_id.as_str());
    }
    query
}
