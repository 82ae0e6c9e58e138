//! Safeguarding rules: free-text answers that match one go on the workers'
//! "needs a look" list with the words that matched and the rule that
//! matched them, so the worker sees why.
//!
//! Young people rarely write the words of a safeguarding policy. They write
//! "dont", "im" and "hes", "gives me a hiding", "cant go on like this",
//! "running for the olders". So before matching, each word is lower-cased,
//! its apostrophes dropped and common spellings mended ("coz" -> because,
//! "wanna" -> want to, "hes" -> he), then stemmed (English Snowball), and
//! rules are patterns over those words:
//! - `hit|punch ... me`: alternatives with `|` (one word each), and `...`
//!   for a gap of up to three words ("hits me", "punched me", "hit my
//!   brother and me");
//! - `@hurt me`: a named word class (`@hurt = hit punch slap ...`);
//! - a rule is cancelled by a negation just before it ("nobody hurts me
//!   here", "i dont get hit"), by an idiom it overlaps ("would kill me"),
//!   and by talk about a topic in its clause ("in a video game", "a lesson
//!   on knife crime"). A rule starting with `!` is never cancelled: "kill
//!   myself" is a look whatever surrounds it.
//!
//! The default rules live beside this file (`safeguarding-rules.txt`); a
//! deployment adds its own (local slang, names of local gangs) in the same
//! form. The rules are measured against an evaluation set of answers in
//! young people's voice (`tests/corpus/safeguarding/`, README
//! "Safeguarding").

use super::answers::Answers;
use super::languages::Language;
use super::survey::Survey;
use super::text::{Stemming, welsh_mutations};
use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use unicode_segmentation::UnicodeSegmentation;

/// Heard's default rules.
pub const DEFAULT_RULES: &str = include_str!("safeguarding-rules.txt");

/// The most words a `...` gap stands for.
const GAP: usize = 3;

/// How many words before a match a negation cancels it from.
const NEGATION_REACH: usize = 2;

/// What in an answer needs a look.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concern {
    /// The question whose answer it is in.
    pub question: String,
    /// The words as the young person wrote them.
    pub words: String,
    /// Why: the rule's kind and pattern ("harm at home: @hurt ... me").
    #[serde(default)]
    pub reason: String,
}

/// One element of a pattern: any of some stems or of some exact words
/// (`=olders`, where the stem would also match "older"), or a gap.
#[derive(Clone, Debug)]
enum Part {
    Word {
        stems: Vec<String>,
        exact: Vec<String>,
        /// The same as numbers of the rules' vocabulary
        /// ([`SafeguardingRules::prepare`]): what answers are matched
        /// against, a number compared where a string was (comparing
        /// strings had become most of the time an import took).
        ids: WordIds,
    },
    Gap,
}

/// A part's stems and exact words by number.
#[derive(Clone, Debug, Default)]
struct WordIds {
    stems: Vec<u32>,
    exact: Vec<u32>,
}

impl Part {
    fn word(stems: Vec<String>, exact: Vec<String>) -> Part {
        Part::Word {
            stems,
            exact,
            ids: WordIds::default(),
        }
    }
}

/// The number of a word no rule has.
const NOT_IN_RULES: u32 = u32::MAX;

#[derive(Clone, Debug)]
struct Rule {
    /// The section it was written under ("harm to self").
    kind: String,
    /// As written, for the worker.
    source: String,
    parts: Vec<Part>,
    /// Patterns that must match too, in the same sentence (`a & b`).
    also: Vec<Vec<Part>>,
    /// Never cancelled by negation or exceptions.
    strong: bool,
}

/// A word of an answer as rules see it.
#[derive(Clone, Debug)]
struct Word {
    start: usize,
    end: usize,
    stem: String,
    /// The word mended but not stemmed.
    bare: String,
    /// Their numbers in the rules' vocabulary, or [`NOT_IN_RULES`].
    stem_id: u32,
    bare_id: u32,
    /// Index of the clause it is in (clauses end at . ! ? ; , and "but").
    clause: usize,
    /// Index of the sentence it is in (sentences end at . ! ? and lines).
    sentence: usize,
}

/// Safeguarding rules, ready to check answers with: a set for English and
/// one for each other language a deployment has written rules for.
#[derive(Clone, Debug)]
pub struct SafeguardingRules {
    /// By primary language subtag (`en`, `cy`); English is always there.
    sets: BTreeMap<String, RuleSet>,
}

/// How one language's rules and answers are read into words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reading {
    /// Young people's spellings mended ("dont", "coz"), then Snowball.
    English,
    /// A language rust-stemmers has a Snowball stemmer for.
    Stemmed(Algorithm),
    /// Welsh, which has none: a rule's word also matches each of its
    /// initial consonant mutations ("taro" finds "fy nharo i").
    Welsh,
    /// Lower-cased, as written.
    AsWritten,
}

impl Reading {
    fn of(language: &Language) -> Reading {
        match language.primary() {
            "en" => Reading::English,
            "cy" => Reading::Welsh,
            _ => match Stemming::for_language(language) {
                Stemming::Snowball(algorithm) => Reading::Stemmed(algorithm),
                Stemming::AsWritten => Reading::AsWritten,
            },
        }
    }

    fn stemmer(self) -> Option<Stemmer> {
        match self {
            Reading::English => Some(Stemmer::create(Algorithm::English)),
            Reading::Stemmed(algorithm) => Some(Stemmer::create(algorithm)),
            Reading::Welsh | Reading::AsWritten => None,
        }
    }
}

