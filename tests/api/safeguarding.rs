use super::*;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

async fn send(app: &TestApp, client_id: &str, answers: serde_json::Value) {
    let response = app
        .client()
        .post(app.url("/api/v1/responses"))
        .json(&serde_json::json!({ "join_code": app.join_code, "client_id": client_id, "answers": answers }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn needs_a_look(app: &TestApp, cookie: Option<&str>) -> (StatusCode, String) {
    let mut request = app.client().get(app.url("/needs-a-look"));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// What the rules reach on the held-out answers, in tenths of a percent,
/// as measured when they were set aside (README "Safeguarding"): short of
/// the 95% recall the issue asks for. This guards against the rules getting
/// worse; it is not a claim that they are good enough.
const HELD_OUT_RECALL: i64 = 813;
const HELD_OUT_ALARMS: i64 = 33;

/// `heard safeguarding evaluate FILE` as (recall, false alarms) in tenths
/// of a percent.
fn evaluate(set: &str, env: &[(&str, &str)]) -> (i64, i64, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = heard_tests::workspace_root()
        .join("tests/corpus/safeguarding")
        .join(set);
    let out = heard_tests::run_heard(
        dir.path(),
        env,
        &["safeguarding", "evaluate", file.to_str().unwrap(), "--show"],
        "",
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figure = |line: &str| -> i64 {
        let line = text.lines().find(|l| l.starts_with(line)).unwrap();
        let percent = line.rsplit('(').next().unwrap().trim_end_matches("%)");
        let (whole, tenth) = percent.split_once('.').unwrap();
        whole.parse::<i64>().unwrap() * 10 + tenth.parse::<i64>().unwrap()
    };
    (figure("recall:"), figure("false alarms:"), text)
}

/// The README's figures: the rules on the answers they were written
/// against, and on the held-out answers nobody tuned them to.
#[test]
fn the_rules_figures_on_the_evaluation_sets_are_the_readmes() {
    // Every disclosure of the sets the rules were written against.
    for set in [
        "tuning.tsv",
        "tuning-2.tsv",
        "tuning-3.tsv",
        "tuning-4.tsv",
        "tuning-5.tsv",
        "tuning-6.tsv",
        "tuning-7.tsv",
        "tuning-8.tsv",
    ] {
        let (recall, alarms, shown) = evaluate(set, &[]);
        assert!(recall == 1000 && alarms <= 20, "{set}: {shown}");
    }
    let (recall, alarms, shown) = evaluate("held-out.tsv", &[]);
    assert!(
        recall >= HELD_OUT_RECALL && alarms <= HELD_OUT_ALARMS,
        "held-out set: {shown}"
    );
    assert!(
        shown.contains("of 150 disclosures") && shown.contains("of 150 ordinary"),
        "{shown}"
    );
}

#[test]
fn a_deployment_adds_its_own_rules_and_a_broken_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let check = |env: &[(&str, &str)]| {
        heard_tests::run_heard(
            dir.path(),
            env,
            &["safeguarding", "check", "the zone boys are about again"],
            "",
        )
    };
    let before = check(&[]);
    assert!(before.status.success());
    assert_eq!(
        String::from_utf8_lossy(&before.stdout),
        "",
        "not a Heard rule"
    );
    let rules = dir.path().join("ours.txt");
    std::fs::write(&rules, "# local\n[exploitation]\nzone boys\n").unwrap();
    let after = check(&[("HEARD_SAFEGUARDING_RULES", rules.to_str().unwrap())]);
    assert_eq!(
        String::from_utf8_lossy(&after.stdout),
        "zone boys\texploitation: zone boys\n"
    );
    std::fs::write(&rules, "[exploitation]\n@zone boys\n").unwrap();
    let broken = check(&[("HEARD_SAFEGUARDING_RULES", rules.to_str().unwrap())]);
    assert!(!broken.status.success());
    let error = String::from_utf8_lossy(&broken.stderr);
    assert!(
        error.contains("line 2 of the safeguarding rules: word class @zone is not defined above"),
        "{error}"
    );
}

on_both_databases! {
    async fn a_worrying_answer_is_listed_for_workers_with_its_words_highlighted(app: TestApp) {
        send(&app, "5d3c1b2a-0f9e-4d8c-b7a6-958473625140", serde_json::json!({
            "key_stage": "KS4",
            "change": "I was excluded because of drugs. After being excluded I got more drugs. I needed help."
        }))
        .await;
        send(&app, "5d3c1b2a-0f9e-4d8c-b7a6-958473625141", serde_json::json!({ "change": "Listen to us" })).await;

        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (status, page) = needs_a_look(&app, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("1 waiting"), "{page}");
        assert!(page.contains("<mark>got more drugs</mark>"), "{page}");
        assert!(page.contains("Why: drugs and drink: because of drugs") && page.contains("; drugs and drink: got|get|gets"), "the worker sees which rule matched: {page}");
        assert!(page.contains("I needed help."));
        assert!(!page.contains("Listen to us"), "only flagged answers are listed");
        assert!(!app.log().contains("drugs"), "flagged words must not reach the log at info level");
    }

    async fn a_worker_marks_a_flag_handled_with_a_note(app: TestApp) {
        send(&app, "5d3c1b2a-0f9e-4d8c-b7a6-958473625142", serde_json::json!({ "prevent": "my dad hits me" })).await;
        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (_, page) = needs_a_look(&app, Some(&cookie)).await;
        let start = page.find("name=\"response_id\" value=\"").expect("a form per flag") + "name=\"response_id\" value=\"".len();
        let response_id = &page[start..start + 36];

        let response = app
            .client()
            .post(app.url("/api/mark_handled"))
            .header("accept", "text/html")
            .header("referer", app.url("/needs-a-look"))
            .header("cookie", &cookie)
            .form(&[("response_id", response_id), ("note", "Passed to the DSL the same day")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let (_, page) = needs_a_look(&app, Some(&cookie)).await;
        assert!(page.contains("0 waiting"), "{page}");
        assert!(page.contains("Handled by worker@example.org: Passed to the DSL the same day"), "{page}");
        let audit = String::from_utf8_lossy(&app.heard(&["audit"], "").stdout).into_owned();
        assert!(audit.contains("worker@example.org\tsafeguarding flag handled"), "{audit}");
        assert!(!audit.contains("Passed to the DSL"), "the note stays out of the audit log");
    }

    async fn flags_are_never_shown_to_viewers_or_anonymous_visitors(app: TestApp) {
        send(&app, "5d3c1b2a-0f9e-4d8c-b7a6-958473625143", serde_json::json!({ "change": "I want to kill myself" })).await;
        let (status, page) = needs_a_look(&app, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(!page.contains("kill myself"));

        app.add_user("viewer", "viewer@example.org", PASSWORD);
        let cookie = app.log_in("viewer@example.org", PASSWORD).await.unwrap();
        let (status, page) = needs_a_look(&app, Some(&cookie)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(!page.contains("kill myself"));
        let response = app
            .client()
            .post(app.url("/api/list_flagged"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(!response.text().await.unwrap().contains("kill myself"));
    }

    async fn concerns_stored_the_old_way_are_moved_to_rows_at_start(app: TestApp) {
        // A flag written before concerns had rows of their own: two
        // concerns as tab-joined lines in one text column.
        send(&app, "5d3c1b2a-0f9e-4d8c-b7a6-958473625144", serde_json::json!({
            "prevent": "they hit me at home", "change": "nobody listens"
        }))
        .await;
        let db = app.database().await;
        sqlx::query("DELETE FROM safeguarding_concerns").execute(&db).await.unwrap();
        sqlx::query("UPDATE safeguarding_flags SET concerns = $1")
            .bind("prevent\thit me\nchange\tnobody listens")
            .execute(&db)
            .await
            .unwrap();
        db.close().await;
        let app = app.restart().await;
        let db = app.database().await;
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT question_key, words FROM safeguarding_concerns ORDER BY position")
            .fetch_all(&db)
            .await
            .unwrap();
        assert_eq!(rows, [("prevent".to_owned(), "hit me".to_owned()), ("change".to_owned(), "nobody listens".to_owned())]);
        let (left,): (String,) = sqlx::query_as("SELECT concerns FROM safeguarding_flags").fetch_one(&db).await.unwrap();
        assert_eq!(left, "", "the old column is emptied, so a second start moves nothing");
        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (_, page) = needs_a_look(&app, Some(&cookie)).await;
        assert!(page.contains("<mark>hit me</mark>"), "{page}");
        assert!(page.contains("<mark>nobody listens</mark>"), "{page}");
    }
}

/// A real SMTP server on this machine (Python's standard `smtpd`
/// DebuggingServer), printing every message it receives. Stopped when
/// dropped.
struct SmtpServer {
    child: std::process::Child,
    received: std::sync::Arc<std::sync::Mutex<String>>,
}

impl SmtpServer {
    fn start(port: u16) -> SmtpServer {
        use std::io::BufRead;
        let mut child = std::process::Command::new("python3")
            .args([
                "-u",
                "-W",
                "ignore",
                "-m",
                "smtpd",
                "-n",
                "-c",
                "DebuggingServer",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 runs an SMTP server");
        let received = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = std::sync::Arc::clone(&received);
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        SmtpServer { child, received }
    }

    /// Everything received, once it holds `text` (or after `seconds`).
    async fn wait_for(&self, text: &str, seconds: u64) -> String {
        let started = std::time::Instant::now();
        loop {
            let received = self.received.lock().unwrap().clone();
            if received.contains(text) || started.elapsed().as_secs() >= seconds {
                return received;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const FLAGGED: &str =
    "I was excluded because of drugs. After being excluded I got more drugs. I needed help.";

async fn app_mailing_to(port: u16) -> TestApp {
    let url = format!("smtp://127.0.0.1:{port}");
    TestApp::spawn_with_env(&[
        ("HEARD_SMTP_URL", url.as_str()),
        ("HEARD_MAIL_FROM", "heard@council.example"),
        ("HEARD_SAFEGUARDING_LEAD", "lead@council.example"),
        ("HEARD_PUBLIC_URL", "https://heard.council.example"),
    ])
    .await
}

#[tokio::test]
async fn a_flag_reaches_the_safeguarding_lead_by_email_within_a_minute_without_the_answer() {
    let port = free_port();
    let smtp = SmtpServer::start(port);
    let app = app_mailing_to(port).await;
    let sent = std::time::Instant::now();
    send(
        &app,
        "5d3c1b2a-0f9e-4d8c-b7a6-958473625140",
        serde_json::json!({ "key_stage": "KS4", "change": FLAGGED }),
    )
    .await;
    let mail = smtp.wait_for("Heard: an answer needs a look", 60).await;
    assert!(
        mail.contains("Heard: an answer needs a look"),
        "no e-mail within 60 s: {mail:?}"
    );
    assert!(sent.elapsed().as_secs() < 60);
    assert!(mail.contains("To: lead@council.example"), "{mail}");
    assert!(
        mail.contains("https://heard.council.example/needs-a-look"),
        "{mail}"
    );
    assert!(
        mail.contains("Your voice") && mail.contains("Summer 2024"),
        "{mail}"
    );
    for answer_text in ["drugs", "excluded because", "needed help"] {
        assert!(
            !mail.contains(answer_text),
            "the e-mail holds answer text {answer_text:?}: {mail}"
        );
    }
    // Two more ticks of the sender: still one e-mail, not one per tick.
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    let mail = smtp.wait_for("never", 0).await;
    assert_eq!(
        mail.matches("MESSAGE FOLLOWS").count(),
        1,
        "one e-mail, not one per tick: {mail}"
    );
    let audit = String::from_utf8_lossy(&app.heard(&["audit"], "").stdout).into_owned();
    assert!(
        audit.contains(
            "safeguarding lead e-mailed\tlead@council.example: a flag in round Summer 2024"
        ),
        "{audit}"
    );

    // A survey's own lead is told instead of the deployment's.
    let set = app.heard(
        &[
            "survey",
            "safeguarding-lead",
            "ap-voice",
            "--email",
            "dsl@school.example",
        ],
        "",
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    send(
        &app,
        "5d3c1b2a-0f9e-4d8c-b7a6-958473625141",
        serde_json::json!({ "key_stage": "KS3", "change": FLAGGED }),
    )
    .await;
    let mail = smtp.wait_for("To: dsl@school.example", 60).await;
    assert!(mail.contains("To: dsl@school.example"), "{mail}");
}

#[tokio::test]
async fn an_email_that_cannot_be_sent_is_tried_again_until_it_is() {
    let port = free_port();
    // No SMTP server yet: the first try fails.
    let app = app_mailing_to(port).await;
    send(
        &app,
        "5d3c1b2a-0f9e-4d8c-b7a6-958473625140",
        serde_json::json!({ "key_stage": "KS4", "change": FLAGGED }),
    )
    .await;
    let db = app.database().await;
    let started = std::time::Instant::now();
    let failed = loop {
        let (attempts, error): (i64, Option<String>) =
            sqlx::query_as("SELECT notify_attempts, last_notify_error FROM safeguarding_flags")
                .fetch_one(&db)
                .await
                .unwrap();
        if attempts > 0 {
            break error;
        }
        assert!(started.elapsed().as_secs() < 30, "no try within 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(failed.is_some(), "the failure is recorded with its reason");
    // The server comes back: the e-mail goes out on a later try.
    let smtp = SmtpServer::start(port);
    let mail = smtp.wait_for("Heard: an answer needs a look", 60).await;
    assert!(
        mail.contains("To: lead@council.example"),
        "not retried: {mail:?}"
    );
    // The sender records the delivery after the SMTP server has the message,
    // so the row can lag the mailbox by a moment.
    let started = std::time::Instant::now();
    loop {
        let (notified, error): (Option<i64>, Option<String>) =
            sqlx::query_as("SELECT notified_at, last_notify_error FROM safeguarding_flags")
                .fetch_one(&db)
                .await
                .unwrap();
        if notified.is_some() {
            assert!(
                error.is_none(),
                "a delivered e-mail keeps its old error: {error:?}"
            );
            break;
        }
        assert!(
            started.elapsed().as_secs() < 30,
            "the e-mail arrived but was never recorded as sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The rules miss what they were not written for; the worker reading every
/// answer while coding is the safeguard. A concern they raise is listed
/// with who raised it, e-mailed to the lead like any flag, and audited.
#[tokio::test]
async fn a_worker_raises_a_concern_the_rules_missed_and_the_lead_is_told() {
    let port = free_port();
    let smtp = SmtpServer::start(port);
    let app = app_mailing_to(port).await;
    let quiet = "my uncle keeps coming round when mum is at work and i have to stay in my room";
    send(
        &app,
        "5d3c1b2a-0f9e-4d8c-b7a6-958473625150",
        serde_json::json!({ "key_stage": "KS4", "change": quiet }),
    )
    .await;
    app.add_user("worker", "worker@example.org", PASSWORD);
    let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
    let (_, page) = needs_a_look(&app, Some(&worker)).await;
    assert!(!page.contains("coming round"), "no rule flags it: {page}");
    let db = app.database().await;
    let (round, response): (String, String) = sqlx::query_as("SELECT round_id, id FROM responses")
        .fetch_one(&db)
        .await
        .unwrap();
    let raise = |cookie: String, response: String| {
        let request = app
            .client()
            .post(app.url("/api/raise_concern"))
            .header("cookie", cookie)
            .form(&[
                ("round_id", round.as_str()),
                ("question", "change"),
                ("response_id", response.as_str()),
            ]);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(
        raise(worker.clone(), "no-such-response".into()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        raise(worker.clone(), response.clone()).await,
        StatusCode::OK
    );
    let (_, page) = needs_a_look(&app, Some(&worker)).await;
    assert!(page.contains(quiet), "{page}");
    assert!(
        page.contains("Why: raised by worker@example.org on reading it"),
        "{page}"
    );
    let mail = smtp.wait_for("Heard: an answer needs a look", 60).await;
    assert!(
        mail.contains("To: lead@council.example"),
        "no e-mail within 60 s: {mail}"
    );
    assert!(
        !mail.contains("coming round"),
        "the e-mail holds no answer text: {mail}"
    );
    let audit = String::from_utf8_lossy(&app.heard(&["audit"], "").stdout).into_owned();
    assert!(
        audit.contains("worker@example.org\tsafeguarding concern raised\tround Summer 2024"),
        "{audit}"
    );
    assert!(!audit.contains("coming round"));
}

/// Welsh rules of a deployment's own, found through a mutation, and an
/// answer in a language no rules read put in front of a person rather than
/// passed as safe: through HTTP, the needs-a-look page and the CLI.
#[tokio::test]
async fn answers_in_other_languages_are_read_by_their_own_rules_or_marked_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("welsh.txt");
    std::fs::write(
        &rules,
        "[language cy]\n[negations]\nddim neb byth\n[harm at home]\nfy taro\n",
    )
    .unwrap();
    let rules = rules.to_str().unwrap();
    let app = TestApp::spawn_with_env(&[("HEARD_SAFEGUARDING_RULES", rules)]).await;
    let survey =
        heard_tests::workspace_root().join("tests/fixtures/voices-in-three-languages.toml");
    let imported = app.heard(&["survey", "import", survey.to_str().unwrap()], "");
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let opened = app.heard(&["round", "open", "--survey", "voices", "--round", "R"], "");
    let code = String::from_utf8(opened.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let send = |client_id: &'static str, language: &'static str, change: &'static str| {
        let body = serde_json::json!({
            "join_code": code, "client_id": client_id, "language": language,
            "answers": { "key_stage": "KS4", "change": change },
        });
        let request = app.client().post(app.url("/api/v1/responses")).json(&body);
        async move { assert_eq!(request.send().await.unwrap().status(), StatusCode::CREATED) }
    };
    // "taro" (hit) written "nharo" after "fy" (my).
    send(
        "6e0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e01",
        "cy",
        "Mae dad yn fy nharo i",
    )
    .await;
    send(
        "6e0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e02",
        "cy",
        "Dydy neb yn fy nharo i, mwy o help",
    )
    .await;
    send(
        "6e0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e03",
        "ur",
        "مجھے اسکول اچھا لگتا ہے",
    )
    .await;
    send(
        "6e0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e04",
        "en",
        "more help with maths",
    )
    .await;
    // Said to be Polish, which the survey is not offered in: stored as
    // English, but read as Polish, which no rules read.
    send(
        "6e0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e05",
        "pl",
        "Tata mnie bije",
    )
    .await;
    // Imported without a language: in the survey's own, English.
    std::fs::write(
        app.dir.path().join("paper.csv"),
        "key_stage,change\nKS4,my dad hits me\n",
    )
    .unwrap();
    let imported = app.heard(
        &[
            "import",
            "responses",
            "--survey",
            "voices",
            "--round",
            "R",
            "paper.csv",
        ],
        "",
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );

    let admin = app.log_in_admin().await;
    let (status, page) = needs_a_look(&app, Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    let page = heard_tests::html::without_templates(&page);
    assert!(page.contains("4 waiting"), "{page}");
    assert!(
        page.contains("Why: not read: answered in Polish (Polski), and there are no safeguarding rules for Polish"),
        "{page}"
    );
    assert!(
        page.contains("lang=\"en\" dir=\"ltr\" class=\"flag-answer\">my dad <mark>hits me</mark>"),
        "{page}"
    );
    assert!(page.contains("<mark>fy nharo</mark>"), "{page}");
    assert!(page.contains("Why: harm at home: fy taro"), "{page}");
    assert!(
        page.contains(
            "Why: not read: answered in Urdu (اردو), and there are no safeguarding rules for Urdu"
        ),
        "{page}"
    );
    assert!(
        page.contains("lang=\"ur\" dir=\"rtl\""),
        "the Urdu answer is marked as Urdu: {page}"
    );
    assert!(page.contains("lang=\"cy\" dir=\"ltr\""), "{page}");
    assert!(
        !page.contains("Dydy neb") && !page.contains("more help with maths"),
        "{page}"
    );

    // The CLI reads with the same rules.
    let check = |language: &str, text: &str| {
        let out = heard_tests::run_heard(
            dir.path(),
            &[("HEARD_SAFEGUARDING_RULES", rules)],
            &["safeguarding", "check", "--language", language, text],
            "",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        check("cy", "mae hi'n fy nharo i"),
        "fy nharo\tharm at home: fy taro\n"
    );
    assert!(check("pl", "Tata mnie bije").starts_with("\tnot read: answered in Polish (Polski)"));
    assert_eq!(check("en", "Tata mnie bije"), "");
}
