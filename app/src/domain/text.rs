//! Words in young people's answers: tokenising, stemming and finding
//! keywords and phrases, so that "listen" finds "listened", "Listening",
//! "LISTEN!" and "didn't listen", and "hurt me" finds "they hurt me".
//!
//! Words are found with Unicode word boundaries (UAX #29: "didn't" and
//! "don’t" stay one word, emoji and punctuation are not words), lower-cased
//! and stemmed with the Snowball stemmer of the answer's language where
//! rust-stemmers has one (English unless told), and compared as written
//! where it has none (Polish, Urdu, Ukrainian, Welsh, ...). Welsh changes a
//! word's first letters after certain words (plant, "ei blant", "fy
//! mhlant", "ei phlant"): a Welsh keyword also finds its mutated forms.
//! Every match keeps byte offsets into the original text so a page can
//! highlight it.

use super::languages::Language;
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

/// How a language's words are compared: by their Snowball stem, or as
/// written (lower-cased) where rust-stemmers has no stemmer for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stemming {
    Snowball(Algorithm),
    AsWritten,
}

impl Stemming {
    pub fn for_language(language: &Language) -> Stemming {
        use Algorithm::*;
        Stemming::Snowball(match language.primary() {
            "ar" => Arabic,
            "da" => Danish,
            "de" => German,
            "el" => Greek,
            "en" => English,
            "es" => Spanish,
            "fi" => Finnish,
            "fr" => French,
            "hu" => Hungarian,
            "it" => Italian,
            "nl" => Dutch,
            "no" | "nb" | "nn" => Norwegian,
            "pt" => Portuguese,
            "ro" => Romanian,
            "ru" => Russian,
            "sv" => Swedish,
            "ta" => Tamil,
            "tr" => Turkish,
            _ => return Stemming::AsWritten,
        })
    }

    fn stemmer(self) -> Option<Stemmer> {
        match self {
            Stemming::Snowball(algorithm) => Some(Stemmer::create(algorithm)),
            Stemming::AsWritten => None,
        }
    }
}

/// The words of `text` (English), in order.
pub fn tokens(text: &str) -> Vec<Token> {
    tokens_in(text, Stemming::Snowball(Algorithm::English))
}

/// The words of `text`, stemmed as `stemming` says, in order.
pub fn tokens_in(text: &str, stemming: Stemming) -> Vec<Token> {
    let stemmer = stemming.stemmer();
    let mut words = Vec::new();
    for_each_word(text, |start, end| {
        words.push(Token {
            start,
            end,
            stem: stem_word(stemmer.as_ref(), &text[start..end]),
        });
    });
    words
}

/// A Welsh word as the consonant mutations can write it: itself, then its
/// soft, nasal and aspirate mutations, or with an h before its vowel
/// (plant: blant, mhlant, phlant; ysgol: hysgol). Letters that do not
/// mutate (ch, ff, ng, ph, th, dd) give the word alone.
pub fn welsh_mutations(word: &str) -> Vec<String> {
    let word = word.to_lowercase();
    let mut forms = vec![word.clone()];
    let mut add = |cut: usize, start: &str| forms.push(format!("{start}{}", &word[cut..]));
    let unchanging = ["ch", "ff", "ng", "ph", "th", "dd"];
    if word.starts_with("ll") {
        add(2, "l");
    } else if word.starts_with("rh") {
        add(2, "r");
    } else if !unchanging.iter().any(|u| word.starts_with(u)) {
        match word.chars().next() {
            Some('p') => ["b", "mh", "ph"].iter().for_each(|s| add(1, s)),
            Some('t') => ["d", "nh", "th"].iter().for_each(|s| add(1, s)),
            Some('c') => ["g", "ngh", "ch"].iter().for_each(|s| add(1, s)),
            Some('b') => ["f", "m"].iter().for_each(|s| add(1, s)),
            Some('d') => ["dd", "n"].iter().for_each(|s| add(1, s)),
            Some('g') => ["", "ng"].iter().for_each(|s| add(1, s)),
            Some('m') => add(1, "f"),
            Some(c) if "aeiouwyâêîôûŵŷ".contains(c) => add(0, "h"),
            _ => {}
        }
    }
    forms.retain(|form| !form.is_empty());
    forms
}

