//! A written summary a worker can start from: for each question, plain
//! sentences made from the figures on the page and nothing else (the
//! largest answers with how sure they are, what is not coded yet, and the
//! changes since the first round compared, clear or not). The worker edits
//! them before publishing; viewers read what the worker published.

use super::{Comparison, NOT_YET_CODED, QuestionReport, format_tenths};

/// Each change in share from the first round compared to the last, said
/// plainly and as sure as the figures allow: a clear change (its 95%
/// interval leaves out zero) as a change, any other as one that could be
/// chance.
pub fn changes_said(comparison: &Comparison) -> Vec<String> {
    let (Some(first), Some(last)) = (comparison.rounds.first(), comparison.rounds.last()) else {
        return Vec::new();
    };
    comparison
        .lines
        .iter()
        .filter_map(|line| {
            let pp = line.pp_change.filter(|pp| *pp != 0)?;
            let (larger, points) = if pp > 0 { ("a larger", pp) } else { ("a smaller", -pp) };
            let points = format!("{} percentage points", format_tenths(points));
            if comparison.whole_population {
                return Some(format!(
                    "{}: {larger} share of young people in {last} than in {first} ({points}).",
                    line.category
                ));
            }
            Some(match line.clear? {
                true => format!(
                    "{}: {larger} share of young people in {last} than in {first} ({points}), a clear change.",
                    line.category
                ),
                false => format!(
                    "{}: {larger} share of young people in {last} than in {first} ({points}), but this could be chance: we cannot be sure it is a real change.",
                    line.category
                ),
            })
        })
        .collect()
}

/// Sentences to start from for one question (none for a question withheld
/// or broken down): its two largest categories with their shares and
/// intervals, how many answers wait to be coded, and its changes since the
/// first round compared.
pub fn suggested(report: &QuestionReport, comparison: Option<&Comparison>) -> String {
    let mut said = Vec::new();
    let Some(block) = report
        .blocks
        .first()
        .filter(|_| report.withheld.is_none() && report.by.is_none())
    else {
        return String::new();
    };
    let Some(answered) = block.answered.exact().filter(|n| *n > 0) else {
        return String::new();
    };
    let mut ranked: Vec<(&super::Line, i64)> = block
        .lines
        .iter()
        .filter(|line| line.category != NOT_YET_CODED)
        .filter_map(|line| Some((line, line.count.exact().filter(|n| *n > 0)?)))
        .collect();
    // Largest first; equal counts in the page's order.
    ranked.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    for (place, (line, n)) in ranked.iter().take(2).enumerate() {
        let share = block.percent(line).map(format_tenths).unwrap_or_default();
        let sure = report
            .interval(block, line)
            .map(|(low, high)| {
                format!(
                    "; it could well be anywhere from {}% to {}%",
                    format_tenths(low),
                    format_tenths(high)
                )
            })
            .unwrap_or_default();
        let lead = match (place, report.coded) {
            (0, true) => "Mentioned most",
            (0, false) => "Chosen most",
            _ => "Then",
        };
        said.push(format!(
            "{lead}: \"{}\", by {n} of the {answered} young people who answered ({share}%{sure}).",
            line.category
        ));
    }
    if let Some(waiting) = block
        .lines
        .iter()
        .find(|line| line.category == NOT_YET_CODED)
        .and_then(|line| line.count.exact())
        .filter(|n| *n > 0)
    {
        said.push(format!("{waiting} of the answers are not coded yet."));
    }
    if let Some(comparison) = comparison {
        said.extend(changes_said(comparison));
    }
    said.join(" ")
}
