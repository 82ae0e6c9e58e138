//! The coding screen's server functions: the sheet, coding an answer,
//! bulk accept, history, quotes and agreement. Workers only.

use crate::domain::agreement::Agreement;
use crate::domain::coding::{CodingChange, CodingSheet};
#[cfg(feature = "ssr")]
use crate::domain::{
    coding::{How, Pass, SheetView, Shown},
    survey::CodingMode,
};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::domain::account::Role;

/// The most answers one bulk accept may take.
#[cfg(feature = "ssr")]
pub const MAX_BULK: usize = 1_000;

/// What a coding server function works on.
#[cfg(feature = "ssr")]
pub(crate) struct Context {
    pub(crate) state: crate::state::AppState,
    pub(crate) found: crate::db::RoundWithSurvey,
    pub(crate) question: crate::domain::survey::Question,
    pub(crate) question_id: String,
}

#[cfg(feature = "ssr")]
impl Context {
    /// NotFound unless `response_id` answered the question in the round.
    pub(crate) async fn require_answer(
        &self,
        round_id: &str,
        response_id: &str,
    ) -> Result<(), AppError> {
        self.answer_text(round_id, response_id).await.map(|_| ())
    }

    /// The text of `response_id`'s answer, or NotFound unless it answered
    /// the question in the round.
    pub(crate) async fn answer_text(
        &self,
        round_id: &str,
        response_id: &str,
    ) -> Result<String, AppError> {
        self.state
            .db
            .answer_text(round_id, &self.question_id, response_id)
            .await?
            .ok_or(AppError::NotFound)
    }
}

