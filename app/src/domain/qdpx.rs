//! A whole round as a REFI-QDA project (`.qdpx`), so that a researcher can
//! carry on in NVivo, ATLAS.ti, MAXQDA or QualCoder:
//! - each young person is a case, with their "about you" answers as its
//!   variables;
//! - each free-text answer is a text source of its own, linked to its case;
//! - each free-text question is a code that is not codable, holding its
//!   themes as codable codes (the same guids as the `.qdc` codebook);
//! - the main coding becomes one coding of the whole answer per theme (the
//!   second coder's blind pass stays in Heard).
//!
//! The `project.qde` XML is valid against the REFI-QDA 1.0 `Project.xsd`;
//! sources are UTF-8 files in the package's `sources/` folder, named by
//! their guid, as the standard asks. Guids of things Heard has no id for
//! (sources, selections, codings) are name-based UUIDs (v5) from the
//! response id, so the same round exports the same project.

use super::report::ResponseRow;
use super::survey::Survey;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::collections::BTreeMap;

/// The REFI-QDA project namespace.
pub const PROJECT_NAMESPACE: &str = "urn:QDA-XML:project:1.0";

/// One young person's response, as the project needs it.
#[derive(Clone, Debug)]
pub struct ProjectResponse {
    /// Heard's id of the response (a UUID): the case's guid.
    pub id: String,
    /// The imported `respondent` id, if there is one.
    pub respondent: Option<String>,
    /// The language it was answered in (a tag), if known.
    pub language: Option<String>,
    pub row: ResponseRow,
}

/// A round, with the guids Heard holds for its questions and themes.
#[derive(Clone, Debug)]
pub struct ProjectRound<'a> {
    pub survey: &'a Survey,
    pub round_name: &'a str,
    /// Question key to the question's id (a UUID).
    pub question_guids: &'a BTreeMap<String, String>,
    /// Question key, then theme name, to the theme's id (a UUID).
    pub theme_guids: &'a BTreeMap<String, BTreeMap<String, String>>,
    pub responses: &'a [ProjectResponse],
}

/// The project: `project.qde` and the text of each source, by file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    pub qde: String,
    pub sources: Vec<(String, String)>,
}

/// A name-based UUID (v5) under `namespace`, lowercase.
fn derived_guid(namespace: &str, name: &str) -> String {
    let namespace = uuid::Uuid::parse_str(namespace).unwrap_or(uuid::Uuid::NAMESPACE_OID);
    uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string()
}

struct Xml(Writer<Vec<u8>>);

fn tag<'a>(name: &'a str, attributes: &[(&str, &str)]) -> BytesStart<'a> {
    let mut start = BytesStart::new(name);
    for attribute in attributes {
        start.push_attribute(*attribute);
    }
    start
}

impl Xml {
    fn event(&mut self, event: Event) {
        self.0
            .write_event(event)
            .expect("writing XML to memory cannot fail");
    }
    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.event(Event::Start(tag(name, attributes)));
    }
    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.event(Event::Empty(tag(name, attributes)));
    }
    fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }
    fn text_element(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        self.event(Event::Text(BytesText::new(text)));
        self.close(name);
    }
}

