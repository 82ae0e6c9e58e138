//! The codebook beside the coding screen: themes added, edited, renamed,
//! reordered and merged while coding, and keywords learned from the
//! answers coded so far, each added with one click.

use crate::domain::learn::LearnedKeyword;
use crate::domain::survey::Theme;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::domain::account::Role;

/// The longest theme description or keyword list, in characters.
#[cfg(feature = "ssr")]
pub const MAX_THEME_TEXT: usize = 2_000;

/// A change to a question's codebook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodebookEdit {
    Add {
        name: String,
        description: String,
    },
    Edit {
        name: String,
        description: String,
        keywords: Vec<String>,
        colour: String,
    },
    Rename {
        from: String,
        to: String,
    },
    Move {
        name: String,
        up: bool,
    },
    Merge {
        from: String,
        into: String,
    },
    AddKeyword {
        theme: String,
        keyword: String,
    },
}

/// A learned keyword with up to three of the answers it comes from.
pub type KeywordWithExamples = (LearnedKeyword, Vec<String>);

/// Keywords learned for each theme (in codebook order) from this round's
/// main coding, with the answers each comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Learned {
    pub themes: Vec<(String, Vec<KeywordWithExamples>)>,
}

/// Changes the codebook of a round's free-text question. Workers only.
#[server(endpoint = "edit_codebook", input = Json)]
pub async fn edit_codebook(
    round_id: String,
    question: String,
    edit: CodebookEdit,
) -> Result<(), AppError> {
    use crate::db::CodebookChange;
    let user = crate::auth::require(Role::Worker).await?;
    let super::coding::Context {
        state,
        question: current,
        question_id,
        ..
    } = super::coding::context(&round_id, &question).await?;
    let name_rule = |name: &str| -> Result<String, AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::BadInput(
                "A theme's name needs 1 to 100 characters.".to_owned(),
            ));
        }
        Ok(name.to_owned())
    };
    let long = |text: &str| text.chars().count() > MAX_THEME_TEXT;
    let change = match edit {
        CodebookEdit::Add { name, description } => {
            if long(&description) {
                return Err(AppError::BadInput(
                    "The description is too long.".to_owned(),
                ));
            }
            state
                .db
                .add_theme(&question_id, &name_rule(&name)?, description.trim())
                .await?
        }
        CodebookEdit::Edit {
            name,
            description,
            keywords,
            colour,
        } => {
            let keywords: Vec<String> = keywords
                .iter()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect();
            if long(&description) || long(&keywords.join("\n")) {
                return Err(AppError::BadInput(
                    "The description or keywords are too long.".to_owned(),
                ));
            }
            let colour = colour.trim().to_lowercase();
            if !crate::domain::survey::valid_colour(&colour) {
                return Err(AppError::BadInput(
                    "A colour is written #rrggbb, like #0072b2.".to_owned(),
                ));
            }
            state
                .db
                .edit_theme(&question_id, &name, description.trim(), &keywords, &colour)
                .await?
        }
        CodebookEdit::Rename { from, to } => {
            state
                .db
                .rename_theme(&question_id, &from, &name_rule(&to)?)
                .await?
        }
        CodebookEdit::Move { name, up } => state.db.move_theme(&question_id, &name, up).await?,
        CodebookEdit::Merge { from, into } => {
            state
                .db
                .merge_themes(&question_id, &from, &into, &user.email)
                .await?
                .0
        }
        CodebookEdit::AddKeyword { theme, keyword } => {
            let Some(existing) = current.themes().iter().find(|t| t.name == theme) else {
                return Err(AppError::NotFound);
            };
            let mut keywords = existing.keywords.clone();
            let keyword = keyword.trim().to_lowercase();
            if keyword.is_empty() {
                return Err(AppError::BadInput("The keyword is empty.".to_owned()));
            }
            if !keywords.contains(&keyword) {
                keywords.push(keyword);
            }
            state
                .db
                .edit_theme(
                    &question_id,
                    &theme,
                    &existing.description,
                    &keywords,
                    &existing.colour,
                )
                .await?
        }
    };
    match change {
        CodebookChange::Done => {
            tracing::info!(user = %user.email, "codebook changed");
            Ok(())
        }
        CodebookChange::NoSuchTheme => Err(AppError::NotFound),
        CodebookChange::NameTaken => Err(AppError::BadInput(
            "Another theme already has that name.".to_owned(),
        )),
    }
}

