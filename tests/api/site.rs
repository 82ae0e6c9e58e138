//! The built site is inside `heard`: one file is a whole install, its
//! files are served under their content's hash for ever, precompressed
//! (issue 14, "one file to deploy").

use super::*;
use reqwest::StatusCode;

/// The first quoted address in `page` that starts with `prefix` and ends
/// with `suffix`.
fn address(page: &str, prefix: &str, suffix: &str) -> String {
    page.split('"')
        .find(|piece| piece.starts_with(prefix) && piece.ends_with(suffix))
        .unwrap_or_else(|| panic!("no {prefix}…{suffix} in {page}"))
        .to_owned()
}

#[tokio::test]
async fn the_site_is_served_from_inside_heard_under_its_hash_precompressed_for_ever() {
    // Started in an empty folder with no site folder named: only what is
    // built into the binary can be served.
    let app = TestApp::spawn_with_env(&[("HEARD_SITE_ROOT", "")]).await;
    assert!(
        app.log().contains("site=this heard binary"),
        "{}",
        app.log()
    );
    // Staff pages load the whole app.
    let staff_page = app.get_text("/login").await;
    let css = address(&staff_page, "/pkg/heard.", ".css");
    let js = address(&staff_page, "/pkg/heard.", ".js");
    let wasm = address(&staff_page, "/pkg/heard", ".wasm");
    let built = heard_tests::site_root().join("pkg");
    for (url, plain, encoding, extension, content_type) in [
        (&css, "heard.css", "br", "br", "text/css; charset=utf-8"),
        (
            &js,
            "heard.js",
            "gzip",
            "gz",
            "text/javascript; charset=utf-8",
        ),
        (&wasm, "heard.wasm", "br", "br", "application/wasm"),
    ] {
        // The name holds 16 hex digits of the content's hash.
        let hash = url.rsplit('.').nth(1).unwrap();
        assert!(
            hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{url}"
        );
        let response = app
            .client()
            .get(app.url(url))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let headers = response.headers().clone();
        assert_eq!(headers["content-encoding"], encoding, "{url}");
        assert_eq!(
            headers["cache-control"], "public, max-age=31536000, immutable",
            "{url}"
        );
        assert_eq!(headers["content-type"], content_type, "{url}");
        assert_eq!(headers["vary"], "accept-encoding", "{url}");
        // Exactly the copy compressed at build time: nothing per request.
        let body = response.bytes().await.unwrap();
        let precompressed = std::fs::read(built.join(format!("{plain}.{extension}"))).unwrap();
        assert!(
            body[..] == precompressed[..],
            "{url} is not the build's .{extension}"
        );
    }
    // A browser that takes neither gets the file as built.
    let plain = app.client().get(app.url(&css)).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(
        plain.bytes().await.unwrap(),
        std::fs::read(built.join("heard.css")).unwrap()
    );
    // The young person's pages carry the stylesheet and the tablet client
    // themselves (a round trip per file costs more than their few KB on a
    // slow connection) and never load the app.
    let stylesheet = std::fs::read_to_string(built.join("heard.css")).unwrap();
    for path in ["/", &format!("/survey/{}", app.join_code)] {
        let page = app.get_text(path).await;
        assert!(
            page.contains(&format!("<style>{stylesheet}</style>")),
            "{path}: {page}"
        );
        assert!(
            page.contains("export function afterTry("),
            "{path}: no tablet client"
        );
        assert!(!page.contains("/pkg/"), "{path} fetches files: {page}");
    }

    // A name that is no file is the not-found page, not a file.
    let missing = app
        .client()
        .get(app.url("/pkg/heard.0000000000000000.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[test]
fn heard_will_not_start_on_a_site_folder_that_holds_no_site() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("site");
    std::fs::create_dir(&empty).unwrap();
    for variable in ["HEARD_SITE_ROOT", "LEPTOS_SITE_ROOT"] {
        let out = heard_tests::run_heard(
            dir.path(),
            // The other one empty: the test's own HEARD_SITE_ROOT must not
            // win.
            &[
                ("HEARD_SITE_ROOT", ""),
                (variable, empty.to_str().unwrap()),
                ("HEARD_ADDR", "127.0.0.1:0"),
            ],
            &["serve"],
            "",
        );
        assert!(
            !out.status.success(),
            "{variable}: heard started without a site"
        );
        let error = String::from_utf8_lossy(&out.stderr);
        assert!(
            error.contains(
                "holds no built Heard site (missing pkg/heard.css, pkg/heard.js, pkg/heard_bg.wasm)"
            ),
            "{variable}: {error}"
        );
    }
}
