//! What an operator watches: `/health` (does this instance reach its
//! database?) for a load balancer, and `/metrics` in Prometheus' text
//! format for a dashboard, read by `scripts/bench-submit` too so that the
//! figures in `BENCHMARKS.md` and a dashboard's agree.
//!
//! The figures hold no answers, names or addresses: latency per route
//! pattern (never a real path, which may hold a join code or a share
//! link's token), the submission writer's queue and batches, the pool,
//! and counts of stored submissions. Still, `/metrics` answers only a
//! request bearing the operator's token (`HEARD_METRICS_TOKEN`), and is
//! not there at all without one.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use heard_app::state::AppState;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Seconds: from a millisecond to a slow import's first byte.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5,
    0.75, 1.0, 2.5, 5.0, 10.0,
];
/// Surveys per commit, up to the writer's most.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The process' recorder, installed once (the `metrics` macros record to
/// one global recorder; a second server in one process shares it).
static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder that `/metrics` renders. Safe to call again.
pub fn install() {
    RECORDER.get_or_init(|| {
        let built = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("heard_submission_batch_size".into()),
                    BATCH_BUCKETS,
                )
            })
            .and_then(|b| b.install_recorder());
        match built {
            Ok(handle) => Some(handle),
            Err(error) => {
                tracing::warn!(%error, "metrics are off: could not install their recorder");
                None
            }
        }
    });
}

/// `GET /health`: 200 when the database answers within two seconds, 503
/// when it does not (a load balancer then sends tablets elsewhere).
pub async fn health(State(state): State<AppState>) -> Response {
    if state.db.answers_within(Duration::from_secs(2)).await {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
    }
}

/// `GET /metrics`: the figures, for the bearer of the operator's token.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(presented, expected) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "the metrics need the operator's token (HEARD_METRICS_TOKEN)\n",
        )
            .into_response();
    }
    let Some(Some(recorder)) = RECORDER.get() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are off\n").into_response();
    };
    metrics::gauge!("heard_submission_queue_depth").set(state.db.submissions_waiting() as f64);
    let (open, idle) = state.db.connections();
    metrics::gauge!("heard_db_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("heard_db_connections", "state" => "busy")
        .set(f64::from(open).max(idle as f64) - idle as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        recorder.render(),
    )
        .into_response()
}

/// Compares digests, so the time taken says nothing about the token.
fn same_secret(presented: &str, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    Sha256::digest(presented.as_bytes()) == Sha256::digest(expected.as_bytes())
}

/// Times every routed request: `heard_http_request_duration_seconds` by
/// method, route pattern and status class. Server functions share one
/// pattern in the router, so they are told apart by their own path (a
/// fixed list); anything else unknown counts as "other".
pub async fn time_requests(request: Request<Body>, next: axum::middleware::Next) -> Response {
    static SERVER_FNS: OnceLock<HashSet<String>> = OnceLock::new();
    let route = match request.extensions().get::<MatchedPath>() {
        Some(matched) if !matched.as_str().contains('*') => matched.as_str().to_owned(),
        _ => {
            let known = SERVER_FNS.get_or_init(|| {
                leptos::server_fn::axum::server_fn_paths()
                    .map(|(path, _)| path.to_owned())
                    .collect()
            });
            let path = request.uri().path();
            if known.contains(path) {
                path.to_owned()
            } else {
                "other".to_owned()
            }
        }
    };
    // A fixed set: any other method (anyone may send one) would add a
    // series of its own to the figures for ever.
    let method: &'static str = match *request.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let status = match response.status().as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics::histogram!(
        "heard_http_request_duration_seconds",
        "method" => method,
        "route" => route,
        "status" => status,
    )
    .record(started.elapsed().as_secs_f64());
    response
}