/// Builds the project of a round.
pub fn project(round: &ProjectRound) -> Project {
    let survey = round.survey;
    let about_you: Vec<_> = survey
        .questions
        .iter()
        .filter(|q| !q.kind.is_coded())
        .filter(|q| round.question_guids.contains_key(&q.key))
        .collect();
    let free_text: Vec<_> = survey
        .questions
        .iter()
        .filter(|q| q.kind.is_coded())
        .filter(|q| round.question_guids.contains_key(&q.key))
        .collect();
    let no_themes = BTreeMap::new();
    let themes_of = |key: &str| round.theme_guids.get(key).unwrap_or(&no_themes);

    let mut xml = Xml(Writer::new_with_indent(Vec::new(), b' ', 2));
    xml.event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let name = format!("{}: {}", survey.title, round.round_name);
    xml.open(
        "Project",
        &[
            ("xmlns", PROJECT_NAMESPACE),
            ("name", &name),
            ("origin", "Heard"),
        ],
    );

    // Codes: one per free-text question that has themes, holding them.
    let coded: Vec<_> = free_text
        .iter()
        .filter(|q| !q.themes().is_empty())
        .collect();
    if !coded.is_empty() {
        xml.open("CodeBook", &[]);
        xml.open("Codes", &[]);
        for question in &coded {
            xml.open(
                "Code",
                &[
                    ("guid", &round.question_guids[&question.key]),
                    ("name", &question.key),
                    ("isCodable", "false"),
                ],
            );
            xml.text_element("Description", &question.text);
            for (i, theme) in question.themes().iter().enumerate() {
                let Some(guid) = themes_of(&question.key).get(&theme.name) else {
                    continue;
                };
                let colour = theme.colour_at(i);
                let attributes = [
                    ("guid", guid.as_str()),
                    ("name", theme.name.as_str()),
                    ("isCodable", "true"),
                    ("color", colour.as_str()),
                ];
                if theme.description.is_empty() {
                    xml.empty("Code", &attributes);
                } else {
                    xml.open("Code", &attributes);
                    xml.text_element("Description", &theme.description);
                    xml.close("Code");
                }
            }
            xml.close("Code");
        }
        xml.close("Codes");
        xml.close("CodeBook");
    }

    // Variables: the "about you" questions, as text, and the language
    // each young person answered in, when the round knows it.
    let language_guid = round
        .responses
        .iter()
        .any(|r| r.language.is_some())
        .then(|| derived_guid("", &format!("heard language of {}", survey.slug)));
    if !about_you.is_empty() || language_guid.is_some() {
        xml.open("Variables", &[]);
        if let Some(guid) = &language_guid {
            xml.open(
                "Variable",
                &[
                    ("guid", guid),
                    ("name", "language"),
                    ("typeOfVariable", "Text"),
                ],
            );
            xml.text_element(
                "Description",
                "The language the young person answered in (a BCP 47 tag: en, cy, ur)",
            );
            xml.close("Variable");
        }
        for question in &about_you {
            xml.open(
                "Variable",
                &[
                    ("guid", &round.question_guids[&question.key]),
                    ("name", &question.key),
                    ("typeOfVariable", "Text"),
                ],
            );
            xml.text_element("Description", &question.text);
            xml.close("Variable");
        }
        xml.close("Variables");
    }

    let case_name = |i: usize, response: &ProjectResponse| {
        response
            .respondent
            .clone()
            .unwrap_or_else(|| format!("Young person {}", i + 1))
    };
    let source_guid = |response: &ProjectResponse, key: &str| {
        derived_guid(&response.id, &format!("source {key}"))
    };
    let answer_of = |response: &ProjectResponse, key: &str| {
        response
            .row
            .answers
            .get(key)
            .map(|values| values.join("; "))
            .filter(|text| !text.trim().is_empty())
    };

    // Cases: one per young person, with their variables and sources.
    if !round.responses.is_empty() {
        xml.open("Cases", &[]);
        for (i, response) in round.responses.iter().enumerate() {
            xml.open(
                "Case",
                &[("guid", &response.id), ("name", &case_name(i, response))],
            );
            if let (Some(guid), Some(language)) = (&language_guid, &response.language) {
                xml.open("VariableValue", &[]);
                xml.empty("VariableRef", &[("targetGUID", guid)]);
                xml.text_element("TextValue", language);
                xml.close("VariableValue");
            }
            for question in &about_you {
                let Some(value) = answer_of(response, &question.key) else {
                    continue;
                };
                xml.open("VariableValue", &[]);
                xml.empty(
                    "VariableRef",
                    &[("targetGUID", &round.question_guids[&question.key])],
                );
                xml.text_element("TextValue", &value);
                xml.close("VariableValue");
            }
            for question in &free_text {
                if answer_of(response, &question.key).is_some() {
                    xml.empty(
                        "SourceRef",
                        &[("targetGUID", &source_guid(response, &question.key))],
                    );
                }
            }
            xml.close("Case");
        }
        xml.close("Cases");
    }

    // Sources: each free-text answer, coded as a whole with its themes.
    let mut sources = Vec::new();
    for (i, response) in round.responses.iter().enumerate() {
        for question in &free_text {
            let Some(text) = answer_of(response, &question.key) else {
                continue;
            };
            let guid = source_guid(response, &question.key);
            let file = format!("{guid}.txt");
            if sources.is_empty() {
                xml.open("Sources", &[]);
            }
            xml.open(
                "TextSource",
                &[
                    ("guid", &guid),
                    (
                        "name",
                        &format!("{} - {}", case_name(i, response), question.key),
                    ),
                    ("plainTextPath", &format!("internal://{file}")),
                ],
            );
            let themes: Vec<&String> = response
                .row
                .themes
                .get(&question.key)
                .into_iter()
                .flatten()
                .filter_map(|name| themes_of(&question.key).get(name))
                .collect();
            if !themes.is_empty() {
                // Positions count characters (Unicode code points).
                let end = text.chars().count().to_string();
                xml.open(
                    "PlainTextSelection",
                    &[
                        ("guid", &derived_guid(&guid, "whole answer")),
                        ("name", &question.key),
                        ("startPosition", "0"),
                        ("endPosition", &end),
                    ],
                );
                for theme in themes {
                    xml.open(
                        "Coding",
                        &[("guid", &derived_guid(&guid, &format!("coding {theme}")))],
                    );
                    xml.empty("CodeRef", &[("targetGUID", theme)]);
                    xml.close("Coding");
                }
                xml.close("PlainTextSelection");
            }
            xml.close("TextSource");
            sources.push((file, text));
        }
    }
    if !sources.is_empty() {
        xml.close("Sources");
    }
    xml.text_element(
        "Description",
        &format!(
            "Exported from Heard: survey \"{}\" ({}), round \"{}\", {} young people. Each free-text answer is a source; the codings are the main coder's.",
            survey.title,
            survey.slug,
            round.round_name,
            round.responses.len()
        ),
    );
    xml.close("Project");
    let mut qde = String::from_utf8(xml.0.into_inner()).expect("XML of UTF-8 text");
    qde.push('\n');
    Project { qde, sources }
}

