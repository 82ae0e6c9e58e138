//! Heard's own words on the young person's screens (Start, Next, the
//! promises on the welcome screen, thank you, ...), in the language the
//! young person chose, from the Fluent files in `app/locales/`: English,
//! Welsh, Polish, Romanian, Urdu, Arabic and Ukrainian. A language Heard
//! does not ship, or a message a file lacks, falls back to English.
//!
//! The words are put together on the server, once per page, into plain
//! text the screens (and the tablet client's templates) show as they are;
//! sentences with a number that changes on the tablet ("You answered 2 of
//! 3 questions") come already made for every number, because languages
//! change more than the number (Polish, Ukrainian and Romanian plurals).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The languages whose words Heard ships, as their tags.
pub const SHIPPED: [&str; 7] = ["en", "cy", "pl", "ro", "ur", "ar", "uk"];

/// The words of one page, in one language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Words {
    /// By message id (see `app/locales/en.ftl`).
    messages: BTreeMap<String, String>,
    /// "Question n of m", for n from 1.
    question_of: Vec<String>,
    /// "You answered n of m questions.", for n from 0.
    answered: Vec<String>,
}

impl Words {
    /// The message `id`; the id itself if it has none (a test makes sure
    /// every file has every message).
    pub fn get<'a>(&'a self, id: &'a str) -> &'a str {
        self.messages.get(id).map_or(id, String::as_str)
    }

    /// "Question `number` of" the survey's number of questions.
    pub fn question_of(&self, number: usize) -> &str {
        number
            .checked_sub(1)
            .and_then(|i| self.question_of.get(i))
            .map_or("", String::as_str)
    }

    /// "You answered `answered` of" the survey's number of questions.
    pub fn answered(&self, answered: usize) -> &str {
        self.answered.get(answered).map_or("", String::as_str)
    }

    /// [`Words::answered`] for every number, for the tablet client.
    pub fn every_answered(&self) -> &[String] {
        &self.answered
    }
}

#[cfg(feature = "ssr")]
mod fluent {
    use super::{SHIPPED, Words};
    use crate::domain::languages::Language;
    use fluent_bundle::concurrent::FluentBundle;
    use fluent_bundle::{FluentArgs, FluentResource};
    use std::collections::HashMap;
    use std::sync::OnceLock;

    const FILES: [(&str, &str); 7] = [
        ("en", include_str!("../../locales/en.ftl")),
        ("cy", include_str!("../../locales/cy.ftl")),
        ("pl", include_str!("../../locales/pl.ftl")),
        ("ro", include_str!("../../locales/ro.ftl")),
        ("ur", include_str!("../../locales/ur.ftl")),
        ("ar", include_str!("../../locales/ar.ftl")),
        ("uk", include_str!("../../locales/uk.ftl")),
    ];

    type Bundle = FluentBundle<FluentResource>;

    /// The messages with a number in them, made for every number.
    const NUMBERED: [&str; 2] = ["question-of", "answered"];

    /// Every shipped language's messages, read once; a file that does not
    /// parse is a build defect, caught by the tests below.
    fn bundles() -> &'static HashMap<&'static str, Bundle> {
        static BUNDLES: OnceLock<HashMap<&'static str, Bundle>> = OnceLock::new();
        BUNDLES.get_or_init(|| {
            debug_assert_eq!(FILES.map(|(tag, _)| tag), SHIPPED);
            FILES
                .iter()
                .map(|(tag, text)| (*tag, bundle(tag, text).expect("a shipped .ftl file parses")))
                .collect()
        })
    }

    pub(super) fn bundle(tag: &str, text: &str) -> Result<Bundle, String> {
        let resource = FluentResource::try_new(text.to_owned())
            .map_err(|(_, errors)| format!("{tag}.ftl: {errors:?}"))?;
        let id: unic_langid::LanguageIdentifier = tag.parse().map_err(|e| format!("{tag}: {e}"))?;
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // No invisible isolation marks around numbers and names: the text
        // is read aloud and compared as it is.
        bundle.set_use_isolating(false);
        bundle
            .add_resource(resource)
            .map_err(|errors| format!("{tag}.ftl: {errors:?}"))?;
        Ok(bundle)
    }

