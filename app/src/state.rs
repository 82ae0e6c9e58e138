//! What every request handler and server function shares: the database and
//! Leptos' options. Handed in as axum state and Leptos context, never global,
//! and holding nothing that another Heard instance would need to see.

use crate::db::Db;
use crate::domain::safeguarding::SafeguardingRules;
use crate::error::AppError;
use axum::extract::FromRef;
use leptos::prelude::*;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub leptos_options: LeptosOptions,
    /// Mark session cookies `Secure` (set when Heard is served over HTTPS).
    pub secure_cookies: bool,
    /// The address young people's tablets reach Heard at (for links and QR
    /// codes), e.g. `https://heard.example.org`; `None`: from the request.
    pub public_url: Option<String>,
    /// Take the client's address from the last `X-Forwarded-For` entry (set
    /// only when Heard runs behind a proxy that writes it).
    pub trust_forwarded_for: bool,
    /// The operator's token for `/metrics` (none: no `/metrics`).
    pub metrics_token: Option<Arc<str>>,
    /// The key addresses and accounts are hashed with before they are
    /// counted for throttling (the same on every instance: it is stored in
    /// the database).
    pub source_key: crate::throttle::ServerKey,
    /// The key rounds' open tokens are signed with (see `domain::late`).
    pub round_key: crate::throttle::ServerKey,
    /// The words that put an answer on the "needs a look" list. Read at
    /// start from configuration, the same on every instance.
    pub safeguarding: Arc<SafeguardingRules>,
    /// Where pages find the stylesheet, script and wasm (names with their
    /// content's hash; see the server's `assets`).
    pub site: SiteUrls,
    /// Local school and place names that quotes' proposed redactions hide.
    pub redaction: Arc<crate::domain::redact::RedactionLists>,
}

pub use crate::SiteUrls;

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// Who a request counts against for throttling: its network address
    /// (an IPv6 address by its /64), as a keyed hash.
    pub fn source_of(&self, parts: &http::request::Parts) -> String {
        self.source_key.address(crate::throttle::client_address(
            parts,
            self.trust_forwarded_for,
        ))
    }
}

/// The shared state, from inside a server function or a server render.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
