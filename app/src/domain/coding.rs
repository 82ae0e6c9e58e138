//! The coding screen's data: a round's answers to one free-text question,
//! with what the worker needs to decide each one's themes; and its rules
//! (which answers are shown, in what order, and what pressing a theme or
//! accepting a suggestion does), here so that they are tested without a
//! browser.

use super::survey::{CodingMode, Question};
use serde::{Deserialize, Serialize};

/// Which coding an action is about: the main one (what reports count) or
/// a second coder's blind check of the same answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Pass {
    Main,
    Check,
}

impl Pass {
    pub fn as_str(self) -> &'static str {
        match self {
            Pass::Main => "main",
            Pass::Check => "check",
        }
    }

    pub fn parse(name: &str) -> Option<Pass> {
        match name {
            "main" => Some(Pass::Main),
            "check" => Some(Pass::Check),
            _ => None,
        }
    }
}

/// A suggested theme, with the words that made it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShownSuggestion {
    pub theme: String,
    pub score: f64,
    /// The answer's words that matched the theme's keywords, as written.
    pub words: Vec<String>,
}

/// A starred answer's quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteState {
    /// The redacted copy: the only text a viewer can ever see.
    pub redacted: String,
    pub approved: bool,
}

/// One young person's answer on the coding screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerToCode {
    pub response_id: String,
    pub text: String,
    /// The language it was written in (a tag), where known.
    #[serde(default)]
    pub language: Option<String>,
    /// The young person's about-you answers, in the sheet's attribute order
    /// (empty where skipped).
    pub about_you: Vec<String>,
    /// The themes given in this pass.
    pub themes: Vec<String>,
    /// Ranked suggestions (none in a blind check).
    pub suggestions: Vec<ShownSuggestion>,
    /// Flagged for a safeguarding look.
    pub flagged: bool,
    pub quote: Option<QuoteState>,
}

/// Everything the coding screen shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodingSheet {
    pub round_id: String,
    pub round_name: String,
    pub survey_title: String,
    pub question: Question,
    pub pass: Pass,
    /// The about-you questions' texts, in order.
    pub attributes: Vec<String>,
    /// What a worker may filter by: each about-you question's options,
    /// as (column, option).
    pub about_you_values: Vec<(usize, String)>,
    /// Which answers, in which order, and which page of them.
    pub view: SheetView,
    /// The languages a worker may filter by, as (tag, name), when the
    /// survey is offered in more than one.
    #[serde(default)]
    pub languages: Vec<(String, String)>,
    /// One page of the answers `view` shows.
    pub answers: Vec<AnswerToCode>,
    /// How many answers `view` shows over all its pages; with
    /// `shown_at_least`, at least that many (a filtered view is counted
    /// only [`MOST_COUNTED_AHEAD`] past its page).
    pub shown: usize,
    pub shown_at_least: bool,
    /// How many answers the question has in the round, and how many of
    /// them have a theme in this pass.
    pub total: usize,
    pub coded: usize,
    /// Main coding: agreement with a second coder, once one has coded.
    pub agreement: Option<super::agreement::Agreement>,
}

/// Answers on one page of the coding screen: enough to code for a while,
/// few enough that a round of half a million answers opens at once.
pub const PAGE_SIZE: usize = 100;

/// How far past its page a view that must be counted (one theme, the
/// flagged answers, one about-you answer) is counted: enough for the
/// pages a worker goes through, without a count of every answer in a
/// national round (two seconds at 300,000) on every page.
pub const MOST_COUNTED_AHEAD: usize = 1_000;

/// The most answers a page may start after.
pub const MOST_ANSWERS_SKIPPED: usize = 1_000_000_000;

/// Which of a question's answers the coding screen shows, in what order,
/// and where its page starts: chosen on the screen, carried in its
/// address (`?show=uncoded&about=0:KS3&order=0&from=200&after=…`) and
/// applied by the database.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetView {
    pub show: Show,
    pub about: Option<AttributeFilter>,
    /// Sort by this about-you answer (none: in the order answered).
    pub order: Option<usize>,
    /// How many of the answers shown come before this page: where the
    /// page starts when `next_to` names no answer, and what the pager
    /// says it shows.
    pub from: usize,
    /// The answer the page starts next to: the pager's links name the
    /// answer before (or after) the page they go to, so the database
    /// reads on from it through its index however far into the view it
    /// is, where counting `from` answers would read every answer before
    /// them (in a view of the few not yet coded, most of the round). It
    /// also keeps the page right as answers leave the view: under "Not
    /// yet coded", those coded on one page are gone from the next.
    pub next_to: Option<NextTo>,
    /// Only answers written in this language (a tag).
    #[serde(default)]
    pub language: Option<String>,
}

