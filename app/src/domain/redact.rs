//! Proposed redactions for quotes: likely names, schools and places become
//! `[name]`, `[school]` and `[place]`. Only a proposal: the worker edits
//! the copy and approves it, and only approved copies reach viewers.

use unicode_segmentation::UnicodeSegmentation;

/// Lists of local names to look for, one name per entry (any case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedactionLists {
    pub schools: Vec<String>,
    pub places: Vec<String>,
}

impl RedactionLists {
    /// Reads a list file: one name per line; blank lines and lines starting
    /// with `#` are skipped.
    pub fn parse_list(text: &str) -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    }
}

/// Titles that are followed by a surname.
const TITLES: [&str; 9] = [
    "mr", "mrs", "ms", "miss", "sir", "dr", "mx", "mister", "missus",
];

/// Capitalised words that are not names even in mid-sentence.
const NOT_NAMES: [&str; 40] = [
    "i",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "english",
    "maths",
    "science",
    "pe",
    "art",
    "music",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "christmas",
    "easter",
    "god",
    "mum",
    "dad",
    "nan",
    "year",
    "ks3",
    "ks4",
    "ks5",
];

/// A copy of `text` with likely identifying words replaced.
pub fn propose_redaction(text: &str, lists: &RedactionLists) -> String {
    let mut out = text.to_owned();
    // Listed schools and places first (longest first, so "St Mary's School"
    // goes before "St Mary's"), whole words, any case.
    let mut listed: Vec<(&str, &str)> = lists
        .schools
        .iter()
        .map(|s| (s.as_str(), "[school]"))
        .chain(lists.places.iter().map(|p| (p.as_str(), "[place]")))
        .collect();
    listed.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    for (name, marker) in listed {
        out = replace_whole_words(&out, name, marker);
    }
    replace_names(&out)
}

fn replace_whole_words(text: &str, name: &str, marker: &str) -> String {
    let (lower, wanted) = (text.to_lowercase(), name.to_lowercase());
    if wanted.is_empty() || lower.len() != text.len() {
        // Lowercasing changed byte lengths (rare scripts): match exactly.
        return text.replace(name, marker);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut from = 0;
    while let Some(found) = lower[from..].find(&wanted) {
        let start = from + found;
        let end = start + wanted.len();
        if !is_word(text[..start].chars().next_back()) && !is_word(text[end..].chars().next()) {
            out.push_str(&text[rest..start]);
            out.push_str(marker);
            rest = end;
        }
        from = end;
    }
    out.push_str(&text[rest..]);
    out
}

/// Replaces a title and the word after it ("Mr Smith"), and capitalised
/// words in mid-sentence that are not known non-names, with `[name]`.
fn replace_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut sentence_start = true;
    let mut after_title = false;
    for word in text.split_word_bounds() {
        let first = word.chars().next();
        let is_word = first.is_some_and(char::is_alphanumeric);
        if !is_word {
            if word.contains(['.', '!', '?', '\n']) {
                sentence_start = true;
            }
            out.push_str(word);
            continue;
        }
        let lower = word.to_lowercase();
        let capitalised = first.is_some_and(char::is_uppercase);
        let all_caps = word.chars().all(|c| !c.is_lowercase());
        if after_title && capitalised {
            out.push_str("[name]");
            after_title = false;
            sentence_start = false;
            continue;
        }
        after_title = false;
        if TITLES.contains(&lower.as_str()) && capitalised {
            after_title = true;
            out.push_str(word);
            sentence_start = false;
            continue;
        }
        let likely_name = capitalised
            && !sentence_start
            && !all_caps
            && !NOT_NAMES.contains(&lower.as_str())
            && !word.starts_with('[');
        out.push_str(if likely_name { "[name]" } else { word });
        sentence_start = false;
    }
    // "Mr [name]" reads better as "[name]".
    TITLES.iter().fold(out, |acc, title| {
        let mut capital = title.to_string();
        capital[..1].make_ascii_uppercase();
        acc.replace(&format!("{capital} [name]"), "[name]")
            .replace(&format!("{capital}. [name]"), "[name]")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_schools_and_places_are_proposed_for_redaction() {
        let lists = RedactionLists {
            schools: vec!["Oakfield Academy".into(), "Oakfield".into()],
            places: vec!["Boscombe".into()],
        };
        assert_eq!(
            propose_redaction(
                "Mr Jones at oakfield academy never listened. I told Sarah in Boscombe.",
                &lists
            ),
            "[name] at [school] never listened. I told [name] in [place]."
        );
    }

    #[test]
    fn ordinary_capitals_are_left_alone() {
        let lists = RedactionLists::default();
        assert_eq!(
            propose_redaction(
                "Nothing. They put me in ISO in KS4 and I hated English.",
                &lists
            ),
            "Nothing. They put me in ISO in KS4 and I hated English."
        );
        // A listed name inside a longer word is not touched.
        let lists = RedactionLists {
            places: vec!["Poole".into()],
            ..RedactionLists::default()
        };
        assert_eq!(
            propose_redaction("whirlpoole poole", &lists),
            "whirlpoole [place]"
        );
    }

    #[test]
    fn list_files_skip_blanks_and_comments() {
        assert_eq!(
            RedactionLists::parse_list("# schools\nOakfield\n\n  Hill Top  \n"),
            ["Oakfield", "Hill Top"]
        );
    }
}
