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
///
/// The young person's pages (the start page and the survey) carry the
/// stylesheet and the tablet client (`collect/tablet.mjs`, a few KB) in
/// the page: a class of tablets on weak school wifi must not each download
/// the staff app. Every other page loads the full app, which hydrates it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_policy();
    // The file names come from the server's site (with their content's
    // hash), not from Leptos's `HydrationScripts`, which reads them from a
    // file beside the binary: one file is a whole install.
    let _ = options;
    let site = site_urls();
    let nonce = leptos::nonce::use_nonce();
    let young = young_persons_page();
    // The young person's pages carry their stylesheet and script inline:
    // on a slow connection (400 ms a request on "slow 3G") each file a
    // page waits for costs a round trip, which is more than these few KB
    // take to arrive with the page.
    let style = if young {
        view! { <style inner_html=site.css_text></style> }.into_any()
    } else {
        view! { <link rel="stylesheet" href=site.css/> }.into_any()
    };
    let scripts = if young {
        view! { <script type="module" nonce=nonce inner_html=collect::tablet_script()></script> }
            .into_any()
    } else {
        let start = format!(
            "import init, {{ hydrate }} from {:?}; init({{ module_or_path: {:?} }}).then(hydrate);",
            site.js, site.wasm
        );
        view! {
            <link rel="modulepreload" href=site.js/>
            <link rel="preload" href=site.wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous"/>
            <script type="module" nonce=nonce>{start}</script>
        }
        .into_any()
    };
    view! {
        <!DOCTYPE html>
        <html lang="en-GB">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // No icon: a tablet asking for /favicon.ico would fetch a
                // whole "not found" page.
                <link rel="icon" href="data:,"/>
                {style}
                {scripts}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Whether this response is one of the young person's pages.
fn young_persons_page() -> bool {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        return collect::is_young_persons_path(parts.uri.path());
    }
    false
}

/// Where the stylesheet, the scripts and the wasm are served.
fn site_urls() -> SiteUrls {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<state::AppState>() {
        return state.site;
    }
    SiteUrls {
        css: "/pkg/heard.css".to_owned(),
        js: "/pkg/heard.js".to_owned(),
        wasm: "/pkg/heard_bg.wasm".to_owned(),
        css_text: std::sync::Arc::from(""),
    }
}

/// Where the built site's files are served (their hashed names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteUrls {
    pub css: String,
    /// The staff app: its JavaScript and wasm.
    pub js: String,
    pub wasm: String,
    /// The stylesheet itself, for the young person's pages.
    pub css_text: std::sync::Arc<str>,
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
                // The start page is the young person's: loaded whole, with
                // the tablet client, never drawn by the staff app's router.
                <a class="brand" href="/" rel="external">"Heard"</a>
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
                    <Route path=path!("/surveys/:slug/translations") view=staff::TranslationsPage ssr=SsrMode::Async/>
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
    // Marks the page as live (as the tablet client does on the young
    // person's pages): the browser tests know when hydration has finished.
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-live", "");
    }
}
