//! The attack suite: scripted viewers try to work out a suppressed cell, or
//! one young person's answers, from everything they can read.
//!
//! A viewer reads every published view of a round (the summary unbroken and
//! broken down by each about-you question, with its comparisons), twice:
//! before and after a later publication of the same round. Each figure they
//! read is a linear equation over the unknown numbers of young people of
//! each kind (each combination of about-you answers and answers to the
//! question attacked, arrived before or after the first publication). A
//! suppressed cell is recovered when every non-negative solution of all
//! those equations gives it the same value: the feasibility solver
//! (`microlp`) finds its smallest and largest value, and the attack
//! succeeds when only one whole number lies between them. That covers
//! differencing two snapshots, a breakdown against the overall table, two
//! breakdowns against each other and a comparison against its rounds; the
//! CSV and the page (its tables and charts) are checked to show exactly
//! the figures the attacker solved with, no more.
//!
//! The attacker is shown to work: given the same round with only the small
//! cells hidden (no secondary suppression), it recovers some.

use super::*;
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";
const NOT_ANSWERED: &str = "Not answered";
const NOT_YET_CODED: &str = "Not yet coded";

/// A question of the attacked survey, as the attacker knows it.
struct Asked {
    key: &'static str,
    options: &'static [&'static str],
    /// Several options (or themes) per answer.
    several: bool,
    /// Free text counted by themes.
    coded: bool,
    about_you: bool,
    /// Chance of skipping, and of each option (or theme), per thousand.
    skip: u64,
    chances: &'static [u64],
}

const QUESTIONS: [Asked; 6] = [
    Asked {
        key: "key_stage",
        options: &["KS3", "KS4"],
        several: false,
        coded: false,
        about_you: true,
        skip: 80,
        chances: &[250, 750],
    },
    Asked {
        key: "gender",
        options: &["Girl", "Boy", "Another way"],
        several: false,
        coded: false,
        about_you: true,
        skip: 50,
        chances: &[380, 560, 60],
    },
    Asked {
        key: "needs",
        options: &["EHCP", "Young carer"],
        several: true,
        coded: false,
        about_you: true,
        skip: 0,
        chances: &[300, 120],
    },
    Asked {
        key: "feel",
        options: &["Bad", "OK", "Good"],
        several: false,
        coded: false,
        about_you: false,
        skip: 60,
        chances: &[120, 560, 320],
    },
    Asked {
        key: "change",
        options: &["Listen to us", "Help and support", "More options"],
        several: true,
        coded: true,
        about_you: false,
        skip: 100,
        chances: &[500, 300, 90],
    },
    Asked {
        key: "why",
        options: &["Nothing", "Something", "Not enough"],
        several: false,
        coded: true,
        about_you: false,
        skip: 50,
        chances: &[620, 300, 80],
    },
];

fn survey_toml() -> String {
    let mut toml = "slug = \"attack\"\ntitle = \"Attack\"\n".to_owned();
    for q in &QUESTIONS {
        let kind = match (q.coded, q.several) {
            (true, _) => "text",
            (false, true) => "multi",
            (false, false) => "single",
        };
        toml += &format!(
            "\n[[questions]]\nkey = \"{}\"\nkind = \"{kind}\"\ntext = \"Question {}\"\nabout_you = {}\n",
            q.key, q.key, q.about_you
        );
        if q.coded {
            toml += &format!(
                "coding = \"{}\"\n",
                if q.several { "multi" } else { "single" }
            );
            for theme in q.options {
                toml += &format!("[[questions.themes]]\nname = \"{theme}\"\n");
            }
        } else {
            let options: Vec<String> = q.options.iter().map(|o| format!("\"{o}\"")).collect();
            toml += &format!("options = [{}]\n", options.join(", "));
        }
    }
    toml
}

/// One young person: per question, `None` when skipped, else the chosen
/// options' (or coded themes') indexes; a free-text answer not yet coded
/// is `Some(vec![])`. A multi-choice about-you question answered with
/// nothing is `None`.
type Young = Vec<Option<Vec<usize>>>;

/// The same young people every run: a little linear congruential
/// generator, so a failure can be replayed.
struct Dice(u64);

impl Dice {
    fn per_thousand(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % 1000
    }

