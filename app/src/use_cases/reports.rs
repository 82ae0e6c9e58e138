//! Figures about rounds: a round's report, a question compared across
//! rounds, and the summary page that holds both. What a viewer may see is
//! decided here, once, for the page, the downloads and `heard report` /
//! `heard compare` alike.

use super::{UseCaseError, breakdown, breakdowns, question_by_key, round_by_name};
use crate::db::{Db, RoundRef, RoundWithSurvey};
use crate::domain::report::{
    Audience, Comparison, Disclosure, GroupTally, LastPublished, Published as LastPublication,
    QuestionReport, RoundCounts, ThemesTogether, compare, comparison_categories,
    has_themes_together, published_counts, question_report, round_counts, suggested, survey_report,
    themes_together,
};
use crate::domain::summary::{QuestionComparison, Summary};
use crate::domain::survey::Question;

/// A round's report, question by question, for `audience`; broken down by
/// the about-you question `by` if given; only `question` if given.
pub async fn round_report(
    db: &Db,
    round: &RoundWithSurvey,
    question: Option<&str>,
    by: Option<&str>,
    audience: Audience,
) -> Result<Vec<QuestionReport>, UseCaseError> {
    let survey = &round.survey;
    let by = by
        .filter(|b| !b.is_empty())
        .map(|key| breakdown(survey, key))
        .transpose()?;
    if let Some(key) = question {
        question_by_key(survey, key)?;
    }
    let tally = db
        .tally_grouped(
            &round.round.round_id,
            &round.survey_id,
            by.as_ref().map(|b| b.group_by()),
        )
        .await?;
    let disclosure = db.disclosure(&round.survey_id).await?;
    Ok(survey_report(
        survey,
        &tally,
        by.as_ref().map(|b| b.question()),
        audience,
        disclosure,
        &LastPublication::default(),
    )
    .into_iter()
    .filter(|r| question.is_none_or(|key| r.key == key))
    .collect())
}

/// A question compared across rounds, and the rounds left out of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compared {
    /// `None` when fewer than two rounds may be shown.
    pub comparison: Option<Comparison>,
    /// Rounds left out because too few young people answered the question
    /// for viewers to see it (workers see every round).
    pub withheld: Vec<String>,
}

/// The one rule for comparisons: for viewers, a round in which fewer than
/// the survey's minimum answered the question is left out (and named), as
/// it would be withheld on its own; the rest are compared, first to last.
/// Categories in `hidden` (those a compared round's own figures hide from
/// viewers) are left out of the comparison, so it shows nothing the
/// rounds' summaries do not.
pub fn comparison_of(
    question: &Question,
    rounds: Vec<RoundCounts>,
    audience: Audience,
    disclosure: Disclosure,
    hidden: &[String],
) -> Compared {
    let (shown, withheld): (Vec<_>, Vec<_>) = rounds
        .into_iter()
        .partition(|c| audience == Audience::Worker || c.answered >= disclosure.min_answers);
    let all = comparison_categories(question);
    let keep = |i: &usize| audience == Audience::Worker || !hidden.contains(&all[*i]);
    let categories: Vec<String> = (0..all.len())
        .filter(keep)
        .map(|i| all[i].clone())
        .collect();
    let shown: Vec<RoundCounts> = shown
        .into_iter()
        .map(|r| RoundCounts {
            counts: (0..all.len()).filter(keep).map(|i| r.counts[i]).collect(),
            ..r
        })
        .collect();
    Compared {
        comparison: (shown.len() >= 2 && !categories.is_empty()).then(|| {
            let comparison = compare(&categories, &shown);
            if disclosure.whole_population {
                comparison.of_whole_population()
            } else {
                comparison
            }
        }),
        withheld: withheld.into_iter().map(|c| c.round).collect(),
    }
}

/// `question` of a survey compared across the rounds named, in the order
/// given (at least two), for `audience`.
pub async fn compare_rounds(
    db: &Db,
    survey_slug: &str,
    question: &str,
    round_names: &[&str],
    audience: Audience,
) -> Result<Compared, UseCaseError> {
    let (survey_id, survey) = super::survey_by_slug(db, survey_slug).await?;
    let question = question_by_key(&survey, question)?;
    if round_names.len() < 2 {
        return Err(UseCaseError::BadInput(
            "a comparison needs at least two round names, separated by commas".to_owned(),
        ));
    }
    let disclosure = db.disclosure(&survey_id).await?;
    let mut counts = Vec::new();
    let mut hidden = Vec::new();
    for name in round_names {
        let round = round_by_name(db, &survey_id, &survey, name).await?;
        match audience {
            Audience::Worker => {
                let tally = db.tally(&round.round_id, &survey_id, None).await?;
                counts.push(round_counts(question, name, &tally.everyone));
            }
            // Viewers compare rounds as published (an unpublished round
            // counts as withheld).
            Audience::Viewer => {
                let published = published_reports(db, &round.round_id, "").await?;
                let report = published.iter().find(|r| r.key == question.key);
                let (round_counts, hides) = published_counts(question, name, report);
                counts.push(round_counts);
                hidden.extend(hides);
            }
        }
    }
    Ok(comparison_of(
        question, counts, audience, disclosure, &hidden,
    ))
}

