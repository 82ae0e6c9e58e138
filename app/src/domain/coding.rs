//! The coding screen's data: a round's answers to one free-text question,
//! with what the worker needs to decide each one's themes.

use super::survey::Question;
use serde::{Deserialize, Serialize};

/// Which coding an action is about: the main one (what reports count) or
/// a second coder's blind check of the same answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pass {
    Main,
    Check,
}

impl Pass {
    pub fn as_str(self) -> &'static str {
        match self {
            Pass::Main => "main",
            Pass::Check => "check",
        }
    }

    pub fn parse(name: &str) -> Option<Pass> {
        match name {
            "main" => Some(Pass::Main),
            "check" => Some(Pass::Check),
            _ => None,
        }
    }
}

/// A suggested theme, with the words that made it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShownSuggestion {
    pub theme: String,
    pub score: f64,
    /// The answer's words that matched the theme's keywords, as written.
    pub words: Vec<String>,
}

/// A starred answer's quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteState {
    /// The redacted copy: the only text a viewer can ever see.
    pub redacted: String,
    pub approved: bool,
}

/// One young person's answer on the coding screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerToCode {
    pub response_id: String,
    pub text: String,
    /// The young person's about-you answers, in the sheet's attribute order
    /// (empty where skipped).
    pub about_you: Vec<String>,
    /// The themes given in this pass.
    pub themes: Vec<String>,
    /// Ranked suggestions (none in a blind check).
    pub suggestions: Vec<ShownSuggestion>,
    /// Flagged for a safeguarding look.
    pub flagged: bool,
    pub quote: Option<QuoteState>,
}

/// Everything the coding screen shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodingSheet {
    pub round_id: String,
    pub round_name: String,
    pub survey_title: String,
    pub question: Question,
    pub pass: Pass,
    /// The about-you questions' texts, in order.
    pub attributes: Vec<String>,
    pub answers: Vec<AnswerToCode>,
    /// Main coding: agreement with a second coder, once one has coded.
    pub agreement: Option<super::agreement::Agreement>,
}

impl CodingSheet {
    /// How many answers have at least one theme.
    pub fn coded(&self) -> usize {
        self.answers.iter().filter(|a| !a.themes.is_empty()).count()
    }
}

/// One change to an answer's coding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodingChange {
    pub changed_by: String,
    pub changed_at: i64,
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// "hand", "suggestion", "bulk", "import" or "merge".
    pub how: String,
    pub pass: String,
}