    fn young_person(&mut self) -> Young {
        QUESTIONS
            .iter()
            .map(|q| {
                if self.per_thousand() < q.skip {
                    return None;
                }
                let chosen: Vec<usize> = if q.several {
                    (0..q.options.len())
                        .filter(|&i| self.per_thousand() < q.chances[i])
                        .collect()
                } else {
                    let roll = self.per_thousand();
                    let mut sum = 0;
                    let pick = q.chances.iter().position(|&c| {
                        sum += c;
                        roll < sum
                    });
                    pick.into_iter().collect()
                };
                match (q.coded, chosen.is_empty()) {
                    // Answered, and nobody has coded it yet.
                    (true, _) => Some(chosen),
                    (false, true) => None,
                    (false, false) => Some(chosen),
                }
            })
            .collect()
    }
}

/// The responses and codes files for `people`, numbered from `first`.
fn files(people: &[Young], first: usize) -> (String, String) {
    let mut responses = String::from("respondent");
    for q in &QUESTIONS {
        responses += &format!(",{}", q.key);
    }
    responses.push('\n');
    let mut codes = String::from("respondent,question,theme\n");
    for (n, young) in people.iter().enumerate() {
        let id = format!("y{}", first + n);
        responses += &id;
        for (q, answer) in QUESTIONS.iter().zip(young) {
            let cell = match answer {
                None => String::new(),
                Some(chosen) if q.coded => {
                    for &t in chosen {
                        codes += &format!("{id},{},{}\n", q.key, q.options[t]);
                    }
                    format!("what young person {} said", first + n)
                }
                Some(chosen) => chosen
                    .iter()
                    .map(|&i| q.options[i])
                    .collect::<Vec<_>>()
                    .join(";"),
            };
            responses += &format!(",{cell}");
        }
        responses.push('\n');
    }
    (responses, codes)
}

/// What one published figure counts: the young people of a group (all of
/// them when `by` is `None`) with a property.
#[derive(Clone, Debug, PartialEq)]
struct Cell {
    question: String,
    by: Option<String>,
    group: Option<String>,
    what: Counted,
}

#[derive(Clone, Debug, PartialEq)]
enum Counted {
    Everyone,
    Answered,
    Skipped,
    Category(String),
}

impl Cell {
    /// Whether a young person of kind `young` is counted in the cell, or
    /// `None` when the cell is about a question the model leaves out.
    fn counts(&self, model: &[usize], young: &Young) -> Option<bool> {
        let state = |key: &str| -> Option<&Option<Vec<usize>>> {
            let q = QUESTIONS.iter().position(|q| q.key == key)?;
            let at = model.iter().position(|&m| m == q)?;
            Some(&young[at])
        };
        let option = |key: &str, index: usize| {
            QUESTIONS.iter().find(|q| q.key == key).unwrap().options[index]
        };
        let in_group = match (&self.by, &self.group) {
            (Some(by), Some(group)) => match state(by)? {
                None => group == NOT_ANSWERED,
                Some(chosen) => chosen.iter().any(|&i| option(by, i) == group),
            },
            _ => true,
        };
        if self.what == Counted::Everyone {
            return Some(in_group);
        }
        let answer = state(&self.question)?;
        Some(
            in_group
                && match &self.what {
                    Counted::Everyone => true,
                    Counted::Answered => answer.is_some(),
                    Counted::Skipped => answer.is_none(),
                    Counted::Category(c) if c == NOT_YET_CODED => {
                        answer.as_ref().is_some_and(Vec::is_empty)
                    }
                    Counted::Category(c) => answer
                        .as_ref()
                        .is_some_and(|v| v.iter().any(|&i| option(&self.question, i) == c)),
                },
        )
    }
}

/// A figure as read: the cell and its value, `None` when shown as `c`.
type Read = (Cell, Option<i64>);

fn figure(value: &Value) -> Option<i64> {
    value.get("Exact").and_then(Value::as_i64)
}

