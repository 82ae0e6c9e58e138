//! Chromium through chromedriver (fantoccini), and axe-core.

use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether the page may run JavaScript.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Js {
    On,
    Off,
}

/// A headless Chromium with a fresh profile, driven by its own chromedriver.
pub struct Browser {
    client: Client,
    js: Js,
    driver: Child,
    _profile: tempfile::TempDir,
}

const WAIT: Duration = Duration::from_secs(15);

impl Browser {
    pub async fn open(js: Js) -> Browser {
        Self::open_sized(js, 820, 1180).await
    }

    /// A browser whose window is `width`×`height` CSS pixels.
    pub async fn open_sized(js: Js, width: u32, height: u32) -> Browser {
        let port = free_port();
        let chromedriver =
            std::env::var("HEARD_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {chromedriver} (install Debian's chromium-driver; scripts/test does): {e}"));
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if js == Js::Off {
            args.push("--blink-settings=scriptEnabled=false".to_owned());
        }
        let binary =
            std::env::var("HEARD_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({ "binary": binary, "args": args }),
        );
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::native()
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(error) if started.elapsed() > WAIT => {
                    panic!("chromedriver did not accept a session: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let browser = Browser {
            client,
            js,
            driver,
            _profile: profile,
        };
        if js == Js::Off {
            browser.assert_scripts_do_not_run().await;
        }
        browser
    }

