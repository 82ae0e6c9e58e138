//! Test harness shared by the integration (`api`) and browser tests.
//!
//! Tests are black-box: they run the real `heard` binary (the release build
//! that `scripts/test` makes with cargo-leptos) in a fresh temporary folder
//! with a fresh database, on port 0, and talk to it over HTTP or through
//! Chromium. PostgreSQL runs are opted into with `HEARD_TEST_POSTGRES_URL`.

pub mod html;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The database a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_owned()
}

/// The `heard` binary under test: `HEARD_BIN` (which `scripts/test` sets
/// right after building it), else the release build, which must be newer
/// than every source file it is built from: a plain `cargo test` after an
/// edit would otherwise test yesterday's binary.
pub fn heard_binary() -> PathBuf {
    static CHECKED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CHECKED.get_or_init(checked_heard_binary).clone()
}

fn checked_heard_binary() -> PathBuf {
    if let Ok(path) = std::env::var("HEARD_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target"));
    let path = target.join("release").join("heard");
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| {
            panic!(
                "{} is missing: build it with `cargo leptos build --release` (scripts/test does), or set HEARD_BIN",
                path.display()
            )
        });
    let root = workspace_root();
    if let Some((source, _)) = ["app/src", "server/src", "migrations", "style"]
        .iter()
        .flat_map(|folder| files_under(&root.join(folder)))
        .chain([root.join("Cargo.lock")])
        .filter_map(|file| {
            Some((
                file.clone(),
                std::fs::metadata(&file).ok()?.modified().ok()?,
            ))
        })
        .find(|(_, changed)| *changed > built)
    {
        panic!(
            "{} is older than {}: rebuild it with `cargo leptos build --release` (scripts/test does)",
            path.display(),
            source.display()
        );
    }
    path
}

/// Every file under `folder`, at any depth.
fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![folder.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// The built front end (wasm, JS, CSS): `HEARD_SITE_ROOT`, else target/site.
pub fn site_root() -> PathBuf {
    std::env::var("HEARD_SITE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target").join("site"))
}

/// A running Heard with its own folder and database. Stopped when dropped.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    /// The demo round's join code, read from the log.
    pub join_code: String,
    pub database_url: String,
    /// False when started without DATABASE_URL (the default database).
    set_database_url: bool,
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    child: Child,
    log: Arc<Mutex<String>>,
    postgres: Option<PostgresDatabase>,
    /// The second factors of accounts added through [`TestApp::add_user`]
    /// that have one, by e-mail address.
    second_factors: Mutex<std::collections::HashMap<String, SecondFactor>>,
    /// Extra environment the server was started with (kept for restarts).
    env: Vec<(String, String)>,
}

/// An account's second factor as `heard user add` printed it.
#[derive(Clone, Debug)]
pub struct SecondFactor {
    /// The base32 key.
    pub key: String,
    pub recovery_codes: Vec<String>,
    /// The last time step a code was made for (each is accepted once).
    last_step: u64,
}

impl SecondFactor {
    /// Reads the key and recovery codes from `heard user add` or `heard
    /// user second-factor` output.
    pub fn from_output(stdout: &str) -> Option<SecondFactor> {
        let key = stdout
            .lines()
            .find_map(|l| l.strip_prefix("key: "))?
            .trim()
            .to_owned();
        let recovery_codes = stdout
            .lines()
            .skip_while(|l| !l.starts_with("Recovery codes"))
            .skip(1)
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        Some(SecondFactor {
            key,
            recovery_codes,
            last_step: 0,
        })
    }

    /// The code an authenticator app with this key shows at `unix_time`
    /// (RFC 6238 as the totp-rs crate computes it, independently of Heard).
    pub fn code_at(&self, unix_time: u64) -> String {
        let secret = totp_rs::Secret::Encoded(self.key.clone())
            .to_bytes()
            .expect("the printed key is base32");
        totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, secret)
            .expect("a valid TOTP key")
            .generate(unix_time)
    }

    /// A code Heard has not accepted yet: for the step now or the one
    /// after (Heard accepts each once, in order, within a step either side
    /// of its own clock; not the step before, which a step boundary between
    /// making the code and Heard checking it would leave behind), else a
    /// recovery code.
    pub fn next_code(&mut self) -> String {
        let now_step = unix_now() / 30;
        let step = (self.last_step + 1).max(now_step);
        if step <= now_step + 1 {
            self.last_step = step;
            self.code_at(step * 30)
        } else {
            self.recovery_codes
                .pop()
                .expect("a recovery code left for another login this half-minute")
        }
    }
}

