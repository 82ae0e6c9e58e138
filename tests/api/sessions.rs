//! Sessions and accounts to ASVS level 2: second factors, recovery codes,
//! idle and absolute timeouts, `__Host-` cookies over HTTPS, session
//! fixation, what an admin can do to accounts, common passwords refused,
//! and the audit log of all of it.

use super::*;
use reqwest::StatusCode;
use sqlx::Row;

const PASSWORD: &str = "correct horse battery staple";

/// Moves every session's clocks back by `seconds`, as if that long had passed.
async fn age_sessions(app: &TestApp, idle: i64, since_login: i64) {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = last_seen_at - $1, expires_at = expires_at - $2",
    )
    .bind(idle)
    .bind(since_login)
    .execute(&app.database().await)
    .await
    .unwrap();
}

on_both_databases! {
    async fn an_admin_needs_the_code_from_their_phone_and_each_code_works_once(app: TestApp) {
        app.add_user("admin", "admin@example.org", PASSWORD);
        let factor = app.second_factor("admin@example.org").expect("heard user add prints an admin's second factor");
        assert_eq!(factor.recovery_codes.len(), 10);
        // The password alone does not open an admin account that has a second factor.
        assert_eq!(app.log_in_with_code("admin@example.org", PASSWORD, "").await, None);
        let code = factor.code_at(unix_now());
        assert!(app.log_in_with_code("admin@example.org", PASSWORD, &code).await.is_some());
        // The same code again (read over a shoulder): refused.
        assert_eq!(app.log_in_with_code("admin@example.org", PASSWORD, &code).await, None);
        // A recovery code works once, however typed.
        let recovery = factor.recovery_codes[0].clone();
        let typed = recovery.to_uppercase().replace('-', " ");
        assert!(app.log_in_with_code("admin@example.org", PASSWORD, &typed).await.is_some());
        assert_eq!(app.log_in_with_code("admin@example.org", PASSWORD, &recovery).await, None);
        let audit = app.heard(&["audit"], "");
        let audit = String::from_utf8_lossy(&audit.stdout);
        assert!(audit.contains("recovery code used\t9 left"), "{audit}");
        assert!(audit.contains("admin@example.org\tlogged in\twith second factor"), "{audit}");
        assert!(audit.contains("admin@example.org\tfailed login"), "{audit}");
    }

    async fn a_worker_sets_up_a_second_factor_on_their_account_page(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let page = app.client().get(app.url("/account")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Not set up"), "{page}");
        let (status, body) = app.call("new_second_factor", &[], &cookie).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let key: serde_json::Value = serde_json::from_str(&body).unwrap();
        let secret = key["secret"].as_str().unwrap().to_owned();
        assert!(key["qr_svg"].as_str().unwrap().contains("<svg"));
        // A wrong code stores nothing.
        let (status, body) = app.call("confirm_second_factor", &[("password", PASSWORD), ("secret", &secret), ("code", "000000")], &cookie).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("that code does not match") || body.contains("That code does not match"), "{body}");
        let mut factor = heard_tests::SecondFactor::from_output(&format!("key: {secret}\n")).unwrap();
        let code = factor.next_code();
        // Someone holding the session but not the password cannot set one up.
        let (status, body) = app.call("confirm_second_factor", &[("password", "not the password!"), ("secret", &secret), ("code", &code)], &cookie).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("not this account's password"), "{body}");
        let (status, body) = app.call("confirm_second_factor", &[("password", PASSWORD), ("secret", &secret), ("code", &code)], &cookie).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let codes: Vec<String> = serde_json::from_str(&body).unwrap();
        assert_eq!(codes.len(), 10);
        // From now on the password alone is not enough.
        assert_eq!(app.log_in_with_code("worker@example.org", PASSWORD, "").await, None);
        factor.recovery_codes = codes;
        app.keep_second_factor("worker@example.org", factor);
        assert!(app.log_in("worker@example.org", PASSWORD).await.is_some());
    }

    async fn an_admin_without_a_second_factor_works_as_a_worker_until_it_sets_one_up(app: TestApp) {
        // Made admin with heard user role: a second factor comes with it.
        app.add_user("worker", "colleague@example.org", PASSWORD);
        let output = app.heard(&["user", "role", "--role", "admin", "colleague@example.org"], "");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(heard_tests::SecondFactor::from_output(&String::from_utf8_lossy(&output.stdout)).is_some());
        assert_eq!(app.log_in_with_code("colleague@example.org", PASSWORD, "").await, None);
        // An account that was an admin before second factors existed.
        app.add_user("worker", "promoted@example.org", PASSWORD);
        sqlx::query("UPDATE users SET role = 'admin' WHERE email = 'promoted@example.org'")
            .execute(&app.database().await).await.unwrap();
        let response = app.client().post(app.url("/api/log_in")).header("accept", "text/html")
            .form(&[("email", "promoted@example.org"), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(response.headers()["location"], "/account", "sent to set up a second factor");
        let cookie = app.log_in_with_code("promoted@example.org", PASSWORD, "").await.unwrap();
        let (status, body) = app.call("list_accounts", &[], &cookie).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains("SecondFactorNeeded"), "{body}");
        let page = app.client().get(app.url("/admin/accounts")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::FORBIDDEN);
        assert!(page.text().await.unwrap().contains("Admin work needs a second factor"));
        let (status, _) = app.call("list_rounds", &[], &cookie).await;
        assert_eq!(status, StatusCode::OK, "a worker's work goes on");
    }

    async fn sessions_end_after_thirty_idle_minutes_and_twelve_hours_in_all(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        // 29 idle minutes: still in, and the use counts as activity.
        age_sessions(&app, 29 * 60, 0).await;
        assert_eq!(app.call("list_rounds", &[], &cookie).await.0, StatusCode::OK);
        let row = sqlx::query("SELECT last_seen_at FROM sessions").fetch_one(&app.database().await).await.unwrap();
        let seen: i64 = row.get("last_seen_at");
        assert!(seen >= unix_now() as i64 - 5, "the use was recorded");
        // 31 idle minutes: out.
        age_sessions(&app, 31 * 60, 0).await;
        assert_eq!(app.call("list_rounds", &[], &cookie).await.0, StatusCode::UNAUTHORIZED);
        // Active all along, but twelve hours after logging in: out.
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        age_sessions(&app, 0, 12 * 60 * 60).await;
        assert_eq!(app.call("list_rounds", &[], &cookie).await.0, StatusCode::UNAUTHORIZED);
    }

    async fn logging_in_again_ends_that_browsers_old_session_and_no_other(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        let laptop = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let planted = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        // This browser carries `planted` when it logs in.
        let response = app.client().post(app.url("/api/log_in")).header("accept", "text/html")
            .header("cookie", &planted)
            .form(&[("email", "worker@example.org"), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(app.call("list_rounds", &[], &planted).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(app.call("list_rounds", &[], &laptop).await.0, StatusCode::OK);
    }

    async fn an_admin_ends_sessions_and_disables_accounts_on_the_page_and_the_command_line(app: TestApp) {
        app.add_user("admin", "admin@example.org", PASSWORD);
        app.add_user("worker", "worker@example.org", PASSWORD);
        let admin = app.log_in("admin@example.org", PASSWORD).await.unwrap();
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (status, body) = app.call("list_accounts", &[], &admin).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let accounts: serde_json::Value = serde_json::from_str(&body).unwrap();
        let listed = accounts.as_array().unwrap().iter().find(|a| a["email"] == "worker@example.org").unwrap();
        assert_eq!(listed["sessions"], 1);
        assert_eq!(listed["second_factor"], false);
        // A worker cannot do any of this.
        assert_eq!(app.call("list_accounts", &[], &worker).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.call("end_account_sessions", &[("email", "admin@example.org")], &worker).await.0, StatusCode::FORBIDDEN);

        let (status, body) = app.call("end_account_sessions", &[("email", "worker@example.org")], &admin).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "1"));
        assert_eq!(app.call("list_rounds", &[], &worker).await.0, StatusCode::UNAUTHORIZED);

        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (status, body) = app.call("set_account_disabled", &[("email", "worker@example.org"), ("disabled", "true")], &admin).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(app.call("list_rounds", &[], &worker).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(app.log_in("worker@example.org", PASSWORD).await, None, "a disabled account cannot log in");
        let (status, body) = app.call("set_account_disabled", &[("email", "nobody@example.org"), ("disabled", "true")], &admin).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("no account for nobody@example.org"), "{body}");

        // The command line does the same.
        let listed = app.heard(&["user", "list"], "");
        let listed = String::from_utf8_lossy(&listed.stdout);
        assert!(listed.contains("worker@example.org\tworker\tdisabled\tno\t0"), "{listed}");
        assert!(listed.contains("admin@example.org\tadmin\tactive\tyes\t1"), "{listed}");
        assert!(app.heard(&["user", "enable", "worker@example.org"], "").status.success());
        assert!(app.log_in("worker@example.org", PASSWORD).await.is_some());
        let ended = app.heard(&["user", "end-sessions", "worker@example.org"], "");
        assert!(String::from_utf8_lossy(&ended.stdout).contains("Ended 1 session(s)"));
        let missing = app.heard(&["user", "disable", "nobody@example.org"], "");
        assert!(!missing.status.success());
        assert!(String::from_utf8_lossy(&missing.stderr).contains("there is no account for nobody@example.org"));

        // All of it is in the audit log, on the page and the command line.
        let page = app.client().get(app.url("/admin/audit")).header("cookie", &admin).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        for entry in ["account added", "sessions ended", "account disabled", "account enabled", "logged in"] {
            assert!(page.contains(entry), "the audit page lacks {entry}");
        }
        let audit = String::from_utf8_lossy(&app.heard(&["audit"], "").stdout).into_owned();
        assert!(audit.contains("admin@example.org\taccount disabled\tworker@example.org"), "{audit}");
        assert!(audit.contains("heard (command line)\taccount enabled\tworker@example.org"), "{audit}");
        assert_eq!(app.client().get(app.url("/admin/audit")).header("cookie", &worker).send().await.unwrap().status(), StatusCode::UNAUTHORIZED, "its session was ended");
    }

    async fn downloads_of_answers_and_share_links_are_audited(app: TestApp) {
        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (round_id,): (String,) = sqlx::query_as("SELECT id FROM rounds").fetch_one(&app.database().await).await.unwrap();
        let download = app.client().get(app.url(&format!("/rounds/{round_id}/responses.csv"))).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(download.status(), StatusCode::OK);
        let audit = String::from_utf8_lossy(&app.heard(&["audit"], "").stdout).into_owned();
        assert!(audit.contains("worker@example.org\texport\tresponses.csv of round Summer 2024"), "{audit}");
        assert!(!audit.to_lowercase().contains("listen to us"), "no answer text in the audit log");
    }
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure_and_host_only() {
    let app = TestApp::spawn_with_env(&[("HEARD_PUBLIC_URL", "https://heard.example.org")]).await;
    app.add_user("worker", "worker@example.org", PASSWORD);
    let response = app
        .client()
        .post(app.url("/api/log_in"))
        .header("accept", "text/html")
        .form(&[("email", "worker@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-heard_session="), "{cookie}");
    for attribute in ["; Secure", "; Path=/", "; HttpOnly", "; SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert!(response.headers().contains_key("strict-transport-security"));
    let pair = cookie.split(';').next().unwrap();
    assert_eq!(app.call("list_rounds", &[], pair).await.0, StatusCode::OK);
    // The same token under the plain name (as a sibling subdomain could set
    // it) is no session.
    let plain = pair.trim_start_matches("__Host-");
    assert_eq!(
        app.call("list_rounds", &[], plain).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn common_passwords_are_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    for common in ["password12345!", "Qwertyuiop123", "1qaz2wsx3edc"] {
        let output = app.heard(
            &["user", "add", "--role", "worker", "w@example.org"],
            &format!("{common}\n"),
        );
        assert!(!output.status.success(), "{common} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("one of the most common"), "{stderr}");
    }
    let listed = app.heard(&["user", "list"], "");
    assert!(
        String::from_utf8_lossy(&listed.stdout).trim().is_empty(),
        "nothing was added"
    );
}
