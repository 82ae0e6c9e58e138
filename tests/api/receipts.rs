use super::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";
/// Its receipt code is the first 48 bits in Crockford base 32: 3F3GN-5AN5R.
const CLIENT_ID: &str = "6F1C2A55-54B8-4A52-9D0C-8D0F6F4E2C11";
const OTHER_ID: &str = "0a1b2c3d-4e5f-4a52-9d0c-8d0f6f4e2c11";

async fn send(app: &TestApp, client_id: &str) {
    let body = json!({
        "join_code": app.join_code,
        "client_id": client_id,
        "answers": { "key_stage": "KS4", "help_before": "Nothing at all", "change": "Listen to us" },
    });
    let response = app
        .client()
        .post(app.url("/api/v1/responses"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn call(app: &TestApp, name: &str, code: &str, cookie: &str) -> (StatusCode, Value) {
    let response = app
        .client()
        .post(app.url(&format!("/api/{name}")))
        .header("cookie", cookie)
        .form(&[("code", code)])
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    n
}

on_both_databases! {
    async fn an_admin_deletes_one_response_by_its_receipt_code_and_nothing_else(app: TestApp) {
        send(&app, CLIENT_ID).await;
        send(&app, OTHER_ID).await;
        app.add_user("admin", "admin@example.org", PASSWORD);
        app.add_user("worker", "worker@example.org", PASSWORD);
        let admin = app.log_in("admin@example.org", PASSWORD).await.unwrap();
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();

        // Workers cannot look codes up or delete.
        let (status, _) = call(&app, "find_receipt", "3F3GN-5AN5R", &worker).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = call(&app, "erase_receipt", "3F3GN-5AN5R", &worker).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(app.stored_responses().await, 2);

        // Typed as a child might copy it: lower case, a space, O for 0.
        let (status, found) = call(&app, "find_receipt", "3f3gn 5an5r", &admin).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(found[0], "3F3GN-5AN5R");
        assert_eq!(found[1]["Found"]["round_name"], "Summer 2024", "{found}");
        assert_eq!(found[1]["Found"]["answers"], 3, "{found}");
        assert!(!found.to_string().contains("Listen to us"), "never what was answered: {found}");
        assert_eq!(app.stored_responses().await, 2, "looking up deletes nothing");

        let (status, erased) = call(&app, "erase_receipt", "3F3GN-5AN5R", &admin).await;
        assert_eq!(status, StatusCode::OK, "{erased}");
        assert_eq!(erased[1]["Found"]["answers"], 3, "{erased}");
        assert_eq!(app.stored_responses().await, 1, "the other response stays");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM answers").await, 3, "only the other response's answers are left");
        let (_, again) = call(&app, "erase_receipt", "3F3GN-5AN5R", &admin).await;
        assert_eq!(again[1], "NotFound", "{again}");

        // The audit log says what happened, not the code or any answer.
        let (who, detail): (String, String) = sqlx::query_as("SELECT who, detail FROM audit_log WHERE action = 'erase response by receipt'")
            .fetch_one(&app.database().await)
            .await
            .unwrap();
        assert_eq!(who, "admin@example.org");
        assert!(detail.contains("round Summer 2024") && !detail.contains("3F3GN"), "{detail}");

        // A mistyped code names what is wrong.
        let (status, bad) = call(&app, "find_receipt", "3F3GN-5AN5", &admin).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(bad.to_string().contains("has 9"), "{bad}");

        // The command line does the same, for the other response.
        let other = app.heard(&["erase", "--receipt", "0A3CP-3TKJZ"], "");
        assert!(other.status.success(), "{}", String::from_utf8_lossy(&other.stderr));
        let said = String::from_utf8_lossy(&other.stdout);
        assert!(said.contains("Deleted the response with receipt code 0A3CP-3TKJZ from round \"Summer 2024\" of ap-voice"), "{said}");
        assert_eq!(app.stored_responses().await, 0);
        let gone = app.heard(&["erase", "--receipt", "0A3CP-3TKJZ"], "");
        assert!(!gone.status.success());
        assert!(String::from_utf8_lossy(&gone.stderr).contains("no response has receipt code 0A3CP-3TKJZ"));
    }
}