/// One language's rules.
#[derive(Clone, Debug)]
struct RuleSet {
    reading: Reading,
    rules: Vec<Rule>,
    /// Exceptions, each with whether it cancels every rule in its clause
    /// (talk about a topic: "a lesson on knife crime") or only a match it
    /// overlaps (an idiom: "would kill me if").
    exceptions: Vec<(Vec<Part>, bool)>,
    negations: Vec<String>,
    first_words: FirstWords,
}

/// The numbers of the words rules have, and the rules and exceptions (by
/// index) by the words they can start with.
#[derive(Clone, Debug, Default)]
struct FirstWords {
    vocabulary: std::collections::HashMap<String, u32>,
    rules: Starts,
    exceptions: Starts,
}

/// Patterns (by index) by the number of the stem, or of the exact word,
/// they can start with.
#[derive(Clone, Debug, Default)]
struct Starts {
    by_stem: Vec<Vec<usize>>,
    by_exact: Vec<Vec<usize>>,
    /// Those that could start anywhere.
    anywhere: Vec<usize>,
}

impl Starts {
    fn new(words: usize) -> Starts {
        Starts {
            by_stem: vec![Vec::new(); words],
            by_exact: vec![Vec::new(); words],
            anywhere: Vec::new(),
        }
    }

    /// Files pattern `i` under its first part's words.
    fn file(&mut self, i: usize, parts: &[Part]) {
        match parts.first() {
            Some(Part::Word { ids, .. }) => {
                for &stem in &ids.stems {
                    self.by_stem[stem as usize].push(i);
                }
                for &word in &ids.exact {
                    self.by_exact[word as usize].push(i);
                }
            }
            Some(Part::Gap) | None => self.anywhere.push(i),
        }
    }

    /// Where in `words` each pattern could start: (pattern, word), in
    /// order of pattern, then word; every other place fails at its first
    /// word.
    fn in_words(&self, words: &[Word]) -> Vec<(usize, usize)> {
        let mut starts: Vec<(usize, usize)> = Vec::new();
        for (at, word) in words.iter().enumerate() {
            for found in [
                self.by_stem.get(word.stem_id as usize),
                self.by_exact.get(word.bare_id as usize),
            ]
            .into_iter()
            .flatten()
            {
                starts.extend(found.iter().map(|&i| (i, at)));
            }
            starts.extend(self.anywhere.iter().map(|&i| (i, at)));
        }
        starts.sort_unstable();
        starts.dedup();
        starts
    }
}

/// Common spellings in young people's writing, mended before stemming;
/// a mended form may be several words.
fn mend(word: &str) -> &str {
    match word {
        "im" | "ive" | "id" => "i",
        "hes" => "he",
        "shes" => "she",
        "theyre" | "theyll" | "theyve" | "theyd" => "they",
        "youre" | "youll" => "you",
        "coz" | "cos" | "cuz" | "becuz" | "bcos" | "bc" | "cause" => "because",
        "wen" => "when",
        "wanna" => "want to",
        "gonna" => "going to",
        "gotta" => "got to",
        "dunno" => "do not know",
        "nuthin" | "nothin" | "nuffin" | "nowt" => "nothing",
        "nobodys" | "noones" => "nobody",
        "sumtimes" | "somtimes" => "sometimes",
        "sum" => "some",
        "cannot" => "cant",
        "beleive" | "belive" => "believe",
        "ment" => "meant",
        "dont" | "doesnt" | "didnt" | "isnt" | "wasnt" | "aint" | "cant" | "wont" | "wouldnt"
        | "couldnt" | "shouldnt" | "havent" | "hasnt" | "never" | "nobody" | "noone"
        | "nothing" | "not" | "no" | "nah" => word,
        "u" => "you",
        "hame" => "home",
        "aw" => "all",
        "hoose" => "house",
        "everyones" => "everyone",
        "lecky" | "leccy" | "lekky" => "electric",
        "somethin" | "summat" | "summit" => "something",
        "writin" => "writing",
        "livin" => "living",
        "wearin" => "wearing",
        // A dropped "g" ("screamin", "gettin"): only words that are
        // nothing else, so "cousin" and "heroin" stay themselves.
        "screamin" => "screaming",
        "shoutin" => "shouting",
        "fightin" => "fighting",
        "hittin" => "hitting",
        "cuttin" => "cutting",
        "drinkin" => "drinking",
        "stayin" => "staying",
        "gettin" => "getting",
        "sayin" => "saying",
        "doin" => "doing",
        "goin" => "going",
        "comin" => "coming",
        "runnin" => "running",
        "sellin" => "selling",
        "smokin" => "smoking",
        "takin" => "taking",
        "lookin" => "looking",
        "kickin" => "kicking",
        "punchin" => "punching",
        "slappin" => "slapping",
        "sleepin" => "sleeping",
        "eatin" => "eating",
        "cryin" => "crying",
        "dyin" => "dying",
        "killin" => "killing",
        "hurtin" => "hurting",
        "touchin" => "touching",
        "sendin" => "sending",
        "ur" => "your",
        "mums" => "mum",
        "dads" => "dad",
        "mates" => "mate",
        "pics" | "piccies" | "photo" | "photos" | "nudes" | "picture" | "pictures" => "pic",
        "kms" => "kill myself",
        "feds" | "police" | "coppers" | "5-0" => "police",
        _ => word,
    }
}

