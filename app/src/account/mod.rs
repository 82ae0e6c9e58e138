//! Staff accounts: logging in and out. Accounts are made on the command
//! line (`heard user add`); there is no self sign-up and no default password.

use crate::error::AppError;
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Checks the e-mail address and password and, if they match, sets the
/// session cookie and goes to the rounds. A wrong pair goes back to the form
/// with a message that does not say which of the two was wrong.
#[server(endpoint = "log_in")]
pub async fn log_in(email: String, password: String) -> Result<(), AppError> {
    use crate::domain::throttle::{FAILED_LOGINS_PER_ACCOUNT, FAILED_LOGINS_PER_ADDRESS};
    use crate::throttle::{address_source, check, client_address, hashed_source, record_failure};
    use http::header::{HeaderValue, SET_COOKIE};
    let state = crate::state::app_state()?;
    let parts = expect_context::<http::request::Parts>();
    let account = hashed_source(&email.trim().to_lowercase());
    let address = address_source(client_address(&parts, state.trust_forwarded_for));
    let limits = [
        (FAILED_LOGINS_PER_ACCOUNT, &account),
        (FAILED_LOGINS_PER_ADDRESS, &address),
    ];
    for (limit, source) in limits {
        if check(&state.db, limit, source).await?.is_err() {
            tracing::warn!(limit = limit.kind, "login refused: too many failures");
            leptos_axum::redirect("/login?failed=busy");
            return Ok(());
        }
    }
    match crate::auth::log_in(&state.db, &email, &password).await? {
        Some((token, role)) => {
            let cookie = crate::auth::session_cookie(&token, state.secure_cookies);
            let response = expect_context::<leptos_axum::ResponseOptions>();
            response.append_header(
                SET_COOKIE,
                HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?,
            );
            // Viewers read summaries; workers and admins start at the rounds.
            leptos_axum::redirect(if role.allows(crate::domain::account::Role::Worker) {
                "/rounds"
            } else {
                "/summaries"
            });
        }
        None => {
            for (limit, source) in limits {
                record_failure(&state.db, limit, source).await?;
            }
            leptos_axum::redirect("/login?failed=1");
        }
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
    crate::auth::log_out(&state.db, cookies).await?;
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
                "Too many failed tries. Please wait up to 15 minutes, then try again."
            } else {
                "The e-mail address or password is not right."
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
            <button class="button" type="submit">"Log in"</button>
        </ActionForm>
    }
}
