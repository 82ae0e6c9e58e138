//! The head teachers' forum journey: a round's summary, read-only, for
//! viewers, for workers, and through share links. Figures come from the
//! pure `domain::report`; what a viewer may see is decided there too.

mod chart;

use crate::domain::report::{Audience, Counting, QuestionReport, format_tenths};
use crate::domain::report_output::comparison_table;
use crate::domain::summary::{ApprovedQuote, QuestionComparison, Summary};
use crate::error::AppError;
use crate::ui::unless_error;
use chart::{BarChart, TrendChart};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[cfg(feature = "ssr")]
use crate::domain::account::Role;

/// How long a share link lasts at most, in days.
pub const MAX_SHARE_DAYS: i64 = 90;

/// A round's summary for whoever may read it (see
/// [`crate::auth::summary_reader_for_headers`]). `share` is a share link's
/// token, for readers without an account; `round_id` may then be empty.
#[server(endpoint = "load_summary")]
pub async fn load_summary(
    round_id: String,
    share: Option<String>,
    by: Option<String>,
    viewers_view: bool,
) -> Result<Summary, AppError> {
    let state = crate::state::app_state()?;
    let round_id = match share.as_deref().filter(|t| !t.is_empty()) {
        Some(token) if round_id.is_empty() => state
            .db
            .share_link_round(&crate::auth::share_token_hash(token))
            .await?
            .unwrap_or_default(),
        _ => round_id,
    };
    let reader = crate::auth::summary_reader(&round_id, share.as_deref(), viewers_view).await?;
    let mut summary =
        crate::use_cases::reports::summary(&state.db, &round_id, reader.audience, by.as_deref())
            .await?;
    if reader
        .user
        .as_ref()
        .is_some_and(|u| u.role.allows(Role::Admin) && u.second_factor)
    {
        summary.share_links = Some(state.db.share_links(&round_id).await?);
    }
    if summary.audience == Audience::Worker {
        summary.publication = Some(crate::domain::summary::PublicationState {
            published: state
                .db
                .publication(&round_id)
                .await?
                .map(|p| (p.responses, p.published_at)),
        });
    }
    Ok(summary)
}

/// Publishes the round's summary for viewers and share links (see
/// `use_cases::reports::publish`); says what happened.
#[server(endpoint = "publish_summary")]
pub async fn publish_summary(
    round_id: String,
    /// What the workers wrote about each question, by key (the page's
    /// `notes[KEY]` fields); none keeps what was published last.
    #[server(default)]
    notes: std::collections::BTreeMap<String, String>,
) -> Result<String, AppError> {
    use crate::use_cases::reports::Published;
    let user = crate::auth::require(Role::Worker).await?;
    let state = crate::state::app_state()?;
    let notes = (!notes.is_empty()).then_some(notes);
    let outcome =
        crate::use_cases::reports::publish_with_notes(&state.db, &round_id, &user.email, notes)
            .await
            .map_err(|e| crate::auth::refuse(e.into()))?;
    Ok(match outcome {
        Published::Published(n) => format!("Published: viewers now see {n} responses."),
        Published::TooFewNew {
            published,
            new,
            needed,
        } => format!(
            "Not published: {new} new since viewers last saw {published}; at least {needed} are needed, so that no one young person's answers show in the difference."
        ),
    })
}

/// Every round, for anyone with an account to pick a summary (no join
/// codes: viewers do not run rounds).
#[server(endpoint = "list_summaries")]
pub async fn list_summaries() -> Result<Vec<crate::domain::rounds::RoundSummary>, AppError> {
    let user = crate::auth::require(Role::Viewer).await?;
    let state = crate::state::app_state()?;
    let mut shown = Vec::new();
    for mut round in state.db.list_rounds().await? {
        round.join_code.clear();
        if !user.role.allows(Role::Worker) {
            // Viewers see published rounds, with the published count: a
            // count that moved as each young person finished would say
            // who had just answered.
            match state.db.publication(&round.round_id).await? {
                Some(publication) => round.responses = publication.responses,
                None => continue,
            }
        }
        shown.push(round);
    }
    Ok(shown)
}

/// `/summaries`: the rounds whose summaries a reader can open.
#[component]
pub fn SummariesPage() -> impl IntoView {
    let rounds = Resource::new(|| (), |_| list_summaries());
    view! {
        <Title text="Summaries - Heard"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                unless_error(rounds.await.map(|rounds| view! {
                    <div class="page-head">
                        <h1>"Summaries"</h1>
                        <crate::ui::LogOutButton/>
                    </div>
                    <p>"What young people said in each round, with small numbers hidden to protect them."</p>
                    <ul>
                        {rounds.into_iter().map(|round| view! {
                            <li>
                                <a href=format!("/rounds/{}/summary", round.round_id)>
                                    {format!("{}: {}", round.survey_title, round.round_name)}
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                }))
            })}
        </Suspense>
    }
}

