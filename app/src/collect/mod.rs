//! Young people's side: join a round with its code, answer one question per
//! screen, send.
//!
//! Each screen is a plain HTML form posted to `/survey/CODE`, so the survey
//! works with JavaScript off; the server reads the form, moves one step
//! (`domain::progress`) and renders the next screen. With JavaScript on,
//! `tablet` catches the same forms and moves the same steps on the device,
//! keeping answers there until the server has them. A join code lets its
//! holder answer that round and read nothing else: `load_survey_state`
//! returns only the questions and the holder's own answers in progress.

mod screens;
#[cfg(feature = "ssr")]
pub mod submit;
#[cfg(feature = "hydrate")]
pub mod tablet;

pub use screens::SurveyScreenView;

use crate::domain::join_code::JoinCode;
use crate::domain::progress::{Progress, Screen};
use crate::domain::survey::{Question, Survey};
use crate::error::AppError;
use crate::ui::{ErrorMessage, ErrorSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// Where a young person is in a round's survey: everything a screen is
/// drawn from. The server builds it for plain forms; on the tablet, with
/// JavaScript on, the page moves it on itself (see `tablet`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyState {
    pub code: String,
    pub survey: Survey,
    pub progress: Progress,
    pub stage: Stage,
    /// The receipt code of the answers just sent (see `domain::receipt`),
    /// shown on "thank you" only.
    pub receipt: Option<String>,
    /// The round's open token (see `domain::late`): sent with a finished
    /// survey, it lets one that reaches Heard after the round closed be
    /// taken.
    pub open_token: Option<String>,
}

/// What is happening with the answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    Answering,
    /// They could not be sent: the screen shows why.
    Problem(String),
    /// The tablet is sending them.
    Sending,
    /// The server has them.
    Sent,
    /// They wait on the tablet until the server can be reached.
    Queued,
}

impl SurveyState {
    /// A fresh start: the welcome screen, with a new client id.
    pub fn start(code: String, survey: Survey, client_id: String) -> SurveyState {
        SurveyState {
            code,
            survey,
            progress: Progress::start(client_id),
            stage: Stage::Answering,
            receipt: None,
            open_token: None,
        }
    }

    /// The screen this state shows.
    pub fn screen(&self) -> SurveyScreen {
        let survey = &self.survey;
        let progress = &self.progress;
        let view = match (&self.stage, progress.screen(survey)) {
            (Stage::Sending, _) => ScreenView::Sending,
            (Stage::Sent, _) => ScreenView::Thanks {
                queued: false,
                receipt: self.receipt.clone(),
            },
            (Stage::Queued, _) => ScreenView::Thanks {
                queued: true,
                receipt: self.receipt.clone(),
            },
            (_, Screen::Welcome) => ScreenView::Welcome,
            (_, Screen::Question(i)) => ScreenView::Question {
                question: survey.questions[i].clone(),
                number: i + 1,
                values: progress
                    .answers
                    .get(&survey.questions[i].key)
                    .cloned()
                    .unwrap_or_default(),
            },
            (_, Screen::Ready) => ScreenView::Ready {
                answered: survey
                    .questions
                    .iter()
                    .filter(|q| {
                        progress
                            .answers
                            .get(&q.key)
                            .is_some_and(|v| v.iter().any(|s| !s.trim().is_empty()))
                    })
                    .count(),
            },
        };
        let has_forms = !matches!(view, ScreenView::Sending | ScreenView::Thanks { .. });
        SurveyScreen {
            code: self.code.clone(),
            title: survey.title.clone(),
            hidden: if has_forms {
                progress.hidden_fields(survey)
            } else {
                Vec::new()
            },
            step: progress.step,
            question_count: survey.questions.len(),
            view,
            problem: match &self.stage {
                Stage::Problem(message) => Some(message.clone()),
                _ => None,
            },
        }
    }
}

/// Everything one survey screen shows.
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
    Sending,
    /// `queued`: kept on the tablet, to be sent when it is back online.
    Thanks {
        queued: bool,
        receipt: Option<String>,
    },
}

