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
//! - **Headers on every response**: no sniffing, no referrer (a share
//!   link's token must not leak), no framing, HSTS when served over HTTPS,
//!   and `Cache-Control: no-store` on everything but the built front end,
//!   so that Back on a shared tablet cannot show the previous child's
//!   answers and no cache keeps staff data.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
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
    let mut response = if changes_something && cross_site(request.headers()) {
        tracing::info!(path = %request.uri().path(), "refused a cross-site request");
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&AppError::Forbidden).unwrap_or_default(),
        )
            .into_response()
    } else {
        next.run(request).await
    };
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
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    if state.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !static_file {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Whether a browser marked the request as coming from a page of another
/// site: by Fetch Metadata where the browser sends it, else by `Origin`.
fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // "none": typed or bookmarked by the user; "same-origin": Heard's
        // own pages. A sibling subdomain ("same-site") is another site too.
        return !matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => false,
        Some(Ok(origin)) => !same_origin(origin, headers),
        Some(Err(_)) => true,
    }
}

/// Whether `origin` (`scheme://host[:port]`) names the host the request was
/// sent to.
fn same_origin(origin: &str, headers: &HeaderMap) -> bool {
    let Some((_, host)) = origin.split_once("://") else {
        return false; // "null" and the like: a sandboxed or opaque page.
    };
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|expected| expected.eq_ignore_ascii_case(host))
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
        assert!(!cross_site(&headers(&[
            host,
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(!cross_site(&headers(&[
            host,
            ("origin", "https://heard.example.org")
        ])));
        assert!(
            !cross_site(&headers(&[host])),
            "not a browser: no CSRF risk"
        );
        assert!(cross_site(&headers(&[
            host,
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(cross_site(&headers(&[
            host,
            ("sec-fetch-site", "same-site")
        ])));
        assert!(cross_site(&headers(&[
            host,
            ("origin", "https://evil.example")
        ])));
        assert!(cross_site(&headers(&[host, ("origin", "null")])));
        // Fetch Metadata wins over an Origin that could be forged by a
        // non-browser anyway.
        assert!(cross_site(&headers(&[
            host,
            ("origin", "https://heard.example.org"),
            ("sec-fetch-site", "cross-site")
        ])));
    }
}
