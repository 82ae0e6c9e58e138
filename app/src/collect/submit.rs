//! Server side of answering: moving through the screens of a posted form and
//! storing finished answers exactly once.

use super::{Stage, SurveyState};
use crate::db::{Counted, Db, DbError, RoundForCode, StoreOutcome, Written, now, start_of_day};
use crate::domain::answers::{AnswerError, Answers};
use crate::domain::join_code::JoinCode;
use crate::domain::languages::{self, Language};
use crate::domain::late::{LateProof, LateRefusal, OpenToken, accepts_late};
use crate::domain::progress::{Progress, Step};
use crate::domain::receipt::Receipt;
use crate::domain::survey::Survey;
use crate::domain::throttle::{
    JOIN_CODE_REMEMBERED_SECONDS, SUBMISSIONS_PER_ROUND, WRONG_JOIN_CODES,
};
use crate::error::AppError;
use crate::state::AppState;
use crate::throttle::{self, ServerKey, Throttled};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where a posted survey form led. Put in context for `load_survey_state`.
#[derive(Clone, Debug)]
pub enum StepOutcome {
    Show(Progress),
    /// Stored; `receipt` is the young person's code for asking for their
    /// answers to be deleted.
    Sent {
        receipt: Option<String>,
    },
    /// Sending failed: show the ready screen again with the reason.
    NotSent {
        progress: Progress,
        message: String,
    },
    /// The form could not be read (tampered or from an old version).
    Unreadable,
}

/// Why answers were not stored. Each message names the problem; `status`
/// gives the HTTP status the JSON API answers with.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("the request body is not valid JSON for a response: {0}")]
    Malformed(String),
    #[error("unknown join code \"{0}\"")]
    UnknownCode(String),
    #[error("the round for join code \"{0}\" is closed: {1}")]
    Closed(String, LateRefusal),
    #[error("client_id must be a UUID such as 6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11")]
    BadClientId,
    #[error("the answer to \"{0}\" must be a text or a list of texts")]
    BadValue(String),
    #[error(transparent)]
    Answers(#[from] AnswerError),
    #[error("client_id {0} was already used for different answers")]
    ClientIdReused(String),
    #[error("too many wrong join codes came from this network; try again in {0} seconds")]
    Throttled(i64),
    #[error(
        "too many answers came to this round from this network in the last hour; try again in {0} seconds"
    )]
    TooMany(i64),
    #[error("the answers could not be stored; try again")]
    Db(#[from] DbError),
}

impl SubmitError {
    /// Seconds to wait before trying again: when throttled, and when the
    /// database could not take the answers (a tablet's outbox keeps them
    /// and tries again).
    pub fn retry_after(&self) -> Option<i64> {
        match self {
            SubmitError::Throttled(seconds) | SubmitError::TooMany(seconds) => Some(*seconds),
            SubmitError::Db(_) => Some(DATABASE_RETRY_SECONDS),
            _ => None,
        }
    }

    /// What the JSON endpoint answers: its status from [`AppError::status`]
    /// (the one mapping) and this error's own message, which names the
    /// field or value at fault.
    pub fn status(&self) -> u16 {
        AppError::from(self).status()
    }
}

impl From<&SubmitError> for AppError {
    fn from(error: &SubmitError) -> AppError {
        let message = error.to_string();
        match error {
            SubmitError::Malformed(_) => AppError::BadInput(message),
            SubmitError::UnknownCode(_) => AppError::NotFound,
            SubmitError::ClientIdReused(_) => AppError::Conflict(message),
            SubmitError::Closed(..) => AppError::Closed,
            SubmitError::BadClientId | SubmitError::BadValue(_) | SubmitError::Answers(_) => {
                AppError::Unprocessable(message)
            }
            SubmitError::Throttled(seconds) | SubmitError::TooMany(seconds) => {
                AppError::Throttled(*seconds)
            }
            SubmitError::Db(_) => AppError::Unavailable,
        }
    }
}

