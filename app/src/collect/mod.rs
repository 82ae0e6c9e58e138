//! Young people's side: join a round with its code, answer one question per
//! screen, send.
//!
//! Each screen is a plain HTML form posted to `/survey/CODE`, so the survey
//! works with JavaScript off; the server reads the form, moves one step
//! (`domain::progress`) and renders the next screen. A join code lets its
//! holder answer that round and read nothing else: `load_survey_screen` returns
//! only the questions and the holder's own answers in progress.

mod screens;
#[cfg(feature = "ssr")]
pub mod submit;

pub use screens::SurveyScreenView;

use crate::domain::join_code::JoinCode;
use crate::domain::survey::Question;
use crate::error::AppError;
use crate::ui::{ErrorMessage, ErrorSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// Everything one survey screen shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyScreen {
    pub code: String,
    pub title: String,
    /// Hidden fields the screen's forms carry (see `domain::progress`).
    pub hidden: Vec<(String, String)>,
    /// The step the forms were rendered at; 0 is the welcome screen.
    pub step: usize,
    pub question_count: usize,
    pub view: ScreenView,
    /// A problem to show above the screen (e.g. sending failed).
    pub problem: Option<String>,
}

/// The part of a screen that differs from step to step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScreenView {
    Welcome,
    Question {
        question: Question,
        /// 1-based, for "Question 2 of 4".
        number: usize,
        /// What was answered before (when coming back to it).
        values: Vec<String>,
    },
    Ready {
        answered: usize,
    },
    Thanks,
}

/// The screen to show for `code`: the one a posted form led to (the POST
/// handler puts the outcome in context), or the welcome screen.
#[server(endpoint = "load_survey_screen")]
pub async fn load_survey_screen(code: String) -> Result<SurveyScreen, AppError> {
    let state = crate::state::app_state()?;
    let code = JoinCode::parse(&code).map_err(|_| AppError::NotFound)?;
    let round = state
        .db
        .round_for_join_code(&code)
        .await?
        .ok_or(AppError::NotFound)?;
    if !round.is_open {
        return Err(AppError::Closed);
    }
    let outcome = use_context::<submit::StepOutcome>();
    Ok(submit::screen_for(&code, &round.survey, outcome))
}

/// The start page: type a join code.
#[component]
pub fn JoinPage() -> impl IntoView {
    let query = use_query_map();
    let typed = move || query.read().get("code").unwrap_or_default();
    let problem = move || {
        query.read().get("error").map(|error| {
            let message = match error.as_str() {
                "unknown" => {
                    "We could not find a survey with that code. Check it with your worker."
                        .to_owned()
                }
                "closed" => "That survey has closed. Ask your worker for a new code.".to_owned(),
                _ => JoinCode::parse(&typed())
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| {
                        "Type the code your worker gave you. It has 6 letters and numbers."
                            .to_owned()
                    }),
            };
            view! { <ErrorSummary problems=vec![("code".to_owned(), message)]/> }
        })
    };
    view! {
        <Title text="Have your say - Heard"/>
        {problem}
        <h1>"Have your say"</h1>
        <p class="lead">"Your worker will give you a code. Type it here to start."</p>
        <form method="get" action="/join" class="join-form">
            <div class="field" class:field-error=move || query.read().get("error").is_some()>
                <label class="label" for="code">"Your code"</label>
                <p class="hint" id="code-hint">"It has 6 letters and numbers, like ACE 347."</p>
                <input
                    class="input input-code"
                    id="code"
                    name="code"
                    type="text"
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    aria-describedby="code-hint"
                    value=typed
                />
            </div>
            <button class="button" type="submit">"Start"</button>
        </form>
        <p class="staff-link"><a href="/login">"Staff log in"</a></p>
    }
}

/// One screen of a round's survey.
#[component]
pub fn SurveyPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    let screen = Resource::new(code, load_survey_screen);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match screen.await {
                    Ok(screen) => view! { <SurveyScreenView screen/> }.into_any(),
                    Err(AppError::NotFound) => view! { <UnknownCode/> }.into_any(),
                    Err(AppError::Closed) => view! { <SurveyClosed/> }.into_any(),
                    Err(error) => view! { <ErrorMessage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UnknownCode() -> impl IntoView {
    view! {
        <Title text="Survey not found - Heard"/>
        <h1>"We could not find that survey"</h1>
        <p>"The code may be wrong, or the survey may have closed."</p>
        <p><a class="button" href="/">"Type your code again"</a></p>
    }
}

#[component]
fn SurveyClosed() -> impl IntoView {
    view! {
        <Title text="Survey closed - Heard"/>
        <h1>"This survey has closed"</h1>
        <p>"Thank you for wanting to take part. Ask your worker if there is a new one."</p>
        <p><a class="button" href="/">"Back to the start"</a></p>
    }
}
