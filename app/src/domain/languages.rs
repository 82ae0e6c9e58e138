//! Surveys in more than one language: the language a survey is written
//! in, and translations of every text a young person sees (the title, each
//! question and each option or scale label). An option keeps its place, so
//! a choice made in Welsh is stored as the same option as in English and
//! counted with it.
//!
//! A text with no translation is shown in the survey's own language and
//! listed for the worker ([`missing`]). Translations go out to translators
//! and back as a spreadsheet with one column per language
//! ([`translators_sheet`], [`read_translators_sheet`]).

use super::answers::same_option;
use super::survey::{Kind, Question, Survey, SurveyDraft};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A language, as a BCP 47 tag (`cy`, `pl`, `ur`, `pt-BR`): a primary
/// language of two or three letters, lower case, and optional subtags
/// (a region in upper case).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Language(String);

/// Languages Heard knows by name: the tag, the name in the language
/// itself (what a young person looks for), the name in English (what staff
/// pages say), and whether it is written right to left.
const KNOWN: &[(&str, &str, &str, bool)] = &[
    ("ar", "العربية", "Arabic", true),
    ("bn", "বাংলা", "Bengali", false),
    ("cy", "Cymraeg", "Welsh", false),
    ("de", "Deutsch", "German", false),
    ("en", "English", "English", false),
    ("es", "Español", "Spanish", false),
    ("fa", "فارسی", "Persian", true),
    ("fr", "Français", "French", false),
    ("ga", "Gaeilge", "Irish", false),
    ("gd", "Gàidhlig", "Scottish Gaelic", false),
    ("he", "עברית", "Hebrew", true),
    ("it", "Italiano", "Italian", false),
    ("ku", "Kurdî", "Kurdish", false),
    ("lt", "Lietuvių", "Lithuanian", false),
    ("pa", "ਪੰਜਾਬੀ", "Punjabi", false),
    ("pl", "Polski", "Polish", false),
    ("ps", "پښتو", "Pashto", true),
    ("pt", "Português", "Portuguese", false),
    ("ro", "Română", "Romanian", false),
    ("so", "Soomaali", "Somali", false),
    ("ti", "ትግርኛ", "Tigrinya", false),
    ("tr", "Türkçe", "Turkish", false),
    ("uk", "Українська", "Ukrainian", false),
    ("ur", "اردو", "Urdu", true),
    ("yi", "ייִדיש", "Yiddish", true),
];

impl Language {
    /// Reads a tag, tidied to its usual form (`PT-br` is `pt-BR`).
    pub fn parse(tag: &str) -> Result<Language, String> {
        let mut parts = tag.trim().split(['-', '_']);
        let primary = parts.next().unwrap_or_default();
        if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(format!(
                "\"{tag}\" is not a language tag such as cy, pl, ur or pt-BR"
            ));
        }
        let mut tidy = primary.to_ascii_lowercase();
        for part in parts {
            if !(2..=8).contains(&part.len()) || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!(
                    "\"{tag}\" is not a language tag such as cy, pl, ur or pt-BR"
                ));
            }
            tidy.push('-');
            if part.len() == 2 {
                tidy.push_str(&part.to_ascii_uppercase());
            } else {
                tidy.push_str(&part.to_ascii_lowercase());
            }
        }
        Ok(Language(tidy))
    }

    /// English, the language of a survey that names none.
    pub fn english() -> Language {
        Language("en".to_owned())
    }

    /// The tag, as `lang` attributes and files write it.
    pub fn tag(&self) -> &str {
        &self.0
    }

    /// The language without region or script (`pt` of `pt-BR`).
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// The language's name in itself ("Cymraeg"), or its tag when Heard
    /// does not know it.
    pub fn own_name(&self) -> &str {
        KNOWN
            .iter()
            .find(|(tag, ..)| *tag == self.primary())
            .map_or(self.tag(), |(_, name, ..)| name)
    }

    /// The language's name in English ("Welsh"), for staff pages, or its
    /// tag when Heard does not know it.
    pub fn english_name(&self) -> &str {
        KNOWN
            .iter()
            .find(|(tag, ..)| *tag == self.primary())
            .map_or(self.tag(), |(_, _, name, _)| name)
    }

    /// Whether the language is written right to left (Arabic, Urdu, ...).
    pub fn is_right_to_left(&self) -> bool {
        KNOWN
            .iter()
            .any(|(tag, .., rtl)| *tag == self.primary() && *rtl)
    }

    /// `rtl` or `ltr`, for a `dir` attribute.
    pub fn direction(&self) -> &'static str {
        if self.is_right_to_left() {
            "rtl"
        } else {
            "ltr"
        }
    }
}