/// How long a tablet is asked to wait after the database could not take
/// its answers: long enough for a restart, short enough that a class
/// does not notice.
const DATABASE_RETRY_SECONDS: i64 = 5;

/// A finished survey as the JSON API receives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Submission {
    join_code: String,
    client_id: String,
    answers: BTreeMap<String, serde_json::Value>,
    /// The round's open token from the survey page, so that a survey
    /// finished while the round was open is taken after it closed.
    #[serde(default)]
    open_token: Option<String>,
    /// When the young person pressed Send, by the tablet's clock (seconds
    /// since 1970).
    #[serde(default)]
    finished_at: Option<i64>,
    /// The language the survey was answered in (a tag such as `cy`); the
    /// survey's own when none is given.
    #[serde(default)]
    language: Option<String>,
}

/// A round's open token, handed out with its survey page: the time, and
/// the round and time signed with the deployment's round key.
pub fn open_token(key: &ServerKey, round_id: &str, at: i64) -> String {
    format!("{at}.{}", key.hash(&open_token_text(round_id, at)))
}

fn open_token_text(round_id: &str, at: i64) -> String {
    format!("round-open\n{round_id}\n{at}")
}

/// What an open token sent with a survey proves for `round_id`.
pub fn read_open_token(key: &ServerKey, round_id: &str, token: Option<&str>) -> OpenToken {
    let Some(token) = token else {
        return OpenToken::Missing;
    };
    let Some((at, tag)) = token.split_once('.') else {
        return OpenToken::Forged;
    };
    match at.parse::<i64>() {
        Ok(at) if key.verifies(&open_token_text(round_id, at), tag) => OpenToken::HandedOutAt(at),
        _ => OpenToken::Forged,
    }
}

/// `POST /api/v1/responses`: reads a JSON submission and stores it exactly
/// once.
pub async fn receive_json(
    state: &AppState,
    body: &[u8],
    source: &str,
) -> Result<StoreOutcome, SubmitError> {
    let submission: Submission =
        serde_json::from_slice(body).map_err(|e| SubmitError::Malformed(e.to_string()))?;
    // The join code is marked as working from this source in the
    // transaction that stores the answers, not in one of its own.
    let round = match look_up_unmarked(&state.db, &submission.join_code, source).await? {
        Lookup::Found(round) => round,
        Lookup::Throttled(throttled) => return Err(SubmitError::Throttled(throttled.seconds_left)),
        Lookup::Malformed | Lookup::Unknown => {
            return Err(SubmitError::UnknownCode(submission.join_code));
        }
    };
    let mut submitted = Vec::with_capacity(submission.answers.len());
    for (key, value) in submission.answers {
        let values = match value {
            serde_json::Value::String(text) => vec![text],
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    serde_json::Value::String(text) => Ok(text),
                    _ => Err(SubmitError::BadValue(key.clone())),
                })
                .collect::<Result<_, _>>()?,
            serde_json::Value::Null => Vec::new(),
            _ => return Err(SubmitError::BadValue(key)),
        };
        submitted.push((key, values));
    }
    let late = LateProof {
        token: read_open_token(
            &state.round_key,
            &round.round_id,
            submission.open_token.as_deref(),
        ),
        finished_at: submission.finished_at,
    };
    let languages = &round.survey.languages;
    let asked = match &submission.language {
        None => None,
        Some(tag) => Some(Language::parse(tag).map_err(SubmitError::Malformed)?),
    };
    // Stored as the survey language it was given in; read for safeguarding
    // in the language the tablet said, even one the survey is not offered
    // in, so an answer the rules cannot read is never passed as safe.
    let language = match &asked {
        None => languages.default.clone(),
        Some(asked) => languages.choose(asked).clone(),
    };
    let written_in = asked.unwrap_or_else(|| language.clone());
    save_response(
        state,
        &round,
        &submission.client_id,
        submitted,
        (&language, &written_in),
        source,
        late,
        vec![throttle::mark(JOIN_CODE_WORKED, source, &round.join_code)],
    )
    .await
}

