//! Codes done in other tools: `respondent,question,theme`, one theme per
//! row, checked against the survey's codebooks.

use super::{Lines, Problem, headings, reader, squash, text_record, without_bom};
use crate::domain::survey::Survey;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// One row of a codes file: a respondent's answer to a question coded with
/// a theme (the theme as the codebook spells it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRow {
    pub line: u64,
    pub respondent: String,
    pub question: String,
    pub theme: String,
}

/// Reads a codes file (`respondent,question,theme`, one theme per row)
/// against `survey`'s free-text questions and codebooks. Whether each
/// respondent exists is for the caller, who knows the round.
pub fn read_codes(survey: &Survey, bytes: &[u8]) -> Result<Vec<CodeRow>, Vec<Problem>> {
    let headings = headings(bytes).map_err(|p| vec![p])?;
    let bytes = without_bom(bytes);
    let position = |name: &str| headings.iter().position(|h| squash(h) == name);
    let (Some(r), Some(q), Some(t)) = (
        position("respondent"),
        position("question"),
        position("theme"),
    ) else {
        return Err(vec![Problem {
            line: 1,
            column: None,
            reason: format!(
                "the header must have the columns respondent, question, theme; it has {}",
                headings.join(", ")
            ),
        }]);
    };
    let mut problems = Vec::new();
    let mut rows: Vec<CodeRow> = Vec::new();
    let mut seen: HashMap<(String, String), (u64, String)> = HashMap::new();
    let mut lines = Lines::new(bytes);
    for record in reader(bytes).byte_records() {
        let (line, record) = match text_record(record, &mut lines) {
            Ok(read) => read,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let cell = |i: usize| record.get(i).unwrap_or_default().trim().to_owned();
        let (respondent, key, theme) = (cell(r), cell(q), cell(t));
        if respondent.is_empty() && key.is_empty() && theme.is_empty() {
            continue;
        }
        let mut problem = |column: &str, reason: String| {
            problems.push(Problem {
                line,
                column: Some(column.to_owned()),
                reason,
            })
        };
        if respondent.is_empty() {
            problem("respondent", "the respondent is empty".to_owned());
            continue;
        }
        let Some(question) = survey.question(&key) else {
            problem(
                "question",
                format!("survey {} has no question \"{key}\"", survey.slug),
            );
            continue;
        };
        if !question.kind.is_coded() {
            problem(
                "question",
                format!("question \"{key}\" is not a free-text question, so it has no themes"),
            );
            continue;
        }
        let Some(found) = question
            .themes()
            .iter()
            .find(|th| squash(&th.name) == squash(&theme))
        else {
            problem(
                "theme",
                format!(
                    "\"{theme}\" is not a theme of question \"{key}\"; its themes are {}",
                    question
                        .themes()
                        .iter()
                        .map(|th| th.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            continue;
        };
        let pair = (respondent.clone(), key.clone());
        if let Some((first, first_theme)) = seen.get(&pair) {
            if *first_theme == found.name {
                problem("theme", format!("the same code is also on line {first}"));
                continue;
            }
            if question.coding() == crate::domain::survey::CodingMode::Single {
                problem(
                    "theme",
                    format!(
                        "question \"{key}\" takes one theme per answer, and line {first} already gives this answer \"{first_theme}\""
                    ),
                );
                continue;
            }
        } else {
            seen.insert(pair, (line, found.name.clone()));
        }
        rows.push(CodeRow {
            line,
            respondent,
            question: key,
            theme: found.name.clone(),
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Themes by answer: (response id, question key) to theme names.
pub type ThemesByAnswer = BTreeMap<(String, String), BTreeSet<String>>;

/// The themes each answer is to be given, by (response id, question key),
/// from a codes file's rows, the round's responses by respondent id and
/// the answers they hold (response id, question key). Every respondent must
/// be in the round and have answered the question coded: the rows that
/// are not are problems, named with their lines, and then nothing is to be
/// stored (a theme on no answer would be counted nowhere).
pub fn codes_by_answer(
    rows: &[CodeRow],
    responses: &HashMap<String, String>,
    answered: &HashSet<(String, String)>,
    round_name: &str,
) -> Result<ThemesByAnswer, Vec<Problem>> {
    let mut wanted = ThemesByAnswer::new();
    let mut problems = Vec::new();
    for row in rows {
        match responses.get(&row.respondent) {
            Some(response_id)
                if !answered.contains(&(response_id.clone(), row.question.clone())) =>
            {
                problems.push(Problem {
                    line: row.line,
                    column: Some("question".to_owned()),
                    reason: format!(
                        "respondent \"{}\" did not answer question \"{}\", so there is nothing to code",
                        row.respondent, row.question
                    ),
                })
            }
            Some(response_id) => {
                wanted
                    .entry((response_id.clone(), row.question.clone()))
                    .or_default()
                    .insert(row.theme.clone());
            }
            None => problems.push(Problem {
                line: row.line,
                column: Some("respondent".to_owned()),
                reason: format!(
                    "round \"{round_name}\" has no response from respondent \"{}\"",
                    row.respondent
                ),
            }),
        }
    }
    if problems.is_empty() {
        Ok(wanted)
    } else {
        Err(problems)
    }
}
