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

/// A round's responses (with their respondent ids, if imported) as a table.
/// Multiple choices are joined with `; `; a skipped question is an empty
/// cell; an answer not yet coded has empty theme cells (not 0), so "not
/// coded" is never read as "no theme".
pub fn responses_table(survey: &Survey, rows: &[(Option<String>, ResponseRow)]) -> Table {
    let mut header = vec!["respondent".to_owned()];
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
        .map(|(respondent, row)| {
            let mut cells = vec![respondent.clone().unwrap_or_default()];
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
    (0..=survey.questions.len()).collect()
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
        let table = responses_table(
            &survey,
            &[
                (
                    Some("r1".into()),
                    row(&["Art", "Sport"], "=listen to me", &["Listen"]),
                ),
                (None, row(&[], "idk", &[])),
                (Some("r3".into()), row(&["Art"], "", &[])),
            ],
        );
        assert_eq!(
            table.to_csv(&responses_text_columns(&survey)),
            "respondent,likes,change,change: Help,change: Listen\n\
             r1,Art; Sport,'=listen to me,0,1\n\
             ,,idk,,\n\
             r3,Art,,,\n"
        );
    }
}
