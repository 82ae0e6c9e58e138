//! Each use case reached through both of its surfaces, the command line and
//! HTTP, on one database: they must agree, because both are adapters over
//! the same function.

use super::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

fn fixture(name: &str) -> String {
    heard_tests::workspace_root()
        .join("tests/fixtures/voice-of-the-child-2024")
        .join(name)
        .display()
        .to_string()
}

/// `heard ARGS`, asserting success; returns standard output and error.
fn ok(app: &TestApp, args: &[&str]) -> (String, String) {
    let output = app.heard(args, "");
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "heard {args:?} failed: {err}");
    (String::from_utf8(output.stdout).unwrap(), err)
}

async fn round_id(app: &TestApp, name: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT r.id FROM rounds r JOIN surveys s ON s.id = r.survey_id WHERE r.name = $1 AND s.slug = 'voice-2024'")
        .bind(name)
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    id
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let response = app
        .client()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The receipt code a young person is shown for `client_id`: its first 48
/// bits in Crockford base 32, as `XXXXX-XXXXX`.
fn receipt_of(client_id: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let hex: String = client_id.chars().filter(|c| *c != '-').take(12).collect();
    let bits = u64::from_str_radix(&hex, 16).unwrap();
    let chars: String = (0..10)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

on_both_databases! {
    async fn imports_reports_comparisons_and_erasure_agree_between_the_command_line_and_the_web(app: TestApp) {
        ok(&app, &["survey", "import", &fixture("survey.toml")]);
        app.add_user("worker", "worker@example.org", PASSWORD);
        app.add_user("viewer", "head@example.org", PASSWORD);
        app.add_user("admin", "admin@example.org", PASSWORD);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let viewer = app.log_in("head@example.org", PASSWORD).await.unwrap();
        let admin = app.log_in("admin@example.org", PASSWORD).await.unwrap();

        // Import: the 22-answer file through the command line into one
        // round, and through the browser's server function into another.
        let (said, _) = ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "By command", &fixture("responses.csv")]);
        assert!(said.contains("Added 22 responses"), "{said}");
        // A small round between them: three young people, fewer than
        // viewers may see on their own.
        let file = std::fs::read_to_string(fixture("responses.csv")).unwrap();
        let three: Vec<&str> = file.lines().take(4).collect();
        std::fs::write(app.dir.path().join("three.csv"), three.join("\n")).unwrap();
        ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "Small", "three.csv"]);
        let body = json!({ "survey": "voice-2024", "round": "By web", "csv": file, "mapping": [], "dry_run": false });
        let response = app.client().post(app.url("/api/import_responses_file")).header("cookie", &worker).json(&body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.unwrap();
        let done: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(done["Done"]["added"], 22, "{text}");
        assert_eq!(done["Done"]["stored"], true, "{text}");
        // The same rows stored either way.
        let (by_command, _) = ok(&app, &["export", "responses", "--survey", "voice-2024", "--round", "By command"]);
        let (by_web, _) = ok(&app, &["export", "responses", "--survey", "voice-2024", "--round", "By web"]);
        assert_eq!(by_command.lines().count(), 23, "{by_command}");
        assert_eq!(by_command, by_web);
        // Importing the same file again adds nothing, either way.
        let (said, _) = ok(&app, &["import", "responses", "--survey", "voice-2024", "--round", "By web", &fixture("responses.csv")]);
        assert!(said.contains("Added 0 responses") && said.contains("22 rows were already there"), "{said}");

        // Report: the viewer's breakdown from `heard report` and from the
        // download are the same, small cells hidden in both.
        // Imported responses reach viewers once published.
        for round in ["By command", "Small", "By web"] {
            ok(&app, &["round", "publish", "--survey", "voice-2024", "--round", round]);
        }
        let web_id = round_id(&app, "By web").await;
        let (cli_report, _) = ok(&app, &["report", "--survey", "voice-2024", "--round", "By web", "--by", "key_stage", "--audience", "viewer"]);
        let (status, web_report) = get(&app, &format!("/rounds/{web_id}/report.csv?by=key_stage"), &viewer).await;
        assert_eq!(status, StatusCode::OK, "{web_report}");
        assert_eq!(cli_report, web_report);
        assert!(web_report.contains(",c,c,c"), "KS5 is hidden: {web_report}");

        // Compare: for viewers, the small round is left out by both, and
        // named; workers see all three rounds, again the same both ways.
        let rounds = "By command,Small,By web";
        let (cli_viewer, said) = ok(&app, &["compare", "--survey", "voice-2024", "--question", "key_stage", "--rounds", rounds, "--audience", "viewer"]);
        assert!(said.contains("Not compared: Small"), "{said}");
        let (status, web_viewer) = get(&app, &format!("/rounds/{web_id}/compare.csv?question=key_stage"), &viewer).await;
        assert_eq!(status, StatusCode::OK, "{web_viewer}");
        assert_eq!(cli_viewer, web_viewer);
        assert!(web_viewer.starts_with("category,By command count,By command percent,By web count,"), "{web_viewer}");
        let (_, page) = get(&app, &format!("/rounds/{web_id}/summary"), &viewer).await;
        assert!(page.contains("Not compared: Small, where too few young people answered to show."), "{page}");
        let (cli_worker, _) = ok(&app, &["compare", "--survey", "voice-2024", "--question", "key_stage", "--rounds", rounds]);
        let (_, web_worker) = get(&app, &format!("/rounds/{web_id}/compare.csv?question=key_stage"), &worker).await;
        assert_eq!(cli_worker, web_worker);
        assert!(web_worker.starts_with("category,By command count,By command percent,Small count,"), "{web_worker}");

        // Erase by receipt code: one response through the page's server
        // function, another through the command line; each then finds
        // nothing where the other deleted.
        let ids = ["6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11", "0a1b2c3d-4e5f-4a52-9d0c-8d0f6f4e2c11"];
        for id in ids {
            let sent = json!({ "join_code": app.join_code, "client_id": id, "answers": { "key_stage": "KS4", "change": "Listen to us" } });
            let response = app.client().post(app.url("/api/v1/responses")).json(&sent).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
        }
        assert_eq!(receipt_of(ids[0]), "3F3GN-5AN5R", "the receipt code as the README describes it");
        let erase_on_web = |code: String| {
            let request = app.client().post(app.url("/api/erase_receipt")).header("cookie", &admin).form(&[("code", code)]);
            async move {
                let response = request.send().await.unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            }
        };
        let (status, erased) = erase_on_web(receipt_of(ids[0])).await;
        assert_eq!(status, StatusCode::OK, "{erased}");
        assert!(erased[1]["Found"].is_object(), "{erased}");
        let (said, _) = ok(&app, &["erase", "--receipt", &receipt_of(ids[1])]);
        assert!(said.contains("Deleted the response"), "{said}");
        let (status, again) = erase_on_web(receipt_of(ids[1])).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again[1], "NotFound", "{again}");
        let out = app.heard(&["erase", "--receipt", &receipt_of(ids[0])], "");
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no response has receipt code 3F3GN-5AN5R"));
        let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM responses WHERE client_id IN ($1, $2)")
            .bind(ids[0]).bind(ids[1]).fetch_one(&app.database().await).await.unwrap();
        assert_eq!(left, 0);
        // A mistyped code is the same refusal both ways.
        let (status, refused) = erase_on_web("3F3GN".to_owned()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let out = app.heard(&["erase", "--receipt", "3F3GN"], "");
        let cli_refusal = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success());
        // The same words, the web's with a capital and a full stop.
        let web_refusal = refused["BadInput"].as_str().unwrap();
        assert!(web_refusal.starts_with("That code was not accepted"), "{web_refusal}");
        let words = web_refusal.trim_start_matches('T').trim_end_matches('.');
        assert!(cli_refusal.contains(words), "{cli_refusal} / {web_refusal}");
    }

    async fn every_server_function_and_download_refuses_a_request_without_a_session(app: TestApp) {
        // The list comes from the server itself, so a new endpoint is
        // covered the day it is added.
        let (routes, _) = ok(&app, &["routes"]);
        let endpoints: Vec<(&str, &str, &str)> = routes
            .lines()
            .map(|l| {
                let parts: Vec<&str> = l.split(' ').collect();
                assert_eq!(parts.len(), 3, "{l}");
                (parts[0], parts[1], parts[2])
            })
            .collect();
        assert!(endpoints.len() > 30, "{routes}");
        // What each public endpoint answers a request with no session and
        // no arguments: documented in the README, and nothing else public.
        let public: Vec<(&str, u16)> = vec![
            ("GET /join", 303),
            ("POST /join", 303),
            ("POST /survey/{code}", 200),
            ("POST /api/v1/responses", 400),
            ("GET /health", 200),
            ("POST /api/log_in", 400),
            ("POST /api/log_out", 200),
            ("POST /api/load_survey_state", 400),
            ("POST /api/load_start_page", 200),
            ("POST /api/load_summary", 400),
        ];
        let mut seen_public = Vec::new();
        let id = "00000000-0000-4000-8000-000000000000";
        for (method, path, access) in &endpoints {
            let url = app.url(&path.replace("{code}", "ACE346").replace("{id}", id).replace("{slug}", "ap-voice"));
            let request = match *method {
                "GET" => app.client().get(url),
                "POST" => app.client().post(url).header("content-type", "application/x-www-form-urlencoded"),
                other => panic!("{other} {path}"),
            };
            let status = request.send().await.unwrap().status().as_u16();
            match *access {
                "public" => {
                    let endpoint = format!("{method} {path}");
                    let expected = public.iter().find(|(p, _)| *p == endpoint).unwrap_or_else(|| panic!("{endpoint} is public but not documented here"));
                    assert_eq!(status, expected.1, "{endpoint}");
                    seen_public.push(expected.0);
                }
                "session" | "session-or-share-link" => assert_eq!(status, 401, "{method} {path} without a session"),
                // No operator's token is configured here: not there at all.
                "operator-token" => assert_eq!(status, 404, "{method} {path} without HEARD_METRICS_TOKEN"),
                other => panic!("{path}: unknown access {other}"),
            }
        }
        // A form posted without JavaScript (it accepts HTML) is sent to log in.
        let response = app.client().post(app.url("/api/list_rounds")).header("accept", "text/html").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/login");
        seen_public.sort();
        let mut documented: Vec<&str> = public.iter().map(|(p, _)| *p).collect();
        documented.sort();
        assert_eq!(seen_public, documented);
    }
}
