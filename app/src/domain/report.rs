//! What a round's answers add up to: counts and percentages per question,
//! breakdowns by an "about you" attribute, comparisons across rounds, and the
//! disclosure control that decides what a viewer may see.
//!
//! All arithmetic is on integers: a percentage is a whole number of tenths,
//! rounded half up from the exact fraction (17/22 = 77.2727.. -> 77.3, and
//! 39/624 = 6.25 exactly -> 6.3, which floating point would get wrong).

use super::survey::{CodingMode, Question, QuestionKind, Survey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The label of the row counting free-text answers nobody has coded yet.
pub const NOT_YET_CODED: &str = "Not yet coded";
/// The label of the group of young people who skipped the attribute.
pub const NOT_ANSWERED: &str = "Not answered";

/// One young person's response as reports see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRow {
    /// Values by question key (option labels, or the free text).
    pub answers: BTreeMap<String, Vec<String>>,
    /// Free-text questions: the names of the themes the answer is coded
    /// with (the main coding), by question key.
    pub themes: BTreeMap<String, Vec<String>>,
}

/// `numerator / denominator` as a percentage in tenths, rounded half away
/// from zero (so half up for positive shares). `None` when the denominator
/// is zero.
pub fn percent_tenths(numerator: i64, denominator: i64) -> Option<i64> {
    ratio_rounded(numerator * 1000, denominator)
}

/// `numerator / denominator` rounded half away from zero, exactly.
fn ratio_rounded(numerator: i64, denominator: i64) -> Option<i64> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = (
        i128::from(numerator) * i128::from(denominator.signum()),
        i128::from(denominator.abs()),
    );
    let magnitude = (2 * n.abs() + d) / (2 * d);
    Some((n.signum() * magnitude) as i64)
}

/// Tenths as a number with one decimal: `773` -> `77.3`.
pub fn format_tenths(tenths: i64) -> String {
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}{}.{}", tenths.abs() / 10, tenths.abs() % 10)
}

/// Like [`format_tenths`], with a sign always: `+5.9`, `-0.4`, `0.0`.
pub fn format_signed_tenths(tenths: i64) -> String {
    if tenths > 0 {
        format!("+{}", format_tenths(tenths))
    } else {
        format_tenths(tenths)
    }
}

/// A whole number with a sign always: `+53`, `-7`, `0`.
pub fn format_signed(value: i64) -> String {
    if value > 0 {
        format!("+{value}")
    } else {
        value.to_string()
    }
}

/// A count as a report shows it: exact, or hidden by disclosure control
/// (printed `c`, the GSS symbol for confidential).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Figure {
    Exact(i64),
    Suppressed,
}

impl Figure {
    pub fn exact(self) -> Option<i64> {
        match self {
            Figure::Exact(n) => Some(n),
            Figure::Suppressed => None,
        }
    }

    /// The figure as printed: the number, or `c`.
    pub fn show(self) -> String {
        match self {
            Figure::Exact(n) => n.to_string(),
            Figure::Suppressed => "c".to_owned(),
        }
    }
}

/// One category's line in a breakdown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub category: String,
    pub count: Figure,
}

/// A question's counts among one group of young people (everyone, or those
/// with one value of an attribute).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// The attribute's value this block is about; `None` for everyone.
    pub group: Option<String>,
    /// How many in the group answered the question: the percentages' base.
    pub answered: Figure,
    /// How many in the group skipped it; `None` where it is not shown.
    pub skipped: Option<i64>,
    pub lines: Vec<Line>,
}

impl Block {
    /// A line's percentage of those who answered, in tenths; `None` when
    /// either figure is suppressed or nobody answered.
    pub fn percent(&self, line: &Line) -> Option<i64> {
        percent_tenths(line.count.exact()?, self.answered.exact()?)
    }
}

/// How a question's categories relate to each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Counting {
    /// One category per answer: shares sum to 100% up to rounding.
    OneEach,
    /// Any number per answer: "% who mentioned it".
    AnyNumber,
}

