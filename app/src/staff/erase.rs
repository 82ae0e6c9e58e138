//! Deleting one young person's answers at their request, given the receipt
//! code they were shown at the end of the survey (see `domain::receipt`).
//! Admins only: it removes data for good. The page shows where and when the
//! response was given, never what it said, and asks before deleting.

use crate::domain::receipt::{ReceiptLookup, ReceiptResponse};
use crate::domain::summary::day_of;
use crate::error::AppError;
use crate::ui::LogOutButton;
use leptos::prelude::*;
use leptos_meta::Title;

#[cfg(feature = "ssr")]
use crate::domain::account::Role;

/// What a receipt code leads to, before anything is deleted.
#[server(endpoint = "find_receipt")]
pub async fn find_receipt(code: String) -> Result<(String, ReceiptLookup), AppError> {
    crate::auth::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    let (receipt, found) = crate::use_cases::erasure::find_by_receipt(&state.db, &code).await?;
    Ok((receipt.to_string(), found))
}

/// Deletes the response the receipt code leads to, all of it.
#[server(endpoint = "erase_receipt")]
pub async fn erase_receipt(code: String) -> Result<(String, ReceiptLookup), AppError> {
    let user = crate::auth::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    let (receipt, erased) =
        crate::use_cases::erasure::erase_by_receipt(&state.db, &code, &user.email).await?;
    Ok((receipt.to_string(), erased))
}

#[component]
pub fn EraseByReceiptPage() -> impl IntoView {
    let find = ServerAction::<FindReceipt>::new();
    let erase = ServerAction::<EraseReceipt>::new();
    let found = move || {
        find.value().get().map(|result| match result {
            Err(error) => view! { <crate::ui::ErrorMessage error/> }.into_any(),
            Ok((code, ReceiptLookup::Found(response))) => view! {
                <section class="notice" aria-labelledby="found-heading">
                    <h2 id="found-heading">{format!("Code {code} leads to one response")}</h2>
                    <Where response/>
                    <p>"Deleting removes all of these answers, their coding and any quotes, for good. Reports of the round will count one fewer young person."</p>
                    <ActionForm action=erase>
                        <input type="hidden" name="code" value=code/>
                        <button class="button button-danger" type="submit">"Delete these answers"</button>
                    </ActionForm>
                </section>
            }
            .into_any(),
            Ok((code, lookup)) => view! { <p class="error" role="alert">{not_found(&code, &lookup)}</p> }.into_any(),
        })
    };
    let erased = move || {
        erase.value().get().map(|result| match result {
            Err(error) => view! { <crate::ui::ErrorMessage error/> }.into_any(),
            Ok((code, ReceiptLookup::Found(response))) => view! {
                <section class="panel-done" role="status">
                    <h2>{format!("Deleted the response with code {code}")}</h2>
                    <Where response/>
                </section>
            }
            .into_any(),
            Ok((code, lookup)) => {
                view! { <p class="error" role="alert">{not_found(&code, &lookup)}</p> }.into_any()
            }
        })
    };
    view! {
        <Title text="Delete answers by receipt code - Heard"/>
        <div class="page-head">
            <p><a href="/rounds">"All rounds"</a></p>
            <LogOutButton/>
        </div>
        <h1>"Delete a young person's answers"</h1>
        <p class="lead">"A young person who asks for their answers to be deleted can give you the receipt code they were shown after sending them."</p>
        <ActionForm action=find attr:class="receipt-form">
            <div class="field">
                <label class="label" for="receipt-code">"Receipt code"</label>
                <p class="hint" id="receipt-hint">"Ten letters and digits, such as 3F3GN-5AN5R."</p>
                <input class="input" id="receipt-code" name="code" autocomplete="off" aria-describedby="receipt-hint" required/>
            </div>
            <button class="button" type="submit">"Find the response"</button>
        </ActionForm>
        {erased}
        <Show when=move || erase.value().get().is_none()>{found}</Show>
    }
}

#[component]
fn Where(response: ReceiptResponse) -> impl IntoView {
    view! {
        <dl class="facts">
            <dt>"Survey"</dt>
            <dd>{response.survey_title}</dd>
            <dt>"Round"</dt>
            <dd>{response.round_name}</dd>
            <dt>"Sent on"</dt>
            <dd>{day_of(response.submitted_on)}</dd>
            <dt>"Answers"</dt>
            <dd>{response.answers.to_string()}</dd>
        </dl>
    }
}

fn not_found(code: &str, lookup: &ReceiptLookup) -> String {
    match lookup {
        ReceiptLookup::Ambiguous(n) => format!(
            "{n} responses have code {code}, so Heard cannot tell which one is meant. Nothing was deleted."
        ),
        _ => format!(
            "No response has code {code}. Check it with the young person; it may already have been deleted."
        ),
    }
}
