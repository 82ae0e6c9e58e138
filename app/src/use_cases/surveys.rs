//! Saving a survey, from a file, the editor or a codebook import: created,
//! or updated unless the change would lose answers already given.

use super::UseCaseError;
use crate::db::Db;
use crate::domain::languages::{self, Language, Missing};
use crate::domain::survey::{Survey, orphaned_answers};

/// What saving a survey did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    /// A new survey, with its id.
    Created(String),
    /// The survey with the same slug, updated; its id.
    Updated(String),
    /// Nothing changed: these changes would orphan stored answers or
    /// remove themes answers are coded with.
    Refused(Vec<String>),
}

/// Creates `survey`, or updates the survey with its slug. The rule: an
/// update that would leave stored answers without their question or
/// option, change an answered question's kind, or remove a theme that
/// answers are coded with changes nothing and lists every such problem.
pub async fn save_survey(db: &Db, survey: &Survey) -> Result<Saved, UseCaseError> {
    let Some((survey_id, stored)) = db.survey_by_slug(&survey.slug).await? else {
        return Ok(Saved::Created(db.create_survey(survey).await?));
    };
    let mut problems = orphaned_answers(&stored, survey, &db.answered_values(&survey_id).await?);
    problems.extend(db.coded_themes_removed(&survey_id, survey).await?);
    if !problems.is_empty() {
        return Ok(Saved::Refused(problems));
    }
    db.update_survey(&survey_id, survey).await?;
    Ok(Saved::Updated(survey_id))
}

/// What importing a translators' sheet left: the languages the survey is
/// now offered in, and the texts still missing in each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translated {
    pub offered: Vec<Language>,
    pub missing: Vec<Missing>,
}

/// Takes a translators' sheet (`domain::languages::translators_sheet`
/// filled in) into survey `slug`: each language column replaces that
/// language's translation. All or nothing: a sheet with a problem changes
/// nothing and the error names the line or column.
pub async fn import_translations(
    db: &Db,
    slug: &str,
    sheet: &str,
) -> Result<Translated, UseCaseError> {
    let (_, mut survey) = super::survey_by_slug(db, slug).await?;
    survey.languages =
        languages::read_translators_sheet(&survey, sheet).map_err(UseCaseError::BadInput)?;
    match save_survey(db, &survey).await? {
        Saved::Refused(problems) => Err(UseCaseError::BadInput(problems.join("; "))),
        Saved::Created(_) | Saved::Updated(_) => Ok(Translated {
            offered: survey.languages.offered().into_iter().cloned().collect(),
            missing: languages::missing(&survey),
        }),
    }
}
