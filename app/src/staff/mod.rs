//! The staff side: participation workers' and admins' pages. The rounds,
//! the answers of a round (one row per young person, with the tablet link
//! while it is open), the safeguarding "needs a look" list, building
//! surveys, the coding screen and codebook, imports and erasure.
//! Theme coding grows here.

mod codebook;
mod coding;
mod erase;
mod import;
mod needs_a_look;
mod surveys;
mod translations;
pub use coding::CodingPage;
pub use erase::EraseByReceiptPage;
pub use import::{ImportPage, ImportResponsesFile, MAX_FILE_BYTES};
pub use needs_a_look::NeedsALookPage;
pub use surveys::{SurveyEditorPage, SurveysPage};
pub use translations::TranslationsPage;

use crate::error::AppError;
use crate::ui::{LogOutButton, unless_error};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[cfg(feature = "ssr")]
use crate::domain::account::Role;

pub use crate::domain::rounds::{RoundAnswers, RoundSummary, TabletLink};

/// Every round of every survey, for workers.
#[server(endpoint = "list_rounds")]
pub async fn list_rounds() -> Result<Vec<RoundSummary>, AppError> {
    crate::auth::require(Role::Worker).await?;
    let state = crate::state::app_state()?;
    Ok(state.db.list_rounds().await?)
}

/// The answers of one round, for workers.
#[server(endpoint = "load_round_answers")]
pub async fn load_round_answers(round_id: String) -> Result<RoundAnswers, AppError> {
    crate::auth::require(Role::Worker).await?;
    let state = crate::state::app_state()?;
    let mut answers = state
        .db
        .round_answers(&round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if answers.round.is_open {
        answers.tablet = Some(tablet_link(&state, &answers.round.join_code)?);
    }
    Ok(answers)
}

/// The tablet's way into a round: the public address (configured, or the
/// one this request came to) and a QR code of the kiosk link.
#[cfg(feature = "ssr")]
fn tablet_link(state: &crate::state::AppState, join_code: &str) -> Result<TabletLink, AppError> {
    let origin = match &state.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let parts = expect_context::<http::request::Parts>();
            let host = parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            let scheme = if state.secure_cookies {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}")
        }
    };
    let url = format!("{origin}/survey/{join_code}");
    let kiosk_url = format!("{url}?kiosk");
    let qr_svg = crate::ui::qr_svg(&kiosk_url)?;
    Ok(TabletLink {
        url,
        kiosk_url,
        qr_svg,
    })
}

#[component]
pub fn RoundsPage() -> impl IntoView {
    let rounds = Resource::new(|| (), |_| list_rounds());
    view! {
        <Title text="Rounds - Heard"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                unless_error(rounds.await.map(|rounds| view! {
                    <div class="page-head">
                        <h1>"Rounds"</h1>
                        <LogOutButton/>
                    </div>
                    <p><a href="/needs-a-look">"Answers that need a look"</a> " · " <a href="/surveys">"Surveys"</a> " · " <a href="/import">"Import responses from a spreadsheet"</a> " · " <a href="/erase">"Delete answers by receipt code"</a></p>
                    <table class="table">
                        <caption class="visually-hidden">"Every round of every survey"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Survey"</th>
                                <th scope="col">"Round"</th>
                                <th scope="col">"Join code"</th>
                                <th scope="col" class="numeric">"Responses"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rounds.into_iter().map(|round| view! {
                                <tr>
                                    <td>{round.survey_title}</td>
                                    <td><a href=format!("/rounds/{}", round.round_id)>{round.round_name}</a></td>
                                    <td>{if round.is_open { round.join_code } else { format!("{} (closed)", round.join_code) }}</td>
                                    <td class="numeric">{round.responses}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }))
            })}
        </Suspense>
    }
}

#[component]
pub fn RoundAnswersPage() -> impl IntoView {
    let params = use_params_map();
    let round_id = move || params.read().get("id").unwrap_or_default();
    let answers = Resource::new(round_id, load_round_answers);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                unless_error(answers.await.map(|data| {
                    let heading = format!("{}: {}", data.round.survey_title, data.round.round_name);
                    view! {
                        <Title text=format!("{heading} - Heard")/>
                        <div class="page-head">
                            <p><a href="/rounds">"All rounds"</a></p>
                            <LogOutButton/>
                        </div>
                        <h1>{heading}</h1>
                        <p>
                            <a href=format!("/rounds/{}/summary", data.round.round_id)>"Summary for head teachers"</a>
                            " · "
                            <a href=format!("/rounds/{}/responses.csv", data.round.round_id) download>"Download the responses with their themes (CSV)"</a>
                            " · "
                            <a href=format!("/rounds/{}/project.qdpx", data.round.round_id) download>"Download for NVivo, MAXQDA or ATLAS.ti (REFI-QDA project)"</a>
                        </p>
                        <h2>"Code the answers into themes"</h2>
                        <ul>
                            {data.questions.iter().filter(|q| q.kind.is_coded()).map(|q| view! {
                                <li><a href=format!("/rounds/{}/code/{}", data.round.round_id, q.key)>{q.text.clone()}</a></li>
                            }).collect_view()}
                        </ul>
                        {data.tablet.map(|tablet| view! { <OnTheTablet tablet join_code=data.round.join_code.clone()/> })}
                        <h2>"Answers"</h2>
                        <p>{format!("{} responses", data.responses.len())}</p>
                        <div class="table-scroll" tabindex="0" role="region" aria-label="Answers">
                            <table class="table">
                                <caption class="visually-hidden">"One row per young person"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"#"</th>
                                        {data.questions.iter().map(|q| view! { <th scope="col">{q.text.clone()}</th> }).collect_view()}
                                    </tr>
                                </thead>
                                <tbody>
                                    {data.responses.into_iter().enumerate().map(|(i, answers)| view! {
                                        <tr>
                                            <th scope="row">{i + 1}</th>
                                            {answers.into_iter().map(|values| view! {
                                                <td class:skipped=values.is_empty()>
                                                    {if values.is_empty() { "(skipped)".to_owned() } else { values.join("; ") }}
                                                </td>
                                            }).collect_view()}
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                }))
            })}
        </Suspense>
    }
}

/// How to put an open round on a tablet: the code, the link, and a QR code
/// of the kiosk link for the tablet's camera.
#[component]
fn OnTheTablet(tablet: TabletLink, join_code: String) -> impl IntoView {
    view! {
        <section class="tablet-link" aria-labelledby="on-the-tablet">
            <h2 id="on-the-tablet">"On the tablet"</h2>
            <div class="tablet-link-body">
                <div>
                    <p>"Join code: " <strong class="join-code">{join_code}</strong></p>
                    // rel="external": a full page load, so the survey runs
                    // the tablet client, not the staff app's router.
                    <p>"Survey link: " <a href=tablet.url.clone() rel="external">{tablet.url.clone()}</a></p>
                    <p>
                        "Kiosk link (for a shared tablet: back to the start after each young person, and after 3 minutes untouched): "
                        <a href=tablet.kiosk_url.clone() rel="external">{tablet.kiosk_url.clone()}</a>
                    </p>
                </div>
                <div class="qr" role="img" aria-label=format!("QR code of the kiosk link {}", tablet.kiosk_url) inner_html=tablet.qr_svg></div>
            </div>
        </section>
    }
}
