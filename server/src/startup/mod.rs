//! Builds and runs the web server. `router` is separate from `serve` so the
//! whole application can be assembled without a socket.
//!
//! `config` is what the server is told, `protect` what every request and
//! answer passes through (cross-site refusal, security headers),
//! `middleware` what every server function passes through, `forms` the
//! young person's plain routes and `downloads` the files staff and viewers
//! save.

mod assets;
mod config;
mod downloads;
mod forms;
mod mail;
mod middleware;
mod operator;
mod protect;

pub use config::{MailConfig, ServeConfig, load_redaction_lists, load_safeguarding};

use crate::demo;
use anyhow::Context;
use axum::Router;
use axum::routing::{MethodRouter, get, post};
use heard_app::db::{Db, redact_password};
use heard_app::state::AppState;
use heard_app::{App, shell};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Who may call an endpoint, before any role check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone: a young person with a join code, someone logging in.
    Public,
    /// A logged-in account, or a share link's token for that round.
    SessionOrShareLink,
    /// A logged-in account (each endpoint then checks the role).
    Session,
    /// The operator's token (`HEARD_METRICS_TOKEN`), not an account.
    OperatorToken,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::SessionOrShareLink => "session-or-share-link",
            Access::Session => "session",
            Access::OperatorToken => "operator-token",
        }
    }
}

/// The plain routes (besides Leptos' pages and server functions), each
/// with its method and who may call it: one table for the router and for
/// `heard routes`, so a route cannot be added without its entry.
fn plain_routes() -> Vec<(&'static str, &'static str, Access, MethodRouter<AppState>)> {
    vec![
        ("GET", "/join", Access::Public, get(forms::join_link)),
        ("POST", "/join", Access::Public, post(forms::join)),
        (
            "POST",
            "/survey/{code}",
            Access::Public,
            post(forms::survey_step),
        ),
        (
            "POST",
            "/api/v1/responses",
            Access::Public,
            post(forms::receive_response),
        ),
        ("GET", "/health", Access::Public, get(operator::health)),
        (
            "GET",
            "/metrics",
            Access::OperatorToken,
            get(operator::metrics),
        ),
        (
            "GET",
            "/surveys/{slug}/survey.toml",
            Access::Session,
            get(downloads::survey_file),
        ),
        (
            "GET",
            "/surveys/{slug}/translations.csv",
            Access::Session,
            get(downloads::translators_sheet),
        ),
        (
            "GET",
            "/rounds/{id}/report.csv",
            Access::SessionOrShareLink,
            get(downloads::report),
        ),
        (
            "GET",
            "/rounds/{id}/compare.csv",
            Access::SessionOrShareLink,
            get(downloads::comparison),
        ),
        (
            "GET",
            "/rounds/{id}/responses.csv",
            Access::Session,
            get(downloads::responses),
        ),
        (
            "GET",
            "/rounds/{id}/project.qdpx",
            Access::Session,
            get(downloads::project),
        ),
    ]
}

/// Every endpoint Heard answers besides its pages and static files, as
/// `(method, path, access)`: the plain routes and every registered server
/// function. Printed by `heard routes`, so the tests can call each one.
pub fn endpoints() -> Vec<(String, String, Access)> {
    let mut endpoints: Vec<(String, String, Access)> = plain_routes()
        .into_iter()
        .map(|(method, path, access, _)| (method.to_owned(), path.to_owned(), access))
        .collect();
    let mut server_fns: Vec<(String, String, Access)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| {
            let access = if heard_app::auth::is_public_server_fn(path) {
                Access::Public
            } else {
                Access::Session
            };
            (method.to_string(), path.to_owned(), access)
        })
        .collect();
    server_fns.sort_by(|a, b| a.1.cmp(&b.1));
    endpoints.extend(server_fns);
    endpoints
}