    /// The ids of the English file: every message there is.
    pub(super) fn message_ids(text: &str) -> Vec<String> {
        use fluent_bundle::FluentResource;
        let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(r, _)| r);
        resource
            .entries()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    /// The message `id`, or `None` if the bundle lacks it or it did not
    /// format cleanly (a missing argument, say).
    fn format(bundle: &Bundle, id: &str, args: Option<&FluentArgs>) -> Option<String> {
        let pattern = bundle.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }

    impl Words {
        /// The words of a page in `language` for a survey of `questions`
        /// questions.
        pub fn for_page(language: &Language, questions: usize) -> Words {
            let bundles = bundles();
            let english = &bundles["en"];
            let own = bundles.get(language.primary()).unwrap_or(english);
            let say = |id: &str, args: Option<&FluentArgs>| {
                format(own, id, args)
                    .or_else(|| format(english, id, args))
                    .unwrap_or_else(|| id.to_owned())
            };
            let mut words = Words::default();
            for id in message_ids(FILES[0].1) {
                // Made for every number below.
                if NUMBERED.contains(&id.as_str()) {
                    continue;
                }
                let mut args = FluentArgs::new();
                args.set("language", language.own_name().to_owned());
                let text = say(&id, Some(&args));
                words.messages.insert(id, text);
            }
            for number in 1..=questions {
                let mut args = FluentArgs::new();
                args.set("number", number);
                args.set("total", questions);
                words.question_of.push(say("question-of", Some(&args)));
            }
            for answered in 0..=questions {
                let mut args = FluentArgs::new();
                args.set("answered", answered);
                args.set("total", questions);
                words.answered.push(say("answered", Some(&args)));
            }
            words
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_shipped_file_parses_and_has_exactly_the_english_messages() {
            let english = message_ids(FILES[0].1);
            assert!(english.len() > 30, "{english:?}");
            for (tag, text) in FILES {
                bundle(tag, text).unwrap();
                let mut ids = message_ids(text);
                let mut expected = english.clone();
                ids.sort();
                expected.sort();
                assert_eq!(ids, expected, "{tag}.ftl");
                let words = Words::for_page(&Language::parse(tag).unwrap(), 3);
                for id in english.iter().filter(|id| !NUMBERED.contains(&id.as_str())) {
                    assert!(
                        !words.get(id).is_empty() && words.get(id) != id,
                        "{tag}: {id}"
                    );
                }
                // Each number's sentence made without a formatting error
                // (which would have left the message's id).
                assert!(
                    words.question_of(2).contains('2'),
                    "{tag}: {}",
                    words.question_of(2)
                );
                assert!(
                    words.answered(2).contains('2'),
                    "{tag}: {}",
                    words.answered(2)
                );
            }
        }

        #[test]
        fn numbers_take_each_languages_own_forms() {
            let page =
                |tag: &str, questions| Words::for_page(&Language::parse(tag).unwrap(), questions);
            assert_eq!(page("en", 3).answered(2), "You answered 2 of 3 questions.");
            assert_eq!(page("en", 1).answered(1), "You answered 1 of 1 question.");
            assert_eq!(page("en", 4).question_of(2), "Question 2 of 4");
            assert_eq!(
                page("cy", 3).answered(2),
                "Rwyt ti wedi ateb 2 o 3 cwestiwn."
            );
            assert_eq!(
                page("pl", 5).answered(1),
                "Udzielono odpowiedzi na 1 z 5 pytań."
            );
            assert_eq!(
                page("ro", 20).answered(3),
                "Ai răspuns la 3 din 20 de întrebări."
            );
            assert_eq!(
                page("ro", 3).answered(3),
                "Ai răspuns la 3 din 3 întrebări."
            );
            assert_eq!(page("cy", 2).get("start"), "Dechrau");
            assert_eq!(page("ur", 2).get("start"), "شروع کریں");
            assert_eq!(
                page("cy", 2).get("no-voice"),
                "Does dim llais Cymraeg ar y dabled hon, felly dydy hi ddim yn gallu darllen hwn yn uchel."
            );
            // A language Heard does not ship: English words.
            assert_eq!(page("so", 2).get("next"), "Next");
            assert_eq!(page("so", 2).answered(0), "You answered 0 of 2 questions.");
        }
    }
}
