//! Young people's side: join a round with its code, answer one question per
//! screen, send.
//!
//! Each screen is a plain HTML form posted to `/survey/CODE`, so the survey
//! works with JavaScript off; the server reads the form, moves one step
//! (`domain::progress`) and renders the next screen. With JavaScript on,
//! the tablet client (`tablet.mjs`, a small script of its own: these pages
//! never load the staff app) catches the same forms and moves the same
//! steps on the device, from templates of every screen in the page,
//! keeping answers there until the server has them. A join code lets its
//! holder answer that round and read nothing else: `load_survey_state`
//! returns only the questions and the holder's own answers in progress.

mod screens;
#[cfg(feature = "ssr")]
pub mod submit;
pub mod words;

pub use screens::{ScreenTemplates, SurveyScreenView};

use crate::domain::join_code::JoinCode;
use crate::domain::languages::Language;
use crate::domain::progress::{Progress, Screen};
use crate::domain::survey::{Question, Survey};
use crate::error::AppError;
use crate::ui::{ErrorMessage, ErrorSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// The tablet client (`tablet.mjs`) as the young person's pages carry it:
/// without the lines that are only comments, a third of its size (the
/// file keeps them for its readers; its tests run it with them).
pub fn tablet_script() -> &'static str {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT.get_or_init(|| without_comment_lines(include_str!("tablet.mjs")))
}

/// Drops lines that hold only a `//` comment, and `/* … */` blocks that
/// start a line (keeping any code after the block on its last line). Only
/// for `tablet.mjs`, whose strings never span lines.
fn without_comment_lines(script: &str) -> String {
    let mut kept = String::with_capacity(script.len());
    let mut in_block = false;
    for line in script.lines() {
        let mut code = line.trim_start();
        if !in_block && code.starts_with("/*") {
            in_block = true;
        }
        if in_block {
            match code.find("*/") {
                Some(end) => {
                    in_block = false;
                    code = code[end + 2..].trim_start();
                }
                None => continue,
            }
        }
        if !code.is_empty() && !code.starts_with("//") {
            kept.push_str(if code.len() < line.trim_start().len() {
                code
            } else {
                line
            });
            kept.push('\n');
        }
    }
    kept
}

/// Whether a page is one of the young person's (the start page, joining
/// and the survey): those get the tablet client, not the staff app.
pub fn is_young_persons_path(path: &str) -> bool {
    path == "/" || path == "/join" || path.starts_with("/survey/")
}

/// Where a young person is in a round's survey: everything a screen is
/// drawn from. The server builds it for plain forms; on the tablet, with
/// JavaScript on, the page moves it on itself (see `tablet`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyState {
    pub code: String,
    /// The survey in the language the young person reads it in.
    pub survey: Survey,
    pub language: Language,
    /// Every language the survey is offered in, its own first.
    pub offered: Vec<Language>,
    /// Heard's own words on the screens, in `language`.
    pub words: words::Words,
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

/// What is happening with the answers, as the server saw it (sending and
/// waiting on the tablet are the tablet client's screens).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    Answering,
    /// They could not be sent: the screen shows why.
    Problem(String),
    /// The server has them.
    Sent,
}