/// Seconds since 1970.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

impl TestApp {
    /// Starts Heard on SQLite (a file in a fresh folder).
    pub async fn spawn() -> TestApp {
        Self::spawn_on(Backend::Sqlite).await
    }

    /// Starts Heard on `backend`. PostgreSQL needs `HEARD_TEST_POSTGRES_URL`:
    /// the tests that use it are marked ignored when it was not set at build
    /// time (see `tests/build.rs`), so reaching here without it is a failure,
    /// never a silent pass.
    pub async fn spawn_on(backend: Backend) -> TestApp {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (database_url, postgres) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/heard.db", dir.path().display()), None),
            Backend::Postgres => {
                let admin_url = std::env::var("HEARD_TEST_POSTGRES_URL").expect(
                    "HEARD_TEST_POSTGRES_URL must name a PostgreSQL database for the PostgreSQL tests",
                );
                let database = PostgresDatabase::create(&admin_url).await;
                (database.url.clone(), Some(database))
            }
        };
        Self::start(
            dir,
            database_url,
            true,
            backend,
            postgres,
            "127.0.0.1:0",
            Vec::new(),
        )
        .await
    }

    /// Starts Heard on SQLite with extra environment variables (its
    /// configuration, e.g. `HEARD_PUBLIC_URL`).
    pub async fn spawn_with_env(env: &[(&str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}/heard.db", dir.path().display());
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::start(dir, url, true, Backend::Sqlite, None, "127.0.0.1:0", env).await
    }

    /// Starts Heard as the README's first command does: no DATABASE_URL, so
    /// the default SQLite file under the working folder.
    pub async fn spawn_with_default_database() -> TestApp {
        let dir = tempfile::tempdir().expect("a temporary folder");
        Self::start(
            dir,
            "sqlite://data/heard.db".to_owned(),
            false,
            Backend::Sqlite,
            None,
            "127.0.0.1:0",
            Vec::new(),
        )
        .await
    }

    /// The most memory the server has held at once so far (its peak
    /// resident set, `VmHWM`), in KiB.
    pub fn peak_memory_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc status")
    }

    /// Another Heard instance on this one's database (as behind a load
    /// balancer), with a folder of its own. The database stays this
    /// app's: dropping the other instance only stops it.
    pub async fn second_instance(&self) -> TestApp {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let database_url = match self.database_url.strip_prefix("sqlite://data/") {
            Some(file) => format!("sqlite://{}/data/{file}", self.dir.path().display()),
            None => self.database_url.clone(),
        };
        Self::start(
            dir,
            database_url,
            true,
            self.backend,
            None,
            "127.0.0.1:0",
            self.env.clone(),
        )
        .await
    }

    /// Stops Heard and starts it again on the same folder and database.
    pub async fn restart(self) -> TestApp {
        self.restart_on("127.0.0.1:0").await
    }

    /// Starts Heard again after [`TestApp::stop`], on the same address, as
    /// when a school's server comes back.
    pub async fn restart_on_same_port(self) -> TestApp {
        let addr = self.base_url.trim_start_matches("http://").to_owned();
        self.restart_on(&addr).await
    }

    async fn restart_on(mut self, addr: &str) -> TestApp {
        self.stop();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let dir = std::mem::replace(&mut self.dir, dir);
        let postgres = self.postgres.take();
        let (url, set_url, backend) = (
            self.database_url.clone(),
            self.set_database_url,
            self.backend,
        );
        let env = std::mem::take(&mut self.env);
        Self::start(dir, url, set_url, backend, postgres, addr, env).await
    }

    async fn start(
        dir: tempfile::TempDir,
        database_url: String,
        set_database_url: bool,
        backend: Backend,
        postgres: Option<PostgresDatabase>,
        addr: &str,
        env: Vec<(String, String)>,
    ) -> TestApp {
        let mut command = Command::new(heard_binary());
        command
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env("HEARD_ADDR", addr)
            .env("HEARD_SITE_ROOT", site_root())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if set_database_url {
            command.env("DATABASE_URL", &database_url);
        }
        command.envs(env.iter().map(|(k, v)| (k, v)));
        let mut child = command.spawn().expect("the heard binary starts");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr is piped");
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let mut log = log.lock().expect("log lock");
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let started = Instant::now();
        let base_url = loop {
            if let Some(url) = field_after(&log.lock().expect("log lock"), "listening on ") {
                break url;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "heard exited with {status} before listening:\n{}",
                    log.lock().expect("log lock")
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "heard did not start in 30 s:\n{}",
                log.lock().expect("log lock")
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        let mut app = TestApp {
            base_url,
            join_code: String::new(),
            database_url,
            set_database_url,
            backend,
            dir,
            child,
            log,
            postgres,
            second_factors: Mutex::default(),
            env,
        };
        app.join_code = app.demo_join_code();
        app
    }

    /// The demo round's join code, from `heard round list` (join codes are
    /// kept out of the log).
    fn demo_join_code(&self) -> String {
        let output = self.heard(&["round", "list"], "");
        let listed = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "heard round list: {:?}", output);
        // The open round; once a test has closed it (and restarts Heard),
        // the demo's one round all the same.
        listed
            .lines()
            .find(|line| line.contains("\topen\t"))
            .or_else(|| listed.lines().next())
            .and_then(|line| line.split('\t').nth(3))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no open round in heard round list:\n{listed}"))
    }

    /// Stops the server (the folder and database stay).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Everything Heard has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock").clone()
    }

    /// `heard ARGS` against this app's database, in its folder.
    pub fn heard(&self, args: &[&str], stdin: &str) -> Output {
        self.heard_bytes(args, stdin.as_bytes())
    }

    /// [`TestApp::heard`] with any bytes on standard input.
    pub fn heard_bytes(&self, args: &[&str], stdin: &[u8]) -> Output {
        let env: &[(&str, &str)] = if self.set_database_url {
            &[("DATABASE_URL", &self.database_url)]
        } else {
            &[]
        };
        run_heard_bytes(self.dir.path(), env, args, stdin)
    }

    /// Adds an account through the command line; panics if that fails. An
    /// admin's second factor is kept, for [`TestApp::log_in`].
    pub fn add_user(&self, role: &str, email: &str, password: &str) {
        let output = self.heard(
            &["user", "add", "--role", role, email],
            &format!("{password}\n"),
        );
        assert!(
            output.status.success(),
            "heard user add failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        if let Some(factor) = SecondFactor::from_output(&String::from_utf8_lossy(&output.stdout)) {
            self.keep_second_factor(email, factor);
        }
    }

    /// Remembers `email`'s second factor, for [`TestApp::log_in`].
    pub fn keep_second_factor(&self, email: &str, factor: SecondFactor) {
        self.second_factors
            .lock()
            .expect("second factors lock")
            .insert(email.to_lowercase(), factor);
    }

    /// The second factor kept for `email`, if any.
    pub fn second_factor(&self, email: &str) -> Option<SecondFactor> {
        self.second_factors
            .lock()
            .expect("second factors lock")
            .get(&email.to_lowercase())
            .cloned()
    }

    /// A fresh second-factor code for `email`, if it has a second factor.
    pub fn next_code(&self, email: &str) -> Option<String> {
        self.second_factors
            .lock()
            .expect("second factors lock")
            .get_mut(&email.to_lowercase())
            .map(SecondFactor::next_code)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// An HTTP client that does not follow redirects, so tests see them.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client")
    }

    /// The body of `GET path`, without a session.
    pub async fn get_text(&self, path: &str) -> String {
        let response = self.client().get(self.url(path)).send().await;
        let response = response.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        response.text().await.expect("a text body")
    }

    /// Calls server function `name` with `form` as the session `cookie`
    /// (`name=value`), as a page's form would; the status and the body.
    pub async fn call(
        &self,
        name: &str,
        form: &[(&str, &str)],
        cookie: &str,
    ) -> (reqwest::StatusCode, String) {
        let response = self
            .client()
            .post(self.url(&format!("/api/{name}")))
            .header("cookie", cookie)
            .form(form)
            .send()
            .await
            .expect("the server function answers");
        (response.status(), response.text().await.unwrap_or_default())
    }

    /// Adds an admin (`admin@example.org`) if there is none and logs in as
    /// it, with its second factor; the session cookie.
    pub async fn log_in_admin(&self) -> String {
        const PASSWORD: &str = "admin password for tests";
        if self.second_factor("admin@example.org").is_none() {
            self.add_user("admin", "admin@example.org", PASSWORD);
        }
        self.log_in("admin@example.org", PASSWORD)
            .await
            .expect("the admin logs in")
    }

    /// Logs in through the login form (as a browser without JavaScript
    /// would) and returns the session cookie (`name=value`).
    pub async fn log_in(&self, email: &str, password: &str) -> Option<String> {
        let code = self.next_code(email).unwrap_or_default();
        self.log_in_with_code(email, password, &code).await
    }

    /// Logs in with `code` as the second factor (empty: none); the session
    /// cookie (`name=value`) when that worked.
    pub async fn log_in_with_code(
        &self,
        email: &str,
        password: &str,
        code: &str,
    ) -> Option<String> {
        let response = self
            .client()
            .post(self.url("/api/log_in"))
            .header("accept", "text/html")
            .header("referer", self.url("/login"))
            .form(&[("email", email), ("password", password), ("code", code)])
            .send()
            .await
            .expect("the login form posts");
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| {
                let pair = c.split(';').next().unwrap_or_default();
                pair.split_once('=').is_some_and(|(name, value)| {
                    name.ends_with("heard_session") && !value.is_empty()
                })
            })
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
    }

    /// How many responses are stored.
    pub async fn stored_responses(&self) -> i64 {
        use sqlx::Row;
        let row = sqlx::query("SELECT COUNT(*) AS n FROM responses")
            .fetch_one(&self.database().await)
            .await;
        row.expect("responses can be counted").get("n")
    }

    /// Opens this app's database directly (for checks no page shows).
    pub async fn database(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        let url = match self.database_url.strip_prefix("sqlite://data/") {
            Some(file) => format!("sqlite://{}/data/{file}", self.dir.path().display()),
            None => self.database_url.clone(),
        };
        sqlx::AnyPool::connect(&url)
            .await
            .expect("the test database opens")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
        if let Some(database) = self.postgres.take() {
            database.drop_now();
        }
    }
}

