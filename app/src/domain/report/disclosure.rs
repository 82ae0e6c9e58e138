//! Disclosure control for viewers: small cells hidden, and enough others
//! hidden that no hidden one can be worked out from what else is shown.
//!
//! The rules are stated in the README ("Disclosure control"), numbered as
//! there, for an analyst to check; the attack suite
//! (`tests/api/attacks.rs`) tries to break them with a feasibility solver.

use super::{Block, Counting, Disclosure, Figure, LastPublished, Line, QuestionReport, count_of};

/// Whether a figure must be hidden because of the last publication: it
/// was hidden then (rule 5), or shown then and changed since by fewer than
/// `min_cell` (rule 6: else the two side by side show what a few young
/// people who arrived, or were coded, in between said).
fn hidden_since(
    last: Option<&QuestionReport>,
    group: Option<&str>,
    category: Option<&str>,
    now: i64,
    min_cell: i64,
) -> bool {
    let Some(then) = last.and_then(|l| figure_in(l, group, category)) else {
        return false;
    };
    match then {
        Figure::Suppressed => true,
        Figure::Exact(then) => (1..min_cell).contains(&(now - then).abs()),
    }
}

/// Which lines of a question's overall figures viewers may not see (rules
/// 5 to 7): `counts` are the lines' counts; `forced` those hidden because
/// of the last publication.
fn hidden_overall(
    counts: &[i64],
    counting: Counting,
    disclosure: Disclosure,
    forced: &[bool],
) -> Vec<bool> {
    let small = |c: i64| disclosure.hide_small_overall && c > 0 && c < disclosure.min_cell;
    let mut hidden: Vec<bool> = counts
        .iter()
        .zip(forced)
        .map(|(&c, &f)| small(c) || f)
        .collect();
    // The lines add up to the number who answered, which is shown: a hidden
    // line alone would be that number minus the others, and hidden lines
    // that are all zero would be the visible ones' difference: one more.
    if counting == Counting::OneEach {
        let hidden_count = hidden.iter().filter(|&&h| h).count();
        let hidden_sum: i64 = (0..counts.len())
            .filter(|&i| hidden[i])
            .map(|i| counts[i])
            .sum();
        if hidden_count == 1 || (hidden_count > 1 && hidden_sum == 0) {
            let smallest = (0..counts.len())
                .filter(|&i| !hidden[i] && counts[i] > 0)
                .min_by_key(|&i| (counts[i], i));
            if let Some(i) = smallest {
                hidden[i] = true;
            }
        }
    }
    hidden
}

/// Applies rules 5 to 7 to a question's overall block, in place, for
/// viewers; `last` is the overall view's report in the last publication.
pub(super) fn suppress_overall(
    block: &mut Block,
    counting: Counting,
    disclosure: Disclosure,
    last: LastPublished,
) {
    let counts: Vec<i64> = block
        .lines
        .iter()
        .map(|l| l.count.exact().unwrap_or_default())
        .collect();
    let forced: Vec<bool> = block
        .lines
        .iter()
        .zip(&counts)
        .map(|(l, &c)| {
            hidden_since(
                last.overall,
                None,
                Some(&l.category),
                c,
                disclosure.min_cell,
            )
        })
        .collect();
    let hidden = hidden_overall(&counts, counting, disclosure, &forced);
    for (line, hidden) in block.lines.iter_mut().zip(hidden) {
        if hidden {
            line.count = Figure::Suppressed;
        }
    }
}

/// The figure `earlier` showed for a line of `category` (or the number who
/// answered, for `None`) in the block of `group`, if it had one.
fn figure_in(
    earlier: &QuestionReport,
    group: Option<&str>,
    category: Option<&str>,
) -> Option<Figure> {
    let block = earlier
        .blocks
        .iter()
        .find(|b| b.group.as_deref() == group)?;
    match category {
        None => Some(block.answered),
        Some(category) => block
            .lines
            .iter()
            .find(|l| l.category == category)
            .map(|l| l.count),
    }
}

