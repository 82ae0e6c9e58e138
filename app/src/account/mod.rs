//! Staff accounts: logging in and out, each person's second factor
//! (`security`), and the admin's pages for accounts and the audit log
//! (`admin`). Accounts are made on the command line (`heard user add`);
//! there is no self sign-up and no default password.

use crate::error::AppError;
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

mod admin;
mod security;

pub use admin::{AccountsPage, AuditPage};
pub use security::AccountPage;

/// Checks the e-mail address, password and (for an account with one) the
/// second-factor code; if they match, sets the session cookie and goes on.
/// A wrong one goes back to the form with a message that does not say
/// which was wrong. The rules are `use_cases::accounts::log_in`.
#[server(endpoint = "log_in")]
pub async fn log_in(
    email: String,
    password: String,
    #[server(default)] code: String,
) -> Result<(), AppError> {
    use crate::use_cases::accounts::{LoginAttempt, LoginOutcome};
    use http::header::{COOKIE, HeaderValue, SET_COOKIE};
    let state = crate::state::app_state()?;
    let parts = expect_context::<http::request::Parts>();
    let address = state.source_of(&parts);
    let attempt = LoginAttempt {
        email: &email,
        password: &password,
        code: &code,
        address: &address,
    };
    match crate::use_cases::accounts::log_in(&state.db, &state.source_key, attempt).await? {
        LoginOutcome::LoggedIn {
            token,
            role,
            second_factor,
        } => {
            // A session this browser had before (perhaps one planted on it)
            // ends; the account's sessions elsewhere carry on.
            let cookies = parts.headers.get(COOKIE).and_then(|v| v.to_str().ok());
            crate::auth::log_out(&state.db, cookies, state.secure_cookies).await?;
            let cookie = crate::auth::session_cookie(&token, state.secure_cookies);
            let response = expect_context::<leptos_axum::ResponseOptions>();
            response.append_header(
                SET_COOKIE,
                HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?,
            );
            use crate::domain::account::Role;
            leptos_axum::redirect(if role == Role::Admin && !second_factor {
                // Admins must set up a second factor before admin work.
                "/account"
            } else if role.allows(Role::Worker) {
                "/rounds"
            } else {
                "/summaries"
            });
        }
        LoginOutcome::Refused => leptos_axum::redirect("/login?failed=1"),
        LoginOutcome::Busy => leptos_axum::redirect("/login?failed=busy"),
    }
    Ok(())
}

/// Ends the session and goes to the start page.
#[server(endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use http::header::{COOKIE, HeaderValue, SET_COOKIE};
    let state = crate::state::app_state()?;
    let parts = expect_context::<http::request::Parts>();
    let cookies = parts.headers.get(COOKIE).and_then(|v| v.to_str().ok());
    crate::auth::log_out(&state.db, cookies, state.secure_cookies).await?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    let expired = crate::auth::expired_session_cookie(state.secure_cookies);
    response.append_header(
        SET_COOKIE,
        HeaderValue::from_str(&expired).map_err(|_| AppError::Internal)?,
    );
    leptos_axum::redirect("/");
    Ok(())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let failed = move || query.read().get("failed");
    let log_in = ServerAction::<LogIn>::new();
    view! {
        <Title text="Log in - Heard"/>
        {move || failed().map(|why| {
            let message = if why == "busy" {
                "Too many failed tries. Please wait up to 15 minutes, then try again. With a second factor set up, your password and code let you in now."
            } else {
                "The e-mail address, password or code is not right."
            };
            view! { <ErrorSummary problems=vec![("email".to_owned(), message.to_owned())]/> }
        })}
        <h1>"Log in"</h1>
        <p>"For participation workers, admins and viewers."</p>
        <ActionForm action=log_in attr:class="login-form">
            <div class="field">
                <label class="label" for="email">"E-mail address"</label>
                <input class="input" id="email" name="email" type="email" autocomplete="username" required/>
            </div>
            <div class="field">
                <label class="label" for="password">"Password"</label>
                <input class="input" id="password" name="password" type="password" autocomplete="current-password" required/>
            </div>
            <div class="field">
                <label class="label" for="code">"Code from your authenticator app"</label>
                <p class="hint" id="code-hint">"If you set up a second factor: the six digits your app shows now, or one of your recovery codes."</p>
                <input class="input input-short" id="code" name="code" autocomplete="one-time-code" aria-describedby="code-hint"/>
            </div>
            <button class="button" type="submit">"Log in"</button>
        </ActionForm>
    }
}
