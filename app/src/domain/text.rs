//! Words in young people's answers: tokenising, stemming and finding
//! keywords and phrases, so that "listen" finds "listened", "Listening",
//! "LISTEN!" and "didn't listen", and "hurt me" finds "they hurt me".
//!
//! Words are found with Unicode word boundaries (UAX #29: "didn't" and
//! "don’t" stay one word, emoji and punctuation are not words), lower-cased
//! and stemmed with the English Snowball stemmer. Every match keeps byte
//! offsets into the original text so a page can highlight it.

use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashMap;
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
    let mut words = Vec::new();
    for_each_word(text, |start, end| {
        words.push(Token {
            start,
            end,
            stem: stem_word(&stemmer, &text[start..end]),
        });
    });
    words
}

/// Calls `found(start, end)` with the byte range of each word of `text`, in
/// order: the pieces between Unicode word boundaries (UAX #29) that hold a
/// letter or digit (unicode-segmentation takes a fast path for ASCII).
pub fn for_each_word(text: &str, mut found: impl FnMut(usize, usize)) {
    for (start, word) in text.unicode_word_indices() {
        found(start, start + word.len());
    }
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

type FastMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// Finds any of a list of words and phrases in texts, by stem.
///
/// Stems are numbered: a phrase is a list of stem numbers, and a text's
/// words are looked up, as written, in a [`WordCache`] that remembers
/// each word's stem number (or that no keyword has its stem), so each
/// different word is stemmed once and the matching compares numbers.
#[derive(Clone, Debug)]
pub struct PhraseFinder {
    /// Which finder this is (see `FINDERS`).
    id: usize,
    phrases: Vec<String>,
    /// Each phrase's words, as stem numbers.
    stems: Vec<Vec<u32>>,
    /// The number of each stem a phrase has.
    numbers: FastMap<String, u32>,
    /// The phrases (indices) starting with each stem number, in order.
    starting_with: Vec<Vec<usize>>,
}

/// The words a finder has met and their stem numbers, and room for a
/// text's words: one per thread, kept from text to text.
pub struct WordCache {
    stemmer: Stemmer,
    /// The finder whose stem numbers `numbers` holds.
    finder: usize,
    numbers: FastMap<Box<str>, Option<u32>>,
    words: Vec<(usize, usize, Option<u32>)>,
}

impl Default for WordCache {
    fn default() -> WordCache {
        WordCache {
            stemmer: Stemmer::create(Algorithm::English),
            finder: 0,
            numbers: FastMap::default(),
            words: Vec::new(),
        }
    }
}

/// Words remembered at most per thread (about 20 MB): a text of endless
/// made-up words must not take the machine's memory (the Big Ask's size
/// of answers uses about 120,000 different words).
const MOST_WORDS_REMEMBERED: usize = 250_000;

/// Each finder's number, so a cache filled for one is never read for another.
static FINDERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

impl PhraseFinder {
    /// A finder for these phrases; phrases with no words are ignored.
    pub fn new<I, S>(phrases: I) -> PhraseFinder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut finder = PhraseFinder {
            id: FINDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            phrases: Vec::new(),
            stems: Vec::new(),
            numbers: FastMap::default(),
            starting_with: Vec::new(),
        };
        for phrase in phrases {
            let phrase = phrase.into();
            let stems: Vec<u32> = tokens(&phrase)
                .into_iter()
                .map(|t| {
                    let next = finder.numbers.len() as u32;
                    *finder.numbers.entry(t.stem).or_insert(next)
                })
                .collect();
            if let Some(&first) = stems.first() {
                finder
                    .starting_with
                    .resize(finder.numbers.len(), Vec::new());
                finder.starting_with[first as usize].push(finder.phrases.len());
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
        self.find_with(&mut WordCache::default(), text)
    }

    /// [`PhraseFinder::find`], with the words met before remembered.
    pub fn find_with(&self, cache: &mut WordCache, text: &str) -> Vec<Found> {
        if cache.finder != self.id {
            cache.numbers.clear();
            cache.finder = self.id;
        }
        let mut words = std::mem::take(&mut cache.words);
        words.clear();
        for_each_word(text, |start, end| {
            words.push((start, end, self.number_of(cache, &text[start..end])));
        });
        let mut found = Vec::new();
        for (i, &(start, _, number)) in words.iter().enumerate() {
            let Some(number) = number else { continue };
            for &phrase in &self.starting_with[number as usize] {
                let stems = &self.stems[phrase];
                let Some(window) = words.get(i..i + stems.len()) else {
                    continue;
                };
                if window.iter().zip(stems).all(|(w, &s)| w.2 == Some(s)) {
                    found.push(Found {
                        phrase,
                        start,
                        end: window[window.len() - 1].1,
                    });
                }
            }
        }
        cache.words = words;
        found
    }

    /// The stem number of `word` (as written), if a phrase has its stem.
    fn number_of(&self, cache: &mut WordCache, word: &str) -> Option<u32> {
        if let Some(&number) = cache.numbers.get(word) {
            return number;
        }
        if cache.numbers.len() >= MOST_WORDS_REMEMBERED {
            cache.numbers.clear();
        }
        let number = self.numbers.get(&stem_word(&cache.stemmer, word)).copied();
        cache.numbers.insert(word.into(), number);
        number
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

    #[test]
    fn a_word_cache_follows_the_finder_it_is_used_with() {
        let listen = PhraseFinder::new(["listen"]);
        let trust = PhraseFinder::new(["trust", "listen"]);
        let mut cache = WordCache::default();
        assert_eq!(listen.find_with(&mut cache, "listen to me").len(), 1);
        let found: Vec<usize> = trust
            .find_with(&mut cache, "trust me, listen")
            .iter()
            .map(|f| f.phrase)
            .collect();
        assert_eq!(found, [0, 1], "\"listen\" is the second phrase here");
    }
}
