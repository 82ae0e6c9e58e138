//! The survey's screens as young people see them: plain English, one thing
//! per screen, big buttons (GOV.UK Design System patterns).

use super::{Delivery, ScreenView, SurveyScreen};
use crate::domain::answers::MAX_TEXT_CHARS;
use crate::domain::languages::Language;
use crate::domain::progress::{ANSWER_PREFIX, FIELD_NAV, Nav};
use crate::domain::survey::{Question, QuestionKind, Survey};
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos_meta::Title;

/// What the welcome screen promises, in plain words (reading age about 9).
const WELCOME_POINTS: [&str; 5] = [
    "We will not ask your name.",
    "You can skip any question.",
    "Workers who help young people will read your answers.",
    "Head teachers will only see totals, and a few of your words with names taken out.",
    "If you tell us something that makes us worried about your safety, we may tell someone who can help.",
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
) -> impl IntoView {
    let question_count = survey.questions.len();
    let base = |step: usize, view: ScreenView| SurveyScreen {
        code: code.clone(),
        language: language.clone(),
        offered: offered.clone(),
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
        ScreenView::Ready { .. } => "Ready to send".to_owned(),
        ScreenView::Sending => "Sending".to_owned(),
        ScreenView::Thanks { .. } => "Thank you".to_owned(),
    };
    format!("{what} - Heard")
}

/// A screen without its window title.
#[component]
fn ScreenBody(screen: SurveyScreen) -> impl IntoView {
    // The language stays with every step, without JavaScript too.
    let action = format!("/survey/{}?lang={}", screen.code, screen.language);
    let speech = speech_for(&screen);
    let progress = match &screen.view {
        ScreenView::Question { number, .. } => {
            Some(format!("Question {number} of {}", screen.question_count))
        }
        _ => None,
    };
    let problem = screen.problem.clone().map(
        |message| view! { <ErrorSummary problems=vec![("survey-form".to_owned(), message)]/> },
    );
    let read_aloud = view! { <ReadAloud text=speech language=screen.language.clone()/> };
    let body = match screen.view {
        ScreenView::Sending => {
            return view! { <h1>"Sending your answers…"</h1> }.into_any();
        }
        ScreenView::Thanks { delivery, receipt } => {
            return view! { {read_aloud} <Thanks delivery receipt code=screen.code/> }.into_any();
        }
        ScreenView::Welcome => view! {
            <Welcome
                title=screen.title.clone()
                code=screen.code.clone()
                language=screen.language.clone()
                offered=screen.offered.clone()
            />
        }
        .into_any(),
        ScreenView::Question {
            question, values, ..
        } => view! { <QuestionScreen question values/> }.into_any(),
        ScreenView::Ready { answered } => {
            view! { <Ready answered total=screen.question_count/> }.into_any()
        }
    };
    let buttons = if screen.step == 0 {
        view! { <NavButton nav=Nav::Start label="Start"/> }.into_any()
    } else if screen.step <= screen.question_count {
        view! {
            <div class="button-group">
                <NavButton nav=Nav::Next label="Next"/>
                <NavButton nav=Nav::Skip label="Skip this question" secondary=true/>
            </div>
        }
        .into_any()
    } else {
        view! { <NavButton nav=Nav::Send label="Send my answers"/> }.into_any()
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
                <button class="back-link" type="submit" name=FIELD_NAV value=Nav::Back.as_str()>"Back"</button>
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
    match &screen.view {
        ScreenView::Welcome => format!(
            "{}. We want to know what you think. {}",
            screen.title,
            WELCOME_POINTS.join(" ")
        ),
        ScreenView::Question {
            question, number, ..
        } => {
            let mut words = format!(
                "Question {number} of {}. {}",
                screen.question_count, question.text
            );
            match question.kind.name() {
                QuestionKind::Text => words.push_str(" Write as much or as little as you like."),
                QuestionKind::Multi => words.push_str(&format!(
                    " Choose all that fit: {}.",
                    question.options().join(". ")
                )),
                QuestionKind::Single | QuestionKind::Scale => {
                    words.push_str(&format!(" Choose one: {}.", question.options().join(". ")))
                }
            }
            words
        }
        ScreenView::Ready { answered } => format!(
            "Ready to send? You answered {answered} of {} questions. Press Send my answers, or go back to change them.",
            screen.question_count
        ),
        ScreenView::Sending => "Sending your answers.".to_owned(),
        // Never the receipt code: others in the room would hear it.
        ScreenView::Thanks { delivery, .. } => {
            format!("Thank you. {}", delivery_message(*delivery))
        }
    }
}

/// Where the answers are, in plain words: when they wait on the tablet,
/// reassurance, not an error.
fn delivery_message(delivery: Delivery) -> &'static str {
    match delivery {
        Delivery::Sent => "Your answers have been sent.",
        Delivery::Queued => {
            "Your answers are saved on this tablet. They will be sent when the tablet is back online."
        }
        Delivery::KeptForWorker => {
            "Your answers are saved on this tablet. A worker will make sure they are sent."
        }
        Delivery::HeldInPage => {
            "Your answers will be sent when the tablet is back online. Please leave this page open until then."
        }
    }
}

