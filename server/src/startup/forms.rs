//! The young person's plain routes: joining with a code, each survey
//! screen as a form post (no JavaScript needed), and the JSON endpoint that
//! tablets send finished surveys to.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use heard_app::collect::submit;
use heard_app::db::StoreOutcome;
use heard_app::domain::languages::Language;
use heard_app::shell;
use heard_app::state::AppState;
use leptos::prelude::*;
use serde_json::json;
use std::collections::HashMap;

/// The largest form or JSON body accepted: a whole survey of long answers
/// fits many times over.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// `POST /join`: the start page's form. Sends the young person to their
/// survey, or back with the reason. A POST, so that only Heard's own start
/// page can ask (cross-site posts are refused): a wrong code counts
/// against the network it came from.
pub async fn join(State(state): State<AppState>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 4096).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The form was too large.").into_response();
    };
    let Ok(fields) = serde_urlencoded_fields(&bytes) else {
        return (StatusCode::BAD_REQUEST, "The form could not be read.").into_response();
    };
    let typed = fields
        .iter()
        .find(|(name, _)| name == "code")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    // A tag only (letters, digits and dashes), so it goes into the
    // address as it is.
    let language = fields
        .iter()
        .find(|(name, _)| name == "lang")
        .and_then(|(_, value)| Language::parse(value).ok());
    let source = state.source_of(&parts);
    match submit::join_target(&state.db, typed, &source, language.as_ref()).await {
        Ok(target) => Redirect::to(&target).into_response(),
        Err(error) => {
            tracing::error!(%error, "join code lookup failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /join?code=...`: an old link or bookmark. Looks nothing up (a GET
/// can be sent by any page, and must not count wrong codes): it fills in
/// the start page, where pressing Start joins.
pub async fn join_link(Query(query): Query<HashMap<String, String>>) -> Response {
    let typed = query.get("code").map(String::as_str).unwrap_or_default();
    let escaped: String = form_urlencoded::byte_serialize(typed.as_bytes()).collect();
    Redirect::to(&format!("/?code={escaped}")).into_response()
}

/// `POST /survey/CODE`: a survey screen's form. Moves one step (storing the
/// answers when sent) and renders the screen it leads to, in full, so that
/// no JavaScript is needed.
pub async fn survey_step(
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
    let source = state.source_of(&parts);
    // The screens' forms name their language in the address (`?lang=cy`).
    let asked_language = parts.uri.query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "lang")
            .map(|(_, value)| value.into_owned())
    });
    let accept_language = parts
        .headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let outcome = match submit::take_step(
        &state,
        &code,
        &fields,
        asked_language.as_deref(),
        accept_language,
        &source,
    )
    .await
    {
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
pub async fn receive_response(State(state): State<AppState>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let source = state.source_of(&parts);
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
            let mut response = json_error(status, error.to_string());
            // A throttled tablet waits as long as it is told, not less.
            if let Some(seconds) = error.retry_after() {
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(seconds.max(1)),
                );
            }
            response
        }
    }
}

/// Reads an `application/x-www-form-urlencoded` body, keeping repeated names.
fn serde_urlencoded_fields(bytes: &[u8]) -> Result<Vec<(String, String)>, ()> {
    let text = std::str::from_utf8(bytes).map_err(|_| ())?;
    Ok(form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect())
}
