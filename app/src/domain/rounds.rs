//! What workers see of surveys and rounds: plain data passed from server
//! to page.

use super::survey::Question;
use serde::{Deserialize, Serialize};

/// A line of the worker's list of rounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundSummary {
    pub round_id: String,
    pub survey_slug: String,
    pub survey_title: String,
    pub round_name: String,
    pub join_code: String,
    /// Whether young people can answer it now.
    pub is_open: bool,
    /// When it closed (seconds since 1970), if it is closed and that is
    /// known.
    pub closed_at: Option<i64>,
    /// How long after closing it takes surveys finished on a tablet while
    /// it was open (see `late`).
    pub late_hours: i64,
    pub responses: i64,
}

/// How a tablet reaches an open round: its address, the same in kiosk mode,
/// and a QR code (SVG) of the kiosk address for the tablet's camera.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabletLink {
    pub url: String,
    pub kiosk_url: String,
    pub qr_svg: String,
}

/// Every response of a round, for a worker to read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundAnswers {
    pub round: RoundSummary,
    pub questions: Vec<Question>,
    /// One entry per response: for each question (in survey order) the
    /// values given, empty when skipped.
    pub responses: Vec<Vec<Vec<String>>>,
    /// Set while the round is open.
    pub tablet: Option<TabletLink>,
}

/// A line of the list of surveys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveySummary {
    pub slug: String,
    pub title: String,
    pub questions: i64,
}
