//! Reading spreadsheets that councils already have: responses typed up from
//! paper or exported from Microsoft Forms and Google Forms, and codes done
//! elsewhere. Parsing is all-or-nothing: a file either yields every row
//! checked, or every problem with its line and column, so the database
//! layer never stores half a file.

mod codes;
mod responses;
#[cfg(test)]
mod tests;

pub use codes::{CodeRow, ThemesByAnswer, codes_by_answer, read_codes};
pub use responses::{
    ColumnUse, NewRows, ResponseRow, ResponsesFile, ResponsesImported, guess_columns, new_rows,
    read_responses,
};

use serde::{Deserialize, Serialize};

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

/// The headings of a CSV file (BOM and surrounding spaces removed).
pub fn headings(bytes: &[u8]) -> Result<Vec<String>, Problem> {
    let bytes = without_bom(bytes);
    let mut reader = reader(bytes);
    let headings = reader
        .headers()
        .map_err(|e| csv_problem(&e, &mut Lines::new(bytes)))?;
    Ok(headings.iter().map(|h| h.trim().to_owned()).collect())
}

pub(super) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Line numbers of byte offsets in a file (without its BOM), counted here
/// because the csv crate's own line numbers drift on CRLF files. Rows come
/// in order, so counting goes forward from the last offset asked: a large
/// file is scanned once, not once per row.
pub(super) struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    pub(super) fn at(&mut self, position: Option<&csv::Position>) -> u64 {
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
pub(super) fn text_record(
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

pub(super) const NOT_UTF8: &str = "this is not UTF-8 text; save the spreadsheet as \"CSV UTF-8\"";

pub(super) fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes)
}

pub(super) fn csv_problem(error: &csv::Error, lines: &mut Lines) -> Problem {
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

pub(super) fn squash(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}
