//! Building surveys in the browser: the list of surveys with their files
//! (download, or paste one to import), and an editor for a survey's
//! questions. Everything saved goes through the same rules as a survey file
//! and the same refusal to orphan stored answers.

use crate::domain::rounds::SurveySummary;
use crate::domain::survey::{CodingMode, QuestionDraft, QuestionKind, SurveyDraft};
use crate::error::AppError;
use crate::ui::ErrorSummary;
use crate::ui::{LogOutButton, unless_error};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[cfg(feature = "ssr")]
use crate::domain::account::Role;

#[server(endpoint = "list_surveys")]
pub async fn list_surveys() -> Result<Vec<SurveySummary>, AppError> {
    crate::auth::require(Role::Worker).await?;
    let state = crate::state::app_state()?;
    Ok(state.db.survey_summaries().await?)
}

#[server(endpoint = "load_survey_for_edit")]
pub async fn load_survey_for_edit(slug: String) -> Result<SurveyDraft, AppError> {
    crate::auth::require(Role::Worker).await?;
    let state = crate::state::app_state()?;
    Ok(state
        .db
        .survey_by_slug(&slug)
        .await?
        .ok_or(AppError::NotFound)?
        .1
        .to_draft())
}

/// Saves a survey from the editor: checked by the file rules, then created
/// or updated (refused if that would orphan stored answers). A new survey
/// may not take the slug of an existing one.
#[server(endpoint = "save_survey", input = Json)]
pub async fn save_survey(survey: SurveyDraft, is_new: bool) -> Result<String, AppError> {
    let user = crate::auth::require(Role::Worker).await?;
    let state = crate::state::app_state()?;
    // The editor does not edit translations: they are the stored ones,
    // fitted to the edit, never the copy the page was opened with.
    let mut survey = survey;
    survey.languages = match state.db.survey_by_slug(&survey.slug).await? {
        Some((_, stored)) if !is_new => crate::domain::languages::realigned(&stored, &survey),
        _ => Default::default(),
    };
    let survey = crate::domain::survey_file::check(&survey).map_err(AppError::BadInput)?;
    if is_new && state.db.survey_by_slug(&survey.slug).await?.is_some() {
        return Err(AppError::BadInput(format!(
            "There is already a survey with the short name \"{}\". Choose another.",
            survey.slug
        )));
    }
    store(&state.db, &survey).await?;
    tracing::info!(user = %user.email, survey = %survey.slug, "survey saved in the editor");
    Ok(survey.slug)
}

/// Imports a pasted survey file, then goes back to the list.
#[server(endpoint = "import_survey_file")]
pub async fn import_survey_file(text: String) -> Result<(), AppError> {
    let user = crate::auth::require(Role::Worker).await?;
    let state = crate::state::app_state()?;
    let survey =
        crate::domain::survey_file::parse(&text).map_err(|e| AppError::BadInput(e.to_string()))?;
    store(&state.db, &survey).await?;
    tracing::info!(user = %user.email, survey = %survey.slug, "survey file imported");
    leptos_axum::redirect("/surveys");
    Ok(())
}

#[cfg(feature = "ssr")]
async fn store(db: &crate::db::Db, survey: &crate::domain::survey::Survey) -> Result<(), AppError> {
    match crate::use_cases::surveys::save_survey(db, survey).await? {
        crate::use_cases::surveys::Saved::Refused(problems) => Err(AppError::BadInput(format!(
            "Not saved, because answers already given would be lost: {}.",
            problems.join("; ")
        ))),
        _ => Ok(()),
    }
}