impl Default for Language {
    fn default() -> Language {
        Language::english()
    }
}

impl TryFrom<String> for Language {
    type Error = String;
    fn try_from(tag: String) -> Result<Language, String> {
        Language::parse(&tag)
    }
}

impl From<Language> for String {
    fn from(language: Language) -> String {
        language.0
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The language a survey is written in and its translations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Languages {
    /// The survey's own language: every text is written in it, and it is
    /// shown wherever a translation is missing.
    #[serde(default)]
    pub default: Language,
    #[serde(default)]
    pub translations: BTreeMap<Language, Translation>,
}

/// A survey's texts in one other language. Anything left out is missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// By question key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub questions: BTreeMap<String, QuestionTranslation>,
}

/// One question in another language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// None, or one for each of the question's options, in their order;
    /// an empty one is missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

impl Languages {
    /// Every language the survey is offered in, its own first.
    pub fn offered(&self) -> Vec<&Language> {
        std::iter::once(&self.default)
            .chain(self.translations.keys())
            .collect()
    }

    /// The language a young person is shown: `wanted` if the survey is
    /// offered in it (exactly, or by its primary language), else the
    /// survey's own.
    pub fn choose(&self, wanted: &Language) -> &Language {
        let offered = self.offered();
        offered
            .iter()
            .find(|l| **l == wanted)
            .or_else(|| offered.iter().find(|l| l.primary() == wanted.primary()))
            .copied()
            .unwrap_or(&self.default)
    }

    /// The language a page is shown in: the one its address asks for
    /// (`?lang=cy`, the young person's choice) if the survey is offered in
    /// it, else the first of the browser's the survey is offered in, else
    /// the survey's own.
    pub fn for_request(&self, asked: Option<&str>, accept_language: &str) -> &Language {
        match asked.map(Language::parse) {
            Some(Ok(wanted)) => self.choose(&wanted),
            _ => self.from_accept_language(accept_language),
        }
    }

