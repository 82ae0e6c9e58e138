//! The bad-input corpus (`tests/corpus/bad-input.json`): every hostile or
//! broken input gets its documented answer (a clear 4xx naming the problem,
//! or a command-line error), over HTTP and on the command line, on both
//! databases; the server keeps serving; and the database afterwards holds
//! exactly what it should.

use super::*;
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// Words of library internals that must never reach a caller.
const INTERNALS: [&str; 7] = [
    "sqlx",
    "panicked",
    "SQLSTATE",
    "ServerFnError",
    "serde_qs",
    "Deserialization",
    "error returned from database",
];

fn corpus() -> Value {
    let path = heard_tests::workspace_root().join("tests/corpus/bad-input.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("the corpus is JSON")
}

fn text(case: &Value, field: &str) -> Option<String> {
    case.get(field).and_then(Value::as_str).map(str::to_owned)
}

/// The body a case describes.
fn body_of(case: &Value, fill: &dyn Fn(&str) -> String) -> Vec<u8> {
    if let Some(hex) = text(case, "body_hex") {
        let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
        return (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
    }
    if let Some(repeat) = case.get("repeat") {
        let part = |f: &str| fill(repeat[f].as_str().unwrap());
        let times = repeat["times"].as_u64().unwrap() as usize;
        return format!(
            "{}{}{}",
            part("prefix"),
            part("text").repeat(times),
            part("suffix")
        )
        .into_bytes();
    }
    if let Some(depth) = case.get("nest").and_then(Value::as_u64) {
        let depth = depth as usize;
        return format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes();
    }
    text(case, "body")
        .map(|b| fill(&b).into_bytes())
        .unwrap_or_default()
}

on_both_databases! {
    async fn every_hostile_input_gets_its_answer_and_changes_nothing_it_should_not(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        app.add_user("admin", "admin@example.org", PASSWORD);
        let (round, slug): (String, String) = sqlx::query_as("SELECT r.id, s.slug FROM rounds r JOIN surveys s ON s.id = r.survey_id")
            .fetch_one(&app.database().await).await.unwrap();
        let code = app.join_code.clone();
        let fill = |s: &str| s.replace("{code}", &code).replace("{round}", &round).replace("{slug}", &slug);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let admin = app.log_in("admin@example.org", PASSWORD).await.unwrap();
        let logged_out = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        app.client().post(app.url("/api/log_out")).header("cookie", &logged_out).send().await.unwrap();
        let hashes = || async {
            let all: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM sessions").fetch_all(&app.database().await).await.unwrap();
            all.into_iter().map(|(h,)| h).collect::<std::collections::BTreeSet<_>>()
        };
        let before = hashes().await;
        let expired = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let new: Vec<String> = hashes().await.difference(&before).cloned().collect();
        assert_eq!(new.len(), 1);
        // Twelve hours and more since it began: past its end.
        sqlx::query("UPDATE sessions SET expires_at = 0 WHERE token_hash = $1")
            .bind(&new[0]).execute(&app.database().await).await.unwrap();

        let corpus = corpus();
        for case in corpus["http"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let cookie = match case["as"].as_str().unwrap() {
                "anonymous" => None,
                "worker" => Some(worker.clone()),
                "admin" => Some(admin.clone()),
                "forged session" => Some("heard_session=00112233445566778899aabbccddeeff".to_owned()),
                "logged-out session" => Some(logged_out.clone()),
                "expired session" => Some(expired.clone()),
                other => panic!("{name}: unknown caller {other}"),
            };
            let url = app.url(&fill(case["path"].as_str().unwrap()));
            let mut request = match case["method"].as_str().unwrap() {
                "GET" => app.client().get(url),
                _ => app.client().post(url),
            };
            if let Some(cookie) = &cookie {
                request = request.header("cookie", cookie);
            }
            if let Some(headers) = case.get("headers").and_then(Value::as_object) {
                for (header, value) in headers {
                    request = request.header(header, value.as_str().unwrap());
                }
            }
            let response = request.body(body_of(case, &fill)).send().await.unwrap_or_else(|e| panic!("{name}: {e}"));
            let status = response.status().as_u16();
            let answer = response.text().await.unwrap_or_default();
            assert_eq!(status, case["status"].as_u64().unwrap() as u16, "{name}: {answer}");
            if let Some(says) = text(case, "says") {
                assert!(answer.to_lowercase().contains(&says.to_lowercase()), "{name}: the answer does not say {says:?}: {answer}");
            }
            if status >= 400 {
                for word in INTERNALS {
                    assert!(!answer.contains(word), "{name}: the answer shows {word}: {answer}");
                }
            }
            if let Some(page) = text(case, "page") {
                let page = app.client().get(app.url(&fill(&page))).header("cookie", &worker).send().await.unwrap().text().await.unwrap();
                for raw in case["page_lacks"].as_array().unwrap() {
                    assert!(!page.contains(raw.as_str().unwrap()), "{name}: the page holds {raw} unescaped");
                }
            }
        }
        // Still serving.
        assert_eq!(app.client().get(app.url("/")).send().await.unwrap().status(), 200);

        let existing = app.dir.path().join("existing.qdpx");
        std::fs::write(&existing, "keep me").unwrap();
        for case in corpus["cli"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let file = app.dir.path().join("case-input");
            if let Some(contents) = text(case, "file") {
                std::fs::write(&file, contents).unwrap();
            }
            let args: Vec<String> = case["args"].as_array().unwrap().iter()
                .map(|a| fill(a.as_str().unwrap())
                    .replace("{file}", &file.display().to_string())
                    .replace("{existing}", &existing.display().to_string()))
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let output = app.heard(&args, &text(case, "stdin").unwrap_or_default());
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!output.status.success(), "{name}: heard {args:?} succeeded");
            assert!(stderr.starts_with("error: ") || stderr.contains("\nerror: ") || stderr.contains("error:"), "{name}: {stderr}");
            let says = text(case, "says").unwrap_or_default();
            assert!(stderr.to_lowercase().contains(&says.to_lowercase()), "{name}: stderr does not say {says:?}: {stderr}");
            for word in INTERNALS {
                assert!(!stderr.contains(word), "{name}: stderr shows {word}: {stderr}");
            }
        }
        assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");

        // Exactly what should be there: no answers, the demo survey and the
        // one whose title held a script (as text), no round from the refused
        // import, no account from the refused ones.
        let db = app.database().await;
        assert_eq!(app.stored_responses().await, 0);
        let surveys: Vec<(String,)> = sqlx::query_as("SELECT slug FROM surveys ORDER BY slug").fetch_all(&db).await.unwrap();
        assert_eq!(surveys, vec![(slug.clone(),), ("xss".to_owned(),)]);
        let rounds: Vec<(String,)> = sqlx::query_as("SELECT name FROM rounds").fetch_all(&db).await.unwrap();
        assert_eq!(rounds, vec![("Summer 2024".to_owned(),)]);
        let users: Vec<(String,)> = sqlx::query_as("SELECT email FROM users ORDER BY email").fetch_all(&db).await.unwrap();
        assert_eq!(users, vec![("admin@example.org".to_owned(),), ("worker@example.org".to_owned(),)]);
        let (min_cell,): (i64,) = sqlx::query_as("SELECT min_cell FROM surveys WHERE slug = $1").bind(&slug).fetch_one(&db).await.unwrap();
        assert!(min_cell > 0, "the refused threshold was not stored");
    }
}
