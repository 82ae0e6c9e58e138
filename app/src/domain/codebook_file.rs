//! Codebooks in and out: REFI-QDA `.qdc` (the exchange format of NVivo,
//! ATLAS.ti, MAXQDA, QualCoder and Taguette) and CSV (`theme,description,
//! keywords`).
//!
//! Writing is strict (valid against the REFI-QDA Codebook.xsd: UUID guids,
//! no empty `<Sets/>`); reading is tolerant of what real exporters get
//! wrong: any namespace spelling, guids that are not UUIDs, and nested
//! codes, which are flattened visibly ("Parent > Child").
//!
//! REFI-QDA has no place for keywords, so a `.qdc` written by Heard puts
//! them on a last description line `Keywords: a; b`, which it reads back.

use super::survey::{Theme, valid_colour};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

/// The REFI-QDA codebook namespace.
pub const QDC_NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";
const KEYWORDS_LINE: &str = "Keywords: ";

/// Why a codebook file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodebookFileError {
    #[error("this is not a REFI-QDA codebook: {0}")]
    NotQdc(String),
    #[error("line {line}: {reason}")]
    Csv { line: u64, reason: String },
    #[error("the codebook has no themes")]
    Empty,
    #[error("the theme \"{0}\" is in the codebook twice")]
    Duplicate(String),
}

/// A theme as a `.qdc` code: its guid (a UUID) and the theme.
pub fn to_qdc(themes: &[(String, Theme)]) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let write = |writer: &mut Writer<Vec<u8>>, event: Event| {
        writer
            .write_event(event)
            .expect("writing XML to memory cannot fail");
    };
    write(
        &mut writer,
        Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)),
    );
    let mut root = BytesStart::new("CodeBook");
    root.push_attribute(("xmlns", QDC_NAMESPACE));
    root.push_attribute(("origin", "Heard"));
    write(&mut writer, Event::Start(root));
    write(&mut writer, Event::Start(BytesStart::new("Codes")));
    for (guid, theme) in themes {
        let mut code = BytesStart::new("Code");
        code.push_attribute(("guid", guid.as_str()));
        code.push_attribute(("name", theme.name.as_str()));
        code.push_attribute(("isCodable", "true"));
        if !theme.colour.is_empty() {
            code.push_attribute(("color", theme.colour.as_str()));
        }
        let mut description = theme.description.clone();
        if !theme.keywords.is_empty() {
            if !description.is_empty() {
                description.push('\n');
            }
            description.push_str(KEYWORDS_LINE);
            description.push_str(&theme.keywords.join("; "));
        }
        if description.is_empty() {
            write(&mut writer, Event::Empty(code));
        } else {
            write(&mut writer, Event::Start(code));
            write(&mut writer, Event::Start(BytesStart::new("Description")));
            write(&mut writer, Event::Text(BytesText::new(&description)));
            write(&mut writer, Event::End(BytesEnd::new("Description")));
            write(&mut writer, Event::End(BytesEnd::new("Code")));
        }
    }
    write(&mut writer, Event::End(BytesEnd::new("Codes")));
    write(&mut writer, Event::End(BytesEnd::new("CodeBook")));
    let mut text = String::from_utf8(writer.into_inner()).expect("XML of UTF-8 text");
    text.push('\n');
    text
}