/// The round, its survey and the free-text question `key`, or NotFound.
#[cfg(feature = "ssr")]
pub(crate) async fn context(round_id: &str, key: &str) -> Result<Context, AppError> {
    let state = crate::state::app_state()?;
    let found = state
        .db
        .round_with_survey(round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let question = found
        .survey
        .question(key)
        .filter(|q| q.kind.is_coded())
        .cloned()
        .ok_or(AppError::NotFound)?;
    let question_id = state
        .db
        .question_ids(&found.survey_id)
        .await?
        .remove(key)
        .ok_or(AppError::NotFound)?;
    Ok(Context {
        state,
        found,
        question,
        question_id,
    })
}

#[cfg(feature = "ssr")]
fn parse_pass(pass: &str) -> Result<Pass, AppError> {
    Pass::parse(if pass.is_empty() { "main" } else { pass })
        .ok_or_else(|| AppError::BadInput(format!("\"{pass}\" is not a coding pass")))
}

/// One page of a round's answers to a free-text question, for coding in
/// `pass`: those the screen's choices show (`show`, `about`, `order`,
/// `from`, `after`, `before`, as in its address; see [`SheetView`]),
/// with the question's progress over all its answers.
#[server(endpoint = "load_coding_sheet")]
pub async fn load_coding_sheet(
    round_id: String,
    question: String,
    pass: String,
    #[server(default)] show: String,
    #[server(default)] about: String,
    #[server(default)] order: String,
    #[server(default)] from: String,
    #[server(default)] after: String,
    #[server(default)] before: String,
    #[server(default)] language: String,
) -> Result<CodingSheet, AppError> {
    use crate::domain::coding::ShownSuggestion;
    use crate::domain::suggest::Suggester;
    crate::auth::require(Role::Worker).await?;
    let pass = parse_pass(&pass)?;
    let mut view = SheetView::parse(&show, &about, &order, &from, &after, &before, &language);
    let cx = context(&round_id, &question).await?;
    let attributes: Vec<&crate::domain::survey::Question> = cx
        .found
        .survey
        .questions
        .iter()
        .filter(|q| q.about_you)
        .collect();
    let ids = cx.state.db.question_ids(&cx.found.survey_id).await?;
    let attribute_ids: Vec<String> = attributes.iter().map(|q| ids[&q.key].clone()).collect();
    let (total, coded) = cx
        .state
        .db
        .coding_progress(&round_id, &cx.question_id, pass)
        .await?;
    let (mut answers, shown) = cx
        .state
        .db
        .coding_page(
            &round_id,
            &cx.question_id,
            &attribute_ids,
            pass,
            &mut view,
            (total, coded),
            &cx.found.survey.languages.default,
        )
        .await?;
    let ids: Vec<&str> = answers.iter().map(|a| a.response_id.as_str()).collect();
    let mut languages = cx.state.db.response_languages(&ids).await?;
    for answer in &mut answers {
        answer.language = languages.remove(&answer.response_id);
    }
    if pass == Pass::Main {
        let texts: Vec<(&str, Option<&str>)> = answers
            .iter()
            .map(|a| (a.text.as_str(), a.language.as_deref()))
            .collect();
        let suggestions = Suggester::suggest_in_languages(
            cx.question.themes(),
            &texts,
            &cx.found.survey.languages.default,
        );
        for (answer, suggestions) in answers.iter_mut().zip(suggestions) {
            answer.suggestions = suggestions
                .into_iter()
                .map(|s| ShownSuggestion {
                    theme: cx.question.themes()[s.theme].name.clone(),
                    score: s.score,
                    words: s
                        .matched
                        .iter()
                        .map(|m| answer.text[m.start..m.end].to_owned())
                        .collect(),
                })
                .collect();
        }
    }
    let (shown, shown_at_least) = match shown {
        Shown::All(n) => (n, false),
        Shown::AtLeast(n) => (n, true),
    };
    let agreement = if pass == Pass::Main {
        Some(agreement_of(&cx).await?).filter(|a| a.overall.units() > 0)
    } else {
        None
    };
    let about_you_values = attributes
        .iter()
        .enumerate()
        .flat_map(|(column, q)| q.options().iter().map(move |o| (column, o.clone())))
        .collect();
    let mut languages = crate::domain::languages::named_languages(&cx.found.survey);
    if languages.len() < 2 {
        languages.clear();
    }
    Ok(CodingSheet {
        agreement,
        languages,
        round_id,
        round_name: cx.found.round.name.clone(),
        survey_title: cx.found.survey.title.clone(),
        question: cx.question,
        pass,
        attributes: attributes.iter().map(|q| q.text.clone()).collect(),
        about_you_values,
        view,
        answers,
        shown,
        shown_at_least,
        total,
        coded,
    })
}

/// Sets an answer's themes in `pass`. `how` says where the decision came
/// from ("hand" or "suggestion"). Returns the themes now given.
#[server(endpoint = "code_answer", input = Json)]
pub async fn code_answer(
    round_id: String,
    question: String,
    pass: String,
    response_id: String,
    themes: Vec<String>,
    how: String,
) -> Result<Vec<String>, AppError> {
    let user = crate::auth::require(Role::Worker).await?;
    let pass = parse_pass(&pass)?;
    let how = How::parse(&how)
        .filter(|how| how.is_one_answer())
        .ok_or_else(|| {
            AppError::BadInput(format!("\"{how}\" is not a way of coding one answer"))
        })?;
    let cx = context(&round_id, &question).await?;
    let themes = checked_themes(&cx.question, themes)?;
    if !cx
        .state
        .db
        .set_coding(
            &cx.found.survey_id,
            &round_id,
            &response_id,
            &question,
            pass,
            &themes,
            &user.email,
            how.as_str(),
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(themes)
}

/// Themes in codebook order, each known, and no more than the question's
/// coding mode allows.
#[cfg(feature = "ssr")]
fn checked_themes(
    question: &crate::domain::survey::Question,
    mut themes: Vec<String>,
) -> Result<Vec<String>, AppError> {
    for theme in &themes {
        if !question.themes().iter().any(|t| &t.name == theme) {
            return Err(AppError::BadInput(format!(
                "\"{theme}\" is not a theme of this question."
            )));
        }
    }
    themes.sort_by_key(|name| question.themes().iter().position(|t| &t.name == name));
    themes.dedup();
    if question.coding() == CodingMode::Single && themes.len() > 1 {
        return Err(AppError::BadInput(
            "This question takes one theme per answer.".to_owned(),
        ));
    }
    Ok(themes)
}

/// Gives each listed answer that is still uncoded (main coding) its top
/// suggestion, as previewed. Answers coded meanwhile, or with no
/// suggestion, are left alone. Returns how many were coded.
#[server(endpoint = "bulk_accept", input = Json)]
pub async fn bulk_accept(
    round_id: String,
    question: String,
    response_ids: Vec<String>,
) -> Result<usize, AppError> {
    use crate::domain::suggest::Suggester;
    let user = crate::auth::require(Role::Worker).await?;
    if response_ids.len() > MAX_BULK {
        return Err(AppError::BadInput(format!(
            "At most {MAX_BULK} answers can be accepted at once."
        )));
    }
    let cx = context(&round_id, &question).await?;
    // Only the answers listed, and only those still uncoded; all coded in
    // one transaction.
    let answers = cx
        .state
        .db
        .uncoded_answers_among(&round_id, &cx.question_id, &response_ids)
        .await?;
    let ids: Vec<&str> = answers.iter().map(|(id, _)| id.as_str()).collect();
    let languages = cx.state.db.response_languages(&ids).await?;
    let texts: Vec<(&str, Option<&str>)> = answers
        .iter()
        .map(|(id, text)| (text.as_str(), languages.get(id).map(String::as_str)))
        .collect();
    let suggestions = Suggester::suggest_in_languages(
        cx.question.themes(),
        &texts,
        &cx.found.survey.languages.default,
    );
    let coded: Vec<(String, Vec<String>)> = answers
        .iter()
        .zip(suggestions)
        .filter_map(|((response_id, _), suggestions)| {
            let top = suggestions.into_iter().next()?;
            Some((
                response_id.clone(),
                vec![cx.question.themes()[top.theme].name.clone()],
            ))
        })
        .collect();
    cx.state
        .db
        .code_many(
            &cx.found.survey_id,
            &question,
            &coded,
            &user.email,
            How::Bulk.as_str(),
        )
        .await?;
    tracing::info!(user = %user.email, coded = coded.len(), "bulk accepted top suggestions");
    Ok(coded.len())
}

/// Every change to one answer's coding.
#[server(endpoint = "answer_history")]
pub async fn answer_history(
    round_id: String,
    question: String,
    response_id: String,
) -> Result<Vec<CodingChange>, AppError> {
    crate::auth::require(Role::Worker).await?;
    let cx = context(&round_id, &question).await?;
    Ok(cx
        .state
        .db
        .coding_history(&response_id, &cx.question_id)
        .await?)
}

/// Stars an answer as a quote, with a proposed redacted copy (names,
/// listed schools and places replaced). Returns the proposal.
#[server(endpoint = "star_quote")]
pub async fn star_quote(
    round_id: String,
    question: String,
    response_id: String,
) -> Result<String, AppError> {
    use crate::domain::redact::propose_redaction;
    crate::auth::require(Role::Worker).await?;
    let cx = context(&round_id, &question).await?;
    let text = cx.answer_text(&round_id, &response_id).await?;
    let proposal = propose_redaction(&text, &cx.state.redaction);
    cx.state
        .db
        .save_quote(&response_id, &cx.question_id, Some(&proposal), None)
        .await?;
    Ok(proposal)
}

/// Saves a quote's redacted copy, approving it or not; `remove` unstars it.
#[server(endpoint = "save_quote")]
pub async fn save_quote(
    round_id: String,
    question: String,
    response_id: String,
    redacted: String,
    approve: bool,
    remove: bool,
) -> Result<(), AppError> {
    let user = crate::auth::require(Role::Worker).await?;
    let cx = context(&round_id, &question).await?;
    let redacted = redacted.trim();
    if !remove && redacted.is_empty() {
        return Err(AppError::BadInput("The quote is empty.".to_owned()));
    }
    if redacted.chars().count() > crate::domain::answers::MAX_TEXT_CHARS {
        return Err(AppError::BadInput("The quote is too long.".to_owned()));
    }
    cx.require_answer(&round_id, &response_id).await?;
    cx.state
        .db
        .save_quote(
            &response_id,
            &cx.question_id,
            (!remove).then_some(redacted),
            approve.then_some(user.email.as_str()),
        )
        .await?;
    Ok(())
}

/// Raises a safeguarding concern about an answer: the worker read it and
/// it needs a look, whatever the rules said. The lead is e-mailed as for
/// any flag; the audit log records who raised it (never the answer).
#[server(endpoint = "raise_concern")]
pub async fn raise_concern(
    round_id: String,
    question: String,
    response_id: String,
) -> Result<(), AppError> {
    let user = crate::auth::require(Role::Worker).await?;
    let cx = context(&round_id, &question).await?;
    cx.require_answer(&round_id, &response_id).await?;
    let reason = format!("raised by {} on reading it", user.email);
    if !cx
        .state
        .db
        .raise_concern(&response_id, &question, &reason)
        .await?
    {
        return Err(AppError::NotFound);
    }
    cx.state
        .db
        .record_audit(
            &user.email,
            &crate::domain::audit::AuditEvent::ConcernRaised {
                round: cx.found.round.name.clone(),
            },
        )
        .await?;
    Ok(())
}

/// Agreement between the main coding and a second coder's check, over the
/// answers both have coded.
#[server(endpoint = "coding_agreement")]
pub async fn coding_agreement(round_id: String, question: String) -> Result<Agreement, AppError> {
    crate::auth::require(Role::Worker).await?;
    let cx = context(&round_id, &question).await?;
    agreement_of(&cx).await
}

/// Agreement between the main coding and a second coder's, over the
/// answers both have coded (only those are read).
#[cfg(feature = "ssr")]
async fn agreement_of(cx: &Context) -> Result<Agreement, AppError> {
    let names: Vec<String> = cx
        .question
        .themes()
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let twice = cx
        .state
        .db
        .coded_twice(&cx.found.round.round_id, &cx.question_id)
        .await?;
    Ok(crate::domain::agreement::agreement(&names, &twice))
}
