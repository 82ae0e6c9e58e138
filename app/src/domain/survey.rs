//! What a survey is: its questions, their kinds and options.

use super::languages::Languages;
use serde::{Deserialize, Serialize};

/// How a question is answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Pick at most one option.
    Single,
    /// Pick any number of options.
    Multi,
    /// Free text, later coded into themes by a worker.
    #[default]
    Text,
    /// Pick one picture (an emoji with a text label) on a scale, e.g. five faces.
    Scale,
}

impl QuestionKind {
    /// The name used in the database and in survey files.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multi => "multi",
            QuestionKind::Text => "text",
            QuestionKind::Scale => "scale",
        }
    }

    /// Reads a name written by [`QuestionKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Every kind, in the order the survey editor offers them.
    pub const ALL: [QuestionKind; 4] = [
        QuestionKind::Text,
        QuestionKind::Single,
        QuestionKind::Multi,
        QuestionKind::Scale,
    ];

    /// The kind as the survey editor names it.
    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Single => "Choose one",
            QuestionKind::Multi => "Choose any",
            QuestionKind::Scale => "Picture scale",
            QuestionKind::Text => "Free text",
        }
    }

    // What each kind is, as exhaustive matches: a new kind does not compile
    // until each of these says what it is, and the code that asks them
    // follows.

    /// Whether answers are picked from the options (one at most, except
    /// for multiple choice).
    pub fn has_options(self) -> bool {
        match self {
            QuestionKind::Single | QuestionKind::Multi | QuestionKind::Scale => true,
            QuestionKind::Text => false,
        }
    }

    /// Whether an answer may hold several values (multiple choice).
    pub fn takes_several(self) -> bool {
        match self {
            QuestionKind::Multi => true,
            QuestionKind::Single | QuestionKind::Scale | QuestionKind::Text => false,
        }
    }

    /// Whether each option has a picture (an emoji) shown with it.
    pub fn has_pictures(self) -> bool {
        match self {
            QuestionKind::Scale => true,
            QuestionKind::Single | QuestionKind::Multi | QuestionKind::Text => false,
        }
    }

    /// Whether answers are written freely and coded into themes by a
    /// worker (a codebook, quotes, safeguarding checks, erasure).
    pub fn is_coded(self) -> bool {
        match self {
            QuestionKind::Text => true,
            QuestionKind::Single | QuestionKind::Multi | QuestionKind::Scale => false,
        }
    }
}

/// How a free-text question's answers are coded into themes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodingMode {
    /// One theme per answer; shares sum to 100%.
    #[default]
    Single,
    /// Any number of themes per answer; "% who mentioned".
    Multi,
}

impl CodingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CodingMode::Single => "single",
            CodingMode::Multi => "multi",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [CodingMode::Single, CodingMode::Multi]
            .into_iter()
            .find(|m| m.as_str() == name)
    }
}

/// A theme of a free-text question's codebook.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    pub name: String,
    /// What belongs in the theme and what does not.
    pub description: String,
    /// Words and phrases that suggest the theme.
    pub keywords: Vec<String>,
    /// Its colour in the coding screen and charts (`#rrggbb`), or empty for
    /// the palette's colour by position.
    #[serde(default)]
    pub colour: String,
}

impl Theme {
    /// The theme's colour when it is at `position` in its codebook: its own
    /// if it has a valid one, else the palette's for that position. The one
    /// rule for the coding screen, the codebook editor, charts and exports.
    pub fn colour_at(&self, position: usize) -> String {
        if !self.colour.is_empty() && valid_colour(&self.colour) {
            self.colour.clone()
        } else {
            palette_colour(position).to_owned()
        }
    }
}

/// Colours that stay apart for colour-blind readers (Okabe and Ito), for
/// themes and options with no colour of their own, by position.
pub const PALETTE: [&str; 7] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#555555",
];

/// The palette's colour for position `i`.
pub fn palette_colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Whether `colour` is a `#rrggbb` colour (or empty: none chosen).
pub fn valid_colour(colour: &str) -> bool {
    colour.is_empty()
        || (colour.len() == 7
            && colour.starts_with('#')
            && colour[1..].chars().all(|c| c.is_ascii_hexdigit()))
}

/// A scale question's options, each with its picture (an emoji): as many
/// pictures as options, which only [`Scale::new`] can make sure of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ScaleParts", into = "ScaleParts")]
pub struct Scale {
    options: Vec<String>,
    emoji: Vec<String>,
}