    /// The first of a browser's `Accept-Language` languages the survey is
    /// offered in, or the survey's own.
    pub fn from_accept_language(&self, header: &str) -> &Language {
        let mut wanted: Vec<(f32, Language)> = header
            .split(',')
            .filter_map(|part| {
                let mut fields = part.split(';');
                let language = Language::parse(fields.next()?).ok()?;
                let weight = fields
                    .find_map(|f| f.trim().strip_prefix("q=")?.parse::<f32>().ok())
                    .unwrap_or(1.0);
                // q=0 is "not this one".
                (weight > 0.0).then_some((weight, language))
            })
            .collect();
        // Stable: equal weights keep the browser's order.
        wanted.sort_by(|a, b| b.0.total_cmp(&a.0));
        let offered = self.offered();
        wanted
            .iter()
            .find_map(|(_, w)| {
                offered
                    .iter()
                    .find(|l| **l == w || l.primary() == w.primary())
                    .copied()
            })
            .unwrap_or(&self.default)
    }
}

/// Why a survey's translations were refused.
pub fn check(survey: &Survey) -> Result<(), String> {
    let languages = &survey.languages;
    for (language, translation) in &languages.translations {
        if language == &languages.default {
            return Err(format!(
                "the survey is written in {language}: it cannot also be translated into it"
            ));
        }
        for (key, question) in &translation.questions {
            let Some(original) = survey.question(key) else {
                return Err(format!(
                    "the {language} translation has a question \"{key}\" the survey does not"
                ));
            };
            let options = original.options();
            if !question.options.is_empty() && question.options.len() != options.len() {
                return Err(format!(
                    "question \"{key}\" has {} options but its {language} translation has {}",
                    options.len(),
                    question.options.len()
                ));
            }
            if let Some(problem) = option_labels_problem(options, &question.options) {
                return Err(format!("question \"{key}\" in {language}: {problem}"));
            }
        }
    }
    Ok(())
}

/// Why a question's translated option labels could make one choice be
/// stored as another (a choice is known by its label): two options with
/// the same translated label, or a translated label that is another
/// option's own.
pub fn option_labels_problem(own: &[String], translated: &[String]) -> Option<String> {
    for (i, label) in translated.iter().enumerate() {
        if label.trim().is_empty() {
            continue;
        }
        if let Some(j) = translated[..i].iter().position(|l| same_option(l, label)) {
            return Some(format!(
                "options {} and {} are both translated \"{label}\"",
                j + 1,
                i + 1
            ));
        }
        if let Some(j) = own
            .iter()
            .position(|o| same_option(o, label))
            .filter(|&j| j != i)
        {
            return Some(format!(
                "option {} is translated \"{label}\", which is option {}'s own label",
                i + 1,
                j + 1
            ));
        }
    }
    None
}

/// The stored survey's translations, fitted to an edit of it made where
/// translations are not edited (the web editor): each translated option
/// follows its option wherever the edit moved it, an option that is new
/// has none, and a title or question whose words changed loses its
/// translation (shown in the survey's own words until translated again,
/// rather than a translation of what it used to say). Taken from the
/// database at saving time, so translations imported while the editor was
/// open are kept.
pub fn realigned(stored: &Survey, edited: &SurveyDraft) -> Languages {
    let mut languages = stored.languages.clone();
    for translation in languages.translations.values_mut() {
        if edited.title.trim() != stored.title {
            translation.title = None;
        }
        translation
            .questions
            .retain(|key, _| edited.questions.iter().any(|q| &q.key == key));
        for (key, words) in translation.questions.iter_mut() {
            let (Some(before), Some(after)) = (
                stored.question(key),
                edited.questions.iter().find(|q| &q.key == key),
            ) else {
                continue;
            };
            if after.text.trim() != before.text {
                words.text = None;
            }
            if !after.kind.has_options() {
                words.options.clear();
            } else if !words.options.is_empty() {
                let old = before.options();
                words.options = after
                    .options
                    .iter()
                    .map(|option| {
                        old.iter()
                            .position(|o| same_option(o, option))
                            .and_then(|i| words.options.get(i))
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect();
            }
        }
    }
    languages
}

/// The survey as a young person reading `language` sees it: every text in
/// that language where it has a translation, in the survey's own where it
/// has none. Options keep their order, so the n-th option shown is the
/// n-th option stored.
pub fn translated(survey: &Survey, language: &Language) -> Survey {
    let mut shown = survey.clone();
    let Some(translation) = survey.languages.translations.get(language) else {
        return shown;
    };
    if let Some(title) = nonempty(&translation.title) {
        shown.title = title.to_owned();
    }
    for question in &mut shown.questions {
        let Some(words) = translation.questions.get(&question.key) else {
            continue;
        };
        if let Some(text) = nonempty(&words.text) {
            question.text = text.to_owned();
        }
        let labels = shown_labels(question.options(), Some(words));
        question.set_option_labels(labels);
    }
    shown
}

/// The survey's own label of the option a young person chose as `label`
/// in `language` (its label in that language, or in the survey's own),
/// so a choice is stored and counted the same whatever the language.
pub fn stored_option<'a>(
    survey: &'a Survey,
    language: &Language,
    key: &str,
    label: &str,
) -> Option<&'a str> {
    let question = survey.question(key)?;
    let words = survey
        .languages
        .translations
        .get(language)
        .and_then(|translation| translation.questions.get(key));
    let shown = shown_labels(question.options(), words);
    let position = shown
        .iter()
        .position(|l| same_option(l, label))
        .or_else(|| {
            question
                .options()
                .iter()
                .position(|l| same_option(l, label))
        })?;
    question.options().get(position).map(String::as_str)
}

/// A question's option labels as shown in a translation: each translated
/// label, or the option's own where the translation has none.
fn shown_labels(own: &[String], words: Option<&QuestionTranslation>) -> Vec<String> {
    own.iter()
        .enumerate()
        .map(|(i, original)| {
            words
                .and_then(|w| w.options.get(i))
                .filter(|label| !label.trim().is_empty())
                .unwrap_or(original)
                .clone()
        })
        .collect()
}

fn nonempty(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// A text that has no translation in a language the survey offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    pub language: Language,
    /// Which text, as the translators' sheet names it (`title`,
    /// `key_stage.text`, `key_stage.option.2`).
    pub text: String,
}

/// Every text a young person would see in the survey's own language
/// because its translation is missing, language by language.
pub fn missing(survey: &Survey) -> Vec<Missing> {
    let mut missing = Vec::new();
    for (language, translation) in &survey.languages.translations {
        let texts = sheet_rows(survey);
        for (id, _) in texts {
            if lookup(translation, survey, &id).is_none_or(|t| t.trim().is_empty()) {
                missing.push(Missing {
                    language: language.clone(),
                    text: id,
                });
            }
        }
    }
    missing
}

/// Every text a young person sees, as (id, the survey's own words).
fn sheet_rows(survey: &Survey) -> Vec<(String, String)> {
    let mut rows = vec![("title".to_owned(), survey.title.clone())];
    for question in &survey.questions {
        rows.push((format!("{}.text", question.key), question.text.clone()));
        for (i, option) in question.options().iter().enumerate() {
            rows.push((format!("{}.option.{}", question.key, i + 1), option.clone()));
        }
    }
    rows
}

/// The translation of the text with this sheet id, if it has one.
fn lookup<'a>(translation: &'a Translation, survey: &Survey, id: &str) -> Option<&'a str> {
    if id == "title" {
        return translation.title.as_deref();
    }
    let (key, rest) = id.split_once('.')?;
    survey.question(key)?;
    let question = translation.questions.get(key)?;
    match rest.split_once('.') {
        None if rest == "text" => question.text.as_deref(),
        Some(("option", n)) => {
            let n: usize = n.parse().ok()?;
            question.options.get(n.checked_sub(1)?).map(String::as_str)
        }
        _ => None,
    }
}

