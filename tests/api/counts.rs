use super::reports::ok;
use super::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const PASSWORD: &str = "correct horse battery staple";

const SURVEY: &str = r#"
slug = "counted"
title = "Counted"

[[questions]]
key = "ks"
kind = "single"
text = "Key stage?"
options = ["KS3", "KS4", "KS5"]
about_you = true

[[questions]]
key = "needs"
kind = "multi"
text = "Any of these?"
options = ["SEN", "FSM", "EAL"]
about_you = true

[[questions]]
key = "likes"
kind = "multi"
text = "What do you like?"
options = ["Sport", "Art", "Music", "Nothing"]

[[questions]]
key = "say"
kind = "text"
text = "Anything to say?"
coding = "multi"
[[questions.themes]]
name = "A"
[[questions.themes]]
name = "B"
[[questions.themes]]
name = "C"

[[questions]]
key = "why"
kind = "text"
text = "Why?"
[[questions.themes]]
name = "X"
[[questions.themes]]
name = "Y"
"#;

/// A young person as the test made them: values by question key, and the
/// themes given to their free text.
#[derive(Clone, Default)]
struct Person {
    id: String,
    answers: BTreeMap<&'static str, Vec<&'static str>>,
    themes: BTreeMap<&'static str, Vec<&'static str>>,
}