#[component]
pub fn SurveysPage() -> impl IntoView {
    let import = ServerAction::<ImportSurveyFile>::new();
    let surveys = Resource::new(move || import.version().get(), |_| list_surveys());
    view! {
        <Title text="Surveys - Heard"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                unless_error(surveys.await.map(|surveys| view! {
                    <div class="page-head">
                        <p><a href="/rounds">"All rounds"</a></p>
                        <LogOutButton/>
                    </div>
                    <h1>"Surveys"</h1>
                    <p><a class="button" href="/surveys/new">"New survey"</a></p>
                    <table class="table">
                        <caption class="visually-hidden">"Every survey"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Survey"</th>
                                <th scope="col">"Short name"</th>
                                <th scope="col" class="numeric">"Questions"</th>
                                <th scope="col">"File"</th>
                                <th scope="col">"Languages"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {surveys.into_iter().map(|s| view! {
                                <tr>
                                    <td><a href=format!("/surveys/{}/edit", s.slug)>{s.title}</a></td>
                                    <td>{s.slug.clone()}</td>
                                    <td class="numeric">{s.questions}</td>
                                    <td><a href=format!("/surveys/{}/survey.toml", s.slug)>"Download " {s.slug.clone()} ".toml"</a></td>
                                    <td><a href=format!("/surveys/{}/translations", s.slug)>"Translations of " {s.slug.clone()}</a></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }))
            })}
        </Suspense>
        <h2>"Import a survey file"</h2>
        {move || import.value().get().and_then(Result::err).map(|error| view! {
            <ErrorSummary problems=vec![("survey-file".to_owned(), error.to_string())]/>
        })}
        <ActionForm action=import attr:class="import-form">
            <div class="field">
                <label class="label" for="survey-file">"Survey file (paste the whole file)"</label>
                <p class="hint" id="survey-file-hint">"The format is in Heard's README. A survey with the same short name is updated."</p>
                <textarea class="textarea" id="survey-file" name="text" rows="10" aria-describedby="survey-file-hint"></textarea>
            </div>
            <button class="button" type="submit">"Import"</button>
        </ActionForm>
    }
}

/// `/surveys/new` and `/surveys/SLUG/edit`.
#[component]
pub fn SurveyEditorPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug");
    let loaded = Resource::new(slug, |slug| async move {
        match slug {
            Some(slug) => load_survey_for_edit(slug).await.map(Some),
            None => Ok(None),
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                unless_error(loaded.await.map(|existing| view! { <SurveyEditor existing/> }))
            })}
        </Suspense>
    }
}

fn blank_question(number: usize) -> QuestionDraft {
    QuestionDraft {
        key: format!("q{number}"),
        kind: QuestionKind::Text,
        ..QuestionDraft::default()
    }
}

#[component]
fn SurveyEditor(existing: Option<SurveyDraft>) -> impl IntoView {
    let is_new = existing.is_none();
    let survey = RwSignal::new(existing.unwrap_or_else(|| SurveyDraft {
        slug: String::new(),
        title: String::new(),
        questions: vec![blank_question(1)],
        languages: Default::default(),
    }));
    // Only a change in the number of questions redraws the list, so typing
    // never loses its place.
    let count = Memo::new(move |_| survey.with(|s| s.questions.len()));
    let save = ServerAction::<SaveSurvey>::new();
    let add = move |_| survey.update(|s| s.questions.push(blank_question(s.questions.len() + 1)));
    let heading = if is_new { "New survey" } else { "Edit survey" };
    view! {
        <Title text=format!("{heading} - Heard")/>
        <p><a href="/surveys">"All surveys"</a></p>
        <h1>{heading}</h1>
        <noscript>
            <p class="lead">"This editor needs JavaScript. You can also paste a survey file on the " <a href="/surveys">"Surveys"</a> " page."</p>
        </noscript>
        {move || save.value().get().map(|result| match result {
            Ok(slug) => view! {
                <p class="notice" role="status">"Saved. " <a href="/surveys">"Back to the surveys"</a></p>
                <span hidden>{slug}</span>
            }.into_any(),
            Err(error) => view! { <ErrorSummary problems=vec![("survey-title".to_owned(), error.to_string())]/> }.into_any(),
        })}
        <TextField id="survey-title" label="Title" value=Signal::derive(move || survey.with(|s| s.title.clone())) set=move |v| survey.update(|s| s.title = v)/>
        <div class="field">
            <label class="label" for="survey-slug">"Short name"</label>
            <p class="hint" id="survey-slug-hint">"Lower-case letters, digits and dashes, e.g. ap-voice. It cannot change later."</p>
            <input class="input" id="survey-slug" type="text" aria-describedby="survey-slug-hint" disabled=!is_new
                prop:value=move || survey.with(|s| s.slug.clone())
                on:input=move |ev| survey.update(|s| s.slug = event_target_value(&ev))/>
        </div>
        {move || (0..count.get()).map(|index| view! { <QuestionEditor survey index/> }).collect_view()}
        <div class="button-group">
            <button class="button button-secondary" type="button" on:click=add>"Add a question"</button>
            <button class="button" type="button" on:click=move |_| {
                save.dispatch(SaveSurvey { survey: survey.get_untracked(), is_new });
            }>"Save survey"</button>
        </div>
    }
}

