//! Browser tests: whole journeys in headless Chromium (Debian's `chromium`
//! and `chromium-driver`), in a tablet-sized window (820×1180), with
//! JavaScript on (the page hydrates) and off (plain forms), and axe-core on
//! every page: any accessibility violation fails the test.

mod driver;

use driver::{Browser, Js};
use heard_tests::TestApp;

const PASSWORD: &str = "correct horse battery staple";

/// A young person's whole journey: start page, code, every screen, send.
async fn young_persons_journey(js: Js) {
    let app = TestApp::spawn().await;
    let browser = Browser::open(js).await;

    browser.goto(&app.url("/")).await;
    browser.wait_for_h1("Have your say").await;
    browser.check_accessibility("start page").await;
    let typed = format!("{} {}", &app.join_code[..3], &app.join_code[3..]).to_lowercase();
    browser.type_into("#code", &typed).await;
    browser.click("form.join-form button[type=submit]").await;

    browser.wait_for_h1("Your voice").await;
    browser.check_accessibility("welcome screen").await;
    browser.click("button[value=start]").await;

    browser.wait_for_h1("Which key stage are you in?").await;
    browser.check_accessibility("single-choice question").await;
    browser.click("label[for=answer-4]").await;
    browser.click("button[value=next]").await;

    browser
        .wait_for_h1("What did your previous school do to help and support you before you were permanently excluded?")
        .await;
    browser.check_accessibility("free-text question").await;
    browser
        .type_into("#answer", "Nothing. They hated me.")
        .await;
    browser.click("button[value=next]").await;

    browser
        .wait_for_h1("How could your school have prevented your permanent exclusion?")
        .await;
    browser.click("button[value=skip]").await;

    browser.wait_for_h1("What needs to change?").await;
    browser
        .type_into("#answer", "Listen to us and trust us")
        .await;
    browser.click("button[value=next]").await;

    browser.wait_for_h1("Ready to send?").await;
    browser.check_accessibility("ready screen").await;
    browser.click("button[value=send]").await;

    browser.wait_for_h1("Thank you").await;
    browser.check_accessibility("thank-you screen").await;
    browser.close().await;

    use sqlx::Row;
    let db = app.database().await;
    let rows = sqlx::query(
        "SELECT q.key, a.value FROM answers a JOIN questions q ON q.id = a.question_id ORDER BY q.position",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let stored: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.get("key"), r.get("value")))
        .collect();
    assert_eq!(
        stored,
        [
            ("key_stage".to_owned(), "KS4".to_owned()),
            (
                "help_before".to_owned(),
                "Nothing. They hated me.".to_owned()
            ),
            ("change".to_owned(), "Listen to us and trust us".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_young_person_answers_the_survey_with_javascript_on() {
    young_persons_journey(Js::On).await;
}

#[tokio::test]
async fn a_young_person_answers_the_survey_with_javascript_off() {
    young_persons_journey(Js::Off).await;
}

/// A worker logs in and reads a round's answers.
async fn workers_journey(js: Js) {
    let app = TestApp::spawn().await;
    app.add_user("worker", "worker@example.org", PASSWORD);
    let flagged = reqwest::Client::new()
        .post(app.url("/api/v1/responses"))
        .json(&serde_json::json!({
            "join_code": app.join_code,
            "client_id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
            "answers": { "key_stage": "KS4", "change": "I was excluded because of drugs. I needed help." }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(flagged.status(), reqwest::StatusCode::CREATED);
    let browser = Browser::open(js).await;

    browser.goto(&app.url("/login")).await;
    browser.wait_for_h1("Log in").await;
    browser.check_accessibility("login page").await;
    browser.type_into("#email", "worker@example.org").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("form.login-form button[type=submit]").await;

    browser.wait_for_h1("Rounds").await;
    browser.check_accessibility("rounds page").await;
    browser.click("table a").await;
    browser.wait_for_h1("Your voice: Summer 2024").await;
    browser.check_accessibility("answers page").await;

    browser.goto(&app.url("/needs-a-look")).await;
    browser.wait_for_h1("Needs a look").await;
    browser.check_accessibility("needs-a-look page").await;
    browser
        .type_into("textarea[name=note]", "Told the DSL")
        .await;
    browser.click("form.flag-form button").await;
    browser
        .wait_for_text("Handled by worker@example.org: Told the DSL")
        .await;

    browser.click("form.logout-form button").await;
    browser.wait_for_h1("Have your say").await;
    browser.goto(&app.url("/rounds")).await;
    browser.wait_for_h1("Sorry, there is a problem").await;
    browser.close().await;
}

#[tokio::test]
async fn a_worker_logs_in_and_reads_a_round_with_javascript_on() {
    workers_journey(Js::On).await;
}

#[tokio::test]
async fn a_worker_logs_in_and_reads_a_round_with_javascript_off() {
    workers_journey(Js::Off).await;
}

/// The accessibility check itself must be able to fail: on a page with an
/// unlabelled input and no language it reports violations.
#[tokio::test]
async fn the_accessibility_check_reports_violations_on_a_bad_page() {
    let browser = Browser::open(Js::On).await;
    browser.goto("data:text/html,<html><head><title>x</title></head><body><main><input type=text></main></body></html>").await;
    let violations = browser.accessibility_violations().await;
    browser.close().await;
    let ids: Vec<_> = violations.iter().filter_map(|v| v["id"].as_str()).collect();
    assert!(ids.contains(&"label"), "{ids:?}");
    assert!(ids.contains(&"html-has-lang"), "{ids:?}");
}
