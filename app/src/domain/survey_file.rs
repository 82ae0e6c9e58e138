//! Survey files: a survey as TOML, so surveys can live in version control and
//! move between deployments (`heard survey import` / `export`). The format is
//! documented in the README.
//!
//! Errors name the line and the problem: syntax errors come from the TOML
//! parser with their position, and rule errors carry the line of the value
//! at fault.

use super::languages::{Language, Languages, QuestionTranslation, Translation};
use super::survey::{
    Codebook, CodingMode, Kind, Question, QuestionKind, Scale, Survey, SurveyDraft, Theme,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// Why a survey file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SurveyFileError {
    #[error("{0}")]
    Syntax(String),
    #[error("line {line}: {problem}")]
    Rule { line: usize, problem: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSurvey {
    slug: Spanned<String>,
    title: Spanned<String>,
    /// The language the survey is written in (English if none).
    #[serde(default)]
    language: Option<Spanned<String>>,
    /// The title in other languages, by language tag.
    #[serde(default)]
    translations: BTreeMap<String, FileSurveyTranslation>,
    #[serde(default)]
    questions: Vec<FileQuestion>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileSurveyTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileQuestionTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    options: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileQuestion {
    key: Spanned<String>,
    kind: Spanned<String>,
    text: Spanned<String>,
    #[serde(default)]
    options: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    emoji: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    about_you: bool,
    #[serde(default)]
    coding: Option<Spanned<String>>,
    #[serde(default)]
    themes: Vec<FileTheme>,
    /// The question in other languages, by language tag.
    #[serde(default)]
    translations: BTreeMap<String, FileQuestionTranslation>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct FileTheme {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    colour: String,
}

/// Reads a survey file.
pub fn parse(text: &str) -> Result<Survey, SurveyFileError> {
    let file: FileSurvey = toml::from_str(text)
        .map_err(|e| SurveyFileError::Syntax(e.to_string().trim_end().to_owned()))?;
    let rule = |span: std::ops::Range<usize>, problem: String| SurveyFileError::Rule {
        line: line_of(text, span.start),
        problem,
    };
    let slug = file.slug.get_ref();
    if slug.is_empty()
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(rule(
            file.slug.span(),
            format!("slug \"{slug}\" may only have lower-case letters, digits and dashes"),
        ));
    }
    if file.title.get_ref().trim().is_empty() {
        return Err(rule(file.title.span(), "title is empty".to_owned()));
    }
    let mut languages = Languages::default();
    if let Some(language) = &file.language {
        languages.default = Language::parse(language.get_ref())
            .map_err(|problem| rule(language.span(), format!("language: {problem}")))?;
    }
    // A language tag's line: where its table starts.
    let tag_line = |tag: &str| {
        let at = text.find(&format!("translations.{tag}")).unwrap_or(0);
        line_of(text, at)
    };
    let language_of = |tag: &str| {
        let language = Language::parse(tag).map_err(|problem| SurveyFileError::Rule {
            line: tag_line(tag),
            problem: format!("translations: {problem}"),
        })?;
        if language == languages.default {
            return Err(SurveyFileError::Rule {
                line: tag_line(tag),
                problem: format!(
                    "the survey is written in {language}: it cannot also be translated into it"
                ),
            });
        }
        Ok(language)
    };
    let mut translations: BTreeMap<Language, Translation> = BTreeMap::new();
    for (tag, translation) in &file.translations {
        translations.entry(language_of(tag)?).or_default().title = translation
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
    }
    let mut questions: Vec<Question> = Vec::with_capacity(file.questions.len());
    for q in file.questions {
        let key = q.key.get_ref();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(rule(
                q.key.span(),
                format!(
                    "question key \"{key}\" may only have lower-case letters, digits and underscores"
                ),
            ));
        }
        if questions.iter().any(|earlier| &earlier.key == key) {
            return Err(rule(
                q.key.span(),
                format!("question key \"{key}\" is used twice"),
            ));
        }
        let kind = QuestionKind::parse(q.kind.get_ref()).ok_or_else(|| {
            rule(
                q.kind.span(),
                format!(
                    "kind \"{}\" is not one of single, multi, text, scale",
                    q.kind.get_ref()
                ),
            )
        })?;
        if q.text.get_ref().trim().is_empty() {
            return Err(rule(
                q.text.span(),
                format!("question \"{key}\" has no text"),
            ));
        }
        let options = match (&q.options, kind.has_options()) {
            (Some(options), false) => {
                return Err(rule(
                    options.span(),
                    format!("question \"{key}\" is free text and cannot have options"),
                ));
            }
            (None, false) => Vec::new(),
            (None, true) => {
                return Err(rule(
                    q.kind.span(),
                    format!("question \"{key}\" needs options"),
                ));
            }
            (Some(options), true) => {
                let list = options.get_ref();
                if list.is_empty() {
                    return Err(rule(
                        options.span(),
                        format!("question \"{key}\" needs at least one option"),
                    ));
                }
                for (i, option) in list.iter().enumerate() {
                    if option.trim().is_empty() {
                        return Err(rule(
                            options.span(),
                            format!("question \"{key}\" has an empty option"),
                        ));
                    }
                    if list[..i]
                        .iter()
                        .any(|o| o.trim().eq_ignore_ascii_case(option.trim()))
                    {
                        return Err(rule(
                            options.span(),
                            format!("question \"{key}\" has the option \"{option}\" twice"),
                        ));
                    }
                }
                list.iter().map(|o| o.trim().to_owned()).collect()
            }
        };
        let emoji = match (&q.emoji, kind.has_pictures()) {
            (Some(emoji), true) if emoji.get_ref().len() == options.len() => {
                emoji.get_ref().clone()
            }
            (Some(emoji), true) => {
                return Err(rule(
                    emoji.span(),
                    format!(
                        "question \"{key}\" has {} pictures for {} options; give one for each",
                        emoji.get_ref().len(),
                        options.len()
                    ),
                ));
            }
            (None, true) => {
                return Err(rule(
                    q.kind.span(),
                    format!("scale question \"{key}\" needs emoji, one for each option"),
                ));
            }
            (Some(emoji), false) => {
                return Err(rule(
                    emoji.span(),
                    format!(
                        "only scale questions have emoji; \"{key}\" is {}",
                        kind.as_str()
                    ),
                ));
            }
            (None, false) => Vec::new(),
        };
        let coding = match (&q.coding, kind.is_coded()) {
            (None, _) => CodingMode::Single,
            (Some(coding), true) => CodingMode::parse(coding.get_ref()).ok_or_else(|| {
                rule(
                    coding.span(),
                    format!("coding \"{}\" is not single or multi", coding.get_ref()),
                )
            })?,
            (Some(coding), false) => {
                return Err(rule(
                    coding.span(),
                    format!(
                        "only free-text questions are coded; \"{key}\" is {}",
                        kind.as_str()
                    ),
                ));
            }
        };
        let mut themes: Vec<Theme> = Vec::with_capacity(q.themes.len());
        for theme in q.themes {
            let name = theme.name.get_ref().trim();
            if !kind.is_coded() {
                return Err(rule(
                    theme.name.span(),
                    format!(
                        "only free-text questions have themes; \"{key}\" is {}",
                        kind.as_str()
                    ),
                ));
            }
            if name.is_empty() {
                return Err(rule(
                    theme.name.span(),
                    format!("question \"{key}\" has a theme with no name"),
                ));
            }
            if themes.iter().any(|t| t.name.eq_ignore_ascii_case(name)) {
                return Err(rule(
                    theme.name.span(),
                    format!("question \"{key}\" has the theme \"{name}\" twice"),
                ));
            }
            if !super::survey::valid_colour(theme.colour.trim()) {
                return Err(rule(
                    theme.name.span(),
                    format!(
                        "theme \"{name}\" has colour \"{}\"; write colours as #rrggbb",
                        theme.colour
                    ),
                ));
            }
            themes.push(Theme {
                colour: theme.colour.trim().to_lowercase(),
                name: name.to_owned(),
                description: theme.description.trim().to_owned(),
                keywords: theme
                    .keywords
                    .iter()
                    .map(|k| k.trim().to_owned())
                    .filter(|k| !k.is_empty())
                    .collect(),
            });
        }
        // What the checks above allowed, in the form only this kind takes.
        let kind = match kind {
            QuestionKind::Single => Kind::Single { options },
            QuestionKind::Multi => Kind::Multi { options },
            QuestionKind::Scale => Kind::Scale(Scale::new(options, emoji).map_err(|problem| {
                rule(q.kind.span(), format!("question \"{key}\" has {problem}"))
            })?),
            QuestionKind::Text => Kind::Text(Codebook { coding, themes }),
        };
        let own_options: &[String] = match &kind {
            Kind::Single { options } | Kind::Multi { options } => options,
            Kind::Scale(scale) => scale.options(),
            Kind::Text(_) => &[],
        };
        let option_count = own_options.len();
        for (tag, words) in &q.translations {
            let language = language_of(tag)?;
            if !words.options.is_empty() && words.options.len() != option_count {
                return Err(rule(
                    q.key.span(),
                    format!(
                        "question \"{key}\" has {} options but its {language} translation has {}",
                        option_count,
                        words.options.len()
                    ),
                ));
            }
            if let Some(problem) =
                super::languages::option_labels_problem(own_options, &words.options)
            {
                return Err(rule(
                    q.key.span(),
                    format!("question \"{key}\" in {language}: {problem}"),
                ));
            }
            translations.entry(language).or_default().questions.insert(
                key.clone(),
                QuestionTranslation {
                    text: words
                        .text
                        .as_deref()
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned),
                    options: words.options.iter().map(|o| o.trim().to_owned()).collect(),
                },
            );
        }
        questions.push(Question {
            key: key.clone(),
            text: q.text.get_ref().trim().to_owned(),
            about_you: q.about_you,
            kind,
        });
    }
    languages.translations = translations;
    Ok(Survey {
        slug: slug.clone(),
        title: file.title.get_ref().trim().to_owned(),
        questions,
        languages,
    })
}

/// Writes a survey file that [`parse`] reads back to the same survey.
pub fn write(survey: &Survey) -> String {
    write_draft(&survey.to_draft())
}

/// Writes a draft as a survey file, each question with the fields it has.
fn write_draft(survey: &SurveyDraft) -> String {
    #[derive(Serialize)]
    struct OutSurvey<'a> {
        slug: &'a str,
        title: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        language: Option<&'a str>,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        translations: BTreeMap<&'a str, FileSurveyTranslation>,
        questions: Vec<OutQuestion<'a>>,
    }
    #[derive(Serialize)]
    struct OutQuestion<'a> {
        key: &'a str,
        kind: &'a str,
        text: &'a str,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        options: &'a [String],
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        emoji: &'a [String],
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        about_you: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        coding: Option<&'a str>,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        translations: BTreeMap<&'a str, FileQuestionTranslation>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        themes: Vec<OutTheme<'a>>,
    }
    #[derive(Serialize)]
    struct OutTheme<'a> {
        name: &'a str,
        description: &'a str,
        keywords: &'a [String],
        #[serde(skip_serializing_if = "str::is_empty")]
        colour: &'a str,
    }
    let languages = &survey.languages;
    let question_translations = |key: &str| -> BTreeMap<&str, FileQuestionTranslation> {
        languages
            .translations
            .iter()
            .filter_map(|(language, translation)| {
                let words = translation.questions.get(key)?;
                Some((
                    language.tag(),
                    FileQuestionTranslation {
                        text: words.text.clone(),
                        options: words.options.clone(),
                    },
                ))
            })
            .collect()
    };
    let out = OutSurvey {
        slug: &survey.slug,
        title: &survey.title,
        language: (languages.default != Language::english()).then(|| languages.default.tag()),
        translations: languages
            .translations
            .iter()
            .map(|(language, translation)| {
                let title = translation.title.clone();
                (language.tag(), FileSurveyTranslation { title })
            })
            .collect(),
        questions: survey
            .questions
            .iter()
            .map(|q| OutQuestion {
                key: &q.key,
                kind: q.kind.as_str(),
                text: &q.text,
                options: &q.options,
                emoji: &q.emoji,
                about_you: q.about_you,
                coding: q.kind.is_coded().then(|| q.coding.as_str()),
                translations: question_translations(&q.key),
                themes: q
                    .themes
                    .iter()
                    .map(|t| OutTheme {
                        name: &t.name,
                        description: &t.description,
                        keywords: &t.keywords,
                        colour: &t.colour,
                    })
                    .collect(),
            })
            .collect(),
    };
    toml::to_string_pretty(&out).expect("a survey always serialises to TOML")
}

