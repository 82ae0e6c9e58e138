//! A person's own account page: their second factor. Setting one up shows
//! a key (as a QR code and as text) for an authenticator app; typing the
//! code the app then shows proves it has the key, and only then is it
//! stored, with ten recovery codes shown once.
//!
//! The key travels to the page and back in the form rather than being kept
//! on the server between the two steps: it is this person's own secret, on
//! their own session, and no instance has to remember anything.

use crate::error::AppError;
use crate::ui::LogOutButton;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// What the account page shows about the logged-in account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFacts {
    pub email: String,
    pub role: String,
    pub second_factor: bool,
}

/// A key to add to an authenticator app, not stored yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorKey {
    pub secret: String,
    pub qr_svg: String,
}

#[server(endpoint = "my_account")]
pub async fn my_account() -> Result<AccountFacts, AppError> {
    use crate::domain::account::Role;
    let user = crate::auth::require(Role::Viewer).await?;
    Ok(AccountFacts {
        email: user.email,
        role: user.role.as_str().to_owned(),
        second_factor: user.second_factor,
    })
}

/// A fresh key for the logged-in account's authenticator app.
#[server(endpoint = "new_second_factor")]
pub async fn new_second_factor() -> Result<SecondFactorKey, AppError> {
    use crate::domain::account::Role;
    let user = crate::auth::require(Role::Viewer).await?;
    let secret = crate::second_factor::new_secret();
    let uri = crate::second_factor::otpauth_uri(&secret, &user.email);
    let qr_svg = crate::ui::qr_svg(&uri)?;
    Ok(SecondFactorKey { secret, qr_svg })
}

/// Stores the key once `code` shows the app has it; returns the recovery
/// codes, shown this once.
#[server(endpoint = "confirm_second_factor")]
pub async fn confirm_second_factor(
    password: String,
    secret: String,
    code: String,
) -> Result<Vec<String>, AppError> {
    use crate::domain::account::Role;
    let user = crate::auth::require(Role::Viewer).await?;
    if user.second_factor {
        return Err(crate::auth::refuse(AppError::Conflict(
            "This account has a second factor already. An admin can reset it with heard user second-factor.".into(),
        )));
    }
    let state = crate::state::app_state()?;
    crate::use_cases::accounts::confirm_second_factor(
        &state.db,
        &user.email,
        &password,
        &secret,
        &code,
    )
    .await
    .map_err(|e| crate::auth::refuse(e.into()))
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| my_account());
    let start = ServerAction::<NewSecondFactor>::new();
    let confirm = ServerAction::<ConfirmSecondFactor>::new();
    view! {
        <Title text="Your account - Heard"/>
        <div class="page-head">
            <p><a href="/rounds">"All rounds"</a></p>
            <LogOutButton/>
        </div>
        <h1>"Your account"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || account.get().map(|result| crate::ui::unless_error(result.map(|facts| view! {
                <dl class="facts">
                    <dt>"E-mail address"</dt>
                    <dd>{facts.email.clone()}</dd>
                    <dt>"Role"</dt>
                    <dd>{facts.role.clone()}</dd>
                    <dt>"Second factor"</dt>
                    <dd>{if facts.second_factor { "Set up" } else { "Not set up" }}</dd>
                </dl>
                <Show when=move || !facts.second_factor>
                    <SetUp start confirm/>
                </Show>
            })))}
        </Suspense>
    }
}

#[component]
fn SetUp(
    start: ServerAction<NewSecondFactor>,
    confirm: ServerAction<ConfirmSecondFactor>,
) -> impl IntoView {
    let codes = move || {
        confirm.value().get().and_then(Result::ok).map(|codes| view! {
            <section class="panel-done" role="status" aria-labelledby="codes-heading">
                <h2 id="codes-heading">"Second factor set up"</h2>
                <p>"From now on, log in with your password and the code your app shows. Keep these recovery codes somewhere safe, away from your phone: each one lets you in once if you lose it. They are not shown again."</p>
                <ul class="recovery-codes">
                    {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                </ul>
            </section>
        })
    };
    let confirm_error = move || {
        confirm
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <crate::ui::ErrorMessage error/> })
    };
    let key = move || {
        start.value().get().map(|result| match result {
            Err(error) => view! { <crate::ui::ErrorMessage error/> }.into_any(),
            Ok(new) => view! {
                <section aria-labelledby="key-heading">
                    <h2 id="key-heading">"Add Heard to your authenticator app"</h2>
                    <p>"Scan this QR code with the app, or type the key below into it."</p>
                    <div class="qr" role="img" aria-label="QR code of the key for your authenticator app" inner_html=new.qr_svg></div>
                    <p>"Key: " <code class="secret">{new.secret.clone()}</code></p>
                    <ActionForm action=confirm>
                        <input type="hidden" name="secret" value=new.secret/>
                        <div class="field">
                            <label class="label" for="confirm-password">"Your password"</label>
                            <input class="input" id="confirm-password" name="password" type="password" autocomplete="current-password" required/>
                        </div>
                        <div class="field">
                            <label class="label" for="confirm-code">"The code your app shows now"</label>
                            <input class="input input-short" id="confirm-code" name="code" autocomplete="one-time-code" inputmode="numeric" required/>
                        </div>
                        <button class="button" type="submit">"Turn on the second factor"</button>
                    </ActionForm>
                </section>
            }
            .into_any(),
        })
    };
    view! {
        <h2>"Set up a second factor"</h2>
        <p>"A second factor is a code from an app on your phone (such as Google Authenticator, Microsoft Authenticator or FreeOTP) that you type when you log in, so a stolen password alone cannot open your account. Admins need one for admin work."</p>
        <Show when=move || !matches!(confirm.value().get(), Some(Ok(_))) fallback=codes>
            <ActionForm action=start>
                <button class="button" type="submit">"Start"</button>
            </ActionForm>
            {key}
            {confirm_error}
        </Show>
    }
}
