//! What a survey is: its questions, their kinds and options.

use serde::{Deserialize, Serialize};

/// How a question is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Pick at most one option.
    Single,
    /// Pick any number of options.
    Multi,
    /// Free text, later coded into themes by a worker.
    Text,
}

impl QuestionKind {
    /// The name used in the database and in survey files.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multi => "multi",
            QuestionKind::Text => "text",
        }
    }

    /// Reads a name written by [`QuestionKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "single" => Some(QuestionKind::Single),
            "multi" => Some(QuestionKind::Multi),
            "text" => Some(QuestionKind::Text),
            _ => None,
        }
    }
}

/// One question, shown on a screen of its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable identifier used in files, exports and the API (`key_stage`).
    pub key: String,
    pub kind: QuestionKind,
    /// The question as the young person reads it.
    pub text: String,
    /// The choices of a single or multiple choice question, in display order.
    pub options: Vec<String>,
    /// An attribute of the young person (e.g. key stage) used for breakdowns.
    pub about_you: bool,
}

/// A survey: the same questions asked in one or more rounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    /// Short name used on the command line (`ap-voice`).
    pub slug: String,
    pub title: String,
    pub questions: Vec<Question>,
}

impl Survey {
    /// The question with this key, if the survey has one.
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key == key)
    }

    /// The survey every new Heard starts with: the questions of the 2024
    /// "voice of the child" exercise on permanent exclusions, plus key stage.
    pub fn demo() -> Survey {
        let text = |key: &str, text: &str| Question {
            key: key.to_owned(),
            kind: QuestionKind::Text,
            text: text.to_owned(),
            options: Vec::new(),
            about_you: false,
        };
        Survey {
            slug: "ap-voice".to_owned(),
            title: "Your voice".to_owned(),
            questions: vec![
                Question {
                    key: "key_stage".to_owned(),
                    kind: QuestionKind::Single,
                    text: "Which key stage are you in?".to_owned(),
                    options: ["EYFS", "KS1", "KS2", "KS3", "KS4", "KS5", "Post-19"]
                        .map(str::to_owned)
                        .to_vec(),
                    about_you: true,
                },
                text(
                    "help_before",
                    "What did your previous school do to help and support you before you were permanently excluded?",
                ),
                text(
                    "prevent",
                    "How could your school have prevented your permanent exclusion?",
                ),
                text("change", "What needs to change?"),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_kinds_round_trip_through_their_names() {
        for kind in [
            QuestionKind::Single,
            QuestionKind::Multi,
            QuestionKind::Text,
        ] {
            assert_eq!(QuestionKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(QuestionKind::parse("essay"), None);
    }

    #[test]
    fn the_demo_survey_asks_the_seed_reports_questions_and_key_stage() {
        let demo = Survey::demo();
        let keys: Vec<_> = demo.questions.iter().map(|q| q.key.as_str()).collect();
        assert_eq!(keys, ["key_stage", "help_before", "prevent", "change"]);
        let key_stage = demo.question("key_stage").expect("key stage question");
        assert!(key_stage.about_you);
        assert_eq!(key_stage.options.len(), 7);
    }
}
