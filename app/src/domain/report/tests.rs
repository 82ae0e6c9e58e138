use super::*;
use crate::domain::survey::{Codebook, Kind, Theme};

#[test]
fn percentages_round_half_up_exactly() {
    assert_eq!(percent_tenths(17, 22), Some(773));
    assert_eq!(percent_tenths(3, 22), Some(136));
    assert_eq!(percent_tenths(2, 22), Some(91));
    // 6.25 exactly: a float would print 6.2 or 6.3 by luck.
    assert_eq!(percent_tenths(39, 624), Some(63));
    assert_eq!(percent_tenths(1, 8), Some(125));
    assert_eq!(percent_tenths(0, 5), Some(0));
    assert_eq!(percent_tenths(1, 0), None);
    assert_eq!(format_tenths(773), "77.3");
    assert_eq!(format_tenths(5), "0.5");
    assert_eq!(format_signed_tenths(59), "+5.9");
    assert_eq!(format_signed_tenths(-4), "-0.4");
    assert_eq!(format_signed(-7), "-7");
}

fn text_question(multi: bool) -> Question {
    Question {
        key: "change".into(),
        text: "What needs to change?".into(),
        kind: Kind::Text(Codebook {
            coding: if multi {
                CodingMode::Multi
            } else {
                CodingMode::Single
            },
            themes: ["Connect", "Help", "Nothing"]
                .map(|n| Theme {
                    name: n.into(),
                    ..Theme::default()
                })
                .to_vec(),
        }),
        ..Question::default()
    }
}

fn key_stage() -> Question {
    Question {
        key: "ks".into(),
        about_you: true,
        kind: Kind::Single {
            options: vec!["KS3".into(), "KS4".into()],
        },
        ..Question::default()
    }
}

/// Counts `rows` as the database would: "change" is the coded question.
fn counted(rows: &[ResponseRow], by: Option<&Question>) -> Tally {
    Tally::of_rows(rows, by, &|key| key == "change")
}

fn row(ks: &str, answer: &str, themes: &[&str]) -> ResponseRow {
    let mut r = ResponseRow::default();
    if !ks.is_empty() {
        r.answers.insert("ks".into(), vec![ks.into()]);
    }
    if !answer.is_empty() {
        r.answers.insert("change".into(), vec![answer.into()]);
        r.themes.insert(
            "change".into(),
            themes.iter().map(|t| t.to_string()).collect(),
        );
    }
    r
}