/// Opens the database, seeds the demo survey if asked, and serves until
/// Ctrl-C or SIGTERM.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    operator::install();
    let site = Arc::new(load_site(config.site_root.as_deref())?);
    let safeguarding = load_safeguarding(
        config.safeguarding_words.as_deref(),
        config.safeguarding_rules.as_deref(),
    )?;
    tracing::info!(words = safeguarding.len(), "safeguarding list ready");
    let db = Db::connect(&config.database_url).await?;
    tracing::info!(database = %redact_password(&config.database_url), "database ready");
    if config.demo
        && let Some(code) = demo::seed_if_empty(&db).await?
    {
        // A join code is a key to a round: not in logs that others read.
        tracing::debug!(join_code = %code, "demo round's join code");
        tracing::info!(round = demo::DEMO_ROUND, "added the demo survey");
    }
    for round in db.list_rounds().await? {
        if round.is_open {
            tracing::info!(survey = %round.survey_slug, round = %round.round_name, "round open (heard round list shows its join code)");
        }
    }
    let listener = TcpListener::bind(&config.addr)
        .await
        .with_context(|| format!("could not listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    let leptos_options = LeptosOptions::builder()
        .output_name("heard")
        // Files are served by `assets`: Leptos's own file serving is given
        // a folder that cannot exist, so it only draws the not-found page.
        .site_root("/nonexistent/heard-site")
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let source_key = heard_app::throttle::ServerKey::load(&db).await?;
    let round_key = heard_app::throttle::ServerKey::load_named(&db, "round-open-key").await?;
    let state = AppState {
        db,
        leptos_options,
        secure_cookies: config.secure_cookies,
        safeguarding: Arc::new(safeguarding),
        redaction: Arc::new(load_redaction_lists(
            config.school_names.as_deref(),
            config.place_names.as_deref(),
        )?),
        public_url: config.public_url.clone(),
        trust_forwarded_for: config.trust_forwarded_for,
        metrics_token: config.metrics_token.as_deref().map(Arc::from),
        source_key,
        round_key,
        site: site.urls(),
    };
    let state_db = state.db.clone();
    let app = router(state, site);
    // Tests and scripts read the real port from this line.
    tracing::info!("listening on http://{addr}");
    forget_old_failure_counts(state_db.clone());
    match &config.mail {
        Some(mail) => {
            let mailer = mail::SmtpMailer::new(&mail.smtp_url, &mail.from)?;
            let settings = heard_app::use_cases::notifications::NotifySettings {
                default_lead: mail.default_lead.clone(),
                public_url: config
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{addr}")),
                resend_after: mail.resend_after_seconds,
            };
            mail::spawn_notifier(state_db.clone(), mailer, settings);
            tracing::info!("safeguarding e-mails on");
        }
        None => tracing::warn!(
            "safeguarding e-mails are off (HEARD_SMTP_URL is not set): flags wait on the needs-a-look page"
        ),
    }
    serve_connections(listener, app, config.header_timeout).await;
    tracing::info!("stopped");
    Ok(())
}

/// Serves `app` on `listener` until Ctrl-C or SIGTERM, then lets open
/// requests finish (for up to 30 seconds).
///
/// What `axum::serve` does, plus a limit on how long a client may take to
/// send a request's headers: hyper enforces one only when given a timer,
/// which `axum::serve` does not give it, so a client trickling its headers
/// a byte at a time could hold a connection for ever. (Once the headers
/// are in, `REQUEST_TIMEOUT` limits the rest.)
async fn serve_connections(listener: TcpListener, app: Router, header_timeout: Duration) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt;
    // HTTP/1 only: browsers speak HTTP/2 only over TLS, which a proxy in
    // front of Heard ends, and hyper's cleartext HTTP/2 would need timeouts
    // of its own.
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown_signal());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, not spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // A response's last part goes out at once: with Nagle's algorithm
        // a small last segment can wait for the client to acknowledge the
        // one before, which clients delay by up to 40 ms.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not turn off Nagle's algorithm on a connection");
        }
        let app = app.clone();
        // Each request learns the address it came from (for throttling),
        // as `into_make_service_with_connect_info` would tell it.
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                app.clone().oneshot(request.map(axum::body::Body::new))
            },
        );
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some requests did not finish within 30 seconds of stopping");
    }
}