/// Keywords that set each theme apart in the answers coded so far.
#[server(endpoint = "learned_keywords")]
pub async fn learned_keywords(round_id: String, question: String) -> Result<Learned, AppError> {
    use crate::domain::text::tokens;
    crate::auth::require(Role::Worker).await?;
    let super::coding::Context {
        state,
        question: current,
        question_id,
        ..
    } = super::coding::context(&round_id, &question).await?;
    let coded: Vec<(String, Vec<usize>)> = state
        .db
        .coded_answers(&round_id, &question_id)
        .await?
        .into_iter()
        .map(|(text, names)| {
            let themes = names
                .iter()
                .filter_map(|n| current.themes().iter().position(|t| &t.name == n))
                .collect();
            (text, themes)
        })
        .collect();
    let known: Vec<std::collections::BTreeSet<String>> = current
        .themes()
        .iter()
        .map(|t: &Theme| {
            t.keywords
                .iter()
                .flat_map(|k| tokens(k).into_iter().map(|tok| tok.stem))
                .collect()
        })
        .collect();
    let learned =
        crate::domain::learn::learned_keywords(current.themes().len(), &coded, &known, 8, 1.0);
    Ok(Learned {
        themes: current
            .themes()
            .iter()
            .zip(learned)
            .map(|(theme, words)| {
                let words = words
                    .into_iter()
                    .map(|k| {
                        let examples = k
                            .answers
                            .iter()
                            .take(3)
                            .map(|&i| coded[i].0.clone())
                            .collect();
                        (k, examples)
                    })
                    .collect();
                (theme.name.clone(), words)
            })
            .collect(),
    })
}