/// Every figure of a summary (as `/api/load_summary` answers it).
fn figures_of(summary: &Value) -> Vec<Read> {
    let by = summary["by"].as_str().map(str::to_owned);
    let mut read = vec![(
        Cell {
            question: String::new(),
            by: None,
            group: None,
            what: Counted::Everyone,
        },
        summary["responses"].as_i64(),
    )];
    for question in summary["questions"].as_array().unwrap() {
        if !question["withheld"].is_null() {
            continue;
        }
        let key = question["key"].as_str().unwrap().to_owned();
        for block in question["blocks"].as_array().unwrap() {
            let group = block["group"].as_str().map(str::to_owned);
            let cell = |what| Cell {
                question: key.clone(),
                by: by.clone().filter(|_| group.is_some()),
                group: group.clone(),
                what,
            };
            read.push((cell(Counted::Answered), figure(&block["answered"])));
            if let Some(skipped) = block["skipped"].as_i64() {
                read.push((cell(Counted::Skipped), Some(skipped)));
            }
            for line in block["lines"].as_array().unwrap() {
                let category = line["category"].as_str().unwrap().to_owned();
                read.push((cell(Counted::Category(category)), figure(&line["count"])));
            }
        }
    }
    // This round's column of each comparison: the whole round's counts.
    let round = summary["round_name"].as_str().unwrap();
    for compared in summary["comparisons"].as_array().unwrap() {
        let key = compared["key"].as_str().unwrap();
        let comparison = &compared["comparison"];
        let Some(column) = comparison["rounds"]
            .as_array()
            .unwrap()
            .iter()
            .position(|r| r == round)
        else {
            continue;
        };
        let cell = |what| Cell {
            question: key.to_owned(),
            by: None,
            group: None,
            what,
        };
        let count = |line: &Value| line["cells"][column][0].as_i64();
        read.push((cell(Counted::Answered), count(&comparison["total"])));
        for line in comparison["lines"].as_array().unwrap() {
            let category = line["category"].as_str().unwrap().to_owned();
            read.push((cell(Counted::Category(category)), count(line)));
        }
    }
    read
}

/// Every kind of young person the model tells apart: the about-you
/// questions' answers, and the attacked question's (`target`, if any).
fn kinds(model: &[usize]) -> Vec<Young> {
    let mut kinds: Vec<Young> = vec![Vec::new()];
    for &q in model {
        let asked = &QUESTIONS[q];
        let n = asked.options.len();
        let mut states: Vec<Option<Vec<usize>>> = vec![None];
        if asked.coded {
            states.push(Some(Vec::new()));
        }
        if asked.several {
            for mask in 1..(1usize << n) {
                states.push(Some((0..n).filter(|i| mask & (1 << i) != 0).collect()));
            }
        } else {
            states.extend((0..n).map(|i| Some(vec![i])));
        }
        kinds = kinds
            .into_iter()
            .flat_map(|k| {
                states.iter().map(move |s| {
                    let mut k = k.clone();
                    k.push(s.clone());
                    k
                })
            })
            .collect();
    }
    kinds
}

/// The equations of what was read, in one model: for each shown figure,
/// the snapshot it was read in, the kinds of young person it counts, and
/// its value.
type Equations = Vec<(usize, Vec<usize>, f64)>;

fn equations(model: &[usize], kinds: &[Young], snapshots: &[Vec<Read>]) -> Equations {
    let mut equations = Vec::new();
    for (snapshot, read) in snapshots.iter().enumerate() {
        for (cell, value) in read {
            let Some(value) = value else { continue };
            if cell.counts(model, &kinds[0]).is_none() {
                continue;
            }
            let counted = (0..kinds.len())
                .filter(|&k| cell.counts(model, &kinds[k]) == Some(true))
                .collect();
            equations.push((snapshot, counted, *value as f64));
        }
    }
    equations
}