/// Calls `found(start, end)` with the byte range of each word of `text`, in
/// order: the pieces between Unicode word boundaries (UAX #29) that hold a
/// letter or digit (unicode-segmentation takes a fast path for ASCII).
pub fn for_each_word(text: &str, mut found: impl FnMut(usize, usize)) {
    for (start, word) in text.unicode_word_indices() {
        found(start, start + word.len());
    }
}

fn stem_word(stemmer: Option<&Stemmer>, word: &str) -> String {
    let lower = word
        .to_lowercase()
        .replace(['\u{2019}', '\u{2018}', '\u{02bc}'], "'");
    // "school's" is about the school; "'cause" and "goin'" about the word.
    let bare = lower
        .strip_suffix("'s")
        .unwrap_or(&lower)
        .trim_matches('\'');
    match stemmer {
        Some(stemmer) => stemmer.stem(bare).into_owned(),
        None => bare.to_owned(),
    }
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
    stemming: Stemming,
    phrases: Vec<String>,
    /// The ways each phrase can be written, as stem numbers, each with
    /// its phrase: one per phrase, more in Welsh (its mutations).
    stems: Vec<(usize, Vec<u32>)>,
    /// The number of each stem a phrase has.
    numbers: FastMap<String, u32>,
    /// The ways (indices into `stems`) starting with each stem number, in
    /// order.
    starting_with: Vec<Vec<usize>>,
}

/// The words a finder has met and their stem numbers, and room for a
/// text's words: one per thread, kept from text to text.
pub struct WordCache {
    /// The stemmer of the finder's language (none: words as written).
    stemmer: Option<Stemmer>,
    /// The finder whose stem numbers `numbers` holds.
    finder: usize,
    numbers: FastMap<Box<str>, Option<u32>>,
    words: Vec<(usize, usize, Option<u32>)>,
}