/// The survey state for `code`: the one a posted form led to (the POST
/// handler puts the outcome in context), or a fresh start.
#[server(endpoint = "load_survey_state")]
pub async fn load_survey_state(code: String) -> Result<SurveyState, AppError> {
    use submit::Lookup;
    let state = crate::state::app_state()?;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Err(AppError::Internal);
    };
    // A link from another site looks nothing up (and counts nothing): the
    // start page, with the code filled in, asks for one press of Start.
    if crate::auth::from_another_site(&parts.headers) {
        leptos_axum::redirect(&format!("/?code={}", submit::query_escape(&code)));
        return Err(AppError::NotFound);
    }
    let source = state.source_of(&parts);
    let round = match submit::look_up(&state.db, &code, &source).await? {
        Lookup::Found(round) => round,
        Lookup::Malformed | Lookup::Unknown => return Err(AppError::NotFound),
        Lookup::Throttled(throttled) => {
            return Err(crate::auth::refuse(AppError::Throttled(
                throttled.seconds_left,
            )));
        }
    };
    if !round.is_open {
        return Err(AppError::Closed);
    }
    let code = JoinCode::parse(&round.join_code).map_err(|_| AppError::Internal)?;
    let outcome = use_context::<submit::StepOutcome>();
    let token = submit::open_token(&state.round_key, &round.round_id, crate::db::now());
    Ok(submit::state_for(
        &code,
        round.survey.for_young_people(),
        outcome,
        token,
    ))
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
                "busy" => "Too many wrong codes have been typed here. Please wait up to 10 minutes, then try again.".to_owned(),
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
        <form method="post" action="/join" class="join-form">
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

/// A round's survey, one screen at a time.
#[component]
pub fn SurveyPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    let state = Resource::new(code, load_survey_state);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(state) => view! { <LiveSurvey initial=state/> }.into_any(),
                    Err(AppError::NotFound) => view! { <UnknownCode/> }.into_any(),
                    Err(AppError::Closed) => view! { <SurveyClosed/> }.into_any(),
                    Err(error) => view! { <ErrorMessage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The survey's screens, drawn from one state. Rendered on the server they
/// are plain forms; once the page is live on the tablet, `tablet` moves the
/// state on without page loads.
#[component]
fn LiveSurvey(initial: SurveyState) -> impl IntoView {
    let state = RwSignal::new(initial);
    let for_worker = RwSignal::new(Vec::<String>::new());
    // After hydration only, so the first render matches the server's HTML.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| tablet::take_over(state, for_worker));
    let on_submit = Callback::new(move |event: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        tablet::on_submit(&event, state);
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    });
    view! {
        <KeptForWorker for_worker/>
        {move || view! { <SurveyScreenView screen=state.with(SurveyState::screen) on_submit/> }}
    }
}

/// Finished surveys Heard refused for good, kept on this tablet: shown to
/// a worker who opens the kiosk link (never to young people), on the
/// survey or on its "closed" page, with a button to try them again.
#[component]
fn KeptForWorker(for_worker: RwSignal<Vec<String>>) -> impl IntoView {
    let retry = move |_| {
        #[cfg(feature = "hydrate")]
        tablet::retry_refused();
        for_worker.set(Vec::new());
    };
    move || {
        let reasons = for_worker.get();
        (!reasons.is_empty()).then(|| {
            view! {
                <div class="panel-warning" role="alert">
                    <h2>{match reasons.len() {
                        1 => "1 finished survey on this tablet could not be sent".to_owned(),
                        n => format!("{n} finished surveys on this tablet could not be sent"),
                    }}</h2>
                    <p>"They stay on this tablet until they are sent. Heard said:"</p>
                    <ul class="list">{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                    <p>"If the round has closed, a worker can accept late surveys for longer (heard round late), then try again."</p>
                    <button type="button" class="button button-secondary" on:click=retry>"Try sending them again"</button>
                </div>
            }
        })
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
    let for_worker = RwSignal::new(Vec::<String>::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if tablet::kiosk_link_opened() {
            for_worker.set(tablet::refused());
        }
    });
    view! {
        <KeptForWorker for_worker/>
        <Title text="Survey closed - Heard"/>
        <h1>"This survey has closed"</h1>
        <p>"Thank you for wanting to take part. Ask your worker if there is a new one."</p>
        <p><a class="button" href="/">"Back to the start"</a></p>
    }
}
