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
pub(super) fn ratio_rounded(numerator: i64, denominator: i64) -> Option<i64> {
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

    /// A line's 95% interval (Wilson), in tenths of a percent; `None`
    /// when either figure is suppressed or nobody answered.
    pub fn interval(&self, line: &Line) -> Option<(i64, i64)> {
        interval::wilson(line.count.exact()?, self.answered.exact()?).map(|i| i.tenths())
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
    /// The survey counts everyone (see [`Disclosure::whole_population`]):
    /// its shares are exact and have no intervals.
    #[serde(default)]
    pub whole_population: bool,
}

impl QuestionReport {
    /// A line's 95% interval, as [`Block::interval`]; none where the
    /// survey counts everyone, whose figures are exact.
    pub fn interval(&self, block: &Block, line: &Line) -> Option<(i64, i64)> {
        if self.whole_population {
            return None;
        }
        block.interval(line)
    }
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
    /// Whether the overall figures' small counts are hidden too (the
    /// breakdowns' always are). Off by default: the overall distribution
    /// of a question enough young people answered is shown in full, as the
    /// 2024 report did.
    #[serde(default)]
    pub hide_small_overall: bool,
    /// Whether the survey counts every young person (a census) rather than
    /// a sample: its figures are exact, so they have no intervals and its
    /// changes are not tested for chance.
    #[serde(default)]
    pub whole_population: bool,
}

impl Default for Disclosure {
    fn default() -> Self {
        Disclosure {
            min_cell: 5,
            min_answers: 10,
            hide_small_overall: false,
            whole_population: false,
        }
    }
}

/// The categories a question is counted in, in codebook or option order.
pub(super) fn categories(question: &Question) -> Vec<String> {
    match question.kind.name() {
        QuestionKind::Text => question.themes().iter().map(|t| t.name.clone()).collect(),
        QuestionKind::Single | QuestionKind::Multi | QuestionKind::Scale => {
            question.options().to_vec()
        }
    }
}

pub(super) fn counting(question: &Question) -> Counting {
    match (question.kind.name(), question.coding()) {
        (QuestionKind::Multi, _) | (QuestionKind::Text, CodingMode::Multi) => Counting::AnyNumber,
        (QuestionKind::Single | QuestionKind::Scale, _)
        | (QuestionKind::Text, CodingMode::Single) => Counting::OneEach,
    }
}

/// A question's block among one group of young people: answered, skipped,
/// and per category (with the free text nobody has coded yet).
pub(super) fn count_block(
    question: &Question,
    counted: &GroupTally,
    group: Option<String>,
) -> Block {
    let counts = counted.question(&question.key);
    let coded = question.kind.is_coded();
    let mut lines: Vec<Line> = categories(question)
        .into_iter()
        .map(|category| {
            let of = if coded {
                &counts.themes
            } else {
                &counts.chosen
            };
            let count = of.get(&category).copied().unwrap_or_default();
            Line {
                category,
                count: Figure::Exact(count),
            }
        })
        .collect();
    let uncoded = if coded {
        counts.answered - counts.coded
    } else {
        0
    };
    if uncoded > 0 {
        lines.push(Line {
            category: NOT_YET_CODED.to_owned(),
            count: Figure::Exact(uncoded),
        });
    }
    Block {
        group,
        answered: Figure::Exact(counts.answered),
        skipped: Some(counted.responses - counts.answered),
        lines,
    }
}

/// What viewers last saw of a question's figures, for the next
/// publication: its report in the same view (same breakdown) and in the
/// overall view. Empty before the first publication, and for workers.
#[derive(Clone, Copy, Debug, Default)]
pub struct LastPublished<'a> {
    pub view: Option<&'a QuestionReport>,
    pub overall: Option<&'a QuestionReport>,
}

