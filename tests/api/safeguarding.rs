use super::*;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

async fn send(app: &TestApp, client_id: &str, answers: serde_json::Value) {
    let response = app
        .client()
        .post(app.url("/api/v1/responses"))
        .json(&serde_json::json!({ "join_code": app.join_code, "client_id": client_id, "answers": answers }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn needs_a_look(app: &TestApp, cookie: Option<&str>) -> (StatusCode, String) {
    let mut request = app.client().get(app.url("/needs-a-look"));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

on_both_databases! {
    async fn a_worrying_answer_is_listed_for_workers_with_its_words_highlighted(app: TestApp) {
        send(&app, "5d3c1b2a-0f9e-4d8c-b7a6-958473625140", serde_json::json!({
            "key_stage": "KS4",
            "change": "I was excluded because of drugs. After being excluded I got more drugs. I needed help."
        }))
        .await;
        send(&app, "5d3c1b2a-0f9e-4d8c-b7a6-958473625141", serde_json::json!({ "change": "Listen to us" })).await;

        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (status, page) = needs_a_look(&app, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("1 waiting"), "{page}");
        assert!(page.contains("<mark>drugs</mark>"), "{page}");
        assert!(page.contains("I needed help."));
        assert!(!page.contains("Listen to us"), "only flagged answers are listed");
        assert!(!app.log().contains("drugs"), "flagged words must not reach the log at info level");
    }

    async fn a_worker_marks_a_flag_handled_with_a_note(app: TestApp) {
        send(&app, "5d3c1b2a-0f9e-4d8c-b7a6-958473625142", serde_json::json!({ "prevent": "my dad hits me" })).await;
        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (_, page) = needs_a_look(&app, Some(&cookie)).await;
        let start = page.find("name=\"response_id\" value=\"").expect("a form per flag") + "name=\"response_id\" value=\"".len();
        let response_id = &page[start..start + 36];

        let response = app
            .client()
            .post(app.url("/api/mark_handled"))
            .header("accept", "text/html")
            .header("referer", app.url("/needs-a-look"))
            .header("cookie", &cookie)
            .form(&[("response_id", response_id), ("note", "Passed to the DSL the same day")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let (_, page) = needs_a_look(&app, Some(&cookie)).await;
        assert!(page.contains("0 waiting"), "{page}");
        assert!(page.contains("Handled by worker@example.org: Passed to the DSL the same day"), "{page}");
    }

    async fn flags_are_never_shown_to_viewers_or_anonymous_visitors(app: TestApp) {
        send(&app, "5d3c1b2a-0f9e-4d8c-b7a6-958473625143", serde_json::json!({ "change": "I want to kill myself" })).await;
        let (status, page) = needs_a_look(&app, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(!page.contains("kill myself"));

        app.add_user("viewer", "viewer@example.org", PASSWORD);
        let cookie = app.log_in("viewer@example.org", PASSWORD).await.unwrap();
        let (status, page) = needs_a_look(&app, Some(&cookie)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(!page.contains("kill myself"));
        let response = app
            .client()
            .post(app.url("/api/list_flagged"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(!response.text().await.unwrap().contains("kill myself"));
    }

    async fn concerns_stored_the_old_way_are_moved_to_rows_at_start(app: TestApp) {
        // A flag written before concerns had rows of their own: two
        // concerns as tab-joined lines in one text column.
        send(&app, "5d3c1b2a-0f9e-4d8c-b7a6-958473625144", serde_json::json!({
            "prevent": "they hit me at home", "change": "nobody listens"
        }))
        .await;
        let db = app.database().await;
        sqlx::query("DELETE FROM safeguarding_concerns").execute(&db).await.unwrap();
        sqlx::query("UPDATE safeguarding_flags SET concerns = $1")
            .bind("prevent\thit me\nchange\tnobody listens")
            .execute(&db)
            .await
            .unwrap();
        db.close().await;
        let app = app.restart().await;
        let db = app.database().await;
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT question_key, words FROM safeguarding_concerns ORDER BY position")
            .fetch_all(&db)
            .await
            .unwrap();
        assert_eq!(rows, [("prevent".to_owned(), "hit me".to_owned()), ("change".to_owned(), "nobody listens".to_owned())]);
        let (left,): (String,) = sqlx::query_as("SELECT concerns FROM safeguarding_flags").fetch_one(&db).await.unwrap();
        assert_eq!(left, "", "the old column is emptied, so a second start moves nothing");
        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (_, page) = needs_a_look(&app, Some(&cookie)).await;
        assert!(page.contains("<mark>hit me</mark>"), "{page}");
        assert!(page.contains("<mark>nobody listens</mark>"), "{page}");
    }
}