/// Everything a report says about one question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionReport {
    pub key: String,
    pub text: String,
    pub counting: Counting,
    /// True for free-text questions, counted by their coded themes.
    pub coded: bool,
    /// The attribute the blocks are broken down by, if any.
    pub by: Option<String>,
    /// Set when viewers may not see this question at all, with the reason.
    pub withheld: Option<String>,
    /// Each category's colour for charts: the theme's own, or the palette's.
    pub colours: BTreeMap<String, String>,
    pub blocks: Vec<Block>,
}

/// Who a report is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    /// Participation workers: exact figures.
    Worker,
    /// Viewers and share links: disclosure control applied.
    Viewer,
}

/// The thresholds of a survey's disclosure control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// Cells of a breakdown by attribute with a count below this are hidden.
    pub min_cell: i64,
    /// A question fewer young people than this answered is withheld.
    pub min_answers: i64,
}

impl Default for Disclosure {
    fn default() -> Self {
        Disclosure {
            min_cell: 5,
            min_answers: 10,
        }
    }
}

/// The categories a question is counted in, in codebook or option order.
fn categories(question: &Question) -> Vec<String> {
    match question.kind {
        QuestionKind::Text => question.themes.iter().map(|t| t.name.clone()).collect(),
        _ => question.options.clone(),
    }
}

fn counting(question: &Question) -> Counting {
    match (question.kind, question.coding) {
        (QuestionKind::Multi, _) | (QuestionKind::Text, CodingMode::Multi) => Counting::AnyNumber,
        _ => Counting::OneEach,
    }
}

/// Counts a question among `responses`: answered, skipped, and per category.
fn count_block(question: &Question, responses: &[&ResponseRow], group: Option<String>) -> Block {
    let names = categories(question);
    let mut counts = vec![0i64; names.len()];
    let (mut answered, mut uncoded) = (0, 0);
    for response in responses {
        let values = response
            .answers
            .get(&question.key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if values.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        answered += 1;
        let chosen: &[String] = if question.kind == QuestionKind::Text {
            let themes = response
                .themes
                .get(&question.key)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if themes.is_empty() {
                uncoded += 1;
            }
            themes
        } else {
            values
        };
        for (name, count) in names.iter().zip(counts.iter_mut()) {
            if chosen.contains(name) {
                *count += 1;
            }
        }
    }
    let mut lines: Vec<Line> = names
        .into_iter()
        .zip(counts)
        .map(|(category, count)| Line {
            category,
            count: Figure::Exact(count),
        })
        .collect();
    if uncoded > 0 {
        lines.push(Line {
            category: NOT_YET_CODED.to_owned(),
            count: Figure::Exact(uncoded),
        });
    }
    Block {
        group,
        answered: Figure::Exact(answered),
        skipped: Some(responses.len() as i64 - answered),
        lines,
    }
}

/// A question's report over a round's responses, optionally broken down by
/// the about-you question `by`, for `audience`.
pub fn question_report(
    question: &Question,
    by: Option<&Question>,
    responses: &[ResponseRow],
    audience: Audience,
    disclosure: Disclosure,
) -> QuestionReport {
    let everyone: Vec<&ResponseRow> = responses.iter().collect();
    let overall = count_block(question, &everyone, None);
    let mut report = QuestionReport {
        key: question.key.clone(),
        text: question.text.clone(),
        counting: counting(question),
        coded: question.kind == QuestionKind::Text,
        by: by.map(|b| b.key.clone()),
        withheld: None,
        colours: categories(question)
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let own = question
                    .themes
                    .iter()
                    .find(|t| t.name == name)
                    .map(|t| t.colour.clone());
                let colour = own
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| super::survey::palette_colour(i).to_owned());
                (name, colour)
            })
            .collect(),
        blocks: Vec::new(),
    };
    let answered = overall.answered.exact().unwrap_or_default();
    if audience == Audience::Viewer && answered < disclosure.min_answers {
        report.withheld = Some(format!(
            "fewer than {} young people answered this question",
            disclosure.min_answers
        ));
        return report;
    }
    let Some(by) = by else {
        report.blocks.push(overall);
        return report;
    };
    let mut groups: Vec<(String, Vec<&ResponseRow>)> =
        by.options.iter().map(|o| (o.clone(), Vec::new())).collect();
    let mut not_answered = Vec::new();
    for response in responses {
        let value = response.answers.get(&by.key).and_then(|v| v.first());
        match value.and_then(|v| groups.iter_mut().find(|(o, _)| o == v)) {
            Some((_, members)) => members.push(response),
            None => not_answered.push(response),
        }
    }
    if !not_answered.is_empty() {
        groups.push((NOT_ANSWERED.to_owned(), not_answered));
    }
    report.blocks = groups
        .into_iter()
        .map(|(group, members)| count_block(question, &members, Some(group)))
        .collect();
    if audience == Audience::Viewer {
        suppress(
            &mut report.blocks,
            &overall,
            report.counting,
            disclosure.min_cell,
        );
    }
    report
}