/// An answer next to the page: the page starts just after it (the next
/// page) or ends just before it (the previous one). By its response id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NextTo {
    After(String),
    Before(String),
}

impl NextTo {
    /// A response id from an address: letters, digits and hyphens, as
    /// ids are made; anything else names no answer.
    fn parse(id: &str) -> Option<String> {
        (!id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then(|| id.to_owned())
    }
}

impl SheetView {
    /// Reads the address's values (empty when absent).
    pub fn parse(
        show: &str,
        about: &str,
        order: &str,
        from: &str,
        after: &str,
        before: &str,
        language: &str,
    ) -> SheetView {
        SheetView {
            language: super::languages::Language::parse(language)
                .ok()
                .map(|l| l.tag().to_owned()),
            show: Show::parse(show),
            about: AttributeFilter::parse(about),
            order: order.parse().ok(),
            // Capped beyond any round (and what a database's OFFSET takes);
            // too many digits for a number is past the cap too.
            from: match from.parse::<usize>() {
                Ok(from) => from.min(MOST_ANSWERS_SKIPPED),
                Err(_) if !from.is_empty() && from.bytes().all(|b| b.is_ascii_digit()) => {
                    MOST_ANSWERS_SKIPPED
                }
                Err(_) => 0,
            },
            next_to: NextTo::parse(after)
                .map(NextTo::After)
                .or_else(|| NextTo::parse(before).map(NextTo::Before)),
        }
    }

    /// The address's values for this view, as [`SheetView::parse`] reads
    /// them: show, about, order, from, after, before and language.
    pub fn values(&self) -> [String; 7] {
        let (after, before) = match &self.next_to {
            Some(NextTo::After(id)) => (id.clone(), String::new()),
            Some(NextTo::Before(id)) => (String::new(), id.clone()),
            None => (String::new(), String::new()),
        };
        [
            self.show.value(),
            self.about
                .as_ref()
                .map(|about| format!("{}:{}", about.column, about.value))
                .unwrap_or_default(),
            self.order
                .map(|order| order.to_string())
                .unwrap_or_default(),
            self.from.to_string(),
            after,
            before,
            self.language.clone().unwrap_or_default(),
        ]
    }

    /// The address's query for this view's page starting at `from`, next
    /// to `next_to`, coding in `pass` (values that say nothing left out).
    pub fn query(&self, pass: Pass, from: usize, next_to: Option<NextTo>) -> String {
        let at_page = SheetView {
            from,
            next_to,
            ..self.clone()
        };
        let mut parts = Vec::new();
        if pass == Pass::Check {
            parts.push("pass=check".to_owned());
        }
        for (name, value) in [
            "show", "about", "order", "from", "after", "before", "language",
        ]
        .into_iter()
        .zip(at_page.values())
        {
            let says_nothing = value.is_empty()
                || (name, value.as_str()) == ("show", "all")
                || (name, value.as_str()) == ("from", "0");
            if !says_nothing {
                parts.push(format!("{name}={}", encode(&value)));
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// `value` percent-encoded for a query string (a theme or option may hold
/// any character).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One change to an answer's coding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodingChange {
    pub changed_by: String,
    pub changed_at: i64,
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// "hand", "suggestion", "bulk", "import" or "merge".
    pub how: String,
    pub pass: String,
}

/// Where a change to an answer's coding came from, as its history records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum How {
    /// A worker pressed a theme.
    Hand,
    /// A worker accepted the top suggestion.
    Suggestion,
    /// Accepted with many others after a preview.
    Bulk,
    /// Codes done elsewhere, imported.
    Import,
    /// Two themes merged into one.
    Merge,
}

impl How {
    pub fn as_str(self) -> &'static str {
        match self {
            How::Hand => "hand",
            How::Suggestion => "suggestion",
            How::Bulk => "bulk",
            How::Import => "import",
            How::Merge => "merge",
        }
    }

    pub fn parse(name: &str) -> Option<How> {
        [
            How::Hand,
            How::Suggestion,
            How::Bulk,
            How::Import,
            How::Merge,
        ]
        .into_iter()
        .find(|how| how.as_str() == name)
    }

    /// Whether a worker codes one answer this way on the coding screen
    /// (the others happen to many answers at once).
    pub fn is_one_answer(self) -> bool {
        match self {
            How::Hand | How::Suggestion => true,
            How::Bulk | How::Import | How::Merge => false,
        }
    }
}

/// How many answers a view of the coding screen shows over all its
/// pages: all of them counted, or counted only so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    All(usize),
    AtLeast(usize),
}

/// Which answers the coding screen shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Show {
    #[default]
    All,
    Uncoded,
    Flagged,
    /// Those coded with this theme.
    Theme(String),
}

