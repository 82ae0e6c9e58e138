//! Authentication and the one authorisation check.
//!
//! Every server function that reads or changes data starts with
//! [`require`]; nothing else decides who may do what. A young person has no
//! session: a join code lets its holder answer that round and read nothing
//! (see `collect`).
//!
//! Passwords are hashed with Argon2id at OWASP's parameters (19 MiB, 2
//! passes, 1 lane: the `argon2` crate's defaults). Sessions are random
//! 128-bit tokens in an HttpOnly, SameSite=Strict cookie; the database keeps
//! only their SHA-256, so every Heard instance can check any session.

use crate::db::{Db, SessionUser, StoredUser};
use crate::domain::account::{Password, Role};
use crate::error::AppError;
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Name of the session cookie over plain HTTP (on localhost).
pub const SESSION_COOKIE: &str = "heard_session";
/// Name of the session cookie over HTTPS: browsers take a `__Host-` cookie
/// only from this exact host, sent securely, for the whole site, so a
/// sibling subdomain cannot plant a session of its choosing.
pub const SECURE_SESSION_COOKIE: &str = "__Host-heard_session";

/// The session cookie's name: [`SECURE_SESSION_COOKIE`] when served over
/// HTTPS.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
/// How long a login lasts.
pub const SESSION_SECONDS: i64 = 12 * 60 * 60;

/// How many password checks run at once on one Heard instance (each
/// holds 19 MiB while it runs).
const CONCURRENT_PASSWORD_CHECKS: usize = 4;
static PASSWORD_CHECKS: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(CONCURRENT_PASSWORD_CHECKS);

/// Hashes a password for storage (PHC string with salt and parameters).
pub fn hash_password(password: &Password) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .expect("Argon2 with default parameters cannot fail on a salted hash")
        .to_string()
}

fn verify_password(stored_hash: &str, candidate: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|hash| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check against when the e-mail address is unknown, so a wrong
/// address takes as long as a wrong password and does not reveal accounts.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let decoy =
            Password::parse("decoy-password-never-matches".to_owned()).expect("long enough");
        hash_password(&decoy)
    })
}

/// A fresh session token (hex) and the hash stored for it.
fn new_session_token() -> (String, String) {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    let token = hex(&bytes);
    let hash = token_hash(&token);
    (token, hash)
}

fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `password` is `user`'s. An unknown account is checked against a
/// decoy hash, so it takes as long as a wrong password and does not reveal
/// which addresses have accounts.
pub async fn check_password(user: Option<&StoredUser>, password: &str) -> bool {
    let hash = user.map_or(decoy_hash(), |u| u.password_hash.as_str());
    // Argon2 takes tens of milliseconds of CPU and 19 MiB: keep it off the
    // async workers, and let only a few run at once, so that a burst of
    // logins waits its turn instead of taking gigabytes.
    let Ok(_permit) = PASSWORD_CHECKS.acquire().await else {
        return false;
    };
    let (hash, candidate) = (hash.to_owned(), password.to_owned());
    match tokio::task::spawn_blocking(move || verify_password(&hash, &candidate)).await {
        Ok(matches) => user.is_some() && matches,
        Err(error) => {
            tracing::error!(%error, "password check panicked");
            false
        }
    }
}

/// Starts a session for `user_id`; returns its token (for the cookie).
pub async fn start_session(db: &Db, user_id: &str) -> Result<String, crate::db::DbError> {
    let (token, hash) = new_session_token();
    db.create_session(&hash, user_id, crate::db::now() + SESSION_SECONDS)
        .await?;
    Ok(token)
}

/// Ends the session whose token is in `cookie_header`, if any.
pub async fn log_out(db: &Db, cookie_header: Option<&str>, secure: bool) -> Result<(), AppError> {
    if let Some(token) = cookie_header.and_then(|header| session_token(header, secure)) {
        db.delete_session(&token_hash(token)).await?;
    }
    Ok(())
}

/// The `Set-Cookie` value that stores a session token in the browser.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let name = session_cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn expired_session_cookie(secure: bool) -> String {
    session_cookie("", secure).replace(&format!("Max-Age={SESSION_SECONDS}"), "Max-Age=0")
}