/// The site to serve: the folder named, else the one built in. Heard does
/// not start without one: pages without their stylesheet and script would
/// leave young people with an unstyled survey and no outbox, silently.
fn load_site(folder: Option<&str>) -> anyhow::Result<assets::Site> {
    let (site, from) = match folder {
        Some(folder) => (
            assets::Site::from_folder(std::path::Path::new(folder))
                .with_context(|| format!("could not read the site folder {folder}"))?,
            format!("the site folder {folder} (HEARD_SITE_ROOT or LEPTOS_SITE_ROOT)"),
        ),
        None => (assets::Site::embedded(), "this heard binary".to_owned()),
    };
    let missing = site.missing();
    if !missing.is_empty() {
        anyhow::bail!(
            "{from} holds no built Heard site (missing {}): build it with `cargo leptos build --release --precompress`, or set HEARD_SITE_ROOT to a folder holding one",
            missing.join(", ")
        );
    }
    tracing::info!(site = %from, "site ready");
    Ok(site)
}

/// The whole application: plain-form routes, Leptos pages and server
/// functions, and static files.
fn router(state: AppState, site: Arc<assets::Site>) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let mut router = Router::new();
    for (_, path, _, method_router) in plain_routes() {
        router = router.route(path, method_router);
    }
    let not_found =
        leptos_axum::file_and_error_handler_with_context::<AppState, _>(context.clone(), shell);
    let files_or_not_found = move |uri: axum::http::Uri,
                                   state: axum::extract::State<AppState>,
                                   request: axum::extract::Request| {
        let site = site.clone();
        let not_found = not_found.clone();
        async move {
            let reads = matches!(
                *request.method(),
                axum::http::Method::GET | axum::http::Method::HEAD
            );
            match site
                .response(uri.path(), request.headers())
                .filter(|_| reads)
            {
                Some(file) => file,
                None => not_found(uri, state, request).await,
            }
        }
    };
    router
        .leptos_routes_with_context(&state, routes, context, render_shell)
        // Routed requests only: a path matched no route has no pattern
        // to be counted under, and static files are not worth timing.
        .route_layer(axum::middleware::from_fn(operator::time_requests))
        .fallback(files_or_not_found)
        // Inside compression, so that it reads errors as the function wrote them.
        .layer(axum::middleware::from_fn(
            middleware::status_of_server_fn_errors,
        ))
        // Pages and JSON, compressed as they are made. The site's files
        // come compressed at build time (`assets`), and a response that
        // already has a Content-Encoding passes through untouched.
        .layer(tower_http::compression::CompressionLayer::new())
        // Bodies are limited by `limit_server_fn_bodies` (and by each plain
        // route itself), not by axum's one 2 MB default for everything.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::limit_server_fn_bodies,
        ))
        // A request, its body included, must be handled within a minute
        // (the browser import, a file of up to 20 MB from a school's slow
        // uplink, within 15): a client that sends its body a byte at a time
        // is cut off (408) rather than holding a connection. Streamed
        // answers (an import's progress) are not cut: only reaching their
        // first byte is timed.
        .layer(axum::middleware::from_fn(middleware::time_limit))
        // Outermost: a cross-site request is refused before anything reads
        // it, and every answer, refusals included, gets the headers.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            protect::protect,
        ))
        .with_state(state)
}

/// Throttling counts older than a day are of no use: drop them every few
/// minutes. Any instance may do it; doing it twice is harmless.
fn forget_old_failure_counts(db: Db) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            if let Err(error) = db.forget_hits_before(heard_app::db::now() - 86_400).await {
                tracing::warn!(%error, "could not forget old throttling counts");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
