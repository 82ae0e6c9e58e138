//! Requests from other sites are refused, and every answer carries the
//! headers that keep pages and answers to Heard (issue 12, first part).

use super::*;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

on_both_databases! {
    async fn a_page_on_another_site_cannot_log_in_send_answers_or_act_as_staff(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        // How a browser marks a form or fetch from a page elsewhere: by
        // Fetch Metadata, or (older browsers) by Origin alone.
        let elsewhere: [(&str, &str); 2] = [("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")];
        for (name, value) in elsewhere {
            // Login CSRF: the right password, from another site.
            let response = app.client().post(app.url("/api/log_in")).header(name, value)
                .header("accept", "text/html")
                .form(&[("email", "worker@example.org"), ("password", PASSWORD)])
                .send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}: {value}");
            assert!(response.headers().get("set-cookie").is_none());
            // A worker's session riding along on a cross-site form.
            let response = app.client().post(app.url("/api/log_out")).header(name, value)
                .header("cookie", &worker).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            // Answers sent from another site, by form and by JSON.
            let response = app.client().post(app.url(&format!("/survey/{}", app.join_code))).header(name, value)
                .form(&[("step", "start")]).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            let response = app.client().post(app.url("/api/v1/responses")).header(name, value)
                .json(&serde_json::json!({ "join_code": app.join_code, "client_id": "6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11", "answers": { "key_stage": "KS4" } }))
                .send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
        }
        assert_eq!(app.stored_responses().await, 0, "nothing sent from elsewhere was stored");
        // The worker's session survived the cross-site log-out.
        let response = app.client().get(app.url("/rounds")).header("cookie", &worker).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        // Heard's own pages pass: the same login with this server's origin.
        let host = app.base_url.trim_start_matches("http://").to_owned();
        let response = app.client().post(app.url("/api/log_in"))
            .header("origin", format!("http://{host}")).header("sec-fetch-site", "same-origin")
            .header("accept", "text/html").header("referer", app.url("/login"))
            .form(&[("email", "worker@example.org"), ("password", PASSWORD)])
            .send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert!(response.headers().get("set-cookie").is_some());
    }

    async fn every_answer_says_not_to_sniff_frame_refer_or_keep_it(app: TestApp) {
        for path in ["/", &format!("/survey/{}", app.join_code), "/login", "/rounds", "/api/v1/responses"] {
            let response = app.client().get(app.url(path)).send().await.unwrap();
            let headers = response.headers();
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
            assert_eq!(headers["cache-control"], "no-store", "{path}: Back on a shared tablet must not show the last child's answers");
            let csp = headers["content-security-policy"].to_str().unwrap();
            for rule in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"] {
                assert!(csp.contains(rule), "{path}: {csp}");
            }
            assert!(headers.get("strict-transport-security").is_none(), "plain HTTP here: no HSTS");
        }
        // The built front end may be kept.
        let response = app.client().get(app.url("/pkg/heard.css")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("cache-control").is_none_or(|v| v != "no-store"));
    }
}