#[test]
fn free_text_counts_by_theme_with_uncoded_and_skips_apart() {
    let rows = vec![
        row("KS3", "listen", &["Connect"]),
        row("KS3", "help", &["Help"]),
        row("KS4", "nothing", &[]),
        row("KS4", "", &[]),
    ];
    let report = question_report(
        &text_question(false),
        None,
        &counted(&rows, None),
        Audience::Worker,
        Disclosure::default(),
        LastPublished::default(),
    );
    let block = &report.blocks[0];
    assert_eq!(block.answered, Figure::Exact(3));
    assert_eq!(block.skipped, Some(1));
    let shown: Vec<(String, String)> = block
        .lines
        .iter()
        .map(|l| (l.category.clone(), l.count.show()))
        .collect();
    assert_eq!(
        shown,
        [
            ("Connect", "1"),
            ("Help", "1"),
            ("Nothing", "0"),
            (NOT_YET_CODED, "1")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(block.percent(&block.lines[0]), Some(333));
}

#[test]
fn viewers_do_not_see_a_question_too_few_answered() {
    let rows: Vec<ResponseRow> = (0..9).map(|_| row("KS3", "x", &["Help"])).collect();
    let q = text_question(false);
    let d = Disclosure::default();
    let viewer = question_report(
        &q,
        None,
        &counted(&rows, None),
        Audience::Viewer,
        d,
        LastPublished::default(),
    );
    assert!(viewer.withheld.is_some() && viewer.blocks.is_empty());
    let worker = question_report(
        &q,
        None,
        &counted(&rows, None),
        Audience::Worker,
        d,
        LastPublished::default(),
    );
    assert!(worker.withheld.is_none());
    let mut ten = rows.clone();
    ten.push(row("KS4", "x", &["Nothing"]));
    let viewer = question_report(
        &q,
        None,
        &counted(&ten, None),
        Audience::Viewer,
        d,
        LastPublished::default(),
    );
    // The overall distribution is shown even with a count of 1.
    assert_eq!(viewer.blocks[0].lines[2].count, Figure::Exact(1));
}

/// Adds young people of key stage `ks` saying Connect, Help and Nothing,
/// `counts` of each.
fn add_group(rows: &mut Vec<ResponseRow>, ks: &str, counts: [usize; 3]) {
    for (theme, n) in ["Connect", "Help", "Nothing"].iter().zip(counts) {
        rows.extend((0..n).map(|_| row(ks, "a", &[theme])));
    }
}

fn shown(report: &QuestionReport) -> Vec<Vec<String>> {
    report
        .blocks
        .iter()
        .map(|b| {
            std::iter::once(b.answered.show())
                .chain(b.lines.iter().map(|l| l.count.show()))
                .collect()
        })
        .collect()
}

#[test]
fn small_cells_are_hidden_with_a_second_cell_so_totals_do_not_give_them_away() {
    // KS3: 12 answered, 10 Connect, 2 Help, 0 Nothing.
    // KS4: 9 answered, 6 Connect, 3 Help, 0 Nothing.
    let mut rows = Vec::new();
    rows.extend((0..10).map(|_| row("KS3", "a", &["Connect"])));
    rows.extend((0..2).map(|_| row("KS3", "b", &["Help"])));
    rows.extend((0..6).map(|_| row("KS4", "a", &["Connect"])));
    rows.extend((0..3).map(|_| row("KS4", "b", &["Help"])));
    let ks = key_stage();
    let d = Disclosure::default();
    let worker = question_report(
        &text_question(false),
        Some(&ks),
        &counted(&rows, Some(&ks)),
        Audience::Worker,
        d,
        LastPublished::default(),
    );
    assert_eq!(
        shown(&worker),
        vec![vec!["12", "10", "2", "0"], vec!["9", "6", "3", "0"]]
    );
    let viewer = question_report(
        &text_question(false),
        Some(&ks),
        &counted(&rows, Some(&ks)),
        Audience::Viewer,
        d,
        LastPublished::default(),
    );
    // Help (2 and 3) is below 5. Nothing is 0 overall, so its cells are
    // zeros whatever is shown: hiding them would protect nothing (12 - 10
    // - 0 gives Help away), so they are shown and Connect is hidden too.
    assert_eq!(
        shown(&viewer),
        vec![vec!["12", "c", "c", "0"], vec!["9", "c", "c", "0"]]
    );
    assert!(viewer.blocks.iter().all(|b| b.skipped.is_none()));
}

#[test]
fn one_hidden_cell_in_a_row_takes_a_second_with_it() {
    // KS3: 10 answered: 6 Connect, 4 Help (hidden), 0 Nothing (hidden)
    // KS4: 20 answered: 7 Connect, 6 Help, 7 Nothing.
    let mut rows = Vec::new();
    rows.extend((0..6).map(|_| row("KS3", "a", &["Connect"])));
    rows.extend((0..4).map(|_| row("KS3", "b", &["Help"])));
    rows.extend((0..7).map(|_| row("KS4", "a", &["Connect"])));
    rows.extend((0..6).map(|_| row("KS4", "b", &["Help"])));
    rows.extend((0..7).map(|_| row("KS4", "c", &["Nothing"])));
    let ks = key_stage();
    let viewer = question_report(
        &text_question(false),
        Some(&ks),
        &counted(&rows, Some(&ks)),
        Audience::Viewer,
        Disclosure::default(),
        LastPublished::default(),
    );
    // Column Help has one hidden cell (4): KS4's Help (6) goes too. Column
    // Nothing has one (0): KS4's Nothing (7) goes. Row KS4 then has two.
    assert_eq!(
        shown(&viewer),
        vec![vec!["10", "6", "c", "c"], vec!["20", "7", "c", "c"]]
    );
}

#[test]
fn a_small_group_is_hidden_whole_and_another_group_with_it() {
    // KS3: 3 answered; KS4: 12; those who skipped key stage: 6.
    let mut rows = Vec::new();
    rows.extend((0..3).map(|_| row("KS3", "a", &["Connect"])));
    rows.extend((0..12).map(|_| row("KS4", "a", &["Connect"])));
    rows.extend((0..6).map(|_| row("", "a", &["Connect"])));
    let ks = key_stage();
    let viewer = question_report(
        &text_question(false),
        Some(&ks),
        &counted(&rows, Some(&ks)),
        Audience::Viewer,
        Disclosure::default(),
        LastPublished::default(),
    );
    let groups: Vec<_> = viewer
        .blocks
        .iter()
        .map(|b| b.group.clone().unwrap())
        .collect();
    assert_eq!(groups, ["KS3", "KS4", NOT_ANSWERED]);
    let table = shown(&viewer);
    // Hidden whole, but for the columns nobody is in (zeros overall).
    assert_eq!(table[0], ["c", "c", "0", "0"]);
    // A group's number who answered is a base, public like the group's
    // size: the other groups' are shown, and KS3's lines stay hidden with
    // enough others that its 3 cannot be split.
    assert_eq!(table[2][0], "6");
    assert_eq!(table[1][0], "12");
    let block = &viewer.blocks[0];
    assert_eq!(block.percent(&block.lines[0]), None);
    assert_nothing_hidden_can_be_worked_out(&viewer, &rows);
}

/// Checks every total a viewer sees: none has exactly one hidden part,
/// and hidden parts that are all zero are not the only unknowns.
fn assert_nothing_hidden_can_be_worked_out(report: &QuestionReport, rows: &[ResponseRow]) {
    let worker = question_report(
        &text_question(false),
        Some(&key_stage()),
        &counted(rows, Some(&key_stage())),
        Audience::Worker,
        Disclosure::default(),
        LastPublished::default(),
    );
    let grid = |r: &QuestionReport| -> Vec<Vec<Figure>> {
        r.blocks
            .iter()
            .map(|b| {
                std::iter::once(b.answered)
                    .chain(b.lines.iter().map(|l| l.count))
                    .collect()
            })
            .collect()
    };
    let (seen, exact) = (grid(report), grid(&worker));
    let width = seen[0].len();
    // A group's number who answered (column 0) is a base, taken as known:
    // each line's column over the groups, and each group's lines.
    let mut relations: Vec<Vec<(usize, usize)>> = (1..width)
        .map(|c| (0..seen.len()).map(|r| (r, c)).collect())
        .collect();
    relations.extend((0..seen.len()).map(|r| (1..width).map(|c| (r, c)).collect()));
    for cells in relations {
        let hidden: Vec<i64> = cells
            .iter()
            .filter(|&&(r, c)| seen[r][c] == Figure::Suppressed)
            .map(|&(r, c)| exact[r][c].exact().unwrap())
            .collect();
        let visible_nonzero = cells
            .iter()
            .any(|&(r, c)| seen[r][c].exact().is_some_and(|v| v > 0));
        // Where every other cell is in a column nobody is in at all, the
        // hidden one is the whole row whatever is shown: nothing to hide.
        let zero_column = |c: usize| exact.iter().all(|row| row[c] == Figure::Exact(0));
        let inherent = cells
            .iter()
            .all(|&(r, c)| seen[r][c] == Figure::Suppressed || (c > 0 && zero_column(c)));
        assert!(
            hidden.len() != 1 || inherent,
            "one hidden cell in {cells:?}"
        );
        assert!(
            hidden.is_empty() || hidden.iter().any(|&v| v > 0) || !visible_nonzero,
            "hidden zeros given away in {cells:?}"
        );
    }
}

#[test]
fn comparison_reproduces_table_3_3_of_the_seed_report() {
    let stages: Vec<String> = ["EYFS", "KS1", "KS2", "KS3", "KS4", "KS5", "Post-19"]
        .map(str::to_owned)
        .to_vec();
    let round = |name: &str, counts: [i64; 7]| RoundCounts {
        round: name.into(),
        counts: counts.to_vec(),
        answered: counts.iter().sum(),
    };
    let table = compare(
        &stages,
        &[
            round("30.05.24", [4, 13, 47, 184, 286, 51, 39]),
            round("31.07.24", [5, 19, 56, 224, 220, 65, 28]),
            round("13.11.24", [5, 24, 78, 199, 297, 104, 32]),
        ],
    );
    let percents = |r: usize| -> Vec<String> {
        table
            .lines
            .iter()
            .map(|l| format_tenths(l.cells[r].1.unwrap()))
            .collect()
    };
    assert_eq!(
        percents(0),
        ["0.6", "2.1", "7.5", "29.5", "45.8", "8.2", "6.3"]
    );
    assert_eq!(
        percents(1),
        ["0.8", "3.1", "9.1", "36.3", "35.7", "10.5", "4.5"]
    );
    assert_eq!(
        percents(2),
        ["0.7", "3.2", "10.6", "26.9", "40.2", "14.1", "4.3"]
    );
    let changes: Vec<String> = table
        .lines
        .iter()
        .map(|l| format_signed(l.change))
        .collect();
    assert_eq!(changes, ["+1", "+11", "+31", "+15", "+11", "+53", "-7"]);
    let change_percents: Vec<String> = table
        .lines
        .iter()
        .map(|l| format!("{}%", format_signed(l.change_percent.unwrap())))
        .collect();
    assert_eq!(
        change_percents,
        ["+25%", "+85%", "+66%", "+8%", "+4%", "+104%", "-18%"]
    );
    assert_eq!(
        format_signed_tenths(table.lines[5].pp_change.unwrap()),
        "+5.9"
    );
    assert_eq!(table.total.cells[0], (624, Some(1000)));
    assert_eq!(table.total.cells[2].0, 739);
    assert_eq!(format_signed(table.total.change), "+115");
    assert_eq!(table.total.change_percent, Some(18));
}

#[test]
fn a_category_new_in_the_last_round_has_no_percentage_change() {
    let table = compare(
        &["A".into()],
        &[
            RoundCounts {
                round: "1".into(),
                counts: vec![0],
                answered: 10,
            },
            RoundCounts {
                round: "2".into(),
                counts: vec![3],
                answered: 10,
            },
        ],
    );
    assert_eq!(table.lines[0].change, 3);
    assert_eq!(table.lines[0].change_percent, None);
    assert_eq!(table.lines[0].pp_change, Some(300));
}

#[test]
fn a_survey_can_hide_small_overall_counts_with_a_second_so_the_total_keeps_them() {
    let mut rows = Vec::new();
    rows.extend((0..17).map(|_| row("KS3", "a", &["Connect"])));
    rows.extend((0..4).map(|_| row("KS4", "b", &["Help"])));
    let hiding = Disclosure {
        hide_small_overall: true,
        ..Disclosure::default()
    };
    let shown_in_full = question_report(
        &text_question(false),
        None,
        &counted(&rows, None),
        Audience::Viewer,
        Disclosure::default(),
        LastPublished::default(),
    );
    assert_eq!(shown(&shown_in_full), [["21", "17", "4", "0"]]);
    // Help (4) is small; 21 - 0 would give it away, so Connect goes too;
    // the zero tells nothing and is shown.
    let hidden = question_report(
        &text_question(false),
        None,
        &counted(&rows, None),
        Audience::Viewer,
        hiding,
        LastPublished::default(),
    );
    assert_eq!(shown(&hidden), [["21", "c", "c", "0"]]);
    assert_eq!(hidden_overall_categories(&hidden), ["Connect", "Help"]);
    let worker = question_report(
        &text_question(false),
        None,
        &counted(&rows, None),
        Audience::Worker,
        hiding,
        LastPublished::default(),
    );
    assert_eq!(shown(&worker), [["21", "17", "4", "0"]]);
    // Multi-coded answers do not add up to the total: only the small one.
    let multi = question_report(
        &text_question(true),
        None,
        &counted(&rows, None),
        Audience::Viewer,
        hiding,
        LastPublished::default(),
    );
    assert_eq!(shown(&multi), [["21", "17", "c", "0"]]);
}

#[test]
fn what_the_last_publication_hid_stays_hidden() {
    // Connect, Help, Nothing: KS3 10, 3, 8; KS4 10, 8, 8; not answered
    // 10, 9, 9. KS3's Help (3) is small; its column, its row and KS4's row
    // take Help and Nothing of KS3 and KS4 with it.
    let mut rows = Vec::new();
    add_group(&mut rows, "KS3", [10, 3, 8]);
    add_group(&mut rows, "KS4", [10, 8, 8]);
    add_group(&mut rows, "", [10, 9, 9]);
    let ks = key_stage();
    let d = Disclosure::default();
    let first = question_report(
        &text_question(false),
        Some(&ks),
        &counted(&rows, Some(&ks)),
        Audience::Viewer,
        d,
        LastPublished::default(),
    );
    assert_eq!(
        shown(&first),
        [
            ["21", "10", "c", "c"],
            ["26", "10", "c", "c"],
            ["28", "10", "9", "9"]
        ]
    );
    // Five more KS3 young people say Help: nothing is small any more.
    add_group(&mut rows, "KS3", [0, 5, 0]);
    let fresh = question_report(
        &text_question(false),
        Some(&ks),
        &counted(&rows, Some(&ks)),
        Audience::Viewer,
        d,
        LastPublished::default(),
    );
    assert_eq!(
        shown(&fresh),
        [
            ["26", "10", "8", "8"],
            ["26", "10", "8", "8"],
            ["28", "10", "9", "9"]
        ],
        "alone, nothing would be hidden"
    );
    // After the first publication, its hidden cells stay hidden: else the
    // two side by side would give KS3's 3 (8 now, 5 new) away.
    let next = question_report(
        &text_question(false),
        Some(&ks),
        &counted(&rows, Some(&ks)),
        Audience::Viewer,
        d,
        LastPublished {
            view: Some(&first),
            overall: None,
        },
    );
    assert_eq!(
        shown(&next),
        [
            ["26", "10", "c", "c"],
            ["26", "10", "c", "c"],
            ["28", "10", "9", "9"]
        ]
    );
}

#[test]
fn a_young_person_is_in_every_group_of_a_multi_choice_attribute_they_chose() {
    let needs = Question {
        key: "ks".into(),
        about_you: true,
        kind: Kind::Multi {
            options: vec!["KS3".into(), "KS4".into()],
        },
        ..Question::default()
    };
    let mut both = row("KS3", "a", &["Connect"]);
    both.answers
        .insert("ks".into(), vec!["KS3".into(), "KS4".into()]);
    let rows = vec![both, row("KS4", "b", &["Help"]), row("", "c", &["Nothing"])];
    let worker = question_report(
        &text_question(false),
        Some(&needs),
        &counted(&rows, Some(&needs)),
        Audience::Worker,
        Disclosure::default(),
        LastPublished::default(),
    );
    assert_eq!(
        shown(&worker),
        [
            ["1", "1", "0", "0"],
            ["2", "1", "1", "0"],
            ["1", "0", "0", "1"]
        ]
    );
}

#[test]
fn a_figure_that_moved_by_fewer_than_the_threshold_since_the_last_publication_is_hidden() {
    // Connect, Help, Nothing: KS3 10, 6, 8; KS4 10, 8, 8.
    let mut rows = Vec::new();
    add_group(&mut rows, "KS3", [10, 6, 8]);
    add_group(&mut rows, "KS4", [10, 8, 8]);
    let (ks, d) = (key_stage(), Disclosure::default());
    let first = question_report(
        &text_question(false),
        Some(&ks),
        &counted(&rows, Some(&ks)),
        Audience::Viewer,
        d,
        LastPublished::default(),
    );
    assert_eq!(
        shown(&first),
        [["24", "10", "6", "8"], ["26", "10", "8", "8"]]
    );
    // Five arrive: one in KS3 who says Help, four in KS4.
    add_group(&mut rows, "KS3", [0, 1, 0]);
    add_group(&mut rows, "KS4", [2, 0, 2]);
    let last = LastPublished {
        view: Some(&first),
        overall: None,
    };
    let next = question_report(
        &text_question(false),
        Some(&ks),
        &counted(&rows, Some(&ks)),
        Audience::Viewer,
        d,
        last,
    );
    // KS3 went 24 -> 25 (a base, shown) and Help 6 -> 7: side by side,
    // that one young person said Help. Help is hidden now, with another
    // line of KS3 and of its column.
    let table = shown(&next);
    assert_eq!(table[0][0], "25");
    assert_eq!(table[0][2], "c");
    assert!(
        table[0][1..].iter().filter(|c| *c == "c").count() >= 2,
        "{table:?}"
    );
    assert!(
        table.iter().filter(|row| row[2] == "c").count() >= 2,
        "{table:?}"
    );
}

#[test]
fn viewers_see_about_you_questions_on_their_own_and_no_not_answered_group_for_several_choices() {
    let rows: Vec<ResponseRow> = (0..20)
        .map(|i| row(if i % 2 == 0 { "KS3" } else { "KS4" }, "a", &["Connect"]))
        .collect();
    let ks = key_stage();
    let crossed = question_report(
        &key_stage(),
        Some(&ks),
        &counted(&rows, Some(&ks)),
        Audience::Viewer,
        Disclosure::default(),
        LastPublished::default(),
    );
    assert!(crossed.withheld.is_some() && crossed.blocks.is_empty());
    let multi = Question {
        kind: Kind::Multi {
            options: vec!["KS3".into(), "KS4".into()],
        },
        ..key_stage()
    };
    let mut rows = rows;
    rows.extend((0..6).map(|_| row("", "a", &["Connect"])));
    let viewer = question_report(
        &text_question(false),
        Some(&multi),
        &counted(&rows, Some(&multi)),
        Audience::Viewer,
        Disclosure::default(),
        LastPublished::default(),
    );
    let groups: Vec<_> = viewer
        .blocks
        .iter()
        .map(|b| b.group.clone().unwrap())
        .collect();
    assert_eq!(groups, ["KS3", "KS4"]);
    let worker = question_report(
        &text_question(false),
        Some(&multi),
        &counted(&rows, Some(&multi)),
        Audience::Worker,
        Disclosure::default(),
        LastPublished::default(),
    );
    assert_eq!(worker.blocks.len(), 3, "workers see who chose none");
}

#[test]
fn a_change_is_clear_only_when_its_interval_as_shown_leaves_out_zero_and_old_ones_are_filled_in() {
    let categories = vec!["Yes".to_owned(), "No".to_owned()];
    let round = |name: &str, yes: i64, of: i64| RoundCounts {
        round: name.into(),
        counts: vec![yes, of - yes],
        answered: of,
    };
    // 5 of 10 to 16 of 19: the interval starts at +0.03 points, shown
    // as 0.0, so it is not called clear.
    let close = compare(&categories, &[round("A", 5, 10), round("B", 16, 19)]);
    assert_eq!(close.lines[0].pp_interval, Some((0, 625)));
    assert_eq!(close.lines[0].clear, Some(false));
    // 48 of 80 to 56 of 70 (Newcombe's example): clear.
    let clear = compare(&categories, &[round("A", 48, 80), round("B", 56, 70)]);
    assert_eq!(clear.lines[0].pp_interval, Some((52, 334)));
    assert_eq!(clear.lines[0].clear, Some(true));
    assert_eq!((clear.total.pp_interval, clear.total.clear), (None, None));
    // A comparison stored before changes had intervals gets the same ones.
    let mut stored = clear.clone();
    for line in &mut stored.lines {
        (line.pp_interval, line.clear) = (None, None);
    }
    stored.fill_intervals();
    assert_eq!(stored, clear);
}
