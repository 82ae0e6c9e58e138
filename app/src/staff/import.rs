//! Importing responses from a spreadsheet in the browser: choose the survey,
//! the round and a CSV file; check how each column will be read (and change
//! it); check the whole file; then store it. The same rules as
//! `heard import responses`: all or nothing, every problem listed with its
//! line and column, form tools' names and e-mails never stored.
//!
//! The file is read by the browser and sent as text, so this page is for
//! files up to [`MAX_FILE_BYTES`]; larger ones go through the command line.

use crate::domain::imports::{ColumnUse, Problem, ResponsesImported};
use crate::error::AppError;
use crate::ui::{LogOutButton, unless_error};
use leptos::prelude::*;
use leptos::server_fn::codec::{Json, StreamingText, TextStream};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::domain::account::Role;

/// The largest file the page takes (about 100,000 rows of a short survey).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// How the columns of a file would be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub headings: Vec<String>,
    /// Per heading: the guessed use, `None` where nothing matched.
    pub uses: Vec<Option<ColumnUse>>,
    /// The survey's questions, key and text, for the choices.
    pub questions: Vec<(String, String)>,
}

/// What checking or storing a file came to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub stored: bool,
    /// What was (or would be) stored; its fields sit beside these in JSON.
    #[serde(flatten)]
    pub imported: ResponsesImported,
    /// Every problem; nothing was stored when there are any.
    pub problems: Vec<Problem>,
}

