//! Safeguarding words: free-text answers that mention them go on the
//! workers' "needs a look" list with the words that triggered it.
//!
//! Matching is by word stem (see `text`), so "abused" matches "abuse" and
//! "they hurt me" matches "hurt me". The default list lives beside this file
//! (`safeguarding-words.txt`) and can be replaced by a deployment.

use super::answers::Answers;
use super::survey::Survey;
use super::text::PhraseFinder;
use serde::{Deserialize, Serialize};

/// Heard's default list, one word or phrase per line.
pub const DEFAULT_LIST: &str = include_str!("safeguarding-words.txt");

/// What in an answer needs a look.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concern {
    /// The question whose answer it is in.
    pub question: String,
    /// The words as the young person wrote them.
    pub words: String,
}

/// A list of safeguarding words and phrases, ready to check answers with.
#[derive(Clone, Debug)]
pub struct SafeguardingList {
    finder: PhraseFinder,
}

impl SafeguardingList {
    /// Reads a list: one word or phrase per line; blank lines and lines
    /// starting with `#` are ignored.
    pub fn parse(list: &str) -> SafeguardingList {
        let phrases = list
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'));
        SafeguardingList {
            finder: PhraseFinder::new(phrases),
        }
    }

    /// How many words and phrases the list has.
    pub fn len(&self) -> usize {
        self.finder.phrases().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What in the free-text answers needs a look, in question order.
    pub fn check(&self, survey: &Survey, answers: &Answers) -> Vec<Concern> {
        let mut concerns = Vec::new();
        for question in survey.questions.iter().filter(|q| q.kind.is_coded()) {
            for text in answers.get(&question.key) {
                for found in self.finder.find(text) {
                    let words = text[found.start..found.end].to_owned();
                    let concern = Concern {
                        question: question.key.clone(),
                        words,
                    };
                    if !concerns.contains(&concern) {
                        concerns.push(concern);
                    }
                }
            }
        }
        concerns
    }
}

impl Default for SafeguardingList {
    fn default() -> Self {
        SafeguardingList::parse(DEFAULT_LIST)
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

    #[test]
    fn the_default_list_flags_the_fixtures_worrying_comments() {
        let list = SafeguardingList::default();
        assert!(list.len() > 40);
        let concerns = list.check(
            &Survey::demo(),
            &answers(&[(
                "change",
                "I was excluded because of drugs. After being excluded I got more drugs.",
            )]),
        );
        assert_eq!(
            concerns,
            [Concern {
                question: "change".into(),
                words: "drugs".into()
            }]
        );
        let concerns = list.check(
            &Survey::demo(),
            &answers(&[("prevent", "family life, Abuse and poverty")]),
        );
        assert_eq!(concerns[0].words, "Abuse");
    }

    #[test]
    fn phrases_match_other_forms_of_their_words() {
        let list = SafeguardingList::default();
        let concerns = list.check(
            &Survey::demo(),
            &answers(&[("help_before", "my dad hits me and I don’t feel safe")]),
        );
        let words: Vec<_> = concerns.iter().map(|c| c.words.as_str()).collect();
        assert_eq!(words, ["hits me", "don’t feel safe"]);
    }

    #[test]
    fn answers_without_the_words_and_choice_answers_raise_nothing() {
        let list = SafeguardingList::default();
        assert!(
            list.check(
                &Survey::demo(),
                &answers(&[
                    ("change", "Listen to us and trust us"),
                    ("key_stage", "KS4")
                ])
            )
            .is_empty()
        );
    }

    #[test]
    fn a_custom_list_ignores_comments_and_blank_lines() {
        let list = SafeguardingList::parse("# ours\n\nvape\n  bullied  \n");
        assert_eq!(list.len(), 2);
        let concerns = list.check(
            &Survey::demo(),
            &answers(&[("change", "I get bullying every day")]),
        );
        assert_eq!(concerns[0].words, "bullying");
    }
}