/// Makes a share link to a round's summary, valid for `days`. Admins only.
/// Returns the link's path; the token is not stored and cannot be shown
/// again.
#[server(endpoint = "create_share_link")]
pub async fn create_share_link(round_id: String, days: i64) -> Result<String, AppError> {
    let user = crate::auth::require(Role::Admin).await?;
    if !(1..=MAX_SHARE_DAYS).contains(&days) {
        return Err(AppError::BadInput(format!(
            "A share link can last from 1 to {MAX_SHARE_DAYS} days."
        )));
    }
    let state = crate::state::app_state()?;
    state
        .db
        .round_with_survey(&round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (token, hash) = crate::auth::new_share_token();
    state
        .db
        .create_share_link(
            &hash,
            &round_id,
            &user.email,
            crate::db::now() + days * 86_400,
        )
        .await?;
    tracing::info!(user = %user.email, days, "share link made");
    let event = crate::domain::audit::AuditEvent::ShareLinkCreated {
        round: round_id.clone(),
    };
    state.db.record_audit(&user.email, &event).await?;
    Ok(format!("/shared/{token}"))
}

/// Revokes a share link (named by its hash). Admins only.
#[server(endpoint = "revoke_share_link")]
pub async fn revoke_share_link(id: String) -> Result<(), AppError> {
    let user = crate::auth::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    let Some(round_id) = state.db.revoke_share_link(&id).await? else {
        return Err(AppError::NotFound);
    };
    tracing::info!(user = %user.email, "share link revoked");
    let event = crate::domain::audit::AuditEvent::ShareLinkRevoked { round: round_id };
    state.db.record_audit(&user.email, &event).await?;
    Ok(())
}

/// `/rounds/:id/summary`: for accounts. `?by=KEY` breaks figures down by an
/// about-you question; `?view=viewer` shows workers what viewers see.
#[component]
pub fn SummaryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let summary = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                query.read().get("by"),
                query.read().get("view").as_deref() == Some("viewer"),
            )
        },
        |(round_id, by, viewers_view)| load_summary(round_id, None, by, viewers_view),
    );
    view! { <SummaryLoader summary share=None/> }
}

/// `/shared/:token`: the same summary through a share link, as viewers see it.
#[component]
pub fn SharedSummaryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let summary = Resource::new(
        move || (token(), query.read().get("by")),
        |(token, by)| load_summary(String::new(), Some(token), by, true),
    );
    view! { <SummaryLoader summary share=Some(token())/> }
}

#[component]
fn SummaryLoader(
    summary: Resource<Result<Summary, AppError>>,
    share: Option<String>,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let share = share.clone();
                Suspend::new(async move {
                    unless_error(summary.await.map(|summary| view! { <SummaryView summary share/> }))
                })
            }}
        </Suspense>
    }
}

/// The query string of a download or view of this summary.
fn query_string(pairs: &[(&str, Option<&str>)]) -> String {
    let mut out = form_urlencoded_pairs(pairs);
    if !out.is_empty() {
        out.insert(0, '?');
    }
    out
}