/// Whether `c` ends a sentence: `.`, `!`, `?`, a line break, and Arabic
/// and Urdu's question mark and full stop.
fn ends_sentence(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '\n' | '\u{061f}' | '\u{06d4}')
}

/// Whether `c` ends a clause: the end of a sentence, `;` or `,` (and
/// Arabic's comma and semicolon).
fn ends_clause(c: char) -> bool {
    ends_sentence(c) || matches!(c, ';' | ',' | '\u{060c}' | '\u{061b}')
}

/// `"do" "not"` read as `"dont"`, and so on: the rules use the short form.
fn joined_with_not(word: &str) -> Option<&'static str> {
    Some(match word {
        "do" => "dont",
        "does" => "doesnt",
        "did" => "didnt",
        "can" => "cant",
        "will" => "wont",
        "is" => "isnt",
        "was" => "wasnt",
        "are" => "arent",
        "have" => "havent",
        "has" => "hasnt",
        "would" => "wouldnt",
        "could" => "couldnt",
        "should" => "shouldnt",
        _ => return None,
    })
}

/// The words of `text` as rules see them, read as `reading` says.
fn words(text: &str, reading: Reading) -> Vec<Word> {
    let stemmer = reading.stemmer();
    let stem = |word: &str| match &stemmer {
        Some(stemmer) => stemmer.stem(word).into_owned(),
        None => word.to_owned(),
    };
    let english = reading == Reading::English;
    // Unicode word boundaries, then split again at clause punctuation a
    // word swallowed ("myself.nobody", typed without a space).
    let mut pieces = Vec::new();
    for (start, piece) in text.split_word_bound_indices() {
        let mut from = 0;
        for (i, c) in piece.char_indices() {
            if ends_clause(c) {
                if from < i {
                    pieces.push((start + from, &piece[from..i]));
                }
                pieces.push((start + i, &piece[i..i + c.len_utf8()]));
                from = i + c.len_utf8();
            }
        }
        if from < piece.len() {
            pieces.push((start + from, &piece[from..]));
        }
    }
    let mut out: Vec<Word> = Vec::new();
    let (mut clause, mut sentence) = (0, 0);
    for (start, piece) in pieces {
        if piece.chars().any(ends_sentence) {
            sentence += 1;
        }
        if piece.chars().any(ends_clause) {
            clause += 1;
            continue;
        }
        if !piece.chars().any(char::is_alphanumeric) {
            continue;
        }
        let bare: String = piece
            .to_lowercase()
            .chars()
            .filter(|c| !matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02bc}'))
            .collect();
        // English's own habits: "but" starts a clause, "do not" is read
        // as "dont", and young people's spellings are mended.
        if english && bare == "but" {
            clause += 1;
        }
        if english && bare == "not" {
            let previous = out.last_mut().filter(|w| w.clause == clause);
            if let Some(joined) = previous.and_then(|w| joined_with_not(&w.bare).map(|j| (w, j))) {
                let (word, joined) = joined;
                word.end = start + piece.len();
                word.bare = joined.to_owned();
                word.stem = stem(joined);
                continue;
            }
        }
        let mended = if english { mend(&bare) } else { bare.as_str() };
        for mended in mended.split(' ') {
            out.push(Word {
                start,
                end: start + piece.len(),
                stem: stem(mended),
                bare: mended.to_owned(),
                stem_id: NOT_IN_RULES,
                bare_id: NOT_IN_RULES,
                clause,
                sentence,
            });
        }
    }
    out
}

/// The stems of a word of a rule, read like an answer's words: several
/// when it is written with a hyphen ("self-harm") or mended into several
/// ("wanna").
fn stems_of(word: &str, reading: Reading) -> Vec<String> {
    words(word, reading).into_iter().map(|w| w.stem).collect()
}

/// What a stem of a rule matches in answers: itself, and in Welsh each of
/// its mutations.
fn forms_of(stem: String, reading: Reading) -> Vec<String> {
    match reading {
        Reading::Welsh => welsh_mutations(&stem),
        _ => vec![stem],
    }
}

/// A parse error in a rules file, naming the line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line} of the safeguarding rules: {message}")]
pub struct RulesError {
    pub line: usize,
    pub message: String,
}

impl SafeguardingRules {
    /// Reads rules. Blank lines and lines starting with `#` are ignored;
    /// `@name = word word ...` defines a word class; `[kind]` starts a
    /// section (`[except]` and `[except in clause]` hold exceptions,
    /// `[negations]` the words that cancel a rule just after them);
    /// `[language cy]` starts the rules for answers in another language
    /// (everything before the first is English); every other line is a
    /// rule.
    pub fn parse(text: &str) -> Result<SafeguardingRules, RulesError> {
        let mut rules = SafeguardingRules {
            sets: BTreeMap::from([("en".to_owned(), RuleSet::new(Reading::English))]),
        };
        rules.add(text)?;
        Ok(rules)
    }

