//! File downloads: a survey's file, a round's report and comparisons (as
//! its reader may see them), and for workers its responses and REFI-QDA
//! project. Each is the same use case the page and `heard` call, behind the
//! same authorisation check.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use heard_app::db::{DbError, RoundWithSurvey};
use heard_app::domain::account::Role;
use heard_app::domain::audit::AuditEvent;
use heard_app::domain::summary::Summary;
use heard_app::error::AppError;
use heard_app::state::AppState;
use heard_app::use_cases::{self, UseCaseError};

/// A download refused or failed: answered with the status of
/// [`AppError::status`] and a message that says what to do, never why in
/// detail.
pub struct Refusal(AppError);

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        Refusal(error)
    }
}

impl From<UseCaseError> for Refusal {
    fn from(error: UseCaseError) -> Self {
        Refusal(error.into())
    }
}

impl From<DbError> for Refusal {
    fn from(error: DbError) -> Self {
        Refusal(error.into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = match self.0 {
            AppError::NotLoggedIn => "Please log in.".to_owned(),
            AppError::Forbidden => "Your account cannot do that.".to_owned(),
            AppError::NotFound => {
                "There is no such thing here, or the link has expired.".to_owned()
            }
            other => other.to_string(),
        };
        (status, message).into_response()
    }
}

type Download = Result<Response, Refusal>;

/// `GET /surveys/SLUG/survey.toml`: a survey's file, for workers.
pub async fn survey_file(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Download {
    heard_app::auth::require_for_headers(&state, &headers, Role::Worker).await?;
    let Some((_, survey)) = state.db.survey_by_slug(&slug).await? else {
        return Ok((StatusCode::NOT_FOUND, "There is no such survey.").into_response());
    };
    Ok(download(
        &format!("{}.toml", survey.slug),
        "application/toml; charset=utf-8",
        heard_app::domain::survey_file::write(&survey).into_bytes(),
    ))
}

/// What a translators' sheet is asked for.
#[derive(Debug, serde::Deserialize)]
pub struct SheetQuery {
    /// Languages to add an empty column for, as tags separated by commas.
    add: Option<String>,
}

/// `GET /surveys/SLUG/translations.csv[?add=cy,pl]`: the sheet for
/// translators (see `domain::languages::translators_sheet`), for workers.
pub async fn translators_sheet(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<SheetQuery>,
    headers: HeaderMap,
) -> Download {
    use heard_app::domain::languages::{Language, translators_sheet};
    heard_app::auth::require_for_headers(&state, &headers, Role::Worker).await?;
    let Some((_, survey)) = state.db.survey_by_slug(&slug).await? else {
        return Ok((StatusCode::NOT_FOUND, "There is no such survey.").into_response());
    };
    let mut add = Vec::new();
    for tag in query.add.iter().flat_map(|tags| tags.split([',', ' '])) {
        if tag.trim().is_empty() {
            continue;
        }
        match Language::parse(tag) {
            Ok(language) => add.push(language),
            Err(problem) => return Ok((StatusCode::BAD_REQUEST, problem).into_response()),
        }
    }
    Ok(download(
        &format!("{}-translations.csv", survey.slug),
        "text/csv; charset=utf-8",
        translators_sheet(&survey, &add).into_bytes(),
    ))
}

/// What a summary download is asked for.
#[derive(Debug, serde::Deserialize)]
pub struct SummaryQuery {
    /// Break down by this about-you question.
    by: Option<String>,
    /// `viewer`: a worker asks for what viewers see.
    view: Option<String>,
    /// A share link's token, for readers without an account.
    share: Option<String>,
    /// The question of a comparison.
    question: Option<String>,
}

/// A round's summary for the reader of `headers`.
async fn summary_for(
    state: &AppState,
    round_id: &str,
    query: &SummaryQuery,
    headers: &HeaderMap,
    file: &str,
) -> Result<Summary, Refusal> {
    let reader = heard_app::auth::summary_reader_for_headers(
        state,
        headers,
        round_id,
        query.share.as_deref(),
        query.view.as_deref() == Some("viewer"),
    )
    .await?;
    let summary =
        use_cases::reports::summary(&state.db, round_id, reader.audience, query.by.as_deref())
            .await?;
    let who = reader
        .user
        .as_ref()
        .map_or("(share link)", |user| user.email.as_str());
    record_export(state, who, file, &summary.round_name).await?;
    Ok(summary)
}

/// `GET /rounds/ID/report.csv`: the summary's figures, as its reader may see them.
pub async fn report(
    State(state): State<AppState>,
    Path(round_id): Path<String>,
    Query(query): Query<SummaryQuery>,
    headers: HeaderMap,
) -> Download {
    use heard_app::domain::report_output::{report_table, report_text_columns};
    let summary = summary_for(&state, &round_id, &query, &headers, "report.csv").await?;
    Ok(csv_download(
        &format!("{}-report.csv", summary.round_name),
        report_table(&summary.questions).to_csv(&report_text_columns(summary.by.is_some())),
    ))
}

/// `GET /rounds/ID/compare.csv?question=KEY`: a question across this and
/// earlier rounds.
pub async fn comparison(
    State(state): State<AppState>,
    Path(round_id): Path<String>,
    Query(query): Query<SummaryQuery>,
    headers: HeaderMap,
) -> Download {
    use heard_app::domain::report_output::comparison_table;
    let summary = summary_for(&state, &round_id, &query, &headers, "compare.csv").await?;
    let key = query.question.as_deref().unwrap_or_default();
    Ok(match summary.comparisons.iter().find(|c| c.key == key) {
        Some(found) => csv_download(
            &format!("{}-{key}-comparison.csv", summary.round_name),
            comparison_table(&found.comparison).to_csv(&[0]),
        ),
        None => (
            StatusCode::NOT_FOUND,
            "There is no comparison of that question: it needs an earlier round with enough answers.",
        )
            .into_response(),
    })
}

/// `GET /rounds/ID/responses.csv`: a round's responses with their coding,
/// for workers (viewers never see answers).
pub async fn responses(
    State(state): State<AppState>,
    Path(round_id): Path<String>,
    headers: HeaderMap,
) -> Download {
    use heard_app::domain::exports::{responses_table, responses_text_columns};
    let found = round_for_worker(&state, &headers, &round_id, "responses.csv").await?;
    let rows = state.db.export_rows(&round_id).await?;
    Ok(csv_download(
        &format!("{}-{}-responses.csv", found.survey.slug, found.round.name),
        responses_table(&found.survey, &rows).to_csv(&responses_text_columns(&found.survey)),
    ))
}

/// `GET /rounds/ID/project.qdpx`: the round as a REFI-QDA project, for
/// workers (it holds the free text, like the responses download).
pub async fn project(
    State(state): State<AppState>,
    Path(round_id): Path<String>,
    headers: HeaderMap,
) -> Download {
    let found = round_for_worker(&state, &headers, &round_id, "project.qdpx").await?;
    let project = state
        .db
        .round_project(&found.survey_id, &found.survey, &found.round)
        .await?;
    let bytes = heard_app::domain::qdpx::to_qdpx(&project).map_err(|error| {
        tracing::error!(%error, "project download failed");
        AppError::Internal
    })?;
    Ok(download(
        &format!("{}-{}.qdpx", found.survey.slug, found.round.name),
        "application/zip",
        bytes,
    ))
}

/// A round and its survey for a worker's download (not logged in, not a
/// worker, or no such round: refused).
async fn round_for_worker(
    state: &AppState,
    headers: &HeaderMap,
    round_id: &str,
    file: &str,
) -> Result<RoundWithSurvey, Refusal> {
    let user = heard_app::auth::require_for_headers(state, headers, Role::Worker).await?;
    let found = state
        .db
        .round_with_survey(round_id)
        .await?
        .ok_or(Refusal(AppError::NotFound))?;
    record_export(state, &user.email, file, &found.round.name).await?;
    Ok(found)
}

/// Puts a download of answers or figures in the audit log.
async fn record_export(
    state: &AppState,
    who: &str,
    file: &str,
    round: &str,
) -> Result<(), Refusal> {
    let event = AuditEvent::Exported {
        what: format!("{file} of round {round}"),
    };
    state.db.record_audit(who, &event).await?;
    Ok(())
}

fn csv_download(name: &str, body: String) -> Response {
    download(name, "text/csv; charset=utf-8", body.into_bytes())
}

/// A file to save, under a name with nothing but letters, digits, `-` and `.`.
fn download(name: &str, content_type: &str, body: Vec<u8>) -> Response {
    let safe_name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}