/// Speaks the screen (`data-say`) with the browser's speech synthesis.
/// Shown only once the tablet client is running and the browser can
/// speak; otherwise hidden, so it is never a dead button.
/// Reads in the screen's language; where the tablet has no voice for it,
/// the client shows `no-voice` instead of reading in the wrong one.
#[component]
fn ReadAloud(text: String, language: Language) -> impl IntoView {
    let no_voice = format!(
        "This tablet has no voice for {}, so it cannot read this aloud.",
        language.own_name()
    );
    view! {
        <button type="button" class="read-aloud" data-say=text>
            <span aria-hidden="true">"🔊 "</span>
            "Read aloud"
        </button>
        <p class="no-voice hint" role="status" hidden>{no_voice}</p>
    }
}

#[component]
fn NavButton(nav: Nav, label: &'static str, #[prop(optional)] secondary: bool) -> impl IntoView {
    view! {
        <button class="button" class:button-secondary=secondary type="submit" name=FIELD_NAV value=nav.as_str()>
            {label}
        </button>
    }
}

#[component]
fn Welcome(
    title: String,
    code: String,
    language: Language,
    offered: Vec<Language>,
) -> impl IntoView {
    // Each language named in itself, and marked as such, so a young person
    // finds theirs and a screen reader says it right. Plain links: a new
    // page in that language, with or without JavaScript.
    let choices = (offered.len() > 1).then(|| {
        let links = offered
            .into_iter()
            .map(|other| {
                let current = (other == language).then_some("true");
                view! {
                    <li>
                        <a
                            class="language-link"
                            href=format!("/survey/{code}?lang={other}")
                            lang=other.tag().to_owned()
                            dir=other.direction()
                            hreflang=other.tag().to_owned()
                            aria-current=current
                        >
                            {other.own_name().to_owned()}
                        </a>
                    </li>
                }
            })
            .collect_view();
        view! {
            <nav class="languages" aria-label="Language">
                <ul class="language-list">{links}</ul>
            </nav>
        }
    });
    view! {
        {choices}
        <h1>{title}</h1>
        <p class="lead">"We want to know what you think."</p>
        <ul class="list">{WELCOME_POINTS.map(|point| view! { <li>{point}</li> }).to_vec()}</ul>
    }
}

#[component]
fn QuestionScreen(question: Question, values: Vec<String>) -> impl IntoView {
    let name = format!("{ANSWER_PREFIX}{}", question.key);
    match question.kind.name() {
        QuestionKind::Text => {
            let text = values.into_iter().next().unwrap_or_default();
            view! {
                <h1 class="question"><label for="answer">{question.text}</label></h1>
                <p class="hint" id="answer-hint">"Write as much or as little as you like."</p>
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
                .then(|| view! { <p class="hint" id="answer-hint">"Choose all that fit."</p> });
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

#[component]
fn Ready(answered: usize, total: usize) -> impl IntoView {
    view! {
        <h1>"Ready to send?"</h1>
        <p class="lead">"You answered "<span data-answered="">{answered}</span>{format!(" of {total} questions.")}</p>
        <p>"Press the button to send your answers. You can go back to change them first."</p>
    }
}

#[component]
fn Thanks(delivery: Delivery, receipt: Option<String>, code: String) -> impl IntoView {
    // Folded away: only those who want a code open it, and it is gone
    // when the next young person starts.
    let receipt = receipt.map(|receipt| {
        view! {
            <details class="receipt">
                <summary>"Want your answers deleted later?"</summary>
                <p>"This is your code:"</p>
                <p class="receipt-code" data-receipt=receipt.clone()>{receipt.clone()}</p>
                <p>"Write it down. Give it to a worker if you want your answers deleted. The code does not say who you are."</p>
            </details>
        }
    });
    view! {
        <div class="panel-done">
            <h1>"Thank you"</h1>
            <p class="lead">{delivery_message(delivery)}</p>
        </div>
        {receipt}
        // The tablet client catches this link (`data-finish`) and starts the
        // next young person without a page load, online or not.
        <p><a class="button" href=format!("/survey/{code}") data-finish="">"Finish"</a></p>
    }
}
