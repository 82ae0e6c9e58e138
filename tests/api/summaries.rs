use super::reports::load_fixture;
use super::*;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

async fn round_id(app: &TestApp, name: &str) -> String {
    // The demo survey has a "Summer 2024" round too: take the imported one.
    let (id,): (String,) = sqlx::query_as("SELECT r.id FROM rounds r JOIN surveys s ON s.id = r.survey_id WHERE r.name = $1 AND s.slug <> 'ap-voice'")
        .bind(name)
        .fetch_one(&app.database().await)
        .await
        .unwrap();
    id
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut request = app.client().get(app.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

on_both_databases! {
    async fn the_summary_page_shows_the_seed_figures_as_charts_and_tables_without_free_text(app: TestApp) {
        load_fixture(&app);
        app.add_user("viewer", "head@example.org", PASSWORD);
        let cookie = app.log_in("head@example.org", PASSWORD).await.unwrap();
        let id = round_id(&app, "Summer 2024").await;
        let (status, page) = get(&app, &format!("/rounds/{id}/summary"), Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("22 young people took part."), "{page}");
        // Each figure as a table cell of its own, not a substring of
        // something else on the page.
        for figure in ["77.3", "13.6", "9.1", "36.4", "31.8", "22.7", "40.9"] {
            assert!(page.contains(&format!(">{figure}</td>")), "no cell {figure} on the page");
        }
        // Each chart is an image with a title and description, and the same
        // numbers follow as a table.
        assert!(page.contains("role=\"img\""));
        assert!(page.contains("Nothing: 17 (77.3%)"), "the chart's description gives the numbers");
        // How sure each share is, in a column and in one plain sentence.
        assert!(page.contains(">56.6 to 89.9</td>"), "{page}");
        assert!(page.contains("How sure: with 22 answers, 77.3% could well be anywhere from 56.6% to 89.9%."), "{page}");
        assert!(page.matches("<svg").count() >= 3);
        // No young person's words reach a viewer unless approved as a quote.
        for answer in ["They hated me", "Lots of meetings but nothing really", "dyslexia"] {
            assert!(!page.contains(answer), "free text {answer:?} on a viewer's page");
        }
        // Comments (16 answered, none coded) are shown as not yet coded.
        assert!(page.contains("Not yet coded"));
    }

    async fn workers_start_from_heards_sentences_and_viewers_read_what_they_published(app: TestApp) {
        load_fixture(&app);
        app.add_user("worker", "worker@example.org", PASSWORD);
        app.add_user("viewer", "head@example.org", PASSWORD);
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let viewer = app.log_in("head@example.org", PASSWORD).await.unwrap();
        let id = round_id(&app, "Summer 2024").await;
        // The worker's page offers sentences made from the figures.
        let (_, page) = get(&app, &format!("/rounds/{id}/summary"), Some(&worker)).await;
        assert!(page.contains("name=\"notes[change]\""), "{page}");
        for said in [
            "Mentioned most: \"Connect and belong\", by 8 of the 22 young people who answered (36.4%; it could well be anywhere from 19.7% to 57.0%).",
            "Then: \"Help and support\", by 7 of the 22 young people who answered (31.8%; it could well be anywhere from 16.4% to 52.7%).",
            "16 of the answers are not coded yet.",
        ] {
            assert!(page.contains(said), "{said}: {page}");
        }
        // The sentences hold only what viewers would see: with small overall
        // counts hidden, not the 3 and the 2 of 22.
        assert!(app.heard(&["survey", "disclosure", "voice-2024", "--small-overall-counts", "hide"], "").status.success());
        let (_, hiding) = get(&app, &format!("/rounds/{id}/summary"), Some(&worker)).await;
        assert!(hiding.contains("Mentioned most: \"Connect and belong\", by 8 of the 22"), "{hiding}");
        for small in ["by 3 of the 22", "by 2 of the 22"] {
            assert!(!hiding.contains(small), "{small}: {hiding}");
        }
        assert!(app.heard(&["survey", "disclosure", "voice-2024", "--small-overall-counts", "show"], "").status.success());
        // Published with the worker's words; viewers read them, not
        // Heard's suggestions, and a note for no question is dropped.
        let (status, said) = app
            .call(
                "publish_summary",
                &[("round_id", &id), ("notes[change]", "Most want to belong.\nMany want help."), ("notes[nope]", "x")],
                &worker,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{said}");
        let (_, read) = get(&app, &format!("/rounds/{id}/summary"), Some(&viewer)).await;
        assert!(read.contains("<div class=\"note\"><p>Most want to belong.</p><p>Many want help.</p>"), "{read}");
        assert!(!read.contains("Mentioned most") && !read.contains("notes["), "{read}");
        // A note too long is refused, naming its question, and nothing is
        // published: viewers still read the last one.
        let long = "word ".repeat(1_000);
        let (status, refused) = app.call("publish_summary", &[("round_id", &id), ("notes[change]", &long)], &worker).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert!(refused.contains("note on question") && refused.contains("change") && refused.contains("has 4999 characters; at most 4000 are published"), "{refused}");
        let (_, still) = get(&app, &format!("/rounds/{id}/summary"), Some(&viewer)).await;
        assert!(still.contains("<p>Most want to belong.</p>") && !still.contains("word word"), "{still}");
        // Published again without notes (closing the round, the CLI): the
        // workers' words stay.
        assert!(app.heard(&["round", "publish", "--survey", "voice-2024", "--round", "Summer 2024"], "").status.success());
        let (_, again) = get(&app, &format!("/rounds/{id}/summary"), Some(&viewer)).await;
        assert!(again.contains("<p>Most want to belong.</p>"), "{again}");
        // The worker edits from what was published.
        let (_, page) = get(&app, &format!("/rounds/{id}/summary"), Some(&worker)).await;
        assert!(page.contains("Most want to belong.\nMany want help.</textarea>"), "{page}");
    }

    async fn viewers_see_breakdowns_with_small_numbers_hidden_and_workers_see_them_exact(app: TestApp) {
        load_fixture(&app);
        app.add_user("viewer", "head@example.org", PASSWORD);
        app.add_user("worker", "worker@example.org", PASSWORD);
        let viewer = app.log_in("head@example.org", PASSWORD).await.unwrap();
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let id = round_id(&app, "Summer 2024").await;
        let path = format!("/rounds/{id}/report.csv?by=key_stage");
        let (status, viewer_csv) = get(&app, &path, Some(&viewer)).await;
        assert_eq!(status, StatusCode::OK, "{viewer_csv}");
        let (_, worker_csv) = get(&app, &path, Some(&worker)).await;
        assert!(viewer_csv.starts_with("question,attribute,category,count,percent,n,ci_low,ci_high\n"), "{viewer_csv}");
        assert!(viewer_csv.contains("change,KS5,Help and support,c,c,c"), "{viewer_csv}");
        assert!(!worker_csv.contains(",c,"), "{worker_csv}");
        // The worker's download is the CLI's report, figure for figure.
        let cli = app.heard(&["report", "--survey", "voice-2024", "--round", "Summer 2024", "--by", "key_stage"], "");
        assert_eq!(worker_csv, String::from_utf8(cli.stdout).unwrap());
        // A worker can ask for the viewers' view.
        let (_, preview) = get(&app, &format!("{path}&view=viewer"), Some(&worker)).await;
        assert_eq!(preview, viewer_csv);
        let (_, page) = get(&app, &format!("/rounds/{id}/summary?by=key_stage"), Some(&viewer)).await;
        assert!(page.contains(">c<") || page.contains(">c ("), "suppressed cells show c");
        let (status, _) = get(&app, &format!("/rounds/{id}/summary"), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = get(&app, &format!("/rounds/{id}/report.csv"), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn share_links_show_the_viewers_summary_until_revoked(app: TestApp) {
        load_fixture(&app);
        app.add_user("admin", "admin@example.org", PASSWORD);
        app.add_user("worker", "worker@example.org", PASSWORD);
        let admin = app.log_in("admin@example.org", PASSWORD).await.unwrap();
        let worker = app.log_in("worker@example.org", PASSWORD).await.unwrap();
        let id = round_id(&app, "Summer 2024").await;
        let (status, _) = app.call("create_share_link", &[("round_id", &id), ("days", "7")], &worker).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "only admins make share links");
        let (status, body) = app.call("create_share_link", &[("round_id", &id), ("days", "365")], &admin).await;
        assert_ne!(status, StatusCode::OK);
        assert!(body.contains("from 1 to 90 days"), "{body}");
        let (status, body) = app.call("create_share_link", &[("round_id", &id), ("days", "7")], &admin).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let path: String = serde_json::from_str(&body).unwrap();
        let token = path.strip_prefix("/shared/").unwrap().to_owned();

        let (status, page) = get(&app, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("77.3"));
        assert!(!page.contains("Share links"), "a share link's reader cannot manage links");
        let (status, csv) = get(&app, &format!("/rounds/{id}/report.csv?by=key_stage&share={token}"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(csv.contains(",c,"), "share links see what viewers see: {csv}");
        // The token opens this round only.
        let (other,): (String,) = sqlx::query_as("SELECT id FROM rounds WHERE id <> $1").bind(&id).fetch_one(&app.database().await).await.unwrap();
        let (status, _) = get(&app, &format!("/rounds/{other}/report.csv?share={token}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (_, admin_page) = get(&app, &format!("/rounds/{id}/summary"), Some(&admin)).await;
        assert!(admin_page.contains("Share links") && admin_page.contains("Revoke"));
        let (hash,): (String,) = sqlx::query_as("SELECT token_hash FROM share_links").fetch_one(&app.database().await).await.unwrap();
        assert_ne!(hash, token, "only a hash of the token is stored");
        let (status, body) = app.call("revoke_share_link", &[("id", &hash)], &admin).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = get(&app, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = get(&app, &format!("/rounds/{id}/report.csv?share={token}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn the_summary_compares_with_earlier_rounds_as_table_3_3_does(app: TestApp) {
        let dir = app.dir.path();
        std::fs::write(dir.join("ap.toml"), "slug = \"ap-census\"\ntitle = \"Pupils in AP\"\n\n[[questions]]\nkey = \"key_stage\"\nkind = \"single\"\ntext = \"Key stage\"\noptions = [\"EYFS\", \"KS1\", \"KS2\", \"KS3\", \"KS4\", \"KS5\", \"Post-19\"]\nabout_you = true\n").unwrap();
        assert!(app.heard(&["survey", "import", "ap.toml"], "").status.success());
        for (round, counts) in [
            ("30.05.24", [4, 13, 47, 184, 286, 51, 39]),
            ("31.07.24", [5, 19, 56, 224, 220, 65, 28]),
            ("13.11.24", [5, 24, 78, 199, 297, 104, 32]),
        ] {
            let mut csv = String::from("key_stage\n");
            for (stage, count) in ["EYFS", "KS1", "KS2", "KS3", "KS4", "KS5", "Post-19"].iter().zip(counts) {
                csv.push_str(&format!("{stage}\n").repeat(count));
            }
            std::fs::write(dir.join("counts.csv"), csv).unwrap();
            assert!(app.heard(&["import", "responses", "--survey", "ap-census", "--round", round, "counts.csv"], "").status.success());
            assert!(app.heard(&["round", "publish", "--survey", "ap-census", "--round", round], "").status.success());
        }
        app.add_user("viewer", "head@example.org", PASSWORD);
        let viewer = app.log_in("head@example.org", PASSWORD).await.unwrap();
        let id = round_id(&app, "13.11.24").await;
        let (_, page) = get(&app, &format!("/rounds/{id}/summary"), Some(&viewer)).await;
        assert!(page.contains("Compared with earlier rounds"), "{page}");
        for cell in ["+53", "+104", "+5.9", "-18", "+115"] {
            assert!(page.contains(&format!(">{cell}<")), "no {cell} in the comparison");
        }
        let (status, csv) = get(&app, &format!("/rounds/{id}/compare.csv?question=key_stage"), Some(&viewer)).await;
        assert_eq!(status, StatusCode::OK);
        // The same table as `heard compare`, digit for digit.
        let cli = app.heard(&["compare", "--survey", "ap-census", "--question", "key_stage", "--rounds", "30.05.24,31.07.24,13.11.24"], "");
        assert_eq!(csv, String::from_utf8(cli.stdout).unwrap());
        assert!(csv.contains("KS5,51,8.2,65,10.5,104,14.1,+53,+104,+5.9,+2.6,+9.2,yes\n"), "{csv}");
        assert!(csv.ends_with("Total,624,100.0,617,100.0,739,100.0,+115,+18,,,,\n"), "{csv}");
        // Three rounds: a trend for each key stage, each round's share with
        // its interval, described for those who cannot see the chart.
        assert_eq!(page.matches("<figure class=\"trend\">").count(), 7, "{page}");
        assert!(page.contains("KS5: share in each round"), "{page}");
        assert!(
            page.contains("30.05.24: 8.2% (could well be 6.3 to 10.6); 31.07.24: 10.5% (could well be 8.4 to 13.2); 13.11.24: 14.1% (could well be 11.8 to 16.8)"),
            "{page}"
        );
        // Said plainly, as sure as the figures allow.
        assert!(page.contains("KS5: a larger share of young people in 13.11.24 than in 30.05.24 (5.9 percentage points), a clear change."), "{page}");
        assert!(page.contains("KS3: a smaller share of young people in 13.11.24 than in 30.05.24 (2.6 percentage points), but this could be chance: we cannot be sure it is a real change."), "{page}");
        for cell in ["36.3", "10.5", "35.7"] {
            assert!(page.contains(&format!(">{cell}<")), "the middle round's {cell} is on the page");
        }
    }
}