impl Show {
    /// Reads the "Show" choice's value: `all`, `uncoded`, `flagged` or
    /// `theme:NAME`.
    pub fn parse(value: &str) -> Show {
        match value {
            "uncoded" => Show::Uncoded,
            "flagged" => Show::Flagged,
            "" | "all" => Show::All,
            theme => Show::Theme(theme.trim_start_matches("theme:").to_owned()),
        }
    }

    /// The "Show" choice's value, as [`Show::parse`] reads it.
    pub fn value(&self) -> String {
        match self {
            Show::All => "all".to_owned(),
            Show::Uncoded => "uncoded".to_owned(),
            Show::Flagged => "flagged".to_owned(),
            Show::Theme(theme) => format!("theme:{theme}"),
        }
    }

    pub fn keeps(&self, answer: &AnswerToCode) -> bool {
        match self {
            Show::All => true,
            Show::Uncoded => answer.themes.is_empty(),
            Show::Flagged => answer.flagged,
            Show::Theme(theme) => answer.themes.contains(theme),
        }
    }
}

/// Answers whose about-you answer `column` (in the sheet's attribute
/// order) is `value`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeFilter {
    pub column: usize,
    pub value: String,
}

impl AttributeFilter {
    /// Reads the "About you" choice's value, `COLUMN:VALUE`; `None` (everyone)
    /// for anything else.
    pub fn parse(value: &str) -> Option<AttributeFilter> {
        let (column, value) = value.split_once(':')?;
        Some(AttributeFilter {
            column: column.parse().ok()?,
            value: value.to_owned(),
        })
    }
}

/// The positions in `answers` of those shown, in the order shown: kept by
/// `show` and `filter`, then sorted by the about-you answer `order_by` if
/// given (keeping the order answered among equals).
pub fn shown(
    answers: &[AnswerToCode],
    show: &Show,
    filter: Option<&AttributeFilter>,
    order_by: Option<usize>,
) -> Vec<usize> {
    let mut shown: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, a)| show.keeps(a))
        .filter(|(_, a)| filter.is_none_or(|f| a.about_you.get(f.column) == Some(&f.value)))
        .map(|(i, _)| i)
        .collect();
    if let Some(column) = order_by {
        shown.sort_by(|&a, &b| {
            answers[a]
                .about_you
                .get(column)
                .cmp(&answers[b].about_you.get(column))
        });
    }
    shown
}

/// An answer's themes after the worker presses `theme`: taken off if it was
/// given; otherwise added (any number of themes) or given alone (one).
pub fn toggled(themes: &[String], theme: &str, mode: CodingMode) -> Vec<String> {
    if themes.iter().any(|t| t == theme) {
        return themes.iter().filter(|t| *t != theme).cloned().collect();
    }
    match mode {
        CodingMode::Multi => themes.iter().cloned().chain([theme.to_owned()]).collect(),
        CodingMode::Single => vec![theme.to_owned()],
    }
}

