//! The role matrix: every endpoint `heard routes` lists, called as each
//! kind of caller, gets exactly the status README.md's table says (between
//! its `role-matrix` markers). An endpoint missing from the table, or from
//! the calls below, fails the test, so a new route cannot arrive
//! undocumented or untested.

use super::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const PASSWORD: &str = "correct horse battery staple";

/// The callers, in the README table's column order.
const CALLERS: [&str; 6] = [
    "anonymous",
    "join code",
    "share link",
    "viewer",
    "worker",
    "admin",
];

/// What the demo round gives the calls to work on.
struct Fixture {
    join_code: String,
    round_id: String,
    slug: String,
    share_token: String,
}

/// How an endpoint is called: its body (form fields or JSON) or query.
enum Call {
    Form(Vec<(&'static str, String)>),
    Json(Value),
    Query(Vec<(&'static str, String)>),
}

/// The arguments of each endpoint: well formed, aimed at the demo round
/// where reading it, and at things that do not exist where a call would
/// change something. The caller `join code` and `share link` put their key
/// where the endpoint takes one.
fn call_for(path: &str, caller: &str, f: &Fixture) -> Option<Call> {
    let unknown = "00000000-0000-4000-8000-000000000000".to_owned();
    let code = if caller == "join code" {
        f.join_code.clone()
    } else {
        "ACE346".to_owned()
    };
    let share = (caller == "share link").then(|| f.share_token.clone());
    let form = |pairs: &[(&'static str, &str)]| {
        Call::Form(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
    };
    Some(match path {
        "/join" => Call::Query(vec![("code", code)]),
        "POST /join" => form(&[("code", &code)]),
        "/survey/{code}" => form(&[]),
        "/api/v1/responses" => Call::Json(json!({ "join_code": code })),
        "/surveys/{slug}/survey.toml"
        | "/surveys/{slug}/translations.csv"
        | "/health"
        | "/metrics" => Call::Query(vec![]),
        "/rounds/{id}/report.csv" | "/rounds/{id}/summary.json" => {
            Call::Query(share.map(|s| vec![("share", s)]).unwrap_or_default())
        }
        "/rounds/{id}/compare.csv" => {
            let mut query = vec![("question", "key_stage".to_owned())];
            query.extend(share.map(|s| ("share", s)));
            Call::Query(query)
        }
        "/rounds/{id}/responses.csv" | "/rounds/{id}/project.qdpx" => Call::Query(vec![]),
        "/api/load_summary" => {
            let mut pairs = vec![
                ("round_id", f.round_id.clone()),
                ("viewers_view", "false".to_owned()),
            ];
            if let Some(token) = share {
                pairs.push(("share", token));
            }
            Call::Form(pairs)
        }
        "/api/list_summaries"
        | "/api/my_account"
        | "/api/new_second_factor"
        | "/api/list_accounts"
        | "/api/read_audit_log"
        | "/api/list_surveys"
        | "/api/list_rounds"
        | "/api/list_flagged"
        | "/api/log_out" => form(&[]),
        "/api/create_share_link" => form(&[("round_id", &unknown), ("days", "7")]),
        "/api/publish_summary" => form(&[("round_id", &unknown)]),
        "/api/revoke_share_link" => form(&[("id", "no-such-link")]),
        "/api/confirm_second_factor" => form(&[
            ("password", "x"),
            ("secret", "JBSWY3DPEHPK3PXP"),
            ("code", "000000"),
        ]),
        "/api/log_in" => form(&[
            ("email", "nobody@example.org"),
            ("password", "not a password at all"),
        ]),
        "/api/end_account_sessions" => form(&[("email", "nobody@example.org")]),
        "/api/set_account_disabled" => {
            form(&[("email", "nobody@example.org"), ("disabled", "true")])
        }
        "/api/load_survey_state" => form(&[("code", &code)]),
        "/api/load_start_page" => form(&[]),
        "/api/edit_codebook" => Call::Json(
            json!({ "round_id": unknown, "question": "change", "edit": { "Add": { "name": "Belonging", "description": "" } } }),
        ),
        "/api/learned_keywords" => form(&[("round_id", &unknown), ("question", "change")]),
        "/api/load_survey_for_edit" => form(&[("slug", &f.slug)]),
        "/api/load_translations" => form(&[("slug", &f.slug)]),
        "/api/import_translations_sheet" => form(&[("slug", &f.slug), ("sheet", "")]),
        "/api/save_survey" => Call::Json(
            json!({ "survey": { "slug": "", "title": "", "questions": [] }, "is_new": true }),
        ),
        "/api/import_survey_file" => form(&[("text", "")]),
        "/api/load_round_answers" => form(&[("round_id", &f.round_id)]),
        "/api/mark_handled" => form(&[("response_id", &unknown), ("note", "")]),
        "/api/find_receipt" | "/api/erase_receipt" => form(&[("code", "3F3GN-5AN5R")]),
        "/api/load_coding_sheet" => form(&[
            ("round_id", &f.round_id),
            ("question", "change"),
            ("pass", "main"),
        ]),
        "/api/code_answer" => Call::Json(
            json!({ "round_id": f.round_id, "question": "change", "pass": "main", "response_id": unknown, "themes": [], "how": "hand" }),
        ),
        "/api/bulk_accept" => {
            Call::Json(json!({ "round_id": f.round_id, "question": "change", "response_ids": [] }))
        }
        "/api/answer_history" | "/api/star_quote" | "/api/raise_concern" => form(&[
            ("round_id", &f.round_id),
            ("question", "change"),
            ("response_id", &unknown),
        ]),
        "/api/save_quote" => form(&[
            ("round_id", &f.round_id),
            ("question", "change"),
            ("response_id", &unknown),
            ("redacted", "x"),
            ("approve", "false"),
            ("remove", "false"),
        ]),
        "/api/coding_agreement" => form(&[("round_id", &f.round_id), ("question", "change")]),
        "/api/preview_import" => Call::Json(json!({ "survey": f.slug, "csv": "" })),
        "/api/import_responses_file" => Call::Json(
            json!({ "survey": "no-such-survey", "round": "R", "csv": "", "mapping": [], "dry_run": true }),
        ),
        _ => return None,
    })
}

/// The README's table: `METHOD PATH` -> the six statuses.
fn documented() -> BTreeMap<String, Vec<u16>> {
    let readme = std::fs::read_to_string(heard_tests::workspace_root().join("README.md")).unwrap();
    let table = readme
        .split("<!-- role-matrix -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /role-matrix -->").next())
        .expect("README.md has a role-matrix table");
    table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let endpoint = cells[0].trim_matches('`').to_owned();
            let statuses = cells[1..]
                .iter()
                .map(|c| c.parse().unwrap_or_else(|_| panic!("{l}")))
                .collect();
            (endpoint, statuses)
        })
        .collect()
}

on_both_databases! {
    async fn every_endpoint_answers_each_caller_as_the_readme_says(app: TestApp) {
        app.add_user("viewer", "viewer@example.org", PASSWORD);
        app.add_user("worker", "worker@example.org", PASSWORD);
        app.add_user("admin", "admin@example.org", PASSWORD);
        let (round_id, slug): (String, String) = sqlx::query_as("SELECT r.id, s.slug FROM rounds r JOIN surveys s ON s.id = r.survey_id")
            .fetch_one(&app.database().await).await.unwrap();
        // Viewers and share links see a round once it is published.
        assert!(app.heard(&["round", "publish", "--survey", &slug, "--round", "Summer 2024"], "").status.success());
        let admin = app.log_in("admin@example.org", PASSWORD).await.unwrap();
        let made = app.client().post(app.url("/api/create_share_link")).header("cookie", &admin)
            .form(&[("round_id", round_id.as_str()), ("days", "7")]).send().await.unwrap().text().await.unwrap();
        let share_token = made.trim_matches('"').trim_start_matches("/shared/").to_owned();
        let fixture = Fixture { join_code: app.join_code.clone(), round_id, slug, share_token };

        let routes = String::from_utf8(app.heard(&["routes"], "").stdout).unwrap();
        let mut endpoints: Vec<(String, String)> = routes.lines()
            .map(|l| { let p: Vec<&str> = l.split(' ').collect(); (p[0].to_owned(), p[1].to_owned()) })
            .collect();
        // Logging out ends the caller's session: last.
        endpoints.sort_by_key(|(_, path)| path == "/api/log_out");
        let table = documented();
        let mut observed: BTreeMap<String, Vec<u16>> = BTreeMap::new();
        for caller in CALLERS {
            let cookie = match caller {
                "viewer" | "worker" | "admin" => Some(app.log_in(&format!("{caller}@example.org"), PASSWORD).await.unwrap()),
                _ => None,
            };
            for (method, path) in &endpoints {
                let name = format!("{method} {path}");
                let key = if method == "POST" && path == "/join" { "POST /join" } else { path.as_str() };
                let call = call_for(key, caller, &fixture).unwrap_or_else(|| panic!("{name} has no call in role_matrix.rs"));
                let url = app.url(&path.replace("{code}", &fixture.join_code).replace("{id}", &fixture.round_id).replace("{slug}", &fixture.slug));
                let mut request = match method.as_str() { "GET" => app.client().get(url), _ => app.client().post(url) };
                if let Some(cookie) = &cookie {
                    request = request.header("cookie", cookie);
                }
                request = match call {
                    Call::Form(pairs) => request.form(&pairs),
                    Call::Json(body) => request.json(&body),
                    Call::Query(pairs) => request.query(&pairs),
                };
                let status = request.send().await.unwrap().status().as_u16();
                observed.entry(name).or_default().push(status);
            }
        }
        let print = |m: &BTreeMap<String, Vec<u16>>| m.iter()
            .map(|(e, s)| format!("| `{e}` | {} |", s.iter().map(u16::to_string).collect::<Vec<_>>().join(" | ")))
            .collect::<Vec<_>>().join("\n");
        assert_eq!(observed.keys().collect::<Vec<_>>(), table.keys().collect::<Vec<_>>(), "endpoints and README rows differ; observed:\n{}", print(&observed));
        assert_eq!(observed, table, "observed:\n{}", print(&observed));
        // Nothing a caller did changed the round's answers or made an account.
        assert_eq!(app.stored_responses().await, 0);
        let (accounts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&app.database().await).await.unwrap();
        assert_eq!(accounts, 3);
    }
}