/// The smallest and largest value, over every non-negative solution of
/// `equations`, of the young people of the kinds `target` who arrived in
/// the parts `counted` (arrivals before the first snapshot are part 0;
/// a snapshot counts the arrivals up to its own).
fn bounds(
    kinds: usize,
    parts: usize,
    equations: &Equations,
    target: &[usize],
    counted: std::ops::RangeInclusive<usize>,
) -> (f64, f64) {
    let solve = |direction| {
        let mut problem = Problem::new(direction);
        let vars: Vec<Vec<_>> = (0..parts)
            .map(|part| {
                (0..kinds)
                    .map(|k| {
                        let counts = counted.contains(&part) && target.contains(&k);
                        problem.add_var(if counts { 1.0 } else { 0.0 }, (0.0, f64::INFINITY))
                    })
                    .collect()
            })
            .collect();
        for (snapshot, counted, value) in equations {
            let terms: Vec<_> = counted
                .iter()
                .flat_map(|&k| (0..=*snapshot).map(move |part| (k, part)))
                .map(|(k, part)| (vars[part][k], 1.0))
                .collect();
            problem.add_constraint(terms.as_slice(), ComparisonOp::Eq, *value);
        }
        let solution = problem
            .solve()
            .expect("what the viewer read has a solution: the truth")
            .into_solution()
            .expect("a solution, not a time-out");
        solution.objective()
    };
    let (low, high) = (
        solve(OptimizationDirection::Minimize),
        solve(OptimizationDirection::Maximize),
    );
    // Whole numbers of young people: the range the attacker can be sure of.
    ((low - 1e-6).ceil(), (high + 1e-6).floor())
}

/// What an attack found.
#[derive(Debug)]
enum Leak {
    /// A cell shown as `c` in a snapshot, worked out exactly.
    Hidden {
        cell: Cell,
        snapshot: usize,
        value: i64,
    },
    /// How many of the young people who arrived since the last snapshot
    /// are in a cell: known exactly, and fewer than the threshold (but
    /// not none), so those few are singled out.
    Newcomers { cell: Cell, value: i64 },
}

/// Every attack on `snapshots` (successive publications of one round)
/// that succeeds: each hidden cell of each snapshot, and each cell's
/// newcomers in the last.
fn recovered(snapshots: &[Vec<Read>], min_cell: i64) -> Vec<Leak> {
    let attributes: Vec<usize> = (0..QUESTIONS.len())
        .filter(|&q| QUESTIONS[q].about_you)
        .collect();
    let mut models = vec![attributes.clone()];
    for q in (0..QUESTIONS.len()).filter(|&q| !QUESTIONS[q].about_you) {
        let mut model = attributes.clone();
        model.push(q);
        models.push(model);
    }
    let last = snapshots.len() - 1;
    let mut found = Vec::new();
    for model in &models {
        let kinds = kinds(model);
        let equations = equations(model, &kinds, snapshots);
        let mut tried: Vec<(&Cell, usize, bool)> = Vec::new();
        for (snapshot, read) in snapshots.iter().enumerate() {
            for (cell, value) in read {
                if cell.counts(model, &kinds[0]).is_none() {
                    continue;
                }
                // An about-you question's cells are attacked in the
                // model of the about-you questions alone.
                if model.len() > attributes.len()
                    && QUESTIONS
                        .iter()
                        .any(|q| q.about_you && q.key == cell.question)
                {
                    continue;
                }
                let target: Vec<usize> = (0..kinds.len())
                    .filter(|&k| cell.counts(model, &kinds[k]) == Some(true))
                    .collect();
                // How many answered a question, overall or in a group, is
                // a base, public like the group's size (README rule 2): the
                // attacks are on what young people answered.
                let base = matches!(
                    cell.what,
                    Counted::Everyone | Counted::Answered | Counted::Skipped
                );
                if value.is_none() && !base && !tried.contains(&(cell, snapshot, true)) {
                    tried.push((cell, snapshot, true));
                    let (low, high) = bounds(
                        kinds.len(),
                        snapshots.len(),
                        &equations,
                        &target,
                        0..=snapshot,
                    );
                    if low >= high {
                        found.push(Leak::Hidden {
                            cell: cell.clone(),
                            snapshot,
                            value: low as i64,
                        });
                    }
                }
                // Whether a newcomer's answer has been coded yet is the
                // workers' progress, not something the young person said.
                let progress = cell.what == Counted::Category(NOT_YET_CODED.to_owned());
                if snapshot == last
                    && last > 0
                    && !progress
                    && !base
                    && !tried.contains(&(cell, snapshot, false))
                {
                    tried.push((cell, snapshot, false));
                    // Shown both times: the newcomers in it are the change.
                    let before = snapshots[last - 1].iter().find(|(c, _)| c == cell);
                    let (low, high) = match (value, before.and_then(|(_, v)| *v)) {
                        (Some(now), Some(then)) => ((now - then) as f64, (now - then) as f64),
                        _ => bounds(
                            kinds.len(),
                            snapshots.len(),
                            &equations,
                            &target,
                            last..=last,
                        ),
                    };
                    if low >= high && (1..min_cell).contains(&(low as i64)) {
                        found.push(Leak::Newcomers {
                            cell: cell.clone(),
                            value: low as i64,
                        });
                    }
                }
            }
        }
    }
    found
}

