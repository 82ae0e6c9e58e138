use super::*;
use heard_tests::html;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

/// A young person's browser without JavaScript: it shows one page and
/// posts that page's forms.
struct FormBrowser<'a> {
    app: &'a TestApp,
    html: String,
}

impl<'a> FormBrowser<'a> {
    /// Types the join code on the start page (lower case, with a space, as
    /// a child might) and follows the redirect to the survey.
    async fn join(app: &'a TestApp) -> FormBrowser<'a> {
        let typed = format!("{} {}", &app.join_code[..3], &app.join_code[3..]).to_lowercase();
        let response = app
            .client()
            .post(app.url("/join"))
            .form(&[("code", typed)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(location, format!("/survey/{}", app.join_code));
        let response = app.client().get(app.url(&location)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        FormBrowser {
            app,
            html: html::without_templates(&response.text().await.unwrap()),
        }
    }

    /// Presses a button of the main form, with `answers` in its inputs.
    async fn press(&mut self, nav: &str, answers: &[(&str, &str)]) {
        let form = html::form(&self.html, "survey-form")
            .unwrap_or_else(|| panic!("no survey form in:\n{}", self.html));
        self.post(html::hidden_fields(form), nav, answers).await;
    }

    /// Presses Back.
    async fn back(&mut self) {
        let start = self.html.find("class=\"back-form\"").expect("a Back form");
        let form = &self.html[start..start + self.html[start..].find("</form>").unwrap()];
        self.post(html::hidden_fields(form), "back", &[]).await;
    }

    async fn post(
        &mut self,
        mut fields: Vec<(String, String)>,
        nav: &str,
        answers: &[(&str, &str)],
    ) {
        fields.extend(
            answers
                .iter()
                .map(|(k, v)| (format!("a:{k}"), v.to_string())),
        );
        fields.push(("nav".into(), nav.into()));
        let response = self
            .app
            .client()
            .post(self.app.url(&format!("/survey/{}", self.app.join_code)))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        self.html = html::without_templates(&response.text().await.unwrap());
    }

    fn h1(&self) -> String {
        html::h1(&self.html).unwrap_or_default()
    }

    fn hidden(&self, name: &str) -> Option<String> {
        let form = html::form(&self.html, "survey-form")?;
        html::hidden_fields(form)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// Answers the demo survey up to the Ready-to-send screen.
async fn answer_up_to_ready(app: &TestApp) -> FormBrowser<'_> {
    let mut browser = FormBrowser::join(app).await;
    browser.press("start", &[]).await;
    browser.press("next", &[("key_stage", "KS4")]).await;
    browser
        .press("next", &[("help_before", "Nothing. They hated me.")])
        .await;
    browser
        .press("skip", &[("prevent", "this is skipped")])
        .await;
    browser
        .press("next", &[("change", "Listen to us & trust us <please>")])
        .await;
    assert_eq!(browser.h1(), "Ready to send?");
    browser
}

/// Answers the demo survey from start to end and sends it.
async fn answer_demo_survey(app: &TestApp) {
    let mut browser = answer_up_to_ready(app).await;
    browser.press("send", &[]).await;
    assert_eq!(browser.h1(), "Thank you");
}

/// The worker's view of the demo round: its page of answers.
async fn worker_answers_page(app: &TestApp) -> String {
    app.add_user("worker", "worker@example.org", PASSWORD);
    let cookie = app.log_in("worker@example.org", PASSWORD).await.unwrap();
    let rounds = app
        .client()
        .get(app.url("/rounds"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = rounds.find("href=\"/rounds/").expect("a link to the round") + "href=\"".len();
    let link = &rounds[start..start + rounds[start..].find('"').unwrap()];
    app.client()
        .get(app.url(link))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

on_both_databases! {
    async fn a_young_person_answers_one_question_per_screen_and_a_worker_reads_the_answers(app: TestApp) {
        let mut browser = FormBrowser::join(&app).await;
        assert_eq!(browser.h1(), "Your voice");
        assert!(browser.html.contains("We will not ask your name."));
        assert!(browser.html.contains("You can skip any question."));

        browser.press("start", &[]).await;
        assert_eq!(browser.h1(), "Which key stage are you in?");
        assert!(browser.html.contains("Question 1 of 4"));
        browser.press("next", &[("key_stage", "KS4")]).await;
        assert_eq!(browser.h1(), "What did your previous school do to help and support you before you were permanently excluded?");
        browser.press("next", &[("help_before", "Nothing. They hated me.")]).await;
        assert_eq!(browser.h1(), "How could your school have prevented your permanent exclusion?");
        browser.press("skip", &[("prevent", "this is skipped")]).await;
        assert_eq!(browser.h1(), "What needs to change?");
        browser.press("next", &[("change", "Listen to us & trust us <please>")]).await;
        assert_eq!(browser.h1(), "Ready to send?");
        assert!(browser.html.contains("You answered 3 of 4 questions."));
        browser.press("send", &[]).await;
        assert_eq!(browser.h1(), "Thank you");
        assert_eq!(app.stored_responses().await, 1);

        let page = worker_answers_page(&app).await;
        assert!(page.contains(">1 responses</p>"), "{page}");
        assert!(page.contains(">KS4</td>"), "the answer in its own cell: {page}");
        assert!(page.contains(">Nothing. They hated me.</td>"), "{page}");
        assert!(page.contains("Listen to us &amp; trust us &lt;please&gt;"), "answers are escaped, never raw HTML");
        assert!(page.contains("(skipped)"));
        assert!(!page.contains("this is skipped"));
    }

    async fn back_returns_to_the_previous_question_with_its_answer_kept(app: TestApp) {
        let mut browser = FormBrowser::join(&app).await;
        browser.press("start", &[]).await;
        browser.press("next", &[("key_stage", "KS3")]).await;
        browser.back().await;
        assert_eq!(browser.h1(), "Which key stage are you in?");
        let ks3 = html::attribute_of(&browser.html, "input", "answer-3", "value");
        assert_eq!(ks3.as_deref(), Some("KS3"));
        assert!(browser.html.contains("value=\"KS3\" checked"), "KS3 is still chosen:\n{}", browser.html);
    }

    async fn sending_the_same_form_again_stores_nothing_twice(app: TestApp) {
        let mut browser = answer_up_to_ready(&app).await;
        let ready_page = browser.html.clone();
        browser.press("send", &[]).await;
        assert_eq!(browser.h1(), "Thank you");
        // A refresh or a double tap sends the Ready page's form again.
        browser.html = ready_page;
        browser.press("send", &[]).await;
        assert_eq!(browser.h1(), "Thank you");
        assert_eq!(app.stored_responses().await, 1);
    }

    async fn thank_you_offers_a_receipt_code_that_leads_an_admin_to_that_response(app: TestApp) {
        let mut browser = answer_up_to_ready(&app).await;
        let client_id = browser.hidden("client_id").expect("the form carries its client id");
        browser.press("send", &[]).await;
        assert_eq!(browser.h1(), "Thank you");
        let at = browser.html.find("data-receipt=\"").expect("a receipt code on the thank-you page") + "data-receipt=\"".len();
        let receipt = browser.html[at..at + 11].to_owned();
        assert!(browser.html.contains("<details class=\"receipt\">"), "folded away until asked for");
        // Ten Crockford base-32 characters read off the start of the id.
        assert_eq!(receipt.len(), 11, "{receipt}");
        assert_eq!(receipt.as_bytes()[5], b'-', "{receipt}");
        assert!(receipt.chars().all(|c| c == '-' || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)), "{receipt}");
        let bits = u64::from_str_radix(&client_id.replace('-', "")[..12], 16).unwrap();
        let decoded = receipt.chars().filter(|c| *c != '-').fold(0u64, |n, c| {
            n * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".find(c).unwrap() as u64
        });
        assert_eq!(decoded, bits, "the code is the first 48 bits of {client_id}");

        app.add_user("admin", "admin@example.org", PASSWORD);
        let admin = app.log_in("admin@example.org", PASSWORD).await.unwrap();
        let found: serde_json::Value = app
            .client()
            .post(app.url("/api/find_receipt"))
            .header("cookie", &admin)
            .form(&[("code", receipt.as_str())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(found[1]["Found"]["answers"], 3, "key stage, help before and change: {found}");
        // "Finish" leads the next young person to a start without the code.
        let next = app.client().get(app.url(&format!("/survey/{}", app.join_code))).send().await.unwrap().text().await.unwrap();
        assert!(!next.contains(&receipt), "{next}");
    }

    async fn concurrent_identical_sends_store_exactly_one_response(app: TestApp) {
        let mut browser = FormBrowser::join(&app).await;
        browser.press("start", &[]).await;
        browser.press("next", &[("key_stage", "KS5")]).await;
        browser.press("next", &[]).await;
        browser.press("next", &[]).await;
        browser.press("next", &[("change", "More options")]).await;
        assert_eq!(browser.h1(), "Ready to send?");
        let form = html::form(&browser.html, "survey-form").unwrap();
        let mut fields = html::hidden_fields(form);
        fields.push(("nav".into(), "send".into()));
        let url = app.url(&format!("/survey/{}", app.join_code));
        let sends = (0..10).map(|_| {
            let (client, url, fields) = (app.client(), url.clone(), fields.clone());
            tokio::spawn(async move { client.post(url).form(&fields).send().await.unwrap().text().await.unwrap() })
        });
        for page in futures_join(sends).await {
            assert_eq!(html::h1(&page).as_deref(), Some("Thank you"), "every repeat is told it was sent");
        }
        assert_eq!(app.stored_responses().await, 1);
    }

    async fn a_reused_client_id_with_different_answers_is_refused(app: TestApp) {
        answer_demo_survey(&app).await;
        let used_id: String = {
            use sqlx::Row;
            let db = app.database().await;
            sqlx::query("SELECT client_id FROM responses").fetch_one(&db).await.unwrap().get("client_id")
        };
        let mut browser = FormBrowser::join(&app).await;
        browser.press("start", &[]).await;
        browser.press("next", &[("key_stage", "KS3")]).await;
        browser.press("next", &[]).await;
        browser.press("next", &[]).await;
        browser.press("next", &[]).await;
        let form = html::form(&browser.html, "survey-form").unwrap();
        let fields: Vec<_> = html::hidden_fields(form)
            .into_iter()
            .map(|(n, v)| if n == "client_id" { (n, used_id.clone()) } else { (n, v) })
            .collect();
        browser.post(fields, "send", &[]).await;
        assert_eq!(browser.h1(), "Ready to send?");
        assert!(browser.html.contains("There is a problem"));
        assert_eq!(app.stored_responses().await, 1);
    }

    async fn an_answer_to_an_option_that_does_not_exist_is_not_stored(app: TestApp) {
        let mut browser = FormBrowser::join(&app).await;
        browser.press("start", &[]).await;
        browser.press("next", &[("key_stage", "Year 9")]).await;
        browser.press("next", &[]).await;
        browser.press("next", &[]).await;
        browser.press("next", &[]).await;
        browser.press("send", &[]).await;
        assert!(browser.html.contains("There is a problem"), "{}", browser.html);
        assert_eq!(app.stored_responses().await, 0);
        assert!(browser.hidden("client_id").is_some(), "the answers are kept to go back and fix");
    }

    async fn a_tampered_form_starts_again_instead_of_failing(app: TestApp) {
        let response = app
            .client()
            .post(app.url(&format!("/survey/{}", app.join_code)))
            .form(&[("client_id", "not-a-uuid"), ("step", "2"), ("nav", "next")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.unwrap();
        assert_eq!(html::h1(&page).as_deref(), Some("Your voice"));
        assert!(page.contains("Please start again"));
    }

    async fn an_unknown_or_malformed_code_leads_back_to_the_start_page_with_the_reason(app: TestApp) {
        let unused = if app.join_code == "ACE347" { "ACE346" } else { "ACE347" };
        let response = app.client().post(app.url("/join")).form(&[("code", unused)]).send().await.unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(location, format!("/?error=unknown&code={unused}"));
        let page = app.client().get(app.url(&location)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("We could not find a survey with that code"));
        assert!(page.contains(&format!("value=\"{unused}\"")), "the typed code is kept to correct");

        let response = app.client().post(app.url("/join")).form(&[("code", "AC3")]).send().await.unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let page = app.client().get(app.url(&location)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("The code should have 6 letters and numbers"), "{page}");

        let page = app.client().get(app.url(&format!("/survey/{unused}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("We could not find that survey"));
    }

    async fn the_start_page_speaks_the_young_persons_language_and_the_choice_goes_on_with_the_code(app: TestApp) {
        let get = |path: String, accept: &'static str| {
            let request = app.client().get(app.url(&path)).header("accept-language", accept);
            async move { html::without_templates(&request.send().await.unwrap().text().await.unwrap()) }
        };
        // A Welsh browser reads the start page in Welsh, marked as Welsh,
        // with every language Heard's words ship in named in itself.
        let welsh = get("/".to_owned(), "cy-GB,cy;q=0.9,en;q=0.5").await;
        assert_eq!(html::h1(&welsh).as_deref(), Some("Dweud dy ddweud"), "{welsh}");
        assert!(welsh.contains("lang=\"cy\" dir=\"ltr\" class=\"survey-language\""), "{welsh}");
        assert!(welsh.contains(">Dy god</label>") && welsh.contains(">Dechrau</button>"), "{welsh}");
        for (tag, name) in [("en", "English"), ("cy", "Cymraeg"), ("pl", "Polski"), ("ro", "Română"), ("ur", "اردو"), ("ar", "العربية"), ("uk", "Українська")] {
            assert!(welsh.contains(&format!("href=\"/?lang={tag}\"")) && welsh.contains(name), "{tag}: {welsh}");
        }
        assert!(!welsh.contains("name=\"lang\""), "the browser's language is read again by the survey, not carried");
        // Chosen by the young person, Urdu wins over the browser's Welsh,
        // reads right to left, and goes on with the code.
        let urdu = get("/?lang=ur".to_owned(), "cy").await;
        assert_eq!(html::h1(&urdu).as_deref(), Some("اپنی رائے دیں"), "{urdu}");
        assert!(urdu.contains("lang=\"ur\" dir=\"rtl\" class=\"survey-language\""), "{urdu}");
        assert!(urdu.contains("<input type=\"hidden\" name=\"lang\" value=\"ur\""), "{urdu}");
        let join = |code: String, lang: &'static str| {
            let request = app.client().post(app.url("/join")).form(&[("code", code), ("lang", lang.to_owned())]);
            async move { request.send().await.unwrap().headers()["location"].to_str().unwrap().to_owned() }
        };
        assert_eq!(join(app.join_code.clone(), "ur").await, format!("/survey/{}?lang=ur", app.join_code));
        let unused = if app.join_code == "ACE347" { "ACE346" } else { "ACE347" };
        let back = join(unused.to_owned(), "pl").await;
        assert_eq!(back, format!("/?error=unknown&code={unused}&lang=pl"));
        let refused = get(back, "en").await;
        assert!(refused.contains("Nie znaleźliśmy ankiety z tym kodem.") && refused.contains(">Jest problem</h2>"), "{refused}");
        // Something that is no language is dropped, not put in the address.
        assert_eq!(join(app.join_code.clone(), "x\"><script>").await, format!("/survey/{}", app.join_code));
        // A wrong code's page, in the language asked for, and back to the
        // start page in it; in the browser's, back to the start page as is.
        let missing = get(format!("/survey/{unused}?lang=uk"), "en").await;
        assert_eq!(html::h1(&missing).as_deref(), Some("Ми не знайшли це опитування"), "{missing}");
        assert!(missing.contains("href=\"/?lang=uk\""), "{missing}");
        let missing = get(format!("/survey/{unused}"), "uk").await;
        assert_eq!(html::h1(&missing).as_deref(), Some("Ми не знайшли це опитування"), "{missing}");
        assert!(missing.contains("<a href=\"/\" class=\"button\">"), "{missing}");
        // A language Heard has no words for shows the start page in
        // English, and still goes on with the code: the survey may be
        // offered in it.
        let portuguese = get("/?lang=pt-BR".to_owned(), "en").await;
        assert_eq!(html::h1(&portuguese).as_deref(), Some("Have your say"));
        assert!(portuguese.contains("<input type=\"hidden\" name=\"lang\" value=\"pt-BR\""), "{portuguese}");
    }

    async fn a_response_keeps_no_time_finer_than_the_day_and_nothing_about_the_device(app: TestApp) {
        use sqlx::{Column, Row};
        answer_demo_survey(&app).await;
        let db = app.database().await;
        let row = sqlx::query("SELECT * FROM responses").fetch_one(&db).await.unwrap();
        let columns: Vec<_> = row.columns().iter().map(|c| c.name().to_owned()).collect();
        // `respondent` is an id an importer brings from its own spreadsheet;
        // a tablet's response has none. `language` is the survey's language
        // the young person chose to answer in, nothing about the device.
        assert_eq!(columns, ["id", "round_id", "client_id", "fingerprint", "submitted_on", "respondent", "language"]);
        let respondent: Option<String> = row.get("respondent");
        assert_eq!(respondent, None);
        let language: Option<String> = row.get("language");
        assert_eq!(language.as_deref(), Some("en"));
        let day: i64 = row.get("submitted_on");
        assert_eq!(day % 86_400, 0, "submitted_on is rounded to the day");
        assert!(!app.log().contains("Nothing. They hated me."), "answer text must not reach the log");
    }

    async fn an_unknown_address_is_a_404_page(app: TestApp) {
        let response = app.client().get(app.url("/no/such/page")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(response.text().await.unwrap().contains("Page not found"));
    }
}

async fn futures_join<T: Send + 'static>(
    tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut results = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        results.push(task.await.unwrap());
    }
    results
}