    /// Adds the rules of `text` (a deployment's own) to these, all or
    /// nothing; its word classes may use those already defined for the
    /// same language.
    pub fn add(&mut self, text: &str) -> Result<(), RulesError> {
        let mut sections: Vec<(Language, Vec<(usize, &str)>)> =
            vec![(Language::english(), Vec::new())];
        for (n, line) in text.lines().enumerate() {
            let header = line
                .trim()
                .strip_prefix("[language")
                .and_then(|rest| rest.strip_suffix(']'));
            match header {
                Some(tag) => {
                    let language = Language::parse(tag).map_err(|message| RulesError {
                        line: n + 1,
                        message,
                    })?;
                    sections.push((language, Vec::new()));
                }
                None => sections
                    .last_mut()
                    .expect("one section")
                    .1
                    .push((n + 1, line)),
            }
        }
        let mut sets = self.sets.clone();
        for (language, lines) in sections {
            sets.entry(language.primary().to_owned())
                .or_insert_with(|| RuleSet::new(Reading::of(&language)))
                .add(&lines)?;
        }
        self.sets = sets;
        Ok(())
    }

    /// How many rules there are, in every language.
    pub fn len(&self) -> usize {
        self.sets.values().map(RuleSet::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The languages there are rules for (primary subtags: `en`, `cy`).
    pub fn languages(&self) -> Vec<&str> {
        self.sets
            .iter()
            .filter(|(_, set)| set.len() > 0)
            .map(|(language, _)| language.as_str())
            .collect()
    }

    /// What in the free-text answers of a survey answered in `language`
    /// needs a look, in question order.
    pub fn check(&self, survey: &Survey, answers: &Answers, language: &Language) -> Vec<Concern> {
        let mut concerns = Vec::new();
        for question in survey.questions.iter().filter(|q| q.kind.is_coded()) {
            for text in answers.get(&question.key) {
                for (words, reason) in self.explain_in(text, language) {
                    let concern = Concern {
                        question: question.key.clone(),
                        words,
                        reason,
                    };
                    if !concerns.contains(&concern) {
                        concerns.push(concern);
                    }
                }
            }
        }
        concerns
    }

    /// The words of `text` (English) that match a rule, each with why: the
    /// rule's kind and pattern.
    pub fn explain(&self, text: &str) -> Vec<(String, String)> {
        self.explain_in(text, &Language::english())
    }

    /// The words of `text`, written in a survey answered in `language`,
    /// that match a rule, each with why. English rules read every answer,
    /// since young people write English words in any language; the
    /// language's own rules read it too. An answer in a language with no
    /// rules is never passed as safe: it comes back with no words and a
    /// reason saying it was not read, so a person who reads the language
    /// reads it.
    pub fn explain_in(&self, text: &str, language: &Language) -> Vec<(String, String)> {
        let mut found = self.sets["en"].explain(text);
        if language.primary() == "en" {
            return found;
        }
        match self.sets.get(language.primary()).filter(|set| set.len() > 0) {
            Some(set) => {
                for also in set.explain(text) {
                    if !found.contains(&also) {
                        found.push(also);
                    }
                }
            }
            None if text.chars().any(char::is_alphanumeric) => found.push((
                String::new(),
                format!(
                    "not read: answered in {name} ({}), and there are no safeguarding rules for {name}; ask someone who reads {name} to read it",
                    language.own_name(),
                    name = language.english_name(),
                ),
            )),
            None => {}
        }
        found
    }
}

impl RuleSet {
    fn new(reading: Reading) -> RuleSet {
        RuleSet {
            reading,
            rules: Vec::new(),
            exceptions: Vec::new(),
            negations: Vec::new(),
            first_words: FirstWords::default(),
        }
    }

    /// Adds rules, each line with its number in the file.
    fn add(&mut self, lines: &[(usize, &str)]) -> Result<(), RulesError> {
        let reading = self.reading;
        // Each class as (stems, exact words).
        let mut classes: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
        let mut kind = "concern".to_owned();
        for &(line_number, line) in lines {
            let line = line.trim();
            let error = |message: String| RulesError {
                line: line_number,
                message,
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                kind = section.trim().to_lowercase();
                continue;
            }
            // "@name = words" defines a class; "@name ..." is a rule.
            let definition = line
                .strip_prefix('@')
                .and_then(|class| class.split_once('='))
                .filter(|(name, _)| !name.trim().contains(char::is_whitespace));
            if let Some((name, members)) = definition {
                let (mut stems, mut exact) = (Vec::new(), Vec::new());
                for member in members.split_whitespace() {
                    match member.strip_prefix('=') {
                        Some(word) => exact.push(word.to_lowercase()),
                        None => stems.extend(
                            stems_of(member, reading)
                                .into_iter()
                                .flat_map(|stem| forms_of(stem, reading)),
                        ),
                    }
                }
                if stems.is_empty() && exact.is_empty() {
                    return Err(error(format!("word class @{} has no words", name.trim())));
                }
                classes.insert(name.trim().to_owned(), (stems, exact));
                continue;
            }
            if kind == "negations" {
                self.negations
                    .extend(line.split_whitespace().flat_map(|w| stems_of(w, reading)));
                continue;
            }
            let (strong, pattern) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let mut patterns = Vec::new();
            for piece in pattern.split(" & ") {
                let mut parts = Vec::new();
                for token in piece.split_whitespace() {
                    parts.push(self.part(token, &classes).map_err(error)?);
                }
                // A mended word that became several ("wanna") stands for
                // its words in turn.
                let parts: Vec<Part> = parts.into_iter().flatten().collect();
                if matches!(parts.first(), Some(Part::Gap) | None)
                    || matches!(parts.last(), Some(Part::Gap))
                {
                    return Err(error(format!(
                        "a rule needs words, and cannot start or end with \"...\": {line}"
                    )));
                }
                patterns.push(parts);
            }
            let parts = patterns.remove(0);
            if kind == "except" || kind == "except in clause" {
                if !patterns.is_empty() {
                    return Err(error(format!("an exception cannot use \"&\": {line}")));
                }
                self.exceptions.push((parts, kind == "except in clause"));
            } else {
                self.rules.push(Rule {
                    kind: kind.clone(),
                    source: pattern.to_owned(),
                    parts,
                    also: patterns,
                    strong,
                });
            }
        }
        // Classes are kept for rules added later by a deployment.
        for (name, (stems, exact)) in classes {
            self.rules.push(Rule {
                kind: format!("@{name}"),
                source: String::new(),
                parts: vec![Part::word(stems, exact)],
                also: Vec::new(),
                strong: false,
            });
        }
        self.prepare();
        Ok(())
    }

    /// Numbers every stem and exact word the rules have, and files every
    /// rule under the words its pattern can start with, so an answer is
    /// tried only against rules that start with one of its words (a
    /// thousand rules each tried at every word had become most of the
    /// time a submission took).
    fn prepare(&mut self) {
        let mut vocabulary: std::collections::HashMap<String, u32> = Default::default();
        let mut number = |word: &String| {
            let next = vocabulary.len() as u32;
            *vocabulary.entry(word.clone()).or_insert(next)
        };
        let patterns = self
            .rules
            .iter_mut()
            .flat_map(|rule| std::iter::once(&mut rule.parts).chain(rule.also.iter_mut()))
            .chain(self.exceptions.iter_mut().map(|(parts, _)| parts));
        for parts in patterns {
            for part in parts {
                if let Part::Word { stems, exact, ids } = part {
                    ids.stems = stems.iter().map(&mut number).collect();
                    ids.exact = exact.iter().map(&mut number).collect();
                }
            }
        }
        let mut rules = Starts::new(vocabulary.len());
        for (i, rule) in self.rules.iter().enumerate() {
            if !rule.kind.starts_with('@') {
                rules.file(i, &rule.parts);
            }
        }
        let mut exceptions = Starts::new(vocabulary.len());
        for (i, (parts, _)) in self.exceptions.iter().enumerate() {
            exceptions.file(i, parts);
        }
        self.first_words = FirstWords {
            vocabulary,
            rules,
            exceptions,
        };
    }

    /// Gives `words` their numbers in the rules' vocabulary.
    fn number(&self, words: &mut [Word]) {
        let vocabulary = &self.first_words.vocabulary;
        for word in words {
            word.stem_id = vocabulary.get(&word.stem).copied().unwrap_or(NOT_IN_RULES);
            word.bare_id = vocabulary.get(&word.bare).copied().unwrap_or(NOT_IN_RULES);
        }
    }

    /// One word of a rule as the parts it stands for.
    fn part(
        &self,
        token: &str,
        classes: &BTreeMap<String, (Vec<String>, Vec<String>)>,
    ) -> Result<Vec<Part>, String> {
        let reading = self.reading;
        if token == "..." {
            return Ok(vec![Part::Gap]);
        }
        let (mut stems, mut exact, mut phrase) = (Vec::new(), Vec::new(), None);
        let alternatives: Vec<&str> = token.split('|').collect();
        for alternative in &alternatives {
            if let Some(name) = alternative.strip_prefix('@') {
                let (class_stems, class_exact) = classes
                    .get(name)
                    .map(|(s, e)| (s, e))
                    .or_else(|| self.class(name))
                    .ok_or_else(|| format!("word class @{name} is not defined above"))?;
                stems.extend(class_stems.iter().cloned());
                exact.extend(class_exact.iter().cloned());
            } else if let Some(word) = alternative.strip_prefix('=') {
                exact.push(word.to_lowercase());
            } else {
                let mut these = stems_of(alternative, reading);
                match these.len() {
                    0 => return Err(format!("\"{alternative}\" in \"{token}\" has no word")),
                    1 => stems.extend(forms_of(these.remove(0), reading)),
                    _ if alternatives.len() == 1 => phrase = Some(these),
                    _ => {
                        return Err(format!(
                            "\"{alternative}\" in \"{token}\" is several words: an alternative is one word, so write the phrase as a rule of its own"
                        ));
                    }
                }
            }
        }
        if let Some(phrase) = phrase {
            return Ok(phrase
                .into_iter()
                .map(|s| Part::word(forms_of(s, reading), Vec::new()))
                .collect());
        }
        Ok(vec![Part::word(stems, exact)])
    }

    /// A word class defined by rules added before.
    fn class(&self, name: &str) -> Option<(&Vec<String>, &Vec<String>)> {
        let kind = format!("@{name}");
        self.rules
            .iter()
            .rev()
            .find(|r| r.kind == kind)
            .and_then(|r| match r.parts.first() {
                Some(Part::Word { stems, exact, .. }) => Some((stems, exact)),
                _ => None,
            })
    }

    /// The rules proper (not word classes).
    fn matching_rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(|r| !r.kind.starts_with('@'))
    }

    /// How many rules there are.
    fn len(&self) -> usize {
        self.matching_rules().count()
    }

    /// Every match in `text`: (first word, last word, rule), uncancelled.
    fn matches<'a>(&'a self, words: &[Word]) -> Vec<(usize, usize, &'a Rule)> {
        // Where each exception is, found once: (first word, last word,
        // whether it cancels its whole clause).
        let excepted: Vec<(usize, usize, bool)> = self
            .first_words
            .exceptions
            .in_words(words)
            .into_iter()
            .filter_map(|(e, i)| {
                let (parts, clause_wide) = &self.exceptions[e];
                match_at(parts, words, i).map(|end| (i, end, *clause_wide))
            })
            .collect();
        let cancelled = |start: usize, end: usize| self.cancelled(words, start, end, &excepted);
        let mut found = Vec::new();
        // Each rule from the first place it matches, tried only where its
        // first word is.
        let starts = self.first_words.rules.in_words(words);
        for places in starts.chunk_by(|a, b| a.0 == b.0) {
            let rule = &self.rules[places[0].0];
            for &(_, start) in places {
                let Some(end) = match_at(&rule.parts, words, start) else {
                    continue;
                };
                if !rule.strong && cancelled(start, end) {
                    continue;
                }
                // Every other pattern of the rule in the same sentence.
                let sentence = words[start].sentence;
                let mut span = (start, end);
                let all = rule.also.iter().all(|pattern| {
                    let found = (0..words.len())
                        .filter(|&i| words[i].sentence == sentence)
                        .find_map(|i| {
                            let end = match_at(pattern, words, i)?;
                            (rule.strong || !cancelled(i, end)).then_some((i, end))
                        });
                    if let Some((s, e)) = found {
                        span = (span.0.min(s), span.1.max(e));
                    }
                    found.is_some()
                });
                if all {
                    found.push((span.0, span.1, rule));
                    break;
                }
            }
        }
        // One reason per stretch of words: the first rule that found the
        // longest, and nothing inside it again. A rule pairing signs across
        // a sentence (`a & b`) spans everything between them, so it is
        // kept only where no phrase rule found words it overlaps: "my dad
        // hits me" shows "hits me", not "dad hits" beside it, and "my mum
        // kicked me out of the house" is neglect, not also "mum kicked".
        // The answer is flagged either way; only the reasons shown differ.
        found.sort_by_key(|&(start, end, rule)| {
            (!rule.also.is_empty(), start, std::cmp::Reverse(end))
        });
        let mut kept: Vec<(usize, usize, &Rule)> = Vec::new();
        for (start, end, rule) in found {
            let clash = |&(s, e, _): &(usize, usize, &Rule)| {
                if rule.also.is_empty() {
                    s <= start && end <= e
                } else {
                    s <= end && start <= e
                }
            };
            if !kept.iter().any(clash) {
                kept.push((start, end, rule));
            }
        }
        kept.sort_by_key(|&(start, end, _)| (start, end));
        kept
    }

