//! Horizontal bar charts as inline SVG: no script, prints crisply, and
//! readable without sight: the SVG has a role, title and description, and
//! the same numbers follow as a table.

use crate::domain::report::{Block, format_tenths};
use leptos::prelude::*;

const LABEL_WIDTH: f64 = 220.0;
const BAR_WIDTH: f64 = 300.0;
const ROW_HEIGHT: f64 = 32.0;

/// A question's distribution as bars (one per category, length by share)
/// followed by the numbers as a table.
#[component]
pub fn BarChart(
    title: String,
    block: Block,
    /// Colour by category (labels sit beside the bars in the text colour,
    /// so no colour carries meaning alone).
    colours: std::collections::BTreeMap<String, String>,
) -> impl IntoView {
    let id = format!(
        "chart-{}",
        title
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
    );
    let height = ROW_HEIGHT * block.lines.len() as f64 + 8.0;
    let width = LABEL_WIDTH + BAR_WIDTH + 120.0;
    let described: Vec<String> = block
        .lines
        .iter()
        .map(|line| match block.percent(line) {
            Some(p) => format!(
                "{}: {} ({}%)",
                line.category,
                line.count.show(),
                format_tenths(p)
            ),
            None => format!("{}: {}", line.category, line.count.show()),
        })
        .collect();
    let bars = block.lines.iter().enumerate().map(|(i, line)| {
        let y = 4.0 + ROW_HEIGHT * i as f64;
        let percent = block.percent(line);
        let length = percent.map_or(0.0, |p| BAR_WIDTH * p as f64 / 1000.0);
        let figure = match percent {
            Some(p) => format!("{} ({}%)", line.count.show(), format_tenths(p)),
            None => line.count.show(),
        };
        view! {
            <g>
                <text x=LABEL_WIDTH - 8.0 y=y + 20.0 text-anchor="end" class="chart-label">{line.category.clone()}</text>
                <rect x=LABEL_WIDTH y=y + 4.0 width=length height=ROW_HEIGHT - 10.0 fill=colours.get(&line.category).cloned().unwrap_or_else(|| crate::domain::survey::palette_colour(i).to_owned())></rect>
                <text x=LABEL_WIDTH + length + 6.0 y=y + 20.0 class="chart-figure">{figure}</text>
            </g>
        }
    }).collect_view();
    view! {
        <figure class="chart">
            <svg
                role="img"
                aria-labelledby=format!("{id}-title {id}-desc")
                viewBox=format!("0 0 {width} {height}")
                width="100%"
                preserveAspectRatio="xMinYMin meet"
            >
                <title id=format!("{id}-title")>{title.clone()}</title>
                <desc id=format!("{id}-desc")>{described.join("; ")}</desc>
                {bars}
            </svg>
            <table class="table chart-table">
                <caption class="visually-hidden">{format!("{title}: the numbers")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Answer"</th>
                        <th scope="col" class="numeric">"Young people"</th>
                        <th scope="col" class="numeric">"Per cent"</th>
                    </tr>
                </thead>
                <tbody>
                    {block.lines.iter().map(|line| view! {
                        <tr>
                            <th scope="row">{line.category.clone()}</th>
                            <td class="numeric">{line.count.show()}</td>
                            <td class="numeric">{block.percent(line).map_or("c".to_owned(), format_tenths)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </figure>
    }
}
