//! The coding screen: a round's answers to one free-text question, each
//! with its ranked suggestions and the words that made them, for the
//! worker to code by hand, by accepting a suggestion, or in bulk after a
//! preview. Keyboard first: digits toggle themes, arrows (or j/k) move,
//! Enter or `a` accepts the top suggestion. Every change is recorded.
//!
//! With `?pass=check` a second coder codes the same answers blind: no
//! suggestions and none of the main coding are shown; the main coder then
//! sees the agreement and the disagreements side by side.

use crate::account::{LogOutButton, unless_error};
use crate::domain::agreement::Agreement;
use crate::domain::coding::{AnswerToCode, CodingChange, CodingSheet, Pass};
use crate::domain::flags::highlight;
use crate::domain::survey::CodingMode;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[cfg(feature = "ssr")]
use crate::domain::account::Role;

/// The most answers one bulk accept may take.
#[cfg(feature = "ssr")]
pub const MAX_BULK: usize = 1_000;

/// What a coding server function works on.
#[cfg(feature = "ssr")]
pub(super) struct Context {
    pub(super) state: crate::state::AppState,
    pub(super) found: crate::db::RoundWithSurvey,
    pub(super) question: crate::domain::survey::Question,
    pub(super) question_id: String,
}

/// The round, its survey and the free-text question `key`, or NotFound.
#[cfg(feature = "ssr")]
pub(super) async fn context(round_id: &str, key: &str) -> Result<Context, AppError> {
    use crate::domain::survey::QuestionKind;
    let state = crate::state::app_state()?;
    let found = state
        .db
        .round_with_survey(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let question = found
        .survey
        .question(key)
        .filter(|q| q.kind == QuestionKind::Text)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let question_id = state
        .db
        .question_ids(&found.survey_id)
        .await?
        .remove(key)
        .ok_or(AppError::NotFound)?;
    Ok(Context {
        state,
        found,
        question,
        question_id,
    })
}

#[cfg(feature = "ssr")]
fn parse_pass(pass: &str) -> Result<Pass, AppError> {
    Pass::parse(if pass.is_empty() { "main" } else { pass })
        .ok_or_else(|| AppError::BadInput(format!("\"{pass}\" is not a coding pass")))
}

/// A round's answers to a free-text question, for coding in `pass`.
#[server(endpoint = "load_coding_sheet")]
pub async fn load_coding_sheet(
    round_id: String,
    question: String,
    pass: String,
) -> Result<CodingSheet, AppError> {
    use crate::domain::coding::ShownSuggestion;
    use crate::domain::suggest::Suggester;
    crate::auth::require(Role::Worker).await?;
    let pass = parse_pass(&pass)?;
    let cx = context(&round_id, &question).await?;
    let attributes: Vec<&crate::domain::survey::Question> = cx
        .found
        .survey
        .questions
        .iter()
        .filter(|q| q.about_you)
        .collect();
    let ids = cx.state.db.question_ids(&cx.found.survey_id).await?;
    let attribute_ids: Vec<String> = attributes.iter().map(|q| ids[&q.key].clone()).collect();
    let mut answers = cx
        .state
        .db
        .coding_answers(&round_id, &cx.question_id, &attribute_ids, pass)
        .await?;
    if pass == Pass::Main {
        let suggester = Suggester::new(&cx.question.themes);
        let texts: Vec<&str> = answers.iter().map(|a| a.text.as_str()).collect();
        let suggestions = suggester.suggest_many(&texts);
        for (answer, suggestions) in answers.iter_mut().zip(suggestions) {
            answer.suggestions = suggestions
                .into_iter()
                .map(|s| ShownSuggestion {
                    theme: cx.question.themes[s.theme].name.clone(),
                    score: s.score,
                    words: s
                        .matched
                        .iter()
                        .map(|m| answer.text[m.start..m.end].to_owned())
                        .collect(),
                })
                .collect();
        }
    }
    let agreement = if pass == Pass::Main {
        let check = cx
            .state
            .db
            .coding_answers(&round_id, &cx.question_id, &[], Pass::Check)
            .await?;
        Some(agreement_of(&cx.question, &answers, &check)).filter(|a| a.overall.units() > 0)
    } else {
        None
    };
    Ok(CodingSheet {
        agreement,
        round_id,
        round_name: cx.found.round.name.clone(),
        survey_title: cx.found.survey.title.clone(),
        question: cx.question,
        pass,
        attributes: attributes.iter().map(|q| q.text.clone()).collect(),
        answers,
    })
}

/// Sets an answer's themes in `pass`. `how` says where the decision came
/// from ("hand" or "suggestion"). Returns the themes now given.
#[server(endpoint = "code_answer", input = Json)]
pub async fn code_answer(
    round_id: String,
    question: String,
    pass: String,
    response_id: String,
    themes: Vec<String>,
    how: String,
) -> Result<Vec<String>, AppError> {
    let user = crate::auth::require(Role::Worker).await?;
    let pass = parse_pass(&pass)?;
    if !["hand", "suggestion"].contains(&how.as_str()) {
        return Err(AppError::BadInput(format!(
            "\"{how}\" is not a way of coding"
        )));
    }
    let cx = context(&round_id, &question).await?;
    let themes = checked_themes(&cx.question, themes)?;
    if !cx
        .state
        .db
        .set_coding(
            &cx.found.survey_id,
            &round_id,
            &response_id,
            &question,
            pass,
            &themes,
            &user.email,
            &how,
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(themes)
}

/// Themes in codebook order, each known, and no more than the question's
/// coding mode allows.
#[cfg(feature = "ssr")]
fn checked_themes(
    question: &crate::domain::survey::Question,
    mut themes: Vec<String>,
) -> Result<Vec<String>, AppError> {
    for theme in &themes {
        if !question.themes.iter().any(|t| &t.name == theme) {
            return Err(AppError::BadInput(format!(
                "\"{theme}\" is not a theme of this question."
            )));
        }
    }
    themes.sort_by_key(|name| question.themes.iter().position(|t| &t.name == name));
    themes.dedup();
    if question.coding == CodingMode::Single && themes.len() > 1 {
        return Err(AppError::BadInput(
            "This question takes one theme per answer.".to_owned(),
        ));
    }
    Ok(themes)
}

/// Gives each listed answer that is still uncoded (main coding) its top
/// suggestion, as previewed. Answers coded meanwhile, or with no
/// suggestion, are left alone. Returns how many were coded.
#[server(endpoint = "bulk_accept", input = Json)]
pub async fn bulk_accept(
    round_id: String,
    question: String,
    response_ids: Vec<String>,
) -> Result<usize, AppError> {
    use crate::domain::suggest::Suggester;
    let user = crate::auth::require(Role::Worker).await?;
    if response_ids.len() > MAX_BULK {
        return Err(AppError::BadInput(format!(
            "At most {MAX_BULK} answers can be accepted at once."
        )));
    }
    let cx = context(&round_id, &question).await?;
    let answers = cx
        .state
        .db
        .coding_answers(&round_id, &cx.question_id, &[], Pass::Main)
        .await?;
    let suggester = Suggester::new(&cx.question.themes);
    let mut coded = 0;
    for answer in answers
        .iter()
        .filter(|a| a.themes.is_empty() && response_ids.contains(&a.response_id))
    {
        let Some(top) = suggester.suggest(&answer.text).into_iter().next() else {
            continue;
        };
        let theme = cx.question.themes[top.theme].name.clone();
        cx.state
            .db
            .set_coding(
                &cx.found.survey_id,
                &round_id,
                &answer.response_id,
                &question,
                Pass::Main,
                &[theme],
                &user.email,
                "bulk",
            )
            .await?;
        coded += 1;
    }
    tracing::info!(user = %user.email, coded, "bulk accepted top suggestions");
    Ok(coded)
}

/// Every change to one answer's coding.
#[server(endpoint = "answer_history")]
pub async fn answer_history(
    round_id: String,
    question: String,
    response_id: String,
) -> Result<Vec<CodingChange>, AppError> {
    crate::auth::require(Role::Worker).await?;
    let cx = context(&round_id, &question).await?;
    Ok(cx
        .state
        .db
        .coding_history(&response_id, &cx.question_id)
        .await?)
}

/// Stars an answer as a quote, with a proposed redacted copy (names,
/// listed schools and places replaced). Returns the proposal.
#[server(endpoint = "star_quote")]
pub async fn star_quote(
    round_id: String,
    question: String,
    response_id: String,
) -> Result<String, AppError> {
    use crate::domain::redact::propose_redaction;
    crate::auth::require(Role::Worker).await?;
    let cx = context(&round_id, &question).await?;
    let answers = cx
        .state
        .db
        .coding_answers(&round_id, &cx.question_id, &[], Pass::Main)
        .await?;
    let answer = answers
        .iter()
        .find(|a| a.response_id == response_id)
        .ok_or(AppError::NotFound)?;
    let proposal = propose_redaction(&answer.text, &cx.state.redaction);
    cx.state
        .db
        .save_quote(&response_id, &cx.question_id, Some(&proposal), None)
        .await?;
    Ok(proposal)
}

/// Saves a quote's redacted copy, approving it or not; `remove` unstars it.
#[server(endpoint = "save_quote")]
pub async fn save_quote(
    round_id: String,
    question: String,
    response_id: String,
    redacted: String,
    approve: bool,
    remove: bool,
) -> Result<(), AppError> {
    let user = crate::auth::require(Role::Worker).await?;
    let cx = context(&round_id, &question).await?;
    let redacted = redacted.trim();
    if !remove && redacted.is_empty() {
        return Err(AppError::BadInput("The quote is empty.".to_owned()));
    }
    if redacted.chars().count() > crate::domain::answers::MAX_TEXT_CHARS {
        return Err(AppError::BadInput("The quote is too long.".to_owned()));
    }
    let answers = cx
        .state
        .db
        .coding_answers(&round_id, &cx.question_id, &[], Pass::Main)
        .await?;
    if !answers.iter().any(|a| a.response_id == response_id) {
        return Err(AppError::NotFound);
    }
    cx.state
        .db
        .save_quote(
            &response_id,
            &cx.question_id,
            (!remove).then_some(redacted),
            approve.then_some(user.email.as_str()),
        )
        .await?;
    Ok(())
}

/// Agreement between the main coding and a second coder's check, over the
/// answers both have coded.
#[server(endpoint = "coding_agreement")]
pub async fn coding_agreement(round_id: String, question: String) -> Result<Agreement, AppError> {
    crate::auth::require(Role::Worker).await?;
    let cx = context(&round_id, &question).await?;
    let main = cx
        .state
        .db
        .coding_answers(&round_id, &cx.question_id, &[], Pass::Main)
        .await?;
    let check = cx
        .state
        .db
        .coding_answers(&round_id, &cx.question_id, &[], Pass::Check)
        .await?;
    Ok(agreement_of(&cx.question, &main, &check))
}

/// Agreement over the answers both passes have coded (both lists come from
/// the same query, so they are in the same order).
#[cfg(feature = "ssr")]
fn agreement_of(
    question: &crate::domain::survey::Question,
    main: &[AnswerToCode],
    check: &[AnswerToCode],
) -> Agreement {
    use crate::domain::agreement::{CodedTwice, agreement};
    let both: Vec<CodedTwice> = main
        .iter()
        .zip(check)
        .filter(|(m, c)| !m.themes.is_empty() && !c.themes.is_empty())
        .map(|(m, c)| CodedTwice {
            answer: m.text.clone(),
            first: m.themes.iter().cloned().collect(),
            second: c.themes.iter().cloned().collect(),
        })
        .collect();
    let names: Vec<String> = question.themes.iter().map(|t| t.name.clone()).collect();
    agreement(&names, &both)
}

/// `/rounds/:id/code/:question`.
#[component]
pub fn CodingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let sheet = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                params.read().get("question").unwrap_or_default(),
                query.read().get("pass").unwrap_or_default(),
            )
        },
        |(round_id, question, pass)| load_coding_sheet(round_id, question, pass),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                unless_error(sheet.await.map(|sheet| view! { <CodingScreen sheet/> }))
            })}
        </Suspense>
    }
}