/// Disclosure control for a breakdown by attribute, in place.
///
/// Primary: every count below `min_cell`, including a group's number who
/// answered, is hidden. Secondary: a hidden cell must not be recoverable by
/// subtraction, so wherever a published total has exactly one hidden part,
/// the smallest other part is hidden too, until no total has exactly one.
/// The totals a viewer can see are each column's overall count (in the
/// question's overall breakdown) and, when each answer has one category,
/// each group's number who answered.
fn suppress(blocks: &mut [Block], overall: &Block, counting: Counting, min_cell: i64) {
    // The grid: one row per group; column 0 is "answered", then the lines.
    let width = overall.lines.len() + 1;
    let mut values: Vec<Vec<i64>> = blocks
        .iter()
        .map(|b| {
            std::iter::once(b.answered.exact().unwrap_or_default())
                .chain(overall.lines.iter().map(|l| count_of(b, &l.category)))
                .collect()
        })
        .collect();
    let mut hidden: Vec<Vec<bool>> = values
        .iter()
        .map(|row| row.iter().map(|&v| v < min_cell).collect())
        .collect();
    // A group too small to publish hides every figure in it.
    for row in hidden.iter_mut() {
        if row[0] {
            row.iter_mut().for_each(|h| *h = true);
        }
    }
    // Each published total, as the cells (row, column) that sum to it.
    let mut totals: Vec<Vec<(usize, usize)>> = (0..width)
        .map(|c| (0..blocks.len()).map(|r| (r, c)).collect())
        .collect();
    if counting == Counting::OneEach {
        totals.extend((0..blocks.len()).map(|r| (0..width).map(|c| (r, c)).collect()));
    }
    loop {
        let mut changed = false;
        for cells in &totals {
            let hidden_here = cells.iter().filter(|&&(r, c)| hidden[r][c]).count();
            // Hidden cells that are all zero are given away too: the visible
            // ones already add up to the total.
            let all_zero = hidden_here > 1
                && cells
                    .iter()
                    .all(|&(r, c)| !hidden[r][c] || values[r][c] == 0);
            if hidden_here != 1 && !all_zero {
                continue;
            }
            let smallest = cells
                .iter()
                .filter(|&&(r, c)| !hidden[r][c] && (hidden_here == 1 || values[r][c] > 0))
                .min_by_key(|&&(r, c)| (values[r][c], r, c));
            if let Some(&(r, c)) = smallest {
                hidden[r][c] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for ((block, row), hidden_row) in blocks.iter_mut().zip(values.iter_mut()).zip(&hidden) {
        if hidden_row[0] {
            block.answered = Figure::Suppressed;
        }
        block.skipped = None;
        for line in block.lines.iter_mut() {
            let column = overall
                .lines
                .iter()
                .position(|l| l.category == line.category)
                .map_or(0, |p| p + 1);
            if column == 0 || hidden_row[column] {
                line.count = Figure::Suppressed;
            }
        }
        // Lines the overall breakdown has but this group lacks (a "not yet
        // coded" line present elsewhere) are added so every block lines up.
        for (column, overall_line) in overall.lines.iter().enumerate() {
            if !block
                .lines
                .iter()
                .any(|l| l.category == overall_line.category)
            {
                block.lines.push(Line {
                    category: overall_line.category.clone(),
                    count: if hidden_row[column + 1] {
                        Figure::Suppressed
                    } else {
                        Figure::Exact(row[column + 1])
                    },
                });
            }
        }
        block.lines.sort_by_key(|l| {
            overall
                .lines
                .iter()
                .position(|o| o.category == l.category)
                .unwrap_or(usize::MAX)
        });
    }
}

fn count_of(block: &Block, category: &str) -> i64 {
    block
        .lines
        .iter()
        .find(|l| l.category == category)
        .and_then(|l| l.count.exact())
        .unwrap_or_default()
}

/// The reports of every question of a survey that reports count (all but
/// the about-you questions when `by` is given for them).
pub fn survey_report(
    survey: &Survey,
    responses: &[ResponseRow],
    by: Option<&Question>,
    audience: Audience,
    disclosure: Disclosure,
) -> Vec<QuestionReport> {
    survey
        .questions
        .iter()
        .filter(|q| by.is_none_or(|b| b.key != q.key))
        .map(|q| question_report(q, by, responses, audience, disclosure))
        .collect()
}

/// One round's distribution of a question, for comparisons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundCounts {
    pub round: String,
    /// Count per category, in the comparison's category order.
    pub counts: Vec<i64>,
    /// The base of the shares: how many answered.
    pub answered: i64,
}

/// A line of a comparison across rounds (a category, or the total).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparisonLine {
    pub category: String,
    /// Per round: the count and its share in tenths of a percent.
    pub cells: Vec<(i64, Option<i64>)>,
    /// Last round's count minus the first's.
    pub change: i64,
    /// The change as a whole percentage of the first round's count; `None`
    /// when the first round had none.
    pub change_percent: Option<i64>,
    /// The change in share, in tenths of a percentage point.
    pub pp_change: Option<i64>,
}

/// A question across rounds, as in table 3.3 of the seed report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub rounds: Vec<String>,
    pub lines: Vec<ComparisonLine>,
    pub total: ComparisonLine,
}