#[derive(Clone, Serialize, Deserialize)]
struct ScaleParts {
    options: Vec<String>,
    emoji: Vec<String>,
}

impl TryFrom<ScaleParts> for Scale {
    type Error = String;
    fn try_from(parts: ScaleParts) -> Result<Scale, String> {
        Scale::new(parts.options, parts.emoji)
    }
}

impl From<Scale> for ScaleParts {
    fn from(scale: Scale) -> ScaleParts {
        ScaleParts {
            options: scale.options,
            emoji: scale.emoji,
        }
    }
}

impl Scale {
    /// A scale of `options` shown with `emoji`, one picture each.
    pub fn new(options: Vec<String>, emoji: Vec<String>) -> Result<Scale, String> {
        if options.len() != emoji.len() {
            return Err(format!(
                "{} pictures for {} options; give one for each",
                emoji.len(),
                options.len()
            ));
        }
        Ok(Scale { options, emoji })
    }

    pub fn options(&self) -> &[String] {
        &self.options
    }

    pub fn emoji(&self) -> &[String] {
        &self.emoji
    }

    /// The same scale with each option called `labels[i]` (as many as it
    /// has; extra labels are ignored, missing ones keep their own).
    fn relabel(&mut self, labels: Vec<String>) {
        for (option, label) in self.options.iter_mut().zip(labels) {
            *option = label;
        }
    }
}

/// How a free-text question's answers are coded: one theme or any number,
/// and the themes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Codebook {
    pub coding: CodingMode,
    pub themes: Vec<Theme>,
}

/// What a question asks for, with what that kind of question needs: a
/// choice question has options, a scale its pictures, free text its
/// codebook. Nothing else can be stored, so a free-text question with
/// options, or a choice question with themes, cannot exist.
/// [`QuestionKind`] is its name alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// Pick at most one option.
    Single { options: Vec<String> },
    /// Pick any number of options.
    Multi { options: Vec<String> },
    /// Pick one picture on a scale.
    Scale(Scale),
    /// Free text, later coded into themes by a worker.
    Text(Codebook),
}

impl Default for Kind {
    fn default() -> Kind {
        Kind::Text(Codebook::default())
    }
}

impl Kind {
    /// Which kind this is, without its data.
    pub fn name(&self) -> QuestionKind {
        match self {
            Kind::Single { .. } => QuestionKind::Single,
            Kind::Multi { .. } => QuestionKind::Multi,
            Kind::Scale(_) => QuestionKind::Scale,
            Kind::Text(_) => QuestionKind::Text,
        }
    }

    pub fn as_str(&self) -> &'static str {
        self.name().as_str()
    }

    pub fn has_options(&self) -> bool {
        self.name().has_options()
    }

    pub fn takes_several(&self) -> bool {
        self.name().takes_several()
    }

    pub fn has_pictures(&self) -> bool {
        self.name().has_pictures()
    }

    pub fn is_coded(&self) -> bool {
        self.name().is_coded()
    }
}

/// One question, shown on a screen of its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable identifier used in files, exports and the API (`key_stage`).
    pub key: String,
    /// The question as the young person reads it.
    pub text: String,
    /// An attribute of the young person (e.g. key stage) used for breakdowns.
    pub about_you: bool,
    pub kind: Kind,
}

impl Question {
    /// Gives the options new labels in their order (the survey shown in
    /// another language): the n-th label names the n-th option.
    pub(crate) fn set_option_labels(&mut self, labels: Vec<String>) {
        match &mut self.kind {
            Kind::Single { options } | Kind::Multi { options } => {
                for (option, label) in options.iter_mut().zip(labels) {
                    *option = label;
                }
            }
            Kind::Scale(scale) => scale.relabel(labels),
            Kind::Text(_) => {}
        }
    }

    /// The options of a choice or scale question, in display order (none
    /// for free text).
    pub fn options(&self) -> &[String] {
        match &self.kind {
            Kind::Single { options } | Kind::Multi { options } => options,
            Kind::Scale(scale) => scale.options(),
            Kind::Text(_) => &[],
        }
    }

    /// A scale question's pictures, one per option (none for other kinds).
    pub fn emoji(&self) -> &[String] {
        match &self.kind {
            Kind::Scale(scale) => scale.emoji(),
            Kind::Single { .. } | Kind::Multi { .. } | Kind::Text(_) => &[],
        }
    }

