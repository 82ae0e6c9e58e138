//! Builds and runs the web server. `router` is separate from `serve` so the
//! whole application can be assembled without a socket.

use crate::demo;
use anyhow::Context;
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use heard_app::collect::submit;
use heard_app::db::{Db, StoreOutcome, redact_password};
use heard_app::domain::account::Role;
use heard_app::domain::safeguarding::SafeguardingList;
use heard_app::error::AppError;
use heard_app::state::AppState;
use heard_app::{App, shell};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What `heard serve` needs to know.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub database_url: String,
    pub addr: String,
    pub site_root: String,
    pub secure_cookies: bool,
    pub demo: bool,
    /// Replaces the default safeguarding words (one per line).
    pub safeguarding_words: Option<std::path::PathBuf>,
    /// School names to redact in quotes (one per line).
    pub school_names: Option<std::path::PathBuf>,
    /// Place names to redact in quotes (one per line).
    pub place_names: Option<std::path::PathBuf>,
    /// The address tablets reach Heard at, for links and QR codes.
    pub public_url: Option<String>,
    /// Believe the last X-Forwarded-For entry (behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

/// The school and place names to propose redacting in quotes, from files
/// of one name per line (none when not configured).
pub fn load_redaction_lists(
    schools: Option<&std::path::Path>,
    places: Option<&std::path::Path>,
) -> anyhow::Result<heard_app::domain::redact::RedactionLists> {
    use heard_app::domain::redact::RedactionLists;
    let read = |path: Option<&std::path::Path>| -> anyhow::Result<Vec<String>> {
        match path {
            None => Ok(Vec::new()),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("could not read the names in {}", path.display()))?;
                Ok(RedactionLists::parse_list(&text))
            }
        }
    };
    Ok(RedactionLists {
        schools: read(schools)?,
        places: read(places)?,
    })
}

/// The safeguarding word list: Heard's own, or the one in `path`.
pub fn load_safeguarding(path: Option<&std::path::Path>) -> anyhow::Result<SafeguardingList> {
    let safeguarding = match path {
        None => SafeguardingList::default(),
        Some(path) => {
            let list = std::fs::read_to_string(path).with_context(|| {
                format!(
                    "could not read the safeguarding words in {}",
                    path.display()
                )
            })?;
            SafeguardingList::parse(&list)
        }
    };
    anyhow::ensure!(
        !safeguarding.is_empty(),
        "the safeguarding word list is empty"
    );
    Ok(safeguarding)
}

/// Opens the database, seeds the demo survey if asked, and serves until
/// Ctrl-C or SIGTERM.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let safeguarding = load_safeguarding(config.safeguarding_words.as_deref())?;
    tracing::info!(words = safeguarding.len(), "safeguarding list ready");
    let db = Db::connect(&config.database_url).await?;
    tracing::info!(database = %redact_password(&config.database_url), "database ready");
    if config.demo
        && let Some(code) = demo::seed_if_empty(&db).await?
    {
        tracing::info!(join_code = %code, round = demo::DEMO_ROUND, "added the demo survey");
    }
    for round in db.list_rounds().await? {
        if round.is_open {
            tracing::info!(survey = %round.survey_slug, round = %round.round_name, join_code = %round.join_code, "round open");
        }
    }
    let listener = TcpListener::bind(&config.addr)
        .await
        .with_context(|| format!("could not listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    let leptos_options = LeptosOptions::builder()
        .output_name("heard")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let state = AppState {
        db,
        leptos_options,
        secure_cookies: config.secure_cookies,
        safeguarding: Arc::new(safeguarding),
        redaction: Arc::new(load_redaction_lists(
            config.school_names.as_deref(),
            config.place_names.as_deref(),
        )?),
        public_url: config.public_url.clone(),
        trust_forwarded_for: config.trust_forwarded_for,
    };
    let state_db = state.db.clone();
    let app = router(state);
    // Tests and scripts read the real port from this line.
    tracing::info!("listening on http://{addr}");
    forget_old_failure_counts(state_db.clone());
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the server stopped with an error")?;
    tracing::info!("stopped");
    Ok(())
}

/// The whole application: plain-form routes, Leptos pages and server
/// functions, and static files.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .route("/join", get(join))
        .route("/survey/{code}", post(survey_step))
        .route("/api/v1/responses", post(receive_response))
        .route("/surveys/{slug}/survey.toml", get(download_survey))
        .route("/rounds/{id}/report.csv", get(download_report))
        .route("/rounds/{id}/compare.csv", get(download_comparison))
        .route("/rounds/{id}/responses.csv", get(download_responses))
        .route("/rounds/{id}/project.qdpx", get(download_project))
        .leptos_routes_with_context(&state, routes, context.clone(), render_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        // Tablets on a school's wifi: the wasm goes from about 1 MB to a
        // third of that.
        .layer(tower_http::compression::CompressionLayer::new())
        // Bodies are limited by `limit_server_fn_bodies` (and by each plain
        // route itself), not by axum's one 2 MB default for everything.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_server_fn_bodies,
        ))
        .with_state(state)
}

