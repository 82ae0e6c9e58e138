//! Viewers see published summaries, never live counts: scripted viewers
//! try to learn one young person's answers by reading before and after
//! they send, through every view a viewer or share link has. And no
//! viewer-reachable answer carries free text, flags or respondent ids.

use super::*;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

async fn send(app: &TestApp, n: u32, key_stage: &str, change: &str) {
    let response = app
        .client()
        .post(app.url("/api/v1/responses"))
        .json(&serde_json::json!({
            "join_code": app.join_code,
            "client_id": format!("00000000-0000-4000-8000-{n:012}"),
            "answers": { "key_stage": key_stage, "change": change }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// `page` without what differs between any two answers by design: the
/// nonce of its scripts.
fn without_nonces(page: &str) -> String {
    let mut out = String::new();
    let mut rest = page;
    let next = |text: &str| {
        ["nonce=\"", "crossorigin=\""]
            .iter()
            .filter_map(|m| text.find(m))
            .min()
    };
    while let Some(start) = next(rest) {
        let value_start = start + rest[start..].find('"').unwrap() + 1;
        let value_end = value_start + rest[value_start..].find('"').unwrap();
        out.push_str(&rest[..value_start]);
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    out
}

/// Everything a viewer (with `cookie`) or a share link (`share`) can read
/// about the round, concatenated: the summary for every breakdown, the
/// list of summaries, the CSV downloads, the pages with their hydration
/// data.
async fn everything_a_viewer_reads(
    app: &TestApp,
    round: &str,
    cookie: &str,
    share: &str,
) -> String {
    let mut seen = String::new();
    for by in ["", "key_stage"] {
        let summary = app
            .client()
            .post(app.url("/api/load_summary"))
            .header("cookie", cookie)
            .form(&[("round_id", round), ("by", by), ("viewers_view", "false")])
            .send()
            .await
            .unwrap();
        seen += &format!("{}\n{}\n", summary.status(), summary.text().await.unwrap());
        let shared = app
            .client()
            .post(app.url("/api/load_summary"))
            .form(&[
                ("round_id", ""),
                ("share", share),
                ("by", by),
                ("viewers_view", "false"),
            ])
            .send()
            .await
            .unwrap();
        seen += &format!("{}\n{}\n", shared.status(), shared.text().await.unwrap());
        for get in [
            format!("/rounds/{round}/report.csv?by={by}"),
            format!("/rounds/{round}/report.csv?by={by}&share={share}"),
            format!("/rounds/{round}/summary?by={by}"),
            format!("/shared/{share}?by={by}"),
        ] {
            let response = app
                .client()
                .get(app.url(&get))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            seen += &format!(
                "{}\n{}\n",
                response.status(),
                without_nonces(&response.text().await.unwrap())
            );
        }
    }
    let list = app
        .client()
        .post(app.url("/api/list_summaries"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    seen += &list.text().await.unwrap();
    let page = app
        .client()
        .get(app.url("/summaries"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    seen += &without_nonces(&page.text().await.unwrap());
    seen
}

on_both_databases! {
    async fn reading_before_and_after_one_young_person_sends_tells_a_viewer_nothing(app: TestApp) {
        app.add_user("viewer", "viewer@example.org", PASSWORD);
        app.add_user("worker", "worker@example.org", PASSWORD);
        let (round,): (String,) = sqlx::query_as("SELECT id FROM rounds").fetch_one(&app.database().await).await.unwrap();
        for n in 0..12 {
            send(&app, n, if n % 2 == 0 { "KS3" } else { "KS4" }, "More time with teachers").await;
        }
        let viewer = app.log_in("viewer@example.org", PASSWORD).await.unwrap();
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        // Nothing is published yet: viewers see nothing of the round at all.
        let unpublished = app.client().post(app.url("/api/load_summary")).header("cookie", &viewer)
            .form(&[("round_id", round.as_str()), ("viewers_view", "false")]).send().await.unwrap();
        assert_eq!(unpublished.status(), StatusCode::NOT_FOUND);
        let list = app.client().post(app.url("/api/list_summaries")).header("cookie", &viewer).send().await.unwrap().text().await.unwrap();
        assert_eq!(list, "[]", "an unpublished round is not even listed for viewers");

        let publish = |cookie: String| {
            let request = app.client().post(app.url("/api/publish_summary")).header("cookie", cookie).form(&[("round_id", round.as_str())]);
            async move { request.send().await.unwrap().text().await.unwrap() }
        };
        assert!(publish(worker.clone()).await.contains("viewers now see 12 responses"));
        let made = app.client().post(app.url("/api/create_share_link")).header("cookie", &app.log_in_admin().await)
            .form(&[("round_id", round.as_str()), ("days", "7")]).send().await.unwrap().text().await.unwrap();
        let share = made.trim_matches('"').trim_start_matches("/shared/").to_owned();

        let before = everything_a_viewer_reads(&app, &round, &viewer, &share).await;
        assert!(before.contains("12"), "the published figures are there");
        // The one young person the teacher saw finish.
        send(&app, 100, "KS5", "Nobody listens to me at home").await;
        let after = everything_a_viewer_reads(&app, &round, &viewer, &share).await;
        assert_eq!(before, after, "a viewer's every view is unchanged by one more answer");
        // Workers see it live.
        let live = app.client().post(app.url("/api/load_summary")).header("cookie", &worker)
            .form(&[("round_id", round.as_str()), ("viewers_view", "false")]).send().await.unwrap().text().await.unwrap();
        assert!(live.contains("\"responses\":13"), "{live}");

        // Publishing again with one new response would give that child away.
        let refused = publish(worker.clone()).await;
        assert!(refused.contains("Not published: 1 new since viewers last saw 12"), "{refused}");
        let cli = app.heard(&["round", "publish", "--survey", "ap-voice", "--round", "Summer 2024"], "");
        assert!(!cli.status.success());
        assert!(String::from_utf8_lossy(&cli.stderr).contains("at least 5 are needed"));
        for n in 101..105 {
            send(&app, n, "KS3", "More time with teachers").await;
        }
        assert!(publish(worker.clone()).await.contains("viewers now see 17 responses"));
        let later = everything_a_viewer_reads(&app, &round, &viewer, &share).await;
        assert_ne!(before, later);
        // Closing publishes too (the same young people: allowed).
        let closed = app.heard(&["round", "close", "--survey", "ap-voice", "--round", "Summer 2024"], "");
        assert!(String::from_utf8_lossy(&closed.stdout).contains("Published for viewers: 17 responses"));
        let audit = String::from_utf8_lossy(&app.heard(&["audit"], "").stdout).into_owned();
        assert!(audit.contains("worker@example.org\tsummary published\tround Summer 2024: 17 responses"), "{audit}");
    }

    async fn viewers_never_receive_free_text_flags_or_respondent_ids(app: TestApp) {
        app.add_user("viewer", "viewer@example.org", PASSWORD);
        for n in 0..15 {
            send(&app, n, "KS4", &format!("Secret answer number {n} my dad hits me")).await;
        }
        let (round,): (String,) = sqlx::query_as("SELECT id FROM rounds").fetch_one(&app.database().await).await.unwrap();
        assert!(app.heard(&["round", "close", "--survey", "ap-voice", "--round", "Summer 2024"], "").status.success());
        let admin = app.log_in_admin().await;
        let made = app.client().post(app.url("/api/create_share_link")).header("cookie", &admin)
            .form(&[("round_id", round.as_str()), ("days", "7")]).send().await.unwrap().text().await.unwrap();
        let share = made.trim_matches('"').trim_start_matches("/shared/").to_owned();
        let viewer = app.log_in("viewer@example.org", PASSWORD).await.unwrap();
        let seen = everything_a_viewer_reads(&app, &round, &viewer, &share).await;
        assert!(seen.contains("15"), "the summary was read");
        let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM responses").fetch_all(&app.database().await).await.unwrap();
        for (id,) in ids {
            assert!(!seen.contains(&id), "a respondent id reached a viewer");
        }
        for secret in ["Secret answer", "hits me", "needs a look"] {
            assert!(!seen.to_lowercase().contains(&secret.to_lowercase()), "{secret:?} reached a viewer");
        }
    }
}