/// Checks answers against the round's survey and stores them exactly once.
/// Every way of sending (plain form, JSON API) ends here. `language` is
/// the survey language the answers were given in (stored with them);
/// `written_in` the one their free text is read in for safeguarding
/// (what the tablet said, offered or not). A closed round
/// takes answers only as `late` shows it may (see `domain::late`). `source` (the
/// hashed network address) may send at most [`SUBMISSIONS_PER_ROUND`] to
/// one round an hour: far more than a class can, far fewer than a script
/// flooding a round with made-up answers.
#[allow(clippy::too_many_arguments)]
pub async fn save_response<I>(
    state: &AppState,
    round: &RoundForCode,
    client_id: &str,
    submitted: I,
    (language, written_in): (&Language, &Language),
    source: &str,
    late: LateProof,
    marks: Vec<(String, i64)>,
) -> Result<StoreOutcome, SubmitError>
where
    I: IntoIterator<Item = (String, Vec<String>)>,
{
    // Stored in one form (lowercase with dashes), so a repeat is always
    // recognised and a receipt code (read off the id) always finds it.
    let Ok(client_id) = uuid::Uuid::parse_str(client_id).map(|id| id.to_string()) else {
        return Err(SubmitError::BadClientId);
    };
    let client_id = client_id.as_str();
    // A choice is stored as the survey's own option, whatever language it
    // was made in, so every language is counted together.
    let submitted = submitted.into_iter().map(|(key, values)| {
        let values = values
            .into_iter()
            .map(|value| {
                languages::stored_option(&round.survey, language, &key, &value)
                    .map_or(value, str::to_owned)
            })
            .collect();
        (key, values)
    });
    let answers = Answers::validate(&round.survey, submitted)?;
    if !round.is_open
        && let Err(refusal) = accepts_late(round.closed_at, round.late_hours, late, now())
    {
        // A repeat of a survey stored before the round closed is still
        // "already stored": the tablet may never have heard the first
        // answer, and must not keep it as refused.
        let earlier = state
            .db
            .earlier_submission(&round.round_id, client_id, &answers.fingerprint())
            .await?;
        if earlier == Some(StoreOutcome::AlreadyStored) {
            return Ok(StoreOutcome::AlreadyStored);
        }
        return Err(SubmitError::Closed(round.join_code.clone(), refusal));
    }
    let concerns = state
        .safeguarding
        .check(&round.survey, &answers, written_in);
    let allowance = throttle::allowance(
        SUBMISSIONS_PER_ROUND,
        &format!("{source}:{}", round.round_id),
    );
    let at = allowance.at;
    let written = state
        .db
        .store_response(
            round,
            client_id,
            &answers,
            language,
            &concerns,
            start_of_day(at),
            Counted {
                allowance: Some(allowance.clone()),
                marks,
            },
        )
        .await?;
    let counted = match &written {
        Written::Stored => "stored",
        Written::AlreadyStored => "already_stored",
        Written::ClientIdReused => "client_id_reused",
        Written::OverAllowance(_) => "over_allowance",
    };
    metrics::counter!("heard_submissions_total", "outcome" => counted).increment(1);
    let outcome = match written {
        Written::Stored => StoreOutcome::Stored,
        Written::AlreadyStored => StoreOutcome::AlreadyStored,
        Written::ClientIdReused => return Err(SubmitError::ClientIdReused(client_id.to_owned())),
        Written::OverAllowance(per_second) => {
            let throttled =
                throttle::over_allowance(SUBMISSIONS_PER_ROUND, &allowance, &per_second);
            return Err(SubmitError::TooMany(throttled.seconds_left));
        }
    };
    // Never the answer text, nor the flagged words, at info level.
    tracing::info!(round = %round.round_name, ?outcome, flagged = !concerns.is_empty(), "response received");
    Ok(outcome)
}

