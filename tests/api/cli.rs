use super::*;
use heard_tests::run_heard;

#[test]
fn help_lists_the_subcommands_and_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_heard(dir.path(), &[], &["--help"], "");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "serve",
        "user",
        "DATABASE_URL",
        "sqlite://data/heard.db",
        "HEARD_ADDR",
        "127.0.0.1:3000",
    ] {
        assert!(
            help.contains(expected),
            "--help does not mention {expected}:\n{help}"
        );
    }
}

#[tokio::test]
async fn with_no_configuration_heard_creates_its_sqlite_file_in_wal_mode_with_the_demo_survey() {
    let app = TestApp::spawn_with_default_database().await;
    let file = app.dir.path().join("data").join("heard.db");
    let header = std::fs::read(&file).expect("data/heard.db exists");
    // Bytes 18 and 19 of an SQLite header are 2 in WAL mode (1 in rollback mode).
    assert_eq!(
        (header[18], header[19]),
        (2, 2),
        "data/heard.db is not in WAL mode"
    );
    assert!(app.log().contains("added the demo survey"), "{}", app.log());
    assert_eq!(app.join_code.len(), 6);
}

on_both_databases! {
    async fn a_restart_keeps_the_data_and_does_not_seed_again(app: TestApp) {
        let code = app.join_code.clone();
        let app = app.restart().await;
        assert_eq!(app.join_code, code, "the same round is open after a restart");
        assert!(!app.log().contains("added the demo survey"), "{}", app.log());
        assert!(app.log().contains("round open"), "{}", app.log());
    }

    async fn user_add_reads_the_password_from_stdin_and_refuses_bad_input(app: TestApp) {
        let ok = app.heard(&["user", "add", "--role", "admin", "Admin@Example.org"], "a long enough password\n");
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        assert!(String::from_utf8_lossy(&ok.stdout).contains("Added admin@example.org as admin"));

        let again = app.heard(&["user", "add", "--role", "worker", "admin@example.org"], "another long password\n");
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("already an account for admin@example.org"));

        let short = app.heard(&["user", "add", "--role", "worker", "w@example.org"], "short\n");
        assert!(!short.status.success());
        assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));

        let empty = app.heard(&["user", "add", "--role", "worker", "w@example.org"], "");
        assert!(!empty.status.success());
        assert!(String::from_utf8_lossy(&empty.stderr).contains("no password"));

        let bad_email = app.heard(&["user", "add", "--role", "worker", "not-an-email"], "a long enough password\n");
        assert!(!bad_email.status.success());
        assert!(String::from_utf8_lossy(&bad_email.stderr).contains("\"not-an-email\" is not an e-mail address"));

        let bad_role = app.heard(&["user", "add", "--role", "owner", "o@example.org"], "a long enough password\n");
        assert!(!bad_role.status.success());
        assert!(String::from_utf8_lossy(&bad_role.stderr).contains("owner"));
    }
}

#[tokio::test]
async fn the_front_end_is_sent_compressed_to_browsers_that_accept_it() {
    let app = TestApp::spawn().await;
    let plain = app
        .client()
        .get(app.url("/pkg/heard.wasm"))
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), reqwest::StatusCode::OK);
    let plain_size = plain.bytes().await.unwrap().len();
    let compressed = app
        .client()
        .get(app.url("/pkg/heard.wasm"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "br");
    let compressed_size = compressed.bytes().await.unwrap().len();
    assert!(
        compressed_size * 2 < plain_size,
        "{compressed_size} bytes compressed of {plain_size}"
    );
}
