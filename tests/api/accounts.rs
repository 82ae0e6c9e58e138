use super::*;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

/// Calls a server function as the hydrated page would.
async fn call(
    app: &TestApp,
    name: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> (StatusCode, String) {
    let mut request = app
        .client()
        .post(app.url(&format!("/api/{name}")))
        .form(form);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

on_both_databases! {
    async fn a_wrong_password_returns_to_the_form_with_a_message_and_no_session(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        let response = app
            .client()
            .post(app.url("/api/log_in"))
            .header("accept", "text/html")
            .header("referer", app.url("/login"))
            .form(&[("email", "worker@example.org"), ("password", "not the password")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(response.headers()["location"], "/login?failed=1");
        assert!(response.headers().get("set-cookie").is_none());
        let page = app.client().get(app.url("/login?failed=1")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("The e-mail address, password or code is not right."), "{page}");
        // An unknown address gets the same answer, so accounts cannot be discovered.
        assert_eq!(app.log_in("nobody@example.org", PASSWORD).await, None);
    }

    async fn logging_in_sets_an_http_only_strict_cookie_and_leads_to_the_rounds(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        let response = app
            .client()
            .post(app.url("/api/log_in"))
            .header("accept", "text/html")
            .header("referer", app.url("/login"))
            .form(&[("email", " Worker@Example.org "), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(response.headers()["location"], "/rounds");
        let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attribute), "cookie lacks {attribute}: {cookie}");
        }
        let token = cookie.split(';').next().unwrap().trim_start_matches("heard_session=");
        assert_eq!(token.len(), 32, "a 128-bit token in hex");

        let session = cookie.split(';').next().unwrap();
        let page = app.client().get(app.url("/rounds")).header("cookie", session).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(page.contains("Summer 2024") && page.contains(&app.join_code), "{page}");
    }

    async fn without_a_session_no_data_is_shown_and_server_functions_answer_401(app: TestApp) {
        let page = app.client().get(app.url("/rounds")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
        let page = page.text().await.unwrap();
        assert!(page.contains("Please log in"), "{page}");
        assert!(!page.contains("Summer 2024"), "round names leak to anonymous visitors");

        let (status, body) = call(&app, "list_rounds", &[], None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(!body.contains("Summer 2024"));

        // A forged or expired session is no session.
        let (status, _) = call(&app, "list_rounds", &[], Some("heard_session=00112233445566778899aabbccddeeff")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn a_viewer_may_not_read_answers(app: TestApp) {
        app.add_user("viewer", "viewer@example.org", PASSWORD);
        let cookie = app.log_in("viewer@example.org", PASSWORD).await.expect("the viewer logs in");
        let (status, body) = call(&app, "list_rounds", &[], Some(&cookie)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let page = app.client().get(app.url("/rounds")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::FORBIDDEN);
        assert!(page.text().await.unwrap().contains("Your account cannot see this page"));
    }

    async fn an_admin_may_do_what_a_worker_may(app: TestApp) {
        app.add_user("admin", "admin@example.org", PASSWORD);
        let cookie = app.log_in("admin@example.org", PASSWORD).await.expect("the admin logs in");
        let (status, body) = call(&app, "list_rounds", &[], Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("Summer 2024"));
    }

    async fn logging_out_ends_the_session_on_the_server(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let response = app
            .client()
            .post(app.url("/api/log_out"))
            .header("accept", "text/html")
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["location"], "/");
        assert!(response.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        // Even a client that keeps the old cookie is logged out.
        let (status, _) = call(&app, "list_rounds", &[], Some(&cookie)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn a_burst_of_logins_waits_its_turn_instead_of_taking_a_gigabyte(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        let before = app.peak_memory_kib();
        // 64 wrong passwords at the same moment. Each is counted before it
        // is tried, so only the account's ten get an Argon2 run of 19 MiB,
        // at most four at once; uncapped and counted after, all 64 ran at
        // once, over a gigabyte.
        let attempts: Vec<_> = (0..64)
            .map(|_| {
                let request = app.client().post(app.url("/api/log_in"))
                    .form(&[("email", "worker@example.org"), ("password", "not the password at all")]);
                tokio::spawn(async move { request.send().await.map(|r| r.status()) })
            })
            .collect();
        for attempt in attempts {
            attempt.await.unwrap().unwrap();
        }
        let grown_mib = (app.peak_memory_kib() - before) / 1024;
        assert!(grown_mib < 300, "the server's peak memory grew by {grown_mib} MiB");
        // And the server still answers.
        let response = app.client().get(app.url("/login")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}
