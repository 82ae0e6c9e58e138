//! One answer's row on the coding screen, and the agreement between two
//! coders.

use super::*;

#[component]
#[allow(clippy::too_many_arguments)]
pub(super) fn AnswerRow(
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
    // A worker who reads something worrying raises it themselves: the
    // rules are a prompt, the person reading is the safeguard.
    let flagged = RwSignal::new(answer.flagged);
    let raising = RwSignal::new(false);
    let concern_problem = RwSignal::new(None::<String>);
    let raise = {
        let (round_id, question, response_id) =
            (round_id.clone(), question.clone(), response_id.clone());
        Callback::new(move |()| {
            let (round_id, question, response_id) =
                (round_id.clone(), question.clone(), response_id.clone());
            if raising.get_untracked() {
                return;
            }
            raising.set(true);
            leptos::task::spawn_local(async move {
                match raise_concern(round_id, question, response_id).await {
                    Ok(()) => {
                        concern_problem.set(None);
                        flagged.set(true);
                    }
                    Err(error) => concern_problem.set(Some(error.to_string())),
                }
                raising.set(false);
            });
        })
    };
    let editor_id = format!("quote-{index}");
    view! {
        <li id=format!("answer-{index}") class="coding-answer" class:current=move || is_current.get() on:click=move |_| on_focus.run(())>
            {(!attributes.is_empty()).then(|| view! {
                <p class="about-you">
                    {attributes.iter().zip(&answer.about_you).map(|(name, value)| view! {
                        <span class="chip" title=name.clone()>{if value.is_empty() { "-".to_owned() } else { value.clone() }}</span>
                    }).collect_view()}
                </p>
            })}
            <p class="answer-text" lang=answer.language.clone()>
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
                // Always offered: a response flagged (or handled) for one
                // answer can need a look for another.
                <button type="button" class="link-button" disabled=move || raising.get()
                    on:click=move |ev| { ev.stop_propagation(); raise.run(()) }>
                    "Raise a safeguarding concern"
                </button>
                <span role="status">
                    {move || flagged.get().then(|| view! { <span class="chip chip-flag">"Flagged for a look"</span> })}
                </span>
                {move || concern_problem.get().map(|p| view! { <span class="error" role="alert">{p}</span> })}
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
pub(super) fn AgreementSection(agreement: Agreement) -> impl IntoView {
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