/// A round's summary for `audience`: its report (broken down by `by` if
/// given), each question compared with the survey's earlier rounds, and
/// the approved quotes.
///
/// Workers see it live. Viewers (and share links, and a worker asking what
/// viewers see) see the summary as last published ([`publish`]), never the
/// live counts: reading before and after one young person sends must not
/// show what they answered.
pub async fn summary(
    db: &Db,
    round_id: &str,
    audience: Audience,
    by: Option<&str>,
) -> Result<Summary, UseCaseError> {
    match audience {
        Audience::Worker => {
            live_summary(db, round_id, audience, by, &LastPublication::default()).await
        }
        Audience::Viewer => published_summary(db, round_id, by).await,
    }
}

/// A round's last publication in one view (`by_key`, "" for everyone).
async fn last_published(
    db: &Db,
    round_id: &str,
    by_key: &str,
) -> Result<Option<Summary>, UseCaseError> {
    let Some(stored) = db.published_summary(round_id, by_key).await? else {
        return Ok(None);
    };
    serde_json::from_str(&stored).map(Some).map_err(|e| {
        UseCaseError::Db(crate::db::DbError::Corrupt(format!(
            "a published summary: {e}"
        )))
    })
}

/// The question reports of a round's last publication in one view.
async fn published_reports(
    db: &Db,
    round_id: &str,
    by_key: &str,
) -> Result<Vec<QuestionReport>, UseCaseError> {
    Ok(last_published(db, round_id, by_key)
        .await?
        .map(|s| s.questions)
        .unwrap_or_default())
}

/// What a round's last publication showed in its overall view, as the
/// next one in that view is held to it.
async fn last_publication(db: &Db, round_id: &str) -> Result<LastPublication, UseCaseError> {
    let overall = published_reports(db, round_id, "").await?;
    Ok(LastPublication {
        view: overall.clone(),
        overall,
        together: published_together(db, round_id).await?,
    })
}

/// What the workers wrote when they last published a round, by question.
async fn published_notes(
    db: &Db,
    round_id: &str,
) -> Result<std::collections::BTreeMap<String, String>, UseCaseError> {
    Ok(last_published(db, round_id, "")
        .await?
        .map(|s| s.notes)
        .unwrap_or_default())
}

/// The themes together a round's last publication showed.
async fn published_together(db: &Db, round_id: &str) -> Result<Vec<ThemesTogether>, UseCaseError> {
    Ok(last_published(db, round_id, "")
        .await?
        .map(|s| s.together)
        .unwrap_or_default())
}

/// The published summary of a round, broken down by `by` if given.
async fn published_summary(
    db: &Db,
    round_id: &str,
    by: Option<&str>,
) -> Result<Summary, UseCaseError> {
    let found = db
        .round_with_survey(round_id)
        .await?
        .ok_or(UseCaseError::NotFound)?;
    let by_key = match by.filter(|b| !b.is_empty()) {
        Some(key) => breakdown(&found.survey, key)?.question().key.clone(),
        None => String::new(),
    };
    let mut summary = last_published(db, round_id, &by_key)
        .await?
        .ok_or(UseCaseError::NotPublished)?;
    // Approved quotes are chosen by workers for viewers to read: the
    // current choice, not the one at publication.
    summary.quotes = db.approved_quotes(round_id).await?;
    // Published before changes had intervals: given them from its counts.
    for compared in &mut summary.comparisons {
        compared.comparison.fill_intervals();
    }
    Ok(summary)
}

/// What publishing a round's summary did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Published {
    /// Viewers now see the round as it is, with this many responses.
    Published(i64),
    /// Too few responses have arrived (or gone) since the last publication
    /// for no one young person to stand out between the two: viewers keep
    /// the last one.
    TooFewNew {
        published: i64,
        new: i64,
        needed: i64,
    },
}