/// Disclosure control for a breakdown by attribute, in place (rules 2 to
/// 6). `overall` is the question's overall block, exact except for the
/// lines viewers do not see; `earlier` the same report as last published.
pub(super) fn suppress(blocks: &mut [Block], overall: &Block, min_cell: i64, last: LastPublished) {
    let (earlier, earlier_overall) = (last.view, last.overall);
    // The grid: one row per group; column 0 is "answered", then the lines.
    let width = overall.lines.len() + 1;
    let mut values: Vec<Vec<i64>> = blocks
        .iter()
        .map(|b| {
            std::iter::once(b.answered.exact().unwrap_or_default())
                .chain(overall.lines.iter().map(|l| count_of(b, &l.category)))
                .collect()
        })
        .collect();
    let category =
        |column: usize| (column > 0).then(|| overall.lines[column - 1].category.as_str());
    // Rule 3: a column whose overall count is a shown zero.
    let known_zero =
        |column: usize| column > 0 && overall.lines[column - 1].count == Figure::Exact(0);
    let mut hidden: Vec<Vec<bool>> = values
        .iter()
        .zip(blocks.iter())
        .map(|(row, block)| {
            row.iter()
                .enumerate()
                .map(|(column, &v)| {
                    // A group's number who answered is a base, like the
                    // group's size that the about-you question publishes:
                    // hidden when small, never for a change.
                    v < min_cell
                        || (column > 0
                            && hidden_since(
                                earlier,
                                block.group.as_deref(),
                                category(column),
                                v,
                                min_cell,
                            ))
                })
                .collect()
        })
        .collect();
    // A group too small to publish hides every figure in it.
    for row in hidden.iter_mut() {
        if row[0] {
            row.iter_mut().for_each(|h| *h = true);
        }
    }
    for row in hidden.iter_mut() {
        for (column, h) in row.iter_mut().enumerate() {
            if known_zero(column) {
                *h = false;
            }
        }
    }
    // Each published total, as the cells (row, column) that sum to it: a
    // line's overall count, over the groups.
    let mut totals: Vec<Vec<(usize, usize)>> = (1..width)
        .map(|c| (0..blocks.len()).map(|r| (r, c)).collect())
        .collect();
    // A group's lines add up to its number who answered (when each answer
    // has one category), and each of its young people is in at least one
    // line (when answers have several): either way, with that number
    // treated as known (it is the group's size whenever nobody skipped,
    // and the group's size is public), a lone hidden line, or hidden lines
    // all zero, would be given away by the rest.
    totals.extend((0..blocks.len()).map(|r| (1..width).map(|c| (r, c)).collect()));
    // A column whose overall line viewers do not see must not be shown in
    // full either: its cells would add up to that line.
    let unseen_total =
        |column: usize| column > 0 && overall.lines[column - 1].count == Figure::Suppressed;
    // A column whose overall count was shown last time and is shown
    // unchanged now: every cell in it changed by nothing, so hiding one
    // hides nothing about what changed. Such cells are the last choice.
    let unchanged = |column: usize| {
        column > 0
            && earlier.is_some()
            && overall.lines[column - 1]
                .count
                .exact()
                .zip(
                    earlier_overall
                        .and_then(|e| figure_in(e, None, category(column)).and_then(Figure::exact)),
                )
                .is_some_and(|(now, then)| now == then)
    };
    loop {
        let mut changed = false;
        for column in (1..width).filter(|&c| unseen_total(c)) {
            if (0..blocks.len()).all(|r| !hidden[r][column]) {
                let smallest = (0..blocks.len())
                    .filter(|&r| values[r][column] > 0)
                    .min_by_key(|&r| (values[r][column], r));
                if let Some(r) = smallest {
                    hidden[r][column] = true;
                    changed = true;
                }
            }
        }
        for cells in &totals {
            let hidden_here = cells.iter().filter(|&&(r, c)| hidden[r][c]).count();
            // Hidden cells that are all zero are given away too: the visible
            // ones already add up to the total.
            let all_zero = hidden_here > 1
                && cells
                    .iter()
                    .all(|&(r, c)| !hidden[r][c] || values[r][c] == 0);
            if hidden_here != 1 && !all_zero {
                continue;
            }
            let smallest = cells
                .iter()
                .filter(|&&(r, c)| {
                    !hidden[r][c] && !known_zero(c) && (hidden_here == 1 || values[r][c] > 0)
                })
                .min_by_key(|&&(r, c)| (unchanged(c), values[r][c], r, c));
            if let Some(&(r, c)) = smallest {
                hidden[r][c] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for ((block, row), hidden_row) in blocks.iter_mut().zip(values.iter_mut()).zip(&hidden) {
        if hidden_row[0] {
            block.answered = Figure::Suppressed;
        }
        block.skipped = None;
        for line in block.lines.iter_mut() {
            let column = overall
                .lines
                .iter()
                .position(|l| l.category == line.category)
                .map_or(0, |p| p + 1);
            if column == 0 || hidden_row[column] {
                line.count = Figure::Suppressed;
            }
        }
        // Lines the overall breakdown has but this group lacks (a "not yet
        // coded" line present elsewhere) are added so every block lines up.
        for (column, overall_line) in overall.lines.iter().enumerate() {
            if !block
                .lines
                .iter()
                .any(|l| l.category == overall_line.category)
            {
                block.lines.push(Line {
                    category: overall_line.category.clone(),
                    count: if hidden_row[column + 1] {
                        Figure::Suppressed
                    } else {
                        Figure::Exact(row[column + 1])
                    },
                });
            }
        }
        block.lines.sort_by_key(|l| {
            overall
                .lines
                .iter()
                .position(|o| o.category == l.category)
                .unwrap_or(usize::MAX)
        });
    }
}
