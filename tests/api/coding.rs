use super::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// A small survey whose codebook has keywords, and three answers.
fn set_up(app: &TestApp) {
    let dir = app.dir.path();
    std::fs::write(
        dir.join("s.toml"),
        r#"slug = "s"
title = "Small"

[[questions]]
key = "ks"
kind = "single"
text = "Key stage"
options = ["KS3", "KS4"]
about_you = true

[[questions]]
key = "change"
kind = "text"
text = "What needs to change?"
coding = "single"
[[questions.themes]]
name = "Connect and belong"
keywords = ["listen", "trust"]
[[questions.themes]]
name = "Help and support"
keywords = ["support", "help"]
"#,
    )
    .unwrap();
    assert!(
        app.heard(&["survey", "import", "s.toml"], "")
            .status
            .success()
    );
    std::fs::write(
        dir.join("r.csv"),
        "respondent,ks,change\nr1,KS3,They never listened to me\nr2,KS4,More support from Mr Jones\nr3,KS4,idk\n",
    )
    .unwrap();
    let out = app.heard(
        &[
            "import",
            "responses",
            "--survey",
            "s",
            "--round",
            "R",
            "r.csv",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.add_user("worker", "worker@example.org", PASSWORD);
    app.add_user("worker", "second@example.org", PASSWORD);
    app.add_user("viewer", "head@example.org", PASSWORD);
}

async fn json_call(app: &TestApp, name: &str, body: Value, cookie: &str) -> (StatusCode, Value) {
    let response = app
        .client()
        .post(app.url(&format!("/api/{name}")))
        .header("cookie", cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn form_call(
    app: &TestApp,
    name: &str,
    form: &[(&str, &str)],
    cookie: &str,
) -> (StatusCode, Value) {
    let response = app
        .client()
        .post(app.url(&format!("/api/{name}")))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn round_id(app: &TestApp) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM rounds WHERE name = 'R'")
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    id
}

async fn sheet(app: &TestApp, round: &str, pass: &str, cookie: &str) -> Value {
    let (status, sheet) = form_call(
        app,
        "load_coding_sheet",
        &[("round_id", round), ("question", "change"), ("pass", pass)],
        cookie,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sheet}");
    sheet
}

fn answer<'a>(sheet: &'a Value, text: &str) -> &'a Value {
    sheet["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["text"] == text)
        .unwrap()
}

/// Imports `responses` and then `codes` (CSV) into round `name` of survey
/// "s" with `heard`, as a worker would; the round's id.
async fn import_round(app: &TestApp, name: &str, responses: &str, codes: &str) -> String {
    std::fs::write(app.dir.path().join("responses.csv"), responses).unwrap();
    std::fs::write(app.dir.path().join("codes.csv"), codes).unwrap();
    for args in [
        &[
            "import",
            "responses",
            "--survey",
            "s",
            "--round",
            name,
            "responses.csv",
        ][..],
        &[
            "import",
            "codes",
            "--survey",
            "s",
            "--round",
            name,
            "codes.csv",
        ][..],
    ] {
        let out = app.heard(args, "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (round,): (String,) = sqlx::query_as("SELECT id FROM rounds WHERE name = $1")
        .bind(name)
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    round
}

/// The coding screen's page for a view (address values as on the page).
async fn sheet_page(app: &TestApp, round: &str, view: &[(&str, &str)], cookie: &str) -> Value {
    let mut form = vec![
        ("round_id", round),
        ("question", "change"),
        ("pass", "main"),
    ];
    form.extend_from_slice(view);
    let (status, sheet) = form_call(app, "load_coding_sheet", &form, cookie).await;
    assert_eq!(status, StatusCode::OK, "{view:?}: {sheet}");
    sheet
}

/// Every page of a view, until the sheet says all were shown: the texts
/// in order, and the number the sheet said it shows.
async fn every_page(
    app: &TestApp,
    round: &str,
    view: &[(&str, &str)],
    cookie: &str,
) -> (Vec<Value>, u64) {
    let mut answers = Vec::new();
    for _ in 0..10 {
        let from = answers.len().to_string();
        let mut with_page = view.to_vec();
        with_page.push(("from", &from));
        let sheet = sheet_page(app, round, &with_page, cookie).await;
        let these = sheet["answers"].as_array().unwrap().clone();
        assert!(these.len() <= 100, "a page holds at most 100 answers");
        let shown = sheet["shown"].as_u64().unwrap();
        answers.extend(these);
        if answers.len() as u64 >= shown || sheet["answers"].as_array().unwrap().is_empty() {
            return (answers, shown);
        }
    }
    panic!("more than ten pages of {view:?}")
}

/// The texts of answers as a page gives them.
fn texts(answers: &[Value]) -> Vec<String> {
    answers
        .iter()
        .map(|a| a["text"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(answer: &Value) -> String {
    answer["response_id"].as_str().unwrap().to_owned()
}

/// Every page of `view`, by the pager's next links and back by its
/// previous links, asserted equal to its pages counted; returns them.
async fn walk_both_ways(
    app: &TestApp,
    round: &str,
    view: &[(&str, &str)],
    worker: &str,
) -> Vec<String> {
    // Counted pages: the order to match.
    let (counted, shown) = every_page(app, round, view, worker).await;
    let counted = texts(&counted);
    assert_eq!(counted.len() as u64, shown, "{view:?}");
    // Forwards by the next links: after the page's last answer.
    let mut forwards: Vec<Value> = Vec::new();
    let mut pages = Vec::new();
    loop {
        let mut at = view.to_vec();
        let (from, after) = (forwards.len().to_string(), forwards.last().map(id_of));
        if let Some(after) = &after {
            at.push(("from", &from));
            at.push(("after", after));
        }
        let page = sheet_page(app, round, &at, worker).await;
        let these = page["answers"].as_array().unwrap().clone();
        if these.is_empty() {
            break;
        }
        if after.is_some() {
            assert_eq!(
                page["view"]["next_to"]["After"].as_str(),
                after.as_deref(),
                "{view:?}"
            );
        }
        pages.push(these.clone());
        forwards.extend(these);
        assert!(pages.len() <= 4, "{view:?}: more pages than answers");
    }
    assert_eq!(texts(&forwards), counted, "{view:?}: forwards");
    // Backwards by the previous links from the last page: before
    // its first answer, until the first page.
    let mut backwards: Vec<Vec<Value>> = vec![pages.last().unwrap().clone()];
    let mut from = (pages.len() - 1) * 100;
    while from > 0 {
        from = from.saturating_sub(100);
        let before = id_of(&backwards.last().unwrap()[0]);
        let mut at = view.to_vec();
        let from_text = from.to_string();
        at.push(("from", &from_text));
        at.push(("before", &before));
        let page = sheet_page(app, round, &at, worker).await;
        backwards.push(page["answers"].as_array().unwrap().clone());
        if from == 0 {
            // The first page, served as the first page.
            assert_eq!(
                (
                    page["view"]["from"].clone(),
                    page["view"]["next_to"].clone()
                ),
                (json!(0), Value::Null),
                "{view:?}"
            );
        }
    }
    backwards.reverse();
    let mut back_then: Vec<String> = Vec::new();
    for page in &backwards {
        back_then.extend(texts(page));
    }
    assert_eq!(back_then, counted, "{view:?}: backwards");
    counted
}

on_both_databases! {
    async fn each_answer_is_suggested_for_by_the_rules_of_its_own_language(app: TestApp) {
        set_up(&app);
        let file = heard_tests::workspace_root().join("tests/fixtures/voices-in-three-languages.toml");
        assert!(app.heard(&["survey", "import", file.to_str().unwrap()], "").status.success());
        let opened = app.heard(&["round", "open", "--survey", "voices", "--round", "Spoken"], "");
        let code = String::from_utf8(opened.stdout).unwrap().lines().last().unwrap().to_owned();
        for (n, language, text) in [(1, "cy", "Dylen nhw wrando arnon ni"), (2, "en", "They never listened"), (3, "pl", "Nikt nie chciał słuchać")] {
            let body = json!({"join_code": code, "client_id": format!("6a1c2a55-54b8-4a52-9d0c-8d0f6f4e2c1{n}"), "language": language, "answers": {"change": text}});
            let response = app.client().post(app.url("/api/v1/responses")).json(&body).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
        }
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (round,): (String,) = sqlx::query_as("SELECT id FROM rounds WHERE name = 'Spoken'")
            .fetch_one(&app.database().await)
            .await
            .unwrap();
        let sheet = sheet(&app, &round, "main", &worker).await;
        // The survey is not offered in Polish: that answer was given in the
        // survey's English, and is kept as such.
        for (text, language, word) in [("Dylen nhw wrando arnon ni", "cy", "wrando"), ("They never listened", "en", "listened"), ("Nikt nie chciał słuchać", "en", "słuchać")] {
            let shown = answer(&sheet, text);
            assert_eq!(shown["language"], language, "{shown}");
            assert_eq!(shown["suggestions"][0]["theme"], "Connect and belong", "{shown}");
            assert_eq!(shown["suggestions"][0]["words"], json!([word]), "{shown}");
        }
        // Accepting the suggestions codes each by its own language's match.
        let ids: Vec<&str> = sheet["answers"].as_array().unwrap().iter().map(|a| a["response_id"].as_str().unwrap()).collect();
        let (status, coded) = json_call(&app, "bulk_accept", json!({"round_id": round, "question": "change", "response_ids": ids}), &worker).await;
        assert_eq!((status, coded), (StatusCode::OK, json!(3)));

        // The screen filters by language; an answer imported without one
        // is in the survey's own.
        std::fs::write(app.dir.path().join("paper.csv"), "respondent,key_stage,change
p1,KS3,On paper
").unwrap();
        let imported = app.heard(&["import", "responses", "--survey", "voices", "--round", "Spoken", "paper.csv"], "");
        assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
        let offered = sheet_page(&app, &round, &[], &worker).await;
        assert_eq!(offered["languages"], json!([["en", "English"], ["cy", "Welsh (Cymraeg)"], ["ur", "Urdu (اردو)"]]));
        for (language, texts) in [
            ("cy", vec!["Dylen nhw wrando arnon ni"]),
            ("en", vec!["Nikt nie chciał słuchać", "On paper", "They never listened"]),
            ("ur", vec![]),
        ] {
            let page = sheet_page(&app, &round, &[("language", language)], &worker).await;
            let mut shown: Vec<&str> = page["answers"].as_array().unwrap().iter().map(|a| a["text"].as_str().unwrap()).collect();
            shown.sort();
            assert_eq!(shown, texts, "{language}");
            assert_eq!(page["shown"], json!(texts.len()), "{language}");
            assert_eq!(page["view"]["language"], language);
        }
    }

    async fn workers_code_answers_by_hand_or_by_suggestion_and_every_change_is_recorded(app: TestApp) {
        set_up(&app);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let round = round_id(&app).await;
        let sheet = sheet(&app, &round, "main", &worker).await;
        assert_eq!(sheet["answers"].as_array().unwrap().len(), 3);
        let listened = answer(&sheet, "They never listened to me");
        assert_eq!(listened["about_you"], json!(["KS3"]));
        // The suggestion says why: the word as the young person wrote it.
        assert_eq!(listened["suggestions"][0]["theme"], "Connect and belong");
        assert_eq!(listened["suggestions"][0]["words"], json!(["listened"]));
        assert_eq!(answer(&sheet, "idk")["suggestions"], json!([]));
        assert_eq!(listened["themes"], json!([]), "suggestions are never applied silently");

        let id = listened["response_id"].as_str().unwrap().to_owned();
        let call = |themes: Value, how: &str| json!({"round_id": round, "question": "change", "pass": "main", "response_id": id, "themes": themes, "how": how});
        let (status, now) = json_call(&app, "code_answer", call(json!(["Connect and belong"]), "suggestion"), &worker).await;
        assert_eq!(status, StatusCode::OK, "{now}");
        assert_eq!(now, json!(["Connect and belong"]));
        let (status, _) = json_call(&app, "code_answer", call(json!(["Help and support"]), "hand"), &worker).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = json_call(&app, "code_answer", call(json!(["Help and support", "Connect and belong"]), "hand"), &worker).await;
        assert_ne!(status, StatusCode::OK);
        assert!(body.to_string().contains("one theme per answer"), "{body}");
        let (status, body) = json_call(&app, "code_answer", call(json!(["Nothing"]), "hand"), &worker).await;
        assert_ne!(status, StatusCode::OK);
        assert!(body.to_string().contains("not a theme of this question"), "{body}");

        let (status, history) = form_call(&app, "answer_history", &[("round_id", &round), ("question", "change"), ("response_id", &id)], &worker).await;
        assert_eq!(status, StatusCode::OK);
        let history = history.as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0]["changed_by"], "worker@example.org");
        assert_eq!(history[0]["how"], "suggestion");
        assert_eq!((history[0]["from"].clone(), history[0]["to"].clone()), (json!([]), json!(["Connect and belong"])));
        assert_eq!((history[1]["from"].clone(), history[1]["to"].clone()), (json!(["Connect and belong"]), json!(["Help and support"])));

        let report = String::from_utf8(app.heard(&["report", "--survey", "s", "--round", "R", "--question", "change"], "").stdout).unwrap();
        assert!(report.contains("change,Help and support,1,33.3,3"), "{report}");
        assert!(report.contains("change,Not yet coded,2,66.7,3"), "{report}");

        // Viewers cannot open the coding screen.
        let viewer = app.log_in("head@example.org", PASSWORD).await.unwrap();
        let (status, _) = form_call(&app, "load_coding_sheet", &[("round_id", &round), ("question", "change"), ("pass", "main")], &viewer).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    async fn bulk_accept_codes_only_the_previewed_uncoded_answers(app: TestApp) {
        set_up(&app);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let round = round_id(&app).await;
        let first = sheet(&app, &round, "main", &worker).await;
        let ids: Vec<String> = first["answers"].as_array().unwrap().iter().map(|a| a["response_id"].as_str().unwrap().to_owned()).collect();
        let support = answer(&first, "More support from Mr Jones")["response_id"].as_str().unwrap().to_owned();
        // One answer is coded by hand first: bulk must not overwrite it.
        let (status, _) = json_call(&app, "code_answer", json!({"round_id": round, "question": "change", "pass": "main", "response_id": support, "themes": ["Connect and belong"], "how": "hand"}), &worker).await;
        assert_eq!(status, StatusCode::OK);
        // Each answer named twice, as a client may: each is coded once.
        let twice: Vec<&String> = ids.iter().chain(&ids).collect();
        let (status, coded) = json_call(&app, "bulk_accept", json!({"round_id": round, "question": "change", "response_ids": twice}), &worker).await;
        assert_eq!(status, StatusCode::OK, "{coded}");
        // "listened" gets its suggestion; "idk" has none; the hand-coded one stays.
        assert_eq!(coded, json!(1));
        let after = sheet(&app, &round, "main", &worker).await;
        // The progress counts the two coded answers of three.
        assert_eq!((after["total"].clone(), after["coded"].clone()), (json!(3), json!(2)));
        assert_eq!(answer(&after, "They never listened to me")["themes"], json!(["Connect and belong"]));
        assert_eq!(answer(&after, "More support from Mr Jones")["themes"], json!(["Connect and belong"]));
        assert_eq!(answer(&after, "idk")["themes"], json!([]));
    }

    async fn only_approved_redacted_quotes_reach_the_summary(app: TestApp) {
        set_up(&app);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let viewer = app.log_in("head@example.org", PASSWORD).await.unwrap();
        let round = round_id(&app).await;
        let first = sheet(&app, &round, "main", &worker).await;
        let id = answer(&first, "More support from Mr Jones")["response_id"].as_str().unwrap().to_owned();
        let (status, proposal) = form_call(&app, "star_quote", &[("round_id", &round), ("question", "change"), ("response_id", &id)], &worker).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(proposal, json!("More support from [name]"));
        // The summary's minimum of 10 answers would withhold the question:
        // lower it so the quote's place on the page can be checked.
        let db = app.database().await;
        sqlx::query("UPDATE surveys SET min_answers = 1").execute(&db).await.unwrap();
        // Imported responses are not published until a worker does (or
        // their codes are imported, or the round closes).
        assert!(app.heard(&["round", "publish", "--survey", "s", "--round", "R"], "").status.success());
        let summary = |cookie: String| {
            let (app, round) = (&app, round.clone());
            async move {
                app.client().get(app.url(&format!("/rounds/{round}/summary"))).header("cookie", cookie).send().await.unwrap().text().await.unwrap()
            }
        };
        let page = summary(viewer.clone()).await;
        assert!(!page.contains("More support from"), "a quote not yet approved is not shown");
        let (status, _) = form_call(&app, "save_quote", &[("round_id", &round), ("question", "change"), ("response_id", &id), ("redacted", "More support from [name], please"), ("approve", "true"), ("remove", "false")], &worker).await;
        assert_eq!(status, StatusCode::OK);
        let page = summary(viewer.clone()).await;
        assert!(page.contains("More support from [name], please"), "the approved copy is shown");
        assert!(!page.contains("Mr Jones"), "the original never is");
        let (status, _) = form_call(&app, "save_quote", &[("round_id", &round), ("question", "change"), ("response_id", &id), ("redacted", ""), ("approve", "false"), ("remove", "true")], &worker).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!summary(viewer).await.contains("More support from"));
    }

    async fn a_second_coder_codes_blind_and_agreement_is_reported(app: TestApp) {
        set_up(&app);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let second = app.log_in("second@example.org", PASSWORD).await.unwrap();
        let round = round_id(&app).await;
        let first = sheet(&app, &round, "main", &worker).await;
        let ids: Vec<(String, String)> = first["answers"].as_array().unwrap().iter().map(|a| (a["text"].as_str().unwrap().to_owned(), a["response_id"].as_str().unwrap().to_owned())).collect();
        let code = |cookie: String, pass: &'static str, id: String, theme: &'static str| {
            let (app, round) = (&app, round.clone());
            async move {
                let (status, body) = json_call(app, "code_answer", json!({"round_id": round, "question": "change", "pass": pass, "response_id": id, "themes": [theme], "how": "hand"}), &cookie).await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        };
        for (text, id) in &ids {
            let (main, check) = match text.as_str() {
                "They never listened to me" => ("Connect and belong", "Connect and belong"),
                "More support from Mr Jones" => ("Help and support", "Help and support"),
                _ => ("Help and support", "Connect and belong"),
            };
            code(worker.clone(), "main", id.clone(), main).await;
            // The blind sheet shows neither suggestions nor the main coding.
            let blind = sheet(&app, &round, "check", &second).await;
            assert_eq!(answer(&blind, text)["suggestions"], json!([]));
            assert_eq!(answer(&blind, text)["themes"], json!([]));
            code(second.clone(), "check", id.clone(), check).await;
        }
        let (status, agreement) = form_call(&app, "coding_agreement", &[("round_id", &round), ("question", "change")], &worker).await;
        assert_eq!(status, StatusCode::OK, "{agreement}");
        // 3 answers x 2 themes = 6 units; "idk" disagrees on both themes.
        assert_eq!(agreement["overall"], json!({"both_yes": 2, "first_only": 1, "second_only": 1, "both_no": 2}));
        assert_eq!(agreement["disagreements"].as_array().unwrap().len(), 1);
        assert_eq!(agreement["disagreements"][0]["answer"], "idk");
        // The check coding does not count in reports.
        let report = String::from_utf8(app.heard(&["report", "--survey", "s", "--round", "R", "--question", "change"], "").stdout).unwrap();
        assert!(report.contains("change,Help and support,2,66.7,3"), "{report}");
    }

    async fn themes_are_renamed_reordered_and_merged_while_coding_and_reports_follow(app: TestApp) {
        set_up(&app);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let round = round_id(&app).await;
        let first = sheet(&app, &round, "main", &worker).await;
        for (text, theme) in [("They never listened to me", "Connect and belong"), ("More support from Mr Jones", "Help and support")] {
            let id = answer(&first, text)["response_id"].as_str().unwrap().to_owned();
            let (status, _) = json_call(&app, "code_answer", json!({"round_id": round, "question": "change", "pass": "main", "response_id": id, "themes": [theme], "how": "hand"}), &worker).await;
            assert_eq!(status, StatusCode::OK);
        }
        let edit = |edit: Value| json!({"round_id": round, "question": "change", "edit": edit});
        let (status, body) = json_call(&app, "edit_codebook", edit(json!({"Add": {"name": "Nothing", "description": "Says nothing would help"}})), &worker).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = json_call(&app, "edit_codebook", edit(json!({"Rename": {"from": "Help and support", "to": "Nothing"}})), &worker).await;
        assert_ne!(status, StatusCode::OK);
        assert!(body.to_string().contains("already has that name"), "{body}");
        let (status, _) = json_call(&app, "edit_codebook", edit(json!({"Rename": {"from": "Help and support", "to": "Support"}})), &worker).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = json_call(&app, "edit_codebook", edit(json!({"Move": {"name": "Nothing", "up": true}})), &worker).await;
        assert_eq!(status, StatusCode::OK);
        let report = |app: &TestApp| String::from_utf8(app.heard(&["report", "--survey", "s", "--round", "R", "--question", "change"], "").stdout).unwrap();
        assert_eq!(
            report(&app),
            "question,category,count,percent,n,ci_low,ci_high\nchange,Connect and belong,1,33.3,3,6.1,79.2\nchange,Nothing,0,0.0,3,0.0,56.1\nchange,Support,1,33.3,3,6.1,79.2\nchange,Not yet coded,1,33.3,3,6.1,79.2\n"
        );
        // A second coder gave one answer the theme that is merged away
        // (so its merge writes two changes to one answer's history), and
        // another the theme it is merged into (which it keeps, once).
        let id = answer(&first, "More support from Mr Jones")["response_id"].as_str().unwrap().to_owned();
        let other = answer(&first, "They never listened to me")["response_id"].as_str().unwrap().to_owned();
        for (response_id, theme) in [(&id, "Support"), (&other, "Connect and belong")] {
            let (status, _) = json_call(&app, "code_answer", json!({"round_id": round, "question": "change", "pass": "check", "response_id": response_id, "themes": [theme], "how": "hand"}), &worker).await;
            assert_eq!(status, StatusCode::OK);
        }
        let (status, _) = json_call(&app, "edit_codebook", edit(json!({"Merge": {"from": "Support", "into": "Connect and belong"}})), &worker).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            report(&app),
            "question,category,count,percent,n,ci_low,ci_high\nchange,Connect and belong,2,66.7,3,20.8,93.9\nchange,Nothing,0,0.0,3,0.0,56.1\nchange,Not yet coded,1,33.3,3,6.1,79.2\n"
        );
        let history_of = async |response_id: &str| -> Vec<Value> {
            let (_, history) = form_call(&app, "answer_history", &[("round_id", &round), ("question", "change"), ("response_id", response_id)], &worker).await;
            history.as_array().unwrap().clone()
        };
        let changes = |history: &[Value]| -> Vec<(Value, Value, Value, Value)> {
            history.iter().map(|c| (c["pass"].clone(), c["how"].clone(), c["from"].clone(), c["to"].clone())).collect()
        };
        let merged = history_of(&id).await;
        assert_eq!(
            changes(&merged[merged.len() - 2..]),
            [
                (json!("check"), json!("merge"), json!(["Support"]), json!(["Connect and belong"])),
                (json!("main"), json!("merge"), json!(["Support"]), json!(["Connect and belong"])),
            ]
        );
        // Untouched by the merge: no change recorded, and its themes as they were.
        assert_eq!(changes(&history_of(&other).await).iter().filter(|c| c.1 == json!("merge")).count(), 0);
        let check = sheet(&app, &round, "check", &worker).await;
        assert_eq!(answer(&check, "They never listened to me")["themes"], json!(["Connect and belong"]));
        assert_eq!(answer(&check, "More support from Mr Jones")["themes"], json!(["Connect and belong"]));
        // The survey file now carries the new codebook.
        let file = String::from_utf8(app.heard(&["survey", "export", "s"], "").stdout).unwrap();
        assert!(file.contains("name = \"Nothing\"") && !file.contains("Support\""), "{file}");
        // The merged theme's keywords came along: "support" now suggests Connect and belong.
        let merged = sheet(&app, &round, "main", &worker).await;
        assert_eq!(answer(&merged, "More support from Mr Jones")["suggestions"][0]["theme"], "Connect and belong");

        // Learned keywords come from the coded answers.
        let (status, learned) = form_call(&app, "learned_keywords", &[("round_id", &round), ("question", "change")], &worker).await;
        assert_eq!(status, StatusCode::OK, "{learned}");
        assert_eq!(learned["themes"][0][0], "Connect and belong");
        let (status, _) = json_call(&app, "edit_codebook", edit(json!({"AddKeyword": {"theme": "Nothing", "keyword": "idk"}})), &worker).await;
        assert_eq!(status, StatusCode::OK);
        let again = sheet(&app, &round, "main", &worker).await;
        assert_eq!(answer(&again, "idk")["suggestions"][0]["theme"], "Nothing");
    }

    // A round of any size opens at once: the coding screen reads one page
    // of answers, filtered and ordered by the database, with the
    // question's progress over all of them.
    async fn the_coding_screen_pages_through_a_large_round_filtered_by_the_database(app: TestApp) {
        set_up(&app);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        // 250 more young people in round "Big": key stage by turns (every
        // seventh skipped), a quarter coded Connect and belong, a quarter
        // Help and support (63 each).
        let stage = |i: usize| if i.is_multiple_of(7) { "" } else { ["KS3", "KS4"][i % 2] };
        let theme = |i: usize| match i % 4 {
            0 => Some("Connect and belong"),
            1 => Some("Help and support"),
            _ => None,
        };
        let mut responses = String::from("respondent,ks,change\n");
        let mut codes = String::from("respondent,question,theme\n");
        for i in 0..250 {
            responses += &format!("b{i:03},{},answer number {i}\n", stage(i));
            if let Some(theme) = theme(i) {
                codes += &format!("b{i:03},change,{theme}\n");
            }
        }
        let round = import_round(&app, "Big", &responses, &codes).await;
        let texts = |answers: &[Value]| -> Vec<String> {
            answers.iter().map(|a| a["text"].as_str().unwrap().to_owned()).collect()
        };
        let expected = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
            (0..250).filter(|&i| keep(i)).map(|i| format!("answer number {i}")).collect()
        };

        // The first page: 100 answers in the order answered, the progress
        // over all 250.
        let first = sheet_page(&app, &round, &[], &worker).await;
        assert_eq!(first["answers"].as_array().unwrap().len(), 100);
        assert_eq!((first["shown"].clone(), first["total"].clone(), first["coded"].clone()), (json!(250), json!(250), json!(126)));
        assert_eq!(first["about_you_values"], json!([[0, "KS3"], [0, "KS4"]]));
        // Each page's answers carry their themes and about-you answers.
        let a4 = answer(&first, "answer number 4");
        assert_eq!((a4["themes"].clone(), a4["about_you"].clone()), (json!(["Connect and belong"]), json!(["KS3"])));

        // Every answer once, over three pages.
        let (all, shown) = every_page(&app, &round, &[], &worker).await;
        assert_eq!((texts(&all), shown), (expected(&|_| true), 250));
        let (uncoded, shown) = every_page(&app, &round, &[("show", "uncoded")], &worker).await;
        assert_eq!((texts(&uncoded), shown), (expected(&|i| theme(i).is_none()), 124));
        let (helped, shown) = every_page(&app, &round, &[("show", "theme:Help and support")], &worker).await;
        assert_eq!((texts(&helped), shown), (expected(&|i| theme(i) == Some("Help and support")), 63));
        let (ks4, shown) = every_page(&app, &round, &[("about", "0:KS4")], &worker).await;
        assert_eq!((texts(&ks4), shown as usize), (expected(&|i| stage(i) == "KS4"), 107));
        let (both, shown) = every_page(&app, &round, &[("show", "uncoded"), ("about", "0:KS3")], &worker).await;
        let wanted = expected(&|i| stage(i) == "KS3" && theme(i).is_none());
        assert_eq!((texts(&both), shown as usize), (wanted.clone(), wanted.len()));

        // Ordered by key stage: those who skipped it, then KS3, then KS4,
        // each in the order answered.
        let (ordered, _) = every_page(&app, &round, &[("order", "0")], &worker).await;
        let mut by_stage: Vec<usize> = (0..250).collect();
        by_stage.sort_by_key(|&i| stage(i));
        assert_eq!(texts(&ordered), by_stage.iter().map(|i| format!("answer number {i}")).collect::<Vec<_>>());

        // A filter and an order together: those coded Connect and belong,
        // by key stage.
        let (ordered, shown) = every_page(&app, &round, &[("show", "theme:Connect and belong"), ("order", "0")], &worker).await;
        let mut wanted: Vec<usize> = (0..250).filter(|&i| theme(i) == Some("Connect and belong")).collect();
        wanted.sort_by_key(|&i| stage(i));
        assert_eq!((texts(&ordered), shown), (wanted.iter().map(|i| format!("answer number {i}")).collect::<Vec<_>>(), 63));

        // Coding an answer moves the progress and the "not yet coded" count.
        let id = answer(&first, "answer number 2")["response_id"].as_str().unwrap().to_owned();
        let (status, _) = json_call(&app, "code_answer", json!({"round_id": round, "question": "change", "pass": "main", "response_id": id, "themes": ["Help and support"], "how": "hand"}), &worker).await;
        assert_eq!(status, StatusCode::OK);
        let after = sheet_page(&app, &round, &[("show", "uncoded")], &worker).await;
        assert_eq!((after["shown"].clone(), after["coded"].clone()), (json!(123), json!(127)));
        assert!(!texts(after["answers"].as_array().unwrap()).contains(&"answer number 2".to_owned()));

        // Past the last answer, however far: no answers, and nothing else
        // goes wrong.
        for from in ["900", "99999999999999999999"] {
            let beyond = sheet_page(&app, &round, &[("from", from)], &worker).await;
            assert_eq!((beyond["answers"].clone(), beyond["shown"].clone()), (json!([]), json!(250)));
            assert_eq!(beyond["shown_at_least"], json!(false));
        }
    }

    // A view that must be counted (one theme, one key stage, the flagged
    // answers) is counted only a thousand answers past its page, so that
    // a national round's page is not a count of all its answers: the
    // screen says "more than" then, and the exact number once the page
    // comes within reach of the end.
    async fn a_view_too_large_to_count_says_more_than_until_its_end_is_near(app: TestApp) {
        set_up(&app);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let mut responses = String::from("respondent,ks,change\n");
        let mut codes = String::from("respondent,question,theme\n");
        for i in 0..1250 {
            responses += &format!("m{i:04},KS3,answer {i}\n");
            codes += &format!("m{i:04},change,Help and support\n");
        }
        let round = import_round(&app, "Many", &responses, &codes).await;
        let counted = |sheet: &Value| (sheet["shown"].clone(), sheet["shown_at_least"].clone());
        for view in [("show", "theme:Help and support"), ("about", "0:KS3")] {
            // Counted to the page's end and a thousand past it: 1,100.
            let first = sheet_page(&app, &round, &[view], &worker).await;
            assert_eq!(counted(&first), (json!(1100), json!(true)), "{view:?}");
            assert_eq!(first["answers"].as_array().unwrap().len(), 100);
            let later = sheet_page(&app, &round, &[view, ("from", "100")], &worker).await;
            assert_eq!(counted(&later), (json!(1200), json!(true)), "{view:?}");
            // From the 201st, the end is within reach: all 1,250.
            let near = sheet_page(&app, &round, &[view, ("from", "200")], &worker).await;
            assert_eq!(counted(&near), (json!(1250), json!(false)), "{view:?}");
            assert_eq!(near["answers"][0]["text"], json!("answer 200"));
        }
        // Views read off the kept counts are exact at once.
        let all = sheet_page(&app, &round, &[], &worker).await;
        assert_eq!(counted(&all), (json!(1250), json!(false)));
        assert_eq!((all["total"].clone(), all["coded"].clone()), (json!(1250), json!(1250)));
    }

    // The pager's links name the answer next to the page they go to, and
    // the page reads on from it through the index: the same answers in the
    // same order as counting, forwards and backwards, for responses
    // imported with a respondent and sent from tablets without one (which
    // each database sorts to its own end), and right as answers leave
    // the view.
    async fn pages_read_on_from_the_answer_next_to_them_forwards_and_backwards(app: TestApp) {
        set_up(&app);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let opened = app.heard(&["round", "open", "--survey", "s", "--round", "Mixed"], "");
        assert!(opened.status.success(), "{}", String::from_utf8_lossy(&opened.stderr));
        let join_code = String::from_utf8_lossy(&opened.stdout).lines().last().unwrap().trim().to_owned();
        let mut responses = String::from("respondent,ks,change\n");
        let mut codes = String::from("respondent,question,theme\n");
        for i in 0..150 {
            responses += &format!("p{i:03},{},imported {i}\n", ["KS3", "KS4"][i % 2]);
            if i % 3 == 0 {
                codes += &format!("p{i:03},change,Help and support\n");
            }
        }
        let round = import_round(&app, "Mixed", &responses, &codes).await;
        // A tablet's survey, as the outbox sends it.
        let send = async |client_id: String, answers: Value| {
            let sent = app
                .client()
                .post(app.url("/api/v1/responses"))
                .json(&json!({"join_code": join_code, "client_id": client_id, "answers": answers}))
                .send()
                .await
                .unwrap();
            assert_eq!(sent.status(), StatusCode::CREATED, "tablet {client_id}");
        };
        for i in 0..130 {
            let stage = ["KS3", "KS4"][i % 2];
            send(
                format!("7ab0c3d2-0000-4000-8000-{i:012}"),
                json!({"ks": [stage], "change": [format!("from a tablet {i}")]}),
            )
            .await;
        }
        let ordered: [&[(&str, &str)]; 3] = [
            &[("order", "0")],
            &[("show", "uncoded"), ("order", "0")],
            &[("about", "0:KS4"), ("order", "0")],
        ];
        for view in [
            &[][..],
            &[("show", "uncoded")][..],
            &[("about", "0:KS4")][..],
            &[("show", "uncoded"), ("about", "0:KS3")][..],
        ]
        .into_iter()
        .chain(ordered)
        {
            walk_both_ways(&app, &round, view, &worker).await;
        }
        // Sorted by key stage, each stage is read in the order answered
        // from where the page starts; those who skipped it come first,
        // looked for only once someone has (above, no one had).
        for i in 0..20 {
            send(
                format!("7ab0c3d2-0000-4000-9000-{i:012}"),
                json!({"change": [format!("skipped key stage {i}")]}),
            )
            .await;
        }
        for view in ordered {
            walk_both_ways(&app, &round, view, &worker).await;
        }
        let (sorted, _) = every_page(&app, &round, &[("order", "0")], &worker).await;
        assert!(texts(&sorted[..20]).iter().all(|t| t.starts_with("skipped key stage")), "{:?}", texts(&sorted[..21]));

        // A previous link whose count says the first page (answers came
        // into the view since it was counted) but with more than a page
        // before its answer: that page, not labelled the first, so the
        // pager keeps a way back.
        let (all, _) = every_page(&app, &round, &[], &worker).await;
        let third = id_of(&all[200]);
        let page = sheet_page(&app, &round, &[("from", "0"), ("before", &third)], &worker).await;
        assert_eq!(texts(page["answers"].as_array().unwrap()), texts(&all[100..200]));
        assert_eq!((page["view"]["from"].clone(), page["view"]["next_to"]["Before"].as_str()), (json!(1), Some(third.as_str())));

        // An answer the round does not have (gone, or from another round)
        // names no answer: the page starts at its count.
        let counted = sheet_page(&app, &round, &[("from", "100")], &worker).await;
        let other_round = round_id(&app).await;
        let elsewhere = sheet(&app, &other_round, "main", &worker).await;
        for gone in ["00000000-0000-4000-8000-000000000000".to_owned(), id_of(&elsewhere["answers"][0])] {
            let page = sheet_page(&app, &round, &[("from", "100"), ("after", &gone)], &worker).await;
            assert_eq!(texts(page["answers"].as_array().unwrap()), texts(counted["answers"].as_array().unwrap()));
            assert_eq!(page["view"]["next_to"], Value::Null);
        }

        // Coding answers on a page of those not yet coded: the next page
        // still starts with the first uncoded answer after the page.
        let (uncoded, _) = every_page(&app, &round, &[("show", "uncoded")], &worker).await;
        let first = sheet_page(&app, &round, &[("show", "uncoded")], &worker).await;
        let page = first["answers"].as_array().unwrap();
        for answer in page.iter().take(30) {
            let (status, body) = json_call(&app, "code_answer", json!({"round_id": round, "question": "change", "pass": "main", "response_id": id_of(answer), "themes": ["Connect and belong"], "how": "hand"}), &worker).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let last = id_of(page.last().unwrap());
        let next = sheet_page(&app, &round, &[("show", "uncoded"), ("from", "70"), ("after", &last)], &worker).await;
        assert_eq!(texts(next["answers"].as_array().unwrap()), texts(&uncoded[100..200]));
    }

    // Sorted by an about-you answer, the screen's order is byte order
    // (capitals before small letters, "Year 10" before "Year 9"), whatever
    // the database's collation, with an option no one chose; a view of
    // one option sorted by the same question is that option; and
    // a free-text about-you question, never shown on the page, sorts
    // nothing.
    async fn a_view_sorted_by_an_about_you_answer_is_in_byte_order_on_both_databases(app: TestApp) {
        set_up(&app);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let survey = std::fs::read_to_string(app.dir.path().join("s.toml")).unwrap().replace(
            r#"options = ["KS3", "KS4"]
about_you = true
"#,
            r#"options = ["KS3", "KS4", "after school", "Year 9", "Year 10", "no one", "KS2"]
about_you = true

[[questions]]
key = "where"
kind = "text"
text = "Where do you live?"
about_you = true
"#,
        );
        std::fs::write(app.dir.path().join("s.toml"), survey).unwrap();
        let updated = app.heard(&["survey", "import", "s.toml"], "");
        assert!(updated.status.success(), "{}", String::from_utf8_lossy(&updated.stderr));
        // KS2 is rare (6 of 260): read from its members, not in order.
        let stage = |i: usize| if i % 50 == 7 { "KS2" } else { ["Year 9", "after school", "", "KS4", "Year 10", "KS3"][i % 6] };
        let mut responses = String::from("respondent,ks,where,change\n");
        for i in 0..260 {
            responses += &format!("p{i:03},{},town {},answer {i}\n", stage(i), 260 - i);
        }
        let round = import_round(&app, "Sorted", &responses, "respondent,question,theme\n").await;
        // Skipped first, then byte order; the order answered within each.
        let mut by_stage: Vec<usize> = (0..260).collect();
        by_stage.sort_by_key(|&i| stage(i).as_bytes());
        let expected: Vec<String> = by_stage.iter().map(|i| format!("answer {i}")).collect();
        assert_eq!(walk_both_ways(&app, &round, &[("order", "0")], &worker).await, expected);
        for option in ["Year 10", "KS2"] {
            let chose: Vec<String> = (0..260).filter(|&i| stage(i) == option).map(|i| format!("answer {i}")).collect();
            let about = format!("0:{option}");
            assert_eq!(walk_both_ways(&app, &round, &[("about", &about), ("order", "0")], &worker).await, chose);
        }
        let answered: Vec<String> = (0..260).map(|i| format!("answer {i}")).collect();
        assert_eq!(walk_both_ways(&app, &round, &[("order", "1")], &worker).await, answered);
        assert_eq!(walk_both_ways(&app, &round, &[("show", "uncoded"), ("order", "1")], &worker).await, answered);
    }
}