/// The largest body a server function takes, except the browser import.
const SERVER_FN_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The browser import's body: a file of up to `MAX_FILE_BYTES`, as JSON
/// text (escaping can make it longer).
const IMPORT_BODY_BYTES: usize = 2 * heard_app::code::MAX_FILE_BYTES + 64 * 1024;

/// Reads a server function's body up to its limit before the function
/// runs: 2 MB, or, for the browser import and only for a logged-in
/// worker, room for a 20 MB file. Anything larger gets a 413 that the page
/// shows as a message.
async fn limit_server_fn_bodies(
    State(state): State<AppState>,
    request: Request<Body>,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") || path.starts_with("/api/v1/") {
        return next.run(request).await;
    }
    let is_import = path == "/api/import_responses_file";
    let (parts, body) = request.into_parts();
    let limit = if is_import
        && heard_app::auth::require_for_headers(&state.db, &parts.headers, Role::Worker)
            .await
            .is_ok()
    {
        IMPORT_BODY_BYTES
    } else {
        SERVER_FN_BODY_BYTES
    };
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => {
            let message = format!(
                "That is more than Heard takes at once ({} MB).{}",
                limit / (1024 * 1024),
                if is_import {
                    " Import a file this large with `heard import responses` on the server."
                } else {
                    ""
                }
            );
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                serde_json::to_string(&AppError::BadInput(message)).unwrap_or_default(),
            )
                .into_response()
        }
    }
}

