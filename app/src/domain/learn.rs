//! Learned keywords: from answers already coded, the words that most set
//! each theme apart from the others, for the worker to add to the codebook.
//!
//! The score is the weighted log-odds ratio with an informative Dirichlet
//! prior (Monroe, Colaresi and Quinn 2008, "Fightin' Words", eq. 22): the
//! prior is the word's share of all coded answers, so rare words do not
//! shoot to the top on one use, and each log-odds is divided by its
//! standard error, giving a z-score.

use super::text::tokens;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Words so common in any answer that they say nothing about a theme.
const STOP_WORDS: [&str; 48] = [
    "a", "an", "the", "and", "or", "but", "to", "of", "in", "on", "at", "for", "with", "is", "was",
    "be", "it", "i", "me", "my", "you", "they", "them", "their", "we", "us", "he", "she", "that",
    "this", "so", "if", "do", "did", "not", "no", "have", "had", "has", "are", "just", "would",
    "could", "should", "what", "when", "all", "there",
];

/// A proposed keyword for a theme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearnedKeyword {
    /// The word as young people most often wrote it (lower case).
    pub word: String,
    /// How strongly it points to this theme rather than the others (z).
    pub z: f64,
    /// The coded answers it comes from (indices into the input).
    pub answers: Vec<usize>,
}

/// For each theme (by index), up to `per_theme` words whose z-score is at
/// least `min_z`, strongest first, leaving out words that already stem to
/// a keyword in `known` (stems).
///
/// `coded` holds each coded answer's text and the indices of its themes.
pub fn learned_keywords(
    theme_count: usize,
    coded: &[(String, Vec<usize>)],
    known: &[BTreeSet<String>],
    per_theme: usize,
    min_z: f64,
) -> Vec<Vec<LearnedKeyword>> {
    // Stem counts per theme, overall, and which answers use each stem.
    let mut per: Vec<HashMap<String, f64>> = vec![HashMap::new(); theme_count];
    let mut totals = vec![0.0f64; theme_count];
    let mut all: HashMap<String, f64> = HashMap::new();
    let mut used_in: HashMap<String, BTreeSet<usize>> = HashMap::new();
    let mut surface: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
    for (i, (text, themes)) in coded.iter().enumerate() {
        for token in tokens(text) {
            let word = text[token.start..token.end].to_lowercase();
            if STOP_WORDS.contains(&word.as_str()) || token.stem.chars().all(|c| c.is_ascii_digit())
            {
                continue;
            }
            *all.entry(token.stem.clone()).or_default() += 1.0;
            used_in.entry(token.stem.clone()).or_default().insert(i);
            *surface
                .entry(token.stem.clone())
                .or_default()
                .entry(word)
                .or_default() += 1;
            for &t in themes.iter().filter(|&&t| t < theme_count) {
                *per[t].entry(token.stem.clone()).or_default() += 1.0;
                totals[t] += 1.0;
            }
        }
    }
    let corpus: f64 = all.values().sum();
    if corpus == 0.0 {
        return vec![Vec::new(); theme_count];
    }
    // The prior's total weight: as strong as the average theme's text.
    let alpha0 = corpus / theme_count.max(1) as f64;
    (0..theme_count)
        .map(|t| {
            let n_theme = totals[t];
            let n_rest: f64 = totals
                .iter()
                .enumerate()
                .filter(|(o, _)| *o != t)
                .map(|(_, n)| n)
                .sum();
            let mut found: Vec<LearnedKeyword> = per[t]
                .iter()
                .filter(|(stem, _)| !known.get(t).is_some_and(|k| k.contains(*stem)))
                .map(|(stem, &y_theme)| {
                    let alpha = alpha0 * all[stem] / corpus;
                    let y_rest: f64 = per
                        .iter()
                        .enumerate()
                        .filter(|(o, _)| *o != t)
                        .map(|(_, counts)| counts.get(stem).copied().unwrap_or_default())
                        .sum();
                    let log_odds = |y: f64, n: f64| ((y + alpha) / (n + alpha0 - y - alpha)).ln();
                    let delta = log_odds(y_theme, n_theme) - log_odds(y_rest, n_rest);
                    let variance = 1.0 / (y_theme + alpha) + 1.0 / (y_rest + alpha);
                    let word = surface[stem]
                        .iter()
                        .max_by_key(|(w, n)| (**n, std::cmp::Reverse((*w).clone())))
                        .map(|(w, _)| w.clone())
                        .unwrap_or_else(|| stem.clone());
                    LearnedKeyword {
                        word,
                        z: delta / variance.sqrt(),
                        answers: used_in[stem]
                            .iter()
                            .copied()
                            .filter(|&i| coded[i].1.contains(&t))
                            .collect(),
                    }
                })
                .filter(|k| k.z >= min_z)
                .collect();
            found.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.word.cmp(&b.word)));
            found.truncate(per_theme);
            found
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coded(items: &[(&str, usize)]) -> Vec<(String, Vec<usize>)> {
        items
            .iter()
            .map(|(t, theme)| (t.to_string(), vec![*theme]))
            .collect()
    }

    #[test]
    fn words_that_set_a_theme_apart_come_first_with_their_answers() {
        let answers = coded(&[
            ("They never listened to me", 0),
            ("Nobody listens to us", 0),
            ("Listen to young people", 0),
            ("More support in lessons", 1),
            ("Support with my dyslexia", 1),
            ("Better support earlier", 1),
            ("More options for school", 2),
        ]);
        let learned = learned_keywords(
            3,
            &answers,
            &[BTreeSet::new(), BTreeSet::new(), BTreeSet::new()],
            3,
            1.0,
        );
        assert_eq!(learned[0][0].word, "listen", "{:?}", learned[0]);
        assert_eq!(learned[0][0].answers, [0, 1, 2]);
        assert_eq!(learned[1][0].word, "support");
        // "more" is in two themes: it does not set theme 1 apart as much.
        assert!(
            learned[1]
                .iter()
                .all(|k| k.word != "more" || k.z < learned[1][0].z)
        );
        // Stop words are never proposed.
        assert!(
            learned
                .iter()
                .flatten()
                .all(|k| k.word != "to" && k.word != "me")
        );
    }

    #[test]
    fn known_keywords_are_not_proposed_again() {
        let answers = coded(&[("listen listen", 0), ("help help", 1)]);
        let known = vec![BTreeSet::from(["listen".to_owned()]), BTreeSet::new()];
        let learned = learned_keywords(2, &answers, &known, 5, 0.0);
        assert!(learned[0].is_empty(), "{:?}", learned[0]);
        assert_eq!(learned[1][0].word, "help");
        assert!(
            learned_keywords(2, &[], &known, 5, 0.0)
                .iter()
                .all(Vec::is_empty)
        );
    }
}
