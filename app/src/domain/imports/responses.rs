//! Responses, one row per young person: which column is which question,
//! every cell checked, and which rows a round does not hold yet.

use super::{Lines, Problem, headings, reader, squash, text_record, without_bom};
use crate::domain::answers::{AnswerError, Answers};
use crate::domain::languages::{self, Language};
use crate::domain::survey::Survey;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One young person's row, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseRow {
    pub line: u64,
    /// The `respondent` column: an external id, if the file has one.
    pub respondent: Option<String>,
    /// The `language` column: the language the young person answered in,
    /// if the file says.
    pub language: Option<Language>,
    pub answers: Answers,
}

/// A checked file of responses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponsesFile {
    pub rows: Vec<ResponseRow>,
    /// Headings of columns that are read but never stored (form tools'
    /// timestamps, e-mail addresses and names).
    pub ignored_columns: Vec<String>,
    /// Rows with no answer at all (stray blank lines in a spreadsheet).
    pub blank_rows: u64,
}

/// Where a column's cells go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnUse {
    /// The answers to the question with this key.
    Question(String),
    /// The external respondent id.
    Respondent,
    /// The language each row was answered in (a tag: `cy`, `ur`), as
    /// Heard's own export writes it.
    Language,
    /// Not read: form tools' metadata, or a column the user chose to skip.
    Ignore,
}

/// Columns that Microsoft Forms and Google Forms exports add, which Heard
/// never stores: a child's name or e-mail must not end up with their answers.
const FORM_TOOL_COLUMNS: [&str; 8] = [
    "timestamp",
    "start time",
    "completion time",
    "email",
    "email address",
    "name",
    "last modified time",
    "score",
];

/// How each heading of a file would be used, guessed from the survey: a
/// question's key or its full text (as form tools write it), `respondent`
/// (or Microsoft Forms' `ID`), `language` (unless a question has that
/// key), or a form tool's metadata. `None` for a heading that matches
/// nothing.
pub fn guess_columns(survey: &Survey, headings: &[String]) -> Vec<Option<ColumnUse>> {
    headings
        .iter()
        .map(|heading| {
            let wanted = squash(heading);
            if wanted == "respondent" || wanted == "id" {
                return Some(ColumnUse::Respondent);
            }
            if FORM_TOOL_COLUMNS.contains(&wanted.as_str()) {
                return Some(ColumnUse::Ignore);
            }
            // A theme column of Heard's own export ("change: Help").
            let theme_column = survey.questions.iter().any(|q| {
                q.themes().iter().any(|t| {
                    squash(&crate::domain::exports::theme_column(&q.key, &t.name)) == wanted
                })
            });
            if theme_column {
                return Some(ColumnUse::Ignore);
            }
            survey
                .questions
                .iter()
                .find(|q| squash(&q.key) == wanted || squash(&q.text) == wanted)
                .map(|q| ColumnUse::Question(q.key.clone()))
                .or_else(|| (wanted == "language").then_some(ColumnUse::Language))
        })
        .collect()
}

