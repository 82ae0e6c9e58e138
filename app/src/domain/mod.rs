//! Heard's pure core: surveys, join codes, answers, the survey's step machine
//! and accounts' roles. No I/O and no leptos, sqlx or axum types: it compiles
//! for the server and for wasm, and carries most of the unit tests.

pub mod account;
pub mod agreement;
pub mod answers;
pub mod audit;
pub mod codebook_file;
pub mod coding;
pub mod exports;
pub mod flags;
pub mod imports;
pub mod join_code;
pub mod languages;
pub mod late;
pub mod learn;
pub mod notification;
pub mod parallel;
pub mod progress;
#[cfg(feature = "ssr")]
pub mod qdpx;
pub mod receipt;
pub mod redact;
pub mod report;
pub mod report_output;
pub mod rounds;
pub mod safeguarding;
pub mod spreadsheet;
pub mod suggest;
pub mod summary;
pub mod survey;
pub mod survey_file;
pub mod text;
pub mod throttle;
