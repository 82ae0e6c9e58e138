//! "Needs a look": responses whose free text mentions a safeguarding word,
//! with the words highlighted, for a worker to read and mark as handled.
//! Workers only: flags never reach viewers.

use crate::domain::flags::{FlaggedResponse, highlight};
use crate::domain::languages::Language;
use crate::error::AppError;
use crate::ui::{LogOutButton, unless_error};
use leptos::prelude::*;
use leptos_meta::Title;

#[cfg(feature = "ssr")]
use crate::domain::account::Role;

/// The longest note kept when marking a flag handled.
pub const MAX_NOTE_CHARS: usize = 2_000;

/// Flagged responses, unhandled first.
#[server(endpoint = "list_flagged")]
pub async fn list_flagged() -> Result<Vec<FlaggedResponse>, AppError> {
    crate::auth::require(Role::Worker).await?;
    let state = crate::state::app_state()?;
    Ok(state.db.flagged_responses().await?)
}

/// Marks a flagged response as handled, with what was done.
#[server(endpoint = "mark_handled")]
pub async fn mark_handled(response_id: String, note: String) -> Result<(), AppError> {
    let user = crate::auth::require(Role::Worker).await?;
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::BadInput(format!(
            "The note can have at most {MAX_NOTE_CHARS} characters."
        )));
    }
    let state = crate::state::app_state()?;
    if !state
        .db
        .mark_flag_handled(&response_id, &user.id, note)
        .await?
    {
        return Err(AppError::NotFound);
    }
    // Audited: raising a new concern on the response opens the flag again,
    // and this is where who handled it before, and when, is kept.
    state
        .db
        .record_audit(&user.email, &crate::domain::audit::AuditEvent::FlagHandled)
        .await?;
    tracing::info!(user = %user.email, "safeguarding flag marked handled");
    leptos_axum::redirect("/needs-a-look");
    Ok(())
}

#[component]
pub fn NeedsALookPage() -> impl IntoView {
    let mark = ServerAction::<MarkHandled>::new();
    let flagged = Resource::new(move || mark.version().get(), |_| list_flagged());
    view! {
        <Title text="Needs a look - Heard"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                unless_error(flagged.await.map(|flagged| {
                    let waiting = flagged.iter().filter(|f| f.handled_at.is_none()).count();
                    view! {
                        <div class="page-head">
                            <p><a href="/rounds">"All rounds"</a></p>
                            <LogOutButton/>
                        </div>
                        <h1>"Needs a look"</h1>
                        <p class="lead">{format!("{waiting} waiting")}</p>
                        <p>"These answers match Heard's safeguarding rules, or are written in a language the rules cannot read (each shows why). Read each one and follow your safeguarding procedure; then note what you did."</p>
                        {flagged.into_iter().map(|f| view! { <Flag flag=f mark/> }).collect_view()}
                    }
                }))
            })}
        </Suspense>
    }
}

#[component]
fn Flag(flag: FlaggedResponse, mark: ServerAction<MarkHandled>) -> impl IntoView {
    let heading = format!("{}: {}", flag.survey_title, flag.round_name);
    let note_id = format!("note-{}", flag.response_id);
    // The answers keep their language, so a screen reader reads Welsh as
    // Welsh and Urdu right to left.
    let language = Language::parse(&flag.language).ok();
    let lang = language.as_ref().map(|l| l.tag().to_owned());
    let dir = language.as_ref().map(|l| l.direction());
    view! {
        <section class="flag" class:flag-handled=flag.handled_at.is_some()>
            <h2 class="flag-title">{heading}</h2>
            {flag.answers.into_iter().map(|answer| view! {
                <p class="flag-question">{answer.question}</p>
                <blockquote class="flag-answer" lang=lang.clone() dir=dir>
                    {highlight(&answer.text, &answer.words)
                        .into_iter()
                        .map(|(piece, marked)| if marked {
                            view! { <mark>{piece}</mark> }.into_any()
                        } else {
                            piece.into_any()
                        })
                        .collect_view()}
                </blockquote>
                {(!answer.words.is_empty()).then(|| view! {
                    <p class="hint">"Words: " {answer.words.join(", ")}</p>
                })}
                {(!answer.reasons.is_empty()).then(|| view! {
                    <p class="hint">{format!("Why: {}", answer.reasons.join("; "))}</p>
                })}
            }).collect_view()}
            {match flag.handled_by {
                Some(by) => view! { <p class="flag-done">{format!("Handled by {by}: {}", flag.note)}</p> }.into_any(),
                None => view! {
                    <ActionForm action=mark attr:class="flag-form">
                        <input type="hidden" name="response_id" value=flag.response_id.clone()/>
                        <div class="field">
                            <label class="label" for=note_id.clone()>"What did you do?"</label>
                            <textarea class="textarea textarea-small" id=note_id name="note" rows="2" maxlength=MAX_NOTE_CHARS.to_string()></textarea>
                        </div>
                        <button class="button" type="submit">"Mark as handled"</button>
                    </ActionForm>
                }.into_any(),
            }}
        </section>
    }
}