/// Publishes a round's summary for viewers: the viewer's summary as it is
/// now, with every breakdown, replacing the last one. Allowed when nothing
/// was published yet; when the same young people are counted (checked by
/// a fingerprint of their responses, not assumed from the count: their
/// coding or quotes changed, no new child to single out); or when the
/// count moved by at least the survey's smallest shown cell (`min_cell`,
/// 5 by default), so that the difference between two publications is
/// never one child, arriving or erased.
pub async fn publish(db: &Db, round_id: &str, who: &str) -> Result<Published, UseCaseError> {
    publish_with_notes(db, round_id, who, None).await
}

/// The longest note on one question that is published.
pub const MOST_NOTE_CHARACTERS: usize = 4_000;

/// [`publish`], with what the workers wrote about each question (by key;
/// empty texts dropped). `None` keeps what the last publication said.
pub async fn publish_with_notes(
    db: &Db,
    round_id: &str,
    who: &str,
    notes: Option<std::collections::BTreeMap<String, String>>,
) -> Result<Published, UseCaseError> {
    // Said about a question in a few paragraphs; refused whole, naming
    // the question, rather than published cut short.
    for (key, text) in notes.iter().flatten() {
        let length = text.trim().chars().count();
        if length > MOST_NOTE_CHARACTERS {
            return Err(UseCaseError::BadInput(format!(
                "the note on question \"{key}\" has {length} characters; at most {MOST_NOTE_CHARACTERS} are published, so nothing was"
            )));
        }
    }
    let found = db
        .round_with_survey(round_id)
        .await?
        .ok_or(UseCaseError::NotFound)?;
    let disclosure = db.disclosure(&found.survey_id).await?;
    let responses = db
        .tally(round_id, &found.survey_id, None)
        .await?
        .everyone
        .responses;
    let respondents = db.respondents_fingerprint(round_id).await?;
    if let Some(last) = db.publication(round_id).await? {
        let new = responses - last.responses;
        let same_people = last.respondents == respondents;
        if !same_people && new.abs() < disclosure.min_cell {
            return Ok(Published::TooFewNew {
                published: last.responses,
                new,
                needed: disclosure.min_cell,
            });
        }
    }
    let notes = match notes {
        Some(notes) => notes
            .into_iter()
            .map(|(key, text)| (key, text.trim().to_owned()))
            .filter(|(key, text)| !text.is_empty() && found.survey.question(key).is_some())
            .collect(),
        None => published_notes(db, round_id).await?,
    };
    let mut summaries = Vec::new();
    let keys = std::iter::once(String::new())
        .chain(breakdowns(&found.survey).into_iter().map(|(key, _)| key));
    for key in keys {
        let by = (!key.is_empty()).then_some(key.as_str());
        // What viewers saw last time decides what stays hidden (README,
        // disclosure control rules 5 and 6), so that two publications side
        // by side never single a young person out.
        let last = LastPublication {
            view: published_reports(db, round_id, &key).await?,
            overall: published_reports(db, round_id, "").await?,
            together: published_together(db, round_id).await?,
        };
        let mut summary = live_summary(db, round_id, Audience::Viewer, by, &last).await?;
        summary.notes = notes.clone();
        let json = serde_json::to_string(&summary)
            .map_err(|e| UseCaseError::BadInput(format!("the summary could not be stored: {e}")))?;
        summaries.push((key, json));
    }
    db.store_publication(round_id, who, responses, &respondents, &summaries)
        .await?;
    let event = crate::domain::audit::AuditEvent::Published {
        round: found.round.name.clone(),
        responses,
    };
    db.record_audit(who, &event).await?;
    Ok(Published::Published(responses))
}

