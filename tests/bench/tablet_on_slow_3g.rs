//! How soon the young person's first screens work on a cheap tablet on
//! weak school wifi: Chrome's "Slow 3G" (400 ms, 400 kbit/s) and a CPU four
//! times slower, each load in a fresh browser with nothing cached.
//!
//! For each of the start page and the survey's welcome screen: when the
//! page was first painted (usable: both are plain forms that work without
//! JavaScript) and when the tablet client had taken over (`heard-live`),
//! from the start of the navigation. Run by `scripts/bench-tablet`; the
//! figures go in BENCHMARKS.md.

#[allow(dead_code)]
#[path = "../browser/driver.rs"]
mod driver;

use driver::{Browser, Js};
use heard_tests::TestApp;

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let app = TestApp::spawn().await;
    for (name, path) in [
        ("start page", "/".to_owned()),
        ("survey welcome", format!("/survey/{}", app.join_code)),
    ] {
        let mut painted = Vec::new();
        let mut live = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let browser = Browser::open(Js::On).await;
            browser.slow_3g().await;
            browser.goto(&app.url(&path)).await;
            let timing = loop {
                let timing = browser
                    .run_script(
                        "const paint = performance.getEntriesByName('first-contentful-paint')[0];
                         const live = performance.getEntriesByName('heard-live')[0];
                         return paint && live ? [paint.startTime, live.startTime] : null;",
                    )
                    .await;
                if !timing.is_null() {
                    break timing;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            };
            painted.push(timing[0].as_f64().unwrap_or_default());
            live.push(timing[1].as_f64().unwrap_or_default());
            bytes = browser.transferred().await.iter().map(|(_, b)| b).sum();
            browser.close().await;
        }
        println!(
            "{name}: {bytes} bytes; painted median {:.0} ms (max {:.0}); client live median {:.0} ms (max {:.0}); {runs} cold loads",
            median(&mut painted),
            painted.iter().copied().fold(0.0, f64::max),
            median(&mut live),
            live.iter().copied().fold(0.0, f64::max),
        );
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
