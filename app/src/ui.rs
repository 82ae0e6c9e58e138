//! Small pieces shared by pages of every journey.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// GOV.UK-style error summary: shown at the top of a page, announced to
/// screen readers, with links to the fields at fault.
#[component]
pub fn ErrorSummary(
    /// The problems, each with the id of the field it is about.
    problems: Vec<(String, String)>,
    /// "There is a problem", in the page's language.
    #[prop(optional, into)]
    title: Option<String>,
) -> impl IntoView {
    let title = title.unwrap_or_else(|| "There is a problem".to_owned());
    view! {
        <div class="error-summary" role="alert" tabindex="-1">
            <h2 class="error-summary-title">{title}</h2>
            <ul>
                {problems
                    .into_iter()
                    .map(|(field, message)| view! { <li><a href=format!("#{field}")>{message}</a></li> })
                    .collect_view()}
            </ul>
        </div>
    }
}

/// A failed server function, said plainly, with the way forward.
#[component]
pub fn ErrorMessage(error: AppError) -> impl IntoView {
    let next = match error {
        AppError::NotLoggedIn | AppError::Forbidden => {
            Some(view! { <p><a href="/login">"Log in"</a></p> })
        }
        _ => None,
    };
    view! {
        <Title text="Problem - Heard"/>
        <h1>"Sorry, there is a problem"</h1>
        <p>{error.to_string()}</p>
        {next}
    }
}

/// The page for an address Heard does not have.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found - Heard"/>
        <h1>"Page not found"</h1>
        <p>"Check the address, or " <a href="/">"go to the start"</a> "."</p>
    }
}

/// A "Log out" button for staff pages.
#[component]
pub fn LogOutButton() -> impl IntoView {
    let log_out = ServerAction::<crate::account::LogOut>::new();
    view! {
        <ActionForm action=log_out attr:class="logout-form">
            <button class="button button-secondary" type="submit">"Log out"</button>
        </ActionForm>
    }
}

/// Turns a server function's error into the page's problem view.
pub fn unless_error<T: IntoView + 'static>(result: Result<T, AppError>) -> AnyView {
    match result {
        Ok(view) => view.into_any(),
        Err(error) => view! { <crate::ui::ErrorMessage error/> }.into_any(),
    }
}

/// A QR code of `text` as SVG, for a phone's or tablet's camera (a survey's
/// kiosk link, a second factor's key).
#[cfg(feature = "ssr")]
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let qr = qrcode::QrCode::new(text.as_bytes()).map_err(|error| {
        tracing::error!(%error, "could not make a QR code");
        AppError::Internal
    })?;
    Ok(qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}
