use super::*;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

async fn join(app: &TestApp, code: &str, forwarded_for: Option<&str>) -> String {
    let mut request = app.client().get(app.url("/join")).query(&[("code", code)]);
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn unused_code(app: &TestApp) -> &'static str {
    if app.join_code == "ACE347" {
        "ACE346"
    } else {
        "ACE347"
    }
}

on_both_databases! {
    async fn a_class_of_forty_tablets_behind_one_address_is_never_slowed(app: TestApp) {
        for tablet in 0..40 {
            assert_eq!(join(&app, &app.join_code, None).await, format!("/survey/{}", app.join_code));
            let response = app
                .client()
                .post(app.url("/api/v1/responses"))
                .json(&serde_json::json!({
                    "join_code": app.join_code,
                    "client_id": format!("00000000-0000-4000-8000-{tablet:012}"),
                    "answers": { "key_stage": "KS4" }
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED, "tablet {tablet}");
        }
        assert_eq!(app.stored_responses().await, 40);
    }

    async fn an_address_that_types_too_many_wrong_codes_waits_even_for_a_right_one(app: TestApp) {
        let wrong = unused_code(&app);
        for _ in 0..200 {
            assert!(join(&app, wrong, None).await.starts_with("/?error=unknown"));
        }
        assert_eq!(join(&app, &app.join_code, None).await, "/?error=busy");
        let page = app.client().get(app.url("/?error=busy")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Too many wrong codes have been typed here"), "{page}");

        let survey = app.client().get(app.url(&format!("/survey/{}", app.join_code))).send().await.unwrap();
        assert_eq!(survey.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(survey.text().await.unwrap().contains("Too many wrong tries have been made here. Please wait"));

        let api = app
            .client()
            .post(app.url("/api/v1/responses"))
            .json(&serde_json::json!({
                "join_code": app.join_code,
                "client_id": "00000000-0000-4000-8000-000000000001",
                "answers": {}
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);

        // Heard is not behind a proxy here, so a forged header changes nothing.
        assert_eq!(join(&app, &app.join_code, Some("203.0.113.99")).await, "/?error=busy");
    }

    async fn ten_wrong_passwords_lock_the_account_for_a_while_but_not_others(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        app.add_user("worker", "colleague@example.org", PASSWORD);
        for _ in 0..10 {
            assert_eq!(app.log_in("worker@example.org", "wrong password!").await, None);
        }
        assert_eq!(app.log_in("worker@example.org", PASSWORD).await, None, "locked even with the right password");
        let response = app
            .client()
            .post(app.url("/api/log_in"))
            .header("accept", "text/html")
            .header("referer", app.url("/login"))
            .form(&[("email", "worker@example.org"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["location"], "/login?failed=busy");
        let page = app.client().get(app.url("/login?failed=busy")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Too many failed tries"), "{page}");
        assert!(app.log_in("colleague@example.org", PASSWORD).await.is_some(), "other accounts still log in");
    }
}
