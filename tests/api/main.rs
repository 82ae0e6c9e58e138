//! Integration tests: the real `heard` binary, a fresh database per test,
//! real HTTP on port 0. Tests marked `on_both_databases!` run on SQLite and,
//! when HEARD_TEST_POSTGRES_URL is set, on PostgreSQL; without it the
//! PostgreSQL runs are reported as ignored, never as passed.

/// Defines each test once and runs it on SQLite and on PostgreSQL.
macro_rules! on_both_databases {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($app: TestApp) $body
                #[tokio::test]
                async fn on_sqlite() {
                    run(TestApp::spawn().await).await
                }
                #[tokio::test]
                #[cfg_attr(
                    not(heard_postgres),
                    ignore = "HEARD_TEST_POSTGRES_URL is not set: this PostgreSQL test did not run"
                )]
                async fn on_postgres() {
                    run(TestApp::spawn_on(Backend::Postgres).await).await
                }
            }
        )*
    };
}

/// Logging in and out, roles, and the one authorisation check.
mod accounts;
/// Scripted viewers try to work out suppressed cells from everything they
/// can read, with a feasibility solver.
mod attacks;
/// The bad-input corpus over HTTP and the command line.
mod bad_input;
/// Starting, configuration and the command line.
mod cli;
/// The coding screen's server functions: coding, history, bulk, quotes, second coder.
mod coding;
/// Every figure the database counts, checked against the young people
/// counted one by one.
mod counts;
/// Published summaries: reading before and after one child sends tells a
/// viewer nothing; no free text reaches a viewer.
mod disclosure;
/// Two Heard instances on one database, as behind a load balancer.
mod instances;
/// What an operator watches: health and metrics.
mod operator;
/// Cross-site requests refused; security headers on every answer.
mod protection;
/// Receipt codes: a young person's own answers deleted at their request.
mod receipts;
/// Imports, `heard report` and `heard compare` against the 2024 figures.
mod reports;
/// `POST /api/v1/responses`: every status code, and exactly-once storage.
mod responses;
/// Every endpoint called as every kind of caller, against the README's table.
mod role_matrix;
/// Safeguarding flags: raised on sending, shown to workers only.
mod safeguarding;
/// Second factors, session timeouts, admin control of accounts, the audit log.
mod sessions;
/// The built site inside heard: hashed, precompressed, immutable.
mod site;
/// Summaries for head teachers: the page, downloads, share links.
mod summaries;
/// A young person's journey through plain HTML forms, and exactly-once sending.
mod survey;
/// Survey files and rounds on the command line.
mod surveys;
/// Throttling guesses: no one can lock a class or an owner out.
mod throttling;
/// Each use case through the command line and HTTP, agreeing; every
/// endpoint refusing a request without a session.
mod use_cases;

pub use heard_tests::{Backend, TestApp, unix_now};
