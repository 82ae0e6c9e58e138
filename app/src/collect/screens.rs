//! The survey's screens as young people see them: plain words in their
//! language (see `words`), one thing per screen, big buttons (GOV.UK
//! Design System patterns).

use super::words::Words;
use super::{Delivery, ScreenView, SurveyScreen};
use crate::domain::answers::MAX_TEXT_CHARS;
use crate::domain::languages::Language;
use crate::domain::progress::{ANSWER_PREFIX, FIELD_NAV, Nav};
use crate::domain::survey::{Question, QuestionKind, Survey};
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos_meta::Title;

/// What the welcome screen promises (messages of `words`), in plain words
/// (reading age about 9).
const WELCOME_POINTS: [&str; 5] = [
    "welcome-no-name",
    "welcome-skip",
    "welcome-workers",
    "welcome-heads",
    "welcome-safety",
];

/// One screen: a Back form (except on the first screen), the main form
/// (both carrying the hidden fields) and a Read aloud button. Without
/// JavaScript the forms post; with it, the tablet client (`tablet.mjs`)
/// catches them and shows the next screen from the page's templates.
#[component]
pub fn SurveyScreenView(screen: SurveyScreen) -> impl IntoView {
    let title = view! { <Title text=title_for(&screen)/> };
    view! { {title} <ScreenBody screen/> }
}

/// Every screen a young person can reach, as `<template>`s the tablet
/// client copies from (`data-screen`: a step number, `sending`, `sent`,
/// `queued`, `kept` or `held`; `data-title`: the window's title). Drawn by the same code as
/// the pages without JavaScript, so both say the same; the answers, the
/// count on "ready to send" and the receipt are filled in on the tablet.
#[component]
pub fn ScreenTemplates(
    code: String,
    survey: Survey,
    language: Language,
    offered: Vec<Language>,
    words: std::sync::Arc<Words>,
) -> impl IntoView {
    let question_count = survey.questions.len();
    let base = |step: usize, view: ScreenView| SurveyScreen {
        code: code.clone(),
        language: language.clone(),
        offered: offered.clone(),
        words: words.clone(),
        title: survey.title.clone(),
        hidden: Vec::new(),
        step,
        question_count,
        view,
        problem: None,
    };
    let mut screens: Vec<(String, SurveyScreen)> =
        vec![("0".to_owned(), base(0, ScreenView::Welcome))];
    for (i, question) in survey.questions.iter().enumerate() {
        screens.push((
            (i + 1).to_string(),
            base(
                i + 1,
                ScreenView::Question {
                    question: question.clone(),
                    number: i + 1,
                    values: Vec::new(),
                },
            ),
        ));
    }
    let last = question_count + 1;
    screens.push((
        last.to_string(),
        base(last, ScreenView::Ready { answered: 0 }),
    ));
    screens.push(("sending".to_owned(), base(last, ScreenView::Sending)));
    for (name, delivery) in [
        ("sent", Delivery::Sent),
        ("queued", Delivery::Queued),
        ("kept", Delivery::KeptForWorker),
        ("held", Delivery::HeldInPage),
    ] {
        screens.push((
            name.to_owned(),
            base(
                last,
                ScreenView::Thanks {
                    delivery,
                    receipt: Some(String::new()),
                },
            ),
        ));
    }
    screens
        .into_iter()
        .map(|(name, screen)| {
            let title = title_for(&screen);
            view! { <template data-screen=name data-title=title><ScreenBody screen/></template> }
        })
        .collect_view()
}

/// The window's title on a screen.
fn title_for(screen: &SurveyScreen) -> String {
    let what = match &screen.view {
        ScreenView::Welcome => screen.title.clone(),
        ScreenView::Question { question, .. } => question.text.clone(),
        ScreenView::Ready { .. } => screen.words.get("ready-title").to_owned(),
        ScreenView::Sending => screen.words.get("sending-title").to_owned(),
        ScreenView::Thanks { .. } => screen.words.get("thanks").to_owned(),
    };
    format!("{what} - Heard")
}

