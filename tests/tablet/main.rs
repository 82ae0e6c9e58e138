//! The tablet client's own rules (its outbox's backoff and refusals on a
//! fake clock, the sending lease, receipt codes), through the exports of
//! `app/src/collect/tablet.mjs`, under Node's test runner. The browser
//! tests drive the same client through Chromium.

use std::process::Command;

#[test]
fn the_tablet_clients_rules_pass_their_tests() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tablet");
    let out = Command::new("node")
        .args(["--test", "outbox.test.mjs"])
        .current_dir(&folder)
        .output()
        .expect("node (scripts/tools.sh installs it with the browser tests' tools)");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{report}");
    let passed = report
        .lines()
        .find_map(|l| l.strip_prefix("# pass "))
        .and_then(|n| n.trim().parse::<u32>().ok());
    assert!(
        passed.is_some_and(|n| n >= 6),
        "expected the six rule tests to run:\n{report}"
    );
}
