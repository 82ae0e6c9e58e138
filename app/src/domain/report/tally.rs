//! A round's answers counted: everything a report needs and nothing of
//! what anybody wrote. The database counts a round with GROUP BY
//! (`db::tallies`), so a report's cost and memory do not grow with the
//! round; [`Tally::of_rows`] counts the same from responses in memory, the
//! definition the database's counts are tested against.

use super::{NOT_ANSWERED, ResponseRow};
use crate::domain::survey::Question;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One question's counts among a group of young people.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionTally {
    /// How many answered it (gave at least one value).
    pub answered: i64,
    /// Questions with options: how many of those who answered chose each
    /// value.
    pub chosen: BTreeMap<String, i64>,
    /// Free text: how many answers each theme codes (main coding).
    pub themes: BTreeMap<String, i64>,
    /// Free text: how many answers have at least one theme.
    pub coded: i64,
}

/// The counts of one group of young people: everyone, or those with one
/// value of an about-you attribute.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupTally {
    /// How many young people are in the group.
    pub responses: i64,
    /// By question key; a question nobody in the group answered is absent.
    pub questions: BTreeMap<String, QuestionTally>,
}

impl GroupTally {
    /// The counts of question `key` (all zero when nobody answered).
    pub fn question(&self, key: &str) -> QuestionTally {
        self.questions.get(key).cloned().unwrap_or_default()
    }
}

/// A round counted overall and, when asked, by an about-you attribute.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub everyone: GroupTally,
    /// The attribute's key, when counted by one.
    pub by: Option<String>,
    /// One group per option of the attribute, in option order, then
    /// [`NOT_ANSWERED`] (those who chose none of its options) when anybody
    /// is in it. A young person who chose several options is in each.
    pub groups: Vec<(String, GroupTally)>,
}

impl Tally {
    /// Counts `rows` (coded with the themes they carry) overall and by
    /// `by`. `coded` says which questions are free text, counted by their
    /// themes. The reference definition of every count: the database's
    /// must agree with it.
    pub fn of_rows(
        rows: &[ResponseRow],
        by: Option<&Question>,
        coded: &dyn Fn(&str) -> bool,
    ) -> Tally {
        let everyone = count_group(rows.iter(), coded);
        let Some(by) = by else {
            return Tally {
                everyone,
                ..Tally::default()
            };
        };
        let in_group = |row: &ResponseRow, option: &str| {
            row.answers
                .get(&by.key)
                .is_some_and(|values| values.iter().any(|v| v == option))
        };
        let mut groups: Vec<(String, GroupTally)> = by
            .options()
            .iter()
            .map(|option| {
                let members = rows.iter().filter(|row| in_group(row, option));
                (option.clone(), count_group(members, coded))
            })
            .collect();
        let none = rows
            .iter()
            .filter(|row| !by.options().iter().any(|option| in_group(row, option)));
        let not_answered = count_group(none, coded);
        if not_answered.responses > 0 {
            groups.push((NOT_ANSWERED.to_owned(), not_answered));
        }
        Tally {
            everyone,
            by: Some(by.key.clone()),
            groups,
        }
    }

    /// The group counted for `option` of the attribute, if any.
    pub fn group(&self, option: &str) -> Option<&GroupTally> {
        self.groups
            .iter()
            .find(|(o, _)| o == option)
            .map(|(_, g)| g)
    }
}

fn count_group<'a>(
    rows: impl Iterator<Item = &'a ResponseRow>,
    coded: &dyn Fn(&str) -> bool,
) -> GroupTally {
    let mut group = GroupTally::default();
    for row in rows {
        group.responses += 1;
        for (key, values) in &row.answers {
            if values.iter().all(|v| v.trim().is_empty()) {
                continue;
            }
            let counts = group.questions.entry(key.clone()).or_default();
            counts.answered += 1;
            if coded(key) {
                let themes = row.themes.get(key).map(Vec::as_slice).unwrap_or_default();
                if !themes.is_empty() {
                    counts.coded += 1;
                }
                let mut seen: Vec<&String> = Vec::new();
                for theme in themes {
                    if !seen.contains(&theme) {
                        seen.push(theme);
                        *counts.themes.entry(theme.clone()).or_default() += 1;
                    }
                }
            } else {
                let mut seen: Vec<&String> = Vec::new();
                for value in values {
                    if !seen.contains(&value) {
                        seen.push(value);
                        *counts.chosen.entry(value.clone()).or_default() += 1;
                    }
                }
            }
        }
    }
    group
}