/// A screen without its window title.
#[component]
fn ScreenBody(screen: SurveyScreen) -> impl IntoView {
    // The language stays with every step, without JavaScript too.
    let action = format!("/survey/{}?lang={}", screen.code, screen.language);
    let speech = speech_for(&screen);
    let words = screen.words.clone();
    let progress = match &screen.view {
        ScreenView::Question { number, .. } => Some(words.question_of(*number).to_owned()),
        _ => None,
    };
    let problem = screen.problem.clone().map(
        |message| view! { <ErrorSummary problems=vec![("survey-form".to_owned(), message)]/> },
    );
    // On "ready to send", what is read aloud for each number answered (the
    // tablet client picks one as answers change).
    let say_by_answered = matches!(screen.view, ScreenView::Ready { .. }).then(|| {
        let every: Vec<String> = words
            .every_answered()
            .iter()
            .map(|answered| ready_speech(&words, answered))
            .collect();
        serde_json::to_string(&every).expect("text always serialises")
    });
    let read_aloud = view! {
        <ReadAloud text=speech words=words.clone() say_by_answered/>
    };
    let body = match screen.view {
        ScreenView::Sending => {
            return view! { <h1>{words.get("sending").to_owned()}</h1> }.into_any();
        }
        ScreenView::Thanks { delivery, receipt } => {
            return view! { {read_aloud} <Thanks delivery receipt code=screen.code words=words.clone()/> }
                .into_any();
        }
        ScreenView::Welcome => view! {
            <Welcome
                title=screen.title.clone()
                code=screen.code.clone()
                language=screen.language.clone()
                offered=screen.offered.clone()
                words=words.clone()
            />
        }
        .into_any(),
        ScreenView::Question {
            question, values, ..
        } => view! { <QuestionScreen question values words=words.clone()/> }.into_any(),
        ScreenView::Ready { answered } => {
            view! { <Ready answered words=words.clone()/> }.into_any()
        }
    };
    let label = |id: &str| words.get(id).to_owned();
    let buttons = if screen.step == 0 {
        view! { <NavButton nav=Nav::Start label=label("start")/> }.into_any()
    } else if screen.step <= screen.question_count {
        view! {
            <div class="button-group">
                <NavButton nav=Nav::Next label=label("next")/>
                <NavButton nav=Nav::Skip label=label("skip") secondary=true/>
            </div>
        }
        .into_any()
    } else {
        view! { <NavButton nav=Nav::Send label=label("send")/> }.into_any()
    };
    let hidden = screen.hidden;
    let hidden_inputs = move || {
        hidden
            .iter()
            .map(|(name, value)| view! { <input type="hidden" name=name.clone() value=value.clone()/> })
            .collect_view()
    };
    let back = (screen.step > 0).then(|| {
        view! {
            <form method="post" action=action.clone() class="back-form">
                {hidden_inputs.clone()()}
                <button class="back-link" type="submit" name=FIELD_NAV value=Nav::Back.as_str()>{label("back")}</button>
            </form>
        }
    });
    view! {
        {problem}
        {back}
        {progress.map(|p| view! { <p class="survey-progress">{p}</p> })}
        {read_aloud}
        <form method="post" action=action id="survey-form" class="survey-form">
            {hidden_inputs()}
            {body}
            {buttons}
        </form>
    }
    .into_any()
}

