//! Bringing in what was collected elsewhere: responses typed up from paper
//! or exported from form tools, and codes done in other tools. All or
//! nothing: a file with any problem stores nothing.

use super::{UseCaseError, round_by_name, survey_by_slug};
use crate::db::Db;
use crate::domain::audit::AuditEvent;
use crate::domain::imports::{
    ColumnUse, ResponseRow, ResponsesImported, codes_by_answer, new_rows, read_codes,
    read_responses,
};
use crate::domain::safeguarding::{Concern, SafeguardingRules};
use std::collections::BTreeMap;

/// A file of responses to import, as a worker gives it.
#[derive(Clone, Debug)]
pub struct ResponsesImport<'a> {
    /// The survey's slug.
    pub survey: &'a str,
    /// The round's name; a new (closed) round is made if there is none.
    pub round: &'a str,
    pub file: &'a [u8],
    /// Column uses chosen by hand, by heading; other columns are guessed.
    pub mapping: BTreeMap<String, ColumnUse>,
    /// Check and count only; store nothing.
    pub dry_run: bool,
    /// Who imports, for the audit log.
    pub who: &'a str,
}

/// The longest round name, in characters.
pub const MAX_ROUND_NAME: usize = 100;

/// A round name as typed, trimmed: 1 to [`MAX_ROUND_NAME`] characters.
pub fn round_name(typed: &str) -> Result<&str, UseCaseError> {
    let name = typed.trim();
    if name.is_empty() || name.chars().count() > MAX_ROUND_NAME {
        return Err(UseCaseError::BadInput(format!(
            "give the round a name of 1 to {MAX_ROUND_NAME} characters, such as \"Summer 2025\""
        )));
    }
    Ok(name)
}

/// Checks a file of responses against its survey and, unless it is a dry
/// run, stores its new rows in the round, all or nothing. `progress` hears
/// `(stored, of)` after every batch; `checked` hears how many rows there are
/// once the file has been read.
pub async fn import_responses(
    db: &Db,
    safeguarding: &SafeguardingRules,
    import: ResponsesImport<'_>,
    checked: &(dyn Fn(usize) + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ResponsesImported, UseCaseError> {
    let round_name = round_name(import.round)?;
    let (survey_id, survey) = survey_by_slug(db, import.survey).await?;
    let file =
        read_responses(&survey, import.file, &import.mapping).map_err(UseCaseError::Problems)?;
    checked(file.rows.len());
    let round = db.round_named(&survey_id, round_name).await?;
    let stored = match &round {
        Some(round) => db.respondent_fingerprints(&round.round_id).await?,
        None => Default::default(),
    };
    let new = new_rows(&file, &stored, round_name).map_err(UseCaseError::Problems)?;
    let check = |rows: &[&ResponseRow]| -> Vec<Vec<Concern>> {
        rows.iter()
            .map(|row| {
                let language = row.language.as_ref().unwrap_or(&survey.languages.default);
                safeguarding.check(&survey, &row.answers, language)
            })
            .collect()
    };
    let mut outcome = ResponsesImported {
        rows: file.rows.len(),
        added: new.rows.len(),
        already_there: new.already_there,
        blank_rows: file.blank_rows,
        flagged: 0,
        new_round: round.is_none(),
        ignored_columns: file.ignored_columns.clone(),
        round_id: None,
    };
    if import.dry_run {
        // Checked on every core: nothing else is working.
        let concerns = crate::domain::parallel::by_parts(&new.rows, check);
        outcome.flagged = concerns.iter().filter(|c| !c.is_empty()).count();
        return Ok(outcome);
    }
    // Checked a batch at a time as the rows are stored, one core
    // checking while the other stores.
    let stored = db
        .store_imported_responses(
            &survey_id,
            round,
            round_name,
            &new.rows,
            &check,
            crate::db::fresh_join_code,
            progress,
        )
        .await;
    outcome.flagged = match stored {
        Ok(flagged) => flagged,
        // Checked against the round before storing, so only an import
        // into the same round at the same moment gets here.
        Err(crate::db::DbError::Query(error)) if crate::db::is_unique_violation(&error) => {
            return Err(UseCaseError::BadInput(format!(
                "nothing was stored: another import into round \"{round_name}\" stored some of \
                 the same respondents (or made the round) while this one ran; import the file \
                 again to add what is not there yet"
            )));
        }
        // SQLite: the other import held the database for longer than a
        // writer waits (`busy_timeout`).
        Err(crate::db::DbError::Query(error)) if crate::db::is_busy(&error) => {
            return Err(UseCaseError::BadInput(format!(
                "nothing was stored: the database was busy with another import or task for too \
                 long; import the file into round \"{round_name}\" again when it has finished"
            )));
        }
        Err(error) => return Err(error.into()),
    };
    // Stored and committed: a failure to look the round up now must not
    // make the import look failed, so it only loses the link to the round.
    outcome.round_id = match db.round_named(&survey_id, round_name).await {
        Ok(round) => round.map(|r| r.round_id),
        Err(error) => {
            tracing::warn!(%error, "could not find the round just imported into");
            None
        }
    };
    tracing::info!(
        survey = %survey.slug,
        added = outcome.added,
        "responses imported"
    );
    let event = AuditEvent::Imported {
        what: format!(
            "{} responses into round {round_name} of {}",
            outcome.added, survey.slug
        ),
    };
    db.record_audit(import.who, &event).await?;
    // Not published yet: its free text is not coded, and publishing it
    // now and again once coded would put the two side by side (README,
    // disclosure control rule 6). Importing its codes, closing the round
    // or a worker's Publish shows it to viewers.
    Ok(outcome)
}

/// Codes done elsewhere (`respondent,question,theme`), stored as the
/// answers' coding with its history, all or nothing. Returns how many rows
/// the file had and how many answers' coding changed.
pub async fn import_codes(
    db: &Db,
    survey: &str,
    round: &str,
    file: &[u8],
    who: &str,
) -> Result<(usize, usize), UseCaseError> {
    let (survey_id, survey) = survey_by_slug(db, survey).await?;
    let rows = read_codes(&survey, file).map_err(UseCaseError::Problems)?;
    let round = round_by_name(db, &survey_id, &survey, round).await?;
    let responses = db.response_ids_by_respondent(&round.round_id).await?;
    let answered = db.answers_held(&round.round_id).await?;
    let wanted = codes_by_answer(&rows, &responses, &answered, &round.name)
        .map_err(UseCaseError::Problems)?;
    let changed = db
        .store_imported_codes(&survey_id, &round.round_id, &wanted, who)
        .await?;
    let event = AuditEvent::Imported {
        what: format!(
            "codes for {changed} answers in round {} of {}",
            round.name, survey.slug
        ),
    };
    db.record_audit(who, &event).await?;
    // New coding for the same young people: viewers see it.
    super::reports::publish(db, &round.round_id, who).await?;
    Ok((rows.len(), changed))
}