/// Which answers the grid shows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Show {
    All,
    Uncoded,
    Flagged,
    Theme(String),
}

#[component]
fn CodingScreen(sheet: CodingSheet) -> impl IntoView {
    let CodingSheet {
        round_id,
        round_name,
        survey_title,
        question,
        pass,
        attributes,
        answers,
        agreement,
    } = sheet;
    let total = answers.len();
    let answers = RwSignal::new(answers);
    let show = RwSignal::new(Show::All);
    let attribute_filter = RwSignal::new((usize::MAX, String::new()));
    // Sort by this about-you answer (usize::MAX: in the order answered).
    let order = RwSignal::new(usize::MAX);
    let current = RwSignal::new(0usize);
    let one_at_a_time = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<Vec<(String, String, String)>>);
    let themes: Vec<String> = question.themes.iter().map(|t| t.name.clone()).collect();
    let theme_colours = StoredValue::new(
        question
            .themes
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if t.colour.is_empty() {
                    crate::domain::survey::palette_colour(i).to_owned()
                } else {
                    t.colour.clone()
                }
            })
            .collect::<Vec<_>>(),
    );
    let multi = question.coding == CodingMode::Multi;
    let key = question.key.clone();
    let coded = move || answers.with(|a| a.iter().filter(|a| !a.themes.is_empty()).count());
    let visible = move || -> Vec<usize> {
        let (column, value) = attribute_filter.get();
        let column_order = order.get();
        answers.with(|list| {
            let shown = list
                .iter()
                .enumerate()
                .filter(|(_, a)| match show.get() {
                    Show::All => true,
                    Show::Uncoded => a.themes.is_empty(),
                    Show::Flagged => a.flagged,
                    Show::Theme(t) => a.themes.contains(&t),
                })
                .filter(|(_, a)| column == usize::MAX || a.about_you.get(column) == Some(&value))
                .map(|(i, _)| i)
                .collect::<Vec<_>>();
            sorted_by_attribute(shown, column_order, list)
        })
    };

    // Sets answer `i`'s themes on the server, then here.
    let set_themes = {
        let (round_id, key) = (round_id.clone(), key.clone());
        move |i: usize, wanted: Vec<String>, how: &'static str| {
            let Some(response_id) =
                answers.with_untracked(|a| a.get(i).map(|a| a.response_id.clone()))
            else {
                return;
            };
            let (round_id, key) = (round_id.clone(), key.clone());
            leptos::task::spawn_local(async move {
                match code_answer(
                    round_id,
                    key,
                    pass.as_str().to_owned(),
                    response_id,
                    wanted,
                    how.to_owned(),
                )
                .await
                {
                    Ok(now) => {
                        problem.set(None);
                        answers.update(|a| a[i].themes = now);
                    }
                    Err(error) => problem.set(Some(error.to_string())),
                }
            });
        }
    };
    let toggle = {
        let (set_themes, themes) = (set_themes.clone(), themes.clone());
        move |i: usize, theme_index: usize| {
            let Some(theme) = themes.get(theme_index).cloned() else {
                return;
            };
            let mut now = answers.with_untracked(|a| a[i].themes.clone());
            if now.contains(&theme) {
                now.retain(|t| *t != theme);
            } else if multi {
                now.push(theme);
            } else {
                now = vec![theme];
            }
            set_themes(i, now, "hand");
        }
    };
    let accept_top = {
        let set_themes = set_themes.clone();
        move |i: usize| {
            if let Some(top) =
                answers.with_untracked(|a| a[i].suggestions.first().map(|s| s.theme.clone()))
            {
                let mut now = if multi {
                    answers.with_untracked(|a| a[i].themes.clone())
                } else {
                    Vec::new()
                };
                if !now.contains(&top) {
                    now.push(top);
                }
                set_themes(i, now, "suggestion");
            }
        }
    };

    // Keyboard: digits toggle themes, arrows or j/k move, Enter or `a`
    // accepts the top suggestion. Keys typed into a field are left alone.
    let handle = {
        let (toggle, accept_top) = (toggle.clone(), accept_top.clone());
        window_event_listener(leptos::ev::keydown, move |event| {
            use wasm_bindgen::JsCast;
            let typing = event
                .target()
                .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
                .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
            if typing || event.ctrl_key() || event.meta_key() || event.alt_key() {
                return;
            }
            let shown = visible();
            let Some(position) = shown
                .iter()
                .position(|&i| i == current.get_untracked())
                .or((!shown.is_empty()).then_some(0))
            else {
                return;
            };
            let key = event.key();
            match key.as_str() {
                "ArrowDown" | "j" => current.set(shown[(position + 1).min(shown.len() - 1)]),
                "ArrowUp" | "k" => current.set(shown[position.saturating_sub(1)]),
                "Enter" | "a" => accept_top(shown[position]),
                digit
                    if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() && digit != "0" =>
                {
                    toggle(shown[position], usize::from(digit.as_bytes()[0] - b'1'));
                }
                _ => return,
            }
            event.prevent_default();
            scroll_to_current(current.get_untracked());
        })
    };
    on_cleanup(move || handle.remove());

    let heading = format!("{survey_title}: {round_name}");
    let bulk_candidates = move || -> Vec<(String, String, String)> {
        answers.with(|list| {
            visible()
                .into_iter()
                .filter_map(|i| {
                    let a = &list[i];
                    let top = a.suggestions.first()?;
                    a.themes
                        .is_empty()
                        .then(|| (a.response_id.clone(), a.text.clone(), top.theme.clone()))
                })
                .collect()
        })
    };
    let confirm_bulk = {
        let (round_id, key) = (round_id.clone(), key.clone());
        move |_| {
            let Some(list) = preview.get_untracked() else {
                return;
            };
            let ids: Vec<String> = list.iter().map(|(id, _, _)| id.clone()).collect();
            let (round_id, key) = (round_id.clone(), key.clone());
            leptos::task::spawn_local(async move {
                match bulk_accept(round_id.clone(), key.clone(), ids).await {
                    Ok(_) => {
                        preview.set(None);
                        if let Ok(fresh) = load_coding_sheet(round_id, key, "main".to_owned()).await
                        {
                            answers.set(fresh.answers);
                        }
                    }
                    Err(error) => problem.set(Some(error.to_string())),
                }
            });
        }
    };
    let agreement_link = format!("/rounds/{round_id}/code/{key}");
    view! {
        <Title text=format!("Coding: {} - Heard", question.text)/>
        <div class="page-head">
            <p><a href=format!("/rounds/{round_id}")>{format!("Back to {heading}")}</a></p>
            <LogOutButton/>
        </div>
        <h1>{question.text.clone()}</h1>
        {(pass == Pass::Check).then(|| view! {
            <p class="notice">"Second coding: you see no suggestions and none of the first coder's themes. Code each answer as you read it."</p>
        })}
        <div class="coding-progress">
            <label for="coded">{move || format!("{} of {total} coded", coded())}</label>
            <progress id="coded" max=total value=coded></progress>
        </div>
        <p class="hint">"Keys: 1 to 9 give a theme (again to take it off), ↑ ↓ or j k move, Enter or a accepts the top suggestion."</p>
        {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        {(pass == Pass::Main).then(|| view! {
            <super::codebook::CodebookEditor round_id=round_id.clone() question=key.clone() themes=question.themes.clone()/>
        }.into_any())}
        <div class="coding-controls">
            <label for="show">"Show"</label>
            <select id="show" on:change=move |ev| {
                let value = event_target_value(&ev);
                show.set(match value.as_str() {
                    "uncoded" => Show::Uncoded,
                    "flagged" => Show::Flagged,
                    "" | "all" => Show::All,
                    theme => Show::Theme(theme.trim_start_matches("theme:").to_owned()),
                });
            }>
                <option value="all">"All answers"</option>
                <option value="uncoded">"Not yet coded"</option>
                <option value="flagged">"Flagged for a look"</option>
                {themes.iter().map(|t| view! { <option value=format!("theme:{t}")>{format!("Coded {t}")}</option> }).collect_view()}
            </select>
            {(!attributes.is_empty()).then(|| {
                let values: Vec<(usize, String)> = answers.with_untracked(|list| {
                    let mut values: Vec<(usize, String)> = list
                        .iter()
                        .flat_map(|a| a.about_you.iter().cloned().enumerate())
                        .filter(|(_, v)| !v.is_empty())
                        .collect();
                    values.sort();
                    values.dedup();
                    values
                });
                view! {
                    <label for="about">"About you"</label>
                    <select id="about" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        attribute_filter.set(match value.split_once(':') {
                            Some((column, v)) => (column.parse().unwrap_or(usize::MAX), v.to_owned()),
                            None => (usize::MAX, String::new()),
                        });
                    }>
                        <option value="">"Everyone"</option>
                        {values.into_iter().map(|(column, value)| view! {
                            <option value=format!("{column}:{value}")>{value.clone()}</option>
                        }).collect_view()}
                    </select>
                }
            })}
            {(!attributes.is_empty()).then(|| view! {
                <label for="order">"Order"</label>
                <select id="order" on:change=move |ev| order.set(event_target_value(&ev).parse().unwrap_or(usize::MAX))>
                    <option value="">"As answered"</option>
                    {attributes.iter().enumerate().map(|(i, a)| view! { <option value=i.to_string()>{format!("By {a}")}</option> }).collect_view()}
                </select>
            })}
            <label class="check">
                <input type="checkbox" on:change=move |ev| one_at_a_time.set(event_target_checked(&ev))/>
                " One at a time"
            </label>
            {(pass == Pass::Main).then(|| view! {
                <button type="button" class="button button-secondary" on:click=move |_| preview.set(Some(bulk_candidates()))>
                    {move || format!("Accept top suggestions for the {} shown uncoded answers…", bulk_candidates().len())}
                </button>
            })}
        </div>
        {move || preview.get().map(|list| {
            let confirm_bulk = confirm_bulk.clone();
            view! {
                <section class="bulk-preview" aria-labelledby="bulk-title">
                    <h2 id="bulk-title">{format!("Accept these {} suggestions?", list.len())}</h2>
                    <table class="table">
                        <thead><tr><th scope="col">"Answer"</th><th scope="col">"Theme it would get"</th></tr></thead>
                        <tbody>
                            {list.iter().map(|(_, text, theme)| view! { <tr><td>{text.clone()}</td><td>{theme.clone()}</td></tr> }).collect_view()}
                        </tbody>
                    </table>
                    <div class="button-group">
                        <button type="button" class="button" on:click=confirm_bulk>{format!("Accept all {}", list.len())}</button>
                        <button type="button" class="button button-secondary" on:click=move |_| preview.set(None)>"Cancel"</button>
                    </div>
                </section>
            }
        })}
        <ol class="coding-list">
            {
            let (round_id, key, themes, attributes) = (round_id.clone(), key.clone(), themes.clone(), attributes.clone());
            move || {
                let shown = visible();
                let only = one_at_a_time.get();
                shown.into_iter().filter(|&i| !only || i == current.get()).map(|i| {
                    let answer = answers.with(|a| a[i].clone());
                    view! {
                        <AnswerRow
                            index=i
                            answer
                            themes=themes.clone()
                            theme_colours=theme_colours
                            attributes=attributes.clone()
                            pass
                            is_current=Signal::derive(move || current.get() == i)
                            on_focus=Callback::new(move |_| current.set(i))
                            on_toggle=Callback::new({ let toggle = toggle.clone(); move |t: usize| toggle(i, t) })
                            on_accept=Callback::new({ let accept_top = accept_top.clone(); move |_| accept_top(i) })
                            round_id=round_id.clone()
                            question=key.clone()
                        />
                    }
                }).collect_view()
            }
            }
        </ol>
        {(pass == Pass::Main).then(|| view! {
            {agreement.map(|agreement| view! { <AgreementSection agreement/> }.into_any())}
            <p><a href=format!("{agreement_link}?pass=check")>"Code these answers again as a second coder (blind)"</a></p>
        })}
    }
}

