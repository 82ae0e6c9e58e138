//! Keyword suggestions: which themes an answer's words point to, ranked,
//! with the words that matched so a page can show why. Suggestions are a
//! help for the worker, who always decides; nothing here applies a theme.
//!
//! Matching is by stem (see `text`): a theme's keyword "listen" finds
//! "listened", "Listening" and "didn't listen"; phrases ("one to one")
//! match their words in order. A theme scores one point per word of each
//! different keyword found, and a quarter point for each repeat, so a
//! two-word phrase counts more than a single word and saying a word twice
//! counts a little, not double.

use super::languages::Language;
use super::survey::Theme;
use super::text::{Found, PhraseFinder, WordCache};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A theme suggested for an answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Index of the theme in the codebook.
    pub theme: usize,
    pub score: f64,
    /// Where its keywords were found: byte offsets into the answer, and the
    /// keyword each match is for.
    pub matched: Vec<Match>,
}

/// A keyword found in an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub keyword: String,
}

/// Suggests themes of one codebook.
#[derive(Clone, Debug)]
pub struct Suggester {
    finder: PhraseFinder,
    /// For each phrase of the finder: its theme and how many words it has.
    phrase_theme: Vec<(usize, usize)>,
}

impl Suggester {
    /// Suggests for answers in English.
    pub fn new(themes: &[Theme]) -> Suggester {
        Suggester::in_language(themes, &Language::english())
    }

    /// Suggests for answers written in `language`: its words matched by
    /// that language's stemmer, or as written (see `text`).
    pub fn in_language(themes: &[Theme], language: &Language) -> Suggester {
        let mut phrases = Vec::new();
        let mut phrase_theme = Vec::new();
        for (index, theme) in themes.iter().enumerate() {
            for keyword in &theme.keywords {
                let words = super::text::tokens(keyword).len();
                if words > 0 {
                    phrases.push(keyword.clone());
                    phrase_theme.push((index, words));
                }
            }
        }
        Suggester {
            finder: PhraseFinder::new_in(phrases, language),
            phrase_theme,
        }
    }

    /// The themes `text` points to, best first (ties in codebook order).
    pub fn suggest(&self, text: &str) -> Vec<Suggestion> {
        self.rank(self.finder.find(text))
    }

    /// [`Suggester::suggest`], remembering the words met (see
    /// [`WordCache`]): for many answers, one cache per thread.
    pub fn suggest_with(&self, cache: &mut WordCache, text: &str) -> Vec<Suggestion> {
        self.rank(self.finder.find_with(cache, text))
    }

    /// Suggestions for many answers, in order, spread over the machine's
    /// cores (one thread where there are no threads, as in a browser).
    pub fn suggest_many(&self, answers: &[&str]) -> Vec<Vec<Suggestion>> {
        super::parallel::by_parts(answers, |part| {
            let mut cache = WordCache::default();
            part.iter()
                .map(|a| self.suggest_with(&mut cache, a))
                .collect()
        })
    }

    /// Suggestions for answers in several languages, in order: each
    /// answer matched by the rules of its language (`None`: not known, as
    /// for imported answers, taken to be the survey's own, `unknown`).
    pub fn suggest_in_languages(
        themes: &[Theme],
        answers: &[(&str, Option<&str>)],
        unknown: &Language,
    ) -> Vec<Vec<Suggestion>> {
        let mut by_language: std::collections::BTreeMap<Language, Vec<usize>> = Default::default();
        for (i, (_, tag)) in answers.iter().enumerate() {
            let language = tag
                .and_then(|tag| Language::parse(tag).ok())
                .unwrap_or_else(|| unknown.clone());
            by_language.entry(language).or_default().push(i);
        }
        let mut ranked = vec![Vec::new(); answers.len()];
        for (language, indices) in by_language {
            let suggester = Suggester::in_language(themes, &language);
            let texts: Vec<&str> = indices.iter().map(|&i| answers[i].0).collect();
            for (i, suggestions) in indices.into_iter().zip(suggester.suggest_many(&texts)) {
                ranked[i] = suggestions;
            }
        }
        ranked
    }

    fn rank(&self, found: Vec<Found>) -> Vec<Suggestion> {
        let mut by_theme: HashMap<usize, Suggestion> = HashMap::new();
        let mut seen: Vec<usize> = Vec::new();
        for f in found {
            let (theme, words) = self.phrase_theme[f.phrase];
            let suggestion = by_theme.entry(theme).or_insert_with(|| Suggestion {
                theme,
                score: 0.0,
                matched: Vec::new(),
            });
            suggestion.score += if seen.contains(&f.phrase) {
                0.25
            } else {
                words as f64
            };
            seen.push(f.phrase);
            suggestion.matched.push(Match {
                start: f.start,
                end: f.end,
                keyword: self.finder.phrases()[f.phrase].clone(),
            });
        }
        let mut ranked: Vec<Suggestion> = by_theme.into_values().collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.theme.cmp(&b.theme)));
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codebook() -> Vec<Theme> {
        let theme = |name: &str, keywords: &[&str]| Theme {
            name: name.into(),
            description: String::new(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            ..Theme::default()
        };
        vec![
            theme(
                "Connect and belong",
                &["listen", "trust", "listen to me", "belong"],
            ),
            theme(
                "Help and support",
                &["help", "support", "one to one", "counselling"],
            ),
            theme(
                "More or better options",
                &["college", "course", "apprenticeship"],
            ),
        ]
    }

    #[test]
    fn word_forms_match_and_the_matched_words_are_given_with_their_places() {
        let suggester = Suggester::new(&codebook());
        let text = "If they actually listened to me instead of shouting";
        let suggestions = suggester.suggest(text);
        assert_eq!(suggestions.len(), 1);
        assert_eq!(suggestions[0].theme, 0);
        let words: Vec<_> = suggestions[0]
            .matched
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect();
        assert_eq!(words, ["listened", "listened to me"]);
        assert_eq!(
            suggestions[0].score, 4.0,
            "one for listen, three for the phrase"
        );
    }

    #[test]
    fn themes_are_ranked_by_score_then_codebook_order() {
        let suggester = Suggester::new(&codebook());
        let ranked = suggester.suggest("More help with apprenticeships and college courses");
        let order: Vec<_> = ranked.iter().map(|s| s.theme).collect();
        assert_eq!(order, [2, 1]);
        let tie = suggester.suggest("trust and support");
        assert_eq!(tie.iter().map(|s| s.theme).collect::<Vec<_>>(), [0, 1]);
    }

    #[test]
    fn a_repeated_keyword_adds_a_little_not_double() {
        let suggester = Suggester::new(&codebook());
        let once = suggester.suggest("help");
        let thrice = suggester.suggest("help help help");
        assert_eq!(once[0].score, 1.0);
        assert_eq!(thrice[0].score, 1.5);
    }

    #[test]
    fn an_answer_with_none_of_the_words_gets_no_suggestion() {
        assert!(
            Suggester::new(&codebook())
                .suggest("nothing really")
                .is_empty()
        );
    }
}
