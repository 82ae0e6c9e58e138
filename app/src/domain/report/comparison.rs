//! A question compared across rounds, as in table 3.3 of the 2024 report.

use super::{GroupTally, categories, count_block, count_of, percent_tenths, ratio_rounded};
use crate::domain::survey::Question;
use serde::{Deserialize, Serialize};

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
    /// The change in share's 95% interval (Newcombe), in tenths of a
    /// percentage point; `None` for the total, or where a round had no
    /// answers.
    #[serde(default)]
    pub pp_interval: Option<(i64, i64)>,
    /// Whether the change is clear at 95%: its interval leaves out zero.
    #[serde(default)]
    pub clear: Option<bool>,
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
        let interval = super::interval::newcombe(first.0, first.1, last.0, last.1);
        ComparisonLine {
            category,
            cells,
            change,
            change_percent: ratio_rounded(100 * change, first.0),
            pp_change,
            pp_interval: interval.map(|i| i.tenths()),
            clear: interval.map(|i| i.leaves_out_zero()),
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
    total.pp_interval = None;
    total.clear = None;
    Comparison {
        rounds: rounds.iter().map(|r| r.round.clone()).collect(),
        lines,
        total,
    }
}

/// A question's counts in one round (`everyone` in it), in the order of its categories (for
/// [`compare`]). A free-text question's uncoded answers are left out of the
/// counts but not out of the base.
pub fn round_counts(question: &Question, round: &str, everyone: &GroupTally) -> RoundCounts {
    let block = count_block(question, everyone, None);
    RoundCounts {
        round: round.to_owned(),
        counts: categories(question)
            .iter()
            .map(|c| count_of(&block, c))
            .collect(),
        answered: block.answered.exact().unwrap_or_default(),
    }
}

/// A question's counts in one round as viewers saw them, from its overall
/// report (a publication's, or the one being published), and the
/// categories that report hides. A withheld report counts as nobody
/// answering, so the comparison leaves the round out and names it.
pub fn published_counts(
    question: &Question,
    round: &str,
    report: Option<&super::QuestionReport>,
) -> (RoundCounts, Vec<String>) {
    let block = report
        .filter(|r| r.withheld.is_none())
        .and_then(|r| r.blocks.iter().find(|b| b.group.is_none()));
    let mut hidden = Vec::new();
    let counts = categories(question)
        .iter()
        .map(|c| {
            let figure = block.and_then(|b| b.lines.iter().find(|l| &l.category == c));
            match figure.map(|l| l.count) {
                Some(super::Figure::Exact(n)) => n,
                Some(super::Figure::Suppressed) => {
                    hidden.push(c.clone());
                    0
                }
                None => 0,
            }
        })
        .collect();
    let answered = block.and_then(|b| b.answered.exact()).unwrap_or(0);
    (
        RoundCounts {
            round: round.to_owned(),
            counts,
            answered,
        },
        hidden,
    )
}

/// The categories a comparison of `question` lists.
pub fn comparison_categories(question: &Question) -> Vec<String> {
    categories(question)
}
