//! The demo survey a new Heard starts with, so that the first start shows
//! something to answer.

use heard_app::db::Db;
use heard_app::domain::join_code::JoinCode;
use heard_app::domain::survey::Survey;
use heard_app::use_cases::UseCaseError;
use heard_app::use_cases::surveys::{Saved, save_survey};

/// Name of the demo survey's round.
pub const DEMO_ROUND: &str = "Summer 2024";

/// Adds the demo survey with an open round when the database has no survey.
/// Returns the round's join code when it was added.
pub async fn seed_if_empty(db: &Db) -> Result<Option<JoinCode>, UseCaseError> {
    if db.survey_count().await? > 0 {
        return Ok(None);
    }
    let survey_id = match save_survey(db, &Survey::demo()).await? {
        Saved::Created(id) | Saved::Updated(id) => id,
        Saved::Refused(problems) => return Err(UseCaseError::BadInput(problems.join("; "))),
    };
    Ok(Some(
        db.open_round(&survey_id, DEMO_ROUND, fresh_join_code)
            .await?,
    ))
}

pub use heard_app::db::fresh_join_code;
