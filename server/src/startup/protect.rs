//! What every response and every state-changing request passes through to
//! keep pages, answers and sessions to Heard's own pages.
//!
//! - **Cross-site requests are refused.** A request that changes something
//!   (any method but GET, HEAD and OPTIONS) and that a browser marks as
//!   coming from another site (`Sec-Fetch-Site: cross-site` or
//!   `same-site`, or an `Origin` that is not this server's) gets 403 and
//!   changes nothing. Browsers send these headers on every such request,
//!   so a page elsewhere cannot post a form or call a server function as a
//!   logged-in worker (CSRF, login CSRF included). Programs that are not
//!   browsers (the tests, a council's scripts posting to
//!   `/api/v1/responses`) send neither and are not a CSRF risk.
//! - **Other sites may link to Heard, not embed it.** A cross-site request
//!   that is not a top-level navigation (an `<img>`, a script, a fetch, a
//!   frame) gets 403 too, so a page elsewhere cannot make a school's
//!   browsers hammer `/survey/CODE` and use up its wrong-code allowance.
//! - **Headers on every response**: no sniffing, no referrer (a share
//!   link's token must not leak), no framing, HSTS when served over HTTPS,
//!   and `Cache-Control: no-store` on everything but the built front end,
//!   so that Back on a shared tablet cannot show the previous child's
//!   answers and no cache keeps staff data.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use heard_app::auth::from_another_site;
use heard_app::error::AppError;
use heard_app::state::AppState;

/// Refuses a state-changing request that a browser says came from another
/// site, then adds the protective headers to whatever is answered.
pub async fn protect(
    State(state): State<AppState>,
    request: Request<Body>,
    next: axum::middleware::Next,
) -> Response {
    let changes_something = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let static_file = request.uri().path().starts_with("/pkg/");
    let from_elsewhere = from_another_site(request.headers());
    // Another site may link to Heard (a top-level navigation), but not
    // load its pages or endpoints into its own (an image, a script, a
    // fetch, a frame): such requests could make a school's browsers count
    // wrong join codes or time answers (Fetch Metadata resource isolation).
    let embedded = from_elsewhere
        && !static_file
        && !(is_header(request.headers(), "sec-fetch-mode", "navigate")
            && is_header(request.headers(), "sec-fetch-dest", "document"));
    let mut response = if (changes_something && from_elsewhere)
        || (embedded && request.headers().contains_key("sec-fetch-mode"))
    {
        // Only the path's first part: the rest may be a join code or a
        // share link's token, which must not reach the log.
        let area = request.uri().path().split('/').nth(1).unwrap_or_default();
        tracing::info!(area, "refused a cross-site request");
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&AppError::Forbidden).unwrap_or_default(),
        )
            .into_response()
    } else {
        next.run(request).await
    };
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages carry their own policy, with the nonce of their inline scripts
    // (see `heard_app::shell`); anything else (JSON, CSV, errors) may run
    // and load nothing.
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ));
    if state.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    // A site file sets its own caching; anything else under /pkg/ (the
    // not-found page) is not to be kept either.
    if !(static_file && status == StatusCode::OK) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn is_header(headers: &HeaderMap, name: &str, value: &str) -> bool {
    headers
        .get(name)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn requests_from_heards_own_pages_pass_and_from_elsewhere_do_not() {
        let host = ("host", "heard.example.org");
        assert!(!from_another_site(&headers(&[
            host,
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(!from_another_site(&headers(&[
            host,
            ("origin", "https://heard.example.org")
        ])));
        assert!(
            !from_another_site(&headers(&[host])),
            "not a browser: no CSRF risk"
        );
        assert!(from_another_site(&headers(&[
            host,
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(from_another_site(&headers(&[
            host,
            ("sec-fetch-site", "same-site")
        ])));
        assert!(from_another_site(&headers(&[
            host,
            ("origin", "https://evil.example")
        ])));
        assert!(from_another_site(&headers(&[host, ("origin", "null")])));
        // Fetch Metadata wins over an Origin that could be forged by a
        // non-browser anyway.
        assert!(from_another_site(&headers(&[
            host,
            ("origin", "https://heard.example.org"),
            ("sec-fetch-site", "cross-site")
        ])));
    }
}
