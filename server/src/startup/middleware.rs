//! What every server function's request and answer pass through: a body
//! limit read before the function runs, and the HTTP status of an error.

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use heard_app::domain::account::Role;
use heard_app::error::AppError;
use heard_app::state::AppState;
use leptos::server_fn::ServerFn;

/// The path of the browser import, the one server function that takes
/// files.
fn import_path() -> &'static str {
    <heard_app::staff::ImportResponsesFile as ServerFn>::PATH
}

/// Whether `path` is a server function's (the JSON endpoint under
/// `/api/v1/` is a plain route with limits of its own).
fn is_server_fn(path: &str) -> bool {
    path.starts_with("/api/") && !path.starts_with("/api/v1/")
}

/// The largest body a server function takes, except the browser import.
const SERVER_FN_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The largest body a server function takes from someone not logged in.
const PUBLIC_SERVER_FN_BODY_BYTES: usize = 16 * 1024;

/// The browser import's body: a file of up to `MAX_FILE_BYTES`, as JSON
/// text (escaping can make it longer).
const IMPORT_BODY_BYTES: usize = 2 * heard_app::staff::MAX_FILE_BYTES + 64 * 1024;

/// Runs before every server function: refuses one that needs a session
/// when the request has none (401, before its body is read), then reads
/// the body up to its limit: 16 KB without a session, 2 MB with one, or,
/// for the browser import and only for a logged-in worker, room for a
/// 20 MB file. Anything larger gets a 413
/// that the page shows as a message. Which role may do what is still for
/// each function's own [`heard_app::auth::require`].
pub async fn limit_server_fn_bodies(
    State(state): State<AppState>,
    request: Request<Body>,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    if !is_server_fn(path) {
        return next.run(request).await;
    }
    let is_import = path == import_path();
    let public = heard_app::auth::is_public_server_fn(path);
    let (mut parts, body) = request.into_parts();
    let user = match heard_app::auth::user_for_headers(&state, &parts.headers).await {
        Ok(user) => user,
        Err(error) => return error_response(error),
    };
    parts
        .extensions
        .insert(heard_app::auth::SessionLookedUp(user.clone()));
    if user.is_none() && !public {
        // A form posted without JavaScript goes to the login page, as the
        // page it came from would have sent it; a script gets the 401.
        let plain_form = parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
        if plain_form {
            return axum::response::Redirect::to("/login").into_response();
        }
        return error_response(AppError::NotLoggedIn);
    }
    let limit = match &user {
        Some(user) if is_import && user.role.allows(Role::Worker) => IMPORT_BODY_BYTES,
        Some(_) => SERVER_FN_BODY_BYTES,
        // Logging in, a survey's state, a shared summary: a few fields.
        None => PUBLIC_SERVER_FN_BODY_BYTES,
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
            let mut response = error_response(AppError::BadInput(message));
            *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            response
        }
    }
}

/// An error answered as a server function answers it: its JSON, with the
/// status of [`AppError::status`].
fn error_response(error: AppError) -> Response {
    (
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(&error).unwrap_or_default(),
    )
        .into_response()
}

/// The most of an error's body read to find its status (Heard's errors
/// are a sentence or two; this is far beyond any).
const ERROR_BODY_BYTES: usize = 1024 * 1024;

/// Gives a server function's error the status [`AppError::status`] says.
/// Leptos answers every error with 500; a refusal or bad input is not the
/// server's fault, and callers (and the tests) read the status.
pub async fn status_of_server_fn_errors(
    request: Request<Body>,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    if !is_server_fn(path) {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_BODY_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// How long a request may take to arrive and be answered.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// The browser import's: a file of up to 20 MB over a school's uplink.
const IMPORT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Answers 408 to a request not handled within its time (see
/// `REQUEST_TIMEOUT`), so a slow client cannot hold a connection.
pub async fn time_limit(request: Request<Body>, next: axum::middleware::Next) -> Response {
    let limit = if request.uri().path() == import_path() {
        IMPORT_TIMEOUT
    } else {
        REQUEST_TIMEOUT
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            "The request took too long to arrive. Check the connection and try again.",
        )
            .into_response(),
    }
}
