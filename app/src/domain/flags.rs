//! What workers see of flagged responses: plain data passed to the page.

use serde::{Deserialize, Serialize};

/// A response that needs a look, with the answers that raised it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedResponse {
    pub response_id: String,
    pub survey_title: String,
    pub round_name: String,
    /// The language it was answered in (a tag): the survey's own when it
    /// was never said (imported without one).
    #[serde(default)]
    pub language: String,
    /// The day it was sent (Unix seconds at midnight UTC).
    pub raised_on: i64,
    pub answers: Vec<FlaggedAnswer>,
    /// Who marked it handled, when, and what they noted.
    pub handled_by: Option<String>,
    pub handled_at: Option<i64>,
    pub note: String,
}

/// One free-text answer that mentions safeguarding words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedAnswer {
    pub question: String,
    pub text: String,
    /// The words that raised it, as written.
    pub words: Vec<String>,
    /// Why: each rule that matched, as its kind and pattern.
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// Splits `text` into pieces, marking those that are one of `words`, so a
/// page can highlight them. Matching is exact (the words were cut from this
/// text when it was flagged).
pub fn highlight(text: &str, words: &[String]) -> Vec<(String, bool)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let next = words
            .iter()
            .filter(|w| !w.is_empty())
            .filter_map(|w| rest.find(w.as_str()).map(|at| (at, w.len())))
            .min();
        match next {
            Some((at, len)) => {
                if at > 0 {
                    pieces.push((rest[..at].to_owned(), false));
                }
                pieces.push((rest[at..at + len].to_owned(), true));
                rest = &rest[at + len..];
            }
            None => {
                pieces.push((rest.to_owned(), false));
                rest = "";
            }
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlighted_pieces_rebuild_the_text_and_mark_every_occurrence() {
        let words = vec!["drugs".to_owned(), "hurt me".to_owned()];
        let pieces = highlight("drugs, and they hurt me. More drugs", &words);
        let marked: Vec<_> = pieces
            .iter()
            .filter(|(_, m)| *m)
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(marked, ["drugs", "hurt me", "drugs"]);
        assert_eq!(
            pieces.iter().map(|(p, _)| p.as_str()).collect::<String>(),
            "drugs, and they hurt me. More drugs"
        );
    }
}