/// Reads a `.qdc` file's codes as themes, in document order. Codes that
/// are not codable only name their children.
pub fn from_qdc(text: &str) -> Result<Vec<Theme>, CodebookFileError> {
    // Text is not trimmed here: `&lt;` and friends arrive as events of their
    // own, and trimming would eat the spaces around them.
    let mut reader = Reader::from_str(text);
    // The open codes: (name, codable, colour, description so far), slot.
    let mut open: Vec<(Code, usize)> = Vec::new();
    let mut in_description = false;
    let mut saw_root = false;
    let mut themes = Vec::new();
    let not_qdc = |e: &dyn std::fmt::Display| CodebookFileError::NotQdc(e.to_string());
    loop {
        let event = reader.read_event().map_err(|e| not_qdc(&e))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let local = e.local_name();
                let name = local.as_ref();
                if name == b"CodeBook" || name == b"Project" {
                    saw_root = true;
                }
                if name == b"Description" {
                    in_description = matches!(event, Event::Start(_));
                } else if name == b"Code" {
                    let mut code = (String::new(), true, String::new(), String::new());
                    for attribute in e.attributes() {
                        let attribute = attribute.map_err(|e| not_qdc(&e))?;
                        let value = attribute
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| not_qdc(&e))?
                            .to_string();
                        match attribute.key.local_name().as_ref() {
                            b"name" => code.0 = value.trim().to_owned(),
                            b"isCodable" => code.1 = value.trim() != "false" && value.trim() != "0",
                            b"color" => code.2 = value.trim().to_lowercase(),
                            _ => {}
                        }
                    }
                    // A slot in document order, so a parent comes before
                    // its children; filled when the code closes.
                    themes.push(None);
                    let slot = themes.len() - 1;
                    if matches!(event, Event::Empty(_)) {
                        themes[slot] = finish_code(&open, code);
                    } else {
                        open.push((code, slot));
                    }
                }
            }
            Event::Text(t) if in_description => {
                if let Some((code, _)) = open.last_mut() {
                    code.3
                        .push_str(&t.xml10_content().map_err(|e| not_qdc(&e))?);
                }
            }
            Event::GeneralRef(r) if in_description => {
                let name = r.decode().map_err(|e| not_qdc(&e))?.to_string();
                let resolved = match r.resolve_char_ref().map_err(|e| not_qdc(&e))? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name)
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("&{name};")),
                };
                if let Some((code, _)) = open.last_mut() {
                    code.3.push_str(&resolved);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"Description" => in_description = false,
                b"Code" => {
                    if let Some((code, slot)) = open.pop() {
                        themes[slot] = finish_code(&open, code);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(CodebookFileError::NotQdc(
            "there is no <CodeBook> element".to_owned(),
        ));
    }
    checked(themes.into_iter().flatten().collect())
}

/// A `<Code>` being read: name, codable, colour, description.
type Code = (String, bool, String, String);

/// Turns a closed `<Code>` into a theme, named with its parents' names;
/// `None` for a code that is not codable.
fn finish_code(
    parents: &[(Code, usize)],
    (name, codable, colour, description): Code,
) -> Option<Theme> {
    if !codable || name.is_empty() {
        return None;
    }
    let path: Vec<&str> = parents
        .iter()
        .map(|(p, _)| p.0.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    let full = if path.is_empty() {
        name
    } else {
        format!("{} > {name}", path.join(" > "))
    };
    let mut lines: Vec<&str> = description.trim().lines().map(str::trim).collect();
    let mut keywords = Vec::new();
    if let Some(last) = lines.last().and_then(|l| l.strip_prefix(KEYWORDS_LINE)) {
        keywords = last
            .split(';')
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .collect();
        lines.pop();
    }
    let colour = if valid_colour(&colour) && colour.len() == 7 {
        colour
    } else {
        String::new()
    };
    Some(Theme {
        name: full,
        description: lines.join("\n").trim().to_owned(),
        keywords,
        colour,
    })
}

fn checked(themes: Vec<Theme>) -> Result<Vec<Theme>, CodebookFileError> {
    if themes.is_empty() {
        return Err(CodebookFileError::Empty);
    }
    for (i, theme) in themes.iter().enumerate() {
        if themes[..i]
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(&theme.name))
        {
            return Err(CodebookFileError::Duplicate(theme.name.clone()));
        }
    }
    Ok(themes)
}

/// A codebook as CSV: `theme,description,keywords` (keywords joined by
/// `; `), text neutralised against spreadsheet formulas.
pub fn to_csv(themes: &[Theme]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["theme", "description", "keywords"])
        .expect("writing to memory");
    for theme in themes {
        let keywords = theme.keywords.join("; ");
        out.write_record([
            super::spreadsheet::safe_cell(&theme.name).as_ref(),
            super::spreadsheet::safe_cell(&theme.description).as_ref(),
            super::spreadsheet::safe_cell(&keywords).as_ref(),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(out.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text")
}

/// Reads a CSV codebook (`theme` column required; `description` and
/// `keywords` optional).
pub fn from_csv(bytes: &[u8]) -> Result<Vec<Theme>, CodebookFileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let problem = |line: u64, reason: String| CodebookFileError::Csv { line, reason };
    let headings: Vec<String> = reader
        .headers()
        .map_err(|e| problem(1, e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let column = |name: &str| headings.iter().position(|h| h == name);
    let Some(theme_column) = column("theme") else {
        return Err(problem(1, "the header needs a \"theme\" column".to_owned()));
    };
    let (description_column, keywords_column) = (column("description"), column("keywords"));
    let mut themes = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| problem(line, e.to_string()))?;
        let cell = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let name = cell(Some(theme_column));
        if name.is_empty() {
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            return Err(problem(line, "the theme's name is empty".to_owned()));
        }
        themes.push(Theme {
            name,
            description: cell(description_column),
            keywords: cell(keywords_column)
                .split(';')
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect(),
            colour: String::new(),
        });
    }
    checked(themes)
}

/// Reads a codebook file of either kind, told apart by its content.
pub fn read(bytes: &[u8]) -> Result<Vec<Theme>, CodebookFileError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(
        |_| CodebookFileError::Csv {
            line: 1,
            reason: "the file is not UTF-8 text".to_owned(),
        },
    )?;
    if text.trim_start().starts_with('<') {
        from_qdc(text)
    } else {
        from_csv(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn themes() -> Vec<Theme> {
        vec![
            Theme {
                name: "Connect & belong".into(),
                description: "Being listened to <and> trusted".into(),
                keywords: vec!["listen".into(), "trust".into()],
                colour: "#0072b2".into(),
            },
            Theme {
                name: "Nothing".into(),
                ..Theme::default()
            },
        ]
    }

    #[test]
    fn qdc_and_csv_round_trip() {
        let with_ids: Vec<(String, Theme)> = themes()
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("0000000{i}-0000-4000-8000-000000000000"), t))
            .collect();
        let qdc = to_qdc(&with_ids);
        assert!(qdc.contains("xmlns=\"urn:QDA-XML:codebook:1.0\""), "{qdc}");
        assert!(qdc.contains("name=\"Connect &amp; belong\""), "{qdc}");
        assert!(!qdc.contains("<Sets"), "no empty Sets element");
        assert_eq!(read(qdc.as_bytes()).unwrap(), themes());
        assert_eq!(
            read(to_csv(&themes()).as_bytes()).unwrap(),
            themes()
                .into_iter()
                .map(|t| Theme {
                    colour: String::new(),
                    ..t
                })
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn other_tools_files_are_read_tolerantly() {
        // A colon for the dot in the namespace, a non-UUID guid, a code that
        // is not codable, and nesting.
        let qdc = r##"<?xml version="1.0"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1:0" origin="Other">
  <Codes>
    <Code guid="c001" name="Feelings" isCodable="false">
      <Description>All feelings</Description>
      <Code guid="c2" name="Anger" isCodable="true" color="#C95858"/>
      <Code guid="c3" name="Worry" isCodable="true"></Code>
    </Code>
    <Code guid="{A1B2C3D4-0000-4000-8000-000000000000}" name="School" isCodable="true"/>
  </Codes>
  <Sets/>
</CodeBook>"##;
        let read = read(qdc.as_bytes()).unwrap();
        let names: Vec<&str> = read.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Feelings > Anger", "Feelings > Worry", "School"]);
        assert_eq!(read[0].colour, "#c95858");
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert_eq!(
            read(b"<html><body>hi</body></html>")
                .unwrap_err()
                .to_string(),
            "this is not a REFI-QDA codebook: there is no <CodeBook> element"
        );
        assert_eq!(
            read(b"theme,description\nA,x\na,y\n").unwrap_err(),
            CodebookFileError::Duplicate("a".into())
        );
        assert_eq!(
            read(b"name,description\nA,x\n").unwrap_err().to_string(),
            "line 1: the header needs a \"theme\" column"
        );
        assert_eq!(read(b"theme\n").unwrap_err(), CodebookFileError::Empty);
    }
}