/// The summary as it is now, for `audience`; `last` is the round's last
/// publication (see [`question_report`]).
async fn live_summary(
    db: &Db,
    round_id: &str,
    audience: Audience,
    by: Option<&str>,
    last: &LastPublication,
) -> Result<Summary, UseCaseError> {
    let found = db
        .round_with_survey(round_id)
        .await?
        .ok_or(UseCaseError::NotFound)?;
    let survey = &found.survey;
    let disclosure = db.disclosure(&found.survey_id).await?;
    let breakdown = by
        .filter(|b| !b.is_empty())
        .map(|key| breakdown(survey, key))
        .transpose()?;
    let tally = db
        .tally_grouped(
            round_id,
            &found.survey_id,
            breakdown.as_ref().map(|b| b.group_by()),
        )
        .await?;
    let by = breakdown.as_ref().map(|b| b.question());
    let questions = survey_report(survey, &tally, by, audience, disclosure, last);
    // Earlier rounds to compare with: workers see them live; viewers as
    // they were published (a round never published is not compared).
    let mut earlier = Vec::new();
    for round in earlier_rounds(db, &found).await? {
        match audience {
            Audience::Worker => {
                let tally = db.tally(&round.round_id, &found.survey_id, None).await?;
                earlier.push((round.name, tally.everyone, Vec::new()));
            }
            Audience::Viewer => {
                if db.publication(&round.round_id).await?.is_some() {
                    let published = published_reports(db, &round.round_id, "").await?;
                    earlier.push((round.name, GroupTally::default(), published));
                }
            }
        }
    }
    let mut comparisons = Vec::new();
    if !earlier.is_empty() {
        for question in survey
            .questions
            .iter()
            .filter(|q| by.is_none_or(|b| b.key != q.key))
        {
            let (counts, hidden_here): (Vec<RoundCounts>, Vec<String>) = match audience {
                Audience::Worker => (
                    earlier
                        .iter()
                        .map(|(name, everyone, _)| round_counts(question, name, everyone))
                        .chain(std::iter::once(round_counts(
                            question,
                            &found.round.name,
                            &tally.everyone,
                        )))
                        .collect(),
                    Vec::new(),
                ),
                Audience::Viewer => {
                    // This round as it is being shown: its overall figures.
                    let overall = question_report(
                        question,
                        None,
                        &tally,
                        audience,
                        disclosure,
                        LastPublished {
                            view: last.of(&question.key).overall,
                            ..last.of(&question.key)
                        },
                    );
                    let mut hidden = Vec::new();
                    let mut counts = Vec::new();
                    for (name, _, published) in &earlier {
                        let report = published.iter().find(|r| r.key == question.key);
                        let (round, hides) = published_counts(question, name, report);
                        counts.push(round);
                        hidden.extend(hides);
                    }
                    let (round, hides) =
                        published_counts(question, &found.round.name, Some(&overall));
                    counts.push(round);
                    hidden.extend(hides);
                    (counts, hidden)
                }
            };
            let compared = comparison_of(question, counts, audience, disclosure, &hidden_here);
            if let Some(comparison) = compared.comparison {
                comparisons.push(QuestionComparison {
                    key: question.key.clone(),
                    text: question.text.clone(),
                    comparison,
                    withheld: compared.withheld,
                });
            }
        }
    }
    // Themes together, in the overall view only, and for viewers only where
    // the question's own figures are all shown: its answered, coded and
    // theme counts add up (coded = each theme's count less the pairs'), so
    // beside one hidden figure they would give it away.
    let mut together = Vec::new();
    for question in survey.questions.iter().filter(|q| has_themes_together(q)) {
        let figures_shown = questions
            .iter()
            .find(|r| r.key == question.key)
            .is_some_and(|r| {
                r.withheld.is_none()
                    && r.blocks.iter().all(|b| {
                        b.answered.exact().is_some()
                            && b.lines.iter().all(|l| l.count.exact().is_some())
                    })
            });
        if by.is_some() || (audience == Audience::Viewer && !figures_shown) {
            continue;
        }
        let before = last.together.iter().find(|t| t.key == question.key);
        together
            .extend(themes_together_in(db, &found, question, audience, disclosure, before).await?);
    }
    // Workers are offered sentences to start from, and edit what was
    // published last. The sentences are made from what viewers would see
    // if the round were published now (never a figure disclosure control
    // hides from them), as the note is published to them.
    let (suggested, notes) = match audience {
        Audience::Worker if by.is_none() => {
            let seen = Box::pin(live_summary(
                db,
                round_id,
                Audience::Viewer,
                None,
                &last_publication(db, round_id).await?,
            ))
            .await?;
            let suggested = seen
                .questions
                .iter()
                .map(|report| {
                    let compared = seen
                        .comparisons
                        .iter()
                        .find(|c| c.key == report.key)
                        .map(|c| &c.comparison);
                    (report.key.clone(), suggested(report, compared))
                })
                .filter(|(_, text)| !text.is_empty())
                .collect();
            (suggested, published_notes(db, round_id).await?)
        }
        _ => Default::default(),
    };
    Ok(Summary {
        notes,
        suggested,
        round_id: round_id.to_owned(),
        survey_title: survey.title.clone(),
        round_name: found.round.name.clone(),
        audience,
        responses: tally.everyone.responses,
        attributes: breakdowns(survey),
        by: by.map(|b| b.key.clone()),
        disclosure,
        questions,
        comparisons,
        together,
        quotes: db.approved_quotes(round_id).await?,
        share_links: None,
        publication: None,
    })
}