fn form_urlencoded_pairs(pairs: &[(&str, Option<&str>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes a query value (keys and tokens are plain ASCII already;
/// this is for round and question names).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
fn SummaryView(summary: Summary, share: Option<String>) -> impl IntoView {
    let heading = format!("{}: {}", summary.survey_title, summary.round_name);
    let viewers = summary.audience == Audience::Viewer;
    let view_param = (viewers && share.is_none()).then_some("viewer");
    let download = format!(
        "/rounds/{}/report.csv{}",
        summary.round_id,
        query_string(&[
            ("by", summary.by.as_deref()),
            ("view", view_param),
            ("share", share.as_deref())
        ])
    );
    let quotes = summary.quotes.clone();
    let by = summary.by.clone();
    // Workers write, beside each question, what viewers will read of it.
    let writing = summary.publication.is_some() && summary.by.is_none();
    let notice = if viewers {
        format!(
            "Counts below {} in a breakdown{} are hidden and shown as c, with others where a total or an earlier publication would give them away. A question fewer than {} young people answered is not shown.",
            summary.disclosure.min_cell,
            if summary.disclosure.hide_small_overall {
                " or overall"
            } else {
                ""
            },
            summary.disclosure.min_answers
        )
    } else {
        "You see exact figures. Viewers and share links see them with small numbers hidden."
            .to_owned()
    };
    view! {
        <Title text=format!("{heading} - summary - Heard")/>
        <div class="page-head no-print">
            {share.is_none().then(|| if viewers {
                view! { <p><a href="/summaries">"All summaries"</a></p> }.into_any()
            } else {
                view! { <p><a href=format!("/rounds/{}", summary.round_id)>"The round"</a></p> }.into_any()
            })}
        </div>
        <h1>{heading}</h1>
        <p class="headline">{format!("{} young people took part.", summary.responses)}</p>
        <p class="notice"><span>{notice}</span>
            {(!viewers).then(|| view! { " " <a href=format!("?view=viewer{}", summary.by.as_ref().map(|b| format!("&by={}", encode(b))).unwrap_or_default())>"See what viewers see"</a> })}
        </p>
        <form method="get" class="by-form no-print">
            {view_param.map(|v| view! { <input type="hidden" name="view" value=v/> })}
            <label for="by">"Break the figures down by"</label>
            <select id="by" name="by">
                <option value="" selected=by.is_none()>"Nothing: everyone together"</option>
                {summary.attributes.iter().map(|(key, text)| view! {
                    <option value=key.clone() selected=by.as_deref() == Some(key.as_str())>{text.clone()}</option>
                }).collect_view()}
            </select>
            <button type="submit" class="button button-secondary">"Show"</button>
        </form>
        <p class="no-print"><a href=download download>"Download these figures (CSV)"</a></p>
        {summary.questions.into_iter().map(|question| {
            let quotes: Vec<ApprovedQuote> = quotes.iter().filter(|q| q.question == question.key).cloned().collect();
            let together = summary.together.iter().find(|t| t.key == question.key).cloned();
            let note = summary.notes.get(&question.key).cloned();
            // Workers write the note viewers will read, starting from what
            // was published, else from the sentences Heard suggests.
            let editing = writing.then(|| {
                note.clone()
                    .or_else(|| summary.suggested.get(&question.key).cloned())
                    .unwrap_or_default()
            });
            let note = note.filter(|_| !writing);
            view! {
                <QuestionSection question quotes note editing/>
                {together.map(|together| view! { <ThemesTogetherTable together/> })}
            }.into_any()
        }).collect_view()}
        {(!summary.comparisons.is_empty()).then(|| view! {
            <h2>"Compared with earlier rounds"</h2>
            {summary.comparisons.into_iter().map(|c| {
                let download = format!(
                    "/rounds/{}/compare.csv{}",
                    summary.round_id,
                    query_string(&[("question", Some(c.key.as_str())), ("view", view_param), ("share", share.as_deref())])
                );
                view! { <ComparisonTable comparison=c download/> }.into_any()
            }).collect_view()}
        })}
        {summary.publication.map(|state| view! { <Publication round_id=summary.round_id.clone() published=state.published/> }.into_any())}
        {summary.share_links.map(|links| view! { <ShareLinks round_id=summary.round_id.clone() links/> }.into_any())}
    }
}

#[component]
fn QuestionSection(
    question: QuestionReport,
    quotes: Vec<ApprovedQuote>,
    /// What the workers wrote about it, for readers.
    note: Option<String>,
    /// For workers: the note as it stands, to edit and publish.
    editing: Option<String>,
) -> impl IntoView {
    let id = format!("q-{}", question.key);
    let note = note.map(|text| view! {
        <div class="note">{text.lines().filter(|l| !l.trim().is_empty()).map(|l| view! { <p>{l.to_owned()}</p> }).collect_view()}</div>
    });
    let editing = editing.map(|text| {
        let field = format!("note-{}", question.key);
        view! {
            <div class="field no-print">
                <label class="label" for=field.clone()>"What viewers read about this question"</label>
                <p class="hint" id=format!("{field}-hint")>"Heard's suggestion is made from the figures above. Edit it; it is published with the figures."</p>
                <textarea class="textarea textarea-small" id=field.clone() name=format!("notes[{}]", question.key) form="publish-form" rows="4" maxlength="4000" aria-describedby=format!("{field}-hint")>{text}</textarea>
            </div>
        }
    });
    let hint = (question.counting == Counting::AnyNumber).then(|| view! {
        <p class="hint">"Young people could mention more than one thing, so the percentages can add up to more than 100."</p>
    });
    let body = match &question.withheld {
        Some(reason) => view! { <p>{format!("Not shown: {reason}.")}</p> }.into_any(),
        None if question.by.is_none() => {
            let block = question.blocks[0].clone();
            view! {
                <p>{format!("{} answered{}.", block.answered.show(), block.skipped.map(|s| format!(", {s} skipped")).unwrap_or_default())}</p>
                <BarChart title=question.text.clone() block colours=question.colours.clone() exact=question.whole_population/>
            }
            .into_any()
        }
        None => view! { <BreakdownTable question=question.clone()/> }.into_any(),
    };
    view! {
        <section class="summary-question" aria-labelledby=id.clone()>
            <h2 id=id.clone()>{question.text.clone()}</h2>
            {note}
            {hint}
            {body}
            {editing}
            {(!quotes.is_empty()).then(|| view! {
                <h3>"What young people said"</h3>
                {quotes_by_theme(&question, quotes).into_iter().map(|(theme, quotes)| view! {
                    <h4>{theme}</h4>
                    {quotes.into_iter().map(|text| view! {
                        <figure class="quote"><blockquote><p>{text}</p></blockquote></figure>
                    }).collect_view()}
                }).collect_view()}
            })}
        </section>
    }
}

/// Approved quotes grouped under their themes, in the question's category
/// order; a quote whose answer has no theme goes under "Other answers".
fn quotes_by_theme(
    question: &QuestionReport,
    quotes: Vec<ApprovedQuote>,
) -> Vec<(String, Vec<String>)> {
    let order: Vec<String> = question
        .blocks
        .first()
        .map(|b| b.lines.iter().map(|l| l.category.clone()).collect())
        .unwrap_or_default();
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for quote in quotes {
        let theme = quote
            .themes
            .first()
            .cloned()
            .unwrap_or_else(|| "Other answers".to_owned());
        match groups.iter_mut().find(|(t, _)| *t == theme) {
            Some((_, texts)) => texts.push(quote.text),
            None => groups.push((theme, vec![quote.text])),
        }
    }
    groups.sort_by_key(|(theme, _)| order.iter().position(|o| o == theme).unwrap_or(usize::MAX));
    groups
}

/// A breakdown by attribute as one table: groups down, categories across.
#[component]
fn BreakdownTable(question: QuestionReport) -> impl IntoView {
    let categories: Vec<String> = question
        .blocks
        .first()
        .map(|b| b.lines.iter().map(|l| l.category.clone()).collect())
        .unwrap_or_default();
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label=format!("{} by group", question.text)>
            <table class="table">
                <caption class="visually-hidden">{format!("{}: count and percentage of each group, with the range each share could well be in (95%)", question.text)}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Group"</th>
                        <th scope="col" class="numeric">"Answered"</th>
                        {categories.iter().map(|c| view! { <th scope="col" class="numeric">{c.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {question.blocks.iter().map(|block| view! {
                        <tr>
                            <th scope="row">{block.group.clone().unwrap_or_default()}</th>
                            <td class="numeric">{block.answered.show()}</td>
                            {block.lines.iter().map(|line| {
                                let percent = block.percent(line).map(|p| format!(" ({}%)", format_tenths(p))).unwrap_or_default();
                                let interval = question.interval(block, line).map(|i| view! {
                                    <br/><span class="interval">{chart::range(Some(i))}</span>
                                });
                                view! { <td class="numeric">{format!("{}{percent}", line.count.show())}{interval}</td> }
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn ComparisonTable(comparison: QuestionComparison, download: String) -> impl IntoView {
    let table = comparison_table(&comparison.comparison);
    let withheld = (!comparison.withheld.is_empty()).then(|| {
        view! {
            <p class="hint">{format!(
                "Not compared: {}, where too few young people answered to show.",
                comparison.withheld.join(", ")
            )}</p>
        }
    });
    let said = crate::domain::report::changes_said(&comparison.comparison);
    // Three rounds or more: a trend, drawn for each category.
    let trends = (comparison.comparison.rounds.len() >= 3).then(|| {
        let c = &comparison.comparison;
        let charts = c
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                view! {
                    <TrendChart
                        category=line.category.clone()
                        rounds=c.rounds.clone()
                        points=c.trend(line)
                        colour=crate::domain::survey::palette_colour(i).to_owned()
                    />
                }
            })
            .collect_view();
        view! { <div class="trends">{charts}</div> }
    });
    view! {
        <section class="comparison">
            <h3>{comparison.text.clone()}</h3>
            {(!said.is_empty()).then(|| view! {
                <ul class="list changes">{said.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
            })}
            <div class="table-scroll" tabindex="0" role="region" aria-label=format!("{} across rounds", comparison.text)>
                <table class="table">
                    <caption class="visually-hidden">{format!("{} in each round, and the change from the first to the last", comparison.text)}</caption>
                    <thead>
                        <tr>{table.header.iter().map(|h| view! { <th scope="col">{h.replace('_', " ")}</th> }).collect_view()}</tr>
                    </thead>
                    <tbody>
                        {table.rows.into_iter().map(|row| view! {
                            <tr>
                                {row.into_iter().enumerate().map(|(i, cell)| if i == 0 {
                                    view! { <th scope="row">{cell}</th> }.into_any()
                                } else {
                                    view! { <td class="numeric">{cell}</td> }.into_any()
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {withheld}
            {trends}
            <p class="no-print"><a href=download download>"Download this comparison (CSV)"</a></p>
        </section>
    }
}

/// For workers: what viewers see, and the button that publishes the round
/// as it is now.
#[component]
fn Publication(round_id: String, published: Option<(i64, i64)>) -> impl IntoView {
    let publish = ServerAction::<PublishSummary>::new();
    let now = match published {
        Some((n, at)) => format!(
            "Viewers and share links see this round as published on {} with {n} responses.",
            crate::domain::summary::day_of(at)
        ),
        None => "Viewers and share links cannot see this round yet: it has not been published."
            .to_owned(),
    };
    view! {
        <section class="publication no-print" aria-labelledby="publication">
            <h2 id="publication">"What viewers see"</h2>
            <p>{now}</p>
            <p>"Closing the round publishes it. Publishing again needs enough new responses that no one young person's answers show in the difference."</p>
            <ActionForm action=publish attr:class="publish-form" attr:id="publish-form">
                <input type="hidden" name="round_id" value=round_id/>
                <button type="submit" class="button">"Publish for viewers now"</button>
            </ActionForm>
            {move || publish.value().get().map(|result| match result {
                Ok(message) => view! { <p role="status">{message}</p> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn ShareLinks(
    round_id: String,
    links: Vec<crate::domain::summary::ShareLinkInfo>,
) -> impl IntoView {
    let create = ServerAction::<CreateShareLink>::new();
    let revoke = ServerAction::<RevokeShareLink>::new();
    view! {
        <section class="share-links no-print" aria-labelledby="share-links">
            <h2 id="share-links">"Share links"</h2>
            <p>"A share link shows this summary, as viewers see it, to anyone who has the link, until it expires or you revoke it."</p>
            <ActionForm action=create attr:class="share-form">
                <input type="hidden" name="round_id" value=round_id/>
                <label for="days">"Days the link lasts"</label>
                <input id="days" name="days" type="number" min="1" max=MAX_SHARE_DAYS value="14" required/>
                <button type="submit" class="button">"Make a share link"</button>
            </ActionForm>
            {move || create.value().get().map(|result| match result {
                Ok(path) => view! {
                    <p class="share-made" role="status">"The link (copy it now, it is not shown again): " <code>{path}</code></p>
                }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
            {(!links.is_empty()).then(|| view! {
                <ul class="share-list">
                    {links.into_iter().map(|link| view! {
                        <li>
                            {format!("Made by {}; {}", link.created_by, if link.revoked { "revoked".to_owned() } else { format!("expires {}", crate::domain::summary::day_of(link.expires_at)) })}
                            {(!link.revoked).then(|| view! {
                                <ActionForm action=revoke attr:class="inline-form">
                                    <input type="hidden" name="id" value=link.id.clone()/>
                                    <button type="submit" class="button button-secondary">"Revoke"</button>
                                </ActionForm>
                            })}
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

/// A multi-coded question's themes by pairs: how many answers carry both,
/// each pair once (the table's upper half).
#[component]
fn ThemesTogetherTable(together: crate::domain::report::ThemesTogether) -> impl IntoView {
    let themes = together.themes.clone();
    let last = themes.len().saturating_sub(1);
    let cell = move |first: usize, second: usize| -> String {
        together
            .pairs
            .iter()
            .find(|(f, s, _)| *f == first && *s == second)
            .map(|(_, _, figure)| figure.show())
            .unwrap_or_default()
    };
    view! {
        <section class="together">
            <h3>"Themes given together"</h3>
            <p class="hint">{format!(
                "An answer can have several themes. Each number is how many of the {} coded answers have both themes.",
                together.coded
            )}</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label=format!("{}: themes given together", together.text)>
                <table class="table">
                    <caption class="visually-hidden">{format!("{}: how many answers have both themes", together.text)}</caption>
                    <thead>
                        <tr>
                            <td></td>
                            {themes[1..].iter().map(|t| view! { <th scope="col" class="numeric">{t.clone()}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {(0..last).map(|first| view! {
                            <tr>
                                <th scope="row">{themes[first].clone()}</th>
                                {(1..=last).map(|second| view! {
                                    <td class="numeric">{if second > first { cell(first, second) } else { String::new() }}</td>
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