    /// A free-text question's themes (none for other kinds).
    pub fn themes(&self) -> &[Theme] {
        match &self.kind {
            Kind::Text(codebook) => &codebook.themes,
            Kind::Single { .. } | Kind::Multi { .. } | Kind::Scale(_) => &[],
        }
    }

    /// How a free-text question is coded (single for other kinds, which are
    /// never coded).
    pub fn coding(&self) -> CodingMode {
        match &self.kind {
            Kind::Text(codebook) => codebook.coding,
            Kind::Single { .. } | Kind::Multi { .. } | Kind::Scale(_) => CodingMode::Single,
        }
    }

    /// A free-text question's codebook, to change.
    pub fn codebook_mut(&mut self) -> Option<&mut Codebook> {
        match &mut self.kind {
            Kind::Text(codebook) => Some(codebook),
            Kind::Single { .. } | Kind::Multi { .. } | Kind::Scale(_) => None,
        }
    }

    /// The question as the survey editor edits it: every field there, used
    /// or not.
    pub fn to_draft(&self) -> QuestionDraft {
        QuestionDraft {
            key: self.key.clone(),
            kind: self.kind.name(),
            text: self.text.clone(),
            options: self.options().to_vec(),
            emoji: self.emoji().to_vec(),
            about_you: self.about_you,
            coding: self.coding(),
            themes: self.themes().to_vec(),
        }
    }
}

/// A question as the survey editor holds it while it is being written,
/// and as the editor sends it: a field for everything any kind might need.
/// It becomes a [`Question`] only through `survey_file::check`, which
/// refuses what the kind cannot have.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionDraft {
    pub key: String,
    pub kind: QuestionKind,
    pub text: String,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub emoji: Vec<String>,
    #[serde(default)]
    pub about_you: bool,
    #[serde(default)]
    pub coding: CodingMode,
    #[serde(default)]
    pub themes: Vec<Theme>,
}

/// A survey as the editor holds and sends it (see [`QuestionDraft`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyDraft {
    pub slug: String,
    pub title: String,
    pub questions: Vec<QuestionDraft>,
    /// Kept as they are through the editor (which does not edit them).
    #[serde(default)]
    pub languages: Languages,
}

impl Survey {
    /// The survey as the editor edits it.
    pub fn to_draft(&self) -> SurveyDraft {
        SurveyDraft {
            slug: self.slug.clone(),
            title: self.title.clone(),
            questions: self.questions.iter().map(Question::to_draft).collect(),
            languages: self.languages.clone(),
        }
    }
}

/// A survey: the same questions asked in one or more rounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    /// Short name used on the command line (`ap-voice`).
    pub slug: String,
    pub title: String,
    pub questions: Vec<Question>,
    /// The language it is written in and its translations.
    #[serde(default)]
    pub languages: Languages,
}

impl Survey {
    /// The survey as a young person's tablet may hold it: the questions and
    /// their options, without the codebooks (themes, keywords) that only
    /// workers use.
    pub fn for_young_people(mut self) -> Survey {
        for question in &mut self.questions {
            if let Kind::Text(codebook) = &mut question.kind {
                *codebook = Codebook::default();
            }
        }
        self
    }

    /// The question with this key, if the survey has one.
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key == key)
    }

    /// The survey every new Heard starts with: the questions of the 2024
    /// "voice of the child" exercise on permanent exclusions, plus key stage.
    pub fn demo() -> Survey {
        let text = |key: &str, text: &str| Question {
            key: key.to_owned(),
            text: text.to_owned(),
            ..Question::default()
        };
        Survey {
            slug: "ap-voice".to_owned(),
            title: "Your voice".to_owned(),
            languages: Default::default(),
            questions: vec![
                Question {
                    key: "key_stage".to_owned(),
                    text: "Which key stage are you in?".to_owned(),
                    about_you: true,
                    kind: Kind::Single {
                        options: ["EYFS", "KS1", "KS2", "KS3", "KS4", "KS5", "Post-19"]
                            .map(str::to_owned)
                            .to_vec(),
                    },
                },
                text(
                    "help_before",
                    "What did your previous school do to help and support you before you were permanently excluded?",
                ),
                text(
                    "prevent",
                    "How could your school have prevented your permanent exclusion?",
                ),
                text("change", "What needs to change?"),
            ],
        }
    }
}

