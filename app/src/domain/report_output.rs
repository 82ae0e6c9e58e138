//! Reports as tables of text: CSV (safe to open in Excel), Markdown and
//! JSON. The CLI and the page's downloads print the same tables.

use super::report::{
    Comparison, QuestionReport, format_signed, format_signed_tenths, format_tenths,
};
use super::spreadsheet::safe_cell;
use serde_json::{Map, Value, json};

/// A table: a header and rows of cells, all text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The table as CSV. Text that came from people (names of themes,
    /// options, rounds) is neutralised against formula injection; Heard's
    /// own numbers such as `+53` are left as they are, since a spreadsheet
    /// reads them as numbers, not formulas.
    pub fn to_csv(&self, text_columns: &[usize]) -> String {
        let mut out = csv::Writer::from_writer(Vec::new());
        let header: Vec<String> = self
            .header
            .iter()
            .map(|h| safe_cell(h).into_owned())
            .collect();
        out.write_record(&header).expect("writing to memory");
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    if text_columns.contains(&i) {
                        safe_cell(cell).into_owned()
                    } else {
                        cell.clone()
                    }
                })
                .collect();
            out.write_record(&cells).expect("writing to memory");
        }
        String::from_utf8(out.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text")
    }

    /// The table as a GitHub-flavoured Markdown table.
    pub fn to_markdown(&self) -> String {
        let escape = |cell: &str| cell.replace('|', "\\|").replace('\n', " ");
        let line = |cells: &[String]| {
            format!(
                "| {} |\n",
                cells
                    .iter()
                    .map(|c| escape(c))
                    .collect::<Vec<_>>()
                    .join(" | ")
            )
        };
        let mut text = line(&self.header);
        text.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
        for row in &self.rows {
            text.push_str(&line(row));
        }
        text
    }

    /// The table as a JSON array of objects keyed by the header.
    pub fn to_json(&self) -> String {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                let object: Map<String, Value> = self
                    .header
                    .iter()
                    .zip(row)
                    .map(|(h, c)| (h.clone(), json!(c)))
                    .collect();
                Value::Object(object)
            })
            .collect();
        serde_json::to_string_pretty(&rows).expect("JSON of strings") + "\n"
    }
}

/// The columns of a report table that hold people's text.
pub fn report_text_columns(by: bool) -> Vec<usize> {
    if by { vec![0, 1, 2] } else { vec![0, 1] }
}

/// Question reports as one table:
/// `question,category,count,percent,n,ci_low,ci_high`, or with a breakdown
/// `question,attribute,category,count,percent,n,ci_low,ci_high`, one block
/// of rows per attribute value; `ci_low` and `ci_high` are the share's 95%
/// interval (Wilson). Suppressed figures print `c`; a question withheld
/// from viewers has no rows.
pub fn report_table(reports: &[QuestionReport]) -> Table {
    let by = reports.iter().any(|r| r.by.is_some());
    let mut header = vec!["question".to_owned()];
    if by {
        header.push("attribute".to_owned());
    }
    header.extend(["category", "count", "percent", "n", "ci_low", "ci_high"].map(str::to_owned));
    let mut rows = Vec::new();
    for report in reports.iter().filter(|r| r.withheld.is_none()) {
        for block in &report.blocks {
            for line in &block.lines {
                let mut row = vec![report.key.clone()];
                if by {
                    row.push(block.group.clone().unwrap_or_default());
                }
                let nobody = matches!(
                    (line.count.exact(), block.answered.exact()),
                    (Some(_), Some(0))
                );
                let (percent, low, high) = if nobody {
                    Default::default()
                } else {
                    let percent = block.percent(line).map_or("c".to_owned(), format_tenths);
                    match report.interval(block, line) {
                        Some((low, high)) => (percent, format_tenths(low), format_tenths(high)),
                        // Everyone counted: exact, no interval to give.
                        None if report.whole_population => (percent, String::new(), String::new()),
                        None => (percent, "c".to_owned(), "c".to_owned()),
                    }
                };
                row.extend([
                    line.category.clone(),
                    line.count.show(),
                    percent,
                    block.answered.show(),
                    low,
                    high,
                ]);
                rows.push(row);
            }
        }
    }
    Table { header, rows }
}

/// A question's themes together as one table:
/// `question,theme,with,both,percent,n`: each pair of themes, how many
/// answers carry both, as a share of the `n` answers coded. Hidden counts
/// print `c`.
pub fn together_table(together: &super::report::ThemesTogether) -> Table {
    let header = ["question", "theme", "with", "both", "percent", "n"]
        .map(str::to_owned)
        .to_vec();
    let rows = together
        .pairs
        .iter()
        .map(|&(first, second, both)| {
            vec![
                together.key.clone(),
                together.themes[first].clone(),
                together.themes[second].clone(),
                both.show(),
                match (both.exact(), together.coded) {
                    (_, 0) => String::new(),
                    (Some(n), coded) => super::report::percent_tenths(n, coded)
                        .map_or_else(String::new, format_tenths),
                    (None, _) => "c".to_owned(),
                },
                together.coded.to_string(),
            ]
        })
        .collect();
    Table { header, rows }
}

/// A comparison as one table: `category`, then `NAME count` and
/// `NAME percent` for each round, then `change`, `change_percent`,
/// `pp_change`, the change's 95% interval (`pp_ci_low`, `pp_ci_high`,
/// Newcombe) and whether the change is `clear` at 95% (`yes` or `no`),
/// with a `Total` row.
pub fn comparison_table(comparison: &Comparison) -> Table {
    let mut header = vec!["category".to_owned()];
    for round in &comparison.rounds {
        header.push(format!("{round} count"));
        header.push(format!("{round} percent"));
    }
    header.extend(
        [
            "change",
            "change_percent",
            "pp_change",
            "pp_ci_low",
            "pp_ci_high",
            "clear",
        ]
        .map(str::to_owned),
    );
    let rows = comparison
        .lines
        .iter()
        .chain(std::iter::once(&comparison.total))
        .map(|line| {
            let mut row = vec![line.category.clone()];
            for (count, percent) in &line.cells {
                row.push(count.to_string());
                row.push(percent.map(format_tenths).unwrap_or_default());
            }
            row.push(format_signed(line.change));
            row.push(line.change_percent.map(format_signed).unwrap_or_default());
            row.push(line.pp_change.map(format_signed_tenths).unwrap_or_default());
            let (low, high) = line
                .pp_interval
                .map(|(low, high)| (format_signed_tenths(low), format_signed_tenths(high)))
                .unwrap_or_default();
            row.push(low);
            row.push(high);
            row.push(
                match line.clear {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "",
                }
                .to_owned(),
            );
            row
        })
        .collect();
    Table { header, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_text_is_neutralised_and_heard_numbers_are_not() {
        let table = Table {
            header: vec!["category".into(), "change".into()],
            rows: vec![vec!["=HYPERLINK(\"x\")".into(), "+53".into()]],
        };
        assert_eq!(
            table.to_csv(&[0]),
            "category,change\n\"'=HYPERLINK(\"\"x\"\")\",+53\n"
        );
        assert_eq!(
            table.to_markdown(),
            "| category | change |\n|---|---|\n| =HYPERLINK(\"x\") | +53 |\n"
        );
    }
}
