use super::*;
use reqwest::StatusCode;

const FEELINGS: &str = r#"slug = "feelings"
title = "How are things?"

[[questions]]
key = "year"
kind = "multi"
text = "Which groups are you in?"
options = ["Year 10", "Year 11", "College"]
about_you = true

[[questions]]
key = "mood"
kind = "scale"
text = "How do you feel about school?"
options = ["Very unhappy", "Unhappy", "OK", "Happy", "Very happy"]
emoji = ["😞", "🙁", "😐", "🙂", "😄"]

[[questions]]
key = "change"
kind = "text"
text = "What needs to change?"
coding = "multi"

[[questions.themes]]
name = "Connect and belong"
description = "Being listened to, trust, relationships with staff"
keywords = ["listen", "trust", "listen to me"]

[[questions.themes]]
name = "Help and support"
keywords = ["help", "support", "one to one"]
"#;

/// Presses a button of a survey screen's form as a browser would: posted
/// to the form's own address (which keeps the screen's language).
async fn press(app: &TestApp, page: &str, answers: &[(&str, &str)], nav: &str) -> String {
    let form =
        heard_tests::html::form(page, "survey-form").unwrap_or_else(|| panic!("no form in {page}"));
    let action = form
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form's action");
    let mut fields = heard_tests::html::hidden_fields(form);
    fields.extend(
        answers
            .iter()
            .map(|(k, v)| (format!("a:{k}"), v.to_string())),
    );
    fields.push(("nav".into(), nav.into()));
    let response = app
        .client()
        .post(app.url(action))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    heard_tests::html::without_templates(&response.text().await.unwrap())
}

/// A survey in English, Welsh and Urdu.
fn in_three_languages() -> String {
    heard_tests::workspace_root()
        .join("tests/fixtures/voices-in-three-languages.toml")
        .display()
        .to_string()
}

