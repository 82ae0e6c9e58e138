//! A young person's answers, checked against the survey they answer.
//!
//! Every way in (the plain form, the hydrated page, the JSON API) ends in
//! [`Answers::validate`], so the rules live once.

use super::survey::{QuestionKind, Survey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest free-text answer accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// Checked answers: for each answered question, its values (one for single
/// choice and free text; the chosen options, in survey order, for multiple
/// choice). A skipped question has no entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answers(BTreeMap<String, Vec<String>>);

/// Why submitted answers were refused. Messages name the question and value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("there is no question \"{0}\" in this survey")]
    UnknownQuestion(String),
    #[error("\"{option}\" is not an option of question \"{question}\"")]
    UnknownOption { question: String, option: String },
    #[error("question \"{question}\" takes one answer, not several")]
    OneAnswerOnly { question: String },
    #[error(
        "the answer to \"{question}\" has a control character (such as NUL) that text cannot hold"
    )]
    ControlCharacter { question: String },
    #[error("the answer to \"{question}\" is {chars} characters long; the limit is {limit}")]
    TooLong {
        question: String,
        chars: usize,
        limit: usize,
    },
}

impl Answers {
    /// Checks submitted values (question key, values) against `survey`.
    ///
    /// Blank values are dropped and a question left with none counts as
    /// skipped. Options match whatever the case and surrounding spaces, and
    /// are stored as the survey spells them.
    pub fn validate<I>(survey: &Survey, submitted: I) -> Result<Answers, AnswerError>
    where
        I: IntoIterator<Item = (String, Vec<String>)>,
    {
        let mut answers = BTreeMap::new();
        for (key, values) in submitted {
            let question = survey
                .question(&key)
                .ok_or_else(|| AnswerError::UnknownQuestion(key.clone()))?;
            let values: Vec<&str> = values
                .iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            let kept = match question.kind.name() {
                QuestionKind::Text => {
                    if values.len() > 1 {
                        return Err(AnswerError::OneAnswerOnly { question: key });
                    }
                    if let Some(text) = values.first() {
                        // NUL and the other C0 controls (but tabs and line
                        // breaks) are never typed; PostgreSQL cannot store
                        // NUL at all.
                        if text
                            .chars()
                            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                        {
                            return Err(AnswerError::ControlCharacter { question: key });
                        }
                        let chars = text.chars().count();
                        if chars > MAX_TEXT_CHARS {
                            return Err(AnswerError::TooLong {
                                question: key,
                                chars,
                                limit: MAX_TEXT_CHARS,
                            });
                        }
                    }
                    values.into_iter().map(str::to_owned).collect()
                }
                QuestionKind::Single | QuestionKind::Multi | QuestionKind::Scale => {
                    if !question.kind.takes_several() && values.len() > 1 {
                        return Err(AnswerError::OneAnswerOnly { question: key });
                    }
                    let mut chosen = vec![false; question.options().len()];
                    for value in values {
                        let position = question
                            .options()
                            .iter()
                            .position(|option| same_option(option, value))
                            .ok_or_else(|| AnswerError::UnknownOption {
                                question: key.clone(),
                                option: value.to_owned(),
                            })?;
                        chosen[position] = true;
                    }
                    question
                        .options()
                        .iter()
                        .zip(chosen)
                        .filter(|(_, picked)| *picked)
                        .map(|(option, _)| option.clone())
                        .collect::<Vec<_>>()
                }
            };
            if !kept.is_empty() {
                answers.insert(key, kept);
            }
        }
        Ok(Answers(answers))
    }