/// The spreadsheet (CSV) that goes to translators: a row for every text a
/// young person sees, named by its id, with the survey's own words and a
/// column for each language offered (empty where a translation is
/// missing). `also` adds columns for languages still to be translated.
pub fn translators_sheet(survey: &Survey, also: &[Language]) -> String {
    let languages = &survey.languages;
    let mut columns: Vec<&Language> = languages.translations.keys().collect();
    for language in also {
        if !columns.contains(&language) && language != &languages.default {
            columns.push(language);
        }
    }
    let mut sheet = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["id".to_owned(), languages.default.tag().to_owned()];
    header.extend(columns.iter().map(|l| l.tag().to_owned()));
    sheet.write_record(&header).expect("writing to memory");
    for (id, own) in sheet_rows(survey) {
        let mut record = vec![id.clone(), super::spreadsheet::safe_cell(&own).into_owned()];
        for language in &columns {
            let text = languages
                .translations
                .get(*language)
                .and_then(|t| lookup(t, survey, &id))
                .unwrap_or_default();
            record.push(super::spreadsheet::safe_cell(text).into_owned());
        }
        sheet.write_record(&record).expect("writing to memory");
    }
    String::from_utf8(sheet.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text")
}

/// Reads a translators' sheet back: every language column replaces that
/// language's translation (an empty cell is a missing text); the column of
/// the survey's own language is not read. Nothing changes unless the whole
/// sheet is right: the error names the line or column at fault.
pub fn read_translators_sheet(survey: &Survey, sheet: &str) -> Result<Languages, String> {
    // Excel's "CSV UTF-8" starts with a byte-order mark.
    let sheet = sheet.strip_prefix('\u{feff}').unwrap_or(sheet);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(sheet.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| format!("the sheet cannot be read: {e}"))?
        .clone();
    if header.get(0).map(str::trim) != Some("id") {
        return Err("the sheet's first column must be \"id\"".to_owned());
    }
    let mut columns: Vec<(usize, Language)> = Vec::new();
    let mut own_column = None;
    let mut seen: Vec<Language> = Vec::new();
    for (i, name) in header.iter().enumerate().skip(1) {
        let language =
            Language::parse(name).map_err(|problem| format!("column {}: {problem}", i + 1))?;
        if seen.contains(&language) {
            return Err(format!("column {}: {language} appears twice", i + 1));
        }
        seen.push(language.clone());
        if language == survey.languages.default {
            own_column = Some(i);
        } else {
            columns.push((i, language));
        }
    }
    let known = sheet_rows(survey);
    let mut languages = survey.languages.clone();
    for (_, language) in &columns {
        languages
            .translations
            .insert(language.clone(), Translation::default());
    }
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(at) => format!("line {}: {e}", at.line()),
            None => format!("the sheet cannot be read: {e}"),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let id = record.get(0).unwrap_or_default().trim();
        let Some((_, own)) = known.iter().find(|(k, _)| k == id) else {
            return Err(format!(
                "line {line}: \"{id}\" is not a text of this survey (ids look like title, key_stage.text, key_stage.option.1)"
            ));
        };
        // Translations are placed by id: a sheet from before the survey
        // was edited would put them against the wrong words.
        if let Some(column) = own_column {
            let theirs = unsafe_cell(record.get(column).unwrap_or_default().trim());
            if theirs != own.trim() {
                return Err(format!(
                    "line {line}: {id} was \"{theirs}\" when this sheet was made, and is now \"{own}\": make the sheet again from the survey as it is"
                ));
            }
        }
        for (column, language) in &columns {
            let text = unsafe_cell(record.get(*column).unwrap_or_default().trim());
            if text.is_empty() {
                continue;
            }
            let translation = languages
                .translations
                .get_mut(language)
                .expect("every column's language was added above");
            set(translation, survey, id, text);
        }
    }
    let mut checked = survey.clone();
    checked.languages = languages;
    check(&checked)?;
    Ok(checked.languages)
}

