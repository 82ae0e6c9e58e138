//! The survey's screens in order (welcome, one per question, ready to send)
//! for pages that post plain HTML forms.
//!
//! Everything answered so far travels in the form as hidden fields, so the
//! server keeps nothing between screens: any Heard instance can serve the
//! next one, and an abandoned survey leaves nothing behind on the server.

use super::survey::Survey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Form field holding the id that makes a submission exactly-once.
pub const FIELD_CLIENT_ID: &str = "client_id";
/// Form field holding the number of the screen the form was shown on.
pub const FIELD_STEP: &str = "step";
/// Form field set by the button that was pressed.
pub const FIELD_NAV: &str = "nav";
/// Answers travel as `a:<question key>` fields (one per chosen option).
pub const ANSWER_PREFIX: &str = "a:";

/// The button a young person pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Nav {
    Start,
    Next,
    Skip,
    Back,
    Send,
}

impl Nav {
    pub fn as_str(self) -> &'static str {
        match self {
            Nav::Start => "start",
            Nav::Next => "next",
            Nav::Skip => "skip",
            Nav::Back => "back",
            Nav::Send => "send",
        }
    }

    pub fn parse(value: &str) -> Option<Nav> {
        [Nav::Start, Nav::Next, Nav::Skip, Nav::Back, Nav::Send]
            .into_iter()
            .find(|nav| nav.as_str() == value)
    }
}

/// Which screen to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Screen {
    Welcome,
    /// The question at this index of the survey.
    Question(usize),
    /// All questions seen: check and send.
    Ready,
}

/// Where a young person is in the survey and what they have answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub client_id: String,
    /// 0 is the welcome screen, `i + 1` the question at index `i`, and
    /// one past the last question the ready-to-send screen.
    pub step: usize,
    /// Raw values by question key, checked only when sent.
    pub answers: BTreeMap<String, Vec<String>>,
}

/// What pressing a button leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Show(Progress),
    Send(Progress),
}

/// Why a posted form could not be read. Not the young person's fault: the
/// page tells them to start again and the log gets this message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProgressError {
    #[error("the form has no valid client_id")]
    BadClientId,
    #[error("the form has no valid step")]
    BadStep,
    #[error("the form has no known nav button")]
    BadNav,
}

impl Progress {
    pub fn start(client_id: String) -> Progress {
        Progress {
            client_id,
            step: 0,
            answers: BTreeMap::new(),
        }
    }

    /// Reads a posted form: its hidden fields, the current question's inputs
    /// and the button pressed.
    pub fn from_form(fields: &[(String, String)]) -> Result<(Progress, Nav), ProgressError> {
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let client_id = field(FIELD_CLIENT_ID)
            .filter(|id| uuid::Uuid::parse_str(id).is_ok())
            .ok_or(ProgressError::BadClientId)?
            .to_owned();
        let step = field(FIELD_STEP)
            .and_then(|s| s.parse().ok())
            .ok_or(ProgressError::BadStep)?;
        let nav = field(FIELD_NAV)
            .and_then(Nav::parse)
            .ok_or(ProgressError::BadNav)?;
        let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in fields {
            if let Some(key) = name.strip_prefix(ANSWER_PREFIX) {
                answers
                    .entry(key.to_owned())
                    .or_default()
                    .push(value.clone());
            }
        }
        Ok((
            Progress {
                client_id,
                step,
                answers,
            },
            nav,
        ))
    }

    /// The screen this progress shows for `survey`.
    pub fn screen(&self, survey: &Survey) -> Screen {
        let questions = survey.questions.len();
        match self.step {
            0 => Screen::Welcome,
            s if s <= questions => Screen::Question(s - 1),
            _ => Screen::Ready,
        }
    }

    /// Applies a button press.
    pub fn advance(mut self, nav: Nav, survey: &Survey) -> Step {
        let last = survey.questions.len() + 1;
        let screen = self.screen(survey);
        self.step = self.step.min(last);
        match nav {
            Nav::Start => self.step = 1,
            Nav::Next => self.step = (self.step + 1).min(last),
            Nav::Skip => {
                if let Screen::Question(i) = screen {
                    self.answers.remove(&survey.questions[i].key);
                }
                self.step = (self.step + 1).min(last);
            }
            Nav::Back => self.step = self.step.saturating_sub(1),
            Nav::Send if screen == Screen::Ready => return Step::Send(self),
            Nav::Send => self.step = last,
        }
        Step::Show(self)
    }

