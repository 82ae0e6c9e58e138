use super::*;
use crate::domain::survey::Survey;
use crate::domain::survey::{Codebook, CodingMode, Kind, Question, Theme};
use std::collections::{BTreeMap, HashMap, HashSet};

fn survey() -> Survey {
    Survey {
        slug: "s".into(),
        title: "S".into(),
        languages: Default::default(),
        questions: vec![
            Question {
                key: "ks".into(),
                text: "Which key stage are you in?".into(),
                about_you: true,
                kind: Kind::Single {
                    options: vec!["KS3".into(), "KS4".into()],
                },
            },
            Question {
                key: "likes".into(),
                text: "What do you like?".into(),
                kind: Kind::Multi {
                    options: vec!["Art".into(), "Sport".into(), "Music, singing".into()],
                },
                ..Question::default()
            },
            Question {
                key: "change".into(),
                text: "What needs to change?".into(),
                kind: Kind::Text(Codebook {
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
                }),
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
    let file = read("respondent,ks,likes,change\nr1,KS3,Art,\nr2,KS4,,\nr3,KS3,,Help\n").unwrap();
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

#[test]
fn codes_go_to_the_answers_of_known_respondents_only() {
    let file = "respondent,question,theme\nr1,change,Nothing\nr2,change,Help and support\nr9,change,Nothing\n";
    let rows = read_codes(&survey(), file.as_bytes()).unwrap();
    let responses: HashMap<String, String> = [
        ("r1".to_owned(), "id-1".to_owned()),
        ("r2".to_owned(), "id-2".to_owned()),
    ]
    .into();
    let answered: HashSet<(String, String)> = ["id-1", "id-2"]
        .map(|id| (id.to_owned(), "change".to_owned()))
        .into();
    let problems = codes_by_answer(&rows, &responses, &answered, "Summer").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, 4);
    assert!(
        problems[0]
            .reason
            .contains("no response from respondent \"r9\""),
        "{}",
        problems[0]
    );
    let wanted = codes_by_answer(&rows[..2], &responses, &answered, "Summer").unwrap();
    let given = |id: &str| -> Vec<String> {
        wanted[&(id.to_owned(), "change".to_owned())]
            .iter()
            .cloned()
            .collect()
    };
    assert_eq!(given("id-1"), ["Nothing"]);
    assert_eq!(given("id-2"), ["Help and support"]);
    // r2 skipped the question: a theme there would be counted nowhere.
    let skipped: HashSet<(String, String)> = [("id-1".to_owned(), "change".to_owned())].into();
    let problems = codes_by_answer(&rows[..2], &responses, &skipped, "Summer").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, 3);
    assert!(
        problems[0]
            .reason
            .contains("respondent \"r2\" did not answer question \"change\""),
        "{}",
        problems[0]
    );
}
