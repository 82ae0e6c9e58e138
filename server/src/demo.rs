//! The demo survey a new Heard starts with, so that the first start shows
//! something to answer.

use heard_app::db::{Db, DbError};
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
    let survey_id = db.create_survey(&Survey::demo()).await?;
    let code = JoinCode::from_random(uuid_random());
    db.create_open_round(&survey_id, DEMO_ROUND, &code).await?;
    Ok(Some(code))
}

fn uuid_random() -> u64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    u64::from_le_bytes(bytes[..8].try_into().expect("a UUID has 16 bytes"))
}
