//! Browser tests: whole journeys in headless Chromium (Debian's `chromium`
//! and `chromium-driver`), in a tablet-sized window (820×1180), with
//! JavaScript on (staff pages hydrate; the young person's pages run the
//! tablet client) and off (plain forms), and axe-core on every page: any
//! accessibility violation fails the test.

mod driver;

use driver::{Browser, Js};
use heard_tests::TestApp;

const PASSWORD: &str = "correct horse battery staple";

/// What to check on each screen of a journey.
#[derive(Clone, Copy)]
enum Check {
    /// axe-core: no accessibility violations.
    Accessibility,
    /// No sideways scrolling, 48px targets.
    Layout,
    /// Nothing on each screen (the journey is measured as a whole).
    Nothing,
}

impl Check {
    async fn run(self, browser: &Browser, page: &str) {
        match self {
            Check::Accessibility => browser.check_accessibility(page).await,
            Check::Layout => browser.check_layout(page).await,
            Check::Nothing => {}
        }
    }
}

/// A young person's whole journey (start page, code, every screen, send)
/// with `check` on each screen, then what was stored.
async fn young_persons_journey(browser: Browser, check: Check) {
    let app = TestApp::spawn().await;
    browser.goto(&app.url("/")).await;
    browser.wait_for_h1("Have your say").await;
    check.run(&browser, "start page").await;
    let typed = format!("{} {}", &app.join_code[..3], &app.join_code[3..]).to_lowercase();
    browser.type_into("#code", &typed).await;
    browser.click("form.join-form button[type=submit]").await;

    answer_every_screen(&browser, check).await;
    browser.close().await;

    use sqlx::Row;
    let db = app.database().await;
    let rows = sqlx::query("SELECT q.key, a.value FROM answers a JOIN questions q ON q.id = a.question_id ORDER BY q.position")
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

/// From the welcome screen to "thank you" with its receipt code open:
/// KS4, a free-text answer, a skip, another answer, send.
async fn answer_every_screen(browser: &Browser, check: Check) {
    browser.wait_for_h1("Your voice").await;
    check.run(browser, "welcome screen").await;
    browser.click("button[value=start]").await;

    browser.wait_for_h1("Which key stage are you in?").await;
    check.run(browser, "single-choice question").await;
    browser.click("label[for=answer-4]").await;
    browser.click("button[value=next]").await;

    browser
        .wait_for_h1("What did your previous school do to help and support you before you were permanently excluded?")
        .await;
    check.run(browser, "free-text question").await;
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
    check.run(browser, "ready screen").await;
    browser.click("button[value=send]").await;

    browser.wait_for_h1("Thank you").await;
    check.run(browser, "thank-you screen").await;
    // The receipt code is folded away until the young person asks for it.
    browser.click("details.receipt summary").await;
    browser.wait_for_text("This is your code:").await;
    check
        .run(browser, "thank-you screen with the receipt code open")
        .await;
}

#[tokio::test]
async fn a_young_person_answers_the_survey_with_javascript_on() {
    young_persons_journey(Browser::open(Js::On).await, Check::Accessibility).await;
}

#[tokio::test]
async fn a_young_person_answers_the_survey_with_javascript_off() {
    young_persons_journey(Browser::open(Js::Off).await, Check::Accessibility).await;
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

/// The layout check must be able to fail too: a page wider than a 320px
/// window, with a tiny button.
#[tokio::test]
async fn the_layout_check_reports_sideways_scrolling_and_small_targets() {
    let browser = Browser::open_sized(Js::On, 320, 640).await;
    browser
        .goto("data:text/html,<html><body><div style='width:900px'>wide</div><button style='height:20px'>x</button></body></html>")
        .await;
    let problems = browser.layout_problems().await.to_string();
    browser.close().await;
    assert!(problems.contains("wide in a"), "{problems}");
    assert!(problems.contains("<button"), "{problems}");
}

/// Opens the demo survey with JavaScript on and waits for it to be live.
async fn open_survey(app: &TestApp, browser: &Browser, query: &str) {
    browser
        .goto(&app.url(&format!("/survey/{}{query}", app.join_code)))
        .await;
    browser.wait_for_h1("Your voice").await;
}

/// The first two screens: Start, then key stage KS4 and Next.
async fn answer_key_stage(browser: &Browser) {
    browser.click("button[value=start]").await;
    browser.wait_for_h1("Which key stage are you in?").await;
    browser.click("label[for=answer-4]").await;
    browser.click("button[value=next]").await;
    browser
        .wait_for_h1("What did your previous school do to help and support you before you were permanently excluded?")
        .await;
}

#[tokio::test]
async fn with_javascript_on_the_screens_change_without_loading_a_page() {
    let app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    open_survey(&app, &browser, "").await;
    // A page load would wipe this.
    browser
        .run_script("window.heardTestMarker = 'still here';")
        .await;
    answer_key_stage(&browser).await;
    browser.click("button[value=skip]").await;
    browser
        .wait_for_h1("How could your school have prevented your permanent exclusion?")
        .await;
    assert_eq!(
        browser.run_script("return window.heardTestMarker;").await,
        "still here"
    );
    assert_eq!(
        browser.current_url().await,
        app.url(&format!("/survey/{}", app.join_code))
    );
    browser.close().await;
}

/// From the second question on, with the server out of reach: answers
/// `help_before` (or skips it), skips the next, answers the last and sends;
/// the answers wait on the tablet.
async fn finish_offline(browser: &Browser, help_before: Option<&str>) {
    match help_before {
        Some(text) => {
            browser.type_into("#answer", text).await;
            browser.click("button[value=next]").await;
        }
        None => browser.click("button[value=skip]").await,
    }
    browser
        .wait_for_h1("How could your school have prevented your permanent exclusion?")
        .await;
    browser.click("button[value=skip]").await;
    browser.wait_for_h1("What needs to change?").await;
    browser.type_into("#answer", "Listen to us").await;
    browser.click("button[value=next]").await;
    browser.wait_for_h1("Ready to send?").await;
    browser.click("button[value=send]").await;
    browser.wait_for_text("Your answers are saved on this tablet. They will be sent when the tablet is back online.").await;
}

/// `heard ARGS`, which must succeed.
fn heard_ok(app: &TestApp, args: &[&str]) {
    let out = app.heard(args, "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How long after closing the demo round takes late surveys.
fn set_late_hours(app: &TestApp, hours: &str) {
    heard_ok(
        app,
        &[
            "round",
            "late",
            "--survey",
            "ap-voice",
            "--round",
            "Summer 2024",
            "--hours",
            hours,
        ],
    );
}

/// Waits until Heard has stored a response (or fails with `why` after 45 s).
async fn wait_until_stored(app: &TestApp, why: &str) {
    let started = std::time::Instant::now();
    while app.stored_responses().await == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(45),
            "{why}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// Waits until the outbox holds `count` items (or fails after `seconds`).
async fn wait_for_outbox(browser: &Browser, count: u64, seconds: u64) {
    let started = std::time::Instant::now();
    loop {
        let waiting = browser
            .run_script("return Object.keys(localStorage).filter(k => k.startsWith('heard.outbox.')).length;")
            .await;
        if waiting == count {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(seconds),
            "the outbox holds {waiting}, not {count}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_survey_finished_offline_is_kept_until_stored_even_after_the_round_closed() {
    let mut app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    open_survey(&app, &browser, "").await;
    answer_key_stage(&browser).await;

    // The tablet loses the server, the young person finishes, and a
    // worker closes the round meanwhile, taking no late surveys.
    app.stop();
    finish_offline(&browser, None).await;
    heard_ok(
        &app,
        &[
            "round",
            "close",
            "--survey",
            "ap-voice",
            "--round",
            "Summer 2024",
        ],
    );
    set_late_hours(&app, "0");
    let app = app.restart_on_same_port().await;

    // Refused for good: never dropped, kept with why.
    let started = std::time::Instant::now();
    while browser
        .run_script("return Object.keys(localStorage).filter(k => k.startsWith('heard.outbox.')).map(k => JSON.parse(localStorage.getItem(k)).refused || '').join('');")
        .await
        == ""
    {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the tablet never heard back");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    wait_for_outbox(&browser, 1, 1).await;
    assert_eq!(app.stored_responses().await, 0);

    // A worker opening the kiosk link sees it on the closed round's page;
    // after accepting late surveys for longer, Try again stores it, once.
    browser
        .goto(&app.url(&format!("/survey/{}?kiosk", app.join_code)))
        .await;
    browser.wait_for_h1("This survey has closed").await;
    browser
        .wait_for_text("1 finished survey on this tablet could not be sent")
        .await;
    browser.wait_for_text("0 hours after it closed").await;
    browser
        .check_accessibility("kiosk with a survey kept for a worker")
        .await;
    set_late_hours(&app, "24");
    browser.click_text("button", "Try sending them again").await;
    wait_for_outbox(&browser, 0, 30).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(app.stored_responses().await, 1, "stored exactly once");
    browser.close().await;
}

#[tokio::test]
async fn a_survey_finished_while_the_server_is_down_is_stored_exactly_once_when_it_returns() {
    let mut app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    open_survey(&app, &browser, "").await;
    answer_key_stage(&browser).await;

    app.stop();
    finish_offline(&browser, Some("Nothing. They hated me.")).await;
    browser
        .check_accessibility("saved-on-this-tablet screen")
        .await;
    // The next young person can start with the server still out of reach.
    browser.click_text("a", "Finish").await;
    browser.wait_for_h1("Your voice").await;
    let waiting = browser
        .run_script(
            "return Object.keys(localStorage).filter(k => k.startsWith('heard.outbox.')).length;",
        )
        .await;
    assert_eq!(waiting, 1, "the finished survey waits on the device");

    let app = app.restart_on_same_port().await;
    wait_until_stored(&app, "the tablet did not send its outbox").await;
    wait_for_outbox(&browser, 0, 10).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(app.stored_responses().await, 1, "stored exactly once");
    browser.close().await;
}

/// The most the young person's whole journey may download: 52 KB, the
/// Formbricks survey widget's JavaScript alone, before its host page.
const JOURNEY_BUDGET_BYTES: u64 = 52_000;

/// The whole journey with JavaScript on (start page, code, every screen,
/// send, thank you), on a first visit with nothing cached and compression
/// as served: every byte received, summed, is under budget, and none of it
/// is the staff app. The next young person starts with no download, and a
/// second visit downloads only its page.
#[tokio::test]
async fn the_whole_survey_journey_downloads_under_52_kb_and_a_second_visit_only_its_page() {
    let app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    browser.goto(&app.url("/")).await;
    browser.wait_for_h1("Have your say").await;
    let mut received = browser.transferred().await;
    browser.type_into("#code", &app.join_code).await;
    browser.click("form.join-form button[type=submit]").await;
    answer_every_screen(&browser, Check::Nothing).await;
    received.extend(browser.transferred().await);
    // The start form's 303 has no body, and Resource Timing leaves it out:
    // its status line and headers, as Heard sends them.
    received.push((
        "POST /join (303)".to_owned(),
        join_redirect_bytes(&app).await,
    ));

    let total: u64 = received.iter().map(|(_, bytes)| bytes).sum();
    let breakdown: Vec<String> = received
        .iter()
        .map(|(name, bytes)| format!("{bytes:>7} {name}"))
        .collect();
    let breakdown = breakdown.join("\n");
    eprintln!("the survey journey received {total} bytes:\n{breakdown}");
    for part in ["/survey/", "/api/v1/responses"] {
        assert!(
            received
                .iter()
                .any(|(name, bytes)| name.contains(part) && *bytes > 0),
            "nothing measured for {part}:\n{breakdown}"
        );
    }
    // Stylesheet and client come in the pages: no files, no staff app.
    assert!(
        !received.iter().any(|(name, _)| name.contains("/pkg/")),
        "the young person's pages fetched files:\n{breakdown}"
    );
    assert!(
        total <= JOURNEY_BUDGET_BYTES,
        "the survey journey received {total} bytes, over {JOURNEY_BUDGET_BYTES}:\n{breakdown}"
    );

    // Finish: the next young person starts with no download at all.
    let before = browser.transferred().await;
    browser.click_text("a", "Finish").await;
    browser.wait_for_h1("Your voice").await;
    assert_eq!(
        browser.transferred().await,
        before,
        "Finish downloaded something"
    );
    // A second visit downloads its page and nothing else.
    browser
        .goto(&app.url(&format!("/survey/{}", app.join_code)))
        .await;
    browser.wait_for_h1("Your voice").await;
    let second = browser.transferred().await;
    assert!(
        matches!(&second[..], [(page, bytes)] if page.contains("/survey/") && *bytes > 0),
        "a second visit downloaded more than the page: {second:?}"
    );
    browser.close().await;
}

/// The short version of `scripts/bench-tablet`: on a slow 3G tablet with a
/// slow CPU, the start page and the survey come alive from their page
/// alone, one request each (each file fetched would cost another 400 ms
/// round trip). The timings themselves are in BENCHMARKS.md.
#[tokio::test]
async fn on_slow_3g_the_first_screens_come_alive_from_their_page_alone() {
    let app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    browser.slow_3g().await;
    for (path, heading) in [
        ("/".to_owned(), "Have your say"),
        (format!("/survey/{}", app.join_code), "Your voice"),
    ] {
        browser.goto(&app.url(&path)).await;
        browser.wait_for_h1(heading).await;
        let live = browser
            .run_script("return performance.getEntriesByName('heard-live')[0].startTime;")
            .await;
        let fetched = browser.transferred().await;
        eprintln!("{path}: live after {live} ms; fetched {fetched:?}");
        assert!(
            matches!(&fetched[..], [(page, bytes)] if page.ends_with(&path) && *bytes > 0),
            "{path} fetched more than itself: {fetched:?}"
        );
    }
    browser.close().await;
}

/// Bytes of Heard's answer to the start form (a 303 with no body).
async fn join_redirect_bytes(app: &TestApp) -> u64 {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let response = client
        .post(app.url("/join"))
        .header("origin", app.url(""))
        .form(&[("code", app.join_code.as_str())])
        .send()
        .await
        .expect("the start form posts");
    assert_eq!(response.status(), 303);
    let headers: usize = response
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    ("HTTP/1.1 303 See Other\r\n\r\n".len() + headers) as u64
}

/// Records in storage both tabs share every survey Heard acknowledged to
/// this tab (by client id), so a test can tell whether one went twice.
async fn record_acknowledged_surveys(browser: &Browser) {
    browser
        .run_script(
            "const send = window.fetch;
             window.fetch = (url, init) => send(url, init).then(r => {
                 if (String(url).includes('/api/v1/responses') && (r.status === 200 || r.status === 201)) {
                     const id = JSON.parse(init.body).client_id;
                     localStorage.setItem('test.acknowledged', (localStorage.getItem('test.acknowledged') || '') + id + ' ');
                 }
                 return r;
             });",
        )
        .await;
}

/// Heard's throttle answers 429 with Retry-After: the tablet keeps the
/// survey, waits as long as it was told (not its 1-second first backoff),
/// and the next try is stored (201), once.
#[tokio::test]
async fn a_throttled_survey_waits_as_heard_asks_then_is_stored_once() {
    let app = TestApp::spawn().await;
    let db = app.database().await;
    // One survey from this address starts its counter for the round.
    let first = app
        .client()
        .post(app.url("/api/v1/responses"))
        .json(&serde_json::json!({
            "join_code": app.join_code,
            "client_id": "6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11",
            "answers": { "change": "More time" },
        }))
        .send()
        .await
        .expect("Heard answers");
    assert_eq!(first.status(), 201);
    let browser = Browser::open(Js::On).await;
    open_survey(&app, &browser, "").await;
    answer_key_stage(&browser).await;
    browser.click("button[value=skip]").await;
    browser
        .wait_for_h1("How could your school have prevented your permanent exclusion?")
        .await;
    browser.click("button[value=skip]").await;
    browser.wait_for_h1("What needs to change?").await;
    browser.click("button[value=next]").await;
    browser.wait_for_h1("Ready to send?").await;

    // The round has had its hour's allowance from this address, the oldest
    // of it 3,593 seconds ago: Heard refuses for about 7 more seconds.
    let now = heard_tests::unix_now() as i64;
    sqlx::query(
        "UPDATE throttle SET hits = 600, window_start = $1 WHERE bucket LIKE 'submissions:%'",
    )
    .bind(now - 3593)
    .execute(&db)
    .await
    .expect("the throttle counter");
    browser.click("button[value=send]").await;
    browser
        .wait_for_text("Your answers are saved on this tablet")
        .await;
    let waited = browser
        .run_script(
            "const k = Object.keys(localStorage).find(k => k.startsWith('heard.outbox.'));
             const item = k && JSON.parse(localStorage.getItem(k));
             return item ? [item.tries, item.due_at - item.queued_at] : null;",
        )
        .await;
    assert_eq!(waited[0], 1, "one try so far: {waited}");
    let wait_ms = waited[1].as_f64().unwrap_or_default();
    assert!(
        (4000.0..=8000.0).contains(&wait_ms),
        "the next try waits as Heard asked (about 7 s), not the 1 s backoff: {wait_ms} ms"
    );
    wait_for_outbox(&browser, 0, 20).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        app.stored_responses().await,
        2,
        "the tablet's survey stored once"
    );
    browser.close().await;
}

/// Two tabs of one tablet, each with a survey finished while Heard was out
/// of reach. When it is back, both tabs are told at the same moment, and
/// the first tab's answers are held up for a while (so without the lease
/// the second would send the same surveys meanwhile): each survey is
/// acknowledged once, and stored once.
#[tokio::test]
async fn two_tabs_on_one_tablet_never_send_one_survey_twice() {
    let mut app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    open_survey(&app, &browser, "").await;
    record_acknowledged_surveys(&browser).await;
    browser
        .run_script(
            "const send = window.fetch;
             window.fetch = (url, init) => send(url, init).then(r => new Promise(ok => setTimeout(() => ok(r), 1500)));",
        )
        .await;
    let first = browser
        .open_tab(&app.url(&format!("/survey/{}", app.join_code)))
        .await;
    browser.wait_for_h1("Your voice").await;
    record_acknowledged_surveys(&browser).await;
    let second = browser.current_tab().await;

    app.stop();
    answer_key_stage(&browser).await;
    finish_offline(&browser, Some("From the second tab")).await;
    browser.switch_to(first.clone()).await;
    answer_key_stage(&browser).await;
    finish_offline(&browser, Some("From the first tab")).await;
    wait_for_outbox(&browser, 2, 5).await;

    let app = app.restart_on_same_port().await;
    let back_online = "window.dispatchEvent(new Event('online'));";
    browser.run_script(back_online).await;
    browser.switch_to(second.clone()).await;
    browser.run_script(back_online).await;
    wait_for_outbox(&browser, 0, 45).await;
    // Long enough for a second send, had there been one.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_eq!(app.stored_responses().await, 2);
    let acknowledged = browser
        .run_script("return localStorage.getItem('test.acknowledged');")
        .await;
    let mut ids: Vec<&str> = acknowledged
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(
        (before, ids.len()),
        (2, 2),
        "each survey sent and acknowledged once: {acknowledged}"
    );
    browser.close().await;
}

/// A browser whose storage takes nothing (full, or blocked): a survey
/// finished offline is not lost while its page stays open, the young
/// person is told to leave the page open (not that it is saved), and it
/// is stored once the server is back.
#[tokio::test]
async fn with_storage_full_a_finished_survey_waits_in_the_open_page() {
    let mut app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    browser
        .devtools(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": "Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };" }),
        )
        .await;
    open_survey(&app, &browser, "").await;
    answer_key_stage(&browser).await;
    app.stop();
    browser.type_into("#answer", "Kept in the page").await;
    browser.click("button[value=next]").await;
    browser
        .wait_for_h1("How could your school have prevented your permanent exclusion?")
        .await;
    browser.click("button[value=skip]").await;
    browser.wait_for_h1("What needs to change?").await;
    browser.click("button[value=skip]").await;
    browser.wait_for_h1("Ready to send?").await;
    browser.click("button[value=send]").await;
    browser
        .wait_for_text("Please leave this page open until then.")
        .await;
    browser.check_accessibility("held-in-the-page screen").await;
    wait_for_outbox(&browser, 0, 1).await;

    let app = app.restart_on_same_port().await;
    wait_until_stored(&app, "the page did not send the survey it held").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(app.stored_responses().await, 1);
    browser.close().await;
}

#[tokio::test]
async fn answers_in_progress_survive_a_refresh() {
    let app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    open_survey(&app, &browser, "").await;
    answer_key_stage(&browser).await;
    browser.refresh().await;
    browser
        .wait_for_h1("What did your previous school do to help and support you before you were permanently excluded?")
        .await;
    browser.click(".back-link").await;
    browser.wait_for_h1("Which key stage are you in?").await;
    assert_eq!(
        browser
            .run_script("return document.getElementById('answer-4').checked;")
            .await,
        true
    );
    browser.close().await;
}

#[tokio::test]
async fn kiosk_mode_returns_to_the_welcome_screen_when_idle_and_leaves_no_answers_behind() {
    let app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    open_survey(&app, &browser, "?kiosk&idle=2").await;
    assert_eq!(
        browser.current_url().await,
        app.url(&format!("/survey/{}", app.join_code)),
        "the kiosk setting is not left in the address"
    );
    answer_key_stage(&browser).await;
    browser.type_into("#answer", "something private").await;
    // No touch for the idle time: back to the start for the next person.
    browser.wait_for_h1("Your voice").await;
    let stored = browser
        .run_script(&format!(
            "return localStorage.getItem('heard.progress.{}');",
            app.join_code
        ))
        .await;
    assert_eq!(
        stored,
        serde_json::Value::Null,
        "no answers in progress are left on the device"
    );
    let history = browser.run_script("return history.length;").await;
    assert_eq!(
        history, 2,
        "only the start page and the survey's address are in the history"
    );
    browser.close().await;
}

#[tokio::test]
async fn read_aloud_speaks_the_question_and_its_choices() {
    let app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    open_survey(&app, &browser, "").await;
    browser.click("button[value=start]").await;
    browser.wait_for_h1("Which key stage are you in?").await;
    // Listen in on the browser's speech instead of playing sound.
    browser
        .run_script("window.heardSpoken = []; speechSynthesis.speak = u => window.heardSpoken.push(u.text);")
        .await;
    browser.click("button.read-aloud").await;
    let spoken = browser
        .run_script("return window.heardSpoken.join(' | ');")
        .await;
    let spoken = spoken.as_str().unwrap_or_default();
    assert!(spoken.contains("Which key stage are you in?"), "{spoken}");
    assert!(
        spoken.contains("Choose one: EYFS. KS1. KS2. KS3. KS4. KS5. Post-19."),
        "{spoken}"
    );
    browser.close().await;
}

/// From a phone-sized 320px window (the same as 200% zoom on a 640px
/// screen) up: no sideways scrolling and 48px targets on every screen.
#[tokio::test]
async fn every_screen_fits_a_320_pixel_window_with_big_enough_targets() {
    young_persons_journey(Browser::open_sized(Js::On, 320, 640).await, Check::Layout).await;
}

/// A worker builds a survey in the editor and finds it in the list.
#[tokio::test]
async fn a_worker_builds_a_survey_in_the_editor() {
    let app = TestApp::spawn().await;
    app.add_user("worker", "worker@example.org", PASSWORD);
    let browser = Browser::open(Js::On).await;
    log_in(&browser, &app, "worker@example.org", "Rounds").await;

    browser.goto(&app.url("/surveys/new")).await;
    browser.wait_for_h1("New survey").await;
    browser.check_accessibility("survey editor").await;
    browser.type_into("#survey-title", "After the trip").await;
    browser.type_into("#survey-slug", "trip").await;
    browser.type_into("#q0-text", "How was the trip?").await;
    browser.select("#q0-kind", "scale").await;
    browser.type_into("#q0-options", "Bad\nOK\nGreat").await;
    browser.type_into("#q0-emoji", "🙁\n😐\n😄").await;
    browser.click_text("button", "Add a question").await;
    browser.wait_for_text("Question 2").await;
    browser
        .type_into("#q1-text", "What would you change?")
        .await;
    browser
        .run_script("document.querySelector('#q1-key').value = '';")
        .await;
    browser.type_into("#q1-key", "change").await;
    browser
        .check_accessibility("survey editor with two questions")
        .await;
    browser.click_text("button", "Save survey").await;
    browser.wait_for_text("Saved.").await;

    browser.goto(&app.url("/surveys")).await;
    browser.wait_for_h1("Surveys").await;
    browser.wait_for_text("After the trip").await;
    browser.check_accessibility("surveys page").await;
    // Its translations page, where the sheet for translators goes out and
    // comes back.
    browser.goto(&app.url("/surveys/trip/translations")).await;
    browser.wait_for_h1("Translations: After the trip").await;
    browser
        .check_accessibility("survey translations page")
        .await;
    browser.close().await;

    let exported = app.heard(&["survey", "export", "trip"], "");
    let exported = String::from_utf8(exported.stdout).unwrap();
    assert!(
        exported.contains("kind = \"scale\"") && exported.contains("😄"),
        "{exported}"
    );
    assert!(exported.contains("key = \"change\""), "{exported}");
}

/// The pages a young person meets when something is wrong are checked too.
#[tokio::test]
async fn the_young_persons_problem_pages_have_no_accessibility_violations() {
    let app = TestApp::spawn().await;
    let unused = if app.join_code == "ACE347" {
        "ACE346"
    } else {
        "ACE347"
    };
    let browser = Browser::open(Js::On).await;
    browser
        .goto(&app.url(&format!("/?error=unknown&code={unused}")))
        .await;
    browser.wait_for_h1("Have your say").await;
    browser
        .wait_for_text("We could not find a survey with that code")
        .await;
    browser
        .check_accessibility("start page with a wrong code")
        .await;
    browser.goto(&app.url(&format!("/survey/{unused}"))).await;
    browser.wait_for_h1("We could not find that survey").await;
    browser.check_accessibility("unknown survey page").await;
    let closed = app.heard(
        &[
            "round",
            "close",
            "--survey",
            "ap-voice",
            "--round",
            "Summer 2024",
        ],
        "",
    );
    assert!(closed.status.success());
    browser
        .goto(&app.url(&format!("/survey/{}", app.join_code)))
        .await;
    browser.wait_for_h1("This survey has closed").await;
    browser.check_accessibility("closed survey page").await;
    browser.close().await;
}

/// Everything can be done with the keyboard alone: choose with Space,
/// move on with Enter.
#[tokio::test]
async fn the_survey_can_be_answered_with_the_keyboard_alone() {
    use fantoccini::key::Key;
    let app = TestApp::spawn().await;
    let browser = Browser::open(Js::On).await;
    open_survey(&app, &browser, "").await;
    browser
        .press_keys("button[value=start]", &Key::Enter.to_string())
        .await;
    browser.wait_for_h1("Which key stage are you in?").await;
    browser.press_keys("#answer-3", " ").await;
    browser
        .press_keys("#answer-3", &Key::Enter.to_string())
        .await;
    browser
        .wait_for_h1("What did your previous school do to help and support you before you were permanently excluded?")
        .await;
    browser.press_keys("#answer", "They never listened").await;
    browser.press_keys("#answer", &Key::Tab.to_string()).await;
    let focused = browser
        .run_script("return document.activeElement.value;")
        .await;
    assert_eq!(focused, "next", "Tab moves from the answer to Next");
    browser
        .run_script("document.activeElement.setAttribute('data-was-focused', '');")
        .await;
    browser
        .press_keys("[data-was-focused]", &Key::Enter.to_string())
        .await;
    browser
        .wait_for_h1("How could your school have prevented your permanent exclusion?")
        .await;
    browser.close().await;
}

/// A worker codes answers with the keyboard alone, stars and approves a
/// quote, and the summary for head teachers shows the result; every page
/// passes axe-core.
#[tokio::test]
async fn a_worker_codes_with_the_keyboard_and_the_summary_shows_it() {
    let app = TestApp::spawn().await;
    std::fs::write(
        app.dir.path().join("s.toml"),
        "slug = \"s\"\ntitle = \"Small\"\n\n[[questions]]\nkey = \"ks\"\nkind = \"single\"\ntext = \"Key stage\"\noptions = [\"KS3\", \"KS4\"]\nabout_you = true\n\n[[questions]]\nkey = \"change\"\nkind = \"text\"\ntext = \"What needs to change?\"\n[[questions.themes]]\nname = \"Connect and belong\"\nkeywords = [\"listen\"]\n[[questions.themes]]\nname = \"Help and support\"\nkeywords = [\"support\"]\n",
    )
    .unwrap();
    std::fs::write(
        app.dir.path().join("r.csv"),
        "respondent,ks,change\nr1,KS3,They never listened to me\nr2,KS4,More support from Mr Jones\nr3,KS4,idk\n",
    )
    .unwrap();
    assert!(
        app.heard(&["survey", "import", "s.toml"], "")
            .status
            .success()
    );
    assert!(
        app.heard(
            &[
                "import",
                "responses",
                "--survey",
                "s",
                "--round",
                "R",
                "r.csv"
            ],
            ""
        )
        .status
        .success()
    );
    let round: (String,) = sqlx::query_as("SELECT id FROM rounds WHERE name = 'R'")
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    app.add_user("worker", "worker@example.org", PASSWORD);
    let browser = Browser::open(Js::On).await;
    log_in(&browser, &app, "worker@example.org", "Rounds").await;

    browser
        .goto(&app.url(&format!("/rounds/{}/code/change", round.0)))
        .await;
    browser.wait_for_h1("What needs to change?").await;
    browser.wait_for_text("0 of 3 coded").await;
    browser.check_accessibility("coding screen").await;
    let key = |key: &'static str| browser.press_on_page(key);
    // Enter accepts the first answer's top suggestion ("listened").
    key("Enter").await;
    browser.wait_for_text("1 of 3 coded").await;
    // Down to the next answer; 2 gives it the second theme.
    key("ArrowDown").await;
    key("2").await;
    browser.wait_for_text("2 of 3 coded").await;
    let pressed = browser
        .run_script("return Array.from(document.querySelectorAll('.theme-button[aria-pressed=true]')).map(b => b.textContent.trim());")
        .await;
    assert_eq!(
        pressed,
        serde_json::json!(["1Connect and belong", "2Help and support"])
    );

    // Star the second answer as a quote: the proposal hides the name.
    browser.run_script("document.querySelectorAll('.coding-answer')[1].querySelector('.answer-tools button:nth-child(2)').click(); return true;").await;
    browser.wait_for_text("check the redacted copy").await;
    let proposal = browser
        .run_script("return document.querySelector('.quote-editor textarea').value;")
        .await;
    assert_eq!(proposal, serde_json::json!("More support from [name]"));
    browser
        .check_accessibility("coding screen with a quote")
        .await;
    browser.click(".quote-editor button.button").await;
    browser
        .wait_for_text("Approved quote (viewers see this)")
        .await;

    // Only the answers not yet coded: the choice goes into the page's
    // address and the server sends that view (the one answer left).
    browser.select("#show", "uncoded").await;
    let mut shown = serde_json::Value::Null;
    for _ in 0..100 {
        shown = browser
            .run_script("return location.search.includes('show=uncoded') ? Array.from(document.querySelectorAll('.coding-answer')).map(a => a.textContent.includes('idk')) : null;")
            .await;
        if shown == serde_json::json!([true]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        shown,
        serde_json::json!([true]),
        "the answer not yet coded, alone"
    );
    browser.wait_for_text("2 of 3 coded").await;
    browser
        .check_accessibility("coding screen, answers not yet coded")
        .await;

    sqlx::query("UPDATE surveys SET min_answers = 1")
        .execute(&app.database().await)
        .await
        .unwrap();
    browser
        .goto(&app.url(&format!("/rounds/{}/summary", round.0)))
        .await;
    browser.wait_for_h1("Small: R").await;
    browser.wait_for_text("More support from [name]").await;
    browser.check_accessibility("summary page").await;
    browser
        .goto(&app.url(&format!("/rounds/{}/summary?by=ks", round.0)))
        .await;
    browser.wait_for_h1("Small: R").await;
    browser
        .check_accessibility("summary page broken down by key stage")
        .await;
    browser.close().await;
}

/// A question with more answers than a page: the worker codes answers
/// under "Not yet coded", and the next page starts at the first answer
/// still not coded (coded ones leave the view, so the next page starts as
/// many answers earlier), not a page further on.
#[tokio::test]
async fn the_next_page_of_answers_not_yet_coded_skips_none() {
    let app = TestApp::spawn().await;
    std::fs::write(
        app.dir.path().join("s.toml"),
        "slug = \"s\"\ntitle = \"Small\"\n\n[[questions]]\nkey = \"change\"\nkind = \"text\"\ntext = \"What needs to change?\"\n[[questions.themes]]\nname = \"Connect and belong\"\n",
    )
    .unwrap();
    let mut csv = String::from("respondent,change\n");
    for i in 0..130 {
        csv += &format!("r{i:03},answer {i:03}\n");
    }
    std::fs::write(app.dir.path().join("r.csv"), csv).unwrap();
    for args in [
        &["survey", "import", "s.toml"][..],
        &[
            "import",
            "responses",
            "--survey",
            "s",
            "--round",
            "R",
            "r.csv",
        ][..],
    ] {
        assert!(app.heard(args, "").status.success(), "{args:?}");
    }
    let round: (String,) = sqlx::query_as("SELECT id FROM rounds WHERE name = 'R'")
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    app.add_user("worker", "worker@example.org", PASSWORD);
    let browser = Browser::open(Js::On).await;
    log_in(&browser, &app, "worker@example.org", "Rounds").await;
    browser
        .goto(&app.url(&format!("/rounds/{}/code/change?show=uncoded", round.0)))
        .await;
    browser.wait_for_h1("What needs to change?").await;
    browser.wait_for_text("Answers 1 to 100 of 130").await;
    // The first two answers get the theme (key 1, then down, key 1).
    for key in ["1", "ArrowDown", "1"] {
        browser.press_on_page(key).await;
        if key == "1" {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    }
    browser.wait_for_text("2 of 130 coded").await;
    browser.wait_for_text("Answers 1 to 98 of 128").await;
    browser.click("a[rel=next]").await;
    browser.wait_for_text("Answers 99 to 128 of 128").await;
    let first = browser
        .run_script("return document.querySelector('.coding-answer').textContent;")
        .await;
    assert!(
        first.as_str().unwrap().contains("answer 100"),
        "the page starts at the first answer not yet seen: {first}"
    );
    // The link names the page's last answer: the next page reads on from
    // it.
    let url = browser.current_url().await;
    assert!(url.contains("from=98") && url.contains("after="), "{url}");
    browser
        .check_accessibility("coding screen, second page")
        .await;
    // Back: fewer than a page of those not yet coded come before this
    // page's first answer, so back is the first page (a full one).
    browser.click("a[rel=prev]").await;
    browser.wait_for_text("Answers 1 to 100 of 128").await;
    assert!(
        browser.current_url().await.contains("before="),
        "{}",
        browser.current_url().await
    );
    browser.close().await;
}

/// Logs `email` in (with the test password) and waits for `landing`.
async fn log_in(browser: &Browser, app: &TestApp, email: &str, landing: &str) {
    browser.goto(&app.url("/login")).await;
    browser.wait_for_h1("Log in").await;
    browser.type_into("#email", email).await;
    browser.type_into("#password", PASSWORD).await;
    if let Some(code) = app.next_code(email) {
        browser.type_into("#code", &code).await;
    }
    browser.click("form.login-form button[type=submit]").await;
    browser.wait_for_h1(landing).await;
}

#[tokio::test]
async fn a_worker_imports_a_spreadsheet_choosing_how_its_columns_are_read() {
    let app = TestApp::spawn().await;
    std::fs::write(
        app.dir.path().join("s.toml"),
        "slug = \"s\"\ntitle = \"Small\"\n\n[[questions]]\nkey = \"ks\"\nkind = \"single\"\ntext = \"Key stage\"\noptions = [\"KS3\", \"KS4\"]\nabout_you = true\n\n[[questions]]\nkey = \"change\"\nkind = \"text\"\ntext = \"What needs to change?\"\n",
    )
    .unwrap();
    assert!(
        app.heard(&["survey", "import", "s.toml"], "")
            .status
            .success()
    );
    // Typed up from paper: a names column and a heading of its own.
    let file = app.dir.path().join("typed.csv");
    std::fs::write(
        &file,
        "Pupil,Stage,Change\nSam,KS4,Listen to us\nAlex,KS3,More help\n",
    )
    .unwrap();
    app.add_user("worker", "worker@example.org", PASSWORD);
    let browser = Browser::open(Js::On).await;
    log_in(&browser, &app, "worker@example.org", "Rounds").await;

    browser
        .click_text("a", "Import responses from a spreadsheet")
        .await;
    browser
        .wait_for_h1("Import responses from a spreadsheet")
        .await;
    browser.check_accessibility("import page").await;
    browser.select("#import-survey", "s").await;
    browser.type_into("#import-round", "Typed up").await;
    browser
        .type_into("#import-file", &file.display().to_string())
        .await;
    browser.wait_for_text("How each column will be read").await;
    browser.check_accessibility("column mapping").await;
    // "Change" is the question's key; the other two are chosen by hand.
    let chosen = browser
        .run_script(
            "return Array.from(document.querySelectorAll('table select')).map(s => s.value);",
        )
        .await;
    assert_eq!(chosen, serde_json::json!(["", "", "q:change"]));
    browser.select("#column-0", "ignore").await;
    browser.select("#column-1", "q:ks").await;

    browser.click_text("button", "Check the file").await;
    browser
        .wait_for_text("The file is ready: 2 responses would be added")
        .await;
    assert_eq!(app.stored_responses().await, 0, "checking stores nothing");
    browser.click_text("button", "Import").await;
    browser.wait_for_text("Added 2 responses").await;
    browser
        .wait_for_text("Not stored: the columns Pupil.")
        .await;
    browser.check_accessibility("import outcome").await;
    browser.close().await;
    assert_eq!(app.stored_responses().await, 2);
}

#[tokio::test]
async fn an_admin_deletes_a_young_persons_answers_by_their_receipt_code() {
    let app = TestApp::spawn().await;
    let sent = app
        .client()
        .post(app.url("/api/v1/responses"))
        .json(&serde_json::json!({
            "join_code": app.join_code,
            "client_id": "6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11",
            "answers": { "key_stage": "KS4", "change": "Listen to us" },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    app.add_user("admin", "admin@example.org", PASSWORD);
    let browser = Browser::open(Js::On).await;
    log_in(&browser, &app, "admin@example.org", "Rounds").await;
    browser
        .click_text("a", "Delete answers by receipt code")
        .await;
    browser.wait_for_h1("Delete a young person's answers").await;
    browser
        .check_accessibility("delete by receipt code page")
        .await;
    browser.type_into("#receipt-code", "3f3gn 5an5r").await;
    browser.click_text("button", "Find the response").await;
    browser
        .wait_for_text("Code 3F3GN-5AN5R leads to one response")
        .await;
    browser
        .check_accessibility("the response a receipt code leads to")
        .await;
    assert_eq!(app.stored_responses().await, 1, "finding deletes nothing");
    browser.click_text("button", "Delete these answers").await;
    browser
        .wait_for_text("Deleted the response with code 3F3GN-5AN5R")
        .await;
    browser.check_accessibility("deleted").await;
    browser.close().await;
    assert_eq!(app.stored_responses().await, 0);
}

/// A worker turns on a second factor on their account page, with an
/// authenticator app's code, and is shown recovery codes; an admin then
/// sees the accounts and the audit log. Each page passes axe.
#[tokio::test]
async fn a_worker_sets_up_a_second_factor_and_an_admin_manages_accounts() {
    let app = TestApp::spawn().await;
    app.add_user("worker", "worker@example.org", PASSWORD);
    app.add_user("admin", "admin@example.org", PASSWORD);
    let browser = Browser::open(Js::On).await;
    log_in(&browser, &app, "worker@example.org", "Rounds").await;
    browser.goto(&app.url("/account")).await;
    browser.wait_for_h1("Your account").await;
    browser.wait_for_text("Not set up").await;
    browser.check_accessibility("account page").await;
    browser.click_text("button", "Start").await;
    browser
        .wait_for_text("Add Heard to your authenticator app")
        .await;
    browser.check_accessibility("second factor key").await;
    let key = browser
        .run_script("return document.querySelector('code.secret').textContent")
        .await;
    let mut factor =
        heard_tests::SecondFactor::from_output(&format!("key: {}\n", key.as_str().unwrap()))
            .unwrap();
    browser.type_into("#confirm-password", PASSWORD).await;
    browser
        .type_into("#confirm-code", &factor.next_code())
        .await;
    browser
        .click_text("button", "Turn on the second factor")
        .await;
    browser.wait_for_text("Second factor set up").await;
    browser.check_accessibility("recovery codes").await;
    let codes = browser
        .run_script(
            "return [...document.querySelectorAll('.recovery-codes code')].map(c => c.textContent)",
        )
        .await;
    assert_eq!(codes.as_array().unwrap().len(), 10);
    browser.close().await;

    let browser = Browser::open(Js::On).await;
    log_in(&browser, &app, "admin@example.org", "Rounds").await;
    browser.goto(&app.url("/admin/accounts")).await;
    browser.wait_for_h1("Accounts").await;
    browser.wait_for_text("worker@example.org").await;
    browser.check_accessibility("accounts page").await;
    browser
        .click("button[aria-label='Disable worker@example.org']")
        .await;
    browser.wait_for_text("worker (disabled)").await;
    browser.goto(&app.url("/admin/audit")).await;
    browser.wait_for_h1("Audit log").await;
    browser.wait_for_text("account disabled").await;
    browser.check_accessibility("audit log").await;
    browser.close().await;
    assert_eq!(app.log_in("worker@example.org", PASSWORD).await, None);
}

/// Imports the survey in three languages and opens a round: its code.
fn open_three_language_round(app: &TestApp) -> String {
    let file = heard_tests::workspace_root().join("tests/fixtures/voices-in-three-languages.toml");
    for args in [
        &["survey", "import", file.to_str().unwrap()][..],
        &["round", "open", "--survey", "voices", "--round", "R"][..],
    ] {
        let out = app.heard(args, "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if args[0] == "round" {
            let printed = String::from_utf8(out.stdout).unwrap();
            return printed.lines().last().unwrap().to_owned();
        }
    }
    unreachable!("the round was opened")
}

/// Urdu in a 320px window: laid out right to left (each choice's button on
/// the right of its words), nothing sideways, 48px targets, and no
/// accessibility violations, with `lang` and `dir` on what it says.
#[tokio::test]
async fn a_survey_in_urdu_reads_right_to_left_at_320_pixels() {
    let app = TestApp::spawn().await;
    let code = open_three_language_round(&app);
    let browser = Browser::open_sized(Js::On, 320, 640).await;
    // The start page in Urdu, chosen there; the choice goes on with the
    // code to the survey.
    browser.goto(&app.url("/?lang=ur")).await;
    browser.wait_for_h1("اپنی رائے دیں").await;
    browser.check_accessibility("the start page in Urdu").await;
    browser.check_layout("the start page in Urdu").await;
    browser.type_into("#code", &code).await;
    browser.click("form.join-form button[type=submit]").await;
    browser.wait_for_h1("آپ کی آواز").await;
    browser
        .check_accessibility("the welcome screen in Urdu")
        .await;
    browser.check_layout("the welcome screen in Urdu").await;
    browser.click("button[value=start]").await;
    browser.wait_for_h1("آپ کس کلیدی مرحلے میں ہیں؟").await;
    browser.check_accessibility("a question in Urdu").await;
    browser.check_layout("a question in Urdu").await;
    let sides = browser
        .run_script(
            "const screen = document.getElementById('survey-screen');
             const box = (css) => screen.querySelector(css).getBoundingClientRect();
             return { lang: screen.closest('[lang]').lang, dir: getComputedStyle(screen).direction,
                      input: box('.choice-input').left, label: box('.choice-label').left };",
        )
        .await;
    assert_eq!(sides["lang"], "ur", "{sides}");
    assert_eq!(sides["dir"], "rtl", "{sides}");
    assert!(
        sides["input"].as_f64().unwrap() > sides["label"].as_f64().unwrap(),
        "right to left, a choice's button is on the right of its words: {sides}"
    );
    browser.close().await;
}

/// Welsh with JavaScript on: the tablet client moves through the Welsh
/// screens, reads aloud in Welsh, and sends the language with the answers;
/// the choice is stored as the survey's own option.
#[tokio::test]
async fn a_survey_in_welsh_is_answered_with_javascript_on_and_stored_as_one_with_english() {
    let app = TestApp::spawn().await;
    let code = open_three_language_round(&app);
    let browser = Browser::open(Js::On).await;
    browser
        .goto(&app.url(&format!("/survey/{code}?lang=cy")))
        .await;
    browser.wait_for_h1("Dy lais").await;
    browser
        .check_accessibility("the welcome screen in Welsh")
        .await;
    browser.click("button[value=start]").await;
    browser.wait_for_h1("Ym mha gyfnod allweddol wyt ti?").await;
    // A tablet with a Welsh voice reads in Welsh; one with only English
    // voices says (in Welsh) it cannot, rather than reading Welsh with
    // English sounds.
    browser
        .run_script(
            "window.heardSpoken = []; speechSynthesis.speak = u => window.heardSpoken.push(u.lang);
             speechSynthesis.getVoices = () => [{ lang: 'en-GB' }, { lang: 'cy-GB' }];",
        )
        .await;
    browser.click("button.read-aloud").await;
    assert_eq!(
        browser
            .run_script("return window.heardSpoken.join();")
            .await,
        "cy"
    );
    browser
        .run_script("speechSynthesis.getVoices = () => [{ lang: 'en-GB' }, { lang: 'en_US' }];")
        .await;
    browser.click("button.read-aloud").await;
    assert_eq!(
        browser
            .run_script("return window.heardSpoken.join();")
            .await,
        "cy"
    );
    browser
        .wait_for_text("Does dim llais Cymraeg ar y dabled hon, felly dydy hi ddim yn gallu darllen hwn yn uchel.")
        .await;
    browser.click("label[for=answer-1]").await;
    browser.click("button[value=next]").await;
    browser.wait_for_h1("Beth sydd angen newid?").await;
    browser.type_into("#answer", "Mwy o help").await;
    browser.click("button[value=next]").await;
    // The count is the tablet's own, in a Welsh sentence made for it.
    browser
        .wait_for_text("Rwyt ti wedi ateb 2 o 2 cwestiwn.")
        .await;
    browser.click("button[value=send]").await;
    browser
        .wait_for_text("Mae dy atebion wedi cael eu hanfon.")
        .await;
    wait_until_stored(&app, "the Welsh survey was never stored").await;
    browser.close().await;

    use sqlx::Row;
    let db = app.database().await;
    let row = sqlx::query(
        "SELECT r.language, a.value FROM responses r JOIN answers a ON a.response_id = r.id \
         JOIN questions q ON q.id = a.question_id WHERE q.key = 'key_stage'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("language"), "cy");
    assert_eq!(row.get::<String, _>("value"), "KS4");
}
