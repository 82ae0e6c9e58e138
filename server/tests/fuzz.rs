//! Property tests ("fuzzing" on stable Rust, with proptest) for the code
//! that reads what councils and tools send in: the CSV importer, the survey
//! file parser, the REFI-QDA and CSV codebook reader, and the tokeniser.
//! Each must answer any input with a value or a named problem, never a
//! panic, and what it accepts must keep its promises.
//!
//! The test command runs proptest's default 256 cases per property; a long
//! run is `PROPTEST_CASES=50000 cargo test -p heard --test fuzz --release`.

use heard_app::domain::answers::Answers;
use heard_app::domain::codebook_file;
use heard_app::domain::imports::read_responses;
use heard_app::domain::survey::Survey;
use heard_app::domain::survey_file;
use heard_app::domain::text::tokens;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Cells a spreadsheet of the demo survey might hold: options in any case,
/// free text with commas, quotes, line breaks and control characters, and
/// nonsense.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        prop::sample::select(vec!["KS3", "ks4", " KS5 ", "Post-19", "KS9", "KS3;KS4"])
            .prop_map(str::to_owned),
        "[a-zA-Z ,\"'\n\r\t;\u{0}é😀]{0,40}",
        any::<String>(),
    ]
}

/// A row of the demo survey: respondent, key stage, three free-text
/// answers; now and then a ragged row of any cells.
fn row() -> impl Strategy<Value = Vec<String>> {
    let text = "[a-zA-Z ,\"'\n\r\t;é😀]{0,40}";
    let well_formed = (
        "[a-z0-9]{0,4}",
        prop::sample::select(vec!["", "KS3", "ks4", " KS5 ", "Post-19"]),
        text,
        text,
        text,
    )
        .prop_map(|(respondent, stage, a, b, c)| vec![respondent, stage.to_owned(), a, b, c]);
    prop_oneof![
        9 => well_formed,
        1 => prop::collection::vec(cell(), 0..7),
    ]
}

/// A CSV file: the demo survey's headings (or stray ones), then rows.
fn responses_csv() -> impl Strategy<Value = String> {
    let headings = prop_oneof![
        8 => Just("respondent,key_stage,help_before,prevent,change".to_owned()),
        1 => Just("key_stage,change,Name".to_owned()),
        1 => "[a-z_,]{0,30}",
    ];
    (headings, prop::collection::vec(row(), 0..8)).prop_map(|(headings, rows)| {
        let mut out = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        out.write_record(headings.split(',')).unwrap();
        for row in rows {
            out.write_record(&row).unwrap();
        }
        String::from_utf8_lossy(&out.into_inner().unwrap()).into_owned()
    })
}

proptest! {
    #[test]
    fn the_csv_importer_answers_any_bytes_with_rows_or_problems(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        match read_responses(&Survey::demo(), &bytes, &BTreeMap::new()) {
            Ok(file) => prop_assert!(file.rows.len() <= bytes.iter().filter(|b| **b == b'\n').count() + 1),
            Err(problems) => prop_assert!(!problems.is_empty()),
        }
    }

    #[test]
    fn every_row_the_csv_importer_accepts_is_a_valid_set_of_answers(text in responses_csv()) {
        let survey = Survey::demo();
        if let Ok(file) = read_responses(&survey, text.as_bytes(), &BTreeMap::new()) {
            for row in &file.rows {
                let again = Answers::validate(
                    &survey,
                    row.answers.iter().map(|(k, v)| (k.to_owned(), v.to_vec())),
                );
                prop_assert_eq!(again.as_ref(), Ok(&row.answers), "line {}", row.line);
                for (_, values) in row.answers.iter() {
                    for value in values {
                        prop_assert!(!value.contains('\u{0}'), "NUL stored at line {}", row.line);
                    }
                }
            }
        }
    }

    #[test]
    fn the_survey_file_parser_reads_back_what_it_accepts(text in prop_oneof![
        any::<String>(),
        "slug = \"[a-z-]{0,8}\"\ntitle = \"[a-zA-Z ]{0,10}\"\n(\\[\\[questions\\]\\]\nkey = \"[a-z_]{1,6}\"\nkind = \"(single|multi|text|scale|essay)\"\ntext = \"[a-z? ]{0,12}\"\n(options = \\[(\"[a-zA-Z]{1,4}\", ?){0,3}\\]\n)?(emoji = \\[(\"😀\", ?){0,3}\\]\n)?(coding = \"(single|multi)\"\n)?\n){0,3}",
    ]) {
        if let Ok(survey) = survey_file::parse(&text) {
            let written = survey_file::write(&survey);
            prop_assert_eq!(survey_file::parse(&written), Ok(survey));
        }
    }

    #[test]
    fn the_codebook_reader_answers_any_bytes_and_round_trips_what_it_reads(text in prop_oneof![
        any::<String>(),
        "theme,description,keywords\n([a-zA-Z ,\"]{0,12},[a-z ]{0,8},[a-z; ]{0,10}\n){0,5}",
        "<\\?xml version=\"1.0\"\\?><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>(<Code guid=\"[a-f0-9-]{0,8}\" name=\"[a-zA-Z &amp;]{0,8}\" isCodable=\"true\"(/>|><Description>[a-z]{0,8}</Description></Code>)){0,4}</Codes></CodeBook>",
    ]) {
        if let Ok(themes) = codebook_file::read(text.as_bytes()) {
            prop_assert!(!themes.is_empty());
            let again = codebook_file::read(codebook_file::to_csv(&themes).as_bytes());
            prop_assert_eq!(again, Ok(themes));
        }
    }

    #[test]
    fn words_are_found_inside_the_text_in_order_without_overlap(text in any::<String>()) {
        let mut end = 0;
        for token in tokens(&text) {
            prop_assert!(token.start >= end && token.start < token.end && token.end <= text.len());
            prop_assert!(text.is_char_boundary(token.start) && text.is_char_boundary(token.end));
            end = token.end;
        }
    }
}