#[cfg(feature = "ssr")]
fn check_size(csv: &str) -> Result<(), AppError> {
    if csv.len() > MAX_FILE_BYTES {
        return Err(AppError::BadInput(format!(
            "The file is {} MB; this page takes files up to {} MB. Use `heard import responses` for larger ones.",
            csv.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

#[cfg(feature = "ssr")]
async fn survey_named(slug: &str) -> Result<(String, crate::domain::survey::Survey), AppError> {
    let state = crate::state::app_state()?;
    Ok(crate::use_cases::survey_by_slug(&state.db, slug).await?)
}

/// The file's headings and how each would be read.
#[server(endpoint = "preview_import", input = Json)]
pub async fn preview_import(survey: String, csv: String) -> Result<ImportPreview, AppError> {
    use crate::domain::imports::{guess_columns, headings};
    crate::auth::require(Role::Worker).await?;
    check_size(&csv)?;
    let (_, survey) = survey_named(&survey).await?;
    let headings = headings(csv.as_bytes()).map_err(|p| AppError::BadInput(p.to_string()))?;
    let uses = guess_columns(&survey, &headings);
    Ok(ImportPreview {
        headings,
        uses,
        questions: survey
            .questions
            .iter()
            .map(|q| (q.key.clone(), q.text.clone()))
            .collect(),
    })
}

/// What the import tells the page as it goes: one JSON object a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportEvent {
    /// So many new rows of so many are stored (in the one transaction
    /// that is committed at the end).
    Stored(usize, usize),
    /// The end: what came of it.
    Done(ImportReport),
}

#[cfg(feature = "ssr")]
impl ImportEvent {
    fn line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// Checks the file with the chosen column uses and, unless `dry_run`,
/// stores it (all or nothing) in the round, made if need be. The answer is
/// a stream of [`ImportEvent`] lines, so the page shows real progress; it
/// comes on the request's own connection, so any Heard instance can serve
/// it and nothing is kept in memory for later.
#[server(endpoint = "import_responses_file", input = Json, output = StreamingText)]
pub async fn import_responses_file(
    survey: String,
    round: String,
    csv: String,
    mapping: Vec<(String, ColumnUse)>,
    dry_run: bool,
) -> Result<TextStream<AppError>, AppError> {
    use crate::use_cases::UseCaseError;
    use crate::use_cases::imports::{ResponsesImport, import_responses};
    let user = crate::auth::require(Role::Worker).await?;
    check_size(&csv)?;
    let state = crate::state::app_state()?;
    // Refused at once, as an error rather than a line of the stream.
    crate::use_cases::imports::round_name(&round)?;
    crate::use_cases::survey_by_slug(&state.db, &survey).await?;
    let (events, stream) = futures::channel::mpsc::unbounded::<Result<String, AppError>>();
    let send = move |event: ImportEvent| {
        // The page may have gone; the import still finishes (or not) whole.
        let _ = events.unbounded_send(Ok(event.line()));
    };
    // Checked and stored in a task of its own, so that progress reaches the
    // page while the rows are stored.
    tokio::spawn(async move {
        let import = ResponsesImport {
            survey: &survey,
            round: &round,
            file: csv.as_bytes(),
            mapping: mapping.into_iter().collect(),
            dry_run,
            who: &user.email,
        };
        let stored = import_responses(
            &state.db,
            &state.safeguarding,
            import,
            &|_| {},
            &|done, total| send(ImportEvent::Stored(done, total)),
        )
        .await;
        let report = match stored {
            Ok(outcome) => {
                if !dry_run {
                    tracing::info!(user = %user.email, added = outcome.added, "responses imported in the browser");
                }
                ImportReport {
                    stored: !dry_run,
                    imported: outcome,
                    problems: Vec::new(),
                }
            }
            Err(UseCaseError::Problems(problems)) => ImportReport {
                problems,
                ..ImportReport::default()
            },
            Err(UseCaseError::Db(error)) => {
                tracing::error!(%error, "browser import failed");
                ImportReport {
                    problems: vec![Problem {
                        line: 0,
                        column: None,
                        reason: "the responses could not be stored (nothing was); try again"
                            .to_owned(),
                    }],
                    ..ImportReport::default()
                }
            }
            Err(other) => ImportReport {
                problems: vec![Problem {
                    line: 0,
                    column: None,
                    reason: other.to_string(),
                }],
                ..ImportReport::default()
            },
        };
        send(ImportEvent::Done(report));
    });
    Ok(TextStream::new(stream))
}

/// A column use as a `<select>` value, and back.
fn use_value(column_use: &Option<ColumnUse>) -> String {
    match column_use {
        Some(ColumnUse::Question(key)) => format!("q:{key}"),
        Some(ColumnUse::Respondent) => "respondent".to_owned(),
        Some(ColumnUse::Language) => "language".to_owned(),
        Some(ColumnUse::Ignore) => "ignore".to_owned(),
        None => String::new(),
    }
}

fn use_of(value: &str) -> Option<ColumnUse> {
    match value {
        "respondent" => Some(ColumnUse::Respondent),
        "language" => Some(ColumnUse::Language),
        "ignore" => Some(ColumnUse::Ignore),
        _ => value
            .strip_prefix("q:")
            .map(|key| ColumnUse::Question(key.to_owned())),
    }
}

/// Reads the chosen file as text (in the browser).
#[cfg(feature = "hydrate")]
async fn read_chosen_file(input: web_sys::HtmlInputElement) -> Result<(String, String), String> {
    use wasm_bindgen::JsCast;
    let file = input
        .files()
        .and_then(|files| files.get(0))
        .ok_or_else(|| "Choose a CSV file first.".to_owned())?;
    if file.size() > MAX_FILE_BYTES as f64 {
        return Err(format!(
            "The file is larger than {} MB. Use `heard import responses` on the server for it.",
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| "The file could not be read.".to_owned())?;
    let text = text
        .dyn_into::<js_sys::JsString>()
        .map_err(|_| "The file is not text.".to_owned())?;
    Ok((file.name(), String::from(text)))
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let surveys = Resource::new(|| (), |_| super::surveys::list_surveys());
    let survey = RwSignal::new(String::new());
    let round = RwSignal::new(String::new());
    let file = RwSignal::new(None::<(String, String)>);
    let preview = RwSignal::new(None::<ImportPreview>);
    let choices = RwSignal::new(Vec::<String>::new());
    let report = RwSignal::new(None::<Result<ImportReport, AppError>>);
    // What is happening now, for the live region and the progress bar.
    let busy = RwSignal::new(None::<String>);
    // Rows stored so far, and of how many, while an import runs.
    let stored = RwSignal::new(None::<(usize, usize)>);
    let problem = RwSignal::new(None::<String>);
    let file_input = NodeRef::<leptos::html::Input>::new();

    let load_preview = move || {
        let Some((_, text)) = file.get_untracked() else {
            return;
        };
        let slug = survey.get_untracked();
        if slug.is_empty() {
            return;
        }
        report.set(None);
        busy.set(Some("Reading the columns…".to_owned()));
        leptos::task::spawn_local(async move {
            match preview_import(slug, text).await {
                Ok(found) => {
                    choices.set(found.uses.iter().map(use_value).collect());
                    preview.set(Some(found));
                    problem.set(None);
                }
                Err(error) => {
                    preview.set(None);
                    problem.set(Some(error.to_string()));
                }
            }
            busy.set(None);
        });
    };

    let on_file = move |_| {
        let Some(input) = file_input.get_untracked() else {
            return;
        };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            busy.set(Some("Reading the file…".to_owned()));
            match read_chosen_file(input).await {
                Ok(chosen) => {
                    file.set(Some(chosen));
                    problem.set(None);
                    load_preview();
                }
                Err(message) => {
                    file.set(None);
                    problem.set(Some(message));
                }
            }
            busy.set(None);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = input;
    };

    let run = move |dry_run: bool| {
        let (Some((_, text)), Some(found)) = (file.get_untracked(), preview.get_untracked()) else {
            problem.set(Some("Choose a survey and a CSV file first.".to_owned()));
            return;
        };
        let mapping: Vec<(String, ColumnUse)> = found
            .headings
            .iter()
            .zip(choices.get_untracked())
            .filter_map(|(heading, value)| use_of(&value).map(|u| (heading.clone(), u)))
            .collect();
        let (slug, name) = (survey.get_untracked(), round.get_untracked());
        busy.set(Some(if dry_run {
            "Checking every row…".to_owned()
        } else {
            "Checking and storing every row…".to_owned()
        }));
        report.set(None);
        stored.set(None);
        leptos::task::spawn_local(async move {
            use futures::StreamExt;
            let mut events = match import_responses_file(slug, name, text, mapping, dry_run).await {
                Ok(events) => events.into_inner(),
                Err(error) => {
                    report.set(Some(Err(error)));
                    busy.set(None);
                    return;
                }
            };
            // Lines may arrive split or several at once.
            let mut pending = String::new();
            let mut finished = false;
            while let Some(chunk) = events.next().await {
                match chunk {
                    Ok(text) => pending.push_str(&text),
                    Err(error) => {
                        report.set(Some(Err(error)));
                        finished = true;
                        break;
                    }
                }
                while let Some(end) = pending.find('\n') {
                    let line: String = pending.drain(..=end).collect();
                    match serde_json::from_str::<ImportEvent>(&line) {
                        Ok(ImportEvent::Stored(done, total)) => stored.set(Some((done, total))),
                        Ok(ImportEvent::Done(done)) => {
                            report.set(Some(Ok(done)));
                            finished = true;
                        }
                        Err(_) => {}
                    }
                }
            }
            if !finished {
                report.set(Some(Err(AppError::Transport(
                    "the connection closed before the import finished".to_owned(),
                ))));
            }
            stored.set(None);
            busy.set(None);
        });
    };

    view! {
        <Title text="Import responses - Heard"/>
        <div class="page-head">
            <p><a href="/rounds">"All rounds"</a></p>
            <LogOutButton/>
        </div>
        <h1>"Import responses from a spreadsheet"</h1>
        <p class="lead">"A CSV file with a header row and one row per young person, such as a Microsoft Forms or Google Forms export. Names, e-mail addresses and times in the file are never stored."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                unless_error(surveys.await.map(|surveys| view! {
                    <div class="field">
                        <label class="label" for="import-survey">"Survey"</label>
                        <select class="input" id="import-survey" on:change=move |ev| {
                            survey.set(event_target_value(&ev));
                            load_preview();
                        }>
                            <option value="">"Choose a survey"</option>
                            {surveys.into_iter().map(|s| view! {
                                <option value=s.slug.clone()>{format!("{} ({})", s.title, s.slug)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                }))
            })}
        </Suspense>
        <div class="field">
            <label class="label" for="import-round">"Round"</label>
            <p class="hint" id="import-round-hint">"A new name makes a new round; an existing round's name adds to it (rows already there are skipped)."</p>
            <input class="input" id="import-round" aria-describedby="import-round-hint" maxlength="100"
                on:input=move |ev| round.set(event_target_value(&ev))/>
        </div>
        <div class="field">
            <label class="label" for="import-file">"CSV file"</label>
            <input class="input" id="import-file" type="file" accept=".csv,text/csv" node_ref=file_input on:change=on_file/>
        </div>
        <div role="status" class="import-status">
            {move || busy.get().map(|message| view! {
                <p>{message}</p>
            })}
        </div>
        <div class="import-progress">
            {move || busy.get().map(|_| match stored.get() {
                // Before rows are stored: checking, with no measure yet.
                None => view! { <progress aria-label="Checking the file"></progress> }.into_any(),
                Some((done, total)) => view! {
                    <progress aria-label="Rows stored" max=total.to_string() value=done.to_string()></progress>
                    <p>{format!("{done} of {total} rows")}</p>
                }.into_any(),
            })}
        </div>
        {move || problem.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        {move || preview.get().map(|found| {
            let questions = found.questions.clone();
            view! {
                <h2>"How each column will be read"</h2>
                <table class="table">
                    <thead><tr><th scope="col">"Column in the file"</th><th scope="col">"Read as"</th></tr></thead>
                    <tbody>
                        {found.headings.iter().enumerate().map(|(i, heading)| {
                            let id = format!("column-{i}");
                            let questions = questions.clone();
                            let current = choices.get_untracked().get(i).cloned().unwrap_or_default();
                            view! {
                                <tr>
                                    <th scope="row"><label for=id.clone()>{heading.clone()}</label></th>
                                    <td>
                                        <select class="input" id=id on:change=move |ev| {
                                            let value = event_target_value(&ev);
                                            choices.update(|c| if let Some(slot) = c.get_mut(i) { *slot = value; });
                                        }>
                                            <option value="" selected={current.is_empty()}>"Choose…"</option>
                                            <option value="ignore" selected={current == "ignore"}>"Do not import"</option>
                                            <option value="respondent" selected={current == "respondent"}>"Respondent id"</option>
                                            <option value="language" selected={current == "language"}>"Language answered in"</option>
                                            {questions.into_iter().map(|(key, text)| {
                                                let value = format!("q:{key}");
                                                let selected = current == value;
                                                view! { <option value=value selected=selected>{format!("{key}: {text}")}</option> }
                                            }).collect_view()}
                                        </select>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <div class="button-group">
                    <button class="button button-secondary" type="button" on:click=move |_| run(true)>"Check the file"</button>
                    <button class="button" type="button" on:click=move |_| run(false)>"Import"</button>
                </div>
            }
        })}
        {move || report.get().map(|result| match result {
            Err(error) => view! { <crate::ui::ErrorMessage error/> }.into_any(),
            Ok(report) if !report.problems.is_empty() => view! {
                <section class="error-summary" role="alert" aria-labelledby="import-problems">
                    <h2 class="error-summary-title" id="import-problems">
                        {format!("Nothing was stored: {} problem{} to fix", report.problems.len(), if report.problems.len() == 1 { "" } else { "s" })}
                    </h2>
                    <table class="table">
                        <thead><tr><th scope="col">"Line"</th><th scope="col">"Column"</th><th scope="col">"Problem"</th></tr></thead>
                        <tbody>
                            {report.problems.into_iter().map(|p| view! {
                                <tr><td>{p.line.to_string()}</td><td>{p.column.unwrap_or_default()}</td><td>{p.reason}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            }.into_any(),
            Ok(report) => view! { <Outcome report/> }.into_any(),
        })}
    }
}

#[component]
fn Outcome(report: ImportReport) -> impl IntoView {
    let headline = if report.stored {
        format!("Added {} responses", report.imported.added)
    } else {
        format!(
            "The file is ready: {} responses would be added",
            report.imported.added
        )
    };
    let mut notes = Vec::new();
    if report.imported.already_there > 0 {
        notes.push(format!(
            "{} rows were already there and will be skipped.",
            report.imported.already_there
        ));
    }
    if report.imported.blank_rows > 0 {
        notes.push(format!(
            "{} blank rows are skipped.",
            report.imported.blank_rows
        ));
    }
    if !report.imported.ignored_columns.is_empty() {
        notes.push(format!(
            "Not stored: the columns {}.",
            report.imported.ignored_columns.join(", ")
        ));
    }
    if report.imported.flagged > 0 {
        notes.push(format!(
            "{} responses need a safeguarding look (see Needs a look).",
            report.imported.flagged
        ));
    }
    view! {
        <section class="notice" role="status" aria-labelledby="import-outcome">
            <h2 id="import-outcome">{headline}</h2>
            {notes.into_iter().map(|note| view! { <p>{note}</p> }).collect_view()}
            {report.imported.round_id.map(|id| view! { <p><a href=format!("/rounds/{id}")>"Open the round"</a></p> })}
        </section>
    }
}