/// The codebook editor. After each change the page reloads, so the
/// answers, suggestions and buttons all follow the new codebook.
#[component]
pub fn CodebookEditor(round_id: String, question: String, themes: Vec<Theme>) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let apply = {
        let (round_id, question) = (round_id.clone(), question.clone());
        move |edit: CodebookEdit| {
            let (round_id, question) = (round_id.clone(), question.clone());
            leptos::task::spawn_local(async move {
                match edit_codebook(round_id, question, edit).await {
                    Ok(()) => reload(),
                    Err(error) => problem.set(Some(error.to_string())),
                }
            });
        }
    };
    // Learned on request (a click), not while the page loads: it reads
    // every coded answer.
    let learned = RwSignal::new(None::<Result<Learned, AppError>>);
    let learn = {
        let (round_id, question) = (round_id.clone(), question.clone());
        move |_| {
            let (round_id, question) = (round_id.clone(), question.clone());
            leptos::task::spawn_local(async move {
                learned.set(Some(learned_keywords(round_id, question).await));
            });
        }
    };
    let names: Vec<String> = themes.iter().map(|t| t.name.clone()).collect();
    let new_name = RwSignal::new(String::new());
    let add = apply.clone();
    view! {
        <details class="codebook">
            <summary>"Codebook: add, rename, reorder and merge themes; keywords"</summary>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            {themes.into_iter().enumerate().map(|(i, theme)| {
                let apply = apply.clone();
                let others: Vec<String> = names.iter().filter(|n| **n != theme.name).cloned().collect();
                let rename_to = RwSignal::new(theme.name.clone());
                let description = RwSignal::new(theme.description.clone());
                let keywords = RwSignal::new(theme.keywords.join("\n"));
                let colour = RwSignal::new(theme.colour_at(i));
                let merge_into = RwSignal::new(others.first().cloned().unwrap_or_default());
                let name = theme.name.clone();
                let (a1, a2, a3, a4, a5) = (apply.clone(), apply.clone(), apply.clone(), apply.clone(), apply);
                let (n1, n2, n3, n4, n5) = (name.clone(), name.clone(), name.clone(), name.clone(), name.clone());
                view! {
                    <fieldset class="codebook-theme">
                        <legend>{format!("{}. {}", i + 1, theme.name)}</legend>
                        <label for=format!("rename-{i}")>"Name"</label>
                        <input id=format!("rename-{i}") class="input" prop:value=move || rename_to.get() on:input=move |ev| rename_to.set(event_target_value(&ev))/>
                        <button type="button" class="button-small" on:click=move |_| a1(CodebookEdit::Rename { from: n1.clone(), to: rename_to.get_untracked() })>"Rename"</button>
                        <button type="button" class="button-small" aria-label=format!("Move {} up", name) on:click=move |_| a2(CodebookEdit::Move { name: n2.clone(), up: true })>"↑"</button>
                        <button type="button" class="button-small" aria-label=format!("Move {} down", name) on:click=move |_| a3(CodebookEdit::Move { name: n3.clone(), up: false })>"↓"</button>
                        <label for=format!("description-{i}")>"What belongs here, and what does not"</label>
                        <textarea id=format!("description-{i}") class="textarea textarea-small" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                        <label for=format!("keywords-{i}")>"Keywords and phrases, one per line"</label>
                        <textarea id=format!("keywords-{i}") class="textarea textarea-small" prop:value=move || keywords.get() on:input=move |ev| keywords.set(event_target_value(&ev))></textarea>
                        <label for=format!("colour-{i}")>"Colour"</label>
                        <input id=format!("colour-{i}") type="color" prop:value=move || colour.get() on:input=move |ev| colour.set(event_target_value(&ev))/>
                        <button type="button" class="button-small" on:click=move |_| a4(CodebookEdit::Edit {
                            name: n4.clone(),
                            description: description.get_untracked(),
                            keywords: keywords.get_untracked().lines().map(str::to_owned).collect(),
                            colour: colour.get_untracked(),
                        })>"Save description, keywords and colour"</button>
                        {(!others.is_empty()).then(|| view! {
                            <label for=format!("merge-{i}")>"Merge into"</label>
                            <select id=format!("merge-{i}") on:change=move |ev| merge_into.set(event_target_value(&ev))>
                                {others.iter().map(|o| view! { <option value=o.clone()>{o.clone()}</option> }).collect_view()}
                            </select>
                            <button type="button" class="button-small" on:click=move |_| a5(CodebookEdit::Merge { from: n5.clone(), into: merge_into.get_untracked() })>"Merge"</button>
                        })}
                    </fieldset>
                }
            }).collect_view()}
            <div class="codebook-add">
                <label for="new-theme">"New theme"</label>
                <input id="new-theme" class="input" prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev))/>
                <button type="button" class="button-small" on:click=move |_| add(CodebookEdit::Add { name: new_name.get_untracked(), description: String::new() })>"Add theme"</button>
            </div>
            <h3>"Keywords learned from the answers coded so far"</h3>
            <button type="button" class="button-small" on:click=learn>"Learn keywords from the answers coded so far"</button>
            {move || learned.get().map(|result| match result {
                Ok(learned) => view! { <LearnedList learned round_id=round_id.clone() question=question.clone() problem/> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </details>
    }
}

#[component]
fn LearnedList(
    learned: Learned,
    round_id: String,
    question: String,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let any = learned.themes.iter().any(|(_, words)| !words.is_empty());
    if !any {
        return view! { <p class="hint">"None yet: code some answers first."</p> }.into_any();
    }
    view! {
        <ul class="learned">
            {learned.themes.into_iter().filter(|(_, w)| !w.is_empty()).map(|(theme, words)| view! {
                <li>
                    <strong>{theme.clone()}</strong>": "
                    {words.into_iter().map(|(keyword, examples)| {
                        let (round_id, question, theme, word) = (round_id.clone(), question.clone(), theme.clone(), keyword.word.clone());
                        view! {
                            <button type="button" class="button-small" title=format!("From: {}", examples.join(" | "))
                                on:click=move |_| {
                                    let edit = CodebookEdit::AddKeyword { theme: theme.clone(), keyword: word.clone() };
                                    let (round_id, question) = (round_id.clone(), question.clone());
                                    leptos::task::spawn_local(async move {
                                        match edit_codebook(round_id, question, edit).await {
                                            Ok(()) => reload(),
                                            Err(error) => problem.set(Some(error.to_string())),
                                        }
                                    });
                                }>
                                {format!("+ {} ({} answers)", keyword.word, keyword.answers.len())}
                            </button>
                        }
                    }).collect_view()}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

fn reload() {
    #[cfg(feature = "hydrate")]
    let _ = window().location().reload();
}