    /// Whether a match of words `start..=end` is cancelled: a negation
    /// just before it in its clause, an idiom overlapping it, or talk about
    /// a topic in its clause.
    fn cancelled(
        &self,
        words: &[Word],
        start: usize,
        end: usize,
        excepted: &[(usize, usize, bool)],
    ) -> bool {
        let clause = words[start].clause;
        let negated = (start.saturating_sub(NEGATION_REACH)..start).any(|i| {
            words[i].clause == clause
                && self.negations.contains(&words[i].stem)
                // "they never stop hitting me" is not a denial.
                && !words[i + 1..start].iter().any(|w| w.stem == "stop")
                // Nor is "if i dont send more pics": a threat's condition.
                && !words[i.saturating_sub(2)..i]
                    .iter()
                    .any(|w| w.stem == "if" || w.stem == "unless")
        });
        let excepted = excepted.iter().any(|&(from, to, clause_wide)| {
            if clause_wide {
                words[from].clause == clause
            } else {
                from <= end && start <= to
            }
        });
        negated || excepted
    }

    /// The words of `text` that match a rule, each with why: the rule's
    /// kind and pattern.
    fn explain(&self, text: &str) -> Vec<(String, String)> {
        let mut words = words(text, self.reading);
        self.number(&mut words);
        self.matches(&words)
            .into_iter()
            .map(|(start, end, rule)| {
                (
                    text[words[start].start..words[end].end].to_owned(),
                    format!("{}: {}", rule.kind, rule.source),
                )
            })
            .collect()
    }
}

