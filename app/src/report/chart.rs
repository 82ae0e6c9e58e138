//! Horizontal bar charts as inline SVG: no script, prints crisply, and
//! readable without sight: the SVG has a role, title and description, and
//! the same numbers follow as a table.

use crate::domain::report::{Block, TrendPoint, format_tenths};
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
    /// Counts of everyone (a census): exact, drawn without intervals.
    #[prop(optional)]
    exact: bool,
) -> impl IntoView {
    let interval = |line: &crate::domain::report::Line| {
        if exact { None } else { block.interval(line) }
    };
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
        // The share's 95% interval as a thin line across the bar's end.
        let whisker = interval(line).map(|(low, high)| {
            let x = |tenths: i64| LABEL_WIDTH + BAR_WIDTH * tenths as f64 / 1000.0;
            let middle = y + ROW_HEIGHT / 2.0 - 1.0;
            view! {
                <g class="chart-interval">
                    <line x1=x(low) x2=x(high) y1=middle y2=middle></line>
                    <line x1=x(low) x2=x(low) y1=middle - 5.0 y2=middle + 5.0></line>
                    <line x1=x(high) x2=x(high) y1=middle - 5.0 y2=middle + 5.0></line>
                </g>
            }
        });
        let figure = match percent {
            Some(p) => format!("{} ({}%)", line.count.show(), format_tenths(p)),
            None => line.count.show(),
        };
        view! {
            <g>
                <text x=LABEL_WIDTH - 8.0 y=y + 20.0 text-anchor="end" class="chart-label">{line.category.clone()}</text>
                <rect x=LABEL_WIDTH y=y + 4.0 width=length height=ROW_HEIGHT - 10.0 fill=colours.get(&line.category).cloned().unwrap_or_else(|| crate::domain::survey::palette_colour(i).to_owned())></rect>
                {whisker}
                <text x=LABEL_WIDTH + BAR_WIDTH + 6.0 y=y + 20.0 class="chart-figure">{figure}</text>
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
                        {(!exact).then(|| view! { <th scope="col" class="numeric">"Could well be (95%)"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {block.lines.iter().map(|line| view! {
                        <tr>
                            <th scope="row">{line.category.clone()}</th>
                            <td class="numeric">{line.count.show()}</td>
                            <td class="numeric">{block.percent(line).map_or("c".to_owned(), format_tenths)}</td>
                            {(!exact).then(|| view! { <td class="numeric">{range(block.interval(line))}</td> })}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {(!exact).then(|| how_sure(&block))}
        </figure>
    }
}

/// An interval as the tables print it: "19.7 to 57.0", or `c` where its
/// figures are hidden.
pub fn range(interval: Option<(i64, i64)>) -> String {
    interval.map_or("c".to_owned(), |(low, high)| {
        format!("{} to {}", format_tenths(low), format_tenths(high))
    })
}

/// One plain sentence on how sure the shares are, with the largest shown
/// share as its example ("With 22 answers, 36.4% could well be anywhere
/// from 19.7% to 57.0%").
pub fn how_sure(block: &Block) -> Option<impl IntoView + use<>> {
    let answered = block.answered.exact()?;
    let (line, percent) = block
        .lines
        .iter()
        .filter_map(|line| Some((line, block.percent(line)?)))
        .max_by_key(|(line, _)| line.count.exact())?;
    let (low, high) = block.interval(line)?;
    let said = format!(
        "How sure: with {answered} answers, {}% could well be anywhere from {}% to {}%. Each share has a range like this (the thin lines): the fewer young people answered, the wider it is.",
        format_tenths(percent),
        format_tenths(low),
        format_tenths(high)
    );
    Some(view! { <p class="hint how-sure">{said}</p> })
}

const TREND_WIDTH: f64 = 360.0;
const TREND_HEIGHT: f64 = 150.0;
const TREND_LEFT: f64 = 44.0;
const TREND_BOTTOM: f64 = 28.0;

/// One category's share across three or more rounds as a small line chart,
/// each round's share a point with its 95% interval as a vertical line.
/// The numbers are in the comparison table beside it and in the chart's
/// description.
#[component]
pub fn TrendChart(
    category: String,
    rounds: Vec<String>,
    /// Each round's share and interval, in tenths of a percent.
    points: Vec<TrendPoint>,
    colour: String,
) -> impl IntoView {
    let id = format!(
        "trend-{}",
        category
            .bytes()
            .chain(rounds.iter().flat_map(|r| r.bytes()))
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
    );
    let plot = TREND_HEIGHT - TREND_BOTTOM - 8.0;
    let step = (TREND_WIDTH - TREND_LEFT - 20.0) / (rounds.len().max(2) - 1) as f64;
    let x = move |i: usize| TREND_LEFT + step * i as f64;
    let y = move |tenths: i64| 8.0 + plot * (1.0 - tenths as f64 / 1000.0);
    let described: Vec<String> = rounds
        .iter()
        .zip(&points)
        .map(|(round, point)| match (point.share, point.interval) {
            (Some(share), Some((low, high))) => format!(
                "{round}: {}% (could well be {} to {})",
                format_tenths(share),
                format_tenths(low),
                format_tenths(high)
            ),
            _ => format!("{round}: not shown"),
        })
        .collect();
    let line: Vec<String> = points
        .iter()
        .enumerate()
        .filter_map(|(i, point)| point.share.map(|s| format!("{:.1},{:.1}", x(i), y(s))))
        .collect();
    let marks = points
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let whisker = point.interval.map(|(low, high)| {
                view! { <line class="trend-interval" x1=x(i) x2=x(i) y1=y(low) y2=y(high)></line> }
            });
            let dot = point
                .share
                .map(|s| view! { <circle cx=x(i) cy=y(s) r="4" fill=colour.clone()></circle> });
            view! { <g>{whisker}{dot}</g> }
        })
        .collect_view();
    let labels = rounds
        .iter()
        .enumerate()
        .map(|(i, round)| {
            view! { <text x=x(i) y=TREND_HEIGHT - 8.0 text-anchor="middle" class="chart-label">{round.clone()}</text> }
        })
        .collect_view();
    view! {
        <figure class="trend">
            <svg
                role="img"
                aria-labelledby=format!("{id}-title {id}-desc")
                viewBox=format!("0 0 {TREND_WIDTH} {TREND_HEIGHT}")
                width="100%"
                preserveAspectRatio="xMinYMin meet"
            >
                <title id=format!("{id}-title")>{format!("{category}: share in each round")}</title>
                <desc id=format!("{id}-desc")>{described.join("; ")}</desc>
                <line class="trend-axis" x1=TREND_LEFT - 6.0 x2=TREND_WIDTH - 10.0 y1=y(0) y2=y(0)></line>
                <text x=TREND_LEFT - 10.0 y=y(0) + 4.0 text-anchor="end" class="chart-label">"0%"</text>
                <text x=TREND_LEFT - 10.0 y=y(1000) + 4.0 text-anchor="end" class="chart-label">"100%"</text>
                <polyline class="trend-line" points=line.join(" ") stroke=colour.clone()></polyline>
                {marks}
                {labels}
            </svg>
            <figcaption>{category}</figcaption>
        </figure>
    }
}
