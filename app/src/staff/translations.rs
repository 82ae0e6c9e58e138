//! A survey's translations on the web, for workers without the command
//! line: the sheet for translators out (one column per language, CSV), the
//! filled-in sheet back in (all or nothing, as `heard survey translations
//! --import` does), and what each language still shows in the survey's own.

use crate::error::AppError;
use crate::ui::{ErrorSummary, LogOutButton, unless_error};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::domain::account::Role;

/// A survey's languages and what each translation lacks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranslationsView {
    pub slug: String,
    pub title: String,
    /// The survey's own language first, then each translation, as (tag,
    /// name for staff: "Welsh (Cymraeg)").
    pub languages: Vec<(String, String)>,
    /// Each translation with the texts it still lacks (as the sheet names
    /// them: `title`, `key_stage.option.2`), which young people see in the
    /// survey's own language until translated.
    pub missing: Vec<(String, Vec<String>)>,
}

#[cfg(feature = "ssr")]
fn view_of(survey: &crate::domain::survey::Survey) -> TranslationsView {
    use crate::domain::languages::{missing, named_languages};
    let named = named_languages(survey);
    let missing = missing(survey);
    TranslationsView {
        slug: survey.slug.clone(),
        title: survey.title.clone(),
        missing: named
            .iter()
            .skip(1)
            .map(|(tag, name)| {
                let texts = missing
                    .iter()
                    .filter(|gap| gap.language.tag() == tag)
                    .map(|gap| gap.text.clone())
                    .collect();
                (name.clone(), texts)
            })
            .collect(),
        languages: named,
    }
}

/// The translations of survey `slug`.
#[server(endpoint = "load_translations")]
pub async fn load_translations(slug: String) -> Result<TranslationsView, AppError> {
    crate::auth::require(Role::Worker).await?;
    let state = crate::state::app_state()?;
    let (_, survey) = crate::use_cases::survey_by_slug(&state.db, &slug).await?;
    Ok(view_of(&survey))
}

/// Takes a filled-in translators' sheet (pasted) into survey `slug`: each
/// language column replaces that language's translation, all or nothing.
#[server(endpoint = "import_translations_sheet")]
pub async fn import_translations_sheet(
    slug: String,
    sheet: String,
) -> Result<TranslationsView, AppError> {
    let user = crate::auth::require(Role::Worker).await?;
    let state = crate::state::app_state()?;
    crate::use_cases::surveys::import_translations(&state.db, &slug, &sheet).await?;
    tracing::info!(user = %user.email, survey = %slug, "translations imported in the browser");
    let (_, survey) = crate::use_cases::survey_by_slug(&state.db, &slug).await?;
    Ok(view_of(&survey))
}

/// `/surveys/SLUG/translations`.
#[component]
pub fn TranslationsPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let import = ServerAction::<ImportTranslationsSheet>::new();
    let loaded = Resource::new(
        move || (slug(), import.version().get()),
        |(slug, _)| load_translations(slug),
    );
    view! {
        <Title text="Translations - Heard"/>
        <div class="page-head">
            <p><a href="/surveys">"All surveys"</a></p>
            <LogOutButton/>
        </div>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                unless_error(loaded.await.map(|view| view! { <Translations view import/> }))
            })}
        </Suspense>
    }
}

#[component]
fn Translations(
    view: TranslationsView,
    import: ServerAction<ImportTranslationsSheet>,
) -> impl IntoView {
    let sheet = format!("/surveys/{}/translations.csv", view.slug);
    let offered = view
        .languages
        .iter()
        .map(|(_, name)| name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let slug = view.slug.clone();
    view! {
        <h1>{format!("Translations: {}", view.title)}</h1>
        <p class="lead">{format!("Young people can answer in {offered}.")}</p>
        {view.missing.into_iter().map(|(name, texts)| {
            let said = match texts.len() {
                0 => format!("{name}: every text is translated."),
                1 => format!("{name}: 1 text is shown in the survey's own language until translated: {}.", texts[0]),
                n => format!("{name}: {n} texts are shown in the survey's own language until translated: {}.", texts.join(", ")),
            };
            view! { <p>{said}</p> }
        }).collect_view()}
        <h2>"Send to translators"</h2>
        <form method="get" action=sheet class="import-form">
            <div class="field">
                <label class="label" for="add">"Add a language (optional)"</label>
                <p class="hint" id="add-hint">"Its tag, such as cy, pl, ur or pt-BR. Several with commas. It gets an empty column to fill in."</p>
                <input class="input" id="add" name="add" type="text" aria-describedby="add-hint"/>
            </div>
            <button class="button" type="submit">"Download the sheet (CSV)"</button>
        </form>
        <h2>"Take in a filled-in sheet"</h2>
        {move || import.value().get().and_then(Result::err).map(|error| view! {
            <ErrorSummary problems=vec![("sheet".to_owned(), error.to_string())]/>
        })}
        {move || import.value().get().and_then(Result::ok).map(|_| view! {
            <p class="notice" role="status">"The translations were saved."</p>
        })}
        <ActionForm action=import attr:class="import-form">
            <input type="hidden" name="slug" value=slug/>
            <div class="field">
                <label class="label" for="sheet">"The sheet (paste the whole file)"</label>
                <p class="hint" id="sheet-hint">"Each language column replaces that language's translation. A sheet with a problem changes nothing."</p>
                <textarea class="textarea" id="sheet" name="sheet" rows="10" aria-describedby="sheet-hint"></textarea>
            </div>
            <button class="button" type="submit">"Save the translations"</button>
        </ActionForm>
    }
}
