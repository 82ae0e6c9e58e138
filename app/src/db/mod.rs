//! The database layer: the only place with SQL. It returns domain types and
//! runs unchanged on SQLite and PostgreSQL through sqlx's `Any` driver, so
//! every statement keeps to the SQL both speak (`$n` parameters, text ids,
//! BIGINT times). It must not decide policy: who may call it, and what a
//! rule allows, is for `use_cases` and the server functions.

mod accounts;
mod audit;
mod codebook;
mod coding;
mod exports;
mod flags;
mod imports;
mod progress;
mod reports;
mod responses;
mod retention;
mod rounds;
mod submissions;
mod surveys;
mod tallies;
mod throttle;

pub use accounts::{SessionUser, StoredUser};
pub use codebook::CodebookChange;
pub use reports::{Publication, RoundWithSurvey};
pub use responses::StoreOutcome;
pub use retention::{ERASED, Erased};
pub use rounds::RoundForCode;
pub use rounds::RoundRef;
pub use submissions::{Allowance, Counted, Written};
pub use tallies::GroupBy;

/// A transaction on either database.
pub(crate) type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use std::time::{SystemTime, UNIX_EPOCH};

/// Errors of the database layer. The details are for the log only.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("could not create the folder {path} for the database: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("could not open the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("could not apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// A batch of young people's surveys could not be stored together
    /// because the database failed (the error as it was).
    #[error("the database could not store a batch of surveys: {0}")]
    Unavailable(String),
}

/// A pool of connections to Heard's database, with this instance's
/// submission writer and its cache of the surveys behind join codes
/// (checked against the database before each use, so nothing in it is
/// state another instance needs).
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    writer: submissions::SubmissionWriter,
    rounds: std::sync::Arc<rounds::RoundCache>,
    tallies: std::sync::Arc<tallies::TallyCache>,
}

impl Db {
    /// Opens (creating it if need be) the database at `url` and brings its
    /// schema up to date. `sqlite://PATH` or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let is_sqlite = url.starts_with("sqlite:");
        let url = if is_sqlite {
            sqlite_url_that_creates(url)?
        } else {
            url.to_owned()
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if is_sqlite { 8 } else { 10 })
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if is_sqlite {
                        // Every commit synced before it is acknowledged
                        // (WAL's default would not sync the log on commit),
                        // and a writer waits its turn rather than failing.
                        use sqlx::Executor;
                        connection.execute("PRAGMA synchronous = FULL").await?;
                        connection.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            // A connection whose COMMIT failed (SQLite with its disk full)
            // can come back to the pool still counted as inside its
            // transaction, and every later transaction on it would fail
            // or, worse, nest inside the dead one: such a connection is
            // closed instead of used, and a fresh one opened.
            .before_acquire(|connection, _| {
                Box::pin(async move {
                    use sqlx::Connection;
                    let usable = !connection.is_in_transaction();
                    if !usable {
                        tracing::warn!(
                            "closed a database connection left inside a failed transaction"
                        );
                    }
                    Ok(usable)
                })
            })
            .connect(&url)
            .await
            .map_err(|source| DbError::Connect {
                url: redact_password(&url),
                source,
            })?;
        if is_sqlite {
            // WAL lets readers carry on while an answer is written; the
            // setting is stored in the file, so once is enough.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await?;
        }
        sqlx::migrate!("../migrations").run(&pool).await?;
        let db = Db {
            writer: submissions::SubmissionWriter::start(pool.clone()),
            rounds: std::sync::Arc::default(),
            tallies: std::sync::Arc::default(),
            pool,
        };
        let moved = db.move_concerns_to_rows().await?;
        if moved > 0 {
            tracing::info!(flags = moved, "safeguarding concerns moved to rows");
        }
        Ok(db)
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Surveys waiting for the submission writer now.
    pub fn submissions_waiting(&self) -> usize {
        self.writer.waiting()
    }

    /// Connections the pool holds open, and how many of them are idle.
    pub fn connections(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// Whether the database answers a trivial query within `limit`.
    pub async fn answers_within(&self, limit: std::time::Duration) -> bool {
        let probe = sqlx::query("SELECT 1").execute(&self.pool);
        matches!(tokio::time::timeout(limit, probe).await, Ok(Ok(_)))
    }

    pub(crate) fn is_sqlite(&self) -> bool {
        self.pool.connect_options().database_url.scheme() == "sqlite"
    }
}

/// The file of an `sqlite:` URL; `None` for any other database.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    url.starts_with("sqlite:").then(|| {
        std::path::PathBuf::from(
            url.trim_start_matches("sqlite:")
                .trim_start_matches("//")
                .split('?')
                .next()
                .unwrap_or_default(),
        )
    })
}