/// A small deterministic generator, so a failure can be replayed.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % sides
    }

    /// Each of `from` with even odds.
    fn some_of(&mut self, from: &[&'static str]) -> Vec<&'static str> {
        from.iter().copied().filter(|_| self.roll(2) == 0).collect()
    }
}

fn people(count: usize, dice: &mut Dice) -> Vec<Person> {
    (0..count)
        .map(|i| {
            let mut person = Person {
                id: format!("p{i:04}"),
                ..Person::default()
            };
            // About one in seven skips each question.
            if dice.roll(7) > 0 {
                let ks = ["KS3", "KS4", "KS5"][dice.roll(3) as usize];
                person.answers.insert("ks", vec![ks]);
            }
            for (key, options) in [
                ("needs", &["SEN", "FSM", "EAL"][..]),
                ("likes", &["Sport", "Art", "Music", "Nothing"][..]),
            ] {
                let chosen = dice.some_of(options);
                if !chosen.is_empty() {
                    person.answers.insert(key, chosen);
                }
            }
            if dice.roll(5) > 0 {
                person.answers.insert("say", vec!["some words"]);
                // Some answers are left uncoded: no theme.
                person.themes.insert("say", dice.some_of(&["A", "B", "C"]));
            }
            if dice.roll(4) > 0 {
                person.answers.insert("why", vec!["because"]);
                let theme = ["X", "Y", ""][dice.roll(3) as usize];
                person.themes.insert(
                    "why",
                    [theme].into_iter().filter(|t| !t.is_empty()).collect(),
                );
            }
            person
        })
        .collect()
}

fn responses_csv(people: &[Person]) -> String {
    let mut csv = String::from("respondent,ks,needs,likes,say,why\n");
    for p in people {
        let cell = |key: &str| p.answers.get(key).map(|v| v.join(";")).unwrap_or_default();
        csv += &format!(
            "{},{},{},{},{},{}\n",
            p.id,
            cell("ks"),
            cell("needs"),
            cell("likes"),
            cell("say"),
            cell("why")
        );
    }
    csv
}

fn codes_csv(people: &[Person]) -> String {
    let mut csv = String::from("respondent,question,theme\n");
    for p in people {
        for (key, themes) in &p.themes {
            for theme in themes {
                csv += &format!("{},{key},{theme}\n", p.id);
            }
        }
    }
    csv
}

/// The worker's report lines `heard report` prints, counted one young
/// person at a time: (question, group, category) to (count, answered).
fn counted_by_hand(
    people: &[Person],
    by: Option<&str>,
) -> BTreeMap<(String, String, String), (i64, i64)> {
    let categories: [(&str, &[&str]); 5] = [
        ("ks", &["KS3", "KS4", "KS5"]),
        ("needs", &["SEN", "FSM", "EAL"]),
        ("likes", &["Sport", "Art", "Music", "Nothing"]),
        ("say", &["A", "B", "C"]),
        ("why", &["X", "Y"]),
    ];
    // Groups: each option of `by`, and "Not answered" when anybody chose none.
    let mut groups: Vec<(String, Vec<&Person>)> = Vec::new();
    match by {
        None => groups.push((String::new(), people.iter().collect())),
        Some(by) => {
            let options = categories.iter().find(|(k, _)| *k == by).unwrap().1;
            for option in options {
                let members = people
                    .iter()
                    .filter(|p| p.answers.get(by).is_some_and(|v| v.contains(option)))
                    .collect();
                groups.push(((*option).to_owned(), members));
            }
            let none: Vec<&Person> = people
                .iter()
                .filter(|p| !p.answers.contains_key(by))
                .collect();
            if !none.is_empty() {
                groups.push(("Not answered".to_owned(), none));
            }
        }
    }
    let mut lines = BTreeMap::new();
    for (key, options) in categories {
        if Some(key) == by {
            continue;
        }
        let coded = key == "say" || key == "why";
        for (group, members) in &groups {
            let answered: Vec<&&Person> = members
                .iter()
                .filter(|p| p.answers.contains_key(key))
                .collect();
            let n = answered.len() as i64;
            for option in options {
                let count = answered
                    .iter()
                    .filter(|p| {
                        let given = if coded { &p.themes } else { &p.answers };
                        given.get(key).is_some_and(|v| v.contains(option))
                    })
                    .count() as i64;
                lines.insert(
                    (key.to_owned(), group.clone(), (*option).to_owned()),
                    (count, n),
                );
            }
            let uncoded = answered
                .iter()
                .filter(|p| coded && p.themes.get(key).is_none_or(|t| t.is_empty()))
                .count() as i64;
            if uncoded > 0 {
                lines.insert(
                    (key.to_owned(), group.clone(), "Not yet coded".to_owned()),
                    (uncoded, n),
                );
            }
        }
    }
    lines
}

/// A report CSV's lines as (question, group, category) to (count, n).
/// (No name here holds a comma or a quote.)
fn report_lines(csv: &str) -> BTreeMap<(String, String, String), (i64, i64)> {
    let mut lines = csv.lines();
    let by = lines.next().unwrap().starts_with("question,attribute,");
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let (group, rest) = if by { (cells[1], 2) } else { ("", 1) };
            let number = |i: usize| cells[i].parse::<i64>().unwrap_or_else(|_| panic!("{line}"));
            (
                (
                    cells[0].to_owned(),
                    group.to_owned(),
                    cells[rest].to_owned(),
                ),
                (number(rest + 1), number(rest + 3)),
            )
        })
        .collect()
}

