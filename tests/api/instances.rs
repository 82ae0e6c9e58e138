use super::*;
use reqwest::StatusCode;
use serde_json::json;

/// Posts a finished survey to `app`; the status.
async fn answer(app: &TestApp, code: &str, client_id: &str, day: &str) -> StatusCode {
    app.client()
        .post(app.url("/api/v1/responses"))
        .json(&json!({ "join_code": code, "client_id": client_id, "answers": { "day": day } }))
        .send()
        .await
        .unwrap()
        .status()
}

fn client_id(n: u32) -> String {
    format!("7a1c2a55-54b8-4a52-9d0c-{n:012}")
}

on_both_databases! {
    // Behind a load balancer, requests alternate between instances. Each
    // instance keeps the surveys behind join codes in memory; a change
    // made through the other instance must show at once on this one.
    async fn two_instances_on_one_database_behave_as_one(app: TestApp) {
        let other = app.second_instance().await;

        // A session made on one instance is good on the other.
        app.add_user("worker", "worker@example.org", "correct horse battery staple");
        let worker = app.log_in("worker@example.org", "correct horse battery staple").await.unwrap();
        let (status, body) = other.call("list_rounds", &[], &worker).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let save = |options: &[&str], is_new: bool| {
            let question = json!({
                "key": "day", "kind": "single", "text": "How was today?", "options": options,
                "emoji": [], "about_you": false, "coding": "single", "themes": []
            });
            let request = other
                .client()
                .post(other.url("/api/save_survey"))
                .header("cookie", worker.clone())
                .json(&json!({ "survey": { "slug": "today", "title": "Today", "questions": [question] }, "is_new": is_new }));
            async move {
                let response = request.send().await.unwrap();
                (response.status(), response.text().await.unwrap())
            }
        };
        let (status, body) = save(&["Good", "Bad"], true).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let opened = app.heard(&["round", "open", "--survey", "today", "--round", "Monday"], "");
        assert!(opened.status.success(), "{opened:?}");
        let code = String::from_utf8_lossy(&opened.stdout).lines().last().unwrap().trim().to_owned();

        // This instance reads the survey (and keeps it).
        assert_eq!(answer(&app, &code, &client_id(1), "Good").await, StatusCode::CREATED);
        assert_eq!(answer(&app, &code, &client_id(2), "Fine").await, StatusCode::UNPROCESSABLE_ENTITY);

        // The other instance adds an option: this one takes it at once.
        let (status, body) = save(&["Good", "Bad", "Fine"], false).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(answer(&app, &code, &client_id(2), "Fine").await, StatusCode::CREATED);

        // The round is closed elsewhere: neither instance takes a new survey
        // finished after it closed, and a repeat of a stored one is still
        // "already stored" on both.
        let closed = app.heard(&["round", "close", "--survey", "today", "--round", "Monday"], "");
        assert!(closed.status.success(), "{closed:?}");
        assert_eq!(answer(&app, &code, &client_id(3), "Good").await, StatusCode::GONE);
        assert_eq!(answer(&other, &code, &client_id(3), "Good").await, StatusCode::GONE);
        assert_eq!(answer(&other, &code, &client_id(1), "Good").await, StatusCode::OK);
        // Opened again: taken again.
        let reopened = app.heard(&["round", "open", "--survey", "today", "--round", "Monday"], "");
        assert!(reopened.status.success(), "{reopened:?}");
        assert_eq!(answer(&app, &code, &client_id(3), "Good").await, StatusCode::CREATED);

        // Sent to both at once, one survey is stored once.
        let twice = client_id(4);
        let (a, b) = tokio::join!(
            answer(&app, &code, &twice, "Bad"),
            answer(&other, &code, &twice, "Bad"),
        );
        let mut statuses = [a, b];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CREATED]);
        assert_eq!(app.stored_responses().await, 4);

        // Wrong join codes count together, whichever instance they reach.
        let wrong = ["ACE347", "ACE346", "ACE345"]
            .into_iter()
            .find(|c| *c != code && *c != app.join_code)
            .unwrap();
        for n in 0..200 {
            let instance = if n % 2 == 0 { &app } else { &other };
            let response = instance.client().post(instance.url("/join")).form(&[("code", wrong)]).send().await.unwrap();
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            assert!(location.starts_with("/?error=unknown"), "guess {n}: {location}");
        }
        for instance in [&app, &other] {
            let response = instance.client().post(instance.url("/join")).form(&[("code", wrong)]).send().await.unwrap();
            assert_eq!(response.headers()["location"], "/?error=busy");
        }
    }
}