/// Where typing `typed` on the start page leads: the survey, or back to the
/// start page with the reason.
pub async fn join_target(
    db: &Db,
    typed: &str,
    source: &str,
    language: Option<&Language>,
) -> Result<String, DbError> {
    // The language the start page was read in goes on with the young
    // person, to the survey or back to the start page.
    let (first, then) = match language {
        Some(language) => (format!("?lang={language}"), format!("&lang={language}")),
        None => (String::new(), String::new()),
    };
    Ok(match look_up(db, typed, source).await? {
        Lookup::Found(round) if round.is_open => format!("/survey/{}{first}", round.join_code),
        Lookup::Found(round) => format!("/?error=closed&code={}{then}", round.join_code),
        Lookup::Malformed => format!("/?error=format&code={}{then}", query_escape(typed)),
        Lookup::Unknown => format!("/?error=unknown&code={}{then}", query_escape(typed)),
        Lookup::Throttled(_) => format!("/?error=busy{then}"),
    })
}

/// What a typed join code leads to.
#[derive(Debug)]
pub enum Lookup {
    Found(Arc<RoundForCode>),
    /// Not a join code at all.
    Malformed,
    /// Well formed, but no round has it.
    Unknown,
    /// Too many wrong codes came from this source: not looked up.
    Throttled(Throttled),
}

/// Looks up a typed join code for `source` (a hashed network address).
///
/// A wrong code counts against the source, counted before it is answered
/// so that a burst of guesses cannot slip past the limit together. Over
/// the limit, every code gets "too many wrong codes" without being looked
/// up (the same answer, after the same work, so neither the answer nor its
/// timing tells a guesser anything), except a code that already worked
/// from this source today: the class keeps going while someone at its
/// router guesses. Right codes never count.
pub async fn look_up(db: &Db, typed: &str, source: &str) -> Result<Lookup, DbError> {
    let found = look_up_unmarked(db, typed, source).await?;
    if let Lookup::Found(round) = &found {
        throttle::remember(db, JOIN_CODE_WORKED, source, &round.join_code).await?;
    }
    Ok(found)
}

/// [`look_up`] without marking a code that worked: for a caller that
/// marks it with [`throttle::mark`] in a transaction of its own.
async fn look_up_unmarked(db: &Db, typed: &str, source: &str) -> Result<Lookup, DbError> {
    let code = JoinCode::parse(typed).ok();
    let allowed = match &code {
        Some(code) => may_use(db, source, code).await?,
        None => throttle::check(db, WRONG_JOIN_CODES, source).await?,
    };
    if let Err(throttled) = allowed {
        return Ok(Lookup::Throttled(throttled));
    }
    let round = match &code {
        Some(code) => db.round_for_join_code(code).await?,
        None => None,
    };
    let Some(round) = round else {
        let attempt = throttle::reserve(db, WRONG_JOIN_CODES, source).await?;
        if let Err(throttled) = attempt.outcome {
            attempt.forgive(db).await?;
            return Ok(Lookup::Throttled(throttled));
        }
        return Ok(if code.is_some() {
            Lookup::Unknown
        } else {
            Lookup::Malformed
        });
    };
    Ok(Lookup::Found(round))
}

/// What [`throttle::remember`] calls a join code that worked from a source.
const JOIN_CODE_WORKED: &str = "join-worked";

/// Whether `source` may use the code `code` now: it has failures to
/// spare, or the code already worked from it today. Decided before the
/// code is looked up, so a right code and a wrong one cost the same.
async fn may_use(db: &Db, source: &str, code: &JoinCode) -> Result<Result<(), Throttled>, DbError> {
    let room = throttle::check(db, WRONG_JOIN_CODES, source).await?;
    if room.is_err()
        && throttle::seen_recently(
            db,
            JOIN_CODE_WORKED,
            source,
            code.as_str(),
            JOIN_CODE_REMEMBERED_SECONDS,
        )
        .await?
    {
        return Ok(Ok(()));
    }
    Ok(room)
}