/// Checks a survey made elsewhere (the web editor) by exactly the rules of
/// a file, and returns it as a checked survey, tidied (trimmed, and without
/// what a question's kind does not use: options of free text, pictures
/// outside scales, themes outside free text). The error is the first
/// problem, without a line.
pub fn check(survey: &SurveyDraft) -> Result<Survey, String> {
    let mut tidy = survey.clone();
    for question in &mut tidy.questions {
        if !question.kind.has_options() {
            question.options.clear();
        }
        if !question.kind.is_coded() {
            question.themes.clear();
            question.coding = CodingMode::default();
        }
        if !question.kind.has_pictures() {
            question.emoji.clear();
        }
    }
    parse(&write_draft(&tidy)).map_err(|error| match error {
        SurveyFileError::Rule { problem, .. } => problem,
        SurveyFileError::Syntax(message) => message,
    })
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"slug = "ap-voice"
title = "Your voice"
[[questions]]
key = "key_stage"
kind = "single"              # single | multi | text | scale
text = "Which key stage are you in?"
options = ["EYFS", "KS1", "KS2", "KS3", "KS4", "KS5", "Post-19"]
about_you = true
[[questions]]
key = "change"
kind = "text"
text = "What needs to change?"
coding = "single"            # single: one theme per answer, shares sum to 100% | multi
[[questions.themes]]
name = "Connect and belong"
description = "Being listened to, trust, relationships with staff, belonging"
keywords = ["listen", "trust", "belong", "relationship", "respect"]
"#;

    #[test]
    fn the_example_from_the_issue_reads_as_a_survey() {
        let survey = parse(EXAMPLE).unwrap();
        assert_eq!(survey.slug, "ap-voice");
        assert_eq!(survey.questions.len(), 2);
        assert!(survey.questions[0].about_you);
        let change = &survey.questions[1];
        assert_eq!(change.kind.name(), QuestionKind::Text);
        assert_eq!(change.coding(), CodingMode::Single);
        assert_eq!(change.themes()[0].name, "Connect and belong");
        assert_eq!(change.themes()[0].keywords.len(), 5);
    }

    const IN_THREE_LANGUAGES: &str = r#"slug = "ap-voice"
title = "Your voice"

[translations.cy]
title = "Dy lais"

[translations.ur]
title = "آپ کی آواز"

[[questions]]
key = "key_stage"
kind = "single"
text = "Which key stage are you in?"
options = ["KS3", "KS4"]

[questions.translations.cy]
text = "Ym mha gyfnod allweddol wyt ti?"
options = ["CA3", "CA4"]

[[questions]]
key = "change"
kind = "text"
text = "What needs to change?"

[questions.translations.ur]
text = "کیا بدلنا چاہیے؟"
"#;

    #[test]
    fn translations_are_read_written_and_read_back_the_same() {
        let survey = parse(IN_THREE_LANGUAGES).unwrap();
        let offered: Vec<&str> = survey.languages.offered().iter().map(|l| l.tag()).collect();
        assert_eq!(offered, ["en", "cy", "ur"]);
        let cy = &survey.languages.translations[&Language::parse("cy").unwrap()];
        assert_eq!(cy.title.as_deref(), Some("Dy lais"));
        assert_eq!(cy.questions["key_stage"].options, ["CA3", "CA4"]);
        let ur = &survey.languages.translations[&Language::parse("ur").unwrap()];
        assert_eq!(
            ur.questions["change"].text.as_deref(),
            Some("کیا بدلنا چاہیے؟")
        );
        let written = write(&survey);
        assert_eq!(parse(&written).unwrap(), survey, "{written}");
        // A survey in Welsh names its language, and English is then a
        // translation like any other.
        let welsh = IN_THREE_LANGUAGES.replace(
            "title = \"Your voice\"\n",
            "title = \"Your voice\"\nlanguage = \"cy\"\n",
        );
        let refused = parse(&welsh).unwrap_err().to_string();
        assert_eq!(
            refused,
            "line 5: the survey is written in cy: it cannot also be translated into it"
        );
    }

    #[test]
    fn a_translation_that_does_not_fit_its_question_is_refused_with_its_line() {
        let refused = |text: &str| parse(text).unwrap_err().to_string();
        let short =
            IN_THREE_LANGUAGES.replace("options = [\"CA3\", \"CA4\"]", "options = [\"CA3\"]");
        assert_eq!(
            refused(&short),
            "line 11: question \"key_stage\" has 2 options but its cy translation has 1"
        );
        let on_text = IN_THREE_LANGUAGES.replace(
            "text = \"کیا بدلنا چاہیے؟\"",
            "text = \"x\"\noptions = [\"a\"]",
        );
        assert_eq!(
            refused(&on_text),
            "line 21: question \"change\" has 0 options but its ur translation has 1"
        );
        let bad_tag = IN_THREE_LANGUAGES.replace("[translations.ur]", "[translations.urdu]");
        assert!(
            refused(&bad_tag).starts_with("line 7: translations: \"urdu\" is not a language tag"),
            "{}",
            refused(&bad_tag)
        );
        let unknown = IN_THREE_LANGUAGES.replace("title = \"Dy lais\"", "heading = \"Dy lais\"");
        assert!(
            refused(&unknown).contains("unknown field `heading`"),
            "{}",
            refused(&unknown)
        );
    }

    #[test]
    fn a_written_survey_reads_back_the_same() {
        let survey = parse(EXAMPLE).unwrap();
        assert_eq!(parse(&write(&survey)).unwrap(), survey);
        let demo = Survey::demo();
        assert_eq!(parse(&write(&demo)).unwrap(), demo);
    }

    #[test]
    fn a_survey_from_the_editor_is_checked_by_the_file_rules_and_tidied() {
        let mut survey = parse(EXAMPLE).unwrap().to_draft();
        survey.questions[1].options = vec!["left over".into()];
        survey.questions[0].text = "  Which key stage?  ".into();
        let tidy = check(&survey).unwrap();
        assert!(tidy.questions[1].options().is_empty());
        assert_eq!(tidy.questions[0].text, "Which key stage?");
        survey.questions[0].options.clear();
        assert_eq!(
            check(&survey).unwrap_err(),
            "question \"key_stage\" needs options"
        );
        survey.slug = "Bad Slug".into();
        assert!(check(&survey).unwrap_err().contains("slug \"Bad Slug\""));
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let err = parse("slug = \"x\"\ntitle = = \"y\"\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn an_unknown_kind_names_its_line_and_the_kinds() {
        let text = EXAMPLE.replace("kind = \"single\"", "kind = \"essay\"");
        assert_eq!(
            parse(&text).unwrap_err().to_string(),
            "line 5: kind \"essay\" is not one of single, multi, text, scale"
        );
    }

    #[test]
    fn a_key_used_twice_is_refused_at_its_second_line() {
        let text = EXAMPLE.replace("key = \"change\"", "key = \"key_stage\"");
        assert_eq!(
            parse(&text).unwrap_err().to_string(),
            "line 10: question key \"key_stage\" is used twice"
        );
    }

    #[test]
    fn a_choice_question_without_options_is_refused() {
        let text = EXAMPLE.replace(
            "options = [\"EYFS\", \"KS1\", \"KS2\", \"KS3\", \"KS4\", \"KS5\", \"Post-19\"]\n",
            "",
        );
        assert_eq!(
            parse(&text).unwrap_err().to_string(),
            "line 5: question \"key_stage\" needs options"
        );
    }

    #[test]
    fn a_scale_needs_one_picture_per_option() {
        let text = "slug = \"s\"\ntitle = \"t\"\n[[questions]]\nkey = \"feel\"\nkind = \"scale\"\ntext = \"How do you feel?\"\noptions = [\"Sad\", \"OK\", \"Happy\"]\nemoji = [\"😞\", \"😐\"]\n";
        assert_eq!(
            parse(text).unwrap_err().to_string(),
            "line 8: question \"feel\" has 2 pictures for 3 options; give one for each"
        );
        let fixed = text.replace("[\"😞\", \"😐\"]", "[\"😞\", \"😐\", \"😄\"]");
        assert_eq!(parse(&fixed).unwrap().questions[0].emoji().len(), 3);
    }

    #[test]
    fn unknown_fields_are_refused_with_their_line() {
        let text = EXAMPLE.replace("about_you = true", "about_me = true");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("line 8") && err.contains("about_me"), "{err}");
    }

    #[test]
    fn theme_colours_are_read_checked_and_written_back() {
        let file = "slug = \"s\"\ntitle = \"S\"\n\n[[questions]]\nkey = \"change\"\nkind = \"text\"\ntext = \"What needs to change?\"\n\n[[questions.themes]]\nname = \"Help\"\ncolour = \"#00AA11\"\n";
        let survey = parse(file).unwrap();
        assert_eq!(survey.questions[0].themes()[0].colour, "#00aa11");
        assert!(write(&survey).contains("colour = \"#00aa11\""));
        let err = parse(&file.replace("#00AA11", "green"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("write colours as #rrggbb"), "{err}");
    }

    #[test]
    fn themes_belong_only_to_free_text_questions() {
        let text = EXAMPLE.replace("kind = \"text\"", "kind = \"multi\"\noptions = [\"a\"]").replace("coding = \"single\"            # single: one theme per answer, shares sum to 100% | multi\n", "");
        let err = parse(&text).unwrap_err().to_string();
        assert!(
            err.contains("only free-text questions have themes"),
            "{err}"
        );
    }
}
