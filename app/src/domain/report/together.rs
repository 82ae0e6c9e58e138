//! Themes seen together: for a question whose answers may carry several
//! themes, how many answers carry each pair of them ("Help and support"
//! with "Connect and belong"). Pure: counted by the database, shaped and
//! suppressed here.

use super::{Audience, Disclosure, Figure, categories};
use crate::domain::survey::{CodingMode, Question, QuestionKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A multi-coded question's themes by pairs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemesTogether {
    pub key: String,
    pub text: String,
    /// The question's themes, in codebook order.
    pub themes: Vec<String>,
    /// How many answers were coded: the base of every pair.
    pub coded: i64,
    /// Each pair of themes (by their place in `themes`, first before
    /// second) with how many answers carry both.
    pub pairs: Vec<(usize, usize, Figure)>,
}

/// Whether a question's answers can carry several themes, and so have
/// themes seen together.
pub fn has_themes_together(question: &Question) -> bool {
    question.kind.name() == QuestionKind::Text
        && question.coding() == CodingMode::Multi
        && question.themes().len() >= 2
}

/// `question`'s themes together, from how many answers were coded and how
/// many carry each pair (by theme name, either order). For viewers, a
/// question fewer than the survey's minimum had coded is not shown at all,
/// and a pair fewer than its smallest cell carry (but some do) is hidden:
/// "two young people said both" is a small number like any other. `last`
/// is what the round's last publication showed of the question (viewers
/// only): a pair it hid stays hidden, and a pair that moved by fewer than
/// the smallest cell since is hidden, so two publications side by side
/// never tell what a newcomer or an erased young person said.
pub fn themes_together(
    question: &Question,
    coded: i64,
    both: &HashMap<(String, String), i64>,
    audience: Audience,
    disclosure: Disclosure,
    last: Option<&ThemesTogether>,
) -> Option<ThemesTogether> {
    if !has_themes_together(question) {
        return None;
    }
    if audience == Audience::Viewer && coded < disclosure.min_answers {
        return None;
    }
    let themes = categories(question);
    let mut pairs = Vec::new();
    for (i, first) in themes.iter().enumerate() {
        for (j, second) in themes.iter().enumerate().skip(i + 1) {
            let n = both
                .get(&(first.clone(), second.clone()))
                .or_else(|| both.get(&(second.clone(), first.clone())))
                .copied()
                .unwrap_or_default();
            let before = last.and_then(|last| {
                last.pairs
                    .iter()
                    .find(|(f, s, _)| {
                        last.themes.get(*f) == Some(first) && last.themes.get(*s) == Some(second)
                    })
                    .map(|&(_, _, figure)| figure)
            });
            let moved_a_little = |was: i64| (1..disclosure.min_cell).contains(&(n - was).abs());
            let hidden = audience == Audience::Viewer
                && ((n > 0 && n < disclosure.min_cell)
                    || before == Some(Figure::Suppressed)
                    || before.and_then(Figure::exact).is_some_and(moved_a_little));
            let figure = if hidden {
                Figure::Suppressed
            } else {
                Figure::Exact(n)
            };
            pairs.push((i, j, figure));
        }
    }
    Some(ThemesTogether {
        key: question.key.clone(),
        text: question.text.clone(),
        themes,
        coded,
        pairs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::{Codebook, Kind, Theme};

    fn question(coding: CodingMode) -> Question {
        Question {
            key: "change".into(),
            text: "What needs to change?".into(),
            kind: Kind::Text(Codebook {
                coding,
                themes: ["Help", "Listen", "Options"]
                    .map(|name| Theme {
                        name: name.into(),
                        ..Theme::default()
                    })
                    .to_vec(),
            }),
            ..Question::default()
        }
    }

    #[test]
    fn pairs_are_counted_either_way_round_and_small_ones_hidden_from_viewers() {
        let both = HashMap::from([
            (("Listen".to_owned(), "Help".to_owned()), 6),
            (("Help".to_owned(), "Options".to_owned()), 2),
        ]);
        let multi = question(CodingMode::Multi);
        let worker = themes_together(
            &multi,
            20,
            &both,
            Audience::Worker,
            Disclosure::default(),
            None,
        )
        .unwrap();
        assert_eq!(worker.themes, ["Help", "Listen", "Options"]);
        assert_eq!(
            worker.pairs,
            [
                (0, 1, Figure::Exact(6)),
                (0, 2, Figure::Exact(2)),
                (1, 2, Figure::Exact(0))
            ]
        );
        let viewer = themes_together(
            &multi,
            20,
            &both,
            Audience::Viewer,
            Disclosure::default(),
            None,
        )
        .unwrap();
        assert_eq!(viewer.pairs[1], (0, 2, Figure::Suppressed));
        assert_eq!(
            viewer.pairs[2],
            (1, 2, Figure::Exact(0)),
            "nobody is nobody"
        );
        // Too few coded for viewers: not shown; one theme per answer: none.
        assert!(
            themes_together(
                &multi,
                9,
                &both,
                Audience::Viewer,
                Disclosure::default(),
                None
            )
            .is_none()
        );
        assert!(
            themes_together(
                &question(CodingMode::Single),
                20,
                &both,
                Audience::Worker,
                Disclosure::default(),
                None
            )
            .is_none()
        );
        // Against the last publication: one more young person with Help and
        // Listen (6 to 7) would show who they are; a pair hidden then stays
        // hidden; one that moved by 5 or more is shown.
        let mut later = both.clone();
        later.insert(("Listen".to_owned(), "Help".to_owned()), 7);
        let next = themes_together(
            &multi,
            21,
            &later,
            Audience::Viewer,
            Disclosure::default(),
            Some(&viewer),
        )
        .unwrap();
        assert_eq!(next.pairs[0], (0, 1, Figure::Suppressed));
        assert_eq!(next.pairs[1], (0, 2, Figure::Suppressed));
        // Hidden in that publication, it stays hidden however far it moves.
        later.insert(("Listen".to_owned(), "Help".to_owned()), 20);
        let after = themes_together(
            &multi,
            34,
            &later,
            Audience::Viewer,
            Disclosure::default(),
            Some(&next),
        )
        .unwrap();
        assert_eq!(after.pairs[0], (0, 1, Figure::Suppressed));
        later.insert(("Listen".to_owned(), "Help".to_owned()), 7);
        later.insert(("Listen".to_owned(), "Help".to_owned()), 11);
        let moved = themes_together(
            &multi,
            25,
            &later,
            Audience::Viewer,
            Disclosure::default(),
            Some(&viewer),
        )
        .unwrap();
        assert_eq!(moved.pairs[0], (0, 1, Figure::Exact(11)));
        assert_eq!(moved.pairs[2], (1, 2, Figure::Exact(0)), "unchanged: shown");
    }
}