/// `summary` with only the cells below `min_cell` of each breakdown hidden:
/// disclosure control without its secondary suppression.
fn primary_only(summary: &Value, min_cell: i64) -> Value {
    let mut summary = summary.clone();
    for question in summary["questions"].as_array_mut().unwrap() {
        for block in question["blocks"].as_array_mut().unwrap() {
            if block["group"].is_null() {
                continue;
            }
            block["skipped"] = Value::Null;
            let small = |v: &Value| figure(v).is_some_and(|n| n < min_cell);
            if small(&block["answered"]) {
                block["answered"] = Value::from("Suppressed");
            }
            for line in block["lines"].as_array_mut().unwrap() {
                if small(&line["count"]) {
                    line["count"] = Value::from("Suppressed");
                }
            }
        }
    }
    summary
}

fn breakdowns() -> impl Iterator<Item = &'static str> {
    std::iter::once("").chain(QUESTIONS.iter().filter(|q| q.about_you).map(|q| q.key))
}

async fn load_summary(app: &TestApp, cookie: &str, round: &str, by: &str) -> Value {
    let response = app
        .client()
        .post(app.url("/api/load_summary"))
        .header("cookie", cookie)
        .form(&[("round_id", round), ("by", by), ("viewers_view", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    response.json().await.unwrap()
}

/// The body of `GET path` with `cookie`.
async fn get_text(app: &TestApp, cookie: &str, path: &str) -> String {
    let response = app
        .client()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}

/// Everything a viewer reads of a round's publication, as figures; and
/// that the CSV downloads and the pages show those figures and no others.
async fn viewer_reads(app: &TestApp, cookie: &str, round: &str) -> Vec<Read> {
    let mut read = Vec::new();
    for by in breakdowns() {
        let summary = load_summary(app, cookie, round, by).await;
        let figures = figures_of(&summary);
        let csv = get_text(app, cookie, &format!("/rounds/{round}/report.csv?by={by}")).await;
        the_csv_shows_what_the_summary_shows(&csv, &summary);
        let page = get_text(app, cookie, &format!("/rounds/{round}/summary?by={by}")).await;
        the_page_shows_what_the_summary_shows(&page, &summary);
        read.extend(figures);
    }
    read
}

/// The figure of a line (or of "answered" when `category` is `None`) of a
/// question's block for `group`, as printed.
fn shown(summary: &Value, question: &str, group: Option<&str>, category: Option<&str>) -> String {
    let report = summary["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["key"] == question)
        .unwrap();
    let block = report["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["group"].as_str() == group)
        .unwrap_or_else(|| panic!("no block {group:?} of {question}"));
    let value = match category {
        None => &block["answered"],
        Some(category) => &block["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["category"] == category)
            .unwrap()["count"],
    };
    figure(value).map_or("c".to_owned(), |n| n.to_string())
}

/// The CSV against the page: every figure of the download is the summary's.
fn the_csv_shows_what_the_summary_shows(csv: &str, summary: &Value) {
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let by = header.contains(&"attribute");
    let mut checked = 0;
    for row in rows {
        let cells: Vec<&str> = row.split(',').collect();
        let (question, group, rest) = if by {
            (cells[0], Some(cells[1]), &cells[2..])
        } else {
            (cells[0], None, &cells[1..])
        };
        let (category, count, percent, n) = (rest[0], rest[1], rest[2], rest[3]);
        assert_eq!(
            count,
            shown(summary, question, group, Some(category)),
            "{row}"
        );
        assert_eq!(n, shown(summary, question, group, None), "{row}");
        if count == "c" || n == "c" {
            assert_eq!(
                percent, "c",
                "a hidden figure's percentage is hidden too: {row}"
            );
        }
        checked += 1;
    }
    assert!(checked > 10, "the CSV had figures: {csv}");
}

/// The text of every element `<tag ...>` of `html`, in order, as
/// (attributes, inner text).
fn elements<'a>(html: &'a str, tag: &str) -> Vec<(&'a str, &'a str)> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        if !after.starts_with([' ', '>']) {
            rest = after;
            continue;
        }
        let attributes_end = after.find('>').unwrap();
        let inner = &after[attributes_end + 1..];
        let end = inner.find(&close).unwrap();
        found.push((&after[..attributes_end], &inner[..end]));
        rest = &inner[end..];
    }
    found
}

/// Text without tags, entities read.
fn text_of(html: &str) -> String {
    heard_tests::html::strip_tags(html).trim().to_owned()
}

/// The page (its tables and charts) against the summary: each table cell
/// shows the summary's figure, and a chart draws no bar for a hidden one.
fn the_page_shows_what_the_summary_shows(page: &str, summary: &Value) {
    let mut checked = 0;
    for question in summary["questions"].as_array().unwrap() {
        if !question["withheld"].is_null() {
            continue;
        }
        let key = question["key"].as_str().unwrap();
        let text = question["text"].as_str().unwrap();
        let table = elements(page, "table")
            .into_iter()
            .find(|(_, inner)| {
                inner.contains(&format!("{text}: the numbers"))
                    || inner.contains(&format!("{text}: count and percentage"))
            })
            .unwrap_or_else(|| panic!("no table for {key}"));
        for (_, row) in elements(table.1, "tbody")
            .first()
            .map(|(_, body)| elements(body, "tr"))
            .unwrap_or_default()
        {
            let head = text_of(elements(row, "th")[0].1);
            let cells: Vec<String> = elements(row, "td")
                .iter()
                .map(|(_, t)| text_of(t))
                .collect();
            if question["by"].is_null() {
                // A chart's table: category, count, percent.
                let count = shown(summary, key, None, Some(&head));
                assert_eq!(cells[0], count, "{key} {head}");
                if count == "c" {
                    assert_eq!(cells[1], "c");
                }
            } else {
                assert_eq!(
                    cells[0],
                    shown(summary, key, Some(&head), None),
                    "{key} {head}"
                );
                let block = question["blocks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|b| b["group"].as_str() == Some(head.as_str()))
                    .unwrap();
                for (cell, line) in cells[1..].iter().zip(block["lines"].as_array().unwrap()) {
                    let count = shown(summary, key, Some(&head), line["category"].as_str());
                    assert!(
                        cell == &count || cell.starts_with(&format!("{count} (")),
                        "{key} {head}: page {cell}, summary {count}"
                    );
                    if count == "c" {
                        assert_eq!(cell, "c", "no percentage beside a hidden figure");
                    }
                }
            }
            checked += 1;
        }
    }
    // Each bar: a hidden figure has no length.
    for (_, chart) in elements(page, "svg") {
        for (_, bar) in elements(chart, "g") {
            let width = bar
                .split("width=\"")
                .nth(1)
                .and_then(|w| w.split('"').next())
                .unwrap_or("0");
            let figure = elements(bar, "text")
                .get(1)
                .map(|(_, t)| text_of(t))
                .unwrap_or_default();
            if figure == "c" {
                assert_eq!(
                    width.parse::<f64>().unwrap(),
                    0.0,
                    "a bar drawn for a hidden figure"
                );
            }
        }
    }
    assert!(checked > 3, "the page had tables");
}

/// Makes a round of 44 young people beside last year's, publishes it,
/// reads it as a viewer, adds six more, publishes and reads again; then
/// attacks what was read. `hide_small_overall` switches rule 7 on.
async fn attack(app: TestApp, hide_small_overall: bool) {
    std::fs::write(app.dir.path().join("attack.toml"), survey_toml()).unwrap();
    let imported = app.heard(&["survey", "import", "attack.toml"], "");
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let hide = if hide_small_overall { "hide" } else { "show" };
    let set = app.heard(
        &[
            "survey",
            "disclosure",
            "attack",
            "--small-overall-counts",
            hide,
        ],
        "",
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let mut dice = Dice(2026);
    let import = |round: &str, people: &[Young], first: usize| {
        let (responses, codes) = files(people, first);
        std::fs::write(app.dir.path().join("r.csv"), responses).unwrap();
        std::fs::write(app.dir.path().join("c.csv"), codes).unwrap();
        for (what, file) in [("responses", "r.csv"), ("codes", "c.csv")] {
            let out = app.heard(
                &["import", what, "--survey", "attack", "--round", round, file],
                "",
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    };
    let publish = |round: &str| {
        let out = app.heard(
            &["round", "publish", "--survey", "attack", "--round", round],
            "",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Last year's round, published, for the comparisons.
    let last_year: Vec<Young> = (0..30).map(|_| dice.young_person()).collect();
    import("2025", &last_year, 0);
    publish("2025");
    // This year: published once, then again after six more arrived.
    let first: Vec<Young> = (0..44).map(|_| dice.young_person()).collect();
    import("2026", &first, 100);
    publish("2026");
    app.add_user("viewer", "viewer@example.org", PASSWORD);
    app.add_user("worker", "worker@example.org", PASSWORD);
    let viewer = app.log_in("viewer@example.org", PASSWORD).await.unwrap();
    let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
    let (round,): (String,) = sqlx::query_as("SELECT id FROM rounds WHERE name = '2026'")
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    // What workers see (every figure exact), and the same with only the
    // small cells hidden: the control.
    let naive = |cookie: String, round: String| {
        let app = &app;
        async move {
            let (mut exact, mut read) = (Vec::new(), Vec::new());
            for by in breakdowns() {
                let live = load_summary(app, &cookie, &round, by).await;
                exact.extend(figures_of(&live));
                read.extend(figures_of(&primary_only(&live, 5)));
            }
            (exact, read)
        }
    };
    let before = viewer_reads(&app, &viewer, &round).await;
    let naive_before = naive(worker.clone(), round.clone()).await;
    let later: Vec<Young> = (0..6).map(|_| dice.young_person()).collect();
    import("2026", &later, 200);
    publish("2026");
    let after = viewer_reads(&app, &viewer, &round).await;
    let hidden = after.iter().filter(|(_, v)| v.is_none()).count();
    assert!(
        hidden >= 10,
        "the round has small cells to attack ({hidden} hidden)"
    );

    let leaks = recovered(&[before, after], 5);
    let told: Vec<String> = leaks.iter().map(|l| format!("{l:?}")).collect();
    assert!(
        leaks.is_empty(),
        "a viewer worked out what was hidden:\n{}",
        told.join("\n")
    );

    // The attacker works: against the same two publications with only
    // the small cells hidden, it recovers hidden cells (their true values)
    // and newcomers.
    let naive_after = naive(worker.clone(), round.clone()).await;
    let exact = [naive_before.0, naive_after.0];
    let leaks = recovered(&[naive_before.1, naive_after.1], 5);
    let mut hidden_found = 0;
    for leak in &leaks {
        if let Leak::Hidden {
            cell,
            snapshot,
            value,
        } = leak
        {
            let truth = exact[*snapshot]
                .iter()
                .find(|(c, _)| c == cell)
                .and_then(|(_, v)| *v);
            assert_eq!(
                truth,
                Some(*value),
                "the attacker's answer for {cell:?} is the truth"
            );
            hidden_found += 1;
        }
    }
    assert!(
        hidden_found > 0,
        "primary suppression alone gives cells away"
    );
    let mut newcomers_found = 0;
    for leak in &leaks {
        if let Leak::Newcomers { cell, value } = leak {
            let at = |snapshot: usize| {
                exact[snapshot]
                    .iter()
                    .find(|(c, _)| c == cell)
                    .and_then(|(_, v)| *v)
                    .unwrap_or(0)
            };
            assert_eq!(at(1) - at(0), *value, "the newcomers in {cell:?}");
            newcomers_found += 1;
        }
    }
    assert!(
        newcomers_found > 0,
        "two publications side by side single newcomers out"
    );
}

on_both_databases! {
    async fn no_viewer_recovers_a_hidden_cell_or_a_newcomer_from_everything_they_can_read(app: TestApp) {
        attack(app, false).await;
    }

    async fn nor_when_the_survey_hides_small_overall_counts_too(app: TestApp) {
        attack(app, true).await;
    }
}