/// Runs `heard` to completion with extra environment and standard input.
pub fn run_heard(dir: &Path, env: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
    run_heard_bytes(dir, env, args, stdin.as_bytes())
}

/// [`run_heard`] with any bytes on standard input.
pub fn run_heard_bytes(dir: &Path, env: &[(&str, &str)], args: &[&str], stdin: &[u8]) -> Output {
    let mut command = Command::new(heard_binary());
    command
        .current_dir(dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("the heard binary starts");
    // Written from another thread: heard may print while it still reads
    // (`heard suggest` streams), and a full pipe each way would hang both.
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let output = child.wait_with_output().expect("heard finishes");
    // heard may refuse its arguments and exit before reading standard
    // input: a closed pipe then is not the test's failure.
    if let Err(error) = writer.join().expect("the writing thread does not panic") {
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::BrokenPipe,
            "stdin takes the input: {error}"
        );
    }
    output
}

/// The word after `marker` in `text`, up to whitespace.
fn field_after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    Some(text[start..].split_whitespace().next()?.to_owned())
}

/// A PostgreSQL database made for one test and dropped after it.
struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    async fn create(admin_url: &str) -> PostgresDatabase {
        use sqlx::Connection;
        let name = format!("heard_test_{}", uuid_like());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("HEARD_TEST_POSTGRES_URL connects");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("CREATE DATABASE");
        let (base, _) = admin_url
            .rsplit_once('/')
            .expect("the URL names a database");
        PostgresDatabase {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }

    fn drop_now(self) {
        // Drop runs outside any async context: use a small runtime of its own.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::PgConnection::connect(&self.admin_url).await {
                    let _ = sqlx::query(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ))
                    .execute(&mut admin)
                    .await;
                }
            });
        })
        .join();
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{}_{nanos}", std::process::id())
}

/// POSTs a body to `path` by hand, sending only its first `send` bytes
/// (the request says the whole length), then reads the answer: how a test
/// sees the status a server gives a body it stops reading part way, which a
/// client still sending would often miss as a closed connection. Returns the
/// status code and the answer's body.
pub async fn post_partly(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    content_type: &str,
    body: &[u8],
    send: usize,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("Heard accepts a connection");
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\n{cookie}Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("headers sent");
    // The server may answer and stop reading before all of it is sent.
    let _ = stream.write_all(&body[..send.min(body.len())]).await;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 8192];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let read = tokio::time::timeout_at(deadline.into(), stream.read(&mut buffer)).await;
        match read {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buffer[..n]),
            _ => break,
        }
        let text = String::from_utf8_lossy(&answer);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
