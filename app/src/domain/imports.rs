//! Reading spreadsheets that councils already have: responses typed up from
//! paper or exported from Microsoft Forms and Google Forms, and codes done
//! elsewhere. Parsing is all-or-nothing: a file either yields every row
//! checked, or every problem with its line and column, so the database
//! layer never stores half a file.

use super::answers::{AnswerError, Answers};
use super::survey::{QuestionKind, Survey};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Something wrong in an imported file, where it is and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The file's line the row starts on (the header is line 1).
    pub line: u64,
    /// The column's heading, when the problem is in one cell or column.
    pub column: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(column) => write!(
                f,
                "line {}, column \"{}\": {}",
                self.line, column, self.reason
            ),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// One young person's row, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseRow {
    pub line: u64,
    /// The `respondent` column: an external id, if the file has one.
    pub respondent: Option<String>,
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

fn squash(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// How each heading of a file would be used, guessed from the survey: a
/// question's key or its full text (as form tools write it), `respondent`
/// (or Microsoft Forms' `ID`), or a form tool's metadata. `None` for a
/// heading that matches nothing.
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
                q.themes
                    .iter()
                    .any(|t| squash(&super::exports::theme_column(&q.key, &t.name)) == wanted)
            });
            if theme_column {
                return Some(ColumnUse::Ignore);
            }
            survey
                .questions
                .iter()
                .find(|q| squash(&q.key) == wanted || squash(&q.text) == wanted)
                .map(|q| ColumnUse::Question(q.key.clone()))
        })
        .collect()
}

/// The headings of a CSV file (BOM and surrounding spaces removed).
pub fn headings(bytes: &[u8]) -> Result<Vec<String>, Problem> {
    let bytes = without_bom(bytes);
    let mut reader = reader(bytes);
    let headings = reader
        .headers()
        .map_err(|e| csv_problem(&e, &mut Lines::new(bytes)))?;
    Ok(headings.iter().map(|h| h.trim().to_owned()).collect())
}

fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Line numbers of byte offsets in a file (without its BOM), counted here
/// because the csv crate's own line numbers drift on CRLF files. Rows come
/// in order, so counting goes forward from the last offset asked: a large
/// file is scanned once, not once per row.
struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    fn at(&mut self, position: Option<&csv::Position>) -> u64 {
        let offset = position
            .map_or(0, |p| p.byte() as usize)
            .min(self.bytes.len());
        // A record can be said to start on the line end before it.
        let offset = if self.bytes.get(offset) == Some(&b'\n') {
            offset + 1
        } else {
            offset
        };
        if offset < self.offset {
            (self.offset, self.line) = (0, 1);
        }
        self.line += self.bytes[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.offset = offset;
        self.line
    }
}

/// A row as text, with the line it starts on. Rows are read as bytes and
/// decoded here, so that a row that is not UTF-8 is reported on its line.
fn text_record(
    record: Result<csv::ByteRecord, csv::Error>,
    lines: &mut Lines,
) -> Result<(u64, csv::StringRecord), Problem> {
    let record = record.map_err(|error| csv_problem(&error, lines))?;
    let line = lines.at(record.position());
    let record = csv::StringRecord::from_byte_record(record).map_err(|_| Problem {
        line,
        column: None,
        reason: NOT_UTF8.to_owned(),
    })?;
    Ok((line, record))
}

const NOT_UTF8: &str = "this is not UTF-8 text; save the spreadsheet as \"CSV UTF-8\"";

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes)
}