/// An answer's themes after the worker accepts the suggestion `top`: added
/// to those given (any number of themes) or given alone (one).
pub fn with_suggestion(themes: &[String], top: &str, mode: CodingMode) -> Vec<String> {
    let mut now = match mode {
        CodingMode::Multi => themes.to_vec(),
        CodingMode::Single => Vec::new(),
    };
    if !now.iter().any(|t| t == top) {
        now.push(top.to_owned());
    }
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_view_goes_into_the_address_and_back() {
        let view = SheetView {
            show: Show::Theme("Help & support".to_owned()),
            about: Some(AttributeFilter {
                column: 0,
                value: "Year 10".to_owned(),
            }),
            order: Some(0),
            from: 300,
            next_to: None,
            language: Some("cy".to_owned()),
        };
        assert_eq!(
            view.query(Pass::Main, 300, None),
            "?show=theme:Help%20%26%20support&about=0:Year%2010&order=0&from=300&language=cy"
        );
        let [show, about, order, from, after, before, language] = view.values();
        assert_eq!(
            SheetView::parse(&show, &about, &order, &from, &after, &before, &language),
            view
        );
        assert_eq!(
            SheetView::parse("", "", "", "99999999999999999999", "", "", "").from,
            MOST_ANSWERS_SKIPPED
        );
        // The first page of everything, in the order answered, says nothing
        // but the pass.
        assert_eq!(SheetView::default().query(Pass::Main, 0, None), "");
        assert_eq!(
            SheetView::default().query(Pass::Check, 0, None),
            "?pass=check"
        );
        assert_eq!(
            SheetView::parse("", "", "", "", "", "", ""),
            SheetView::default()
        );
    }

    #[test]
    fn a_page_next_to_an_answer_names_it_in_the_address() {
        let id = "0b6a4c1e-8d7f-4a52-9e3b-2f1c5d6e7a80";
        let next = SheetView::default().query(Pass::Main, 200, Some(NextTo::After(id.to_owned())));
        assert_eq!(next, format!("?from=200&after={id}"));
        let back = SheetView::parse("", "", "", "100", "", id, "");
        assert_eq!(back.next_to, Some(NextTo::Before(id.to_owned())));
        assert_eq!(back.from, 100);
        // Anything that cannot be an id names no answer: the page starts
        // after the count.
        for not_an_id in ["x' OR 1=1", "a b", &"a".repeat(65)] {
            assert_eq!(
                SheetView::parse("", "", "", "5", not_an_id, not_an_id, "").next_to,
                None,
                "{not_an_id}"
            );
        }
    }

    fn answer(themes: &[&str], flagged: bool, about_you: &[&str]) -> AnswerToCode {
        AnswerToCode {
            language: None,
            response_id: String::new(),
            text: String::new(),
            about_you: about_you.iter().map(|s| s.to_string()).collect(),
            themes: themes.iter().map(|s| s.to_string()).collect(),
            suggestions: Vec::new(),
            flagged,
            quote: None,
        }
    }

    fn names(themes: &[String]) -> Vec<&str> {
        themes.iter().map(String::as_str).collect()
    }

    #[test]
    fn pressing_a_theme_gives_it_alone_or_beside_the_others_and_again_takes_it_off() {
        let given = vec!["Help".to_owned()];
        assert_eq!(
            names(&toggled(&given, "Trust", CodingMode::Single)),
            ["Trust"]
        );
        assert_eq!(
            names(&toggled(&given, "Trust", CodingMode::Multi)),
            ["Help", "Trust"]
        );
        assert!(toggled(&given, "Help", CodingMode::Single).is_empty());
        let two = vec!["Help".to_owned(), "Trust".to_owned()];
        assert_eq!(names(&toggled(&two, "Help", CodingMode::Multi)), ["Trust"]);
    }

    #[test]
    fn accepting_a_suggestion_never_gives_a_theme_twice() {
        let given = vec!["Help".to_owned()];
        assert_eq!(
            names(&with_suggestion(&given, "Trust", CodingMode::Single)),
            ["Trust"]
        );
        assert_eq!(
            names(&with_suggestion(&given, "Trust", CodingMode::Multi)),
            ["Help", "Trust"]
        );
        assert_eq!(
            names(&with_suggestion(&given, "Help", CodingMode::Multi)),
            ["Help"]
        );
    }

    #[test]
    fn the_screen_shows_what_the_filters_keep_in_the_order_chosen() {
        let answers = vec![
            answer(&[], false, &["KS4"]),
            answer(&["Help"], true, &["KS3"]),
            answer(&["Trust"], false, &["KS4"]),
            answer(&["Help"], false, &["KS2"]),
        ];
        assert_eq!(shown(&answers, &Show::All, None, None), [0, 1, 2, 3]);
        assert_eq!(shown(&answers, &Show::Uncoded, None, None), [0]);
        assert_eq!(shown(&answers, &Show::Flagged, None, None), [1]);
        assert_eq!(
            shown(&answers, &Show::parse("theme:Help"), None, None),
            [1, 3]
        );
        let ks4 = AttributeFilter::parse("0:KS4").unwrap();
        assert_eq!(shown(&answers, &Show::All, Some(&ks4), None), [0, 2]);
        // Sorted by key stage, answered order kept among equals.
        assert_eq!(shown(&answers, &Show::All, None, Some(0)), [3, 1, 0, 2]);
        assert_eq!(AttributeFilter::parse(""), None);
        assert_eq!(Show::parse("all"), Show::All);
    }

    #[test]
    fn ways_of_coding_round_trip_and_only_two_are_for_one_answer() {
        for how in [
            How::Hand,
            How::Suggestion,
            How::Bulk,
            How::Import,
            How::Merge,
        ] {
            assert_eq!(How::parse(how.as_str()), Some(how));
        }
        assert_eq!(How::parse("guess"), None);
        assert!(How::Hand.is_one_answer() && How::Suggestion.is_one_answer());
        assert!(!How::Bulk.is_one_answer());
    }
}
