//! Disclosure control for viewers: small cells hidden, and enough others
//! hidden that no hidden one can be worked out from the totals.

use super::{Block, Counting, Figure, Line, count_of};

/// Disclosure control for a breakdown by attribute, in place.
///
/// Primary: every count below `min_cell`, including a group's number who
/// answered, is hidden. Secondary: a hidden cell must not be recoverable by
/// subtraction, so wherever a published total has exactly one hidden part,
/// the smallest other part is hidden too, until no total has exactly one.
/// The totals a viewer can see are each column's overall count (in the
/// question's overall breakdown) and, when each answer has one category,
/// each group's number who answered.
pub(super) fn suppress(blocks: &mut [Block], overall: &Block, counting: Counting, min_cell: i64) {
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
    let mut hidden: Vec<Vec<bool>> = values
        .iter()
        .map(|row| row.iter().map(|&v| v < min_cell).collect())
        .collect();
    // A group too small to publish hides every figure in it.
    for row in hidden.iter_mut() {
        if row[0] {
            row.iter_mut().for_each(|h| *h = true);
        }
    }
    // Each published total, as the cells (row, column) that sum to it.
    let mut totals: Vec<Vec<(usize, usize)>> = (0..width)
        .map(|c| (0..blocks.len()).map(|r| (r, c)).collect())
        .collect();
    if counting == Counting::OneEach {
        totals.extend((0..blocks.len()).map(|r| (0..width).map(|c| (r, c)).collect()));
    }
    loop {
        let mut changed = false;
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
                .filter(|&&(r, c)| !hidden[r][c] && (hidden_here == 1 || values[r][c] > 0))
                .min_by_key(|&&(r, c)| (values[r][c], r, c));
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