fn csv_problem(error: &csv::Error, lines: &mut Lines) -> Problem {
    let line = lines.at(error.position());
    let reason = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => NOT_UTF8.to_owned(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("this row has {len} cells but the header has {expected_len}"),
        _ => format!("this is not readable CSV ({error})"),
    };
    Problem {
        line,
        column: None,
        reason,
    }
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
        for ((cell, use_), heading) in record.iter().zip(&uses).zip(&headings) {
            match use_ {
                ColumnUse::Ignore => {}
                ColumnUse::Respondent => {
                    let id = cell.trim();
                    if !id.is_empty() {
                        respondent = Some(id.to_owned());
                    }
                }
                ColumnUse::Question(key) => match read_cell(survey, key, cell) {
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

/// A cell's values for question `key`: multiple choice split on `;` (or on
/// `,` as Google Forms writes it, when that gives known options).
fn read_cell(survey: &Survey, key: &str, cell: &str) -> Result<Vec<String>, AnswerError> {
    let question = survey
        .question(key)
        .ok_or_else(|| AnswerError::UnknownQuestion(key.to_owned()))?;
    if question.kind != QuestionKind::Multi {
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
        Err(error) => match split_on_commas(&question.options, cell) {
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
        if question.kind != QuestionKind::Text {
            problem(
                "question",
                format!("question \"{key}\" is not a free-text question, so it has no themes"),
            );
            continue;
        }
        let Some(found) = question
            .themes
            .iter()
            .find(|th| squash(&th.name) == squash(&theme))
        else {
            problem(
                "theme",
                format!(
                    "\"{theme}\" is not a theme of question \"{key}\"; its themes are {}",
                    question
                        .themes
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
            if question.coding == super::survey::CodingMode::Single {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::{CodingMode, Question, Theme};

    fn survey() -> Survey {
        Survey {
            slug: "s".into(),
            title: "S".into(),
            questions: vec![
                Question {
                    key: "ks".into(),
                    kind: QuestionKind::Single,
                    text: "Which key stage are you in?".into(),
                    options: vec!["KS3".into(), "KS4".into()],
                    about_you: true,
                    ..Question::default()
                },
                Question {
                    key: "likes".into(),
                    kind: QuestionKind::Multi,
                    text: "What do you like?".into(),
                    options: vec!["Art".into(), "Sport".into(), "Music, singing".into()],
                    ..Question::default()
                },
                Question {
                    key: "change".into(),
                    kind: QuestionKind::Text,
                    text: "What needs to change?".into(),
                    coding: CodingMode::Single,
                    themes: vec![
                        Theme {
                            name: "Help and support".into(),
                            ..Theme::default()
                        },
                        Theme {
                            name: "Nothing".into(),
                            ..Theme::default()
                        },
                    ],
                    ..Question::default()
                },
            ],
        }
    }

    fn read(text: &str) -> Result<ResponsesFile, Vec<String>> {
        read_responses(&survey(), text.as_bytes(), &BTreeMap::new())
            .map_err(|ps| ps.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn rows_already_in_the_round_are_skipped_and_changed_ones_refused() {
        let file =
            read("respondent,ks,likes,change\nr1,KS3,Art,\nr2,KS4,,\nr3,KS3,,Help\n").unwrap();
        let stored: std::collections::HashMap<String, String> = [
            ("r1".to_owned(), file.rows[0].answers.fingerprint()),
            ("r2".to_owned(), "something else".to_owned()),
        ]
        .into();
        let problems = new_rows(&file, &stored, "Summer").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
        assert!(
            problems[0]
                .reason
                .contains("\"r2\" is already in round \"Summer\""),
            "{}",
            problems[0]
        );
        let stored: std::collections::HashMap<String, String> =
            [("r1".to_owned(), file.rows[0].answers.fingerprint())].into();
        let new = new_rows(&file, &stored, "Summer").unwrap();
        assert_eq!(new.already_there, 1);
        let respondents: Vec<_> = new.rows.iter().map(|r| r.respondent.as_deref()).collect();
        assert_eq!(respondents, [Some("r2"), Some("r3")]);
    }

    #[test]
    fn reads_keys_bom_crlf_and_quoted_newlines() {
        let file = read(
            "\u{feff}respondent,ks,likes,change\r\nr1,ks3,Art; sport,\"More help,\r\nand trust\"\r\nr2,,,\r\n,,,\r\n",
        )
        .unwrap();
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.blank_rows, 1);
        let first = &file.rows[0];
        assert_eq!((first.line, first.respondent.as_deref()), (2, Some("r1")));
        assert_eq!(first.answers.get("ks"), ["KS3"]);
        assert_eq!(first.answers.get("likes"), ["Art", "Sport"]);
        assert_eq!(first.answers.get("change"), ["More help,\r\nand trust"]);
        // The quoted newline makes r2 start on line 4.
        assert_eq!(file.rows[1].line, 4);
        assert!(file.rows[1].answers.is_empty());
    }

    #[test]
    fn reads_a_google_forms_export_by_question_text_and_drops_e_mails() {
        let file = read(
            "Timestamp,Email address,Which key stage are you in?,What do you like?,What needs to change?\n\
             2024/07/01 10:00:00,kid@example.org,KS4,\"Art, Music, singing\",Nothing\n",
        )
        .unwrap();
        assert_eq!(file.ignored_columns, ["Timestamp", "Email address"]);
        assert_eq!(file.rows[0].answers.get("likes"), ["Art", "Music, singing"]);
        assert_eq!(file.rows[0].respondent, None);
    }

    #[test]
    fn every_problem_is_reported_with_line_and_column() {
        let problems = read(
            "respondent,ks,likes,change\n\
             r1,KS9,Art,ok\n\
             r2,KS3,Somethign,ok\n\
             r1,KS3,Art,ok\n\
             r4,KS3,Art\n",
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "line 2, column \"ks\": \"KS9\" is not an option of question \"ks\"",
                "line 3, column \"likes\": \"Somethign\" is not an option of question \"likes\"",
                "line 4, column \"respondent\": duplicate respondent \"r1\" (also on line 2)",
                "line 5: this row has 3 cells but the header has 4",
            ]
        );
        let long = "x".repeat(2001);
        let problems = read(&format!("ks,likes,change\nKS3,,{long}\n")).unwrap_err();
        assert_eq!(
            problems,
            [
                "line 2, column \"change\": the answer to \"change\" is 2001 characters long; the limit is 2000"
            ]
        );
    }

    #[test]
    fn a_missing_or_unknown_column_is_named() {
        let problems = read("respondent,ks,likes,shoe size\nr1,KS3,Art,4\n").unwrap_err();
        assert_eq!(
            problems,
            [
                "line 1, column \"shoe size\": this column matches no question of survey s; the question keys are ks, likes, change",
                "line 1: missing required column for question \"change\" (leave its cells empty where a young person skipped it)",
            ]
        );
        let mut mapping = BTreeMap::new();
        mapping.insert("shoe size".to_owned(), ColumnUse::Question("change".into()));
        let file = read_responses(&survey(), b"ks,likes,shoe size\nKS3,Art,4\n", &mapping).unwrap();
        assert_eq!(file.rows[0].answers.get("change"), ["4"]);
    }

    #[test]
    fn a_file_that_is_not_utf8_says_how_to_save_it() {
        let problems = read_responses(
            &survey(),
            b"ks,likes,change\nKS3,Art,caf\xe9\n",
            &BTreeMap::new(),
        )
        .unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "line 2: this is not UTF-8 text; save the spreadsheet as \"CSV UTF-8\""
        );
    }

    #[test]
    fn codes_are_checked_against_the_codebook() {
        let rows = read_codes(
            &survey(),
            b"respondent,question,theme\nr1,change,help and support\nr2,change,Nothing\n",
        )
        .unwrap();
        assert_eq!(rows[0].theme, "Help and support");
        let problems: Vec<String> = read_codes(
            &survey(),
            b"respondent,question,theme\nr1,change,Help\nr1,ks,KS3\nr2,change,Nothing\nr2,change,Help and support\n,change,Nothing\n",
        )
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            problems,
            [
                "line 2, column \"theme\": \"Help\" is not a theme of question \"change\"; its themes are Help and support, Nothing",
                "line 3, column \"question\": question \"ks\" is not a free-text question, so it has no themes",
                "line 5, column \"theme\": question \"change\" takes one theme per answer, and line 4 already gives this answer \"Nothing\"",
                "line 6, column \"respondent\": the respondent is empty",
            ]
        );
        let problems = read_codes(&survey(), b"who,what\n").unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "line 1: the header must have the columns respondent, question, theme; it has who, what"
        );
    }
}