fn write_file(app: &TestApp, name: &str, text: &str) -> String {
    let path = app.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "heard failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &std::process::Output) -> String {
    assert!(
        !output.status.success(),
        "heard should have failed: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stderr.clone()).unwrap()
}

on_both_databases! {
    async fn an_imported_survey_exports_to_a_file_that_imports_back_unchanged(app: TestApp) {
        let file = write_file(&app, "feelings.toml", FEELINGS);
        assert!(stdout(&app.heard(&["survey", "import", &file], "")).contains("Created survey feelings (3 questions)"));
        let exported = stdout(&app.heard(&["survey", "export", "feelings"], ""));
        for expected in ["kind = \"scale\"", "😄", "coding = \"multi\"", "listen to me", "about_you = true"] {
            assert!(exported.contains(expected), "export lacks {expected}:\n{exported}");
        }
        let again = write_file(&app, "again.toml", &exported);
        assert!(stdout(&app.heard(&["survey", "import", &again], "")).contains("Updated survey feelings"));
        assert_eq!(stdout(&app.heard(&["survey", "export", "feelings"], "")), exported);
    }

    async fn a_translators_sheet_goes_out_comes_back_filled_in_and_the_survey_keeps_it(app: TestApp) {
        let file = write_file(&app, "feelings.toml", FEELINGS);
        stdout(&app.heard(&["survey", "import", &file], ""));
        let out = app.heard(&["survey", "translations", "feelings", "--add", "cy", "--add", "ur"], "");
        let sheet = stdout(&out);
        let mut lines = sheet.lines();
        assert_eq!(lines.next(), Some("id,en,cy,ur"));
        assert_eq!(lines.next(), Some("title,How are things?,,"));
        assert_eq!(lines.next(), Some("year.text,Which groups are you in?,,"));
        assert!(sheet.contains("\nmood.option.5,Very happy,,\n"), "{sheet}");
        assert!(sheet.ends_with("change.text,What needs to change?,,\n"), "{sheet}");

        // The translator fills in the Welsh of the first question and the
        // Urdu title; the sheet goes back in.
        let filled = sheet
            .replace("title,How are things?,,", "title,How are things?,Sut mae pethau?,حالات کیسے ہیں؟")
            .replace("year.text,Which groups are you in?,,", "year.text,Which groups are you in?,Ym mha grwpiau wyt ti?,")
            .replace("year.option.1,Year 10,,", "year.option.1,Year 10,Blwyddyn 10,")
            .replace("year.option.2,Year 11,,", "year.option.2,Year 11,Blwyddyn 11,")
            .replace("year.option.3,College,,", "year.option.3,College,Coleg,");
        let taken = app.heard(&["survey", "translations", "feelings", "--import", &write_file(&app, "filled.csv", &filled)], "");
        let missing = String::from_utf8_lossy(&taken.stderr).into_owned();
        assert_eq!(stdout(&taken), "Survey feelings is offered in en, cy, ur.\n");
        assert!(missing.contains("Cymraeg (cy): 7 texts shown in the survey's own language until translated: mood.text, mood.option.1"), "{missing}");
        assert!(missing.contains("اردو (ur): 11 texts"), "{missing}");

        // Kept: the survey file carries it and the sheet comes out as it
        // went in.
        let exported = stdout(&app.heard(&["survey", "export", "feelings"], ""));
        assert!(exported.contains("[translations.cy]\ntitle = \"Sut mae pethau?\""), "{exported}");
        assert!(exported.contains("options = [\n    \"Blwyddyn 10\",\n    \"Blwyddyn 11\",\n    \"Coleg\",\n]"), "{exported}");
        assert_eq!(stdout(&app.heard(&["survey", "translations", "feelings"], "")), filled);

        // A sheet with a problem changes nothing and names the line.
        let wrong = filled.replace("year.option.3,", "year.option.4,");
        let refused = app.heard(&["survey", "translations", "feelings", "--import", &write_file(&app, "wrong.csv", &wrong)], "");
        assert!(!refused.status.success());
        assert!(stderr(&refused).contains("line 6: \"year.option.4\" is not a text of this survey"), "{}", stderr(&refused));
        assert_eq!(stdout(&app.heard(&["survey", "export", "feelings"], "")), exported);
    }

    async fn a_survey_is_answered_in_the_language_chosen_and_every_language_is_counted_as_one(app: TestApp) {
        stdout(&app.heard(&["survey", "import", &in_three_languages()], ""));
        let opened = stdout(&app.heard(&["round", "open", "--survey", "voices", "--round", "R"], ""));
        let code = opened.lines().last().unwrap().to_owned();
        let get = |path: String, accept: &'static str| {
            let request = app.client().get(app.url(&path)).header("accept-language", accept);
            async move { heard_tests::html::without_templates(&request.send().await.unwrap().text().await.unwrap()) }
        };

        // A Welsh browser is shown Welsh, marked as Welsh, with every
        // language offered by its own name.
        let welcome = get(format!("/survey/{code}"), "cy-GB,cy;q=0.9,en;q=0.5").await;
        assert!(welcome.contains("lang=\"cy\" dir=\"ltr\" class=\"survey-language\""), "{welcome}");
        assert_eq!(heard_tests::html::h1(&welcome).as_deref(), Some("Dy lais"));
        for (tag, name) in [("en", "English"), ("cy", "Cymraeg"), ("ur", "اردو")] {
            assert!(welcome.contains(&format!("href=\"/survey/{code}?lang={tag}\"")), "{tag}: {welcome}");
            assert!(welcome.contains(&format!("hreflang=\"{tag}\"")) && welcome.contains(name), "{tag}: {welcome}");
        }
        assert!(welcome.contains("hreflang=\"cy\" aria-current=\"true\" class=\"language-link\">Cymraeg</a>"), "{welcome}");
        // Heard's own words in Welsh too, and the list of languages is
        // labelled in Welsh.
        for words in ["Fyddwn ni ddim yn gofyn dy enw.", ">Dechrau</button>", "aria-label=\"Iaith\"", ">Darllen yn uchel</button>"] {
            assert!(welcome.contains(words), "{words}: {welcome}");
        }

        // Answered in Welsh without JavaScript: every step stays Welsh.
        let question = press(&app, &welcome, &[], "start").await;
        assert_eq!(heard_tests::html::h1(&question).as_deref(), Some("Ym mha gyfnod allweddol wyt ti?"));
        assert!(question.contains("value=\"CA4\""), "{question}");
        let change = press(&app, &question, &[("key_stage", "CA4")], "next").await;
        assert!(change.contains("Beth sydd angen newid?"), "{change}");
        assert!(change.contains("Cwestiwn 2 o 2") && change.contains(">Hepgor y cwestiwn hwn</button>"), "{change}");
        let ready = press(&app, &change, &[("change", "Mwy o help")], "next").await;
        assert!(ready.contains("Rwyt ti wedi ateb 2 o 2 cwestiwn."), "{ready}");
        let sent = press(&app, &ready, &[], "send").await;
        assert!(sent.contains("data-stage=\"sent\"") && sent.contains("Mae dy atebion wedi cael eu hanfon."), "{sent}");

        // The young person's choice of language wins over the browser's;
        // Urdu reads right to left.
        let urdu = get(format!("/survey/{code}?lang=ur"), "cy").await;
        assert!(urdu.contains("lang=\"ur\" dir=\"rtl\" class=\"survey-language\""), "{urdu}");
        assert_eq!(heard_tests::html::h1(&urdu).as_deref(), Some("آپ کی آواز"));
        assert!(urdu.contains(">شروع کریں</button>"), "{urdu}");

        // The same choice sent in English and in Urdu by tablets; a Welsh
        // option sent as English is not an option.
        let send = |client_id: &'static str, language: &'static str, stage: &'static str| {
            let body = serde_json::json!({
                "join_code": code, "client_id": client_id, "language": language,
                "answers": { "key_stage": stage },
            });
            let request = app.client().post(app.url("/api/v1/responses")).json(&body);
            async move { request.send().await.unwrap().status() }
        };
        assert_eq!(send("5c0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e01", "en", "KS4").await, StatusCode::CREATED);
        assert_eq!(send("5c0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e02", "ur", "کے ایس 3").await, StatusCode::CREATED);
        assert_eq!(send("5c0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e03", "en", "CA4").await, StatusCode::UNPROCESSABLE_ENTITY);

        // Counted as one: KS4 from Welsh and English, KS3 from Urdu.
        let report = stdout(&app.heard(&["report", "--survey", "voices", "--round", "R", "--question", "key_stage"], ""));
        assert!(report.contains("key_stage,KS4,2,66.7,3"), "{report}");
        assert!(report.contains("key_stage,KS3,1,33.3,3"), "{report}");
        assert!(!report.contains("CA4") && !report.contains("کے ایس"), "{report}");
        // Each response keeps the language it was given in.
        let languages: Vec<(String, i64)> =
            sqlx::query_as("SELECT language, COUNT(*) FROM responses GROUP BY language ORDER BY language")
                .fetch_all(&app.database().await)
                .await
                .unwrap();
        assert_eq!(languages, [("cy".to_owned(), 1), ("en".to_owned(), 1), ("ur".to_owned(), 1)]);
    }

    async fn each_response_keeps_its_language_through_export_and_import(app: TestApp) {
        stdout(&app.heard(&["survey", "import", &in_three_languages()], ""));
        let opened = stdout(&app.heard(&["round", "open", "--survey", "voices", "--round", "R"], ""));
        let code = opened.lines().last().unwrap().to_owned();
        for (client_id, language, stage) in [
            ("7c0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e01", "cy", "CA4"),
            ("7c0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e02", "ur", "کے ایس 3"),
            ("7c0e3c1e-8d0a-4b7a-9f55-0a1b2c3d4e03", "en", "KS4"),
        ] {
            let body = serde_json::json!({
                "join_code": code, "client_id": client_id, "language": language,
                "answers": { "key_stage": stage, "change": "mwy o help" },
            });
            let sent = app.client().post(app.url("/api/v1/responses")).json(&body).send().await.unwrap();
            assert_eq!(sent.status(), StatusCode::CREATED);
        }
        // The export has a language column; choices are the survey's own.
        let exported = stdout(&app.heard(&["export", "responses", "--survey", "voices", "--round", "R"], ""));
        assert!(exported.starts_with("respondent,language,key_stage,change,"), "{exported}");
        let mut rows: Vec<&str> = exported.lines().skip(1).collect();
        rows.sort();
        assert_eq!(rows.iter().map(|r| &r[..8]).collect::<Vec<_>>(), [",cy,KS4,", ",en,KS4,", ",ur,KS3,"], "{exported}");

        // Read back into another round, each keeps its language, and the
        // round exports the same rows.
        std::fs::write(app.dir.path().join("export.csv"), &exported).unwrap();
        stdout(&app.heard(&["import", "responses", "--survey", "voices", "--round", "Again", "export.csv"], ""));
        let again = stdout(&app.heard(&["export", "responses", "--survey", "voices", "--round", "Again"], ""));
        let mut again_rows: Vec<&str> = again.lines().skip(1).collect();
        again_rows.sort();
        assert_eq!(again_rows, rows);

        // A file from elsewhere: a choice written in the row's language is
        // the survey's own option; a bad tag is named by line and column
        // and nothing is stored.
        std::fs::write(
            app.dir.path().join("paper.csv"),
            "respondent,Language,key_stage,change\np1,cy,CA3,Mwy o gefnogaeth\np2,,KS4,more help\n",
        )
        .unwrap();
        stdout(&app.heard(&["import", "responses", "--survey", "voices", "--round", "Paper", "paper.csv"], ""));
        let paper = stdout(&app.heard(&["export", "responses", "--survey", "voices", "--round", "Paper"], ""));
        assert!(paper.contains("\np1,cy,KS3,Mwy o gefnogaeth,"), "{paper}");
        assert!(paper.contains("\np2,,KS4,more help,"), "{paper}");
        std::fs::write(
            app.dir.path().join("bad.csv"),
            "respondent,language,key_stage,change\nb1,cy,KS3,x\nb2,Welsh!,KS3,y\n",
        )
        .unwrap();
        let refused = app.heard(&["import", "responses", "--survey", "voices", "--round", "Bad", "bad.csv"], "");
        assert!(!refused.status.success());
        let error = stderr(&refused);
        assert!(
            error.contains("line 3, column \"language\": \"Welsh!\" is not a language tag such as cy, pl, ur or pt-BR"),
            "{error}"
        );
        let bad = app.heard(&["export", "responses", "--survey", "voices", "--round", "Bad"], "");
        assert!(!bad.status.success(), "a refused import makes no round");

        // The REFI-QDA project keeps each case's language.
        let project = app.dir.path().join("project.qdpx");
        stdout(&app.heard(&["export", "project", "--survey", "voices", "--round", "R", project.to_str().unwrap()], ""));
        let package = std::fs::read(&project).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package)).expect("a .qdpx is a zip");
        let mut qde = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("project.qde").unwrap(), &mut qde).unwrap();
        for language in ["cy", "ur", "en"] {
            assert!(qde.contains(&format!("<TextValue>{language}</TextValue>")), "{language}: {qde}");
        }
        let file = app.dir.path().join("project.qde");
        std::fs::write(&file, &qde).unwrap();
        let schema = heard_tests::workspace_root().join("tests/fixtures/refi-qda/Project.xsd");
        let xmllint = std::process::Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(schema)
            .arg(&file)
            .output()
            .expect("xmllint runs (Debian's libxml2-utils; scripts/test installs it)");
        assert!(xmllint.status.success(), "{}", String::from_utf8_lossy(&xmllint.stderr));
    }

    async fn reports_break_down_by_the_language_answered_in_with_small_groups_hidden(app: TestApp) {
        stdout(&app.heard(&["survey", "import", &in_three_languages()], ""));
        // Twelve in English (one imported without a language, so in the
        // survey's own), twelve in Welsh, two in Urdu; five in English and
        // five in Welsh say they need to be listened to, the rest more help.
        let mut responses = String::from("respondent,language,key_stage,change\n");
        let mut codes = String::from("respondent,question,theme\n");
        for i in 0..26 {
            let (language, stage, text) = match i {
                0..6 => ("en", "KS4", "more help"),
                6..11 => ("en", "KS3", "listen to us"),
                11 => ("", "KS4", "more help"),
                12..19 => ("cy", "CA4", "mwy o help"),
                19..24 => ("cy", "CA3", "listen to us"),
                _ => ("ur", "کے ایس 3", "مزید مدد"),
            };
            responses += &format!("r{i},{language},{stage},{text}\n");
            let theme = if text == "listen to us" { "Connect and belong" } else { "Help and support" };
            codes += &format!("r{i},change,{theme}\n");
        }
        std::fs::write(app.dir.path().join("responses.csv"), responses).unwrap();
        std::fs::write(app.dir.path().join("codes.csv"), codes).unwrap();
        stdout(&app.heard(&["import", "responses", "--survey", "voices", "--round", "R", "responses.csv"], ""));
        stdout(&app.heard(&["import", "codes", "--survey", "voices", "--round", "R", "codes.csv"], ""));

        let report = |args: &[&str]| {
            let mut all = vec!["report", "--survey", "voices", "--round", "R"];
            all.extend_from_slice(args);
            stdout(&app.heard(&all, ""))
        };
        let worker = report(&["--question", "key_stage", "--by", "language"]);
        for line in [
            "key_stage,English,KS4,7,58.3,12,32.0,80.7",
            "key_stage,English,KS3,5,41.7,12,19.3,68.0",
            "key_stage,Welsh (Cymraeg),KS4,7,58.3,12,32.0,80.7",
            "key_stage,Urdu (اردو),KS3,2,100.0,2,34.2,100.0",
        ] {
            assert!(worker.lines().any(|l| l == line), "{line}:\n{worker}");
        }
        // Viewers: the language is an about-you answer like any other, so
        // it is never crossed with another; a group of two shows no figure,
        // nor one that the total less the groups shown would give away.
        let crossed = report(&["--question", "key_stage", "--by", "language", "--audience", "viewer"]);
        assert_eq!(crossed, "question,attribute,category,count,percent,n,ci_low,ci_high\n");
        let viewer = report(&["--question", "change", "--by", "language", "--audience", "viewer"]);
        let shown = ["English", "Welsh (Cymraeg)"].iter().filter(|group| {
            viewer.lines().any(|l| l == format!("change,{group},Help and support,7,58.3,12,32.0,80.7"))
                && viewer.lines().any(|l| l == format!("change,{group},Connect and belong,5,41.7,12,19.3,68.0"))
        });
        assert_eq!(shown.count(), 1, "one language group shown, the other hidden with Urdu's:\n{viewer}");
        for line in viewer.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            assert!(cells[3] == "c" || cells[3].parse::<i64>().unwrap() >= 5, "{line}");
            assert!(!line.starts_with("change,Urdu") || cells[3] == "c", "{line}");
        }
        assert!(worker.contains("Urdu") && report(&["--question", "change", "--by", "language"]).contains("change,Urdu (اردو),Help and support,2,100.0,2"));
        // Counted together, every language is one round.
        let overall = report(&["--question", "key_stage"]);
        assert!(overall.contains("key_stage,KS4,14,53.8,26"), "{overall}");

        // The summary page offers the breakdown and shows it.
        app.add_user("worker", "worker@example.org", "correct horse battery staple");
        let cookie = app.log_in("worker@example.org", "correct horse battery staple").await.unwrap();
        let (round,): (String,) = sqlx::query_as("SELECT r.id FROM rounds r JOIN surveys s ON s.id = r.survey_id WHERE s.slug = 'voices'")
            .fetch_one(&app.database().await)
            .await
            .unwrap();
        let page = app.client().get(app.url(&format!("/rounds/{round}/summary?by=language"))).header("cookie", cookie).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let page = heard_tests::html::without_templates(&page.text().await.unwrap());
        assert!(page.contains("value=\"language\"") && page.contains("Language answered in"), "{page}");
        assert!(page.contains("Welsh (Cymraeg)"), "{page}");
        // A survey in one language has no such breakdown.
        let fixture = heard_tests::workspace_root().join("tests/fixtures/voice-of-the-child-2024/survey.toml");
        stdout(&app.heard(&["survey", "import", fixture.to_str().unwrap()], ""));
        stdout(&app.heard(&["import", "responses", "--survey", "voice-2024", "--round", "R", &heard_tests::workspace_root().join("tests/fixtures/voice-of-the-child-2024/responses.csv").display().to_string()], ""));
        let refused = app.heard(&["report", "--survey", "voice-2024", "--round", "R", "--by", "language"], "");
        assert!(!refused.status.success());
        assert!(stderr(&refused).contains("no question \"language\""), "{}", stderr(&refused));
    }

    async fn a_worker_sends_the_sheet_to_translators_and_takes_it_back_in_the_browser(app: TestApp) {
        stdout(&app.heard(&["survey", "import", &in_three_languages()], ""));
        app.add_user("worker", "worker@example.org", "correct horse battery staple");
        let cookie = app.log_in("worker@example.org", "correct horse battery staple").await.unwrap();
        let get = |path: &str| {
            let request = app.client().get(app.url(path)).header("cookie", cookie.clone());
            async move {
                let response = request.send().await.unwrap();
                (response.status(), response.text().await.unwrap())
            }
        };
        // What each language lacks, said on the page.
        let (status, page) = get("/surveys/voices/translations").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Young people can answer in English, Welsh (Cymraeg), Urdu (اردو)."), "{page}");
        assert!(page.contains("Welsh (Cymraeg): every text is translated."), "{page}");
        assert!(page.contains("Urdu (اردو): 1 text is shown in the survey") && page.contains("own language until translated: change.text."), "{page}");

        // The sheet goes out with a column added for Polish.
        let (status, sheet) = get("/surveys/voices/translations.csv?add=pl").await;
        assert_eq!(status, StatusCode::OK, "{sheet}");
        assert!(sheet.starts_with("id,en,cy,ur,pl\ntitle,Your voice,Dy lais,آپ کی آواز,\n"), "{sheet}");
        let (status, refused) = get("/surveys/voices/translations.csv?add=Polish!").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(refused.contains("is not a language tag"), "{refused}");

        // It comes back filled in: Urdu complete, Polish begun.
        let filled = sheet
            .replace("title,Your voice,Dy lais,آپ کی آواز,", "title,Your voice,Dy lais,آپ کی آواز,Twój głos")
            .replace("change.text,What needs to change?,Beth sydd angen newid?,,", "change.text,What needs to change?,Beth sydd angen newid?,کیا بدلنا چاہیے؟,Co trzeba zmienić?");
        assert_ne!(filled, sheet);
        let (status, body) = app.call("import_translations_sheet", &[("slug", "voices"), ("sheet", &filled)], &cookie).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let taken: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            taken["missing"],
            serde_json::json!([
                ["Welsh (Cymraeg)", []],
                ["Polish (Polski)", ["key_stage.text", "key_stage.option.1", "key_stage.option.2"]],
                ["Urdu (اردو)", []],
            ]),
            "{taken}"
        );
        let young = app.client().get(app.url(&format!("/survey/{}?lang=pl", opened_code(&app)))).send().await.unwrap().text().await.unwrap();
        assert_eq!(heard_tests::html::h1(&young).as_deref(), Some("Twój głos"));

        let (_, kept) = get("/surveys/voices/translations.csv").await;
        assert!(kept.starts_with("id,en,cy,pl,ur\ntitle,Your voice,Dy lais,Twój głos,آپ کی آواز\n"), "{kept}");

        // A sheet with a problem changes nothing and says where.
        let wrong = filled.replace("change.text,", "change.txt,");
        let (status, body) = app.call("import_translations_sheet", &[("slug", "voices"), ("sheet", &wrong)], &cookie).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("\\\"change.txt\\\" is not a text of this survey"), "{body}");
        let (_, again) = get("/surveys/voices/translations.csv").await;
        assert_eq!(again, kept, "nothing of the refused sheet");
    }

    async fn round_open_prints_the_join_code_alone_on_the_last_line_and_close_stops_it(app: TestApp) {
        let file = write_file(&app, "feelings.toml", FEELINGS);
        stdout(&app.heard(&["survey", "import", &file], ""));
        let opened = stdout(&app.heard(&["round", "open", "--survey", "feelings", "--round", "Summer 2025"], ""));
        let code = opened.lines().last().unwrap().to_owned();
        assert_eq!(code.len(), 6, "{opened}");
        assert_eq!(code, code.trim());

        let again = stdout(&app.heard(&["round", "open", "--survey", "feelings", "--round", "Summer 2025"], ""));
        assert_eq!(again.lines().last(), Some(code.as_str()), "opening an open round keeps its code");

        let page = app.client().get(app.url(&format!("/survey/{code}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("How are things?"), "{page}");

        stdout(&app.heard(&["round", "close", "--survey", "feelings", "--round", "Summer 2025"], ""));
        let response = app.client().post(app.url("/join")).form(&[("code", &code)]).send().await.unwrap();
        assert_eq!(response.headers()["location"].to_str().unwrap(), format!("/?error=closed&code={code}"));

        let reopened = stdout(&app.heard(&["round", "open", "--survey", "feelings", "--round", "Summer 2025"], ""));
        assert_eq!(reopened.lines().last(), Some(code.as_str()));

        let missing = stderr(&app.heard(&["round", "close", "--survey", "feelings", "--round", "Winter"], ""));
        assert!(missing.contains("survey feelings has no round \"Winter\""), "{missing}");
        let no_survey = stderr(&app.heard(&["round", "open", "--survey", "nope", "--round", "x"], ""));
        assert!(no_survey.contains("there is no survey nope"), "{no_survey}");
    }

    async fn a_bad_survey_file_is_refused_naming_the_line_and_the_problem(app: TestApp) {
        let file = write_file(&app, "bad.toml", &FEELINGS.replace("kind = \"scale\"", "kind = \"stars\""));
        let error = stderr(&app.heard(&["survey", "import", &file], ""));
        assert!(error.contains("line 13: kind \"stars\" is not one of single, multi, text, scale"), "{error}");

        let file = write_file(&app, "broken.toml", "slug = \"x\"\ntitle = [\n");
        let error = stderr(&app.heard(&["survey", "import", &file], ""));
        assert!(error.contains("line 2") || error.contains("line 3"), "{error}");
        let exported = app.heard(&["survey", "export", "feelings"], "");
        assert!(!exported.status.success(), "nothing was stored");
    }

    async fn an_import_that_would_orphan_stored_answers_changes_nothing(app: TestApp) {
        let response = app
            .client()
            .post(app.url("/api/v1/responses"))
            .json(&serde_json::json!({
                "join_code": app.join_code,
                "client_id": "0d7e8f4a-3a52-4a0e-9f7b-1f1f2b3c4d5e",
                "answers": { "key_stage": "KS4", "prevent": "Listen to me" }
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let before = stdout(&app.heard(&["survey", "export", "ap-voice"], ""));
        let changed = before.replace("    \"KS4\",\n", "").replace("key = \"prevent\"", "key = \"prevent_2\"");
        assert!(!changed.contains("\"KS4\"") && changed.contains("prevent_2"), "the edit took");
        let file = write_file(&app, "changed.toml", &changed);
        let error = stderr(&app.heard(&["survey", "import", &file], ""));
        assert!(error.contains("option \"KS4\" of question \"key_stage\" has 1 stored answers"), "{error}");
        assert!(error.contains("question \"prevent\" has 1 stored answers and is missing from the file"), "{error}");
        assert_eq!(stdout(&app.heard(&["survey", "export", "ap-voice"], "")), before);

        // Adding an option and rewording a question keep every answer: allowed.
        let fine = before.replace("    \"Post-19\",\n", "    \"Post-19\",\n    \"Other\",\n").replace("What needs to change?", "What should change?");
        let file = write_file(&app, "fine.toml", &fine);
        stdout(&app.heard(&["survey", "import", &file], ""));
        assert!(stdout(&app.heard(&["survey", "export", "ap-voice"], "")).contains("What should change?"));
    }

    async fn a_scale_question_shows_pictures_with_words_and_takes_an_answer(app: TestApp) {
        let file = write_file(&app, "feelings.toml", FEELINGS);
        stdout(&app.heard(&["survey", "import", &file], ""));
        let opened = stdout(&app.heard(&["round", "open", "--survey", "feelings", "--round", "Now"], ""));
        let code = opened.lines().last().unwrap().to_owned();
        let page = app.client().get(app.url(&format!("/survey/{code}"))).send().await.unwrap().text().await.unwrap();
        let page = press(&app, &page, &[], "start").await;
        assert_eq!(heard_tests::html::h1(&page).as_deref(), Some("Which groups are you in?"));
        assert!(page.contains("type=\"checkbox\""));
        let mood_page = press(&app, &page, &[("year", "Year 10"), ("year", "College")], "next").await;
        assert_eq!(heard_tests::html::h1(&mood_page).as_deref(), Some("How do you feel about school?"));
        assert!(mood_page.contains("😞</span>Very unhappy"), "{mood_page}");
        assert!(mood_page.contains("<span aria-hidden=\"true\" class=\"scale-picture\">😞"), "pictures are hidden from screen readers");
        assert!(mood_page.contains("type=\"radio\""));

        let response = app
            .client()
            .post(app.url("/api/v1/responses"))
            .json(&serde_json::json!({
                "join_code": code,
                "client_id": "3b1d7c52-8a1e-4f0e-b6a1-2d4e5f6a7b8c",
                "answers": { "year": ["College", "Year 10"], "mood": "happy" }
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let two_moods = app
            .client()
            .post(app.url("/api/v1/responses"))
            .json(&serde_json::json!({
                "join_code": code,
                "client_id": "3b1d7c52-8a1e-4f0e-b6a1-2d4e5f6a7b8d",
                "answers": { "mood": ["Happy", "OK"] }
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(two_moods.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

on_both_databases! {
    async fn a_workers_round_page_gives_the_tablet_link_and_a_qr_code_while_the_round_is_open(app: TestApp) {
        app.add_user("worker", "worker@example.org", "correct horse battery staple");
        let cookie = app.log_in("worker@example.org", "correct horse battery staple").await.unwrap();
        let rounds = app.client().get(app.url("/rounds")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        let start = rounds.find("href=\"/rounds/").unwrap() + "href=\"".len();
        let link = rounds[start..start + rounds[start..].find('"').unwrap()].to_owned();
        let page = app.client().get(app.url(&link)).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        let kiosk = format!("{}/survey/{}?kiosk", app.base_url, app.join_code);
        assert!(page.contains("On the tablet"), "{page}");
        assert!(page.contains(&format!("href=\"{kiosk}\"")), "{page}");
        assert!(page.contains("<svg"), "a QR code is drawn");
        assert!(page.contains(&format!("aria-label=\"QR code of the kiosk link {kiosk}\"")));

        stdout(&app.heard(&["round", "close", "--survey", "ap-voice", "--round", "Summer 2024"], ""));
        let page = app.client().get(app.url(&link)).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        assert!(!page.contains("On the tablet"), "a closed round offers no tablet link");
    }
}

on_both_databases! {
    async fn survey_files_download_for_workers_only(app: TestApp) {
        let url = app.url("/surveys/ap-voice/survey.toml");
        assert_eq!(app.client().get(&url).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
        app.add_user("viewer", "viewer@example.org", "correct horse battery staple");
        let viewer = app.log_in("viewer@example.org", "correct horse battery staple").await.unwrap();
        assert_eq!(app.client().get(&url).header("cookie", viewer).send().await.unwrap().status(), StatusCode::FORBIDDEN);

        app.add_user("worker", "worker@example.org", "correct horse battery staple");
        let worker = app.log_in("worker@example.org", "correct horse battery staple").await.unwrap();
        let response = app.client().get(&url).header("cookie", &worker).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"ap-voice.toml\"");
        assert_eq!(response.text().await.unwrap(), stdout(&app.heard(&["survey", "export", "ap-voice"], "")));
    }

    async fn a_worker_imports_a_pasted_survey_file_and_a_bad_one_is_refused_with_its_line(app: TestApp) {
        app.add_user("worker", "worker@example.org", "correct horse battery staple");
        let worker = app.log_in("worker@example.org", "correct horse battery staple").await.unwrap();
        let response = app
            .client()
            .post(app.url("/api/import_survey_file"))
            .header("accept", "text/html")
            .header("referer", app.url("/surveys"))
            .header("cookie", &worker)
            .form(&[("text", FEELINGS)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert!(stdout(&app.heard(&["survey", "export", "feelings"], "")).contains("How are things?"));
        let page = app.client().get(app.url("/surveys")).header("cookie", &worker).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("How are things?") && page.contains("/surveys/feelings/survey.toml"), "{page}");

        let bad = FEELINGS.replace("kind = \"scale\"", "kind = \"stars\"").replace("feelings", "feelings-2");
        let response = app
            .client()
            .post(app.url("/api/import_survey_file"))
            .header("cookie", &worker)
            .form(&[("text", bad.as_str())])
            .send()
            .await
            .unwrap();
        assert!(!response.status().is_success());
        assert!(response.text().await.unwrap().contains("line 13: kind \\\"stars\\\""));
    }

    async fn the_editor_saves_through_the_file_rules(app: TestApp) {
        app.add_user("worker", "worker@example.org", "correct horse battery staple");
        let worker = app.log_in("worker@example.org", "correct horse battery staple").await.unwrap();
        let save = |survey: serde_json::Value, is_new: bool| {
            let (client, url, cookie) = (app.client(), app.url("/api/save_survey"), worker.clone());
            async move {
                let response = client
                    .post(url)
                    .header("cookie", cookie)
                    .json(&serde_json::json!({ "survey": survey, "is_new": is_new }))
                    .send()
                    .await
                    .unwrap();
                (response.status(), response.text().await.unwrap())
            }
        };
        let question = |key: &str, kind: &str, options: &[&str]| serde_json::json!({
            "key": key, "kind": kind, "text": "How was today?", "options": options, "emoji": [],
            "about_you": false, "coding": "single", "themes": []
        });
        let (status, body) = save(serde_json::json!({ "slug": "today", "title": "Today", "questions": [question("day", "single", &["Good", "Bad"])] }), true).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(stdout(&app.heard(&["survey", "export", "today"], "")).contains("\"Good\""));

        let (status, body) = save(serde_json::json!({ "slug": "today", "title": "Again", "questions": [] }), true).await;
        assert!(!status.is_success());
        assert!(body.contains("already a survey with the short name"), "{body}");

        let (status, body) = save(serde_json::json!({ "slug": "today", "title": "Today", "questions": [question("day", "single", &[])] }), false).await;
        assert!(!status.is_success());
        assert!(body.contains("question \\\"day\\\" needs options"), "{body}");
    }
}

on_both_databases! {
    async fn suggestions_match_each_language_by_its_own_rules(app: TestApp) {
        stdout(&app.heard(&["survey", "import", &in_three_languages()], ""));
        let suggest = |language: &str, text: &str| {
            stdout(&app.heard(&["suggest", "--survey", "voices", "--question", "change", "--language", language, text], ""))
        };
        // Welsh: "gwrando" found mutated ("i wrando": soft) and
        // "cefnogaeth" aspirated ("ei chefnogaeth").
        assert_eq!(
            suggest("cy", "Dylen nhw wrando arnon ni a rhoi ei chefnogaeth"),
            "text,theme,score,matched\nDylen nhw wrando arnon ni a rhoi ei chefnogaeth,Connect and belong,1,wrando\n\
             Dylen nhw wrando arnon ni a rhoi ei chefnogaeth,Help and support,1,chefnogaeth\n"
        );
        // English rules do not know Welsh mutations.
        assert!(suggest("en", "Dylen nhw wrando arnon ni").ends_with(",,,\n"));
        // Polish: words as written (no stemmer), whatever their case.
        assert_eq!(
            suggest("pl", "Potrzebuję POMOCY i żeby słuchać"),
            "text,theme,score,matched\nPotrzebuję POMOCY i żeby słuchać,Connect and belong,1,słuchać\n\
             Potrzebuję POMOCY i żeby słuchać,Help and support,1,POMOCY\n"
        );
        let refused = app.heard(&["suggest", "--survey", "voices", "--question", "change", "--language", "welsh", "x"], "");
        assert!(String::from_utf8_lossy(&refused.stderr).contains("\"welsh\" is not a language tag"));
    }

    async fn suggest_prints_ranked_themes_with_the_words_that_matched(app: TestApp) {
        let file = write_file(&app, "feelings.toml", FEELINGS);
        stdout(&app.heard(&["survey", "import", &file], ""));
        let one = stdout(&app.heard(&["suggest", "--survey", "feelings", "--question", "change", "They never listened to me"], ""));
        assert_eq!(
            one,
            "text,theme,score,matched\nThey never listened to me,Connect and belong,4,listened; listened to me\n"
        );
        let many = stdout(&app.heard(
            &["suggest", "--survey", "feelings", "--question", "change"],
            "More help and support, one-to-one\nnothing really\n=HYPERLINK(\"x\") help\n",
        ));
        let lines: Vec<&str> = many.lines().collect();
        assert_eq!(lines[1], "\"More help and support, one-to-one\",Help and support,5,help; support; one-to-one");
        assert_eq!(lines[2], "nothing really,,,", "an answer with no suggestion still has its row");
        assert!(lines[3].starts_with("\"'=HYPERLINK"), "formulas are neutralised: {}", lines[3]);

        // Input longer than the blocks the cores share: every answer once,
        // in the order given, whichever core took it.
        let answers: Vec<String> = (0..12_000)
            .map(|n| if n % 3 == 0 { format!("answer {n}: more help please") } else { format!("answer {n}: nothing") })
            .collect();
        let long = stdout(&app.heard(&["suggest", "--survey", "feelings", "--question", "change"], &(answers.join("\n") + "\n")));
        let texts: Vec<&str> = long.lines().skip(1).map(|row| row.split(',').next().unwrap_or_default()).collect();
        assert_eq!(texts.len(), answers.len());
        assert!(texts.iter().zip(&answers).all(|(printed, given)| printed == given), "answers out of order");
        assert_eq!(long.lines().filter(|row| row.contains(",Help and support,")).count(), 4_000);

        let no_keywords = app.heard(&["suggest", "--survey", "feelings", "--question", "mood", "x"], "");
        assert!(String::from_utf8_lossy(&no_keywords.stderr).contains("no themes with keywords"));
        let not_text = app.heard_bytes(&["suggest", "--survey", "feelings", "--question", "change"], b"\xff\xfe\n");
        assert!(String::from_utf8_lossy(&not_text.stderr).contains("standard input is not UTF-8 text"));
    }
}

/// Opens round "R" of survey "voices" (imported) and gives its join code.
fn opened_code(app: &TestApp) -> String {
    let opened = stdout(&app.heard(&["round", "open", "--survey", "voices", "--round", "R"], ""));
    opened.lines().last().unwrap().to_owned()
}