impl Default for WordCache {
    fn default() -> WordCache {
        WordCache {
            stemmer: Some(Stemmer::create(Algorithm::English)),
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
    /// A finder for these phrases in English; phrases with no words are
    /// ignored.
    pub fn new<I, S>(phrases: I) -> PhraseFinder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        PhraseFinder::new_in(phrases, &Language::english())
    }

    /// A finder for these phrases in texts written in `language`.
    pub fn new_in<I, S>(phrases: I, language: &Language) -> PhraseFinder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let stemming = Stemming::for_language(language);
        let welsh = language.primary() == "cy";
        let mut finder = PhraseFinder {
            id: FINDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            stemming,
            phrases: Vec::new(),
            stems: Vec::new(),
            numbers: FastMap::default(),
            starting_with: Vec::new(),
        };
        for phrase in phrases {
            let phrase = phrase.into();
            let words = tokens_in(&phrase, stemming);
            let Some(first) = words.first() else { continue };
            let index = finder.phrases.len();
            // In Welsh, the phrase's first word in each of its mutations:
            // the word that mutates is the one after the word before it.
            let firsts = if welsh {
                welsh_mutations(&first.stem)
            } else {
                vec![first.stem.clone()]
            };
            for first in firsts {
                let stems: Vec<u32> = std::iter::once(first)
                    .chain(words[1..].iter().map(|t| t.stem.clone()))
                    .map(|stem| {
                        let next = finder.numbers.len() as u32;
                        *finder.numbers.entry(stem).or_insert(next)
                    })
                    .collect();
                if finder.stems.iter().any(|(p, s)| *p == index && *s == stems) {
                    continue;
                }
                finder
                    .starting_with
                    .resize(finder.numbers.len(), Vec::new());
                finder.starting_with[stems[0] as usize].push(finder.stems.len());
                finder.stems.push((index, stems));
            }
            finder.phrases.push(phrase);
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
            cache.stemmer = self.stemming.stemmer();
        }
        let mut words = std::mem::take(&mut cache.words);
        words.clear();
        for_each_word(text, |start, end| {
            words.push((start, end, self.number_of(cache, &text[start..end])));
        });
        let mut found = Vec::new();
        for (i, &(start, _, number)) in words.iter().enumerate() {
            let Some(number) = number else { continue };
            for &way in &self.starting_with[number as usize] {
                let (phrase, stems) = &self.stems[way];
                let phrase = *phrase;
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
        let number = self
            .numbers
            .get(&stem_word(cache.stemmer.as_ref(), word))
            .copied();
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
    fn a_welsh_keyword_is_found_whatever_mutation_the_sentence_gave_it() {
        let cy = Language::parse("cy").unwrap();
        let finder = PhraseFinder::new_in(["plant", "ysgol", "llais", "cefnogaeth"], &cy);
        for (text, found) in [
            ("Mae'r plant yn hapus", "plant"),
            ("Roedd ei blant yn drist", "blant"),
            ("Fy mhlant i", "mhlant"),
            ("Ei phlant hi", "phlant"),
            ("Yn ei hysgol hi", "hysgol"),
            ("Dim digon o lais", "lais"),
            ("Ei chefnogaeth hi", "chefnogaeth"),
            ("Dim gefnogaeth", "gefnogaeth"),
        ] {
            assert_eq!(found_phrases(&finder, text), [found], "{text}");
        }
        // Each found as its keyword, once.
        let found = finder.find("Fy mhlant");
        assert_eq!(found.len(), 1);
        assert_eq!(finder.phrases()[found[0].phrase], "plant");
        assert!(
            finder.find("Mae'r blanced yn las").is_empty(),
            "other words stay other words"
        );
    }

    #[test]
    fn the_mutations_of_a_welsh_word_follow_its_first_letters() {
        assert_eq!(
            welsh_mutations("plant"),
            ["plant", "blant", "mhlant", "phlant"]
        );
        assert_eq!(welsh_mutations("Tad"), ["tad", "dad", "nhad", "thad"]);
        assert_eq!(welsh_mutations("cath"), ["cath", "gath", "nghath", "chath"]);
        assert_eq!(welsh_mutations("bara"), ["bara", "fara", "mara"]);
        assert_eq!(welsh_mutations("drws"), ["drws", "ddrws", "nrws"]);
        assert_eq!(welsh_mutations("gardd"), ["gardd", "ardd", "ngardd"]);
        assert_eq!(welsh_mutations("mam"), ["mam", "fam"]);
        assert_eq!(welsh_mutations("llyfr"), ["llyfr", "lyfr"]);
        assert_eq!(welsh_mutations("rhaff"), ["rhaff", "raff"]);
        assert_eq!(welsh_mutations("ysgol"), ["ysgol", "hysgol"]);
        for unchanging in ["chwarae", "ffrind", "theatr", "ddoe", "sut"] {
            assert_eq!(welsh_mutations(unchanging), [unchanging]);
        }
    }

    #[test]
    fn words_are_stemmed_in_their_own_language_or_compared_as_written() {
        let ro = Language::parse("ro").unwrap();
        let finder = PhraseFinder::new_in(["ajutor"], &ro);
        assert_eq!(
            found_phrases(&finder, "Am nevoie de ajutorul profesorilor"),
            ["ajutorul"]
        );
        // Polish has no Snowball stemmer: the word as written, any case.
        let pl = Language::parse("pl").unwrap();
        let finder = PhraseFinder::new_in(["pomoc"], &pl);
        assert_eq!(
            found_phrases(&finder, "Potrzebuję Pomoc, nie kary"),
            ["Pomoc"]
        );
        assert!(
            finder.find("potrzebuję pomocy").is_empty(),
            "an inflected form is a different word"
        );
        // An English stemmer would have cut both to "help"; Polish keeps them apart.
        let english = PhraseFinder::new(["helping"]);
        assert_eq!(english.find("help").len(), 1);
        let cache_user = PhraseFinder::new_in(["helping"], &pl);
        let mut cache = WordCache::default();
        assert!(
            cache_user.find_with(&mut cache, "help").is_empty(),
            "the cache takes the finder's language"
        );
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