    /// Proves that this browser runs no page script: a page whose script
    /// would change its title keeps the title it was served with.
    async fn assert_scripts_do_not_run(&self) {
        self.goto("data:text/html,<title>served</title><script>document.title='ran'</script>")
            .await;
        let title = self.client.title().await.unwrap_or_default();
        assert_eq!(
            title, "served",
            "JavaScript was meant to be off, but a page script ran"
        );
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("could not open {url}: {e}"));
    }

    /// Waits until the page's `<h1>` reads `text` and, with JavaScript on,
    /// until the page is live (`data-live`: hydrated, or taken over by the
    /// tablet client), so the check covers the live page.
    pub async fn wait_for_h1(&self, text: &str) {
        let started = Instant::now();
        loop {
            let h1 = match self.client.find(Locator::Css("h1")).await {
                Ok(h1) => h1.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if h1.trim() == text && self.live_if_js().await {
                return;
            }
            if started.elapsed() > WAIT {
                let url = self
                    .client
                    .current_url()
                    .await
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                let source = self.client.source().await.unwrap_or_default();
                let panicked = self
                    .run_script("return document.documentElement.getAttribute('data-panic');")
                    .await;
                panic!(
                    "waited for <h1> {text:?} (JavaScript {:?}) at {url}; the page has {h1:?}; the wasm panicked: {panicked}\n{source}",
                    self.js
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's text contains `text`.
    pub async fn wait_for_text(&self, text: &str) {
        let started = Instant::now();
        loop {
            let body = match self.client.find(Locator::Css("body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if body.contains(text) && self.live_if_js().await {
                return;
            }
            assert!(
                started.elapsed() < WAIT,
                "waited for {text:?} (JavaScript {:?}); the page says:\n{body}",
                self.js
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// With JavaScript on: whether the page is live. With it off: true,
    /// after checking that it is not (a page that were would mean the
    /// JavaScript-off run tested the live page instead).
    async fn live_if_js(&self) -> bool {
        match self.js {
            Js::Off => {
                let live = self
                    .client
                    .find(Locator::Css("html[data-live]"))
                    .await
                    .is_ok();
                assert!(!live, "JavaScript is off, yet the page came alive");
                true
            }
            Js::On => self
                .client
                .find(Locator::Css("html[data-live]"))
                .await
                .is_ok(),
        }
    }

    /// Fails if the page scrolls sideways, or if a control young people
    /// press is smaller than 48×48 CSS pixels.
    pub async fn check_layout(&self, page: &str) {
        let problems = self.layout_problems().await;
        assert_eq!(
            problems,
            serde_json::json!([]),
            "layout problems on the {page}"
        );
    }

    /// What [`Browser::check_layout`] finds wrong on the current page.
    pub async fn layout_problems(&self) -> serde_json::Value {
        self.run_script(
                r#"
                const problems = [];
                const root = document.documentElement;
                if (root.scrollWidth > root.clientWidth) {
                    problems.push(`the page is ${root.scrollWidth}px wide in a ${root.clientWidth}px window`);
                }
                for (const el of document.querySelectorAll('.button, .back-link, .choice, .input, .textarea, button')) {
                    const box = el.getBoundingClientRect();
                    if (box.width > 0 && (box.height < 48 || box.width < 48)) {
                        problems.push(`${el.outerHTML.slice(0, 80)} is ${box.width}x${box.height}`);
                    }
                }
                return problems;
                "#,
        )
        .await
    }

    /// The first element matching `css`; fails the test if there is none.
    async fn element(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Runs JavaScript in the page and returns its result.
    pub async fn run_script(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    pub async fn refresh(&self) {
        self.client.refresh().await.expect("the page reloads");
    }

    pub async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("a current URL")
            .to_string()
    }

    pub async fn click(&self, css: &str) {
        let element = self.element(css).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click {css}: {e}"));
    }

    /// Chooses the option with `value` in a `<select>`.
    pub async fn select(&self, css: &str, value: &str) {
        let element = self.element(css).await;
        element
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("could not choose {value} in {css}: {e}"));
    }

    /// Clicks the first `tag` element whose text is `text`.
    pub async fn click_text(&self, tag: &str, text: &str) {
        let xpath = format!("//{tag}[normalize-space(.)='{text}']");
        let element = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no {tag} saying {text}: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click {text}: {e}"));
    }

    /// Sends keys to an element (fantoccini's `Key` values for special keys).
    pub async fn press_keys(&self, css: &str, keys: &str) {
        let element = self.element(css).await;
        element
            .send_keys(keys)
            .await
            .unwrap_or_else(|e| panic!("could not press keys on {css}: {e}"));
    }

    /// A key pressed on the page as a whole (a keydown on the window, as
    /// the coding screen listens for), not typed into a field.
    pub async fn press_on_page(&self, key: &str) {
        self.run_script(&format!(
            "window.dispatchEvent(new KeyboardEvent('keydown', {{key: '{key}', bubbles: true}})); return true;"
        ))
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.element(css).await;
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("could not type into {css}: {e}"));
    }

    /// Runs axe-core (WCAG 2.2 A and AA rules and best practices) on the page
    /// and fails on any violation. With JavaScript off the page cannot run
    /// scripts, so axe runs in a second, script-enabled look at the same
    /// server-rendered HTML: the markup is what is checked either way.
    pub async fn check_accessibility(&self, page: &str) {
        if self.js == Js::Off {
            let url = self
                .client
                .current_url()
                .await
                .expect("a current URL")
                .to_string();
            let html = self.client.source().await.expect("the page source");
            check_html_with_scripts_on(&url, &html, page).await;
            return;
        }
        let violations = run_axe(&self.client).await;
        assert!(
            violations.is_empty(),
            "axe-core found accessibility violations on the {page}:\n{violations:#?}"
        );
    }

    /// axe-core's violations on the current page (JavaScript on only).
    pub async fn accessibility_violations(&self) -> Vec<serde_json::Value> {
        run_axe(&self.client).await
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Opens a second tab on `url` and makes it the current one; returns
    /// the first tab's handle (for [`Browser::switch_to`]).
    pub async fn open_tab(&self, url: &str) -> fantoccini::wd::WindowHandle {
        let first = self.client.window().await.expect("the current tab");
        let tab = self.client.new_window(true).await.expect("a new tab");
        self.switch_to(tab.handle).await;
        self.goto(url).await;
        first
    }

    pub async fn switch_to(&self, tab: fantoccini::wd::WindowHandle) {
        self.client
            .switch_to_window(tab)
            .await
            .expect("switching tabs");
    }

    pub async fn current_tab(&self) -> fantoccini::wd::WindowHandle {
        self.client.window().await.expect("the current tab")
    }

    /// Runs a Chrome DevTools Protocol command (through chromedriver).
    pub async fn devtools(
        &self,
        cmd: &'static str,
        params: serde_json::Value,
    ) -> serde_json::Value {
        self.client
            .issue_cmd(DevTools { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// A cheap tablet on weak school wifi, as Chrome's "Slow 3G" preset
    /// has it: 400 ms latency, 400 kbit/s down and up, and a CPU four
    /// times slower.
    pub async fn slow_3g(&self) {
        self.devtools("Network.enable", serde_json::json!({})).await;
        self.devtools(
            "Network.emulateNetworkConditions",
            serde_json::json!({
                "offline": false,
                "latency": 400,
                "downloadThroughput": 50_000,
                "uploadThroughput": 50_000,
            }),
        )
        .await;
        self.devtools(
            "Emulation.setCPUThrottlingRate",
            serde_json::json!({ "rate": 4 }),
        )
        .await;
    }

    /// Bytes this page received so far, compressed as served, headers
    /// included: the page itself and everything it fetched, from the
    /// browser's Resource Timing (a file from the cache counts 0). By
    /// address, in the order they came.
    pub async fn transferred(&self) -> Vec<(String, u64)> {
        let entries = self
            .run_script(
                "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).map(e => [e.name, e.transferSize]);",
            )
            .await;
        entries
            .as_array()
            .expect("a list of entries")
            .iter()
            .map(|e| {
                (
                    e[0].as_str().unwrap_or_default().to_owned(),
                    e[1].as_u64().unwrap_or_default(),
                )
            })
            .collect()
    }
}

/// chromedriver's `goog/cdp/execute`: one DevTools Protocol command.
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Loads a page's HTML (as served without JavaScript) into a script-enabled
/// browser at its own address and runs axe on it.
async fn check_html_with_scripts_on(url: &str, html: &str, page: &str) {
    let browser = Browser::open(Js::On).await;
    browser.goto(url).await;
    // Replace the live document with the exact markup the no-JS browser got,
    // with its own scripts removed so it does not hydrate.
    let without_scripts = strip_scripts(html);
    browser
        .client
        .execute(
            "document.open(); document.write(arguments[0]); document.close();",
            vec![serde_json::json!(without_scripts)],
        )
        .await
        .expect("the markup is written");
    let violations = run_axe(&browser.client).await;
    browser.close().await;
    assert!(
        violations.is_empty(),
        "axe-core found accessibility violations on the {page} (JavaScript off):\n{violations:#?}"
    );
}

fn strip_scripts(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</script>") {
            Some(end) => rest = &rest[start + end + "</script>".len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

async fn run_axe(client: &Client) -> Vec<serde_json::Value> {
    let axe = std::fs::read_to_string(axe_path()).expect("axe.min.js is readable");
    client
        .execute(&axe, vec![])
        .await
        .expect("axe-core loads into the page");
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })
           .then(results => done(results.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html) }))))
           .catch(error => done([{ id: 'axe-error', help: String(error) }]));
    "#;
    let violations = client
        .execute_async(script, vec![])
        .await
        .expect("axe-core runs");
    violations
        .as_array()
        .cloned()
        .unwrap_or_else(|| vec![violations])
}

fn axe_path() -> std::path::PathBuf {
    let path = std::env::var("HEARD_AXE_JS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            heard_tests::workspace_root()
                .join("tests")
                .join("node_modules")
                .join("axe-core")
                .join("axe.min.js")
        });
    assert!(
        path.exists(),
        "{} is missing: run `npm ci --prefix tests` (scripts/test does)",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
