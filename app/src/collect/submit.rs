//! Server side of answering: moving through the screens of a posted form and
//! storing finished answers exactly once.

use super::{ScreenView, SurveyScreen};
use crate::db::{Db, DbError, RoundForCode, StoreOutcome, now, start_of_day};
use crate::domain::answers::{AnswerError, Answers};
use crate::domain::join_code::JoinCode;
use crate::domain::progress::{Progress, Screen, Step};
use crate::domain::survey::Survey;

/// Where a posted survey form led. Put in context for `load_survey_screen`.
#[derive(Clone, Debug)]
pub enum StepOutcome {
    Show(Progress),
    Sent,
    /// Sending failed: show the ready screen again with the reason.
    NotSent {
        progress: Progress,
        message: String,
    },
    /// The form could not be read (tampered or from an old version).
    Unreadable,
}

/// Why answers were not stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Answers(#[from] AnswerError),
    #[error("this client_id was already used for different answers")]
    ClientIdReused,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Checks answers against the round's survey and stores them exactly once.
pub async fn save_response<I>(
    db: &Db,
    round: &RoundForCode,
    client_id: &str,
    submitted: I,
) -> Result<StoreOutcome, SubmitError>
where
    I: IntoIterator<Item = (String, Vec<String>)>,
{
    let answers = Answers::validate(&round.survey, submitted)?;
    match db
        .store_response(round, client_id, &answers, start_of_day(now()))
        .await?
    {
        StoreOutcome::ClientIdReused => Err(SubmitError::ClientIdReused),
        outcome => {
            tracing::info!(round = %round.round_name, ?outcome, "response received");
            Ok(outcome)
        }
    }
}

/// Where typing `typed` on the start page leads: the survey, or back to the
/// start page with the reason.
pub async fn join_target(db: &Db, typed: &str) -> Result<String, DbError> {
    let Ok(code) = JoinCode::parse(typed) else {
        return Ok(format!("/?error=format&code={}", query_escape(typed)));
    };
    Ok(match db.round_for_join_code(&code).await? {
        Some(_) => format!("/survey/{code}"),
        None => format!("/?error=unknown&code={code}"),
    })
}

/// Applies a posted survey form. `Ok(None)` when the code leads nowhere.
pub async fn take_step(
    db: &Db,
    code: &str,
    fields: &[(String, String)],
) -> Result<Option<StepOutcome>, DbError> {
    let Ok(code) = JoinCode::parse(code) else {
        return Ok(None);
    };
    let Some(round) = db.round_for_join_code(&code).await? else {
        return Ok(None);
    };
    let (progress, nav) = match Progress::from_form(fields) {
        Ok(read) => read,
        Err(error) => {
            tracing::warn!(%error, "unreadable survey form");
            return Ok(Some(StepOutcome::Unreadable));
        }
    };
    Ok(Some(match progress.advance(nav, &round.survey) {
        Step::Show(progress) => StepOutcome::Show(progress),
        Step::Send(progress) => {
            let submitted = progress.answers.clone().into_iter();
            match save_response(db, &round, &progress.client_id, submitted).await {
                Ok(_) => StepOutcome::Sent,
                Err(SubmitError::Db(error)) => return Err(error),
                Err(error) => {
                    tracing::warn!(%error, "survey form answers refused");
                    StepOutcome::NotSent {
                        progress,
                        message: "Some answers could not be sent. Go back and check them, then try again.".to_owned(),
                    }
                }
            }
        }
    }))
}

/// Builds the screen to show from a step's outcome (none: a fresh start).
pub fn screen_for(code: &JoinCode, survey: &Survey, outcome: Option<StepOutcome>) -> SurveyScreen {
    let fresh = || Progress::start(uuid::Uuid::new_v4().to_string());
    let (progress, problem) = match outcome {
        None => (fresh(), None),
        Some(StepOutcome::Show(progress)) => (progress, None),
        Some(StepOutcome::NotSent { progress, message }) => (progress, Some(message)),
        Some(StepOutcome::Unreadable) => (
            fresh(),
            Some("Sorry, something went wrong with that page. Please start again.".to_owned()),
        ),
        Some(StepOutcome::Sent) => {
            return SurveyScreen {
                code: code.to_string(),
                title: survey.title.clone(),
                hidden: Vec::new(),
                step: survey.questions.len() + 2,
                question_count: survey.questions.len(),
                view: ScreenView::Thanks,
                problem: None,
            };
        }
    };
    let view = match progress.screen(survey) {
        Screen::Welcome => ScreenView::Welcome,
        Screen::Question(i) => ScreenView::Question {
            question: survey.questions[i].clone(),
            number: i + 1,
            values: progress
                .answers
                .get(&survey.questions[i].key)
                .cloned()
                .unwrap_or_default(),
        },
        Screen::Ready => ScreenView::Ready {
            answered: survey
                .questions
                .iter()
                .filter(|q| {
                    progress
                        .answers
                        .get(&q.key)
                        .is_some_and(|v| v.iter().any(|s| !s.trim().is_empty()))
                })
                .count(),
        },
    };
    SurveyScreen {
        code: code.to_string(),
        title: survey.title.clone(),
        hidden: progress.hidden_fields(survey),
        step: progress.step,
        question_count: survey.questions.len(),
        view,
        problem,
    }
}

fn query_escape(text: &str) -> String {
    text.chars()
        .take(20)
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}
