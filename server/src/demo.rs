//! The demo survey a new Heard starts with, so that the first start shows
//! something to answer.

use heard_app::db::{Db, DbError, Imported};
use heard_app::domain::join_code::JoinCode;
use heard_app::domain::survey::Survey;

/// Name of the demo survey's round.
pub const DEMO_ROUND: &str = "Summer 2024";

/// Adds the demo survey with an open round when the database has no survey.
/// Returns the round's join code when it was added.
pub async fn seed_if_empty(db: &Db) -> Result<Option<JoinCode>, DbError> {
    if db.survey_count().await? > 0 {
        return Ok(None);
    }
    let survey_id = match db.import_survey(&Survey::demo()).await? {
        Imported::Created(id) | Imported::Updated(id) => id,
        Imported::Refused(problems) => return Err(DbError::Corrupt(problems.join("; "))),
    };
    Ok(Some(
        db.open_round(&survey_id, DEMO_ROUND, fresh_join_code)
            .await?,
    ))
}

pub use heard_app::db::fresh_join_code;