impl SurveyState {
    /// The screen this state shows.
    pub fn screen(&self) -> SurveyScreen {
        let survey = &self.survey;
        let progress = &self.progress;
        let view = match (&self.stage, progress.screen(survey)) {
            (Stage::Sent, _) => ScreenView::Thanks {
                delivery: Delivery::Sent,
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
            language: self.language.clone(),
            offered: self.offered.clone(),
            words: std::sync::Arc::new(self.words.clone()),
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
    /// The language the screen is in (its forms keep it) ...
    pub language: Language,
    /// ... and the others the young person may choose on the welcome
    /// screen.
    pub offered: Vec<Language>,
    /// Heard's own words, in `language`.
    pub words: std::sync::Arc<words::Words>,
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
    Thanks {
        delivery: Delivery,
        receipt: Option<String>,
    },
}

/// Where the answers are once the young person has sent them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Heard has them.
    Sent,
    /// Kept on the tablet, to be sent when it is back online.
    Queued,
    /// Kept on the tablet: Heard would not take them (a worker will see
    /// why when they open the kiosk link).
    KeptForWorker,
    /// Held by the open page only (the browser's storage is full or
    /// blocked), to be sent when the tablet is back online.
    HeldInPage,
}

/// The survey state for `code`: the one a posted form led to (the POST
/// handler puts the outcome in context), or a fresh start.
#[server(endpoint = "load_survey_state")]
pub async fn load_survey_state(
    code: String,
    language: Option<String>,
) -> Result<SurveyState, AppError> {
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
    let languages = &round.survey.languages;
    let accept_language = parts
        .headers
        .get(http::header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let language = languages
        .for_request(language.as_deref(), accept_language)
        .clone();
    let offered = languages.offered().into_iter().cloned().collect();
    let mut survey = crate::domain::languages::translated(&round.survey, &language);
    // The page needs the survey in one language only.
    survey.languages = Default::default();
    let words = words::Words::for_page(&language, survey.questions.len());
    Ok(submit::state_for(
        &code,
        survey.for_young_people(),
        language,
        offered,
        words,
        outcome,
        token,
    ))
}

/// The start page's words in one language, and the languages it can be
/// shown in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartPage {
    /// The language shown, as its tag.
    pub language: Language,
    pub words: words::Words,
    /// Every language Heard's own words ship in, English first.
    pub languages: Vec<Language>,
    /// The language the address asked for (`?lang=`), shipped or not: it
    /// goes on with the code, as the survey may be offered in it.
    pub asked: Option<Language>,
}

/// The start page (and the pages a wrong or closed code leads to) in the
/// language its address asks for (`?lang=cy`), else the first of the
/// browser's that Heard's words ship in, else English. Public: it holds
/// nothing but Heard's own words.
#[server(endpoint = "load_start_page")]
pub async fn load_start_page(language: Option<String>) -> Result<StartPage, AppError> {
    use crate::domain::languages::{Languages, Translation};
    let accept_language = use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let shipped = Languages {
        default: Language::english(),
        translations: words::SHIPPED[1..]
            .iter()
            .filter_map(|tag| Language::parse(tag).ok())
            .map(|language| (language, Translation::default()))
            .collect(),
    };
    let chosen = shipped
        .for_request(language.as_deref(), &accept_language)
        .clone();
    let mut languages: Vec<Language> = shipped.offered().into_iter().cloned().collect();
    // In the order Heard ships them, English first.
    languages.sort_by_key(|l| words::SHIPPED.iter().position(|tag| *tag == l.tag()));
    Ok(StartPage {
        words: words::Words::for_page(&chosen, 0),
        language: chosen,
        languages,
        asked: language
            .as_deref()
            .and_then(|tag| Language::parse(tag).ok()),
    })
}

/// The start page's words for the address's `?lang=`.
fn start_page_resource() -> Resource<Result<StartPage, AppError>> {
    let query = use_query_map();
    Resource::new(move || query.read().get("lang"), load_start_page)
}

/// A young person's page in `page`'s language: `lang` and `dir` set on
/// what they read, so a screen reader speaks it right and it lays out
/// right to left where the language does.
#[component]
fn InTheirLanguage(page: StartPage, children: Children) -> impl IntoView {
    view! {
        <div class="survey-language" lang=page.language.tag().to_owned() dir=page.language.direction()>
            {children()}
        </div>
    }
}

/// The start page, in the language the address asked for, if it did.
fn back_to_start(page: &StartPage) -> String {
    page.asked
        .as_ref()
        .map_or_else(|| "/".to_owned(), |language| format!("/?lang={language}"))
}

/// The start page: type a join code.
#[component]
pub fn JoinPage() -> impl IntoView {
    let page = start_page_resource();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <JoinForm page/> }.into_any(),
                    Err(error) => view! { <ErrorMessage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn JoinForm(page: StartPage) -> impl IntoView {
    let query = use_query_map();
    let typed = move || query.read().get("code").unwrap_or_default();
    let words = page.words.clone();
    let say = move |id: &str| words.get(id).to_owned();
    let english = page.language.primary() == "en";
    let problem = {
        let say = say.clone();
        move || {
            query.read().get("error").map(|error| {
                let message = match error.as_str() {
                    "unknown" => say("start-unknown"),
                    "closed" => say("start-closed"),
                    "busy" => say("start-busy"),
                    // In English, what exactly is wrong with the code.
                    _ if english => JoinCode::parse(&typed())
                        .err()
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| say("start-format")),
                    _ => say("start-format"),
                };
                view! { <ErrorSummary problems=vec![("code".to_owned(), message)] title=say("problem-title")/> }
            })
        }
    };
    // Asked for in the address (not read off the browser, which the
    // survey reads too): it goes on with the code.
    let asked = page.asked.as_ref().map(|l| l.tag().to_owned());
    view! {
        <Title text=format!("{} - Heard", say("start-title"))/>
        <InTheirLanguage page=page.clone()>
            <screens::LanguageLinks
                languages=page.languages.clone()
                current=page.language.clone()
                label=say("languages")
                href=|other| format!("/?lang={other}")
            />
            {problem}
            <h1>{say("start-title")}</h1>
            <p class="lead">{say("start-lead")}</p>
            <form method="post" action="/join" class="join-form">
                {asked.map(|tag| view! { <input type="hidden" name="lang" value=tag/> })}
                <div class="field" class:field-error=move || query.read().get("error").is_some()>
                    <label class="label" for="code">{say("start-label")}</label>
                    <p class="hint" id="code-hint">{say("start-hint")}</p>
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
                <button class="button" type="submit">{say("start")}</button>
            </form>
            <p class="staff-link"><a href="/login">{say("staff-log-in")}</a></p>
        </InTheirLanguage>
    }
}

/// A round's survey, one screen at a time.
#[component]
pub fn SurveyPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let asked = move || {
        let code = params.read().get("code").unwrap_or_default();
        (code, query.read().get("lang"))
    };
    let state = Resource::new(asked, |(code, language)| load_survey_state(code, language));
    let start = start_page_resource();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (state.await, start.await) {
                    (Ok(state), _) => view! { <LiveSurvey initial=state/> }.into_any(),
                    (Err(AppError::NotFound), Ok(page)) => view! { <UnknownCode page/> }.into_any(),
                    (Err(AppError::Closed), Ok(page)) => view! { <SurveyClosed page/> }.into_any(),
                    (Err(error), _) => view! { <ErrorMessage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The survey's current screen, as the server drew it, and every other
/// screen as a template for the tablet client (`tablet.mjs`), which moves
/// through them on the device once it runs. `data-survey` tells it the
/// join code, the round's open token and each question's key and whether
/// it takes several answers: nothing a young person does not see.
#[component]
fn LiveSurvey(initial: SurveyState) -> impl IntoView {
    let for_client = serde_json::json!({
        "code": initial.code,
        "token": initial.open_token,
        "language": initial.language.tag(),
        "questions": initial
            .survey
            .questions
            .iter()
            .map(|q| (q.key.clone(), q.kind.takes_several()))
            .collect::<Vec<_>>(),
    })
    .to_string();
    let stage = match initial.stage {
        Stage::Answering => "answering",
        Stage::Problem(_) => "problem",
        Stage::Sent => "sent",
    };
    let step = initial.progress.step;
    let (lang, dir) = (
        initial.language.tag().to_owned(),
        initial.language.direction(),
    );
    let (code, survey) = (initial.code.clone(), initial.survey.clone());
    let (language, offered) = (initial.language.clone(), initial.offered.clone());
    let words = std::sync::Arc::new(initial.words.clone());
    // `lang` and `dir` on what the young person reads, so a screen reader
    // speaks it in its language and it lays out right to left where the
    // language does (Heard's own pages around it stay as they are).
    view! {
        <div class="survey-language" lang=lang dir=dir>
            <div id="survey-screen" data-survey=for_client data-step=step data-stage=stage>
                <SurveyScreenView screen=initial.screen()/>
            </div>
            <ScreenTemplates code survey language offered words/>
        </div>
    }
}

#[component]
fn UnknownCode(page: StartPage) -> impl IntoView {
    let words = page.words.clone();
    let back = back_to_start(&page);
    view! {
        <Title text=format!("{} - Heard", words.get("not-found-title"))/>
        <InTheirLanguage page>
            <h1>{words.get("not-found-title").to_owned()}</h1>
            <p>{words.get("not-found").to_owned()}</p>
            <p><a class="button" href=back>{words.get("type-again").to_owned()}</a></p>
        </InTheirLanguage>
    }
}

/// A worker who opens the kiosk link here sees what the tablet kept (the
/// tablet client puts it above the heading).
#[component]
fn SurveyClosed(page: StartPage) -> impl IntoView {
    let words = page.words.clone();
    let back = back_to_start(&page);
    view! {
        <Title text=format!("{} - Heard", words.get("closed-title"))/>
        <InTheirLanguage page>
            <h1>{words.get("closed-title").to_owned()}</h1>
            <p>{words.get("closed").to_owned()}</p>
            <p><a class="button" href=back>{words.get("back-to-start").to_owned()}</a></p>
        </InTheirLanguage>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tablet_script_loses_its_comment_lines_and_keeps_its_code() {
        let script = "// why\nconst a = 1; // kept\n  /** one line */\n/* two\n   lines */ const b = '//';\n\nlet c = a / b;\n";
        assert_eq!(
            without_comment_lines(script),
            "const a = 1; // kept\nconst b = '//';\nlet c = a / b;\n"
        );
        let shipped = tablet_script();
        assert!(shipped.len() < include_str!("tablet.mjs").len() * 4 / 5);
        for needed in [
            "export function afterTry",
            "function takeOver()",
            "if (typeof document !== 'undefined') takeOver();",
        ] {
            assert!(shipped.contains(needed), "{needed}");
        }
    }
}
