use super::*;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    heard_tests::workspace_root()
        .join("tests/fixtures/voice-of-the-child-2024")
        .join(name)
}

/// `heard ARGS`, asserting success; returns standard output.
pub(crate) fn ok(app: &TestApp, args: &[&str]) -> String {
    let output = app.heard(args, "");
    assert!(
        output.status.success(),
        "heard {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `heard ARGS`, asserting failure; returns standard error.
fn fails(app: &TestApp, args: &[&str]) -> String {
    let output = app.heard(args, "");
    assert!(!output.status.success(), "heard {args:?} succeeded");
    String::from_utf8(output.stderr).unwrap()
}

/// Loads the 22-answer fixture: its survey, responses and gold codes.
pub fn load_fixture(app: &TestApp) {
    let path = |name: &str| fixture(name).display().to_string();
    ok(app, &["survey", "import", &path("survey.toml")]);
    let imported = ok(
        app,
        &[
            "import",
            "responses",
            "--survey",
            "voice-2024",
            "--round",
            "Summer 2024",
            &path("responses.csv"),
        ],
    );
    assert!(imported.contains("Added 22 responses"), "{imported}");
    let coded = ok(
        app,
        &[
            "import",
            "codes",
            "--survey",
            "voice-2024",
            "--round",
            "Summer 2024",
            &path("gold-codes.csv"),
        ],
    );
    assert!(coded.contains("Read 66 codes"), "{coded}");
}

on_both_databases! {
    async fn the_fixture_reproduces_the_seed_reports_figures(app: TestApp) {
        load_fixture(&app);
        let csv = ok(&app, &["report", "--survey", "voice-2024", "--round", "Summer 2024"]);
        // The table in the fixture's README, row for row.
        for row in [
            // Each share with its 95% interval (Wilson; the figures agree
            // with statsmodels 0.15.0's proportion_confint): 8 of 22 is
            // 36.4%, and could well be anywhere from 19.7% to 57.0%.
            "help_before,Nothing,17,77.3,22,56.6,89.9",
            "help_before,Something,3,13.6,22,4.7,33.3",
            "help_before,Not enough,2,9.1,22,2.5,27.8",
            "change,Connect and belong,8,36.4,22,19.7,57.0",
            "change,Help and support,7,31.8,22,16.4,52.7",
            "change,More or better options,5,22.7,22,10.1,43.4",
            "change,Nothing,2,9.1,22,2.5,27.8",
            "prevent,Connect and belong,9,40.9,22,23.3,61.3",
            "prevent,Help and support,7,31.8,22,16.4,52.7",
            "prevent,More or better options,3,13.6,22,4.7,33.3",
            "prevent,Nothing,3,13.6,22,4.7,33.3",
        ] {
            assert!(csv.lines().any(|l| l == row), "no line {row} in:\n{csv}");
        }
        assert!(csv.starts_with("question,category,count,percent,n,ci_low,ci_high\n"), "{csv}");
        // Comments are not coded yet, and the report says so.
        assert!(csv.contains("comments,Not yet coded,16,100.0,16,80.6,100.0"), "{csv}");

        let one = ok(&app, &["report", "--survey", "voice-2024", "--round", "Summer 2024", "--question", "help_before", "--format", "json"]);
        let rows: serde_json::Value = serde_json::from_str(&one).unwrap();
        assert_eq!(rows.as_array().unwrap().len(), 3);
        assert_eq!(rows[0]["percent"], "77.3");
    }

    async fn a_change_of_two_young_people_in_22_is_not_a_clear_change(app: TestApp) {
        load_fixture(&app);
        // A second round with the same answers, two of which are coded
        // "Connect and belong" rather than "Help and support".
        let gold = std::fs::read_to_string(fixture("gold-codes.csv")).unwrap();
        let mut moved = 0;
        let codes: String = gold
            .lines()
            .map(|line| {
                if moved < 2 && line.ends_with(",change,Help and support") {
                    moved += 1;
                    format!("{}\n", line.replace("Help and support", "Connect and belong"))
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        assert_eq!(moved, 2);
        std::fs::write(app.dir.path().join("codes-2025.csv"), codes).unwrap();
        let responses = fixture("responses.csv").display().to_string();
        ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "Summer 2025", &responses]);
        ok(&app, &["import", "codes", "--survey", "voice-2024", "--round", "Summer 2025", "codes-2025.csv"]);
        let table = ok(&app, &["compare", "--survey", "voice-2024", "--question", "change", "--rounds", "Summer 2024,Summer 2025"]);
        assert!(table.starts_with("category,Summer 2024 count,Summer 2024 percent,Summer 2025 count,Summer 2025 percent,change,change_percent,pp_change,pp_ci_low,pp_ci_high,clear\n"), "{table}");
        // 8 to 10 of 22: Newcombe's interval for the change, -18.7 to
        // +35.0 points (statsmodels 0.15.0's confint_proportions_2indep,
        // method "newcomb", agrees), holds zero: not clear.
        assert!(table.contains("\nConnect and belong,8,36.4,10,45.5,+2,+25,+9.1,-18.7,+35.0,no\n"), "{table}");
        assert!(table.contains("\nHelp and support,7,31.8,5,22.7,-2,-29,-9.1,-33.5,+16.8,no\n"), "{table}");
        assert!(!table.contains(",yes\n"), "{table}");
    }

    async fn viewers_get_suppressed_breakdowns_and_workers_exact_ones(app: TestApp) {
        load_fixture(&app);
        let args = ["report", "--survey", "voice-2024", "--round", "Summer 2024", "--question", "change", "--by", "key_stage"];
        let worker = ok(&app, &args);
        assert!(worker.starts_with("question,attribute,category,count,percent,n,ci_low,ci_high\n"), "{worker}");
        assert!(worker.contains("change,KS5,Help and support,"), "{worker}");
        assert!(!worker.contains(",c,"), "workers see exact figures:\n{worker}");
        let mut viewer_args = args.to_vec();
        viewer_args.extend(["--audience", "viewer"]);
        let viewer = ok(&app, &viewer_args);
        // Three young people are in KS5: every figure about them is hidden.
        let ks5: Vec<&str> = viewer.lines().filter(|l| l.starts_with("change,KS5,")).collect();
        assert!(ks5.len() >= 3, "a line per theme for KS5:\n{viewer}");
        for line in &ks5 {
            // count, percent, n and the interval's two ends.
            assert!(line.ends_with(",c,c,c,c,c"), "{line}");
        }
        // The breakdown is there, with some figures shown: as many lines as
        // the worker's, not an empty table that would pass the checks below.
        assert_eq!(viewer.lines().count(), worker.lines().count(), "{viewer}");
        assert!(viewer.lines().skip(1).any(|l| !l.ends_with(",c,c,c")), "{viewer}");
        // No line shows a count below 5, or a percentage or an interval of
        // a hidden count (an interval would give the count away).
        let mut hidden_with_base = 0;
        for line in viewer.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            if let Ok(count) = cells[3].parse::<i64>() {
                assert!(count >= 5, "{line}");
            } else {
                assert_eq!(cells[4..], ["c", cells[5], "c", "c"], "{line}");
                hidden_with_base += usize::from(cells[5] != "c");
            }
        }
        assert!(hidden_with_base > 0, "a hidden count in a shown group is checked: {viewer}");
        // The overall distribution is still shown in full (2 of 22 = 9.1%).
        let overall = ok(&app, &["report", "--survey", "voice-2024", "--round", "Summer 2024", "--question", "change", "--audience", "viewer"]);
        assert!(overall.contains("change,Nothing,2,9.1,22"), "{overall}");
        let refused = fails(&app, &["report", "--survey", "voice-2024", "--round", "Summer 2024", "--by", "change"]);
        assert!(refused.contains("not an \"about you\" question"), "{refused}");
    }

    async fn table_3_3_comes_out_of_heard_compare_digit_for_digit(app: TestApp) {
        let dir = app.dir.path();
        std::fs::write(dir.join("ap.toml"), "slug = \"ap-census\"\ntitle = \"Pupils in AP\"\n\n[[questions]]\nkey = \"key_stage\"\nkind = \"single\"\ntext = \"Key stage\"\noptions = [\"EYFS\", \"KS1\", \"KS2\", \"KS3\", \"KS4\", \"KS5\", \"Post-19\"]\nabout_you = true\n").unwrap();
        ok(&app, &["survey", "import", "ap.toml"]);
        let stages = ["EYFS", "KS1", "KS2", "KS3", "KS4", "KS5", "Post-19"];
        for (round, counts) in [
            ("30.05.24", [4, 13, 47, 184, 286, 51, 39]),
            ("31.07.24", [5, 19, 56, 224, 220, 65, 28]),
            ("13.11.24", [5, 24, 78, 199, 297, 104, 32]),
        ] {
            let mut csv = String::from("key_stage\r\n");
            for (stage, count) in stages.iter().zip(counts) {
                csv.push_str(&format!("{stage}\r\n").repeat(count));
            }
            std::fs::write(dir.join("counts.csv"), csv).unwrap();
            ok(&app, &["import", "responses", "--survey", "ap-census", "--round", round, "counts.csv"]);
        }
        let table = ok(&app, &["compare", "--survey", "ap-census", "--question", "key_stage", "--rounds", "30.05.24,31.07.24,13.11.24"]);
        assert_eq!(
            table,
            "category,30.05.24 count,30.05.24 percent,31.07.24 count,31.07.24 percent,13.11.24 count,13.11.24 percent,change,change_percent,pp_change,pp_ci_low,pp_ci_high,clear\n\
             EYFS,4,0.6,5,0.8,5,0.7,+1,+25,0.0,-1.0,+1.0,no\n\
             KS1,13,2.1,19,3.1,24,3.2,+11,+85,+1.2,-0.6,+2.9,no\n\
             KS2,47,7.5,56,9.1,78,10.6,+31,+66,+3.0,-0.1,+6.1,no\n\
             KS3,184,29.5,224,36.3,199,26.9,+15,+8,-2.6,-7.4,+2.2,no\n\
             KS4,286,45.8,220,35.7,297,40.2,+11,+4,-5.6,-10.9,-0.4,yes\n\
             KS5,51,8.2,65,10.5,104,14.1,+53,+104,+5.9,+2.6,+9.2,yes\n\
             Post-19,39,6.3,28,4.5,32,4.3,-7,-18,-1.9,-4.4,+0.5,no\n\
             Total,624,100.0,617,100.0,739,100.0,+115,+18,,,,\n"
        );
        // The table counts every pupil in AP, not a sample: marked so, its
        // figures are exact, with no intervals and no test for chance.
        let set = ok(&app, &["survey", "disclosure", "ap-census", "--population", "whole"]);
        assert!(set.contains("It counts every young person (the whole population)"), "{set}");
        let census = ok(&app, &["compare", "--survey", "ap-census", "--question", "key_stage", "--rounds", "30.05.24,31.07.24,13.11.24"]);
        assert!(census.contains("\nKS5,51,8.2,65,10.5,104,14.1,+53,+104,+5.9,,,\n"), "{census}");
        let report = ok(&app, &["report", "--survey", "ap-census", "--round", "13.11.24"]);
        assert!(report.contains("\nkey_stage,KS5,104,14.1,739,,\n"), "{report}");
        ok(&app, &["survey", "disclosure", "ap-census", "--population", "sample"]);
        let sample = ok(&app, &["report", "--survey", "ap-census", "--round", "13.11.24"]);
        assert!(sample.contains("\nkey_stage,KS5,104,14.1,739,11.8,16.8\n"), "{sample}");

        let missing = fails(&app, &["compare", "--survey", "ap-census", "--question", "key_stage", "--rounds", "30.05.24,1.1.25"]);
        assert!(missing.contains("no round \"1.1.25\""), "{missing}");
    }

    // Two workers import overlapping files into one round at the same
    // moment. Each checks the round before storing, so both find every
    // row new; the second to store meets the first's respondents half way
    // through its file, after its first half went in: it must store none
    // of it. The round ends with one file whole, never a mixture.
    async fn two_imports_into_one_round_at_once_store_one_whole_and_none_of_the_other(app: TestApp) {
        ok(&app, &["survey", "import", &fixture("survey.toml").display().to_string()]);
        let fixture_rows = std::fs::read_to_string(fixture("responses.csv")).unwrap();
        let mut lines = fixture_rows.lines();
        let header = lines.next().unwrap();
        let answers: Vec<&str> = lines.map(|line| line.split_once(',').unwrap().1).collect();
        const ROWS: usize = 1_500;
        // Both files give row i the same answers; "b" has its own
        // respondents for its first half and "a"'s for its second.
        for (name, own_until) in [("a", 0), ("b", ROWS / 2)] {
            let mut file = format!("{header}\n");
            for i in 0..ROWS {
                let prefix = if i < own_until { "q" } else { "p" };
                file += &format!("{prefix}{i:05},{}\n", answers[i % answers.len()]);
            }
            std::fs::write(app.dir.path().join(format!("{name}.csv")), file).unwrap();
        }
        std::fs::write(app.dir.path().join("first.csv"), format!("{header}\nfirst,KS3,a,b,c,\n")).unwrap();
        // The round exists before, so neither import makes it.
        ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "R", "first.csv"]);
        let said: Vec<String> = std::thread::scope(|scope| {
            let imports: Vec<_> = ["a.csv", "b.csv"]
                .map(|file| {
                    let app = &app;
                    scope.spawn(move || {
                        let o = app.heard(&["import", "responses", "--survey", "voice-2024", "--round", "R", file], "");
                        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
                    })
                })
                .into_iter()
                .collect();
            imports.into_iter().map(|import| import.join().unwrap()).collect()
        });
        let whole = format!("Added {ROWS} responses");
        // Refused whole: it met the other's respondents, or (SQLite, on
        // a slow machine) waited longer than a writer waits for the other.
        let refused = ["nothing was stored: another import into round \"R\" stored some of the same respondents", "nothing was stored: the database was busy"];
        let after = format!("Added {} responses", ROWS / 2);
        let raced = said.iter().any(|s| refused.iter().any(|r| s.contains(r)));
        assert!(
            said.iter().filter(|s| s.contains(&whole)).count() == 1
                && said.iter().any(|s| refused.iter().any(|r| s.contains(r)) || (s.contains(&after) && s.contains("rows were already there"))),
            "one import stores its file, the other lost the race whole or came after it: {said:?}"
        );
        // Every response of the winner's file and none of the loser's own
        // (an import that came after adds its own half).
        let expected = 1 + ROWS + if raced { 0 } else { ROWS / 2 };
        assert_eq!(app.stored_responses().await, expected as i64, "{said:?}");
        // The same file alone in a round of its own, to count its answers.
        ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "Alone", "a.csv"]);
        let db = app.database().await;
        let answers_in = async |round: &str| -> i64 {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.name = $1",
            )
            .bind(round)
            .fetch_one(&db)
            .await
            .unwrap();
            n
        };
        let alone = answers_in("Alone").await;
        assert!(alone > 3 * ROWS as i64, "{alone}");
        if raced {
            // "first" answered four questions.
            assert_eq!(answers_in("R").await, alone + 4, "every answer of one file once, and no stray ones");
            let report = ok(&app, &["report", "--survey", "voice-2024", "--round", "R", "--question", "key_stage"]);
            // Every line's base (n, before the interval) is one file and "first".
            let bases: Vec<&str> = report.lines().skip(1).map(|l| l.split(',').nth(4).unwrap()).collect();
            assert!(!bases.is_empty() && bases.iter().all(|n| *n == (1 + ROWS).to_string()), "the report counts one file: {report}");
        } else {
            eprintln!("the imports did not overlap this time: {said:?}");
        }
    }

    async fn a_bad_file_stores_nothing_and_names_every_problem(app: TestApp) {
        ok(&app, &["survey", "import", &fixture("survey.toml").display().to_string()]);
        let dir = app.dir.path();
        std::fs::write(
            dir.join("bad.csv"),
            "respondent,key_stage,help_before,prevent,change,comments\n\
             r1,KS4,Nothing,Listen,Help,\n\
             r2,KS9,Nothing,Listen,Help,\n\
             r1,KS3,Nothing,Listen,Help,\n\
             r4,KS3,Nothing\n",
        )
        .unwrap();
        for dry_run in [false, true] {
            let mut args = vec!["import", "responses", "--survey", "voice-2024", "--round", "R", "bad.csv"];
            if dry_run {
                args.push("--dry-run");
            }
            let error = fails(&app, &args);
            assert!(error.contains("nothing was stored. 3 problems"), "{error}");
            assert!(error.contains("line 3, column \"key_stage\": \"KS9\" is not an option of question \"key_stage\""), "{error}");
            assert!(error.contains("line 4, column \"respondent\": duplicate respondent \"r1\" (also on line 2)"), "{error}");
            assert!(error.contains("line 5: this row has 3 cells but the header has 6"), "{error}");
        }
        assert_eq!(app.stored_responses().await, 0);
        let rounds = fails(&app, &["report", "--survey", "voice-2024", "--round", "R"]);
        assert!(rounds.contains("has no round \"R\""), "a refused import creates no round: {rounds}");

        // A dry run of a good file says what it would do and stores nothing.
        let path = fixture("responses.csv").display().to_string();
        let dry = ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "R", "--dry-run", &path]);
        assert!(dry.contains("Would add 22 responses"), "{dry}");
        assert_eq!(app.stored_responses().await, 0);

        // Importing again with changed answers for a known respondent is refused whole.
        ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "R", &path]);
        std::fs::write(
            dir.join("changed.csv"),
            "respondent,key_stage,help_before,prevent,change,comments\nr23,KS3,a,b,c,\nr01,KS3,other,answers,here,\n",
        )
        .unwrap();
        let error = fails(&app, &["import", "responses", "--survey", "voice-2024", "--round", "R", "changed.csv"]);
        assert!(error.contains("line 3, column \"respondent\": respondent \"r01\" is already in round \"R\" with different answers"), "{error}");
        assert_eq!(app.stored_responses().await, 22);

        // Codes for someone not in the round, or a theme not in the codebook.
        std::fs::write(dir.join("codes.csv"), "respondent,question,theme\nr01,change,Nothing\nr99,change,Nothing\n").unwrap();
        let error = fails(&app, &["import", "codes", "--survey", "voice-2024", "--round", "R", "codes.csv"]);
        assert!(error.contains("line 3, column \"respondent\": round \"R\" has no response from respondent \"r99\""), "{error}");
        std::fs::write(dir.join("codes.csv"), "respondent,question,theme\nr01,change,Nothin\n").unwrap();
        let error = fails(&app, &["import", "codes", "--survey", "voice-2024", "--round", "R", "codes.csv"]);
        assert!(error.contains("line 2, column \"theme\": \"Nothin\" is not a theme of question \"change\""), "{error}");
        let report = ok(&app, &["report", "--survey", "voice-2024", "--round", "R", "--question", "change"]);
        assert_eq!(report, "question,category,count,percent,n,ci_low,ci_high\nchange,Connect and belong,0,0.0,22,0.0,14.9\nchange,Help and support,0,0.0,22,0.0,14.9\nchange,More or better options,0,0.0,22,0.0,14.9\nchange,Nothing,0,0.0,22,0.0,14.9\nchange,Not yet coded,22,100.0,22,85.1,100.0\n");
    }

    async fn a_google_forms_export_is_read_by_question_text_without_storing_e_mails(app: TestApp) {
        ok(&app, &["survey", "import", &fixture("survey.toml").display().to_string()]);
        std::fs::write(
            app.dir.path().join("google.csv"),
            "\u{feff}Timestamp,Email address,Which key stage are you in?,What did your previous school do to help and support you before you were permanently excluded?,How could your school have prevented your permanent exclusion?,What needs to change?,Anything else you want to tell us?\r\n\
             2024/07/01 10:00:00 AM GMT+1,child@example.org,KS4,\"Nothing,\r\nreally\",\"They said \"\"no\"\" \\ 😀 ünï\",More help,\r\n",
        )
        .unwrap();
        let out = ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "G", "google.csv"]);
        assert!(out.contains("Not stored: the columns Timestamp, Email address."), "{out}");
        let db = app.database().await;
        let stored: Vec<(String,)> = sqlx::query_as("SELECT value FROM answers").fetch_all(&db).await.unwrap();
        let mut values: Vec<&str> = stored.iter().map(|(v,)| v.as_str()).collect();
        values.sort();
        // Stored exactly as written: quotes, a backslash and any character.
        assert_eq!(values, ["KS4", "More help", "Nothing,\r\nreally", "They said \"no\" \\ 😀 ünï"]);
        assert!(!values.iter().any(|v| v.contains("example.org")));
    }

    async fn the_import_page_maps_columns_checks_every_row_and_stores_all_or_nothing(app: TestApp) {
        ok(&app, &["survey", "import", &fixture("survey.toml").display().to_string()]);
        app.add_user("worker", "worker@example.org", "correct horse battery staple");
        app.add_user("viewer", "head@example.org", "correct horse battery staple");
        let worker = app.log_in("worker@example.org", "correct horse battery staple").await.unwrap();
        let viewer = app.log_in("head@example.org", "correct horse battery staple").await.unwrap();
        let call = |name: &'static str, body: serde_json::Value, cookie: String| {
            let request = app.client().post(app.url(&format!("/api/{name}"))).header("cookie", cookie).json(&body);
            async move {
                let response = request.send().await.unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                if name != "import_responses_file" || !status.is_success() {
                    return (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null));
                }
                // The import answers with one event a line: rows stored so
                // far, then what came of it.
                let events: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
                let (last, progress) = events.split_last().expect("at least the outcome");
                for event in progress {
                    assert!(event["Stored"].is_array(), "{text}");
                }
                if last["Done"]["stored"] == true {
                    assert_eq!(progress.last().map(|e| e["Stored"].clone()), Some(serde_json::json!([2, 2])), "{text}");
                }
                (status, last["Done"].clone())
            }
        };
        // A spreadsheet typed up from paper: its own headings, and a column
        // of names that must never be stored.
        let csv = "Pupil,Stage,Help before,Prevent,Change,Comments\n\
                   Sam,KS4,Nothing,Listen,More help,\n\
                   Alex,KS3,A mentor,Talk to me,Less shouting,Thanks\n";
        let (status, preview) = call("preview_import", serde_json::json!({ "survey": "voice-2024", "csv": csv }), worker.clone()).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{preview}");
        assert_eq!(preview["headings"][1], "Stage");
        // "Prevent" is the question's key; "Pupil" and "Stage" match nothing.
        assert_eq!(preview["uses"], serde_json::json!([null, null, null, { "Question": "prevent" }, { "Question": "change" }, { "Question": "comments" }]));
        assert!(preview["questions"].to_string().contains("key_stage"), "{preview}");

        // Unmapped columns are refused whole, each one named.
        let import = |mapping: serde_json::Value, dry_run: bool| serde_json::json!({
            "survey": "voice-2024", "round": "Typed up", "csv": csv, "mapping": mapping, "dry_run": dry_run,
        });
        let (_, refused) = call("import_responses_file", import(serde_json::json!([]), false), worker.clone()).await;
        // Pupil, Stage and Help before, and the two questions left without a column.
        assert_eq!(refused["problems"].as_array().unwrap().len(), 5, "{refused}");
        assert!(refused["problems"][4]["reason"].as_str().unwrap().contains("missing required column for question \"help_before\""), "{refused}");
        assert!(refused["problems"][0]["reason"].as_str().unwrap().contains("matches no question"), "{refused}");
        assert_eq!(app.stored_responses().await, 0);

        let mapping = serde_json::json!([
            ["Pupil", "Ignore"],
            ["Stage", { "Question": "key_stage" }],
            ["Help before", { "Question": "help_before" }],
            ["Prevent", { "Question": "prevent" }],
            ["Change", { "Question": "change" }],
            ["Comments", { "Question": "comments" }],
        ]);
        let (_, checked) = call("import_responses_file", import(mapping.clone(), true), worker.clone()).await;
        assert_eq!(checked["added"], 2, "{checked}");
        assert_eq!(checked["stored"], false);
        assert_eq!(app.stored_responses().await, 0, "checking stores nothing");

        // Viewers cannot import.
        let (status, _) = call("import_responses_file", import(mapping.clone(), false), viewer.clone()).await;
        assert_eq!(status, reqwest::StatusCode::FORBIDDEN);

        let (_, stored) = call("import_responses_file", import(mapping, false), worker.clone()).await;
        assert_eq!(stored["added"], 2, "{stored}");
        assert_eq!(stored["new_round"], true);
        assert_eq!(stored["ignored_columns"], serde_json::json!(["Pupil"]));
        assert!(stored["round_id"].is_string(), "{stored}");
        assert_eq!(app.stored_responses().await, 2);
        let db = app.database().await;
        let (names,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM answers WHERE value IN ('Sam', 'Alex')").fetch_one(&db).await.unwrap();
        assert_eq!(names, 0, "the names column is never stored");

        // A file over the 2 MB that other server functions take goes through
        // for a worker; the same body from someone not logged in is refused
        // before it is read at all, and from a viewer after 2 MB.
        let mut big = String::from("respondent,key_stage,help_before,prevent,change,comments\n");
        let mut rows = 0;
        while big.len() < 5 * 1024 * 1024 {
            big.push_str(&format!("p{rows:07},KS4,Nothing at all really,Listen to me and do not shout,More help and support please,\n"));
            rows += 1;
        }
        let body = serde_json::json!({ "survey": "voice-2024", "round": "Big", "csv": big, "mapping": [], "dry_run": true });
        let (status, checked) = call("import_responses_file", body.clone(), worker.clone()).await;
        assert_eq!(status, reqwest::StatusCode::OK);
        assert_eq!(checked["added"], rows, "every row of a 5 MB file checked");
        // Sent by hand: only part of the body, then the answer is read, so
        // that the server's early answer is seen rather than a connection
        // closed while the rest was still being sent.
        let body = body.to_string();
        let (status, refused) = heard_tests::post_partly(&app, "/api/import_responses_file", None, "application/json", body.as_bytes(), 64 * 1024).await;
        assert_eq!(status, 401, "no session: refused before the body is read: {refused}");
        // A viewer is answered 413 as soon as 2 MB have been read.
        let (status, refused) = heard_tests::post_partly(&app, "/api/import_responses_file", Some(&viewer), "application/json", body.as_bytes(), 3 * 1024 * 1024).await;
        assert_eq!(status, 413, "{refused}");
        assert!(refused.contains("more than Heard takes at once (2 MB)"), "{refused}");

        // A bad option stops the whole file, with its line and column.
        let bad = csv.replace("KS3", "KS9");
        let (_, refused) = call("import_responses_file", serde_json::json!({
            "survey": "voice-2024", "round": "Typed up 2", "csv": bad, "dry_run": false,
            "mapping": [["Pupil", "Ignore"], ["Stage", { "Question": "key_stage" }], ["Help before", { "Question": "help_before" }],
                        ["Prevent", { "Question": "prevent" }], ["Change", { "Question": "change" }], ["Comments", { "Question": "comments" }]],
        }), worker).await;
        assert_eq!(refused["problems"][0]["line"], 3, "{refused}");
        assert_eq!(refused["problems"][0]["column"], "Stage", "{refused}");
        assert_eq!(app.stored_responses().await, 2);
    }

    async fn exported_responses_read_back_in_and_export_identically(app: TestApp) {
        load_fixture(&app);
        let first = ok(&app, &["export", "responses", "--survey", "voice-2024", "--round", "Summer 2024"]);
        let mut lines = first.lines();
        assert_eq!(
            lines.next().unwrap(),
            "respondent,language,key_stage,help_before,prevent,change,comments,help_before: Nothing,help_before: Something,help_before: Not enough,\
             prevent: Connect and belong,prevent: Help and support,prevent: More or better options,prevent: Nothing,\
             change: Connect and belong,change: Help and support,change: More or better options,change: Nothing"
        );
        let r01 = lines.next().unwrap();
        assert!(r01.starts_with("r01,,KS4,Nothing. They hated me.,"), "{r01}");
        // r01: help_before Nothing, prevent and change Connect and belong.
        assert!(r01.ends_with(",1,0,0,1,0,0,0,1,0,0,0"), "{r01}");
        assert_eq!(first.lines().count(), 23);

        // Import the export (its theme columns are skipped) and the gold
        // codes as a second round: the second export is the same file.
        std::fs::write(app.dir.path().join("export.csv"), &first).unwrap();
        ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "Again", "export.csv"]);
        let codes = fixture("gold-codes.csv").display().to_string();
        ok(&app, &["import", "codes", "--survey", "voice-2024", "--round", "Again", &codes]);
        let second = ok(&app, &["export", "responses", "--survey", "voice-2024", "--round", "Again"]);
        assert_eq!(first, second);
        // And importing it again into the same round adds nothing.
        let again = ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "Again", "export.csv"]);
        assert!(again.contains("Added 0 responses") && again.contains("22 rows were already there"), "{again}");
    }

    async fn imported_text_with_tabs_breaks_and_backslashes_is_stored_exactly(app: TestApp) {
        // PostgreSQL takes imports by COPY, whose text format gives tab,
        // line break, carriage return and backslash meanings of their own
        // (and `\N` is none): each must arrive as written, and an empty
        // skipped answer must stay skipped.
        ok(&app, &["survey", "import", &fixture("survey.toml").display().to_string()]);
        let awkward = "tab\there, \\N and \\t as typed, a back\\slash,\nsecond line\r\nthird \"quoted\" línea";
        let quoted = format!("\"{}\"", awkward.replace('"', "\"\""));
        let file = format!(
            "respondent,key_stage,help_before,prevent,change,comments\n\
             x1,KS4,{quoted},,\\,{quoted}\n"
        );
        std::fs::write(app.dir.path().join("awkward.csv"), &file).unwrap();
        ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "Awkward", "awkward.csv"]);
        let exported = ok(&app, &["export", "responses", "--survey", "voice-2024", "--round", "Awkward"]);
        let row = exported.split_once('\n').unwrap().1;
        assert!(
            row.starts_with(&format!("x1,,KS4,{quoted},,\\,{quoted},")),
            "exported:\n{row}\nexpected the row to start:\nx1,,KS4,{quoted},,\\,{quoted},"
        );
    }

    async fn the_thresholds_are_set_per_survey(app: TestApp) {
        load_fixture(&app);
        let shown = ok(&app, &["survey", "disclosure", "voice-2024"]);
        assert_eq!(
            shown,
            "Survey voice-2024: viewers see no breakdown cell below 5 and no question fewer than 10 answered; overall counts are shown in full.\n\
             It asks a sample: every share has a 95% interval and changes are tested for chance.\n"
        );
        // The overall figures in full by default, as the 2024 report showed
        // them ("Not enough, 2 of 22"); hidden on request, with a second
        // line so the total does not give the small one away.
        let overall = ["report", "--survey", "voice-2024", "--round", "Summer 2024", "--question", "help_before", "--audience", "viewer"];
        assert!(ok(&app, &overall).contains("help_before,Not enough,2,9.1,22"));
        let set = ok(&app, &["survey", "disclosure", "voice-2024", "--small-overall-counts", "hide"]);
        assert!(set.contains("overall counts from 1 to 4 are hidden too"), "{set}");
        let hidden = ok(&app, &overall);
        assert!(hidden.contains("help_before,Not enough,c,c,22") && hidden.contains("help_before,Something,c,c,22"), "{hidden}");
        assert!(hidden.contains("help_before,Nothing,17,77.3,22"), "{hidden}");
        let worker = ok(&app, &["report", "--survey", "voice-2024", "--round", "Summer 2024", "--question", "help_before"]);
        assert!(worker.contains("help_before,Not enough,2,9.1,22"), "workers see every figure: {worker}");
        ok(&app, &["survey", "disclosure", "voice-2024", "--small-overall-counts", "show"]);
        let args = ["report", "--survey", "voice-2024", "--round", "Summer 2024", "--question", "change", "--by", "key_stage", "--audience", "viewer"];
        let at_five = ok(&app, &args);
        let set = ok(&app, &["survey", "disclosure", "voice-2024", "--min-cell", "11"]);
        assert!(set.contains("below 11 and no question fewer than 10"), "{set}");
        let at_eleven = ok(&app, &args);
        assert!(at_eleven.matches(",c,").count() > at_five.matches(",c,").count(), "{at_five}\n{at_eleven}");
        ok(&app, &["survey", "disclosure", "voice-2024", "--min-answers", "23"]);
        let withheld = ok(&app, &["report", "--survey", "voice-2024", "--round", "Summer 2024", "--audience", "viewer"]);
        assert_eq!(withheld, "question,category,count,percent,n,ci_low,ci_high\n", "22 answered, fewer than 23: every question withheld");
        let refused = fails(&app, &["survey", "disclosure", "voice-2024", "--min-cell", "0"]);
        assert!(refused.contains("--min-cell"), "{refused}");
    }

    async fn codebooks_go_out_as_valid_refi_qda_and_csv_and_come_back_in(app: TestApp) {
        load_fixture(&app);
        let refi = heard_tests::workspace_root().join("tests/fixtures/refi-qda");
        let qdc = ok(&app, &["codebook", "export", "--survey", "voice-2024", "--question", "change"]);
        assert!(qdc.contains("<Code guid=\"") && qdc.contains("name=\"More or better options\""), "{qdc}");
        let file = app.dir.path().join("change.qdc");
        std::fs::write(&file, &qdc).unwrap();
        let xmllint = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(refi.join("Codebook.xsd"))
            .arg(&file)
            .output()
            .expect("xmllint runs (Debian's libxml2-utils; scripts/test installs it)");
        assert!(xmllint.status.success(), "{}", String::from_utf8_lossy(&xmllint.stderr));

        // Reading it back changes nothing, down to the guids.
        ok(&app, &["codebook", "import", "--survey", "voice-2024", "--question", "change", "change.qdc"]);
        assert_eq!(ok(&app, &["codebook", "export", "--survey", "voice-2024", "--question", "change"]), qdc);
        let csv = ok(&app, &["codebook", "export", "--survey", "voice-2024", "--question", "change", "--format", "csv"]);
        assert_eq!(csv, "theme,description,keywords\nConnect and belong,,\nHelp and support,,\nMore or better options,,\nNothing,,\n");

        // A real codebook from another tool (non-UUID guids, nested codes).
        let other = refi.join("openqda-example_codebook.qdc").display().to_string();
        let imported = ok(&app, &["codebook", "import", "--survey", "voice-2024", "--question", "comments", &other]);
        assert!(imported.contains("now has 44 themes"), "{imported}");
        let themes = ok(&app, &["codebook", "export", "--survey", "voice-2024", "--question", "comments", "--format", "csv"]);
        let mut names = themes.lines().skip(1).map(|l| l.split(',').next().unwrap());
        // Parents come before their children, which are named under them.
        assert_eq!(names.next(), Some("Negativ/Aufgeregt"));
        assert_eq!(names.next(), Some("Negativ/Aufgeregt > Rage"));

        // Leaving out a theme answers are coded with is refused, whole.
        std::fs::write(app.dir.path().join("short.csv"), "theme,description,keywords\nNothing,,nothing\n").unwrap();
        let refused = fails(&app, &["codebook", "import", "--survey", "voice-2024", "--question", "change", "short.csv"]);
        assert!(refused.contains("theme \"Help and support\" is used in 7 codings; merge it into another theme instead of removing it"), "{refused}");
        assert_eq!(ok(&app, &["codebook", "export", "--survey", "voice-2024", "--question", "change", "--format", "csv"]), csv);
        let bad = fails(&app, &["codebook", "export", "--survey", "voice-2024", "--question", "key_stage"]);
        assert!(bad.contains("not a free-text question"), "{bad}");
    }

    async fn a_round_goes_out_as_a_refi_qda_project_the_schema_accepts(app: TestApp) {
        use std::io::Read;
        load_fixture(&app);
        let done = ok(&app, &["export", "project", "--survey", "voice-2024", "--round", "Summer 2024", "round.qdpx"]);
        assert!(done.contains("82 free-text answers as sources"), "{done}");
        let package = std::fs::read(app.dir.path().join("round.qdpx")).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package)).expect("a .qdpx is a zip");
        let mut qde = String::new();
        zip.by_name("project.qde").unwrap().read_to_string(&mut qde).unwrap();
        let file = app.dir.path().join("project.qde");
        std::fs::write(&file, &qde).unwrap();
        let schema = heard_tests::workspace_root().join("tests/fixtures/refi-qda/Project.xsd");
        let xmllint = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(schema)
            .arg(&file)
            .output()
            .expect("xmllint runs (Debian's libxml2-utils; scripts/test installs it)");
        assert!(xmllint.status.success(), "{}", String::from_utf8_lossy(&xmllint.stderr));

        // 22 young people, each free-text answer a source file (22 answers
        // to each of three questions, 16 comments), and the 66 gold codes.
        assert_eq!(qde.matches("<Case ").count(), 22);
        assert_eq!(qde.matches("<SourceRef ").count(), 82);
        assert_eq!(qde.matches("<TextSource ").count(), 82);
        assert_eq!(zip.len(), 83, "project.qde and 82 sources");
        assert_eq!(qde.matches("<Coding ").count(), 66);
        assert_eq!(qde.matches("<TextValue>KS4</TextValue>").count(), 13, "key stage is a case variable");
        // r01's first answer is its own source, coded "Nothing" as a whole.
        let at = qde.find("name=\"r01 - help_before\"").expect("r01's answer as a source");
        let path = &qde[at..];
        let path = &path[path.find("internal://").unwrap() + "internal://".len()..];
        let path = &path[..path.find('"').unwrap()];
        let mut text = String::new();
        zip.by_name(&format!("sources/{path}")).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "Nothing. They hated me.");
        let selection = &qde[at..at + qde[at..].find("</TextSource>").unwrap()];
        assert!(selection.contains(&format!("endPosition=\"{}\"", text.chars().count())), "{selection}");
        let codebook = ok(&app, &["codebook", "export", "--survey", "voice-2024", "--question", "help_before"]);
        let named = codebook.find("\" name=\"Nothing\"").expect("a Nothing theme");
        let nothing = &codebook[named - 36..named];
        assert!(selection.contains(&format!("<CodeRef targetGUID=\"{nothing}\"/>")), "the theme's guid is the codebook's: {selection}");

        // The round's page offers the same project to workers, not viewers.
        let (round_id,): (String,) = sqlx::query_as("SELECT r.id FROM rounds r JOIN surveys s ON s.id = r.survey_id WHERE s.slug = 'voice-2024'")
            .fetch_one(&app.database().await)
            .await
            .unwrap();
        app.add_user("worker", "worker@example.org", "correct horse battery staple");
        app.add_user("viewer", "head@example.org", "correct horse battery staple");
        let download = |email: &'static str| {
            let app = &app;
            let url = app.url(&format!("/rounds/{round_id}/project.qdpx"));
            async move {
                let cookie = app.log_in(email, "correct horse battery staple").await.unwrap();
                app.client().get(url).header("cookie", cookie).send().await.unwrap()
            }
        };
        assert_eq!(download("head@example.org").await.status(), reqwest::StatusCode::FORBIDDEN);
        let response = download("worker@example.org").await;
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/zip");
        let bytes = response.bytes().await.unwrap();
        let mut downloaded = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let mut same = String::new();
        downloaded.by_name("project.qde").unwrap().read_to_string(&mut same).unwrap();
        assert_eq!(same, qde, "the same round gives the same project");

        // An existing file is never overwritten.
        let refused = fails(&app, &["export", "project", "--survey", "voice-2024", "--round", "Summer 2024", "round.qdpx"]);
        assert!(refused.contains("could not create round.qdpx"), "{refused}");
    }

    async fn a_backup_taken_while_running_restores_to_identical_exports(app: TestApp) {
        load_fixture(&app);
        let export = |app: &TestApp, env: &[(&str, &str)]| {
            let out = heard_tests::run_heard(app.dir.path(), env, &["export", "responses", "--survey", "voice-2024", "--round", "Summer 2024"], "");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        };
        let before = ok(&app, &["export", "responses", "--survey", "voice-2024", "--round", "Summer 2024"]);
        if app.database_url.starts_with("postgres") {
            let refused = fails(&app, &["backup", "b.db"]);
            assert!(refused.contains("pg_dump"), "{refused}");
            return;
        }
        // The server is running while the backup is taken.
        let done = ok(&app, &["backup", "b.db"]);
        assert!(done.contains("Backed up to b.db"), "{done}");
        let again = fails(&app, &["backup", "b.db"]);
        assert!(again.contains("already exists"), "{again}");
        // Restore into a new database: the export is byte-identical.
        let fresh = [("DATABASE_URL", "sqlite://restored/heard.db")];
        let out = heard_tests::run_heard(app.dir.path(), &fresh, &["restore", "b.db"], "");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(export(&app, &fresh), before);
        // Restoring over a database with answers needs --force.
        let out = heard_tests::run_heard(app.dir.path(), &fresh, &["restore", "b.db"], "");
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("Add --force"));
        let out = heard_tests::run_heard(app.dir.path(), &fresh, &["restore", "--force", "b.db"], "");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(export(&app, &fresh), before);
        std::fs::write(app.dir.path().join("junk.db"), "not a database").unwrap();
        let out = heard_tests::run_heard(app.dir.path(), &fresh, &["restore", "--force", "junk.db"], "");
        assert!(!out.status.success(), "restoring junk must fail");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not a Heard backup"), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(export(&app, &fresh), before, "a failed restore changes nothing");
    }

    async fn erasing_free_text_keeps_the_coded_counts_and_is_audited(app: TestApp) {
        load_fixture(&app);
        let path = fixture("responses.csv").display().to_string();
        ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "Summer 2025", &path]);
        let report = |round: &str| ok(&app, &["report", "--survey", "voice-2024", "--round", round]);
        let before = report("Summer 2024");
        let db = app.database().await;
        // A starred quote in the round (as the coding screen stores one).
        sqlx::query("INSERT INTO quotes (response_id, question_id, redacted, approved_by, approved_at) \
                     SELECT a.response_id, a.question_id, 'Nothing. They hated me.', 'w', 1 FROM answers a \
                     JOIN responses x ON x.id = a.response_id JOIN rounds r ON r.id = x.round_id \
                     WHERE r.name = 'Summer 2024' AND a.value = 'Nothing. They hated me.'")
            .execute(&db).await.unwrap();

        let bad = fails(&app, &["round", "retention", "--survey", "voice-2024", "--round", "Summer 2024", "--until", "2024-02-30"]);
        assert!(bad.contains("is not a date written YYYY-MM-DD"), "{bad}");
        ok(&app, &["round", "retention", "--survey", "voice-2024", "--round", "Summer 2024", "--until", "2025-08-31"]);
        ok(&app, &["round", "retention", "--survey", "voice-2024", "--round", "Summer 2025", "--until", "2999-08-31"]);
        let erased = ok(&app, &["erase", "--due"]);
        assert!(erased.contains("Erased the free text of round \"Summer 2024\" of voice-2024: 82 answers, 1 quotes"), "{erased}");
        assert!(!erased.contains("Summer 2025"), "a round inside its retention date is kept: {erased}");

        // Counts and comparisons still work; the words are gone.
        assert_eq!(report("Summer 2024"), before);
        let export = ok(&app, &["export", "responses", "--survey", "voice-2024", "--round", "Summer 2024"]);
        assert!(!export.contains("They hated me"), "{export}");
        assert!(export.lines().nth(1).unwrap().starts_with("r01,,KS4,[erased],[erased],[erased],[erased],1,"), "{export}");
        let quotes: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM quotes").fetch_one(&db).await.unwrap();
        assert_eq!(quotes.0, 0);
        let kept = ok(&app, &["export", "responses", "--survey", "voice-2024", "--round", "Summer 2025"]);
        assert!(kept.contains("They hated me"), "the other round is untouched");
        // The imports are in the audit log too; the erasure is its one entry of that kind.
        let audit: (String, String) = sqlx::query_as("SELECT action, detail FROM audit_log WHERE action LIKE 'erase%'").fetch_one(&db).await.unwrap();
        assert_eq!(audit.0, "erase free text");
        assert!(audit.1.contains("82 answers, 1 quotes (retention date passed)"), "{}", audit.1);
        assert!(ok(&app, &["erase", "--due"]).contains("No round is past its retention date."));
        let on_demand = ok(&app, &["erase", "--survey", "voice-2024", "--round", "Summer 2025", "--free-text"]);
        assert!(on_demand.contains("82 answers"), "{on_demand}");
    }
}