/// Undoes [`super::spreadsheet::safe_cell`]'s apostrophe.
fn unsafe_cell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => text,
    }
}

fn set(translation: &mut Translation, survey: &Survey, id: &str, text: &str) {
    if id == "title" {
        translation.title = Some(text.to_owned());
        return;
    }
    let Some((key, rest)) = id.split_once('.') else {
        return;
    };
    let count = survey.question(key).map_or(0, |q| q.options().len());
    let question = translation.questions.entry(key.to_owned()).or_default();
    match rest.split_once('.') {
        None => question.text = Some(text.to_owned()),
        Some((_, n)) => {
            if question.options.is_empty() {
                question.options = vec![String::new(); count];
            }
            if let Some(slot) = n
                .parse::<usize>()
                .ok()
                .and_then(|n| question.options.get_mut(n.checked_sub(1)?))
            {
                *slot = text.to_owned();
            }
        }
    }
}

/// The key reports are broken down by when they are broken down by the
/// language each young person answered in.
pub const LANGUAGE_BREAKDOWN: &str = "language";

/// Reports broken down by the language each young person answered in: a
/// question of the survey's languages (named in English and in
/// themselves, "Welsh (Cymraeg)"), with their tags in the same order.
/// Only for a survey offered in more than one language, whose own
/// questions leave the key free.
pub fn language_breakdown(survey: &Survey) -> Option<(Question, Vec<String>)> {
    let named = named_languages(survey);
    if named.len() < 2 || survey.question(LANGUAGE_BREAKDOWN).is_some() {
        return None;
    }
    let (tags, names) = named.into_iter().unzip();
    let question = Question {
        key: LANGUAGE_BREAKDOWN.to_owned(),
        text: "Language answered in".to_owned(),
        about_you: true,
        kind: Kind::Single { options: names },
    };
    Some((question, tags))
}

