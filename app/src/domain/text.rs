//! Words in young people's answers: tokenising, stemming and finding
//! keywords and phrases, so that "listen" finds "listened", "Listening",
//! "LISTEN!" and "didn't listen", and "hurt me" finds "they hurt me".
//!
//! Words are found with Unicode word boundaries (UAX #29: "didn't" and
//! "don’t" stay one word, emoji and punctuation are not words), lower-cased
//! and stemmed with the English Snowball stemmer. Every match keeps byte
//! offsets into the original text so a page can highlight it.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// One word of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte offsets of the word in the original text.
    pub start: usize,
    pub end: usize,
    /// The word lower-cased and stemmed ("listened" → "listen").
    pub stem: String,
}

/// The words of `text`, in order.
pub fn tokens(text: &str) -> Vec<Token> {
    let stemmer = Stemmer::create(Algorithm::English);
    text.split_word_bound_indices()
        .filter(|(_, word)| word.chars().any(char::is_alphanumeric))
        .map(|(start, word)| Token {
            start,
            end: start + word.len(),
            stem: stem_word(&stemmer, word),
        })
        .collect()
}

fn stem_word(stemmer: &Stemmer, word: &str) -> String {
    let lower = word
        .to_lowercase()
        .replace(['\u{2019}', '\u{2018}', '\u{02bc}'], "'");
    // "school's" is about the school; "'cause" and "goin'" about the word.
    let bare = lower
        .strip_suffix("'s")
        .unwrap_or(&lower)
        .trim_matches('\'');
    stemmer.stem(bare).into_owned()
}

/// A place in a text where a phrase was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Index of the phrase in the list the finder was made from.
    pub phrase: usize,
    /// Byte offsets into the text, from the first word's start to the last
    /// word's end.
    pub start: usize,
    pub end: usize,
}

/// Finds any of a list of words and phrases in texts, by stem.
#[derive(Clone, Debug)]
pub struct PhraseFinder {
    phrases: Vec<String>,
    stems: Vec<Vec<String>>,
}

impl PhraseFinder {
    /// A finder for these phrases; phrases with no words are ignored.
    pub fn new<I, S>(phrases: I) -> PhraseFinder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut finder = PhraseFinder {
            phrases: Vec::new(),
            stems: Vec::new(),
        };
        for phrase in phrases {
            let phrase = phrase.into();
            let stems: Vec<String> = tokens(&phrase).into_iter().map(|t| t.stem).collect();
            if !stems.is_empty() {
                finder.phrases.push(phrase);
                finder.stems.push(stems);
            }
        }
        finder
    }

    /// The phrases, as given.
    pub fn phrases(&self) -> &[String] {
        &self.phrases
    }

    /// Every place in `text` where a phrase occurs, in text order.
    pub fn find(&self, text: &str) -> Vec<Found> {
        let words = tokens(text);
        let mut found = Vec::new();
        for (i, _) in words.iter().enumerate() {
            for (phrase, stems) in self.stems.iter().enumerate() {
                let Some(window) = words.get(i..i + stems.len()) else {
                    continue;
                };
                if window
                    .iter()
                    .zip(stems)
                    .all(|(word, stem)| &word.stem == stem)
                {
                    found.push(Found {
                        phrase,
                        start: window[0].start,
                        end: window[window.len() - 1].end,
                    });
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found_phrases(finder: &PhraseFinder, text: &str) -> Vec<String> {
        finder
            .find(text)
            .into_iter()
            .map(|f| text[f.start..f.end].to_owned())
            .collect()
    }

    #[test]
    fn a_keyword_finds_its_other_forms_whatever_the_case_and_punctuation() {
        let finder = PhraseFinder::new(["listen"]);
        for text in [
            "They never listened",
            "Listening to us",
            "LISTEN!",
            "they didn't listen",
            "listens",
        ] {
            assert_eq!(finder.find(text).len(), 1, "{text}");
        }
        assert!(
            finder.find("the river glistens").is_empty(),
            "different word, different stem"
        );
    }

    #[test]
    fn a_phrase_matches_only_its_words_in_order() {
        let finder = PhraseFinder::new(["listen to me", "one to one"]);
        assert_eq!(
            found_phrases(&finder, "If they actually listened to me instead"),
            ["listened to me"]
        );
        assert_eq!(found_phrases(&finder, "One-to-one support"), ["One-to-one"]);
        assert!(finder.find("me to listen").is_empty());
    }

    #[test]
    fn apostrophes_straight_and_curly_keep_words_whole() {
        let words: Vec<_> = tokens("didn’t don't school's")
            .into_iter()
            .map(|t| t.stem)
            .collect();
        assert_eq!(words, ["didn't", "don't", "school"]);
        let finder = PhraseFinder::new(["didn't"]);
        assert_eq!(finder.find("They didn’t care").len(), 1);
    }

    #[test]
    fn emoji_and_punctuation_are_not_words_and_offsets_point_into_the_text() {
        let text = "😞 hurt me… 1:1";
        let words = tokens(text);
        let spelled: Vec<_> = words.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(spelled, ["hurt", "me", "1", "1"]);
        let finder = PhraseFinder::new(["hurt me", "1:1"]);
        assert_eq!(found_phrases(&finder, text), ["hurt me", "1:1"]);
    }

    #[test]
    fn phrases_without_words_are_ignored() {
        let finder = PhraseFinder::new(["", "!!", "drugs"]);
        assert_eq!(finder.phrases(), ["drugs"]);
    }
}