/// `shown` (indices into `answers`) sorted by one about-you answer, keeping
/// the order answered among equals; unchanged for `usize::MAX`.
fn sorted_by_attribute(
    mut shown: Vec<usize>,
    column: usize,
    answers: &[AnswerToCode],
) -> Vec<usize> {
    if column != usize::MAX {
        shown.sort_by(|&a, &b| {
            answers[a]
                .about_you
                .get(column)
                .cmp(&answers[b].about_you.get(column))
        });
    }
    shown
}

fn scroll_to_current(i: usize) {
    #[cfg(feature = "hydrate")]
    if let Some(row) = document().get_element_by_id(&format!("answer-{i}")) {
        row.scroll_into_view_with_bool(false);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = i;
}

#[component]
#[allow(clippy::too_many_arguments)]
fn AnswerRow(
    index: usize,
    answer: AnswerToCode,
    themes: Vec<String>,
    /// Each theme's colour, in the same order.
    theme_colours: StoredValue<Vec<String>>,
    attributes: Vec<String>,
    pass: Pass,
    #[prop(into)] is_current: Signal<bool>,
    on_focus: Callback<()>,
    on_toggle: Callback<usize>,
    on_accept: Callback<()>,
    round_id: String,
    question: String,
) -> impl IntoView {
    let words: Vec<String> = answer
        .suggestions
        .iter()
        .flat_map(|s| s.words.clone())
        .collect();
    let theme_colours: Vec<String> = theme_colours.get_value();
    let pieces = highlight(&answer.text, &words);
    let history = RwSignal::new(None::<Vec<CodingChange>>);
    let quote = RwSignal::new(answer.quote.clone());
    let quote_problem = RwSignal::new(None::<String>);
    let response_id = answer.response_id.clone();
    let show_history = {
        let (round_id, question, response_id) =
            (round_id.clone(), question.clone(), response_id.clone());
        move |_| {
            if history.get_untracked().is_some() {
                history.set(None);
                return;
            }
            let (round_id, question, response_id) =
                (round_id.clone(), question.clone(), response_id.clone());
            leptos::task::spawn_local(async move {
                if let Ok(changes) = answer_history(round_id, question, response_id).await {
                    history.set(Some(changes));
                }
            });
        }
    };
    let star = {
        let (round_id, question, response_id) =
            (round_id.clone(), question.clone(), response_id.clone());
        move |_| {
            let (round_id, question, response_id) =
                (round_id.clone(), question.clone(), response_id.clone());
            leptos::task::spawn_local(async move {
                match star_quote(round_id, question, response_id).await {
                    Ok(redacted) => quote.set(Some(crate::domain::coding::QuoteState {
                        redacted,
                        approved: false,
                    })),
                    Err(error) => quote_problem.set(Some(error.to_string())),
                }
            });
        }
    };
    let save = {
        let (round_id, question, response_id) =
            (round_id.clone(), question.clone(), response_id.clone());
        move |redacted: String, approve: bool, remove: bool| {
            let (round_id, question, response_id) =
                (round_id.clone(), question.clone(), response_id.clone());
            leptos::task::spawn_local(async move {
                match save_quote(
                    round_id,
                    question,
                    response_id,
                    redacted.clone(),
                    approve,
                    remove,
                )
                .await
                {
                    Ok(()) => {
                        quote_problem.set(None);
                        quote.set((!remove).then_some(crate::domain::coding::QuoteState {
                            redacted,
                            approved: approve,
                        }));
                    }
                    Err(error) => quote_problem.set(Some(error.to_string())),
                }
            });
        }
    };
    let editor_id = format!("quote-{index}");
    view! {
        <li id=format!("answer-{index}") class="coding-answer" class:current=move || is_current.get() on:click=move |_| on_focus.run(())>
            {(!attributes.is_empty()).then(|| view! {
                <p class="about-you">
                    {attributes.iter().zip(&answer.about_you).map(|(name, value)| view! {
                        <span class="chip" title=name.clone()>{if value.is_empty() { "-".to_owned() } else { value.clone() }}</span>
                    }).collect_view()}
                    {answer.flagged.then(|| view! { <span class="chip chip-flag">"Flagged for a look"</span> })}
                </p>
            })}
            <p class="answer-text">
                {pieces.into_iter().map(|(piece, matched)| if matched {
                    view! { <mark>{piece}</mark> }.into_any()
                } else {
                    piece.into_any()
                }).collect_view()}
            </p>
            {(!answer.suggestions.is_empty()).then(|| view! {
                <div class="suggestions">
                    <span class="hint">"Suggested: "</span>
                    {answer.suggestions.iter().enumerate().map(|(rank, s)| view! {
                        <span class="suggestion">
                            {format!("{} (because of: {})", s.theme, s.words.join(", "))}
                            {(rank == 0).then(|| view! {
                                <button type="button" class="button-small" on:click=move |ev| { ev.stop_propagation(); on_accept.run(()) }>"Accept"</button>
                            })}
                        </span>
                    }).collect_view()}
                </div>
            })}
            <div class="theme-buttons" role="group" aria-label="Themes">
                {themes.iter().enumerate().map(|(t, name)| {
                    let on = answer.themes.contains(name);
                    let colour = theme_colours.get(t).cloned().unwrap_or_default();
                    view! {
                        <button type="button" class="theme-button" style=format!("border-left: 8px solid {colour}") aria-pressed=if on { "true" } else { "false" }
                            on:click=move |ev| { ev.stop_propagation(); on_toggle.run(t) }>
                            // No loose text beside the name: adjacent text nodes
                            // merge in HTML and would not hydrate.
                            {(t < 9).then(|| view! { <kbd>{t + 1}</kbd> })}
                            <span>{name.clone()}</span>
                        </button>
                    }
                }).collect_view()}
            </div>
            <div class="answer-tools">
                <button type="button" class="link-button" on:click=show_history>"History"</button>
                {(pass == Pass::Main).then(|| view! {
                    <button type="button" class="link-button" on:click=star>"Star as a quote"</button>
                })}
            </div>
            {move || history.get().map(|changes| view! {
                <ul class="history">
                    {if changes.is_empty() { view! { <li>"No changes yet."</li> }.into_any() } else {
                        changes.into_iter().map(|c| view! {
                            <li>{format!("{} by {} ({}, {}): {} → {}", crate::domain::summary::day_of(c.changed_at), c.changed_by, c.how, c.pass,
                                if c.from.is_empty() { "nothing".to_owned() } else { c.from.join(", ") },
                                if c.to.is_empty() { "nothing".to_owned() } else { c.to.join(", ") })}</li>
                        }).collect_view().into_any()
                    }}
                </ul>
            })}
            {move || quote.get().map(|q| {
                let text = RwSignal::new(q.redacted.clone());
                let (save_a, save_b, save_c) = (save.clone(), save.clone(), save.clone());
                view! {
                    <div class="quote-editor">
                        <label for=editor_id.clone()>{if q.approved { "Approved quote (viewers see this)" } else { "Quote: check the redacted copy, then approve it" }}</label>
                        <textarea id=editor_id.clone() class="textarea textarea-small" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                        <div class="button-group">
                            <button type="button" class="button" on:click=move |_| save_a(text.get_untracked(), true, false)>"Approve"</button>
                            <button type="button" class="button button-secondary" on:click=move |_| save_b(text.get_untracked(), false, false)>"Save without approving"</button>
                            <button type="button" class="button button-secondary" on:click=move |_| save_c(String::new(), false, true)>"Remove quote"</button>
                        </div>
                        {move || quote_problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
                    </div>
                }
            })}
        </li>
    }
}

/// Agreement with a second coder, once one has coded some answers.
#[component]
fn AgreementSection(agreement: Agreement) -> impl IntoView {
    let a = agreement;
    let percent = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.1}%", v * 100.0));
    let number = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.3}"));
    view! {
                    <section class="agreement" aria-labelledby="agreement">
                        <h2 id="agreement">"Agreement with the second coder"</h2>
                        <table class="table">
                            <thead><tr>
                                <th scope="col">"Theme"</th>
                                <th scope="col" class="numeric">"Agreement"</th>
                                <th scope="col" class="numeric">"Cohen's kappa"</th>
                                <th scope="col" class="numeric">"Krippendorff's alpha"</th>
                            </tr></thead>
                            <tbody>
                                {a.per_theme.iter().chain(std::iter::once(&("All themes".to_owned(), a.overall))).map(|(name, t)| view! {
                                    <tr>
                                        <th scope="row">{name.clone()}</th>
                                        <td class="numeric">{percent(t.percent_agreement())}</td>
                                        <td class="numeric">{number(t.cohens_kappa())}</td>
                                        <td class="numeric">{number(t.krippendorffs_alpha())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {(!a.disagreements.is_empty()).then(|| view! {
                            <h3>{format!("{} answers coded differently", a.disagreements.len())}</h3>
                            <table class="table">
                                <thead><tr><th scope="col">"Answer"</th><th scope="col">"First coder"</th><th scope="col">"Second coder"</th></tr></thead>
                                <tbody>
                                    {a.disagreements.iter().map(|d| view! {
                                        <tr>
                                            <td>{d.answer.clone()}</td>
                                            <td>{d.first.iter().cloned().collect::<Vec<_>>().join(", ")}</td>
                                            <td>{d.second.iter().cloned().collect::<Vec<_>>().join(", ")}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        })}
                    </section>
    }
}
