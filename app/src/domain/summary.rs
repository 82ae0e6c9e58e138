//! A round's summary for head teachers' forums, as the page receives it:
//! only what its reader may see (counts after disclosure control, approved
//! redacted quotes), never answers or flags.

use super::report::{Audience, Comparison, Disclosure, QuestionReport};
use serde::{Deserialize, Serialize};

/// An approved, redacted quote: all of a quote a viewer may see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovedQuote {
    pub question: String,
    /// The themes the answer is coded with (main coding).
    pub themes: Vec<String>,
    pub text: String,
}

/// A share link as an admin sees it (the token itself is shown once only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLinkInfo {
    /// The SHA-256 of the token: names the link without giving access.
    pub id: String,
    pub created_by: String,
    pub expires_at: i64,
    pub revoked: bool,
}

/// A question compared with earlier rounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionComparison {
    pub key: String,
    pub text: String,
    pub comparison: Comparison,
    /// Earlier rounds left out: too few answered for viewers to see them.
    #[serde(default)]
    pub withheld: Vec<String>,
}

/// Everything the summary page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub round_id: String,
    pub survey_title: String,
    pub round_name: String,
    pub audience: Audience,
    /// How many young people took part.
    pub responses: i64,
    /// The about-you questions a reader can break the figures down by
    /// (key, text).
    pub attributes: Vec<(String, String)>,
    /// The attribute the figures are broken down by, if any.
    pub by: Option<String>,
    /// The thresholds applied for viewers.
    pub disclosure: Disclosure,
    pub questions: Vec<QuestionReport>,
    pub comparisons: Vec<QuestionComparison>,
    /// Multi-coded questions' themes by pairs: how many answers carry both.
    #[serde(default)]
    pub together: Vec<crate::domain::report::ThemesTogether>,
    /// What the workers wrote about each question (by key) when they
    /// published: viewers read it under the question.
    #[serde(default)]
    pub notes: std::collections::BTreeMap<String, String>,
    /// For workers: sentences to start each question's note from, made
    /// from the figures on the page.
    #[serde(default)]
    pub suggested: std::collections::BTreeMap<String, String>,
    pub quotes: Vec<ApprovedQuote>,
    /// For admins: the round's share links.
    pub share_links: Option<Vec<ShareLinkInfo>>,
    /// For workers: what viewers see now.
    #[serde(default)]
    pub publication: Option<PublicationState>,
}

/// What viewers see of a round, as its workers are told. (A struct, not
/// `Option<Option<..>>`: serde reads `Some(None)` back as `None`, and the
/// page would hydrate differently from how it was rendered.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationState {
    /// `(responses, published at)`, or `None` when nothing is published.
    pub published: Option<(i64, i64)>,
}

/// A Unix time's day as `YYYY-MM-DD` (UTC).
pub fn day_of(time: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = time.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A `YYYY-MM-DD` date as the Unix time of its start (UTC).
pub fn parse_day(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Howard Hinnant's days-from-civil, the inverse of `day_of`.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let time = (era * 146_097 + doe - 719_468) * 86_400;
    // 2024-02-31 is not a day.
    (day_of(time) == format!("{year:04}-{month:02}-{day:02}")).then_some(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_back() {
        assert_eq!(parse_day("2024-07-01"), Some(1_719_792_000));
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2024-02-30"), None);
        assert_eq!(parse_day("tomorrow"), None);
    }

    #[test]
    fn days_are_printed_as_dates() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(1_719_792_000), "2024-07-01");
        assert_eq!(day_of(1_709_164_800), "2024-02-29");
    }
}