/// The changes from `stored` to `updated` that would leave stored answers
/// without their question or option, one message each. `answered` gives,
/// for each question key, how many answers each value has.
pub fn orphaned_answers(
    stored: &Survey,
    updated: &Survey,
    answered: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for old in &stored.questions {
        let Some(values) = answered.get(&old.key).filter(|v| !v.is_empty()) else {
            continue;
        };
        let count: i64 = values.values().sum();
        let Some(new) = updated.question(&old.key) else {
            problems.push(format!(
                "question \"{}\" has {count} stored answers and is missing from the file",
                old.key
            ));
            continue;
        };
        if new.kind.name() != old.kind.name() {
            problems.push(format!(
                "question \"{}\" has {count} stored answers and cannot change from {} to {}",
                old.key,
                old.kind.as_str(),
                new.kind.as_str()
            ));
            continue;
        }
        if new.kind.has_options() {
            for (value, n) in values {
                if !new.options().contains(value) {
                    problems.push(format!(
                        "option \"{value}\" of question \"{}\" has {n} stored answers and is missing from the file",
                        old.key
                    ));
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_young_peoples_survey_has_no_codebook() {
        let mut demo = Survey::demo();
        let codebook = demo.questions[3].codebook_mut().unwrap();
        codebook.themes.push(Theme {
            name: "Help and support".to_owned(),
            keywords: vec!["mentor".to_owned()],
            ..Theme::default()
        });
        let theirs = demo.clone().for_young_people();
        assert!(theirs.questions.iter().all(|q| q.themes().is_empty()));
        let keys = |s: &Survey| {
            s.questions
                .iter()
                .map(|q| (q.key.clone(), q.options().to_vec()))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&theirs), keys(&demo), "the same questions and options");
    }

    fn answered(
        pairs: &[(&str, &str, i64)],
    ) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>> {
        let mut map: std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>> =
            Default::default();
        for (key, value, n) in pairs {
            map.entry(key.to_string())
                .or_default()
                .insert(value.to_string(), *n);
        }
        map
    }

    #[test]
    fn changes_that_keep_every_stored_answer_are_allowed() {
        let stored = Survey::demo();
        let mut updated = stored.clone();
        if let Kind::Single { options } = &mut updated.questions[0].kind {
            options.push("Year 14".into());
        }
        updated.questions[1].text = "A clearer question?".into();
        updated.questions.retain(|q| q.key != "prevent");
        let answers = answered(&[("key_stage", "KS4", 3), ("help_before", "nothing", 2)]);
        assert_eq!(
            orphaned_answers(&stored, &updated, &answers),
            Vec::<String>::new()
        );
    }

    #[test]
    fn removing_or_changing_what_answers_refer_to_is_refused() {
        let stored = Survey::demo();
        let mut updated = stored.clone();
        if let Kind::Single { options } = &mut updated.questions[0].kind {
            options.retain(|o| o != "KS4");
        }
        updated.questions[1].kind = Kind::Single {
            options: vec!["Nothing".into()],
        };
        updated.questions.retain(|q| q.key != "change");
        let answers = answered(&[
            ("key_stage", "KS4", 3),
            ("help_before", "nothing", 2),
            ("change", "listen", 1),
        ]);
        assert_eq!(
            orphaned_answers(&stored, &updated, &answers),
            [
                "option \"KS4\" of question \"key_stage\" has 3 stored answers and is missing from the file",
                "question \"help_before\" has 2 stored answers and cannot change from text to single",
                "question \"change\" has 1 stored answers and is missing from the file",
            ]
        );
    }

    #[test]
    fn question_kinds_round_trip_through_their_names() {
        for kind in QuestionKind::ALL {
            assert_eq!(QuestionKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(QuestionKind::parse("essay"), None);
    }

    #[test]
    fn every_kind_is_listed_once() {
        // `ALL` is the one list of kinds (names, the editor's choices).
        let mut listed: Vec<&str> = QuestionKind::ALL.iter().map(|k| k.as_str()).collect();
        listed.sort();
        listed.dedup();
        assert_eq!(listed.len(), QuestionKind::ALL.len());
        for kind in QuestionKind::ALL {
            // Exactly one of: options picked, or words coded.
            assert_ne!(kind.has_options(), kind.is_coded(), "{kind:?}");
        }
    }

    #[test]
    fn the_demo_survey_asks_the_seed_reports_questions_and_key_stage() {
        let demo = Survey::demo();
        let keys: Vec<_> = demo.questions.iter().map(|q| q.key.as_str()).collect();
        assert_eq!(keys, ["key_stage", "help_before", "prevent", "change"]);
        let key_stage = demo.question("key_stage").expect("key stage question");
        assert!(key_stage.about_you);
        assert_eq!(key_stage.options().len(), 7);
    }
}
