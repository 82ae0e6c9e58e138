#![recursion_limit = "256"]
//! Heard's web app: the pages of each journey with the server functions
//! they call, around a pure domain core. Compiled twice: with `ssr` into the
//! server, with `hydrate` to wasm for the browser.
//!
//! Folders follow what people do: `collect` (young people answer),
//! `staff` (participation workers and admins: rounds, coding, codebooks,
//! surveys, imports, safeguarding flags, erasure), `report` (summaries for
//! head teachers' forums), `account` (logging in); `ui` holds what every
//! page shares. On the server, `use_cases` holds one function per thing a
//! person does, shared by the pages, the downloads and the command line;
//! `db` stores and `domain` computes.

pub mod account;
pub mod collect;
pub mod domain;
pub mod error;
pub mod report;
pub mod staff;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod second_factor;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod use_cases;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_policy();
    // The file names come from the server's site (with their content's
    // hash), not from Leptos's `HydrationScripts`, which reads them from a
    // file beside the binary: one file is a whole install.
    let _ = options;
    let (css, js, wasm) = site_urls();
    let nonce = leptos::nonce::use_nonce();
    let start = format!(
        "import init, {{ hydrate }} from {js:?}; init({{ module_or_path: {wasm:?} }}).then(hydrate);"
    );
    view! {
        <!DOCTYPE html>
        <html lang="en-GB">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href=css/>
                <link rel="modulepreload" href=js/>
                <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous"/>
                <script type="module" nonce=nonce>{start}</script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Where the stylesheet, script and wasm are served: (css, js, wasm).
fn site_urls() -> (String, String, String) {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<state::AppState>() {
        return (state.site.css, state.site.js, state.site.wasm);
    }
    (
        "/pkg/heard.css".to_owned(),
        "/pkg/heard.js".to_owned(),
        "/pkg/heard_bg.wasm".to_owned(),
    )
}

/// The Content-Security-Policy of a page: scripts only from Heard itself
/// and the inline ones Leptos writes with this response's nonce (no
/// `unsafe-inline` script), wasm allowed to compile, nothing from elsewhere,
/// no plugins, no `<base>`, no framing, forms only to Heard. Inline style
/// attributes stay allowed (charts and progress bars use them); they cannot
/// run code.
#[cfg(feature = "ssr")]
fn set_page_policy() {
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        );
        if let Ok(value) = http::HeaderValue::from_str(&policy) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// The whole app: a header and the page for the current address.
///
/// Every route renders asynchronously on the server (`SsrMode::Async`), so a
/// browser without JavaScript receives complete pages rather than streamed
/// fragments that only a script could put in place.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Heard"/>
        <Router>
            <a class="skip-link" href="#main">"Skip to main content"</a>
            <header class="site-header">
                <a class="brand" href="/">"Heard"</a>
            </header>
            <main id="main" class="page">
                <Routes fallback=ui::NotFound>
                    <Route path=path!("/") view=collect::JoinPage ssr=SsrMode::Async/>
                    <Route path=path!("/survey/:code") view=collect::SurveyPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=account::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/accounts") view=account::AccountsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=account::AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/rounds") view=staff::RoundsPage ssr=SsrMode::Async/>
                    <Route path=path!("/rounds/:id") view=staff::RoundAnswersPage ssr=SsrMode::Async/>
                    <Route path=path!("/rounds/:id/code/:question") view=staff::CodingPage ssr=SsrMode::Async/>
                    <Route path=path!("/rounds/:id/summary") view=report::SummaryPage ssr=SsrMode::Async/>
                    <Route path=path!("/summaries") view=report::SummariesPage ssr=SsrMode::Async/>
                    <Route path=path!("/shared/:token") view=report::SharedSummaryPage ssr=SsrMode::Async/>
                    <Route path=path!("/needs-a-look") view=staff::NeedsALookPage ssr=SsrMode::Async/>
                    <Route path=path!("/import") view=staff::ImportPage ssr=SsrMode::Async/>
                    <Route path=path!("/erase") view=staff::EraseByReceiptPage ssr=SsrMode::Async/>
                    <Route path=path!("/surveys") view=staff::SurveysPage ssr=SsrMode::Async/>
                    <Route path=path!("/surveys/new") view=staff::SurveyEditorPage ssr=SsrMode::Async/>
                    <Route path=path!("/surveys/:slug/edit") view=staff::SurveyEditorPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

/// Entry point of the wasm bundle: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // A panic goes to the console and is left on the page as
    // `data-panic`, where the browser tests read it when a page fails to
    // come alive.
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-panic", &info.to_string());
        }
    }));
    leptos::mount::hydrate_body(App);
    // Marks the page as live: stylesheets show script-only controls (Read
    // aloud only where the browser can speak), and the browser tests know
    // when hydration has finished.
    if let Some(root) = document().document_element() {
        if collect::tablet::can_speak() {
            let _ = root.set_attribute("data-speech", "");
        }
        let _ = root.set_attribute("data-hydrated", "");
    }
    // Finished surveys left on this tablet go as soon as any page is open.
    collect::tablet::start_outbox();
}