/// Where a pattern matching from word `start` ends (its last word), if it
/// matches there. `words` numbered by [`SafeguardingRules::number`].
fn match_at(parts: &[Part], words: &[Word], start: usize) -> Option<usize> {
    fn go(parts: &[Part], words: &[Word], at: usize) -> Option<usize> {
        match parts.split_first() {
            None => Some(at - 1),
            Some((Part::Gap, rest)) => (0..=GAP).find_map(|skip| {
                let next = at + skip;
                (next < words.len())
                    .then(|| go(rest, words, next))
                    .flatten()
            }),
            Some((Part::Word { ids, .. }, rest)) => {
                let word = words.get(at)?;
                (ids.stems.contains(&word.stem_id) || ids.exact.contains(&word.bare_id))
                    .then(|| go(rest, words, at + 1))
                    .flatten()
            }
        }
    }
    go(parts, words, start)
}

impl Default for SafeguardingRules {
    fn default() -> Self {
        SafeguardingRules::parse(DEFAULT_RULES).expect("Heard's own rules parse")
    }
}

/// How a set of rules does on labelled answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    pub disclosures: usize,
    pub caught: usize,
    pub ordinary: usize,
    pub false_alarms: usize,
    /// The disclosures missed and the ordinary answers flagged, as written.
    pub missed: Vec<String>,
    pub alarms: Vec<(String, Vec<(String, String)>)>,
}

