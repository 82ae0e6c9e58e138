use super::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CLIENT_ID: &str = "6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11";

async fn post(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    post_raw(app, body.to_string()).await
}

async fn post_raw(app: &TestApp, body: String) -> (StatusCode, Value) {
    let response = app
        .client()
        .post(app.url("/api/v1/responses"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .unwrap_or_else(|e| panic!("a {status} answer is not JSON: {e}"));
    (status, body)
}

fn submission(app: &TestApp, client_id: &str, answers: Value) -> Value {
    json!({ "join_code": app.join_code, "client_id": client_id, "answers": answers })
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The round's open token, as the survey page hands it to the tablet
/// client (in `data-survey`, JSON in an attribute).
async fn open_token_of(app: &TestApp) -> String {
    let page = app.get_text(&format!("/survey/{}", app.join_code)).await;
    let attribute = page
        .split("data-survey=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no data-survey in {page}"));
    let json: Value =
        serde_json::from_str(&attribute.replace("&quot;", "\"").replace("&amp;", "&"))
            .unwrap_or_else(|e| panic!("{e}: {attribute}"));
    let token = json["token"].as_str().unwrap_or_default().to_owned();
    assert!(token.len() > 40, "{token:?} in {attribute}");
    token
}

fn error_of(body: &Value) -> &str {
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no \"error\" in {body}"))
}

