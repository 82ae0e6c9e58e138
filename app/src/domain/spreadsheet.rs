//! Text going into CSV that people open in Excel or LibreOffice.

use std::borrow::Cow;

/// A cell that a spreadsheet will show as text, never run as a formula:
/// text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading apostrophe (OWASP's advice; formula injection hit another survey
/// tool as CVE-2019-16184). Numbers written by Heard itself do not go
/// through here.
pub fn safe_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_made_text() {
        for dangerous in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(safe_cell(dangerous), format!("'{dangerous}"));
        }
        assert_eq!(safe_cell("Listen to us"), "Listen to us");
        assert_eq!(safe_cell("1:1 support"), "1:1 support");
    }
}