/// The `.qdpx` package: a zip of `project.qde` and `sources/`.
#[cfg(feature = "ssr")]
pub fn to_qdpx(project: &Project) -> Result<Vec<u8>, zip::result::ZipError> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("project.qde", options)?;
    zip.write_all(project.qde.as_bytes())?;
    for (file, text) in &project.sources {
        zip.start_file(format!("sources/{file}"), options)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::{Codebook, CodingMode, Kind, Question, Theme};

    fn survey() -> Survey {
        Survey {
            slug: "voice".to_owned(),
            title: "Your voice".to_owned(),
            languages: Default::default(),
            questions: vec![
                Question {
                    key: "key_stage".to_owned(),
                    text: "Which key stage are you in?".to_owned(),
                    kind: Kind::Single {
                        options: vec!["KS3".to_owned(), "KS4".to_owned()],
                    },
                    ..Question::default()
                },
                Question {
                    key: "help".to_owned(),
                    text: "What helped?".to_owned(),
                    kind: Kind::Text(Codebook {
                        coding: CodingMode::Single,
                        themes: vec![
                            Theme {
                                name: "Nothing".to_owned(),
                                description: "Nothing helped".to_owned(),
                                ..Theme::default()
                            },
                            Theme {
                                name: "Something".to_owned(),
                                colour: "#123456".to_owned(),
                                ..Theme::default()
                            },
                        ],
                    }),
                    ..Question::default()
                },
            ],
        }
    }

    const RESPONSE: &str = "11111111-1111-4111-8111-111111111111";

    fn build(row: ResponseRow) -> Project {
        build_in(row, None)
    }

    fn build_in(row: ResponseRow, language: Option<&str>) -> Project {
        let survey = survey();
        let question_guids = BTreeMap::from([
            (
                "key_stage".to_owned(),
                "22222222-2222-4222-8222-222222222222".to_owned(),
            ),
            (
                "help".to_owned(),
                "33333333-3333-4333-8333-333333333333".to_owned(),
            ),
        ]);
        let theme_guids = BTreeMap::from([(
            "help".to_owned(),
            BTreeMap::from([
                (
                    "Nothing".to_owned(),
                    "44444444-4444-4444-8444-444444444444".to_owned(),
                ),
                (
                    "Something".to_owned(),
                    "55555555-5555-4555-8555-555555555555".to_owned(),
                ),
            ]),
        )]);
        let responses = [ProjectResponse {
            id: RESPONSE.to_owned(),
            respondent: Some("r01".to_owned()),
            language: language.map(str::to_owned),
            row,
        }];
        project(&ProjectRound {
            survey: &survey,
            round_name: "2024",
            question_guids: &question_guids,
            theme_guids: &theme_guids,
            responses: &responses,
        })
    }

    #[test]
    fn an_answer_is_a_source_coded_as_a_whole_in_characters() {
        let project = build(ResponseRow {
            answers: BTreeMap::from([
                ("key_stage".to_owned(), vec!["KS4".to_owned()]),
                ("help".to_owned(), vec!["Naïve & <odd> 😀".to_owned()]),
            ]),
            themes: BTreeMap::from([("help".to_owned(), vec!["Something".to_owned()])]),
        });
        let source = derived_guid(RESPONSE, "source help");
        assert_eq!(
            project.sources,
            vec![(format!("{source}.txt"), "Naïve & <odd> 😀".to_owned())]
        );
        let qde = &project.qde;
        assert!(qde.contains(r#"<Project xmlns="urn:QDA-XML:project:1.0" name="Your voice: 2024" origin="Heard">"#), "{qde}");
        assert!(qde.contains(&format!(r#"<TextSource guid="{source}" name="r01 - help" plainTextPath="internal://{source}.txt">"#)), "{qde}");
        // 15 characters, though 19 bytes in UTF-8.
        assert!(
            qde.contains(r#"startPosition="0" endPosition="15""#),
            "{qde}"
        );
        assert!(
            qde.contains(r#"<CodeRef targetGUID="55555555-5555-4555-8555-555555555555"/>"#),
            "{qde}"
        );
        assert!(
            !qde.contains(r#"targetGUID="44444444"#),
            "only the answer's own theme"
        );
        assert!(qde.contains("<TextValue>KS4</TextValue>"), "{qde}");
        assert!(
            qde.contains(&format!(r#"<SourceRef targetGUID="{source}"/>"#)),
            "{qde}"
        );
        assert!(
            qde.contains(r##"color="#123456""##) && qde.contains(r##"color="#0072b2""##),
            "own colour, else the palette's: {qde}"
        );
        assert_eq!(
            project,
            build(ResponseRow {
                answers: BTreeMap::from([
                    ("key_stage".to_owned(), vec!["KS4".to_owned()]),
                    ("help".to_owned(), vec!["Naïve & <odd> 😀".to_owned()]),
                ]),
                themes: BTreeMap::from([("help".to_owned(), vec!["Something".to_owned()])]),
            }),
            "the same round gives the same project"
        );
    }

    #[test]
    fn skipped_and_uncoded_answers_leave_nothing_empty_behind() {
        let project = build(ResponseRow::default());
        assert!(project.sources.is_empty());
        assert!(
            !project.qde.contains("<Sources"),
            "an empty Sources element is invalid"
        );
        assert!(!project.qde.contains("VariableValue"));
        let uncoded = build(ResponseRow {
            answers: BTreeMap::from([("help".to_owned(), vec!["school".to_owned()])]),
            themes: BTreeMap::new(),
        });
        assert_eq!(uncoded.sources.len(), 1);
        assert!(
            !uncoded.qde.contains("PlainTextSelection"),
            "no selection without a coding"
        );
    }

    #[test]
    fn each_case_keeps_the_language_it_was_answered_in() {
        let row = ResponseRow {
            answers: BTreeMap::from([("help".to_owned(), vec!["Mwy o help".to_owned()])]),
            themes: BTreeMap::new(),
        };
        let qde = build_in(row.clone(), Some("cy")).qde;
        let variable = qde.split("<Variable ").nth(1).expect("a language variable");
        assert!(
            variable.contains(r#"name="language" typeOfVariable="Text""#),
            "{qde}"
        );
        let guid = variable.split('"').nth(1).unwrap();
        assert!(
            qde.contains(&format!(
                "<VariableRef targetGUID=\"{guid}\"/>\n        <TextValue>cy</TextValue>"
            )),
            "{qde}"
        );
        assert!(
            !build_in(row, None).qde.contains("name=\"language\""),
            "no variable when no answer's language is known"
        );
    }
}