impl Evaluation {
    /// Caught disclosures, in tenths of a percent of all disclosures.
    pub fn recall_tenths(&self) -> i64 {
        super::report::percent_tenths(self.caught as i64, self.disclosures as i64).unwrap_or(0)
    }

    /// Flagged ordinary answers, in tenths of a percent of all ordinary.
    pub fn false_alarm_tenths(&self) -> i64 {
        super::report::percent_tenths(self.false_alarms as i64, self.ordinary as i64).unwrap_or(0)
    }
}

impl SafeguardingRules {
    /// Checks every answer of an evaluation set, written in `language`:
    /// tab-separated, a header line, then `label<TAB>category<TAB>answer`
    /// with label `disclosure` or `ordinary`.
    pub fn evaluate(&self, set: &str, language: &Language) -> Result<Evaluation, String> {
        let mut evaluation = Evaluation::default();
        for (n, line) in set.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [label, _category, answer] = fields[..] else {
                return Err(format!(
                    "line {}: expected label, category and answer separated by tabs",
                    n + 1
                ));
            };
            let found = self.explain_in(answer, language);
            match label {
                "disclosure" => {
                    evaluation.disclosures += 1;
                    if found.is_empty() {
                        evaluation.missed.push(answer.to_owned());
                    } else {
                        evaluation.caught += 1;
                    }
                }
                "ordinary" => {
                    evaluation.ordinary += 1;
                    if !found.is_empty() {
                        evaluation.false_alarms += 1;
                        evaluation.alarms.push((answer.to_owned(), found));
                    }
                }
                other => {
                    return Err(format!(
                        "line {}: label \"{other}\" is not disclosure or ordinary",
                        n + 1
                    ));
                }
            }
        }
        Ok(evaluation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        let submitted = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]));
        Answers::validate(&Survey::demo(), submitted).unwrap()
    }

    fn flagged(text: &str) -> Vec<String> {
        SafeguardingRules::default()
            .explain(text)
            .into_iter()
            .map(|(words, _)| words)
            .collect()
    }

    #[test]
    fn the_default_rules_flag_the_fixtures_worrying_comments_and_say_why() {
        let rules = SafeguardingRules::default();
        assert!(rules.len() > 100);
        let concerns = rules.check(
            &Survey::demo(),
            &answers(&[(
                "change",
                "I was excluded because of drugs. After being excluded I got more drugs.",
            )]),
            &Language::english(),
        );
        let words: Vec<&str> = concerns.iter().map(|c| c.words.as_str()).collect();
        assert_eq!(
            words,
            ["because of drugs", "got more drugs"],
            "{concerns:?}"
        );
        assert!(
            concerns[1].reason.starts_with("drugs and drink: got|get"),
            "{concerns:?}"
        );
        let concerns = rules.check(
            &Survey::demo(),
            &answers(&[("prevent", "family life, Abuse and poverty")]),
            &Language::english(),
        );
        assert_eq!(concerns[0].words, "Abuse");
    }

    #[test]
    fn spellings_young_people_use_are_mended() {
        assert_eq!(flagged("hes gonna batter me"), ["gonna batter me"]);
        assert_eq!(flagged("i dont wanna go home"), ["dont wanna go home"]);
        assert_eq!(flagged("my dad hits me and I don’t feel safe").len(), 2);
        assert_eq!(flagged("im done with everything"), ["done with everything"]);
    }

    #[test]
    fn gaps_negations_and_exceptions() {
        assert_eq!(
            flagged("he punched my brother and me"),
            ["punched my brother and me"]
        );
        assert!(flagged("nobody hurts me here").is_empty());
        assert!(flagged("i dont get hit or anything, just bored").is_empty());
        assert_eq!(flagged("they never stop hitting me"), ["hitting me"]);
        assert!(flagged("my mate got stabbed in a video game").is_empty());
        assert!(flagged("my mum would kill me if i got excluded again").is_empty());
        // A strong rule holds whatever surrounds it.
        assert_eq!(flagged("i dont want to kill myself again"), ["kill myself"]);
    }

    #[test]
    fn words_typed_without_spaces_or_spelt_out_are_read() {
        assert_eq!(
            flagged("i want to kill myself.nobody cares"),
            ["kill myself"]
        );
        assert_eq!(flagged("I do not feel safe at home"), ["do not feel safe"]);
        assert_eq!(flagged("I cannot go on"), ["cannot go on"]);
        assert_eq!(flagged("i self-harm"), ["self-harm"]);
        assert_eq!(flagged("thinking about self-harm"), ["self-harm"]);
        assert_eq!(flagged("my da hits me"), ["hits me"]);
    }

    #[test]
    fn idioms_cancel_only_what_they_overlap_and_negations_only_what_follows() {
        assert!(flagged("my brother beat me at fifa").is_empty());
        assert_eq!(flagged("my dad beat me at home"), ["beat me"]);
        assert_eq!(
            flagged("my stepdad strangled me and nearly killed me"),
            ["strangled me"]
        );
        assert_eq!(flagged("I said no and he touched me"), ["touched me"]);
        assert_eq!(flagged("nobody knows he hits me"), ["hits me"]);
        assert!(flagged("they kicked me out of class again").is_empty());
        assert_eq!(
            flagged("my mum kicked me out of the house"),
            ["kicked me out of the house"]
        );
    }

    #[test]
    fn a_rule_with_a_phrase_among_alternatives_is_refused() {
        let error = SafeguardingRules::parse("[x]\nself-harm|cutting\n").unwrap_err();
        assert!(
            error.to_string().contains("an alternative is one word"),
            "{error}"
        );
        let rules = SafeguardingRules::parse("[x]\ncarry ... =strap|knife\n").unwrap();
        assert_eq!(
            rules.explain("he makes me carry the strap")[0].0,
            "carry the strap"
        );
    }

    #[test]
    fn a_deployment_adds_rules_and_errors_name_the_line() {
        let mut rules = SafeguardingRules::default();
        assert!(flagged("the zone boys took me").is_empty());
        rules
            .add("[exploitation]\n@olders = zone\n@olders boys took me\n")
            .unwrap();
        assert_eq!(
            rules.explain("the zone boys took me")[0].1,
            "exploitation: @olders boys took me"
        );
        let error = SafeguardingRules::parse("# ours\n\n@hurt me\n").unwrap_err();
        assert_eq!(error.line, 3);
        assert!(
            error.to_string().contains("@hurt is not defined"),
            "{error}"
        );
        assert!(SafeguardingRules::parse("... me").is_err());
    }

    #[test]
    fn a_word_class_keeps_exact_words_exact() {
        let rules = SafeguardingRules::parse(
            "@gang = =olders opps
[exploitation]
@gang & money
",
        )
        .unwrap();
        assert_eq!(rules.explain("the olders want money").len(), 1);
        assert_eq!(rules.explain("the opp want money").len(), 1, "stemmed");
        assert!(
            rules.explain("my older brother lent me money").is_empty(),
            "\"=olders\" is the word, not its stem"
        );
    }

    #[test]
    fn a_dropped_g_is_mended() {
        assert_eq!(flagged("hes always hittin me"), ["hittin me"]);
    }

    fn found_in(rules: &SafeguardingRules, text: &str, language: &str) -> Vec<String> {
        rules
            .explain_in(text, &Language::parse(language).unwrap())
            .into_iter()
            .map(|(words, _)| words)
            .collect()
    }

    #[test]
    fn welsh_rules_find_a_word_whatever_mutation_the_sentence_gave_it() {
        let mut rules = SafeguardingRules::default();
        rules
            .add(
                "[language cy]
[negations]
ddim byth neb
[harm at home]
fy taro
[harm to self]
!lladd fy hun
",
            )
            .unwrap();
        assert_eq!(rules.languages(), ["cy", "en"]);
        // "taro" (hit) after "fy" (my) takes the nasal mutation.
        assert_eq!(
            found_in(&rules, "Mae dad yn fy nharo i bob dydd", "cy"),
            ["fy nharo"]
        );
        assert_eq!(
            found_in(&rules, "Dw i eisiau lladd fy hun", "cy"),
            ["lladd fy hun"]
        );
        // A Welsh negation cancels what follows it, as in English.
        assert!(found_in(&rules, "Dydy neb yn fy nharo i", "cy").is_empty());
        assert!(found_in(&rules, "Rydw i'n hoffi'r ysgol a'r athrawon", "cy").is_empty());
        // English words in a Welsh answer are read by the English rules.
        assert_eq!(
            found_in(&rules, "Dw i'n hoffi'r ysgol but my dad hits me", "cy"),
            ["hits me"]
        );
        // Welsh rules do not read English answers.
        assert!(found_in(&rules, "fy nharo", "en").is_empty());
    }

    #[test]
    fn an_answer_in_a_language_with_no_rules_is_marked_not_read_never_passed() {
        let mut rules = SafeguardingRules::default();
        let urdu = Language::parse("ur").unwrap();
        let found = rules.explain_in("مجھے اسکول اچھا لگتا ہے", &urdu);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "", "no words to highlight");
        assert!(
            found[0].1.starts_with("not read: answered in Urdu (اردو)"),
            "{found:?}"
        );
        // English words in it are read all the same.
        assert_eq!(found_in(&rules, "my dad hits me", "ur"), ["hits me", ""]);
        // English answers and blank ones are never marked.
        assert!(rules.explain("I like school").is_empty());
        assert!(found_in(&rules, " ۔ ", "ur").is_empty());
        // Once there are Urdu rules, they read Urdu answers instead.
        rules
            .add("[language ur]\n[harm to self]\n!خودکشی\n")
            .unwrap();
        assert!(found_in(&rules, "مجھے اسکول اچھا لگتا ہے", "ur").is_empty());
        assert_eq!(
            found_in(&rules, "میں خودکشی کرنا چاہتا ہوں۔", "ur"),
            ["خودکشی"]
        );
    }

    #[test]
    fn a_bad_language_section_is_named_by_its_line_and_nothing_is_added() {
        let mut rules = SafeguardingRules::default();
        let before = rules.len();
        let error = rules
            .add("[harm]\nslap me\n[language cy]\n[harm]\n@nope fi\n")
            .unwrap_err();
        assert_eq!(error.line, 5, "{error}");
        let error = rules.add("[language not a tag]\nfoo\n").unwrap_err();
        assert_eq!(error.line, 1, "{error}");
        assert_eq!(rules.len(), before, "all or nothing");
        assert_eq!(rules.languages(), ["en"]);
    }
}
