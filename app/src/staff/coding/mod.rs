//! The coding screen: a round's answers to one free-text question, each
//! with its ranked suggestions and the words that made them, for the
//! worker to code by hand, by accepting a suggestion, or in bulk after a
//! preview. Keyboard first: digits toggle themes, arrows (or j/k) move,
//! Enter or `a` accepts the top suggestion. Every change is recorded.
//!
//! With `?pass=check` a second coder codes the same answers blind: no
//! suggestions and none of the main coding are shown; the main coder then
//! sees the agreement and the disagreements side by side.

use crate::domain::agreement::Agreement;
use crate::domain::coding::{
    AnswerToCode, AttributeFilter, CodingChange, CodingSheet, How, NextTo, PAGE_SIZE, Pass,
    SheetView, Show, shown, toggled, with_suggestion,
};
use crate::domain::flags::highlight;
use crate::ui::{LogOutButton, unless_error};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

mod rows;
// `load_coding_sheet` takes the address's values one by one, and the
// client function Leptos makes of it does not keep an item's `allow`.
#[allow(clippy::too_many_arguments)]
mod server;

use rows::{AgreementSection, AnswerRow};
pub use server::*;

/// `/rounds/:id/code/:question`.
#[component]
pub fn CodingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let sheet = Resource::new(
        move || {
            let query = query.read();
            let value = |name: &str| query.get(name).unwrap_or_default();
            (
                params.read().get("id").unwrap_or_default(),
                params.read().get("question").unwrap_or_default(),
                [
                    value("pass"),
                    value("show"),
                    value("about"),
                    value("order"),
                    value("from"),
                    value("after"),
                    value("before"),
                    value("language"),
                ],
            )
        },
        |(round_id, question, [pass, show, about, order, from, after, before, language])| {
            load_coding_sheet(
                round_id, question, pass, show, about, order, from, after, before, language,
            )
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                unless_error(sheet.await.map(|sheet| view! { <CodingScreen sheet/> }))
            })}
        </Suspense>
    }
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
        about_you_values,
        view,
        languages,
        answers,
        shown: shown_in_all,
        shown_at_least,
        total,
        coded: coded_in_all,
        agreement,
    } = sheet;
    let coded_here = |list: &[AnswerToCode]| list.iter().filter(|a| !a.themes.is_empty()).count();
    // Answers coded on other pages: the progress is those and this page's.
    let coded_elsewhere = RwSignal::new(coded_in_all.saturating_sub(coded_here(&answers)));
    // What the server last said of the view: how many it shows in all, and
    // how many of them came on this page (a bulk accept loads it again).
    let first_shown_in_all = shown_in_all;
    let shown_in_all = RwSignal::new(shown_in_all);
    let shown_at_least = RwSignal::new(shown_at_least);
    let on_page = RwSignal::new(answers.len());
    let answers = RwSignal::new(answers);
    // The page applies the view again as answers are coded, so an answer
    // coded under "Not yet coded" leaves it at once.
    let chosen = StoredValue::new((view.show.clone(), view.about.clone(), view.order));
    let navigate = leptos_router::hooks::use_navigate();
    let path = format!("/rounds/{round_id}/code/{}", question.key);
    // Goes to the page of the screen's view changed by `change`.
    let go = {
        let (view, path) = (view.clone(), path.clone());
        move |change: &dyn Fn(&mut SheetView)| {
            let mut view = view.clone();
            change(&mut view);
            navigate(
                &format!("{path}{}", view.query(pass, 0, None)),
                Default::default(),
            );
        }
    };
    let current = RwSignal::new(0usize);
    let one_at_a_time = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<Vec<(String, String, String)>>);
    let themes: Vec<String> = question.themes().iter().map(|t| t.name.clone()).collect();
    let theme_colours = StoredValue::new(
        question
            .themes()
            .iter()
            .enumerate()
            .map(|(i, t)| t.colour_at(i))
            .collect::<Vec<_>>(),
    );
    let mode = question.coding();
    let key = question.key.clone();
    let coded = move || coded_elsewhere.get() + answers.with(|a| coded_here(a));
    let visible = move || -> Vec<usize> {
        chosen.with_value(|(show, about, order)| {
            answers.with(|list| shown(list, show, about.as_ref(), *order))
        })
    };

    // Sets answer `i`'s themes on the server, then here.
    let set_themes = {
        let (round_id, key) = (round_id.clone(), key.clone());
        move |i: usize, wanted: Vec<String>, how: How| {
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
                    response_id.clone(),
                    wanted,
                    how.as_str().to_owned(),
                )
                .await
                {
                    Ok(now) => {
                        problem.set(None);
                        // By id: a bulk accept may have changed the page
                        // while this was on its way.
                        answers.update(|list| {
                            if let Some(answer) =
                                list.iter_mut().find(|a| a.response_id == response_id)
                            {
                                answer.themes = now;
                            }
                        });
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
            let now = answers.with_untracked(|a| toggled(&a[i].themes, &theme, mode));
            set_themes(i, now, How::Hand);
        }
    };
    let accept_top = {
        let set_themes = set_themes.clone();
        move |i: usize| {
            if let Some(top) =
                answers.with_untracked(|a| a[i].suggestions.first().map(|s| s.theme.clone()))
            {
                let now = answers.with_untracked(|a| with_suggestion(&a[i].themes, &top, mode));
                set_themes(i, now, How::Suggestion);
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
        let (round_id, key, view) = (round_id.clone(), key.clone(), view.clone());
        move |_| {
            let Some(list) = preview.get_untracked() else {
                return;
            };
            let ids: Vec<String> = list.iter().map(|(id, _, _)| id.clone()).collect();
            let (round_id, key, view) = (round_id.clone(), key.clone(), view.clone());
            leptos::task::spawn_local(async move {
                match bulk_accept(round_id.clone(), key.clone(), ids).await {
                    Ok(_) => {
                        preview.set(None);
                        let [show, about, order, from, after, before, language] = view.values();
                        let fresh = load_coding_sheet(
                            round_id,
                            key,
                            "main".to_owned(),
                            show,
                            about,
                            order,
                            from,
                            after,
                            before,
                            language,
                        )
                        .await;
                        if let Ok(fresh) = fresh {
                            coded_elsewhere
                                .set(fresh.coded.saturating_sub(coded_here(&fresh.answers)));
                            shown_in_all.set(fresh.shown);
                            shown_at_least.set(fresh.shown_at_least);
                            on_page.set(fresh.answers.len());
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
            <super::codebook::CodebookEditor round_id=round_id.clone() question=key.clone() themes=question.themes().to_vec()/>
        }.into_any())}
        <div class="coding-controls">
            <label for="show">"Show"</label>
            <select id="show" on:change={
                let go = go.clone();
                move |ev| {
                    let value = Show::parse(&event_target_value(&ev));
                    go(&|view| view.show = value.clone());
                }
            }>
                <option value="all" selected=view.show == Show::All>"All answers"</option>
                <option value="uncoded" selected=view.show == Show::Uncoded>"Not yet coded"</option>
                <option value="flagged" selected=view.show == Show::Flagged>"Flagged for a look"</option>
                {themes.iter().map(|t| {
                    let selected = view.show == Show::Theme(t.clone());
                    view! { <option value=format!("theme:{t}") selected=selected>{format!("Coded {t}")}</option> }
                }).collect_view()}
            </select>
            {(!attributes.is_empty()).then(|| {
                let go = go.clone();
                let chosen = view.about.clone();
                view! {
                    <label for="about">"About you"</label>
                    <select id="about" on:change=move |ev| {
                        let value = AttributeFilter::parse(&event_target_value(&ev));
                        go(&|view| view.about = value.clone());
                    }>
                        <option value="" selected=chosen.is_none()>"Everyone"</option>
                        {about_you_values.into_iter().map(|(column, value)| {
                            let selected = chosen.as_ref().is_some_and(|c| c.column == column && c.value == value);
                            view! { <option value=format!("{column}:{value}") selected=selected>{value.clone()}</option> }
                        }).collect_view()}
                    </select>
                }
            })}
            {(!languages.is_empty()).then(|| {
                let go = go.clone();
                let chosen = view.language.clone();
                view! {
                    <label for="language">"Language"</label>
                    <select id="language" on:change=move |ev| {
                        let value = Some(event_target_value(&ev)).filter(|v| !v.is_empty());
                        go(&|view| view.language = value.clone());
                    }>
                        <option value="" selected=chosen.is_none()>"Every language"</option>
                        {languages.into_iter().map(|(tag, name)| {
                            let selected = chosen.as_deref() == Some(tag.as_str());
                            view! { <option value=tag selected=selected>{name}</option> }
                        }).collect_view()}
                    </select>
                }
            })}
            {(!attributes.is_empty()).then(|| {
                let go = go.clone();
                view! {
                    <label for="order">"Order"</label>
                    <select id="order" on:change=move |ev| {
                        let value = event_target_value(&ev).parse().ok();
                        go(&|view| view.order = value);
                    }>
                        <option value="" selected=view.order.is_none()>"As answered"</option>
                        {attributes.iter().enumerate().map(|(i, a)| view! { <option value=i.to_string() selected=view.order == Some(i)>{format!("By {a}")}</option> }).collect_view()}
                    </select>
                }
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
        {(first_shown_in_all > PAGE_SIZE || view.from > 0).then(|| {
            // The view may lose answers as they are coded ("Not yet
            // coded"): the next page starts after those still shown, read
            // on from the page's last answer (see `SheetView::next_to`).
            let from = view.from;
            let still_shown = move || visible().len();
            let left_the_view = move || on_page.get().saturating_sub(still_shown());
            let (view, path) = (view.clone(), path.clone());
            let link = move |from: usize, next_to: Option<NextTo>| {
                format!("{path}{}", view.query(pass, from, next_to))
            };
            let (previous, next) = (link.clone(), link);
            // In the order the server sent them (the page re-sorts only
            // what it shows), and as a bulk accept reloads them: what the
            // pages before and after start from.
            let first = move || answers.with(|list| list.first().map(|a| a.response_id.clone()));
            let last = move || answers.with(|list| list.last().map(|a| a.response_id.clone()));
            view! {
                <nav class="pager" aria-label="Pages of answers">
                    {(from > 0).then(|| view! { <a href=move || previous(from.saturating_sub(PAGE_SIZE), first().map(NextTo::Before)) rel="prev">"Previous answers"</a> })}
                    <span>{move || {
                        let total = shown_in_all.get().saturating_sub(left_the_view());
                        let of = if shown_at_least.get() {
                            format!("more than {total}")
                        } else {
                            total.to_string()
                        };
                        if still_shown() == 0 {
                            format!("No more answers here: {of} shown in all")
                        } else {
                            format!("Answers {} to {} of {of}", from + 1, from + still_shown())
                        }
                    }}</span>
                    {move || (from + still_shown() < shown_in_all.get().saturating_sub(left_the_view())).then(|| {
                        view! { <a href=next(from + still_shown(), last().map(NextTo::After)) rel="next">"Next answers"</a> }
                    })}
                </nav>
            }
        })}
        {(pass == Pass::Main).then(|| view! {
            {agreement.map(|agreement| view! { <AgreementSection agreement/> }.into_any())}
            <p><a href=format!("{agreement_link}?pass=check")>"Code these answers again as a second coder (blind)"</a></p>
        })}
    }
}

fn scroll_to_current(i: usize) {
    #[cfg(feature = "hydrate")]
    if let Some(row) = document().get_element_by_id(&format!("answer-{i}")) {
        row.scroll_into_view_with_bool(false);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = i;
}
