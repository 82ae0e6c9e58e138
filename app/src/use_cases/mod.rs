//! What people do with Heard, one function each: import responses or codes,
//! report on a round, compare rounds, build a summary, erase. Each takes the
//! database and typed input, holds the policy, and returns typed output.
//!
//! The web's server functions and downloads and the `heard` command line
//! are thin adapters over these: they parse, call, and present. So the page
//! and the command line cannot disagree about a rule, because there is only
//! one place it is written. Below this layer, `db` stores and `domain`
//! computes; neither decides who may do what or what a viewer may see.

pub mod accounts;
pub mod erasure;
pub mod imports;
pub mod notifications;
pub mod reports;
pub mod surveys;

use crate::db::{Db, DbError, RoundRef};
use crate::domain::imports::Problem;
use crate::domain::survey::{Question, Survey};
use crate::error::AppError;

/// Why a use case did not do what was asked. Messages name what was wrong
/// and are fit for a person at a screen or a terminal; database details
/// stay in [`UseCaseError::Db`], which adapters log and never show.
#[derive(Debug, thiserror::Error)]
pub enum UseCaseError {
    #[error("there is no survey {0}")]
    NoSurvey(String),
    #[error("survey {survey} has no round \"{round}\"")]
    NoRound { survey: String, round: String },
    #[error("survey {survey} has no question \"{key}\"; its questions are {keys}")]
    NoQuestion {
        survey: String,
        key: String,
        keys: String,
    },
    /// A round whose summary has not been published for viewers yet.
    #[error("this round's summary has not been published yet")]
    NotPublished,
    /// An id from a link that leads nowhere (a round deleted, a mistyped
    /// address).
    #[error("there is no such thing here")]
    NotFound,
    /// Input that breaks a rule; the message names the rule.
    #[error("{0}")]
    BadInput(String),
    /// A file with problems, each with its line and column: nothing was
    /// stored.
    #[error("nothing was stored. {}", problem_list(.0))]
    Problems(Vec<Problem>),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// "2 problems:\n  line 3 ...".
pub fn problem_list(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    format!(
        "{} problem{}:\n  {}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        lines.join("\n  ")
    )
}

/// How a use case's refusal reaches the web: the one place where its
/// errors become what a browser may learn.
impl From<UseCaseError> for AppError {
    fn from(error: UseCaseError) -> AppError {
        match error {
            UseCaseError::NotFound => AppError::NotFound,
            UseCaseError::NotPublished => AppError::NotPublished,
            UseCaseError::Db(error) => error.into(),
            UseCaseError::Problems(problems) => {
                AppError::BadInput(format!("Nothing was stored. {}", problem_list(&problems)))
            }
            other => AppError::BadInput(capitalised(&other.to_string())),
        }
    }
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// A survey by its slug, with its id.
pub async fn survey_by_slug(db: &Db, slug: &str) -> Result<(String, Survey), UseCaseError> {
    db.survey_by_slug(slug)
        .await?
        .ok_or_else(|| UseCaseError::NoSurvey(slug.to_owned()))
}

/// A survey's round by its name.
pub async fn round_by_name(
    db: &Db,
    survey_id: &str,
    survey: &Survey,
    name: &str,
) -> Result<RoundRef, UseCaseError> {
    db.round_named(survey_id, name)
        .await?
        .ok_or_else(|| UseCaseError::NoRound {
            survey: survey.slug.clone(),
            round: name.to_owned(),
        })
}

/// A survey's question by its key.
pub fn question_by_key<'a>(survey: &'a Survey, key: &str) -> Result<&'a Question, UseCaseError> {
    survey
        .question(key)
        .ok_or_else(|| UseCaseError::NoQuestion {
            survey: survey.slug.clone(),
            key: key.to_owned(),
            keys: survey
                .questions
                .iter()
                .map(|q| q.key.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// What answers can be broken down by: an "about you" question with
/// options, or (`language`, for a survey offered in more than one) the
/// language each young person answered in.
#[derive(Clone, Debug)]
pub enum Breakdown<'a> {
    Answer(&'a Question),
    Language {
        /// The languages as a question's options, named for staff.
        by: Question,
        tags: Vec<String>,
        /// The survey's own, for responses that never said.
        unsaid: String,
    },
}

impl Breakdown<'_> {
    pub fn question(&self) -> &Question {
        match self {
            Breakdown::Answer(by) => by,
            Breakdown::Language { by, .. } => by,
        }
    }

    pub fn group_by(&self) -> crate::db::GroupBy<'_> {
        match self {
            Breakdown::Answer(by) => crate::db::GroupBy::Answer(by),
            Breakdown::Language { by, tags, unsaid } => {
                crate::db::GroupBy::Language { by, tags, unsaid }
            }
        }
    }
}

/// What `key` breaks a survey's answers down by.
pub fn breakdown<'a>(survey: &'a Survey, key: &str) -> Result<Breakdown<'a>, UseCaseError> {
    use crate::domain::languages::{LANGUAGE_BREAKDOWN, language_breakdown};
    if key == LANGUAGE_BREAKDOWN
        && let Some((by, tags)) = language_breakdown(survey)
    {
        return Ok(Breakdown::Language {
            by,
            tags,
            unsaid: survey.languages.default.tag().to_owned(),
        });
    }
    let question = question_by_key(survey, key)?;
    if !question.about_you || !question.kind.has_options() {
        return Err(UseCaseError::BadInput(format!(
            "question \"{key}\" is not an \"about you\" question with options, so answers cannot be broken down by it"
        )));
    }
    Ok(Breakdown::Answer(question))
}

/// Every breakdown of a survey's answers, as (key, what it is): its
/// about-you questions with options, then the language answered in.
pub fn breakdowns(survey: &Survey) -> Vec<(String, String)> {
    survey
        .questions
        .iter()
        .filter(|q| q.about_you && q.kind.has_options())
        .chain(
            crate::domain::languages::language_breakdown(survey)
                .as_ref()
                .map(|(by, _)| by),
        )
        .map(|q| (q.key.clone(), q.text.clone()))
        .collect()
}
