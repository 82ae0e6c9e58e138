//! How far two coders agree. Each (answer, theme) pair is a yes/no unit:
//! did the coder give this answer this theme? Over those units, per theme
//! and overall: percent agreement, Cohen's kappa and Krippendorff's alpha
//! (nominal, two coders, no missing values).

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Counts of yes/no units between two coders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table2x2 {
    pub both_yes: u64,
    /// The first coder said yes, the second no.
    pub first_only: u64,
    /// The second coder said yes, the first no.
    pub second_only: u64,
    pub both_no: u64,
}

impl Table2x2 {
    pub fn units(&self) -> u64 {
        self.both_yes + self.first_only + self.second_only + self.both_no
    }

    fn add(&mut self, first: bool, second: bool) {
        match (first, second) {
            (true, true) => self.both_yes += 1,
            (true, false) => self.first_only += 1,
            (false, true) => self.second_only += 1,
            (false, false) => self.both_no += 1,
        }
    }

    /// Share of units on which the coders agree; `None` with no units.
    pub fn percent_agreement(&self) -> Option<f64> {
        let n = self.units() as f64;
        (n > 0.0).then(|| (self.both_yes + self.both_no) as f64 / n)
    }

    /// Cohen's kappa, with the chance agreement of two coders who say yes
    /// at their own rates: Pe = pA*pB + (1-pA)*(1-pB). `None` when it is
    /// undefined (no units, or Pe = 1: both coders always said the same
    /// one thing).
    pub fn cohens_kappa(&self) -> Option<f64> {
        let n = self.units() as f64;
        if n == 0.0 {
            return None;
        }
        let observed = (self.both_yes + self.both_no) as f64 / n;
        let p_first = (self.both_yes + self.first_only) as f64 / n;
        let p_second = (self.both_yes + self.second_only) as f64 / n;
        let chance = p_first * p_second + (1.0 - p_first) * (1.0 - p_second);
        (chance < 1.0).then(|| (observed - chance) / (1.0 - chance))
    }

    /// Krippendorff's alpha for nominal data from the coincidence matrix
    /// (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"):
    /// 1 - (n - 1) * o(yes,no) / (n_yes * n_no), with n = 2 * units.
    /// `None` when every value is the same (no variation to agree on).
    pub fn krippendorffs_alpha(&self) -> Option<f64> {
        let n = 2.0 * self.units() as f64;
        let n_yes = (2 * self.both_yes + self.first_only + self.second_only) as f64;
        let n_no = n - n_yes;
        if n_yes == 0.0 || n_no == 0.0 {
            return None;
        }
        let disagreeing = (self.first_only + self.second_only) as f64;
        Some(1.0 - (n - 1.0) * disagreeing / (n_yes * n_no))
    }
}

/// Two coders' themes for the same answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodedTwice {
    pub answer: String,
    pub first: BTreeSet<String>,
    pub second: BTreeSet<String>,
}

/// Agreement per theme (in `themes` order) and over all (answer, theme)
/// units together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub per_theme: Vec<(String, Table2x2)>,
    pub overall: Table2x2,
    /// Answers the coders coded differently, for reconciling.
    pub disagreements: Vec<CodedTwice>,
}

/// Agreement between two codings of the same answers.
pub fn agreement(themes: &[String], answers: &[CodedTwice]) -> Agreement {
    let mut per_theme: Vec<(String, Table2x2)> = themes
        .iter()
        .map(|t| (t.clone(), Table2x2::default()))
        .collect();
    let mut overall = Table2x2::default();
    for answer in answers {
        for (theme, table) in per_theme.iter_mut() {
            let (first, second) = (answer.first.contains(theme), answer.second.contains(theme));
            table.add(first, second);
            overall.add(first, second);
        }
    }
    Agreement {
        per_theme,
        overall,
        disagreements: answers
            .iter()
            .filter(|a| a.first != a.second)
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(value: Option<f64>, expected: f64) {
        let value = value.expect("defined");
        assert!((value - expected).abs() < 5e-4, "{value} is not {expected}");
    }

    #[test]
    fn cohens_kappa_matches_the_textbook_example() {
        // Wikipedia's worked example of Cohen's kappa (50 proposals, two
        // readers): 20 both yes, 5 and 10 split, 15 both no. po = 0.7,
        // pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
        let table = Table2x2 {
            both_yes: 20,
            first_only: 5,
            second_only: 10,
            both_no: 15,
        };
        close(table.percent_agreement(), 0.7);
        close(table.cohens_kappa(), 0.4);
    }

    #[test]
    fn krippendorffs_alpha_matches_krippendorffs_own_binary_example() {
        // Krippendorff (2011), section A: two observers, ten units,
        // A = 0 1 0 0 0 0 0 0 1 0 and B = 1 1 1 0 0 1 0 0 0 0: alpha = 0.095.
        let a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
        let b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
        let mut table = Table2x2::default();
        for (x, y) in a.iter().zip(b) {
            table.add(*x == 1, y == 1);
        }
        close(table.krippendorffs_alpha(), 0.0952);
        // The same data by kappa: po = 0.6, pe = 0.2*0.4 + 0.8*0.6 = 0.56.
        close(table.cohens_kappa(), (0.6 - 0.56) / 0.44);
        close(table.percent_agreement(), 0.6);
    }

    #[test]
    fn perfect_agreement_is_one_and_no_variation_is_undefined() {
        let table = Table2x2 {
            both_yes: 3,
            both_no: 7,
            ..Table2x2::default()
        };
        close(table.cohens_kappa(), 1.0);
        close(table.krippendorffs_alpha(), 1.0);
        let all_no = Table2x2 {
            both_no: 5,
            ..Table2x2::default()
        };
        assert_eq!(all_no.cohens_kappa(), None);
        assert_eq!(all_no.krippendorffs_alpha(), None);
        assert_eq!(Table2x2::default().percent_agreement(), None);
    }

    #[test]
    fn units_are_answer_theme_pairs_and_disagreements_are_listed() {
        let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        let themes = ["Help".to_owned(), "Listen".to_owned()];
        let answers = vec![
            CodedTwice {
                answer: "a".into(),
                first: set(&["Help"]),
                second: set(&["Help"]),
            },
            CodedTwice {
                answer: "b".into(),
                first: set(&["Listen"]),
                second: set(&["Help"]),
            },
        ];
        let result = agreement(&themes, &answers);
        assert_eq!(result.overall.units(), 4);
        assert_eq!(
            result.per_theme[0].1,
            Table2x2 {
                both_yes: 1,
                second_only: 1,
                ..Table2x2::default()
            }
        );
        assert_eq!(result.overall.both_no, 1);
        assert_eq!(result.disagreements.len(), 1);
        assert_eq!(result.disagreements[0].answer, "b");
    }
}