/// The session token in a `Cookie` header.
pub fn session_token(cookie_header: &str, secure: bool) -> Option<&str> {
    let wanted = session_cookie_name(secure);
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The account behind the session cookie of the current request, if any.
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    let state = crate::state::app_state()?;
    let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() else {
        return Ok(None);
    };
    // A server function's request was looked up once already, before its
    // body was read (see the server's middleware).
    if let Some(SessionLookedUp(user)) = parts.extensions.get::<SessionLookedUp>() {
        return Ok(user.clone());
    }
    user_for_headers(&state, &parts.headers).await
}

/// The session a request's cookie led to, found once and kept with the
/// request so that the authorisation check does not ask the database again.
#[derive(Clone, Debug)]
pub struct SessionLookedUp(pub Option<SessionUser>);

/// The account behind the session cookie in `headers`, if any.
pub async fn user_for_headers(
    state: &AppState,
    headers: &http::HeaderMap,
) -> Result<Option<SessionUser>, AppError> {
    let Some(token) = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| session_token(header, state.secure_cookies))
    else {
        return Ok(None);
    };
    let idle_since = crate::db::now() - crate::use_cases::accounts::IDLE_SECONDS;
    Ok(state
        .db
        .session_user(&token_hash(token), idle_since)
        .await?)
}

/// The one authorisation check: the current request's account, if its role
/// allows what `needed` may do.
///
/// A refusal also sets the response status (401 or 403), for a server
/// function's caller and for a page rendered on the server alike.
pub async fn require(needed: Role) -> Result<SessionUser, AppError> {
    allowed(current_user().await?, needed).map_err(refuse)
}

/// The same check for a plain handler (a file download), from its headers.
pub async fn require_for_headers(
    state: &AppState,
    headers: &http::HeaderMap,
    needed: Role,
) -> Result<SessionUser, AppError> {
    allowed(user_for_headers(state, headers).await?, needed)
}

/// Whether the server function at `path` answers requests without a
/// session: logging in and out, the start page's words, a young person's
/// survey (the join code is the key) and a summary through a share link (the token is). Every other
/// server function is refused without a session before its body is read;
/// a new one is refused until it is added here.
pub fn is_public_server_fn(path: &str) -> bool {
    use leptos::server_fn::ServerFn;
    [
        <crate::account::LogIn as ServerFn>::PATH,
        <crate::account::LogOut as ServerFn>::PATH,
        <crate::collect::LoadSurveyState as ServerFn>::PATH,
        <crate::collect::LoadStartPage as ServerFn>::PATH,
        <crate::report::LoadSummary as ServerFn>::PATH,
    ]
    .contains(&path)
}

/// Who is reading a round's summary, and what they may see of it.
#[derive(Clone, Debug)]
pub struct SummaryReader {
    pub audience: crate::domain::report::Audience,
    /// The account, when the reader logged in rather than followed a link.
    pub user: Option<SessionUser>,
}

/// The check for a round's summary (page and downloads alike): a share
/// link for this round that has neither expired nor been revoked admits a
/// viewer; otherwise any account may read, viewers with disclosure control
/// and workers and admins with exact figures (unless they ask to see what
/// viewers see).
pub async fn summary_reader_for_headers(
    state: &AppState,
    headers: &http::HeaderMap,
    round_id: &str,
    share_token: Option<&str>,
    viewers_view: bool,
) -> Result<SummaryReader, AppError> {
    use crate::domain::report::Audience;
    if let Some(token) = share_token.filter(|t| !t.is_empty()) {
        return match state.db.share_link_round(&token_hash(token)).await? {
            Some(linked) if linked == round_id => Ok(SummaryReader {
                audience: Audience::Viewer,
                user: None,
            }),
            _ => Err(AppError::NotFound),
        };
    }
    let user = allowed(user_for_headers(state, headers).await?, Role::Viewer)?;
    let audience = if user.role.allows(Role::Worker) && !viewers_view {
        Audience::Worker
    } else {
        Audience::Viewer
    };
    Ok(SummaryReader {
        audience,
        user: Some(user),
    })
}

