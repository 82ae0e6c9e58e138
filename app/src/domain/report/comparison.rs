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
    /// Counts of everyone (a census): exact, so no intervals and no test
    /// for chance ([`Comparison::of_whole_population`]).
    #[serde(default)]
    pub whole_population: bool,
}

/// The change from `first` to `last` (each a count and its base): its 95%
/// interval (Newcombe) in tenths of a point, and whether it is clear. Clear
/// is read off the interval as shown, so "0.0 to +5.0" is never called
/// clear.
fn change_interval(first: (i64, i64), last: (i64, i64)) -> (Option<(i64, i64)>, Option<bool>) {
    let interval = super::interval::newcombe(first.0, first.1, last.0, last.1);
    let tenths = interval.map(|i| i.tenths());
    (tenths, tenths.map(|(low, high)| low > 0 || high < 0))
}

/// One round's point on a trend: the share and its 95% interval, in
/// tenths of a percent (`None` where the round had no answers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrendPoint {
    pub share: Option<i64>,
    pub interval: Option<(i64, i64)>,
}

impl Comparison {
    /// The comparison of counts of everyone (a census): exact, so with no
    /// intervals and no mark of clear or not.
    pub fn of_whole_population(mut self) -> Comparison {
        self.whole_population = true;
        for line in &mut self.lines {
            (line.pp_interval, line.clear) = (None, None);
        }
        self
    }

    /// Fills in the change intervals of a comparison stored before Heard
    /// gave them (a publication's), from its counts, so an old
    /// publication's page and download say what a new one would.
    pub fn fill_intervals(&mut self) {
        if self.whole_population {
            return;
        }
        let bases: Vec<i64> = self.total.cells.iter().map(|&(base, _)| base).collect();
        let (Some(&first_base), Some(&last_base)) = (bases.first(), bases.last()) else {
            return;
        };
        for line in &mut self.lines {
            if line.pp_interval.is_none()
                && let (Some(&(first, _)), Some(&(last, _))) =
                    (line.cells.first(), line.cells.last())
            {
                (line.pp_interval, line.clear) =
                    change_interval((first, first_base), (last, last_base));
            }
        }
    }

    /// A line's share in each round with its 95% interval (Wilson), in
    /// tenths of a percent: what a trend chart draws. The base of each
    /// round's share is its total line's count.
    pub fn trend(&self, line: &ComparisonLine) -> Vec<TrendPoint> {
        line.cells
            .iter()
            .zip(&self.total.cells)
            .map(|(&(count, share), &(base, _))| TrendPoint {
                share,
                interval: super::interval::wilson(count, base)
                    .filter(|_| !self.whole_population)
                    .map(|i| i.tenths()),
            })
            .collect()
    }
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
        let (pp_interval, clear) = change_interval(first, last);
        ComparisonLine {
            category,
            cells,
            change,
            change_percent: ratio_rounded(100 * change, first.0),
            pp_change,
            pp_interval,
            clear,
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
        whole_population: false,
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
