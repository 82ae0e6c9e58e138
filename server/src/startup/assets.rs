//! The built site (CSS, JS and wasm, as `cargo leptos build --release
//! --precompress` leaves them in `target/site`), served from inside the
//! `heard` binary: copying that one file to a server is a whole install.
//!
//! Each file under `pkg/` is served under a name holding a hash of its
//! content (`/pkg/heard.3fa2…c4.css`) with `Cache-Control: immutable`, so
//! a tablet's second visit downloads nothing but the page; the brotli
//! (best level) and gzip copies cargo-leptos made at build time are sent
//! to browsers that take them, so nothing is compressed per request.
//! A folder named by `HEARD_SITE_ROOT` (or cargo-leptos's
//! `LEPTOS_SITE_ROOT`) is served instead when set, after checking that it
//! holds a site.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use heard_app::state::SiteUrls;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

#[derive(rust_embed::Embed)]
#[folder = "$CARGO_MANIFEST_DIR/../target/site"]
#[allow_missing = true]
struct Embedded;

/// The files every page needs; a site without them is no site.
const NEEDED: [&str; 2] = ["pkg/heard.css", "pkg/heard.js"];

/// One file, in each form it can be sent in.
struct Asset {
    plain: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
    content_type: &'static str,
    /// Served under its hashed name: never changes.
    immutable: bool,
}

/// The site: every file by the path it is served at (without the leading
/// `/`), and each `pkg/` file's hashed path by its plain one.
pub struct Site {
    files: HashMap<String, Asset>,
    hashed: HashMap<String, String>,
}

impl Site {
    /// The site built into this binary.
    pub fn embedded() -> Site {
        Site::from_files(Embedded::iter().filter_map(|name| {
            let file = Embedded::get(&name)?;
            Some((name.into_owned(), file.data))
        }))
    }

    /// The site in `folder` (read once, at start).
    pub fn from_folder(folder: &Path) -> anyhow::Result<Site> {
        let mut files = Vec::new();
        let mut pending = vec![folder.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let path = entry?.path();
                if path.is_dir() {
                    pending.push(path);
                } else if let Ok(relative) = path.strip_prefix(folder) {
                    let name = relative.to_string_lossy().replace('\\', "/");
                    files.push((name, Cow::Owned(std::fs::read(&path)?)));
                }
            }
        }
        Ok(Site::from_files(files))
    }

    fn from_files(files: impl IntoIterator<Item = (String, Cow<'static, [u8]>)>) -> Site {
        // Built-in files are borrowed for ever; nothing is copied per request.
        let mut all: HashMap<String, Bytes> = files
            .into_iter()
            .map(|(name, data)| {
                let bytes = match data {
                    Cow::Borrowed(data) => Bytes::from_static(data),
                    Cow::Owned(data) => Bytes::from(data),
                };
                (name, bytes)
            })
            .collect();
        let mut site = Site {
            files: HashMap::new(),
            hashed: HashMap::new(),
        };
        // wasm-bindgen's TypeScript declarations are for editors, not
        // browsers.
        all.retain(|name, _| !name.contains(".d.ts"));
        let names: Vec<String> = all
            .keys()
            .filter(|n| !n.ends_with(".br") && !n.ends_with(".gz"))
            .cloned()
            .collect();
        for name in names {
            let Some(plain) = all.remove(&name) else {
                continue;
            };
            let brotli = all.remove(&format!("{name}.br"));
            let gzip = all.remove(&format!("{name}.gz"));
            let content_type = content_type(&name);
            if name.starts_with("pkg/") {
                let served = hashed_name(&name, &plain);
                site.hashed.insert(name.clone(), served.clone());
                site.files.insert(
                    served,
                    Asset {
                        plain: plain.clone(),
                        brotli: brotli.clone(),
                        gzip: gzip.clone(),
                        content_type,
                        immutable: true,
                    },
                );
            }
            site.files.insert(
                name,
                Asset {
                    plain,
                    brotli,
                    gzip,
                    content_type,
                    immutable: false,
                },
            );
        }
        site
    }

    /// What is missing for this to be a site, if anything.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing: Vec<&'static str> = NEEDED
            .into_iter()
            .filter(|n| !self.files.contains_key(*n))
            .collect();
        if self.wasm_name().is_none() {
            missing.push("pkg/heard_bg.wasm");
        }
        missing
    }

    /// cargo-leptos names the wasm `heard.wasm`; wasm-bindgen alone,
    /// `heard_bg.wasm`.
    fn wasm_name(&self) -> Option<&'static str> {
        ["pkg/heard.wasm", "pkg/heard_bg.wasm"]
            .into_iter()
            .find(|n| self.files.contains_key(*n))
    }

    /// The address of a file by its plain name (`pkg/heard.css`): its
    /// hashed one when it has one.
    pub fn url(&self, name: &str) -> String {
        format!("/{}", self.hashed.get(name).map_or(name, String::as_str))
    }

    /// Where pages find the stylesheet, the script and the wasm.
    pub fn urls(&self) -> SiteUrls {
        SiteUrls {
            css: self.url("pkg/heard.css"),
            js: self.url("pkg/heard.js"),
            wasm: self.url(self.wasm_name().unwrap_or("pkg/heard_bg.wasm")),
            css_text: self
                .files
                .get("pkg/heard.css")
                .map(|css| std::sync::Arc::from(String::from_utf8_lossy(&css.plain).as_ref()))
                .unwrap_or_else(|| std::sync::Arc::from("")),
        }
    }

    /// The answer to `GET /path`, if the site has such a file.
    pub fn response(&self, path: &str, request: &HeaderMap) -> Option<Response> {
        let asset = self.files.get(path.trim_start_matches('/'))?;
        let accepts = |encoding: &str| accepts_encoding(request, encoding);
        let (body, encoding) = match (&asset.brotli, &asset.gzip) {
            (Some(brotli), _) if accepts("br") => (brotli, Some("br")),
            (_, Some(gzip)) if accepts("gzip") => (gzip, Some("gzip")),
            _ => (&asset.plain, None),
        };
        let mut response = Response::new(Body::from(body.clone()));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if asset.immutable {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            }),
        );
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        *response.status_mut() = StatusCode::OK;
        Some(response)
    }
}