/// Compares rounds (at least one; the first and last are compared).
pub fn compare(categories: &[String], rounds: &[RoundCounts]) -> Comparison {
    let line = |category: String, counts: Vec<(i64, i64)>| {
        let cells: Vec<(i64, Option<i64>)> = counts
            .iter()
            .map(|&(count, base)| (count, percent_tenths(count, base)))
            .collect();
        let (first, last) = (counts[0], counts[counts.len() - 1]);
        let change = last.0 - first.0;
        // The exact difference of the two shares, rounded once: shares
        // rounded first could be 0.1 out.
        let pp_change = (first.1 > 0 && last.1 > 0)
            .then(|| {
                ratio_rounded(
                    1000 * (last.0 * first.1 - first.0 * last.1),
                    first.1 * last.1,
                )
            })
            .flatten();
        ComparisonLine {
            category,
            cells,
            change,
            change_percent: ratio_rounded(100 * change, first.0),
            pp_change,
        }
    };
    let lines = categories
        .iter()
        .enumerate()
        .map(|(i, category)| {
            line(
                category.clone(),
                rounds.iter().map(|r| (r.counts[i], r.answered)).collect(),
            )
        })
        .collect();
    let mut total = line(
        "Total".to_owned(),
        rounds.iter().map(|r| (r.answered, r.answered)).collect(),
    );
    total.pp_change = None;
    Comparison {
        rounds: rounds.iter().map(|r| r.round.clone()).collect(),
        lines,
        total,
    }
}

/// A question's counts in one round, in the order of its categories (for
/// [`compare`]). A free-text question's uncoded answers are left out of the
/// counts but not out of the base.
pub fn round_counts(question: &Question, round: &str, responses: &[ResponseRow]) -> RoundCounts {
    let everyone: Vec<&ResponseRow> = responses.iter().collect();
    let block = count_block(question, &everyone, None);
    RoundCounts {
        round: round.to_owned(),
        counts: categories(question)
            .iter()
            .map(|c| count_of(&block, c))
            .collect(),
        answered: block.answered.exact().unwrap_or_default(),
    }
}