impl Db {
    /// Writes a consistent copy of an SQLite database to `file` while it
    /// is in use (`VACUUM INTO` reads one snapshot). `Ok(false)` on
    /// PostgreSQL, which is backed up with its own tools.
    pub async fn backup_to(&self, file: &std::path::Path) -> Result<bool, DbError> {
        if !self.is_sqlite() {
            return Ok(false);
        }
        sqlx::query("VACUUM INTO $1")
            .bind(file.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(true)
    }

    /// Closes every connection (SQLite then folds its write-ahead log into
    /// the file).
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Whether the database holds any survey answers or accounts (the demo
    /// survey alone does not count).
    pub async fn holds_data(&self) -> Result<bool, DbError> {
        use sqlx::Row;
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM responses) + (SELECT COUNT(*) FROM users) AS n",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

/// SQLite needs `mode=rwc` to create a missing file, and the folder must exist.
fn sqlite_url_that_creates(url: &str) -> Result<String, DbError> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| DbError::CreateDir {
            path: parent.display().to_string(),
            source,
        })?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Keeps a password in a connection URL out of error messages and logs.
pub fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A new random id for a row.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A random join code for a new round.
pub fn fresh_join_code() -> crate::domain::join_code::JoinCode {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    crate::domain::join_code::JoinCode::from_random(u64::from_le_bytes(
        bytes[..8].try_into().expect("a UUID has 16 bytes"),
    ))
}

/// Ids for many rows stored in one go (an import): a random start, then
/// consecutive numbers in the low 32 bits. The database then appends each
/// key to its indexes instead of scattering half a million random keys
/// across them, which had SQLite re-reading index pages for every row.
/// Still UUID-shaped, and the start is as random as [`new_id`].
pub(crate) struct IdRun {
    start: u128,
    next: u32,
}

impl IdRun {
    pub(crate) fn new() -> IdRun {
        IdRun {
            start: uuid::Uuid::new_v4().as_u128() & !u128::from(u32::MAX),
            next: 0,
        }
    }

    pub(crate) fn next_id(&mut self) -> String {
        let id = uuid::Uuid::from_u128(self.start | u128::from(self.next));
        self.next = self.next.wrapping_add(1);
        id.to_string()
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The start (UTC) of the day containing `time`: responses store no finer time.
pub fn start_of_day(time: i64) -> i64 {
    time - time.rem_euclid(86_400)
}

/// Whether `error` is SQLite giving up waiting for another writer
/// (SQLITE_BUSY and its extended codes).
pub(crate) fn is_busy(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == 5)
}

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_connection_urls_are_redacted() {
        assert_eq!(
            redact_password("postgres://heard:s3cret@db:5432/heard"),
            "postgres://heard:***@db:5432/heard"
        );
        assert_eq!(
            redact_password("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            redact_password("sqlite://data/heard.db"),
            "sqlite://data/heard.db"
        );
    }

    #[test]
    fn response_times_are_rounded_down_to_the_day() {
        assert_eq!(start_of_day(1_719_835_199), 1_719_792_000);
        assert_eq!(start_of_day(1_719_792_000), 1_719_792_000);
    }

    #[test]
    fn sqlite_urls_are_made_to_create_their_file() {
        let dir = std::env::temp_dir().join(format!("heard-db-test-{}", new_id()));
        let url = format!("sqlite://{}/x/heard.db", dir.display());
        assert_eq!(
            sqlite_url_that_creates(&url).unwrap(),
            format!("{url}?mode=rwc")
        );
        assert!(dir.join("x").is_dir());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