fn write(app: &TestApp, name: &str, text: &str) -> String {
    let path = app.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

async fn worker_csv(app: &TestApp, cookie: &str, round: &str, by: Option<&str>) -> String {
    let path = match by {
        Some(by) => format!("/rounds/{round}/report.csv?by={by}"),
        None => format!("/rounds/{round}/report.csv"),
    };
    let response = app
        .client()
        .get(app.url(&path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}");
    response.text().await.unwrap()
}

/// A young person's receipt code: the first 48 bits of the client id
/// their tablet made, in Crockford base 32 (as the tablet shows it).
fn receipt(client_id: &str) -> String {
    let hex: String = client_id.chars().filter(|c| *c != '-').take(12).collect();
    let bits = u64::from_str_radix(&hex, 16).unwrap();
    let alphabet = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let code: String = (0..10)
        .rev()
        .map(|i| char::from(alphabet[((bits >> (5 * i)) & 31) as usize]))
        .collect();
    format!("{}-{}", &code[..5], &code[5..])
}

/// Sends `person` from a tablet to `app`, as client `client_id`.
async fn send(app: &TestApp, code: &str, client_id: &str, person: &Person) {
    let answers: serde_json::Map<String, Value> = person
        .answers
        .iter()
        .map(|(key, values)| ((*key).to_owned(), json!(values)))
        .collect();
    let response = app
        .client()
        .post(app.url("/api/v1/responses"))
        .json(&json!({ "join_code": code, "client_id": client_id, "answers": answers }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        reqwest::StatusCode::CREATED,
        "{client_id}"
    );
}

/// A server function called with a JSON body (`form` false) or a form;
/// its status and answer.
async fn call(app: &TestApp, name: &str, cookie: &str, body: Value, form: bool) -> String {
    let request = app
        .client()
        .post(app.url(&format!("/api/{name}")))
        .header("cookie", cookie);
    let request = if form {
        request.form(&body)
    } else {
        request.json(&body)
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{name}: {status} {text}");
    text
}

/// The coding screen's progress on free-text question `key` in `pass`,
/// as a worker's first page shows it: (answers, answers coded).
async fn progress_served(
    app: &TestApp,
    cookie: &str,
    round: &str,
    key: &str,
    pass: &str,
) -> (i64, i64) {
    let body = json!({"round_id": round, "question": key, "pass": pass});
    let sheet: Value =
        serde_json::from_str(&call(app, "load_coding_sheet", cookie, body, true).await).unwrap();
    (
        sheet["total"].as_i64().unwrap(),
        sheet["coded"].as_i64().unwrap(),
    )
}

/// The same, counted one young person at a time (main coding).
fn progress_by_hand(people: &[Person], key: &str) -> (i64, i64) {
    let answered = people.iter().filter(|p| p.answers.contains_key(key));
    let coded = answered
        .clone()
        .filter(|p| p.themes.get(key).is_some_and(|t| !t.is_empty()));
    (answered.count() as i64, coded.count() as i64)
}

/// Asserts that the coding screen's progress on both free-text questions
/// equals the count by hand.
async fn check_progress(app: &TestApp, cookie: &str, round: &str, people: &[Person], when: &str) {
    for key in ["say", "why"] {
        let served = progress_served(app, cookie, round, key, "main").await;
        assert_eq!(
            served,
            progress_by_hand(people, key),
            "coding progress on {key}, {when}"
        );
    }
}

on_both_databases! {
    // Reports are counted by the database (GROUP BY over indexes), not
    // from every answer in memory. Every figure, for every breakdown
    // (by a single-choice attribute, and by a multi-choice one whose
    // groups overlap), must equal the same figure counted one young
    // person at a time; through the CLI and through the server, whose
    // kept counts must follow a change another process makes.
    async fn every_figure_the_database_counts_equals_the_young_people_counted_one_by_one(app: TestApp) {
        let mut dice = Dice(15);
        let mut everyone = people(160, &mut dice);
        ok(&app, &["survey", "import", &write(&app, "survey.toml", SURVEY)]);
        let responses = write(&app, "responses.csv", &responses_csv(&everyone));
        ok(&app, &["import", "responses", "--survey", "counted", "--round", "R", &responses]);
        let codes = write(&app, "codes.csv", &codes_csv(&everyone));
        ok(&app, &["import", "codes", "--survey", "counted", "--round", "R", &codes]);
        let (round,): (String,) = sqlx::query_as("SELECT id FROM rounds WHERE name = 'R'")
            .fetch_one(&app.database().await)
            .await
            .unwrap();
        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        for by in [None, Some("ks"), Some("needs")] {
            let expected = counted_by_hand(&everyone, by);
            let mut args = vec!["report", "--survey", "counted", "--round", "R"];
            args.extend(by.iter().flat_map(|b| ["--by", *b]));
            assert_eq!(report_lines(&ok(&app, &args)), expected, "heard report, by {by:?}");
            let served = worker_csv(&app, &cookie, &round, by).await;
            assert_eq!(report_lines(&served), expected, "report.csv, by {by:?}");
        }
        check_progress(&app, &cookie, &round, &everyone, "imported").await;

        // Recoded elsewhere (another process): every answer to "say" now
        // has theme C alone, and the server's figures follow at once.
        for person in &mut everyone {
            if person.answers.contains_key("say") {
                person.themes.insert("say", vec!["C"]);
            }
        }
        let codes = write(&app, "codes2.csv", &codes_csv(&everyone));
        ok(&app, &["import", "codes", "--survey", "counted", "--round", "R", &codes]);
        for by in [None, Some("needs")] {
            let served = worker_csv(&app, &cookie, &round, by).await;
            assert_eq!(report_lines(&served), counted_by_hand(&everyone, by), "after recoding, by {by:?}");
        }
        check_progress(&app, &cookie, &round, &everyone, "after recoding").await;

        // More young people, added by another process: counted at once too.
        let mut more = people(7, &mut Dice(99));
        for person in &mut more {
            person.id = format!("late-{}", person.id);
            person.themes.clear();
        }
        let responses = write(&app, "more.csv", &responses_csv(&more));
        ok(&app, &["import", "responses", "--survey", "counted", "--round", "R", &responses]);
        everyone.extend(more);
        for by in [None, Some("ks")] {
            let served = worker_csv(&app, &cookie, &round, by).await;
            assert_eq!(report_lines(&served), counted_by_hand(&everyone, by), "after more responses, by {by:?}");
        }
        check_progress(&app, &cookie, &round, &everyone, "after more responses").await;
        // Every answer and coding carries its response's round.
        let (answers, codings): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM answers a JOIN responses x ON x.id = a.response_id WHERE a.round_id <> x.round_id), \
                    (SELECT COUNT(*) FROM codings c JOIN responses x ON x.id = c.response_id WHERE c.round_id <> x.round_id)",
        )
        .fetch_one(&app.database().await)
        .await
        .unwrap();
        assert_eq!((answers, codings), (0, 0));
    }

    // For a question coded with several themes per answer, how many
    // answers carry each pair of themes: counted by the database, equal to
    // the count made one young person at a time; small pairs hidden from
    // viewers; on the summary page too.
    async fn themes_together_equal_the_answers_counted_one_by_one(app: TestApp) {
        let everyone = people(160, &mut Dice(27));
        ok(&app, &["survey", "import", &write(&app, "survey.toml", SURVEY)]);
        let responses = write(&app, "responses.csv", &responses_csv(&everyone));
        ok(&app, &["import", "responses", "--survey", "counted", "--round", "R", &responses]);
        let codes = write(&app, "codes.csv", &codes_csv(&everyone));
        ok(&app, &["import", "codes", "--survey", "counted", "--round", "R", &codes]);
        let coded = everyone.iter().filter(|p| p.themes.get("say").is_some_and(|t| !t.is_empty())).count();
        let both = |first: &str, second: &str| {
            everyone
                .iter()
                .filter(|p| p.themes.get("say").is_some_and(|t| t.contains(&first) && t.contains(&second)))
                .count()
        };
        let table = ok(&app, &["together", "--survey", "counted", "--round", "R", "--question", "say"]);
        let mut lines = table.lines();
        assert_eq!(lines.next(), Some("question,theme,with,both,percent,n"));
        let mut pairs = 0;
        for line in lines {
            let cells: Vec<&str> = line.split(',').collect();
            let expected = both(cells[1], cells[2]);
            assert!(expected > 0, "every pair is there in the generated answers: {line}");
            assert_eq!(cells[3], expected.to_string(), "{line}");
            assert_eq!(cells[5], coded.to_string(), "{line}");
            pairs += 1;
        }
        assert_eq!(pairs, 3, "A-B, A-C and B-C: {table}");

        // Recoded so that two answers alone carry A and B: hidden from
        // viewers (fewer than 5), shown to workers.
        let mut recoded = everyone.clone();
        let mut with_both = 0;
        for person in &mut recoded {
            if let Some(themes) = person.themes.get_mut("say")
                && !themes.is_empty()
            {
                *themes = if with_both < 2 { vec!["A", "B"] } else { vec!["C"] };
                with_both += 1;
            }
        }
        ok(&app, &["import", "codes", "--survey", "counted", "--round", "R", &write(&app, "codes2.csv", &codes_csv(&recoded))]);
        let worker = ok(&app, &["together", "--survey", "counted", "--round", "R", "--question", "say"]);
        assert!(worker.contains("\nsay,A,B,2,"), "{worker}");
        let viewer = ok(&app, &["together", "--survey", "counted", "--round", "R", "--question", "say", "--audience", "viewer"]);
        assert!(viewer.contains(&format!("\nsay,A,B,c,c,{coded}\n")), "{viewer}");
        assert!(viewer.contains(&format!("\nsay,A,C,0,0.0,{coded}\n")), "{viewer}");
        // With small overall counts hidden, A and B (2 each) are hidden in
        // the question's own figures; beside them the pairs and the number
        // coded would give them away, so viewers get no pairs at all.
        ok(&app, &["survey", "disclosure", "counted", "--small-overall-counts", "hide"]);
        let hidden = app.heard(&["together", "--survey", "counted", "--round", "R", "--question", "say", "--audience", "viewer"], "");
        assert!(hidden.status.success());
        assert_eq!(String::from_utf8_lossy(&hidden.stdout), "", "no pairs beside hidden figures");
        ok(&app, &["survey", "disclosure", "counted", "--small-overall-counts", "show"]);
        let single = app.heard(&["together", "--survey", "counted", "--round", "R", "--question", "why"], "");
        assert!(!single.status.success());
        assert!(String::from_utf8_lossy(&single.stderr).contains("several themes per answer"));

        app.add_user("worker", "worker@example.org", PASSWORD);
        let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let (round,): (String,) = sqlx::query_as("SELECT id FROM rounds WHERE name = 'R'")
            .fetch_one(&app.database().await)
            .await
            .unwrap();
        let page = app.client().get(app.url(&format!("/rounds/{round}/summary"))).header("cookie", cookie).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Themes given together"), "{page}");
        assert!(page.contains(&format!("Each number is how many of the {coded} coded answers have both themes.")), "{page}");
    }

    // Each instance keeps the counts it made. Every change that moves a
    // figure without adding a response, made through the other instance,
    // must show at once on this one: themes merged, a response erased by
    // its receipt code (with another sent, so the number of responses,
    // which also marks counts stale, comes back to where it was).
    async fn kept_counts_follow_merges_and_erasures_made_through_another_instance(app: TestApp) {
        let mut everyone = people(40, &mut Dice(7));
        ok(&app, &["survey", "import", &write(&app, "survey.toml", SURVEY)]);
        let responses = write(&app, "responses.csv", &responses_csv(&everyone));
        ok(&app, &["import", "responses", "--survey", "counted", "--round", "R", &responses]);
        let codes = write(&app, "codes.csv", &codes_csv(&everyone));
        ok(&app, &["import", "codes", "--survey", "counted", "--round", "R", &codes]);
        let opened = ok(&app, &["round", "open", "--survey", "counted", "--round", "T"]);
        let join_code = opened.lines().last().unwrap().trim().to_owned();
        let rounds: Vec<(String, String)> = sqlx::query_as("SELECT name, id FROM rounds")
            .fetch_all(&app.database().await)
            .await
            .unwrap();
        let id_of = |name: &str| rounds.iter().find(|(n, _)| n == name).unwrap().1.clone();
        let (round, tablets) = (id_of("R"), id_of("T"));
        let other = app.second_instance().await;
        app.add_user("worker", "worker@example.org", PASSWORD);
        app.add_user("admin", "admin@example.org", PASSWORD);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let admin = app.log_in("admin@example.org", PASSWORD).await.unwrap();
        let mut sent = people(4, &mut Dice(3));
        let client_ids: Vec<String> = (1..=4).map(|n| format!("{n:x}e1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11")).collect();
        // The first to be sent says something (it is coded, then erased).
        sent[0].answers.insert("say", vec!["some words"]);
        for (person, client_id) in sent.iter_mut().zip(&client_ids).take(3) {
            person.themes.clear();
            send(&other, &join_code, client_id, person).await;
        }
        let breakdowns = [None, Some("ks"), Some("needs")];
        let check = async |app: &TestApp, round: &str, people: &[Person], drop_b: bool, when: &str| {
            for by in breakdowns {
                let mut expected = counted_by_hand(people, by);
                if drop_b {
                    expected.retain(|(question, _, category), _| !(question == "say" && category == "B"));
                }
                let served = worker_csv(app, &worker, round, by).await;
                assert_eq!(report_lines(&served), expected, "{when}, by {by:?}");
            }
            check_progress(app, &worker, round, people, when).await;
        };
        // Both instances count, and keep, every breakdown of both rounds.
        for instance in [&app, &other] {
            check(instance, &round, &everyone, false, "first").await;
            check(instance, &tablets, &sent[..3], false, "first").await;
        }

        // Theme B merged into A through the other instance.
        let merge = json!({"round_id": round, "question": "say", "edit": {"Merge": {"from": "B", "into": "A"}}});
        call(&other, "edit_codebook", &worker, merge, false).await;
        for person in &mut everyone {
            if let Some(themes) = person.themes.get_mut("say")
                && let Some(b) = themes.iter().position(|t| *t == "B")
            {
                themes.remove(b);
                if !themes.contains(&"A") {
                    themes.push("A");
                }
            }
        }
        check(&app, &round, &everyone, true, "after the merge").await;
        check(&app, &tablets, &sent[..3], true, "after the merge").await;

        // The first tablet's answer coded through the other instance, in
        // the main coding and by a second coder; then another's coding
        // given and taken away again.
        let response_of = async |client_id: &str| -> String {
            sqlx::query_scalar("SELECT id FROM responses WHERE client_id = $1")
                .bind(client_id)
                .fetch_one(&app.database().await)
                .await
                .unwrap()
        };
        let first = response_of(&client_ids[0]).await;
        for (pass, themes) in [("main", ["A"]), ("check", ["C"])] {
            let coded = json!({"round_id": tablets, "question": "say", "pass": pass,
                "response_id": first, "themes": themes, "how": "hand"});
            call(&other, "code_answer", &worker, coded, false).await;
        }
        sent[0].themes.insert("say", vec!["A"]);
        check(&app, &tablets, &sent[..3], true, "after coding").await;
        assert_eq!(progress_served(&app, &worker, &tablets, "say", "check").await.1, 1);
        if sent[1].answers.contains_key("say") {
            let second = response_of(&client_ids[1]).await;
            for themes in [vec!["C"], vec![]] {
                let coded = json!({"round_id": tablets, "question": "say", "pass": "main",
                    "response_id": second, "themes": themes, "how": "hand"});
                call(&other, "code_answer", &worker, coded, false).await;
            }
            check(&app, &tablets, &sent[..3], true, "after a coding taken away").await;
        }

        // The first tablet's response erased through the other instance,
        // and a fourth sent: three responses again, not the same three.
        let code = receipt(&client_ids[0]);
        let erased = call(&other, "erase_receipt", &admin, json!({"code": code}), true).await;
        assert!(erased.contains("Found"), "{erased}");
        send(&other, &join_code, &client_ids[3], &sent[3]).await;
        sent.remove(0);
        check(&app, &tablets, &sent, true, "after an erasure").await;
        assert_eq!(progress_served(&app, &worker, &tablets, "say", "check").await, (progress_by_hand(&sent, "say").0, 0));

        // One more young person through the other instance, and nothing
        // else: their response alone tells this one its counts are stale.
        let mut late = people(1, &mut Dice(11)).remove(0);
        late.themes.clear();
        send(&other, &join_code, "5e1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11", &late).await;
        sent.push(late);
        check(&app, &tablets, &sent, true, "after one more response").await;
    }
}