/// The languages a survey is offered in as (tag, name for staff pages:
/// "Welsh (Cymraeg)"), its own first.
pub fn named_languages(survey: &Survey) -> Vec<(String, String)> {
    let offered = survey.languages.offered();
    offered
        .iter()
        .map(|l| {
            let name = if l.english_name() == l.own_name() {
                l.english_name().to_owned()
            } else {
                format!("{} ({})", l.english_name(), l.own_name())
            };
            // Two of one language (pt and pt-BR) are told apart by tag, so
            // a breakdown never counts them under one name.
            let shared = offered
                .iter()
                .filter(|other| other.primary() == l.primary())
                .count()
                > 1;
            let name = if shared {
                format!("{name} [{}]", l.tag())
            } else {
                name
            };
            (l.tag().to_owned(), name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn welsh_survey() -> Survey {
        let mut survey = super::super::survey_file::parse(
            r#"
slug = "s"
title = "Your voice"
[[questions]]
key = "key_stage"
kind = "single"
text = "Which key stage are you in?"
options = ["KS3", "KS4"]
[[questions]]
key = "change"
kind = "text"
text = "What needs to change?"
"#,
        )
        .unwrap();
        let cy = Language::parse("cy").unwrap();
        let mut translation = Translation {
            title: Some("Dy lais".to_owned()),
            ..Translation::default()
        };
        translation.questions.insert(
            "key_stage".to_owned(),
            QuestionTranslation {
                text: Some("Ym mha gyfnod allweddol wyt ti?".to_owned()),
                options: vec!["CA3".to_owned(), String::new()],
            },
        );
        survey.languages.translations.insert(cy, translation);
        survey
    }

    #[test]
    fn tags_are_read_in_their_usual_form_and_nonsense_is_refused() {
        assert_eq!(Language::parse("PT_br").unwrap().tag(), "pt-BR");
        assert_eq!(Language::parse(" cy ").unwrap().tag(), "cy");
        assert_eq!(Language::parse("sr-latn").unwrap().tag(), "sr-latn");
        for bad in ["", "e", "english", "c1", "cy-", "en-GB-x!"] {
            assert!(Language::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Language::parse("ur").unwrap().own_name(), "اردو");
        assert_eq!(Language::parse("ar-EG").unwrap().direction(), "rtl");
        assert_eq!(Language::parse("cy").unwrap().direction(), "ltr");
        assert_eq!(Language::parse("xyz").unwrap().own_name(), "xyz");
    }

    #[test]
    fn a_missing_translation_shows_the_surveys_own_words_and_is_listed() {
        let survey = welsh_survey();
        let cy = Language::parse("cy").unwrap();
        let shown = translated(&survey, &cy);
        assert_eq!(shown.title, "Dy lais");
        let stage = shown.question("key_stage").unwrap();
        assert_eq!(stage.text, "Ym mha gyfnod allweddol wyt ti?");
        assert_eq!(stage.options(), ["CA3", "KS4"]);
        assert_eq!(
            shown.question("change").unwrap().text,
            "What needs to change?"
        );
        let missing: Vec<String> = missing(&survey).into_iter().map(|m| m.text).collect();
        assert_eq!(missing, ["key_stage.option.2", "change.text"]);
    }

    #[test]
    fn a_choice_in_any_language_is_stored_as_the_surveys_own_option() {
        let survey = welsh_survey();
        let cy = Language::parse("cy").unwrap();
        assert_eq!(stored_option(&survey, &cy, "key_stage", "ca3"), Some("KS3"));
        assert_eq!(stored_option(&survey, &cy, "key_stage", "KS4"), Some("KS4"));
        assert_eq!(stored_option(&survey, &cy, "key_stage", "KS3"), Some("KS3"));
        assert_eq!(stored_option(&survey, &cy, "key_stage", "CA9"), None);
        let en = Language::english();
        assert_eq!(stored_option(&survey, &en, "key_stage", "CA3"), None);
    }

    #[test]
    fn the_language_shown_follows_the_browser_where_the_survey_has_it() {
        let survey = welsh_survey();
        let languages = &survey.languages;
        assert_eq!(
            languages
                .from_accept_language("cy-GB,cy;q=0.9,en;q=0.8")
                .tag(),
            "cy"
        );
        assert_eq!(languages.from_accept_language("pl,en;q=0.5").tag(), "en");
        assert_eq!(
            languages.from_accept_language("en;q=0.4,cy;q=0.9").tag(),
            "cy"
        );
        assert_eq!(languages.from_accept_language("").tag(), "en");
        assert_eq!(
            languages.from_accept_language("cy;q=0, en;q=0.5").tag(),
            "en",
            "q=0 is not wanted"
        );
        assert_eq!(
            languages.choose(&Language::parse("ur").unwrap()).tag(),
            "en"
        );
    }

    #[test]
    fn the_translators_sheet_goes_out_and_comes_back_unchanged() {
        let survey = welsh_survey();
        let ur = Language::parse("ur").unwrap();
        let sheet = translators_sheet(&survey, std::slice::from_ref(&ur));
        assert_eq!(
            sheet,
            "id,en,cy,ur\n\
             title,Your voice,Dy lais,\n\
             key_stage.text,Which key stage are you in?,Ym mha gyfnod allweddol wyt ti?,\n\
             key_stage.option.1,KS3,CA3,\n\
             key_stage.option.2,KS4,,\n\
             change.text,What needs to change?,,\n"
        );
        // Urdu filled in for the title only, Welsh as it was.
        let filled = sheet.replace(
            "title,Your voice,Dy lais,",
            "title,Your voice,Dy lais,آپ کی آواز",
        );
        let languages = read_translators_sheet(&survey, &filled).unwrap();
        assert_eq!(
            languages.translations[&ur].title.as_deref(),
            Some("آپ کی آواز")
        );
        let cy = Language::parse("cy").unwrap();
        assert_eq!(
            languages.translations[&cy],
            survey.languages.translations[&cy]
        );
        let mut back = survey.clone();
        back.languages = languages;
        assert_eq!(translators_sheet(&back, &[]), filled);
    }

    #[test]
    fn translated_labels_that_could_store_one_choice_as_another_are_refused() {
        let mut survey = welsh_survey();
        let cy = Language::parse("cy").unwrap();
        let labels = |survey: &mut Survey, labels: [&str; 2]| {
            let question = survey.languages.translations.get_mut(&cy).unwrap();
            question.questions.get_mut("key_stage").unwrap().options =
                labels.map(str::to_owned).to_vec();
        };
        labels(&mut survey, ["CA3", "ca3 "]);
        assert_eq!(
            check(&survey).unwrap_err(),
            "question \"key_stage\" in cy: options 1 and 2 are both translated \"ca3 \""
        );
        labels(&mut survey, ["KS4", "CA4"]);
        assert_eq!(
            check(&survey).unwrap_err(),
            "question \"key_stage\" in cy: option 1 is translated \"KS4\", which is option 2's own label"
        );
        // An option may keep its own label in a translation.
        labels(&mut survey, ["KS3", "CA4"]);
        assert_eq!(check(&survey), Ok(()));
    }

    #[test]
    fn an_edit_that_moves_replaces_or_rewords_keeps_each_translation_with_its_words() {
        let survey = welsh_survey();
        let cy = Language::parse("cy").unwrap();
        let mut edited = survey.to_draft();
        // KS4 moved first, KS3 replaced by KS5, the question reworded.
        edited.questions[0].options = vec!["KS4".to_owned(), "KS5".to_owned()];
        edited.questions[0].text = "What key stage are you in?".to_owned();
        let languages = realigned(&survey, &edited);
        let stage = &languages.translations[&cy].questions["key_stage"];
        assert_eq!(stage.options, ["", ""], "KS4 had no Welsh; KS5 is new");
        assert_eq!(
            stage.text, None,
            "a translation of the old words is dropped"
        );
        assert_eq!(
            languages.translations[&cy].title.as_deref(),
            Some("Dy lais")
        );
        let mut moved = survey.to_draft();
        moved.questions[0].options = vec!["KS4".to_owned(), "KS3".to_owned()];
        let languages = realigned(&survey, &moved);
        assert_eq!(
            languages.translations[&cy].questions["key_stage"].options,
            ["", "CA3"]
        );
        let mut shown = survey.clone();
        shown.languages = languages;
        shown.questions[0].set_option_labels(vec!["KS4".to_owned(), "KS3".to_owned()]);
        assert_eq!(stored_option(&shown, &cy, "key_stage", "CA3"), Some("KS3"));
    }

    #[test]
    fn a_sheet_from_before_an_edit_is_refused_and_one_from_excel_is_read() {
        let survey = welsh_survey();
        let sheet = translators_sheet(&survey, &[]);
        let from_excel = format!("\u{feff}{sheet}");
        assert_eq!(
            read_translators_sheet(&survey, &from_excel).unwrap(),
            survey.languages
        );
        let stale = sheet.replace("key_stage.option.2,KS4,", "key_stage.option.2,KS6,");
        let refused = read_translators_sheet(&survey, &stale).unwrap_err();
        assert!(
            refused.starts_with("line 5: key_stage.option.2 was \"KS6\" when this sheet was made, and is now \"KS4\""),
            "{refused}"
        );
    }

    #[test]
    fn a_bad_translators_sheet_is_refused_naming_the_line_or_column() {
        let survey = welsh_survey();
        let refused = |sheet: &str| read_translators_sheet(&survey, sheet).unwrap_err();
        assert_eq!(
            refused("text,en\n"),
            "the sheet's first column must be \"id\""
        );
        assert!(refused("id,en,welsh\n").starts_with("column 3: \"welsh\" is not a language tag"));
        assert_eq!(refused("id,cy,cy\n"), "column 3: cy appears twice");
        let wrong_id = refused("id,en,cy\ntitle,Your voice,b\nkey_stage.option.3,x,y\n");
        assert!(
            wrong_id.starts_with("line 3: \"key_stage.option.3\" is not a text"),
            "{wrong_id}"
        );
        assert!(refused("id,en,cy\ntitle,a\n").starts_with("line 2:"));
    }

    #[test]
    fn languages_are_named_for_staff_and_two_of_one_language_told_apart() {
        let mut survey = Survey::demo();
        let tag = |t: &str| Language::parse(t).unwrap();
        survey.languages.translations = [tag("pt"), tag("pt-BR"), tag("cy")]
            .into_iter()
            .map(|l| (l, Translation::default()))
            .collect();
        let named: Vec<String> = named_languages(&survey)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(
            named,
            [
                "English",
                "Welsh (Cymraeg)",
                "Portuguese (Português) [pt]",
                "Portuguese (Português) [pt-BR]"
            ]
        );
        let (breakdown, tags) = language_breakdown(&survey).unwrap();
        assert_eq!(tags, ["en", "cy", "pt", "pt-BR"]);
        assert_eq!(breakdown.options().len(), 4);
        survey.languages.translations.clear();
        assert!(
            language_breakdown(&survey).is_none(),
            "one language: no breakdown"
        );
    }
}