on_both_databases! {
    // The short version of `scripts/bench-submit`: a class's worth of
    // tablets sending at the same moment, each survey twice (a tablet
    // that never heard back): every one acknowledged, each stored once.
    async fn a_burst_of_tablets_sending_at_once_is_stored_exactly_once_each(app: TestApp) {
        let sends = (0..120).map(|n| {
            let body = submission(&app, &format!("6f1c2a55-54b8-4a52-9d0c-{:012x}", n / 2), json!({ "key_stage": "KS4", "change": "Listen to us" }));
            let (client, url) = (app.client(), app.url("/api/v1/responses"));
            tokio::spawn(async move { client.post(url).json(&body).send().await.unwrap().status() })
        }).collect::<Vec<_>>();
        let mut statuses = Vec::new();
        for send in sends {
            statuses.push(send.await.unwrap());
        }
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::OK), "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 60);
        assert_eq!(app.stored_responses().await, 60);
        // Each answer carries its round (reports count by it), and the
        // key stage its option as chosen; the free text none.
        let (untagged, chosen, texts): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM answers a JOIN responses x ON x.id = a.response_id WHERE a.round_id <> x.round_id), \
                    (SELECT COUNT(*) FROM answers WHERE choice = 'KS4' AND value = 'KS4'), \
                    (SELECT COUNT(*) FROM answers WHERE choice IS NULL AND value = 'Listen to us')",
        )
        .fetch_one(&app.database().await)
        .await
        .unwrap();
        assert_eq!((untagged, chosen, texts), (0, 60, 60));
    }

    // The server is killed (SIGKILL: no shutdown, mid-commit as likely as
    // not) while forty tablets send, and started again; the tablets keep
    // trying as their outbox does. Every survey Heard acknowledged is
    // there, and every survey is there once, with its answers once.
    async fn a_server_killed_in_a_burst_keeps_every_acknowledged_survey_once(app: TestApp) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        const TABLETS: usize = 40;
        const SURVEYS_EACH: usize = 5;
        let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
        let acks = Arc::new(AtomicUsize::new(0));
        let tablets = (0..TABLETS).map(|tablet| {
            let (client, url, code) = (app.client(), app.url("/api/v1/responses"), app.join_code.clone());
            let (acknowledged, acks) = (Arc::clone(&acknowledged), Arc::clone(&acks));
            tokio::spawn(async move {
                for survey in 0..SURVEYS_EACH {
                    let client_id = format!("9c1c2a55-54b8-4a52-9d0c-{:06x}{:06x}", tablet, survey);
                    let body = json!({ "join_code": code, "client_id": client_id, "answers": { "key_stage": "KS4", "change": "Listen to us" } });
                    let started = std::time::Instant::now();
                    loop {
                        match client.post(&url).json(&body).send().await.map(|r| r.status()) {
                            Ok(StatusCode::CREATED | StatusCode::OK) => break,
                            Ok(status) if status.is_client_error() => panic!("{client_id}: {status}"),
                            _ => {
                                assert!(started.elapsed().as_secs() < 60, "{client_id} never acknowledged");
                                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            }
                        }
                    }
                    acknowledged.lock().unwrap().push(client_id);
                    acks.fetch_add(1, Ordering::SeqCst);
                }
            })
        }).collect::<Vec<_>>();
        let started = std::time::Instant::now();
        while acks.load(Ordering::SeqCst) < TABLETS {
            assert!(started.elapsed().as_secs() < 30, "no acknowledgements");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let mut app = app;
        app.stop();
        let before_restart = acknowledged.lock().unwrap().clone();
        assert!(before_restart.len() < TABLETS * SURVEYS_EACH, "the kill came after the burst, not in it");
        let app = app.restart_on_same_port().await;
        for tablet in tablets {
            tablet.await.unwrap();
        }
        let db = app.database().await;
        for client_id in &before_restart {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM responses WHERE client_id = $1")
                .bind(client_id).fetch_one(&db).await.unwrap();
            assert_eq!(n, 1, "{client_id} was acknowledged before the kill");
        }
        assert_eq!(app.stored_responses().await, (TABLETS * SURVEYS_EACH) as i64);
        let (answers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM answers").fetch_one(&db).await.unwrap();
        assert_eq!(answers, (2 * TABLETS * SURVEYS_EACH) as i64, "each survey's two answers, once");
    }

    async fn a_new_response_is_201_and_an_identical_repeat_is_200_without_storing_again(app: TestApp) {
        let body = submission(&app, CLIENT_ID, json!({ "key_stage": "KS4", "change": "Listen to us" }));
        let (status, answer) = post(&app, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        let (status, answer) = post(&app, &body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["status"], "already stored");
        assert_eq!(app.stored_responses().await, 1);
    }

    async fn the_same_client_id_with_different_answers_is_409(app: TestApp) {
        let (status, _) = post(&app, &submission(&app, CLIENT_ID, json!({ "key_stage": "KS4" }))).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, answer) = post(&app, &submission(&app, CLIENT_ID, json!({ "key_stage": "KS3" }))).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(error_of(&answer).contains(CLIENT_ID), "{answer}");
        assert_eq!(app.stored_responses().await, 1);
    }

    async fn bad_input_is_a_4xx_whose_json_error_names_the_problem(app: TestApp) {
        let cases: Vec<(Value, StatusCode, &str)> = vec![
            (json!({ "join_code": "ACE346", "client_id": CLIENT_ID, "answers": {} }), StatusCode::NOT_FOUND, "unknown join code"),
            (json!({ "join_code": "not a code", "client_id": CLIENT_ID, "answers": {} }), StatusCode::NOT_FOUND, "unknown join code \"not a code\""),
            (submission(&app, "12345", json!({})), StatusCode::UNPROCESSABLE_ENTITY, "client_id must be a UUID"),
            (submission(&app, CLIENT_ID, json!({ "favourite_colour": "blue" })), StatusCode::UNPROCESSABLE_ENTITY, "no question \"favourite_colour\""),
            (submission(&app, CLIENT_ID, json!({ "key_stage": "Year 9" })), StatusCode::UNPROCESSABLE_ENTITY, "\"Year 9\" is not an option of question \"key_stage\""),
            (submission(&app, CLIENT_ID, json!({ "key_stage": 4 })), StatusCode::UNPROCESSABLE_ENTITY, "answer to \"key_stage\" must be a text"),
            (submission(&app, CLIENT_ID, json!({ "change": "x".repeat(2001) })), StatusCode::UNPROCESSABLE_ENTITY, "limit is 2000"),
            (submission(&app, CLIENT_ID, json!({ "change": "listen\u{0}to us" })), StatusCode::UNPROCESSABLE_ENTITY, "control character"),
            (json!({ "join_code": app.join_code, "answers": {} }), StatusCode::BAD_REQUEST, "missing field `client_id`"),
        ];
        for (body, expected_status, expected_message) in cases {
            let (status, answer) = post(&app, &body).await;
            assert_eq!(status, expected_status, "{body} gave {answer}");
            assert!(error_of(&answer).contains(expected_message), "{body} gave {answer}");
        }
        let (status, answer) = post_raw(&app, "{\"join_code\": ".to_owned()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error_of(&answer).contains("not valid JSON"), "{answer}");
        assert_eq!(app.stored_responses().await, 0);
    }

    async fn a_closed_round_is_410_and_its_code_no_longer_starts_the_survey(app: TestApp) {
        let closed = app.heard(&["round", "close", "--survey", "ap-voice", "--round", "Summer 2024"], "");
        assert!(closed.status.success(), "{}", String::from_utf8_lossy(&closed.stderr));
        let (status, answer) = post(&app, &submission(&app, CLIENT_ID, json!({ "key_stage": "KS4" }))).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(error_of(&answer).contains("is closed"), "{answer}");
        assert_eq!(app.stored_responses().await, 0);

        let response = app.client().post(app.url("/join")).form(&[("code", &app.join_code)]).send().await.unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let page = app.client().get(app.url(&location)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("That survey has closed"), "{page}");
        let page = app.client().get(app.url(&format!("/survey/{}", app.join_code))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("This survey has closed"), "{page}");
    }

    async fn a_survey_finished_while_the_round_was_open_is_taken_after_it_closed_within_the_late_hours(app: TestApp) {
        // The tablet got the survey page, with its open token, while the
        // round was open.
        let token = open_token_of(&app).await;
        let finished_at = unix_now() - 60;
        let close = app.heard(&["round", "close", "--survey", "ap-voice", "--round", "Summer 2024"], "");
        assert!(close.status.success(), "{}", String::from_utf8_lossy(&close.stderr));
        let late = |id: &str, token: Option<&str>, finished_at: i64| {
            let mut body = submission(&app, id, json!({ "key_stage": "KS4", "change": "Listen to us" }));
            body["finished_at"] = json!(finished_at);
            if let Some(token) = token {
                body["open_token"] = json!(token);
            }
            body
        };

        // Without the token, or with a forged one, it is refused and named.
        let (status, answer) = post(&app, &late("6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c21", None, finished_at)).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(error_of(&answer).contains("no open token"), "{answer}");
        let (at, tag) = token.split_once('.').unwrap();
        let forged = format!("{}.{tag}", at.parse::<i64>().unwrap() + 1);
        let (status, answer) = post(&app, &late("6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c22", Some(&forged), finished_at)).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(error_of(&answer).contains("not one Heard gave"), "{answer}");
        // Finished (by the tablet's clock) well after the round closed.
        let (status, answer) = post(&app, &late("6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c23", Some(&token), unix_now() + 3600)).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(error_of(&answer).contains("finished after the round closed"), "{answer}");
        assert_eq!(app.stored_responses().await, 0);

        // With it, the survey is stored once, however often it comes.
        let body = late(CLIENT_ID, Some(&token), finished_at);
        let (status, answer) = post(&app, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        let (status, _) = post(&app, &body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.stored_responses().await, 1);

        // A worker sees how long late surveys are taken, and can stop them.
        let listed = String::from_utf8_lossy(&app.heard(&["round", "list"], "").stdout).into_owned();
        assert!(listed.contains("late surveys: taken until"), "{listed}");
        let set = app.heard(&["round", "late", "--survey", "ap-voice", "--round", "Summer 2024", "--hours", "0"], "");
        assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
        assert!(String::from_utf8_lossy(&set.stdout).contains("late surveys: none taken"));
        let (status, answer) = post(&app, &late("6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c24", Some(&token), finished_at)).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(error_of(&answer).contains("0 hours after it closed"), "{answer}");
        // The survey stored before is still "already stored", however late
        // the tablet asks again: it must not be kept as refused.
        let (status, answer) = post(&app, &body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["status"], "already stored");
        let refused = app.heard(&["round", "late", "--survey", "ap-voice", "--round", "Summer 2024", "--hours", "2000"], "");
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("--hours must be from 0"));
        assert_eq!(app.stored_responses().await, 1);
    }

    async fn the_survey_page_gives_the_tablet_no_themes_or_keywords(app: TestApp) {
        std::fs::write(
            app.dir.path().join("change.csv"),
            "theme,description,keywords\nConnect and belong,Feeling part of school,belong; friends\nHelp and support,Adults who helped,mentorship\n",
        )
        .unwrap();
        let imported = app.heard(&["codebook", "import", "--survey", "ap-voice", "--question", "change", "change.csv"], "");
        assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
        let page = app.get_text(&format!("/survey/{}", app.join_code)).await;
        assert!(page.contains("What needs to change?"), "the questions reach it: {page}");
        for staff_only in ["Connect and belong", "Feeling part of school", "mentorship", "keywords"] {
            assert!(!page.contains(staff_only), "{staff_only:?} reached the tablet: {page}");
        }
    }

    async fn concurrent_identical_json_submissions_store_exactly_one_response(app: TestApp) {
        let body = submission(&app, CLIENT_ID, json!({ "key_stage": "KS5", "change": "More options" })).to_string();
        let sends: Vec<_> = (0..20)
            .map(|_| {
                let (client, url, body) = (app.client(), app.url("/api/v1/responses"), body.clone());
                tokio::spawn(async move {
                    client.post(url).header("content-type", "application/json").body(body).send().await.unwrap().status()
                })
            })
            .collect();
        let mut created = 0;
        for send in sends {
            match send.await.unwrap() {
                StatusCode::CREATED => created += 1,
                StatusCode::OK => {}
                other => panic!("a repeat got {other}"),
            }
        }
        assert_eq!(created, 1, "exactly one submission is told it was stored");
        assert_eq!(app.stored_responses().await, 1);
    }

    async fn multiple_values_and_skips_are_stored_as_sent(app: TestApp) {
        use sqlx::Row;
        // A survey with a multiple-choice question, and a round of it.
        std::fs::write(app.dir.path().join("multi.toml"), "slug = \"multi\"\ntitle = \"Multi\"\n\n[[questions]]\nkey = \"key_stage\"\nkind = \"single\"\ntext = \"Key stage\"\noptions = [\"KS3\", \"KS4\"]\n\n[[questions]]\nkey = \"places\"\nkind = \"multi\"\ntext = \"Where do you go?\"\noptions = [\"School\", \"Youth club\", \"Library\"]\n\n[[questions]]\nkey = \"change\"\nkind = \"text\"\ntext = \"What needs to change?\"\n").unwrap();
        let out = app.heard(&["survey", "import", "multi.toml"], "");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let out = app.heard(&["round", "open", "--survey", "multi", "--round", "One"], "");
        let code = String::from_utf8(out.stdout).unwrap().lines().last().unwrap().to_owned();
        let send = |client_id: &str, answers: Value| json!({ "join_code": code, "client_id": client_id, "answers": answers });

        // Two values to a single-choice question: 422, naming it, nothing stored.
        let (status, answer) = post(&app, &send(CLIENT_ID, json!({ "key_stage": ["KS3", "KS4"] }))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(error_of(&answer).contains("key_stage"), "{answer}");
        assert_eq!(app.stored_responses().await, 0);

        // Two values to a multiple-choice question are both stored, in the
        // survey's order; a list of one is a single choice; null and "" are skips.
        let (status, answer) = post(&app, &send(CLIENT_ID, json!({ "key_stage": ["KS3"], "places": ["Library", "School"], "change": "" }))).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        let db = app.database().await;
        let rows = sqlx::query("SELECT q.key, a.value FROM answers a JOIN questions q ON q.id = a.question_id ORDER BY q.key, a.position").fetch_all(&db).await.unwrap();
        let values: Vec<(String, String)> = rows.iter().map(|r| (r.get("key"), r.get("value"))).collect();
        let expected = [("key_stage", "KS3"), ("places", "School"), ("places", "Library")].map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(values, expected, "empty answers are skips, choices in the survey's order");
    }
}