/// What the Read aloud button says on a screen: everything on it, in order.
fn speech_for(screen: &SurveyScreen) -> String {
    let words = &screen.words;
    match &screen.view {
        ScreenView::Welcome => {
            let points: Vec<&str> = WELCOME_POINTS.iter().map(|id| words.get(id)).collect();
            format!(
                "{}. {} {}",
                screen.title,
                words.get("welcome-lead"),
                points.join(" ")
            )
        }
        ScreenView::Question {
            question, number, ..
        } => {
            let mut said = format!("{}. {}", words.question_of(*number), question.text);
            match question.kind.name() {
                QuestionKind::Text => {
                    said.push(' ');
                    said.push_str(words.get("hint-text"));
                }
                QuestionKind::Multi => said.push_str(&format!(
                    " {} {}.",
                    words.get("say-several"),
                    question.options().join(". ")
                )),
                QuestionKind::Single | QuestionKind::Scale => said.push_str(&format!(
                    " {} {}.",
                    words.get("say-one"),
                    question.options().join(". ")
                )),
            }
            said
        }
        ScreenView::Ready { answered } => ready_speech(words, words.answered(*answered)),
        ScreenView::Sending => words.get("sending-say").to_owned(),
        // Never the receipt code: others in the room would hear it.
        ScreenView::Thanks { delivery, .. } => {
            format!(
                "{}. {}",
                words.get("thanks"),
                delivery_message(words, *delivery)
            )
        }
    }
}

/// "Ready to send?", then how many were answered, then what to press.
fn ready_speech(words: &Words, answered: &str) -> String {
    format!(
        "{} {answered} {}",
        words.get("ready"),
        words.get("ready-say")
    )
}

/// Where the answers are, in plain words: when they wait on the tablet,
/// reassurance, not an error.
fn delivery_message(words: &Words, delivery: Delivery) -> String {
    words
        .get(match delivery {
            Delivery::Sent => "sent",
            Delivery::Queued => "queued",
            Delivery::KeptForWorker => "kept",
            Delivery::HeldInPage => "held",
        })
        .to_owned()
}

/// Speaks the screen (`data-say`) with the browser's speech synthesis.
/// Shown only once the tablet client is running and the browser can
/// speak; otherwise hidden, so it is never a dead button.
/// Reads in the screen's language; where the tablet has no voice for it,
/// the client shows `no-voice` instead of reading in the wrong one.
#[component]
fn ReadAloud(
    text: String,
    words: std::sync::Arc<Words>,
    /// On "ready to send": what to say for each number answered (JSON).
    say_by_answered: Option<String>,
) -> impl IntoView {
    // The no-voice notice names the screen's language in itself.
    view! {
        <button type="button" class="read-aloud" data-say=text data-say-by-answered=say_by_answered>
            <span aria-hidden="true">"🔊 "</span>
            {words.get("read-aloud").to_owned()}
        </button>
        <p class="no-voice hint" role="status" hidden>{words.get("no-voice").to_owned()}</p>
    }
}

#[component]
fn NavButton(nav: Nav, label: String, #[prop(optional)] secondary: bool) -> impl IntoView {
    view! {
        <button class="button" class:button-secondary=secondary type="submit" name=FIELD_NAV value=nav.as_str()>
            {label}
        </button>
    }
}