/// A question's report over a round's counts (`tally`, counted by `by` when
/// that is given), optionally broken down by the about-you question `by`,
/// for `audience`. For viewers, `last` is what the round's last
/// publication showed: what it hid stays hidden, and a figure that changed
/// by fewer than `min_cell` since is hidden too.
pub fn question_report(
    question: &Question,
    by: Option<&Question>,
    tally: &Tally,
    audience: Audience,
    disclosure: Disclosure,
    last: LastPublished,
) -> QuestionReport {
    let mut overall = count_block(question, &tally.everyone, None);
    if audience == Audience::Viewer {
        suppress_overall(&mut overall, counting(question), disclosure, last);
    }
    let mut report = QuestionReport {
        key: question.key.clone(),
        text: question.text.clone(),
        counting: counting(question),
        coded: question.kind.is_coded(),
        by: by.map(|b| b.key.clone()),
        withheld: None,
        whole_population: disclosure.whole_population,
        colours: categories(question)
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let colour = match question.themes().iter().find(|t| t.name == name) {
                    Some(theme) => theme.colour_at(i),
                    None => super::survey::palette_colour(i).to_owned(),
                };
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
    // Who is who, crossed: a table of one about-you answer by another is
    // what singles a young person out ("the only girl in KS3"), and each
    // direction would be suppressed apart. Viewers see each on its own.
    if audience == Audience::Viewer && question.about_you {
        report.withheld = Some(
            "about-you questions are shown on their own, not broken down by each other".to_owned(),
        );
        return report;
    }
    // A young person is in the group of every option they chose (several,
    // for a multi-choice attribute: its groups overlap), or in "Not
    // answered" when they chose none.
    let mut groups: Vec<(String, GroupTally)> = by
        .options()
        .iter()
        .map(|o| (o.clone(), tally.group(o).cloned().unwrap_or_default()))
        .collect();
    // For a multi-choice attribute, those who chose none are not a part
    // of a whole (the groups overlap), so their figures would be the
    // overall less a union nobody sees: viewers do not get that group.
    let several = by.kind.takes_several() && audience == Audience::Viewer;
    if let Some((_, not_answered)) = tally.groups.get(by.options().len())
        && not_answered.responses > 0
        && !several
    {
        groups.push((NOT_ANSWERED.to_owned(), not_answered.clone()));
    }
    report.blocks = groups
        .into_iter()
        .map(|(group, counted)| count_block(question, &counted, Some(group)))
        .collect();
    if audience == Audience::Viewer {
        suppress(
            &mut report.blocks,
            &overall,
            disclosure.min_cell,
            LastPublished {
                view: last.view.filter(|e| e.by == report.by),
                ..last
            },
        );
    }
    report
}

/// The categories viewers do not see in a report's overall figures (only
/// ever any when the survey hides small overall counts).
pub fn hidden_overall_categories(report: &QuestionReport) -> Vec<String> {
    report
        .blocks
        .iter()
        .filter(|b| b.group.is_none())
        .flat_map(|b| &b.lines)
        .filter(|l| l.count == Figure::Suppressed)
        .map(|l| l.category.clone())
        .collect()
}

pub(super) fn count_of(block: &Block, category: &str) -> i64 {
    block
        .lines
        .iter()
        .find(|l| l.category == category)
        .and_then(|l| l.count.exact())
        .unwrap_or_default()
}

/// The reports of every question of a survey that reports count (all but
/// the about-you question `by` when given), from the round's counts. `last` is the
/// round's last publication, for [`question_report`].
pub fn survey_report(
    survey: &Survey,
    tally: &Tally,
    by: Option<&Question>,
    audience: Audience,
    disclosure: Disclosure,
    last: &Published,
) -> Vec<QuestionReport> {
    survey
        .questions
        .iter()
        .filter(|q| by.is_none_or(|b| b.key != q.key))
        .map(|q| question_report(q, by, tally, audience, disclosure, last.of(&q.key)))
        .collect()
}

/// A round's last publication as it matters to the next one in a view:
/// the question reports of that view and of the overall view.
#[derive(Clone, Debug, Default)]
pub struct Published {
    pub view: Vec<QuestionReport>,
    pub overall: Vec<QuestionReport>,
    /// The themes together it showed.
    pub together: Vec<ThemesTogether>,
}

impl Published {
    /// What was published of question `key`.
    pub fn of(&self, key: &str) -> LastPublished<'_> {
        LastPublished {
            view: self.view.iter().find(|r| r.key == key),
            overall: self.overall.iter().find(|r| r.key == key),
        }
    }
}

mod comparison;
mod disclosure;
pub mod interval;
mod tally;
#[cfg(test)]
mod tests;
mod together;
mod written;

pub use comparison::{
    Comparison, ComparisonLine, RoundCounts, TrendPoint, compare, comparison_categories,
    published_counts, round_counts,
};
use disclosure::{suppress, suppress_overall};
pub use tally::{GroupTally, QuestionTally, Tally};
pub use together::{ThemesTogether, has_themes_together, themes_together};
pub use written::{changes_said, suggested};