/// Reads a file of responses to `survey`. `mapping` overrides the guessed
/// use of columns by heading (the web page's column-mapping step).
pub fn read_responses(
    survey: &Survey,
    bytes: &[u8],
    mapping: &BTreeMap<String, ColumnUse>,
) -> Result<ResponsesFile, Vec<Problem>> {
    let headings = headings(bytes).map_err(|p| vec![p])?;
    let bytes = without_bom(bytes);
    let guessed = guess_columns(survey, &headings);
    let mut problems = Vec::new();
    let uses: Vec<ColumnUse> = headings
        .iter()
        .zip(guessed)
        .map(|(heading, guess)| {
            mapping.get(heading).cloned().or(guess).unwrap_or_else(|| {
                problems.push(Problem {
                    line: 1,
                    column: Some(heading.clone()),
                    reason: format!(
                        "this column matches no question of survey {}; the question keys are {}",
                        survey.slug,
                        survey
                            .questions
                            .iter()
                            .map(|q| q.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
                ColumnUse::Ignore
            })
        })
        .collect();
    for (i, use_) in uses.iter().enumerate() {
        if *use_ != ColumnUse::Ignore && uses[..i].contains(use_) {
            problems.push(Problem {
                line: 1,
                column: Some(headings[i].clone()),
                reason: match use_ {
                    ColumnUse::Question(key) => format!("a second column for question \"{key}\""),
                    ColumnUse::Language => "a second language column".to_owned(),
                    _ => "a second respondent column".to_owned(),
                },
            });
        }
    }
    for question in &survey.questions {
        if !uses.contains(&ColumnUse::Question(question.key.clone())) {
            problems.push(Problem {
                line: 1,
                column: None,
                reason: format!(
                    "missing required column for question \"{}\" (leave its cells empty where a young person skipped it)",
                    question.key
                ),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let ignored_columns = headings
        .iter()
        .zip(&uses)
        .filter(|(_, u)| **u == ColumnUse::Ignore)
        .map(|(h, _)| h.clone())
        .collect();
    let language_column = uses.iter().position(|u| *u == ColumnUse::Language);
    // The survey as each translation shows it, made once per language.
    let mut translated: HashMap<Language, Survey> = HashMap::new();
    let mut rows = Vec::new();
    let mut blank_rows = 0;
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    let mut lines = Lines::new(bytes);
    for record in reader(bytes).byte_records() {
        let (line, record) = match text_record(record, &mut lines) {
            Ok(read) => read,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let mut respondent = None;
        let mut submitted = Vec::new();
        // The row's language first: a choice may be written in it.
        let mut language = None;
        if let Some(at) = language_column {
            let cell = record.get(at).unwrap_or_default().trim();
            match Language::parse(cell) {
                _ if cell.is_empty() => {}
                Ok(tag) => language = Some(tag),
                Err(reason) => problems.push(Problem {
                    line,
                    column: Some(headings[at].clone()),
                    reason,
                }),
            }
        }
        let shown = match language.as_ref() {
            Some(tag) if survey.languages.translations.contains_key(tag) => Some((
                tag,
                &*translated
                    .entry(tag.clone())
                    .or_insert_with(|| languages::translated(survey, tag)),
            )),
            _ => None,
        };
        for ((cell, use_), heading) in record.iter().zip(&uses).zip(&headings) {
            match use_ {
                ColumnUse::Ignore | ColumnUse::Language => {}
                ColumnUse::Respondent => {
                    let id = cell.trim();
                    // No database keeps a control character in an id the
                    // same way (PostgreSQL refuses NUL outright).
                    if id.chars().any(char::is_control) {
                        problems.push(Problem {
                            line,
                            column: Some(heading.clone()),
                            reason: "the respondent id has a control character in it".to_owned(),
                        });
                    } else if !id.is_empty() {
                        respondent = Some(id.to_owned());
                    }
                }
                ColumnUse::Question(key) => match read_cell_in(survey, shown.as_ref(), key, cell) {
                    Ok(values) => submitted.push((key.clone(), values)),
                    Err(error) => problems.push(Problem {
                        line,
                        column: Some(heading.clone()),
                        reason: error.to_string(),
                    }),
                },
            }
        }
        if let Some(id) = &respondent {
            if let Some(first) = first_line_of.get(id) {
                problems.push(Problem {
                    line,
                    column: Some("respondent".to_owned()),
                    reason: format!("duplicate respondent \"{id}\" (also on line {first})"),
                });
            } else {
                first_line_of.insert(id.clone(), line);
            }
        }
        match Answers::validate(survey, submitted) {
            Ok(answers) if answers.is_empty() && respondent.is_none() => blank_rows += 1,
            Ok(answers) => rows.push(ResponseRow {
                line,
                respondent,
                language,
                answers,
            }),
            // Each cell was checked above and its problem recorded.
            Err(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(ResponsesFile {
            rows,
            ignored_columns,
            blank_rows,
        })
    } else {
        Err(problems)
    }
}

/// A cell's values for question `key` in a row answered in a translation
/// of the survey (`shown`: the language and the survey as shown in it): a
/// choice may be written as it was shown, and is read as the survey's own
/// option, so it is counted with the same choice in every language.
fn read_cell_in(
    survey: &Survey,
    shown: Option<&(&Language, &Survey)>,
    key: &str,
    cell: &str,
) -> Result<Vec<String>, AnswerError> {
    let Some((language, translated)) = shown else {
        return read_cell(survey, key, cell);
    };
    match read_cell(translated, key, cell) {
        Ok(values) => Ok(values
            .into_iter()
            .map(|value| {
                languages::stored_option(survey, language, key, &value).map_or(value, str::to_owned)
            })
            .collect()),
        Err(_) => read_cell(survey, key, cell),
    }
}

/// A cell's values for question `key`: multiple choice split on `;` (or on
/// `,` as Google Forms writes it, when that gives known options).
fn read_cell(survey: &Survey, key: &str, cell: &str) -> Result<Vec<String>, AnswerError> {
    let question = survey
        .question(key)
        .ok_or_else(|| AnswerError::UnknownQuestion(key.to_owned()))?;
    if !question.kind.takes_several() {
        let value = cell.trim();
        Answers::validate(survey, [(key.to_owned(), vec![value.to_owned()])])?;
        return Ok(vec![value.to_owned()]);
    }
    let split = |separator: char| -> Vec<String> {
        cell.split(separator)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let by_semicolon = split(';');
    match Answers::validate(survey, [(key.to_owned(), by_semicolon.clone())]) {
        Ok(_) => Ok(by_semicolon),
        Err(error) => match split_on_commas(question.options(), cell) {
            Some(values) => Ok(values),
            None => Err(error),
        },
    }
}

/// Google Forms joins chosen options with ", " even when an option itself
/// has a comma in it, so the cell is read option by option, longest first.
/// `None` unless the whole cell is known options.
fn split_on_commas(options: &[String], cell: &str) -> Option<Vec<String>> {
    let mut by_length: Vec<&String> = options.iter().collect();
    by_length.sort_by_key(|o| std::cmp::Reverse(o.len()));
    let mut rest = cell.trim();
    let mut values = Vec::new();
    while !rest.is_empty() {
        let option = by_length.iter().find(|o| {
            rest.get(..o.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(o))
                && (rest.len() == o.len() || rest[o.len()..].starts_with(','))
        })?;
        values.push((*option).clone());
        rest = rest[option.len()..].trim_start_matches(',').trim_start();
    }
    (!values.is_empty()).then_some(values)
}

/// What importing a file of responses did (or, on a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponsesImported {
    /// The rows the file holds (blank ones aside).
    pub rows: usize,
    /// New responses stored.
    pub added: usize,
    /// Rows whose respondent was already in the round with the same answers.
    pub already_there: usize,
    /// Rows with nothing in them, skipped.
    pub blank_rows: u64,
    /// New responses flagged for a safeguarding look.
    pub flagged: usize,
    /// Whether the round was created by this import.
    pub new_round: bool,
    /// Columns read but never stored (form tools' names and e-mail addresses).
    pub ignored_columns: Vec<String>,
    /// The round, once stored (not on a dry run).
    pub round_id: Option<String>,
}

/// The rows of a file that are new to a round, and how many were there
/// already.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRows<'a> {
    pub rows: Vec<&'a ResponseRow>,
    pub already_there: usize,
}

/// Which rows of `file` a round should take, given the respondents it
/// already holds (`stored`: respondent id to answers' fingerprint).
///
/// The rule that makes importing a file twice add nothing: a row whose
/// respondent is already in the round with the same answers is skipped; with
/// different answers it is a problem (named with its line), and then nothing
/// is to be stored.
pub fn new_rows<'a>(
    file: &'a ResponsesFile,
    stored: &std::collections::HashMap<String, String>,
    round_name: &str,
) -> Result<NewRows<'a>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut new = NewRows {
        rows: Vec::new(),
        already_there: 0,
    };
    for row in &file.rows {
        match row.respondent.as_ref().and_then(|r| stored.get(r)) {
            Some(fingerprint) if *fingerprint == row.answers.fingerprint() => {
                new.already_there += 1;
            }
            Some(_) => problems.push(Problem {
                line: row.line,
                column: Some("respondent".to_owned()),
                reason: format!(
                    "respondent \"{}\" is already in round \"{round_name}\" with different answers",
                    row.respondent.as_deref().unwrap_or_default()
                ),
            }),
            None => new.rows.push(row),
        }
    }
    if problems.is_empty() {
        Ok(new)
    } else {
        Err(problems)
    }
}