/// `GET /join?code=...`: the start page's form. Sends the young person to
/// their survey, or back with the reason.
async fn join(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Request<Body>,
) -> Response {
    let typed = query.get("code").map(String::as_str).unwrap_or_default();
    let source = source_of(&state, &request.into_parts().0);
    match submit::join_target(&state.db, typed, &source).await {
        Ok(target) => Redirect::to(&target).into_response(),
        Err(error) => {
            tracing::error!(%error, "join code lookup failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `POST /survey/CODE`: a survey screen's form. Moves one step (storing the
/// answers when sent) and renders the screen it leads to, in full, so that
/// no JavaScript is needed.
async fn survey_step(
    State(state): State<AppState>,
    Path(code): Path<String>,
    request: Request<Body>,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The form was too large.").into_response();
    };
    let Ok(fields) = serde_urlencoded_fields(&bytes) else {
        return (StatusCode::BAD_REQUEST, "The form could not be read.").into_response();
    };
    let source = source_of(&state, &parts);
    let outcome = match submit::take_step(&state, &code, &fields, &source).await {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::error!(%error, "survey step failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let render = leptos_axum::render_app_async_with_context(
        {
            let state = state.clone();
            move || {
                provide_context(state.clone());
                if let Some(outcome) = outcome.clone() {
                    provide_context(outcome);
                }
            }
        },
        {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        },
    );
    render(Request::from_parts(parts, Body::empty())).await
}

/// `POST /api/v1/responses`: a finished survey as JSON (see README). 201
/// when stored, 200 for an identical repeat, 4xx with `{"error": ...}`.
async fn receive_response(State(state): State<AppState>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let source = source_of(&state, &parts);
    let json_error = |status: StatusCode, message: String| {
        (status, Json(json!({ "error": message }))).into_response()
    };
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is over {MAX_BODY_BYTES} bytes"),
        );
    };
    match submit::receive_json(&state, &bytes, &source).await {
        Ok(StoreOutcome::Stored) => {
            (StatusCode::CREATED, Json(json!({ "status": "stored" }))).into_response()
        }
        Ok(_) => (StatusCode::OK, Json(json!({ "status": "already stored" }))).into_response(),
        Err(error) => {
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status.is_server_error() {
                tracing::error!(%error, "storing a response failed");
            }
            json_error(status, error.to_string())
        }
    }
}

/// `GET /surveys/SLUG/survey.toml`: a survey's file, for workers.
async fn download_survey(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Err(error) =
        heard_app::auth::require_for_headers(&state.db, &headers, Role::Worker).await
    {
        return refusal(error);
    }
    match state.db.survey_by_slug(&slug).await {
        Ok(Some((_, survey))) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/toml; charset=utf-8".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.toml\"", survey.slug),
                ),
            ],
            heard_app::domain::survey_file::write(&survey),
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "There is no such survey.").into_response(),
        Err(error) => {
            tracing::error!(%error, "survey download failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// What a summary download is asked for.
#[derive(Debug, serde::Deserialize)]
struct SummaryQuery {
    /// Break down by this about-you question.
    by: Option<String>,
    /// `viewer`: a worker asks for what viewers see.
    view: Option<String>,
    /// A share link's token, for readers without an account.
    share: Option<String>,
    /// The question of a comparison.
    question: Option<String>,
}

/// A round's summary for the reader of `headers`, or the response refusing it.
async fn summary_for(
    state: &AppState,
    round_id: &str,
    query: &SummaryQuery,
    headers: &axum::http::HeaderMap,
) -> Result<heard_app::domain::summary::Summary, Response> {
    let reader = heard_app::auth::summary_reader_for_headers(
        &state.db,
        headers,
        round_id,
        query.share.as_deref(),
        query.view.as_deref() == Some("viewer"),
    )
    .await
    .map_err(refusal)?;
    heard_app::report::build_summary(&state.db, round_id, reader.audience, query.by.as_deref())
        .await
        .map_err(refusal)
}

/// The response for a download the authorisation check or the summary
/// refused: what to do, never why in detail.
fn refusal(error: AppError) -> Response {
    match error {
        AppError::NotLoggedIn => (StatusCode::UNAUTHORIZED, "Please log in.").into_response(),
        AppError::Forbidden => {
            (StatusCode::FORBIDDEN, "Your account cannot do that.").into_response()
        }
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            "There is no such thing here, or the link has expired.",
        )
            .into_response(),
        AppError::BadInput(message) => (StatusCode::BAD_REQUEST, message).into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
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
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /rounds/ID/report.csv`: the summary's figures, as its reader may see them.
async fn download_report(
    State(state): State<AppState>,
    Path(round_id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<SummaryQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    use heard_app::domain::report_output::{report_table, report_text_columns};
    match summary_for(&state, &round_id, &query, &headers).await {
        Ok(summary) => csv_download(
            &format!("{}-report.csv", summary.round_name),
            report_table(&summary.questions).to_csv(&report_text_columns(summary.by.is_some())),
        ),
        Err(response) => response,
    }
}

/// `GET /rounds/ID/compare.csv?question=KEY`: a question across this and
/// earlier rounds.
async fn download_comparison(
    State(state): State<AppState>,
    Path(round_id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<SummaryQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    use heard_app::domain::report_output::comparison_table;
    let summary = match summary_for(&state, &round_id, &query, &headers).await {
        Ok(summary) => summary,
        Err(response) => return response,
    };
    let key = query.question.as_deref().unwrap_or_default();
    match summary.comparisons.iter().find(|c| c.key == key) {
        Some(found) => csv_download(
            &format!("{}-{key}-comparison.csv", summary.round_name),
            comparison_table(&found.comparison).to_csv(&[0]),
        ),
        None => (
            StatusCode::NOT_FOUND,
            "There is no comparison of that question: it needs an earlier round with enough answers.",
        )
            .into_response(),
    }
}

/// `GET /rounds/ID/responses.csv`: a round's responses with their coding,
/// for workers (viewers never see answers).
async fn download_responses(
    State(state): State<AppState>,
    Path(round_id): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    use heard_app::domain::exports::{responses_table, responses_text_columns};
    let found = match round_for_worker(&state, &headers, &round_id).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    match state.db.export_rows(&round_id).await {
        Ok(rows) => csv_download(
            &format!("{}-{}-responses.csv", found.survey.slug, found.round.name),
            responses_table(&found.survey, &rows).to_csv(&responses_text_columns(&found.survey)),
        ),
        Err(error) => {
            tracing::error!(%error, "responses download failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A round and its survey for a worker's download, or the response that
/// refuses it (not logged in, not a worker, no such round).
async fn round_for_worker(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    round_id: &str,
) -> Result<heard_app::db::RoundWithSurvey, Response> {
    heard_app::auth::require_for_headers(&state.db, headers, Role::Worker)
        .await
        .map_err(refusal)?;
    match state.db.round_with_survey(round_id).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err((StatusCode::NOT_FOUND, "There is no such round.").into_response()),
        Err(error) => {
            tracing::error!(%error, "round lookup for a download failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// `GET /rounds/ID/project.qdpx`: the round as a REFI-QDA project, for
/// workers (it holds the free text, like the responses download).
async fn download_project(
    State(state): State<AppState>,
    Path(round_id): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let found = match round_for_worker(&state, &headers, &round_id).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let packed = match state
        .db
        .round_project(&found.survey_id, &found.survey, &found.round)
        .await
    {
        Ok(project) => heard_app::domain::qdpx::to_qdpx(&project).map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    };
    match packed {
        Ok(bytes) => download(
            &format!("{}-{}.qdpx", found.survey.slug, found.round.name),
            "application/zip",
            bytes,
        ),
        Err(error) => {
            tracing::error!(%error, "project download failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Who a request counts against for throttling: its network address, hashed.
fn source_of(state: &AppState, parts: &axum::http::request::Parts) -> String {
    heard_app::throttle::address_source(heard_app::throttle::client_address(
        parts,
        state.trust_forwarded_for,
    ))
}

/// The largest form or JSON body accepted: a whole survey of long answers
/// fits many times over.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// Reads an `application/x-www-form-urlencoded` body, keeping repeated names.
fn serde_urlencoded_fields(bytes: &[u8]) -> Result<Vec<(String, String)>, ()> {
    let text = std::str::from_utf8(bytes).map_err(|_| ())?;
    Ok(form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect())
}

/// Throttling counts older than a day are of no use: drop them every few
/// minutes. Any instance may do it; doing it twice is harmless.
fn forget_old_failure_counts(db: Db) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            if let Err(error) = db.forget_hits_before(heard_app::db::now() - 86_400).await {
                tracing::warn!(%error, "could not forget old throttling counts");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