    /// The answered questions and their values, by question key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The values given for one question (empty when skipped).
    pub fn get(&self, key: &str) -> &[String] {
        self.0.get(key).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A canonical text of these answers: equal answers give equal
    /// fingerprints, so a repeated submission can be told from a different
    /// one that reuses its id.
    pub fn fingerprint(&self) -> String {
        serde_json::to_string(&self.0).expect("a map of strings always serialises")
    }
}

pub(crate) fn same_option(option: &str, typed: &str) -> bool {
    let squash = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    squash(option) == squash(typed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::Kind;

    fn submitted(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        pairs
            .iter()
            .map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect()
    }

    #[test]
    fn options_match_whatever_the_case_and_are_stored_as_the_survey_spells_them() {
        let answers =
            Answers::validate(&Survey::demo(), submitted(&[("key_stage", &[" ks4 "])])).unwrap();
        assert_eq!(answers.get("key_stage"), ["KS4"]);
    }

    #[test]
    fn blank_answers_count_as_skipped() {
        let answers = Answers::validate(
            &Survey::demo(),
            submitted(&[("change", &["   "]), ("prevent", &[])]),
        )
        .unwrap();
        assert!(answers.is_empty());
    }

    #[test]
    fn an_unknown_question_is_named_in_the_error() {
        let err = Answers::validate(
            &Survey::demo(),
            submitted(&[("favourite_colour", &["blue"])]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "there is no question \"favourite_colour\" in this survey"
        );
    }

    #[test]
    fn an_unknown_option_is_named_in_the_error() {
        let err = Answers::validate(&Survey::demo(), submitted(&[("key_stage", &["Year 9"])]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"Year 9\" is not an option of question \"key_stage\""
        );
    }

    #[test]
    fn control_characters_in_free_text_are_refused_but_line_breaks_kept() {
        let err = Answers::validate(
            &Survey::demo(),
            submitted(&[("change", &["listen\u{0}to us"])]),
        )
        .unwrap_err();
        assert_eq!(
            err,
            AnswerError::ControlCharacter {
                question: "change".into()
            }
        );
        let answers = Answers::validate(
            &Survey::demo(),
            submitted(&[("change", &["listen\r\nto\tus"])]),
        )
        .unwrap();
        assert_eq!(answers.get("change"), ["listen\r\nto\tus"]);
    }

    #[test]
    fn two_answers_to_a_single_choice_question_are_refused() {
        let err = Answers::validate(
            &Survey::demo(),
            submitted(&[("key_stage", &["KS3", "KS4"])]),
        )
        .unwrap_err();
        assert_eq!(
            err,
            AnswerError::OneAnswerOnly {
                question: "key_stage".into()
            }
        );
    }

    #[test]
    fn free_text_longer_than_the_limit_is_refused_and_at_the_limit_accepted() {
        let at_limit = "é".repeat(MAX_TEXT_CHARS);
        assert!(
            Answers::validate(
                &Survey::demo(),
                vec![("change".into(), vec![at_limit.clone()])]
            )
            .is_ok()
        );
        let over = format!("{at_limit}x");
        let err =
            Answers::validate(&Survey::demo(), vec![("change".into(), vec![over])]).unwrap_err();
        assert!(
            matches!(err, AnswerError::TooLong { chars: 2001, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn multiple_choice_keeps_survey_order_and_drops_repeats() {
        let mut survey = Survey::demo();
        let options = survey.questions[0].options().to_vec();
        survey.questions[0].kind = Kind::Multi { options };
        let answers =
            Answers::validate(&survey, submitted(&[("key_stage", &["KS5", "ks3", "KS5"])]))
                .unwrap();
        assert_eq!(answers.get("key_stage"), ["KS3", "KS5"]);
    }

    #[test]
    fn equal_answers_have_equal_fingerprints_and_different_ones_differ() {
        let survey = Survey::demo();
        let a = Answers::validate(
            &survey,
            submitted(&[("change", &["More trust"]), ("key_stage", &["KS4"])]),
        );
        let b = Answers::validate(
            &survey,
            submitted(&[("key_stage", &["ks4"]), ("change", &["More trust "])]),
        );
        let c = Answers::validate(&survey, submitted(&[("key_stage", &["KS3"])]));
        assert_eq!(a.clone().unwrap().fingerprint(), b.unwrap().fingerprint());
        assert_ne!(a.unwrap().fingerprint(), c.unwrap().fingerprint());
    }
}
