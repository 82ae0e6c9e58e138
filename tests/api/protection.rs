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
        // Pages allow only scripts with this response's nonce (and Heard's
        // own files): every inline script has it, and it is new each time.
        let mut nonces = Vec::new();
        for path in ["/", "/login"] {
            let response = app.client().get(app.url(path)).send().await.unwrap();
            let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
            let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap_or_else(|| panic!("{path}: no script-src in {csp}"));
            assert!(!script_src.contains("unsafe-inline"), "{csp}");
            let nonce = script_src.split("'nonce-").nth(1).and_then(|n| n.split('\'').next()).unwrap().to_owned();
            let page = response.text().await.unwrap();
            let scripts = page.matches("<script").count();
            assert!(scripts > 0, "{path}: the page hydrates with an inline script");
            assert_eq!(page.matches(&format!("<script nonce=\"{nonce}\"")).count() + page.matches(&format!("<script type=\"module\" nonce=\"{nonce}\"")).count(), scripts, "{path}: a script without the nonce:\n{page}");
            nonces.push(nonce);
        }
        assert_ne!(nonces[0], nonces[1], "a nonce is used once");
        // The built front end may be kept.
        let response = app.client().get(app.url("/pkg/heard.css")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("cache-control").is_none_or(|v| v != "no-store"));
    }
}

/// A client that sends its headers a byte at a time (slowloris) is cut off
/// once the header timeout passes, and the server goes on serving.
#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with_env(&[("HEARD_HEADER_TIMEOUT_SECONDS", "2")]).await;
    let address = app.base_url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: heard\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    // The rest of the headers never come: the server must close.
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        slow.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the connection was still open after 10 s");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "closed before the timeout"
    );
    let page = app.client().get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
}
