//! Responses as a spreadsheet for Excel, SPSS and R: one row per young
//! person, one column per question, and for each coded free-text question
//! one 0/1 column per theme (the response-by-theme matrix).

use super::report::ResponseRow;
use super::report_output::Table;
use super::survey::Survey;

/// The heading of a theme's 0/1 column: `KEY: THEME`. Imports skip these
/// columns, so an export reads back in.
pub fn theme_column(key: &str, theme: &str) -> String {
    format!("{key}: {theme}")
}

/// One response as exports write it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportedResponse {
    /// The imported `respondent` id, if there is one.
    pub respondent: Option<String>,
    /// The language it was answered in (a tag), if known.
    pub language: Option<String>,
    pub row: ResponseRow,
}

/// A round's responses as a table: the respondent id (if imported), the
/// language each was answered in (choices are always the survey's own
/// options, whatever the language), then one column per question.
/// Multiple choices are joined with `; `; a skipped question is an empty
/// cell; an answer not yet coded has empty theme cells (not 0), so "not
/// coded" is never read as "no theme".
pub fn responses_table(survey: &Survey, rows: &[ExportedResponse]) -> Table {
    let mut header = vec!["respondent".to_owned(), "language".to_owned()];
    header.extend(survey.questions.iter().map(|q| q.key.clone()));
    let coded: Vec<_> = survey
        .questions
        .iter()
        .filter(|q| q.kind.is_coded() && !q.themes().is_empty())
        .collect();
    for question in &coded {
        header.extend(
            question
                .themes()
                .iter()
                .map(|t| theme_column(&question.key, &t.name)),
        );
    }
    let rows = rows
        .iter()
        .map(|response| {
            let row = &response.row;
            let mut cells = vec![
                response.respondent.clone().unwrap_or_default(),
                response.language.clone().unwrap_or_default(),
            ];
            cells.extend(survey.questions.iter().map(|q| {
                row.answers
                    .get(&q.key)
                    .map(|v| v.join("; "))
                    .unwrap_or_default()
            }));
            for question in &coded {
                let answered = row
                    .answers
                    .get(&question.key)
                    .is_some_and(|v| !v.is_empty());
                let themes = row.themes.get(&question.key);
                for theme in question.themes() {
                    cells.push(match themes {
                        Some(given) if answered && !given.is_empty() => {
                            if given.contains(&theme.name) {
                                "1"
                            } else {
                                "0"
                            }
                            .to_owned()
                        }
                        _ => String::new(),
                    });
                }
            }
            cells
        })
        .collect();
    Table { header, rows }
}

/// The columns of [`responses_table`] that hold people's text (all but the
/// 0/1 theme columns).
pub fn responses_text_columns(survey: &Survey) -> Vec<usize> {
    (0..survey.questions.len() + 2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::{Codebook, CodingMode, Kind, Question, Theme};

    #[test]
    fn one_row_per_young_person_with_a_theme_matrix() {
        let survey = Survey {
            slug: "s".into(),
            title: "S".into(),
            languages: Default::default(),
            questions: vec![
                Question {
                    key: "likes".into(),
                    kind: Kind::Multi {
                        options: vec!["Art".into(), "Sport".into()],
                    },
                    ..Question::default()
                },
                Question {
                    key: "change".into(),
                    kind: Kind::Text(Codebook {
                        coding: CodingMode::Single,
                        themes: ["Help", "Listen"]
                            .map(|n| Theme {
                                name: n.into(),
                                ..Theme::default()
                            })
                            .to_vec(),
                    }),
                    ..Question::default()
                },
            ],
        };
        let row = |likes: &[&str], change: &str, themes: &[&str]| {
            let mut r = ResponseRow::default();
            if !likes.is_empty() {
                r.answers.insert(
                    "likes".into(),
                    likes.iter().map(|s| s.to_string()).collect(),
                );
            }
            if !change.is_empty() {
                r.answers.insert("change".into(), vec![change.into()]);
                r.themes.insert(
                    "change".into(),
                    themes.iter().map(|s| s.to_string()).collect(),
                );
            }
            r
        };
        let response = |respondent: Option<&str>, language: Option<&str>, row| ExportedResponse {
            respondent: respondent.map(str::to_owned),
            language: language.map(str::to_owned),
            row,
        };
        let table = responses_table(
            &survey,
            &[
                response(
                    Some("r1"),
                    Some("cy"),
                    row(&["Art", "Sport"], "=listen to me", &["Listen"]),
                ),
                response(None, Some("en"), row(&[], "idk", &[])),
                response(Some("r3"), None, row(&["Art"], "", &[])),
            ],
        );
        assert_eq!(
            table.to_csv(&responses_text_columns(&survey)),
            "respondent,language,likes,change,change: Help,change: Listen\n\
             r1,cy,Art; Sport,'=listen to me,0,1\n\
             ,en,,idk,,\n\
             r3,,Art,,,\n"
        );
    }
}