    /// The hidden fields a screen's forms carry: the client id, the step and
    /// every answer except those of the question on screen (its inputs carry
    /// those).
    pub fn hidden_fields(&self, survey: &Survey) -> Vec<(String, String)> {
        let on_screen = match self.screen(survey) {
            Screen::Question(i) => Some(survey.questions[i].key.as_str()),
            _ => None,
        };
        let mut fields = vec![
            (FIELD_CLIENT_ID.to_owned(), self.client_id.clone()),
            (FIELD_STEP.to_owned(), self.step.to_string()),
        ];
        for (key, values) in &self.answers {
            if Some(key.as_str()) != on_screen {
                fields.extend(
                    values
                        .iter()
                        .map(|v| (format!("{ANSWER_PREFIX}{key}"), v.clone())),
                );
            }
        }
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11";

    fn post(step: &str, nav: &str, answers: &[(&str, &str)]) -> (Progress, Nav) {
        let mut fields = vec![
            (FIELD_CLIENT_ID.to_owned(), ID.to_owned()),
            (FIELD_STEP.to_owned(), step.to_owned()),
            (FIELD_NAV.to_owned(), nav.to_owned()),
        ];
        fields.extend(
            answers
                .iter()
                .map(|(k, v)| (format!("{ANSWER_PREFIX}{k}"), v.to_string())),
        );
        Progress::from_form(&fields).expect("a well-formed form")
    }

    fn shown(step: Step) -> Progress {
        match step {
            Step::Show(p) => p,
            Step::Send(_) => panic!("expected a screen, got a send"),
        }
    }

    #[test]
    fn start_leads_to_the_first_question_and_next_walks_to_ready() {
        let survey = Survey::demo();
        let (p, nav) = post("0", "start", &[]);
        let mut p = shown(p.advance(nav, &survey));
        assert_eq!(p.screen(&survey), Screen::Question(0));
        for _ in 0..survey.questions.len() {
            p = shown(p.advance(Nav::Next, &survey));
        }
        assert_eq!(p.screen(&survey), Screen::Ready);
        assert!(matches!(p.advance(Nav::Send, &survey), Step::Send(_)));
    }

    #[test]
    fn skip_forgets_the_answer_on_screen_but_keeps_the_others() {
        let survey = Survey::demo();
        let (p, nav) = post(
            "2",
            "skip",
            &[("key_stage", "KS4"), ("help_before", "nothing")],
        );
        let p = shown(p.advance(nav, &survey));
        assert_eq!(p.step, 3);
        assert_eq!(p.answers.keys().collect::<Vec<_>>(), ["key_stage"]);
    }

    #[test]
    fn back_keeps_what_was_typed_and_never_goes_before_welcome() {
        let survey = Survey::demo();
        let (p, nav) = post("2", "back", &[("help_before", "nothing")]);
        let p = shown(p.advance(nav, &survey));
        assert_eq!(
            (p.step, p.answers["help_before"].clone()),
            (1, vec!["nothing".to_owned()])
        );
        let p = shown(shown(p.advance(Nav::Back, &survey)).advance(Nav::Back, &survey));
        assert_eq!(p.screen(&survey), Screen::Welcome);
    }

    #[test]
    fn send_before_the_last_screen_shows_the_ready_screen_instead() {
        let survey = Survey::demo();
        let (p, nav) = post("1", "send", &[]);
        assert_eq!(
            shown(p.advance(nav, &survey)).screen(&survey),
            Screen::Ready
        );
    }

    #[test]
    fn hidden_fields_leave_out_the_question_on_screen() {
        let survey = Survey::demo();
        let (p, _) = post(
            "2",
            "next",
            &[("key_stage", "KS4"), ("help_before", "nothing")],
        );
        let hidden = p.hidden_fields(&survey);
        assert!(hidden.contains(&("a:key_stage".into(), "KS4".into())));
        assert!(!hidden.iter().any(|(k, _)| k == "a:help_before"));
    }

    #[test]
    fn a_form_without_a_valid_client_id_is_refused() {
        let fields = vec![
            (FIELD_CLIENT_ID.to_owned(), "not-a-uuid".to_owned()),
            (FIELD_STEP.to_owned(), "1".to_owned()),
            (FIELD_NAV.to_owned(), "next".to_owned()),
        ];
        assert_eq!(
            Progress::from_form(&fields),
            Err(ProgressError::BadClientId)
        );
    }
}