/// A multi-coded question's themes together in a round, for `audience`
/// (`None` where viewers may not see it).
async fn themes_together_in(
    db: &Db,
    round: &RoundWithSurvey,
    question: &Question,
    audience: Audience,
    disclosure: Disclosure,
    last: Option<&ThemesTogether>,
) -> Result<Option<ThemesTogether>, UseCaseError> {
    let (coded, both) = db
        .themes_together(&round.round.round_id, &round.survey_id, &question.key)
        .await?;
    Ok(themes_together(
        question, coded, &both, audience, disclosure, last,
    ))
}

/// `heard together`: question `key`'s themes together in a round, for
/// `audience`.
pub async fn round_themes_together(
    db: &Db,
    round: &RoundWithSurvey,
    key: &str,
    audience: Audience,
) -> Result<Option<ThemesTogether>, UseCaseError> {
    let question = question_by_key(&round.survey, key)?;
    if !has_themes_together(question) {
        return Err(UseCaseError::BadInput(format!(
            "question \"{key}\" is not a free-text question coded with several themes per answer, so it has no themes together"
        )));
    }
    let round_id = &round.round.round_id;
    // As the summary shows it: for viewers, as the next publication would,
    // under the same rules.
    let last = match audience {
        Audience::Viewer => last_publication(db, round_id).await?,
        Audience::Worker => LastPublication::default(),
    };
    let summary = live_summary(db, round_id, audience, None, &last).await?;
    Ok(summary.together.into_iter().find(|t| t.key == key))
}

/// The survey's rounds before `round`, oldest first.
async fn earlier_rounds(db: &Db, round: &RoundWithSurvey) -> Result<Vec<RoundRef>, UseCaseError> {
    let mut rounds = db.rounds_of_survey(&round.survey_id).await?;
    let upto = rounds
        .iter()
        .position(|r| r.round_id == round.round.round_id)
        .unwrap_or(0);
    rounds.truncate(upto);
    Ok(rounds)
}

/// A round and its survey by the survey's slug and the round's name.
pub async fn round_by_names(
    db: &Db,
    survey_slug: &str,
    round_name: &str,
) -> Result<RoundWithSurvey, UseCaseError> {
    let (survey_id, survey) = super::survey_by_slug(db, survey_slug).await?;
    let round = round_by_name(db, &survey_id, &survey, round_name).await?;
    Ok(RoundWithSurvey {
        round,
        survey_id,
        survey,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::Kind;

    fn key_stage() -> Question {
        Question {
            key: "key_stage".into(),
            kind: Kind::Single {
                options: vec!["KS3".into(), "KS4".into()],
            },
            ..Question::default()
        }
    }

    fn counts(round: &str, ks3: i64, ks4: i64) -> RoundCounts {
        RoundCounts {
            round: round.into(),
            counts: vec![ks3, ks4],
            answered: ks3 + ks4,
        }
    }

    #[test]
    fn viewers_lose_small_rounds_from_a_comparison_and_are_told_which() {
        let rounds = || vec![counts("A", 10, 12), counts("B", 1, 2), counts("C", 8, 9)];
        let disclosure = Disclosure {
            min_cell: 5,
            min_answers: 10,
            hide_small_overall: false,
            whole_population: false,
        };
        let viewer = comparison_of(&key_stage(), rounds(), Audience::Viewer, disclosure, &[]);
        assert_eq!(viewer.withheld, ["B"]);
        assert_eq!(viewer.comparison.unwrap().rounds, ["A", "C"]);
        let worker = comparison_of(&key_stage(), rounds(), Audience::Worker, disclosure, &[]);
        assert!(worker.withheld.is_empty());
        assert_eq!(worker.comparison.unwrap().rounds, ["A", "B", "C"]);
    }

    #[test]
    fn fewer_than_two_rounds_left_is_no_comparison() {
        let disclosure = Disclosure {
            min_cell: 5,
            min_answers: 10,
            hide_small_overall: false,
            whole_population: false,
        };
        let compared = comparison_of(
            &key_stage(),
            vec![counts("A", 10, 12), counts("B", 1, 2)],
            Audience::Viewer,
            disclosure,
            &[],
        );
        assert_eq!(compared.comparison, None);
        assert_eq!(compared.withheld, ["B"]);
    }
}