/// [`summary_reader_for_headers`] for a server function or page, setting the
/// response status on refusal.
pub async fn summary_reader(
    round_id: &str,
    share_token: Option<&str>,
    viewers_view: bool,
) -> Result<SummaryReader, AppError> {
    let state = crate::state::app_state()?;
    let headers = leptos::prelude::use_context::<http::request::Parts>()
        .map(|p| p.headers)
        .unwrap_or_default();
    summary_reader_for_headers(&state, &headers, round_id, share_token, viewers_view)
        .await
        .map_err(refuse)
}

/// Whether a browser marked the request as coming from a page of another
/// site: by Fetch Metadata where the browser sends it, else by `Origin`.
pub fn from_another_site(headers: &http::HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // "none": typed or bookmarked by the user; "same-origin": Heard's
        // own pages. A sibling subdomain ("same-site") is another site too.
        return !matches!(site, "same-origin" | "none");
    }
    match headers.get(http::header::ORIGIN).map(|v| v.to_str()) {
        None => false,
        Some(Ok(origin)) => !same_origin(origin, headers),
        Some(Err(_)) => true,
    }
}

/// Whether `origin` (`scheme://host[:port]`) names the host the request was
/// sent to.
fn same_origin(origin: &str, headers: &http::HeaderMap) -> bool {
    let Some((_, host)) = origin.split_once("://") else {
        return false; // "null" and the like: a sandboxed or opaque page.
    };
    headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|expected| expected.eq_ignore_ascii_case(host))
}

/// The hash a share link's token is stored under.
pub fn share_token_hash(token: &str) -> String {
    token_hash(token)
}

/// A fresh share-link token and the hash stored for it.
pub fn new_share_token() -> (String, String) {
    new_session_token()
}

/// The decision itself: who may do what `needed` may.
fn allowed(user: Option<SessionUser>, needed: Role) -> Result<SessionUser, AppError> {
    let user = user.ok_or(AppError::NotLoggedIn)?;
    if needed == Role::Admin && user.role == Role::Admin && !user.second_factor {
        // ASVS 6.3.3: an admin acts as one only with a second factor.
        tracing::info!(user = %user.email, "refused: admin without a second factor");
        Err(AppError::SecondFactorNeeded)
    } else if user.role.allows(needed) {
        Ok(user)
    } else {
        tracing::info!(user = %user.email, needed = needed.as_str(), "refused: role too low");
        Err(AppError::Forbidden)
    }
}

/// Sets the current response's status from `error` (see
/// [`AppError::status`]), for a page rendered on the server, and passes the
/// error on.
pub fn refuse(error: AppError) -> AppError {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(error.status())
    {
        response.set_status(status);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_different_one_does_not() {
        let hash = hash_password(&Password::parse("correct horse battery".into()).unwrap());
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse battery!"));
    }

    #[test]
    fn session_tokens_are_128_bit_and_stored_only_as_a_hash() {
        let (token, hash) = new_session_token();
        assert_eq!(token.len(), 32);
        assert_ne!(token, hash);
        assert_eq!(token_hash(&token), hash);
        assert_ne!(new_session_token().0, token);
    }

    #[test]
    fn the_session_cookie_is_http_only_and_strict() {
        let cookie = session_cookie("abc", false);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert!(!cookie.contains("Secure"));
        let secure = session_cookie("abc", true);
        assert!(
            secure.starts_with("__Host-heard_session=abc; Path=/;") && secure.ends_with("; Secure")
        );
        assert!(!secure.contains("Domain"));
        assert!(expired_session_cookie(true).contains("Max-Age=0"));
    }

    #[test]
    fn the_session_token_is_found_among_other_cookies_under_the_configured_name() {
        assert_eq!(
            session_token("a=1; heard_session=xyz; b=2", false),
            Some("xyz")
        );
        assert_eq!(session_token("heard_session=", false), None);
        assert_eq!(session_token("other=1", false), None);
        // Over HTTPS only the __Host- cookie counts: a plain one could have
        // been set by a sibling subdomain.
        assert_eq!(session_token("heard_session=xyz", true), None);
        assert_eq!(session_token("__Host-heard_session=xyz", true), Some("xyz"));
    }
}
