use super::*;
use reqwest::StatusCode;

const TOKEN: &str = "operator token for the tests";

async fn metrics(app: &TestApp, token: Option<&str>) -> (StatusCode, String) {
    let mut request = app.client().get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The value of the sample `name` (with its labels, as printed) in
/// Prometheus text.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn health_says_whether_the_database_answers() {
    let app = TestApp::spawn().await;
    let response = app.client().get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok\n");
}

/// An operator's Prometheus reads request latency per route, the
/// submission writer's queue and batches, the pool and the submissions
/// stored; with the operator's token only, and never a join code.
#[tokio::test]
async fn the_operators_figures_need_its_token_and_show_the_submissions() {
    let app = TestApp::spawn_with_env(&[("HEARD_METRICS_TOKEN", TOKEN)]).await;
    assert_eq!(metrics(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        metrics(&app, Some("a guess")).await.0,
        StatusCode::UNAUTHORIZED
    );

    for n in 0..3 {
        let client_id = format!("8b1c2a55-54b8-4a52-9d0c-{n:012}");
        let body = serde_json::json!({ "join_code": app.join_code, "client_id": client_id, "answers": { "key_stage": "KS4" } });
        for _ in 0..2 {
            app.client()
                .post(app.url("/api/v1/responses"))
                .json(&body)
                .send()
                .await
                .unwrap();
        }
    }
    app.get_text(&format!("/survey/{}", app.join_code)).await;
    // Anyone may send a method of their own: it must not become a series.
    let brew = reqwest::Method::from_bytes(b"BREW").unwrap();
    app.client()
        .request(brew, app.url("/health"))
        .send()
        .await
        .unwrap();

    let (status, text) = metrics(&app, Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        sample(&text, "heard_submissions_total{outcome=\"stored\"}"),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "heard_submissions_total{outcome=\"already_stored\"}"),
        Some(3.0),
        "{text}"
    );
    // Every survey went through the writer, in batches of at least one.
    let batched = sample(&text, "heard_submission_batch_size_sum").unwrap_or_default();
    assert_eq!(batched, 6.0, "{text}");
    assert!(
        sample(&text, "heard_submission_batch_size_count")
            .is_some_and(|n| (1.0..=6.0).contains(&n)),
        "{text}"
    );
    assert_eq!(
        sample(&text, "heard_submission_queue_depth"),
        Some(0.0),
        "{text}"
    );
    assert!(
        text.contains("heard_db_connections{state=\"idle\"}"),
        "{text}"
    );
    let submissions = "heard_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/responses\",status=\"2xx\"}";
    assert_eq!(sample(&text, submissions), Some(6.0), "{text}");
    // Pages are counted under their pattern, never their join code.
    assert!(
        text.contains("route=\"/survey/{code}\"") || text.contains("route=\"/survey/:code\""),
        "{text}"
    );
    assert!(
        !text.contains(&app.join_code),
        "a join code reached the figures: {text}"
    );
}