/// `pkg/heard.css` → `pkg/heard.<16 hex digits of its SHA-256>.css`.
fn hashed_name(name: &str, content: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(content);
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.ends_with('/') => format!("{stem}.{hash}.{extension}"),
        _ => format!("{name}.{hash}"),
    }
}

/// Whether `Accept-Encoding` takes `encoding` (and not with `q=0`).
fn accepts_encoding(request: &HeaderMap, encoding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let refused = |p: &str| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            };
            parts
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case(encoding))
                && !parts.any(refused)
        })
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site::from_files([
            ("pkg/heard.css".to_owned(), Cow::Borrowed(&b"body{}"[..])),
            ("pkg/heard.css.br".to_owned(), Cow::Borrowed(&b"BR"[..])),
            ("pkg/heard.css.gz".to_owned(), Cow::Borrowed(&b"GZ"[..])),
            ("pkg/heard.js".to_owned(), Cow::Borrowed(&b"js"[..])),
            ("pkg/heard.wasm".to_owned(), Cow::Borrowed(&b"wasm"[..])),
            (
                "robots.txt".to_owned(),
                Cow::Borrowed(&b"User-agent: *"[..]),
            ),
        ])
    }

    fn headers(accept: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        headers
    }

    #[test]
    fn pkg_files_are_served_under_their_hash_for_ever_and_precompressed() {
        let site = site();
        assert!(site.missing().is_empty());
        let css = site.urls().css;
        assert!(
            css.starts_with("/pkg/heard.")
                && css.ends_with(".css")
                && css.len() == "/pkg/heard..css".len() + 16,
            "{css}"
        );
        let response = site.response(&css, &headers("gzip, deflate, br")).unwrap();
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/css; charset=utf-8"
        );
        let gzip = site.response(&css, &headers("gzip, br;q=0.0")).unwrap();
        assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");
        let plain = site.response(&css, &HeaderMap::new()).unwrap();
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        // The plain name still answers, but may change.
        let unhashed = site.response("/pkg/heard.css", &headers("br")).unwrap();
        assert_eq!(unhashed.headers()[header::CACHE_CONTROL], "no-cache");
        assert_eq!(site.urls().wasm.rsplit('.').next(), Some("wasm"));
        assert_eq!(site.url("robots.txt"), "/robots.txt");
        assert!(site.response("/pkg/other.css", &HeaderMap::new()).is_none());
    }

    #[test]
    fn the_hash_changes_with_the_content() {
        let a = hashed_name("pkg/heard.css", b"body{}");
        assert_eq!(a, hashed_name("pkg/heard.css", b"body{}"));
        assert_ne!(a, hashed_name("pkg/heard.css", b"body{color:red}"));
    }

    #[test]
    fn a_site_without_its_files_says_what_is_missing() {
        let empty = Site::from_files([]);
        assert_eq!(
            empty.missing(),
            ["pkg/heard.css", "pkg/heard.js", "pkg/heard_bg.wasm"]
        );
    }
}