/// Each language named in itself, and marked as such, so a young person
/// finds theirs and a screen reader says it right. Plain links: a new page
/// in that language (at `href`), with or without JavaScript.
#[component]
pub(super) fn LanguageLinks(
    languages: Vec<Language>,
    current: Language,
    /// "Language", in the page's language.
    label: String,
    href: impl Fn(&Language) -> String + 'static,
) -> impl IntoView {
    let links = languages
        .into_iter()
        .map(|other| {
            let is_current = (other == current).then_some("true");
            view! {
                <li>
                    <a
                        class="language-link"
                        href=href(&other)
                        lang=other.tag().to_owned()
                        dir=other.direction()
                        hreflang=other.tag().to_owned()
                        aria-current=is_current
                    >
                        {other.own_name().to_owned()}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="languages" aria-label=label>
            <ul class="language-list">{links}</ul>
        </nav>
    }
}

#[component]
fn Welcome(
    title: String,
    code: String,
    language: Language,
    offered: Vec<Language>,
    words: std::sync::Arc<Words>,
) -> impl IntoView {
    let choices = (offered.len() > 1).then(|| {
        let label = words.get("languages").to_owned();
        view! {
            <LanguageLinks languages=offered current=language label href=move |other| format!("/survey/{code}?lang={other}")/>
        }
    });
    view! {
        {choices}
        <h1>{title}</h1>
        <p class="lead">{words.get("welcome-lead").to_owned()}</p>
        <ul class="list">
            {WELCOME_POINTS.map(|point| view! { <li>{words.get(point).to_owned()}</li> }).to_vec()}
        </ul>
    }
}

#[component]
fn QuestionScreen(
    question: Question,
    values: Vec<String>,
    words: std::sync::Arc<Words>,
) -> impl IntoView {
    let name = format!("{ANSWER_PREFIX}{}", question.key);
    match question.kind.name() {
        QuestionKind::Text => {
            let text = values.into_iter().next().unwrap_or_default();
            view! {
                <h1 class="question"><label for="answer">{question.text}</label></h1>
                <p class="hint" id="answer-hint">{words.get("hint-text").to_owned()}</p>
                <textarea
                    class="textarea"
                    id="answer"
                    name=name
                    rows="6"
                    maxlength=MAX_TEXT_CHARS.to_string()
                    aria-describedby="answer-hint"
                >
                    {text}
                </textarea>
            }
            .into_any()
        }
        QuestionKind::Single | QuestionKind::Multi | QuestionKind::Scale => {
            let input_type = if question.kind.takes_several() {
                "checkbox"
            } else {
                "radio"
            };
            let is_scale = question.kind.has_pictures();
            let hint = question
                .kind
                .takes_several()
                .then(|| view! { <p class="hint" id="answer-hint">{words.get("hint-several").to_owned()}</p> });
            let choices = question
                .options()
                .iter()
                .enumerate()
                .map(|(i, option)| {
                    let id = format!("answer-{i}");
                    let checked = values.contains(option);
                    // The picture is decoration: the label says the same in words.
                    let picture = question
                        .emoji()
                        .get(i)
                        .map(|emoji| view! { <span class="scale-picture" aria-hidden="true">{emoji.clone()}</span> });
                    view! {
                        <div class="choice">
                            <input class="choice-input" type=input_type id=id.clone() name=name.clone() value=option.clone() checked=checked/>
                            <label class="choice-label" for=id>{picture}{option.clone()}</label>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="fieldset">
                    <legend class="legend"><h1 class="question">{question.text}</h1></legend>
                    {hint}
                    <div class="choices" class:choices-scale=is_scale>{choices}</div>
                </fieldset>
            }
            .into_any()
        }
    }
}

/// "Ready to send?": how many were answered, in a sentence made for each
/// number (`data-answered-texts`), which the tablet client swaps as the
/// answers change, since the words around a number change with it.
#[component]
fn Ready(answered: usize, words: std::sync::Arc<Words>) -> impl IntoView {
    let every = serde_json::to_string(words.every_answered()).expect("text always serialises");
    view! {
        <h1>{words.get("ready").to_owned()}</h1>
        <p class="lead" data-answered-texts=every>{words.answered(answered).to_owned()}</p>
        <p>{words.get("ready-press").to_owned()}</p>
    }
}

#[component]
fn Thanks(
    delivery: Delivery,
    receipt: Option<String>,
    code: String,
    words: std::sync::Arc<Words>,
) -> impl IntoView {
    // Folded away: only those who want a code open it, and it is gone
    // when the next young person starts.
    let receipt = receipt.map(|receipt| {
        view! {
            <details class="receipt">
                <summary>{words.get("receipt-summary").to_owned()}</summary>
                <p>{words.get("receipt-code").to_owned()}</p>
                <p class="receipt-code" data-receipt=receipt.clone()>{receipt.clone()}</p>
                <p>{words.get("receipt-keep").to_owned()}</p>
            </details>
        }
    });
    view! {
        <div class="panel-done">
            <h1>{words.get("thanks").to_owned()}</h1>
            <p class="lead">{delivery_message(&words, delivery)}</p>
        </div>
        {receipt}
        // The tablet client catches this link (`data-finish`) and starts the
        // next young person without a page load, online or not.
        <p><a class="button" href=format!("/survey/{code}") data-finish="">{words.get("finish").to_owned()}</a></p>
    }
}