#[component]
fn TextField(
    id: &'static str,
    label: &'static str,
    value: Signal<String>,
    set: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <div class="field">
            <label class="label" for=id>{label}</label>
            <input class="input" id=id type="text" prop:value=value on:input=move |ev| set(event_target_value(&ev))/>
        </div>
    }
}

#[component]
fn QuestionEditor(survey: RwSignal<SurveyDraft>, index: usize) -> impl IntoView {
    let get = move |read: fn(&QuestionDraft) -> String| {
        Signal::derive(move || {
            survey.with(|s| s.questions.get(index).map(read).unwrap_or_default())
        })
    };
    let edit = move |change: Box<dyn Fn(&mut QuestionDraft)>| {
        survey.update(|s| {
            if let Some(question) = s.questions.get_mut(index) {
                change(question);
            }
        })
    };
    let kind = Memo::new(move |_| {
        survey.with(|s| s.questions.get(index).map(|q| q.kind).unwrap_or_default())
    });
    let id = move |field: &str| format!("q{index}-{field}");
    let lines = |text: String| {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    view! {
        <fieldset class="fieldset question-editor">
            <legend class="legend"><h2>{format!("Question {}", index + 1)}</h2></legend>
            <div class="field">
                <label class="label" for=id("text")>"Question"</label>
                <textarea class="textarea textarea-small" id=id("text") rows="2"
                    prop:value=get(|q| q.text.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |q| q.text = v.clone())) }></textarea>
            </div>
            <div class="field">
                <label class="label" for=id("key")>"Key"</label>
                <p class="hint" id=id("key-hint")>"Names the question in files and reports: lower-case letters, digits and underscores."</p>
                <input class="input" id=id("key") type="text" aria-describedby=id("key-hint")
                    prop:value=get(|q| q.key.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |q| q.key = v.clone())) }/>
            </div>
            <div class="field">
                <label class="label" for=id("kind")>"Kind of answer"</label>
                <select class="input" id=id("kind")
                    prop:value=move || kind.get().as_str()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |q| q.kind = QuestionKind::parse(&v).unwrap_or_default()))
                    }>
                    {QuestionKind::ALL.map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                </select>
            </div>
            {move || kind.get().has_options().then(|| view! {
                <div class="field">
                    <label class="label" for=id("options")>"Options, one per line"</label>
                    <textarea class="textarea textarea-small" id=id("options") rows="4"
                        prop:value=get(|q| q.options.join("\n"))
                        on:input=move |ev| { let v = lines(event_target_value(&ev)); edit(Box::new(move |q| q.options = v.clone())) }></textarea>
                </div>
            })}
            {move || kind.get().has_pictures().then(|| view! {
                <div class="field">
                    <label class="label" for=id("emoji")>"Pictures (emoji), one per line, one for each option"</label>
                    <textarea class="textarea textarea-small" id=id("emoji") rows="4"
                        prop:value=get(|q| q.emoji.join("\n"))
                        on:input=move |ev| { let v = lines(event_target_value(&ev)); edit(Box::new(move |q| q.emoji = v.clone())) }></textarea>
                </div>
            })}
            {move || kind.get().is_coded().then(|| view! {
                <div class="field">
                    <label class="label" for=id("coding")>"Coding into themes"</label>
                    <select class="input" id=id("coding")
                        prop:value=get(|q| q.coding.as_str().to_owned())
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            edit(Box::new(move |q| q.coding = CodingMode::parse(&v).unwrap_or_default()))
                        }>
                        <option value="single">"One theme per answer"</option>
                        <option value="multi">"Any number of themes"</option>
                    </select>
                </div>
            })}
            <div class="choice">
                <input class="choice-input" type="checkbox" id=id("about-you")
                    prop:checked=move || survey.with(|s| s.questions.get(index).is_some_and(|q| q.about_you))
                    on:change=move |ev| { let on = event_target_checked(&ev); edit(Box::new(move |q| q.about_you = on)) }/>
                <label class="choice-label" for=id("about-you")>"About the young person (used to break down results, e.g. key stage)"</label>
            </div>
            <div class="button-group">
                <button class="button button-secondary" type="button" disabled=index == 0
                    on:click=move |_| survey.update(|s| s.questions.swap(index - 1, index))>"Move up"</button>
                <button class="button button-secondary" type="button"
                    on:click=move |_| survey.update(|s| { s.questions.remove(index); })>"Remove question"</button>
            </div>
        </fieldset>
    }
}
