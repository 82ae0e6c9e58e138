//! The survey's screens as young people see them: plain English, one thing
//! per screen, big buttons (GOV.UK Design System patterns).

use super::{ScreenView, SurveyScreen};
use crate::domain::answers::MAX_TEXT_CHARS;
use crate::domain::progress::{ANSWER_PREFIX, FIELD_NAV, Nav};
use crate::domain::survey::{Question, QuestionKind};
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos_meta::Title;

/// One screen: a Back form (except on the first and last screens) and the
/// main form, both carrying the hidden fields.
#[component]
pub fn SurveyScreenView(screen: SurveyScreen) -> impl IntoView {
    let action = format!("/survey/{}", screen.code);
    let hidden = move || {
        screen
            .hidden
            .iter()
            .map(|(name, value)| view! { <input type="hidden" name=name.clone() value=value.clone()/> })
            .collect_view()
    };
    let hidden_again = hidden.clone();
    let show_back = !matches!(screen.view, ScreenView::Welcome | ScreenView::Thanks);
    let progress = match &screen.view {
        ScreenView::Question { number, .. } => {
            Some(format!("Question {number} of {}", screen.question_count))
        }
        _ => None,
    };
    let title = screen.title.clone();
    let problem = screen.problem.clone().map(
        |message| view! { <ErrorSummary problems=vec![("survey-form".to_owned(), message)]/> },
    );
    let body = match screen.view {
        ScreenView::Welcome => view! { <Welcome title/> }.into_any(),
        ScreenView::Question {
            question, values, ..
        } => view! { <QuestionScreen question values/> }.into_any(),
        ScreenView::Ready { answered } => {
            view! { <Ready answered total=screen.question_count/> }.into_any()
        }
        ScreenView::Thanks => view! { <Thanks/> }.into_any(),
    };
    let buttons = match (screen.step, screen.problem.is_some()) {
        (0, _) => Some(view! { <NavButton nav=Nav::Start label="Start"/> }.into_any()),
        (s, _) if s <= screen.question_count => Some(
            view! {
                <div class="button-group">
                    <NavButton nav=Nav::Next label="Next"/>
                    <NavButton nav=Nav::Skip label="Skip this question" secondary=true/>
                </div>
            }
            .into_any(),
        ),
        (s, _) if s == screen.question_count + 1 => {
            Some(view! { <NavButton nav=Nav::Send label="Send my answers"/> }.into_any())
        }
        _ => None,
    };
    view! {
        {problem}
        {show_back.then(|| view! {
            <form method="post" action=action.clone() class="back-form">
                {hidden_again()}
                <button class="back-link" type="submit" name=FIELD_NAV value=Nav::Back.as_str()>"Back"</button>
            </form>
        })}
        {progress.map(|p| view! { <p class="survey-progress">{p}</p> })}
        <form method="post" action=action id="survey-form" class="survey-form">
            {hidden()}
            {body}
            {buttons}
        </form>
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
fn Welcome(title: String) -> impl IntoView {
    view! {
        <Title text=format!("{title} - Heard")/>
        <h1>{title}</h1>
        <p class="lead">"We want to know what you think."</p>
        <ul class="list">
            <li>"We will not ask your name."</li>
            <li>"You can skip any question."</li>
            <li>"Workers who help young people will read your answers."</li>
            <li>"Head teachers will only see totals, and a few of your words with names taken out."</li>
            <li>"If you tell us something that makes us worried about your safety, we may tell someone who can help."</li>
        </ul>
    }
}

#[component]
fn QuestionScreen(question: Question, values: Vec<String>) -> impl IntoView {
    let name = format!("{ANSWER_PREFIX}{}", question.key);
    let title = view! { <Title text=format!("{} - Heard", question.text)/> };
    match question.kind {
        QuestionKind::Text => view! {
            {title}
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
                {values.into_iter().next().unwrap_or_default()}
            </textarea>
        }
        .into_any(),
        QuestionKind::Single | QuestionKind::Multi | QuestionKind::Scale => {
            let input_type = if question.kind == QuestionKind::Multi {
                "checkbox"
            } else {
                "radio"
            };
            let is_scale = question.kind == QuestionKind::Scale;
            let hint = (question.kind == QuestionKind::Multi)
                .then(|| view! { <p class="hint" id="answer-hint">"Choose all that fit."</p> });
            let choices = question
                .options
                .iter()
                .enumerate()
                .map(|(i, option)| {
                    let id = format!("answer-{i}");
                    let checked = values.contains(option);
                    // The picture is decoration: the label says the same in words.
                    let picture = question
                        .emoji
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
                {title}
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
        <Title text="Ready to send - Heard"/>
        <h1>"Ready to send?"</h1>
        <p class="lead">{format!("You answered {answered} of {total} questions.")}</p>
        <p>"Press the button to send your answers. You can go back to change them first."</p>
    }
}

#[component]
fn Thanks() -> impl IntoView {
    view! {
        <Title text="Thank you - Heard"/>
        <div class="panel-done">
            <h1>"Thank you"</h1>
            <p class="lead">"Your answers have been sent."</p>
        </div>
        <p><a class="button" href="/">"Finish"</a></p>
    }
}