/// Applies a posted survey form. `Ok(None)` when the code leads nowhere.
pub async fn take_step(
    state: &AppState,
    code: &str,
    fields: &[(String, String)],
    asked_language: Option<&str>,
    accept_language: &str,
    source: &str,
) -> Result<Option<StepOutcome>, DbError> {
    // An unknown, closed or throttled code: the screen rendered next says
    // which, and counts a wrong code once (see `load_survey_state`).
    let Ok(code) = JoinCode::parse(code) else {
        return Ok(None);
    };
    if may_use(&state.db, source, &code).await?.is_err() {
        return Ok(None);
    }
    let Some(round) = state
        .db
        .round_for_join_code(&code)
        .await?
        .filter(|r| r.is_open)
    else {
        return Ok(None);
    };
    let (progress, nav) = match Progress::from_form(fields) {
        Ok(read) => read,
        Err(error) => {
            tracing::warn!(%error, "unreadable survey form");
            return Ok(Some(StepOutcome::Unreadable));
        }
    };
    // The survey as this young person reads it (the form's address names
    // the language its screens were drawn in).
    let language = round
        .survey
        .languages
        .for_request(asked_language, accept_language)
        .clone();
    let shown = languages::translated(&round.survey, &language);
    Ok(Some(match progress.advance(nav, &shown) {
        Step::Show(progress) => StepOutcome::Show(progress),
        Step::Send(progress) => {
            let submitted = progress.answers.clone().into_iter();
            // A plain form is sent the moment it is finished: nothing late.
            let late = LateProof {
                token: OpenToken::Missing,
                finished_at: None,
            };
            match save_response(
                state,
                &round,
                &progress.client_id,
                submitted,
                (&language, &language),
                source,
                late,
                Vec::new(),
            )
            .await
            {
                Ok(_) => StepOutcome::Sent {
                    receipt: Receipt::for_client_id(&progress.client_id).map(|r| r.to_string()),
                },
                Err(SubmitError::Db(error)) => return Err(error),
                Err(error) => {
                    tracing::warn!(%error, "survey form answers refused");
                    let words =
                        super::words::Words::for_page(&language, round.survey.questions.len());
                    StepOutcome::NotSent {
                        progress,
                        message: words.get("not-sent").to_owned(),
                    }
                }
            }
        }
    }))
}

/// The survey state to show after a step's outcome (none: a fresh start).
pub fn state_for(
    code: &JoinCode,
    survey: Survey,
    language: Language,
    offered: Vec<Language>,
    words: super::words::Words,
    outcome: Option<StepOutcome>,
    open_token: String,
) -> SurveyState {
    let fresh_id = || uuid::Uuid::new_v4().to_string();
    let (progress, stage, receipt) = match outcome {
        None => (Progress::start(fresh_id()), Stage::Answering, None),
        Some(StepOutcome::Show(progress)) => (progress, Stage::Answering, None),
        Some(StepOutcome::NotSent { progress, message }) => {
            (progress, Stage::Problem(message), None)
        }
        Some(StepOutcome::Unreadable) => (
            Progress::start(fresh_id()),
            Stage::Problem(words.get("unreadable").to_owned()),
            None,
        ),
        // The next young person starts afresh, with an id of their own.
        Some(StepOutcome::Sent { receipt }) => (Progress::start(fresh_id()), Stage::Sent, receipt),
    };
    SurveyState {
        code: code.to_string(),
        survey,
        language,
        offered,
        words,
        progress,
        stage,
        receipt,
        open_token: Some(open_token),
    }
}

pub(crate) fn query_escape(text: &str) -> String {
    text.chars()
        .take(20)
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}