/// The categories a comparison of `question` lists.
pub fn comparison_categories(question: &Question) -> Vec<String> {
    categories(question)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::Theme;

    #[test]
    fn percentages_round_half_up_exactly() {
        assert_eq!(percent_tenths(17, 22), Some(773));
        assert_eq!(percent_tenths(3, 22), Some(136));
        assert_eq!(percent_tenths(2, 22), Some(91));
        // 6.25 exactly: a float would print 6.2 or 6.3 by luck.
        assert_eq!(percent_tenths(39, 624), Some(63));
        assert_eq!(percent_tenths(1, 8), Some(125));
        assert_eq!(percent_tenths(0, 5), Some(0));
        assert_eq!(percent_tenths(1, 0), None);
        assert_eq!(format_tenths(773), "77.3");
        assert_eq!(format_tenths(5), "0.5");
        assert_eq!(format_signed_tenths(59), "+5.9");
        assert_eq!(format_signed_tenths(-4), "-0.4");
        assert_eq!(format_signed(-7), "-7");
    }

    fn text_question(multi: bool) -> Question {
        Question {
            key: "change".into(),
            kind: QuestionKind::Text,
            text: "What needs to change?".into(),
            coding: if multi {
                CodingMode::Multi
            } else {
                CodingMode::Single
            },
            themes: ["Connect", "Help", "Nothing"]
                .map(|n| Theme {
                    name: n.into(),
                    ..Theme::default()
                })
                .to_vec(),
            ..Question::default()
        }
    }

    fn key_stage() -> Question {
        Question {
            key: "ks".into(),
            kind: QuestionKind::Single,
            options: vec!["KS3".into(), "KS4".into()],
            about_you: true,
            ..Question::default()
        }
    }

    fn row(ks: &str, answer: &str, themes: &[&str]) -> ResponseRow {
        let mut r = ResponseRow::default();
        if !ks.is_empty() {
            r.answers.insert("ks".into(), vec![ks.into()]);
        }
        if !answer.is_empty() {
            r.answers.insert("change".into(), vec![answer.into()]);
            r.themes.insert(
                "change".into(),
                themes.iter().map(|t| t.to_string()).collect(),
            );
        }
        r
    }

    #[test]
    fn free_text_counts_by_theme_with_uncoded_and_skips_apart() {
        let rows = vec![
            row("KS3", "listen", &["Connect"]),
            row("KS3", "help", &["Help"]),
            row("KS4", "nothing", &[]),
            row("KS4", "", &[]),
        ];
        let report = question_report(
            &text_question(false),
            None,
            &rows,
            Audience::Worker,
            Disclosure::default(),
        );
        let block = &report.blocks[0];
        assert_eq!(block.answered, Figure::Exact(3));
        assert_eq!(block.skipped, Some(1));
        let shown: Vec<(String, String)> = block
            .lines
            .iter()
            .map(|l| (l.category.clone(), l.count.show()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Connect", "1"),
                ("Help", "1"),
                ("Nothing", "0"),
                (NOT_YET_CODED, "1")
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        assert_eq!(block.percent(&block.lines[0]), Some(333));
    }

    #[test]
    fn viewers_do_not_see_a_question_too_few_answered() {
        let rows: Vec<ResponseRow> = (0..9).map(|_| row("KS3", "x", &["Help"])).collect();
        let q = text_question(false);
        let d = Disclosure::default();
        let viewer = question_report(&q, None, &rows, Audience::Viewer, d);
        assert!(viewer.withheld.is_some() && viewer.blocks.is_empty());
        let worker = question_report(&q, None, &rows, Audience::Worker, d);
        assert!(worker.withheld.is_none());
        let mut ten = rows.clone();
        ten.push(row("KS4", "x", &["Nothing"]));
        let viewer = question_report(&q, None, &ten, Audience::Viewer, d);
        // The overall distribution is shown even with a count of 1.
        assert_eq!(viewer.blocks[0].lines[2].count, Figure::Exact(1));
    }

    fn shown(report: &QuestionReport) -> Vec<Vec<String>> {
        report
            .blocks
            .iter()
            .map(|b| {
                std::iter::once(b.answered.show())
                    .chain(b.lines.iter().map(|l| l.count.show()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn small_cells_are_hidden_with_a_second_cell_so_totals_do_not_give_them_away() {
        // KS3: 12 answered, 10 Connect, 2 Help, 0 Nothing.
        // KS4: 9 answered, 6 Connect, 3 Help, 0 Nothing.
        let mut rows = Vec::new();
        rows.extend((0..10).map(|_| row("KS3", "a", &["Connect"])));
        rows.extend((0..2).map(|_| row("KS3", "b", &["Help"])));
        rows.extend((0..6).map(|_| row("KS4", "a", &["Connect"])));
        rows.extend((0..3).map(|_| row("KS4", "b", &["Help"])));
        let ks = key_stage();
        let d = Disclosure::default();
        let worker = question_report(&text_question(false), Some(&ks), &rows, Audience::Worker, d);
        assert_eq!(
            shown(&worker),
            vec![vec!["12", "10", "2", "0"], vec!["9", "6", "3", "0"]]
        );
        let viewer = question_report(&text_question(false), Some(&ks), &rows, Audience::Viewer, d);
        // Help (2 and 3) and Nothing (0, 0) are below 5. Each row then has two
        // hidden cells; each column with a hidden cell has two. Nothing
        // else needs hiding.
        assert_eq!(
            shown(&viewer),
            vec![vec!["12", "10", "c", "c"], vec!["9", "6", "c", "c"]]
        );
        assert!(viewer.blocks.iter().all(|b| b.skipped.is_none()));
    }

    #[test]
    fn one_hidden_cell_in_a_row_takes_a_second_with_it() {
        // KS3: 10 answered: 6 Connect, 4 Help (hidden), 0 Nothing (hidden)
        // KS4: 20 answered: 7 Connect, 6 Help, 7 Nothing.
        let mut rows = Vec::new();
        rows.extend((0..6).map(|_| row("KS3", "a", &["Connect"])));
        rows.extend((0..4).map(|_| row("KS3", "b", &["Help"])));
        rows.extend((0..7).map(|_| row("KS4", "a", &["Connect"])));
        rows.extend((0..6).map(|_| row("KS4", "b", &["Help"])));
        rows.extend((0..7).map(|_| row("KS4", "c", &["Nothing"])));
        let ks = key_stage();
        let viewer = question_report(
            &text_question(false),
            Some(&ks),
            &rows,
            Audience::Viewer,
            Disclosure::default(),
        );
        // Column Help has one hidden cell (4): KS4's Help (6) goes too. Column
        // Nothing has one (0): KS4's Nothing (7) goes. Row KS4 then has two.
        assert_eq!(
            shown(&viewer),
            vec![vec!["10", "6", "c", "c"], vec!["20", "7", "c", "c"]]
        );
    }

    #[test]
    fn a_small_group_is_hidden_whole_and_another_group_with_it() {
        // KS3: 3 answered; KS4: 12; those who skipped key stage: 6.
        let mut rows = Vec::new();
        rows.extend((0..3).map(|_| row("KS3", "a", &["Connect"])));
        rows.extend((0..12).map(|_| row("KS4", "a", &["Connect"])));
        rows.extend((0..6).map(|_| row("", "a", &["Connect"])));
        let ks = key_stage();
        let viewer = question_report(
            &text_question(false),
            Some(&ks),
            &rows,
            Audience::Viewer,
            Disclosure::default(),
        );
        let groups: Vec<_> = viewer
            .blocks
            .iter()
            .map(|b| b.group.clone().unwrap())
            .collect();
        assert_eq!(groups, ["KS3", "KS4", NOT_ANSWERED]);
        let table = shown(&viewer);
        assert_eq!(table[0], ["c", "c", "c", "c"]);
        // The smallest other group (6) is hidden so 21 - 12 - 6 cannot be done.
        assert_eq!(table[2][0], "c");
        let block = &viewer.blocks[0];
        assert_eq!(block.percent(&block.lines[0]), None);
        assert_nothing_hidden_can_be_worked_out(&viewer, &rows);
    }

    /// Checks every total a viewer sees: none has exactly one hidden part,
    /// and hidden parts that are all zero are not the only unknowns.
    fn assert_nothing_hidden_can_be_worked_out(report: &QuestionReport, rows: &[ResponseRow]) {
        let worker = question_report(
            &text_question(false),
            Some(&key_stage()),
            rows,
            Audience::Worker,
            Disclosure::default(),
        );
        let grid = |r: &QuestionReport| -> Vec<Vec<Figure>> {
            r.blocks
                .iter()
                .map(|b| {
                    std::iter::once(b.answered)
                        .chain(b.lines.iter().map(|l| l.count))
                        .collect()
                })
                .collect()
        };
        let (seen, exact) = (grid(report), grid(&worker));
        let width = seen[0].len();
        let mut relations: Vec<Vec<(usize, usize)>> = (0..width)
            .map(|c| (0..seen.len()).map(|r| (r, c)).collect())
            .collect();
        relations.extend((0..seen.len()).map(|r| (0..width).map(|c| (r, c)).collect()));
        for cells in relations {
            let hidden: Vec<i64> = cells
                .iter()
                .filter(|&&(r, c)| seen[r][c] == Figure::Suppressed)
                .map(|&(r, c)| exact[r][c].exact().unwrap())
                .collect();
            let visible_nonzero = cells
                .iter()
                .any(|&(r, c)| seen[r][c].exact().is_some_and(|v| v > 0));
            assert_ne!(hidden.len(), 1, "one hidden cell in {cells:?}");
            assert!(
                hidden.is_empty() || hidden.iter().any(|&v| v > 0) || !visible_nonzero,
                "hidden zeros given away in {cells:?}"
            );
        }
    }

    #[test]
    fn comparison_reproduces_table_3_3_of_the_seed_report() {
        let stages: Vec<String> = ["EYFS", "KS1", "KS2", "KS3", "KS4", "KS5", "Post-19"]
            .map(str::to_owned)
            .to_vec();
        let round = |name: &str, counts: [i64; 7]| RoundCounts {
            round: name.into(),
            counts: counts.to_vec(),
            answered: counts.iter().sum(),
        };
        let table = compare(
            &stages,
            &[
                round("30.05.24", [4, 13, 47, 184, 286, 51, 39]),
                round("31.07.24", [5, 19, 56, 224, 220, 65, 28]),
                round("13.11.24", [5, 24, 78, 199, 297, 104, 32]),
            ],
        );
        let percents = |r: usize| -> Vec<String> {
            table
                .lines
                .iter()
                .map(|l| format_tenths(l.cells[r].1.unwrap()))
                .collect()
        };
        assert_eq!(
            percents(0),
            ["0.6", "2.1", "7.5", "29.5", "45.8", "8.2", "6.3"]
        );
        assert_eq!(
            percents(1),
            ["0.8", "3.1", "9.1", "36.3", "35.7", "10.5", "4.5"]
        );
        assert_eq!(
            percents(2),
            ["0.7", "3.2", "10.6", "26.9", "40.2", "14.1", "4.3"]
        );
        let changes: Vec<String> = table
            .lines
            .iter()
            .map(|l| format_signed(l.change))
            .collect();
        assert_eq!(changes, ["+1", "+11", "+31", "+15", "+11", "+53", "-7"]);
        let change_percents: Vec<String> = table
            .lines
            .iter()
            .map(|l| format!("{}%", format_signed(l.change_percent.unwrap())))
            .collect();
        assert_eq!(
            change_percents,
            ["+25%", "+85%", "+66%", "+8%", "+4%", "+104%", "-18%"]
        );
        assert_eq!(
            format_signed_tenths(table.lines[5].pp_change.unwrap()),
            "+5.9"
        );
        assert_eq!(table.total.cells[0], (624, Some(1000)));
        assert_eq!(table.total.cells[2].0, 739);
        assert_eq!(format_signed(table.total.change), "+115");
        assert_eq!(table.total.change_percent, Some(18));
    }

    #[test]
    fn a_category_new_in_the_last_round_has_no_percentage_change() {
        let table = compare(
            &["A".into()],
            &[
                RoundCounts {
                    round: "1".into(),
                    counts: vec![0],
                    answered: 10,
                },
                RoundCounts {
                    round: "2".into(),
                    counts: vec![3],
                    answered: 10,
                },
            ],
        );
        assert_eq!(table.lines[0].change, 3);
        assert_eq!(table.lines[0].change_percent, None);
        assert_eq!(table.lines[0].pp_change, Some(300));
    }
}
