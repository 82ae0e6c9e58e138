//! Erasing what young people said: one response at their request (by the
//! receipt code they were shown), or a round's free text when its retention
//! date has passed or on demand. Every erasure is written to the audit log
//! by the database layer, in the same transaction as the erasure.

use super::{UseCaseError, round_by_name, survey_by_slug};
use crate::db::{Db, Erased};
use crate::domain::receipt::{Receipt, ReceiptLookup};

/// Reads a receipt code as a young person or admin typed it.
pub fn receipt(typed: &str) -> Result<Receipt, UseCaseError> {
    Receipt::parse(typed)
        .map_err(|e| UseCaseError::BadInput(format!("that code was not accepted: {e}")))
}

/// What a receipt code leads to, deleting nothing.
pub async fn find_by_receipt(
    db: &Db,
    typed: &str,
) -> Result<(Receipt, ReceiptLookup), UseCaseError> {
    let receipt = receipt(typed)?;
    let found = db.response_for_receipt(&receipt).await?;
    Ok((receipt, found))
}

/// Deletes the one response a receipt code leads to, all of it; a code two
/// responses share deletes nothing (see `ReceiptLookup::Ambiguous`).
pub async fn erase_by_receipt(
    db: &Db,
    typed: &str,
    who: &str,
) -> Result<(Receipt, ReceiptLookup), UseCaseError> {
    let receipt = receipt(typed)?;
    let erased = db.erase_by_receipt(&receipt, who).await?;
    if matches!(erased, ReceiptLookup::Found(_)) {
        tracing::info!(who, "response deleted by receipt code");
    }
    Ok((receipt, erased))
}

/// A round whose free text was erased, and what went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundErased {
    pub survey: String,
    pub round: String,
    pub erased: Erased,
}

/// Erases one round's free text now: answers become "[erased]" and keep
/// their coding, quotes go.
pub async fn erase_round_free_text(
    db: &Db,
    survey: &str,
    round: &str,
    who: &str,
) -> Result<RoundErased, UseCaseError> {
    let (survey_id, survey) = survey_by_slug(db, survey).await?;
    let round = round_by_name(db, &survey_id, &survey, round).await?;
    let erased = db
        .erase_free_text(&round.round_id, who, "on demand")
        .await?;
    Ok(RoundErased {
        survey: survey.slug,
        round: round.name,
        erased,
    })
}

/// Erases the free text of every round past its retention date.
pub async fn erase_due(db: &Db, who: &str) -> Result<Vec<RoundErased>, UseCaseError> {
    let mut done = Vec::new();
    for (round_id, survey, round) in db.rounds_due_for_erasure().await? {
        let erased = db
            .erase_free_text(&round_id, who, "retention date passed")
            .await?;
        done.push(RoundErased {
            survey,
            round,
            erased,
        });
    }
    Ok(done)
}
