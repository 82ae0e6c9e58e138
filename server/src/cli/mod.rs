//! `heard`'s command line. Without a subcommand it serves.
//!
//! Each command is an adapter over a use case (`heard_app::use_cases`) or
//! the database: it parses its arguments, calls, and prints. Commands live
//! by group: `accounts`, `surveys` (surveys, rounds, codebooks,
//! suggestions), `data` (imports, exports, erasure, backups) and `reports`.

mod accounts;
mod data;
mod reports;
mod safeguarding;
mod surveys;

use crate::startup::{self, ServeConfig};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "heard",
    version,
    about = "Hear young people: collect their views, code them into themes, report what they said."
)]
struct Cli {
    /// Database to use: sqlite://PATH (created if missing) or postgres://...
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/heard.db",
        global = true
    )]
    database_url: String,

    #[command(flatten)]
    serve: ServeArgs,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the web server (what `heard` does with no subcommand).
    Serve,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// Import and export surveys as TOML files (format in the README).
    #[command(subcommand)]
    Survey(surveys::SurveyCommand),
    /// Open and close a survey's rounds.
    #[command(subcommand)]
    Round(surveys::RoundCommand),
    /// Suggest themes for answers from a question's codebook keywords. Prints
    /// CSV `text,theme,score,matched`, best first; an answer with no
    /// suggestion gets one row with the last three empty.
    Suggest(surveys::SuggestArgs),
    /// Import responses or codes from CSV files, all or nothing.
    #[command(subcommand)]
    Import(data::ImportCommand),
    /// Export data for Excel, SPSS or R.
    #[command(subcommand)]
    Export(data::ExportCommand),
    /// Erase free text (answers become "[erased]", quotes go) while keeping
    /// the coded counts, so year-on-year comparison still works. Either one
    /// round (--survey, --round, --free-text) or every round past its
    /// retention date (--due). Or delete one young person's response, all
    /// of it, given their receipt code (--receipt). Recorded in the audit log.
    Erase(data::EraseArgs),
    /// Check text against the safeguarding rules, or measure them on a
    /// labelled set (the README's figures come from this).
    #[command(subcommand)]
    Safeguarding(safeguarding::SafeguardingCommand),
    /// Write a consistent copy of the (SQLite) database to FILE, safe while
    /// Heard is running. For PostgreSQL use pg_dump (see the README).
    Backup { file: std::path::PathBuf },
    /// Replace the (SQLite) database with a backup. Stop Heard first. A
    /// database that holds answers or accounts is only replaced with --force.
    Restore {
        file: std::path::PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// A free-text question's codebook as REFI-QDA (.qdc, for NVivo,
    /// ATLAS.ti, MAXQDA, QualCoder, Taguette) or CSV, out and in.
    #[command(subcommand)]
    Codebook(surveys::CodebookCommand),
    /// Print a round's counts and percentages per question, each share with
    /// its 95% interval (Wilson). CSV columns
    /// `question,category,count,percent,n,ci_low,ci_high` (with --by:
    /// `question,attribute,category,count,percent,n,ci_low,ci_high`).
    Report(reports::ReportArgs),
    /// A free-text question coded with several themes per answer: how
    /// many answers carry each pair of its themes. CSV columns
    /// `question,theme,with,both,percent,n` (n: the answers coded). For
    /// viewers, a pair fewer than the survey's smallest cell carry prints
    /// `c`, and a question too few had coded prints nothing.
    Together(reports::TogetherArgs),
    /// Compare a question across rounds (first to last), as in table 3.3 of
    /// the 2024 report: counts, shares, change, % change and change in
    /// percentage points, with a Total row. For viewers, rounds where too
    /// few answered are left out and named.
    Compare(reports::CompareArgs),
    /// List every endpoint Heard answers besides its pages and static
    /// files, one per line: method, path, and who may call it (public,
    /// session, or session-or-share-link): the plain routes and every
    /// server function.
    Routes,
    /// Print the audit log, newest first, tab-separated: time (UTC), who,
    /// what, detail. Logins, second factors, account changes, exports,
    /// share links, imports and erasures; never answer text.
    Audit {
        /// Only entries from this day on (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 1000)]
        limit: i64,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(
        long,
        env = "HEARD_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    addr: String,
    /// Serve the built front end from this folder (cargo-leptos' site
    /// root) instead of the one built into heard; LEPTOS_SITE_ROOT too.
    #[arg(long, env = "HEARD_SITE_ROOT", global = true)]
    site_root: Option<String>,
    /// Mark session cookies Secure (and name them __Host-): set when Heard
    /// is served over HTTPS. On whenever --public-url starts with https://.
    #[arg(long, env = "HEARD_SECURE_COOKIES", global = true)]
    secure_cookies: bool,
    /// Do not add the demo survey to an empty database.
    #[arg(long, env = "HEARD_NO_DEMO", global = true)]
    no_demo: bool,
    /// A file of safeguarding rules (words and phrases, one per line) to
    /// use instead of Heard's own.
    #[arg(long, env = "HEARD_SAFEGUARDING_WORDS", global = true)]
    safeguarding_words: Option<std::path::PathBuf>,
    /// A file of safeguarding rules to add to Heard's own (local slang,
    /// local gangs' names), in the form of Heard's rules file.
    #[arg(long, env = "HEARD_SAFEGUARDING_RULES", global = true)]
    safeguarding_rules: Option<std::path::PathBuf>,
    /// A file of local school names (one per line) that proposed redactions
    /// of quotes replace with [school].
    #[arg(long, env = "HEARD_SCHOOL_NAMES", global = true)]
    school_names: Option<std::path::PathBuf>,
    /// A file of local place names (one per line) that proposed redactions
    /// of quotes replace with [place].
    #[arg(long, env = "HEARD_PLACE_NAMES", global = true)]
    place_names: Option<std::path::PathBuf>,
    /// The address tablets reach Heard at (e.g. https://heard.example.org),
    /// for survey links and QR codes; default: the address a page was asked at.
    #[arg(long, env = "HEARD_PUBLIC_URL", global = true)]
    public_url: Option<String>,
    /// Take the client's address from the last X-Forwarded-For entry: set
    /// only when Heard runs behind a reverse proxy that writes it.
    #[arg(long, env = "HEARD_TRUST_FORWARDED_FOR", global = true)]
    trust_forwarded_for: bool,
    /// A token an operator's Prometheus sends (`Authorization: Bearer
    /// TOKEN`) to read /metrics. Unset: no /metrics.
    #[arg(
        long,
        env = "HEARD_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    metrics_token: Option<String>,
    /// Seconds a client may take to send a request's headers before the
    /// connection is closed (slow clients must not hold connections).
    #[arg(
        long,
        env = "HEARD_HEADER_TIMEOUT_SECONDS",
        default_value_t = 30,
        global = true
    )]
    header_timeout_seconds: u64,
    /// The SMTP server safeguarding e-mails go through:
    /// smtp://host:port (add ?tls=required for STARTTLS) or
    /// smtps://user:password@host. Unset: no e-mails.
    #[arg(long, env = "HEARD_SMTP_URL", global = true)]
    smtp_url: Option<String>,
    /// The sender of safeguarding e-mails.
    #[arg(
        long,
        env = "HEARD_MAIL_FROM",
        default_value = "heard@localhost",
        global = true
    )]
    mail_from: String,
    /// The safeguarding lead for surveys without their own (see heard
    /// survey safeguarding-lead).
    #[arg(long, env = "HEARD_SAFEGUARDING_LEAD", global = true)]
    safeguarding_lead: Option<String>,
    /// Hours after which a flag still unhandled is e-mailed again.
    #[arg(
        long,
        env = "HEARD_SAFEGUARDING_RESEND_HOURS",
        default_value_t = 24,
        global = true
    )]
    safeguarding_resend_hours: i64,
}

/// Runs the command line and turns any error into a message and exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let database_url = cli.database_url.as_str();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let config = ServeConfig {
                database_url: cli.database_url.clone(),
                addr: cli.serve.addr,
                site_root: cli
                    .serve
                    .site_root
                    .filter(|folder| !folder.is_empty())
                    .or_else(|| std::env::var("LEPTOS_SITE_ROOT").ok())
                    .filter(|folder| !folder.is_empty()),
                // Over HTTPS, the session cookie is Secure and __Host-.
                secure_cookies: cli.serve.secure_cookies
                    || cli
                        .serve
                        .public_url
                        .as_deref()
                        .is_some_and(|url| url.starts_with("https://")),
                demo: !cli.serve.no_demo,
                safeguarding_words: cli.serve.safeguarding_words,
                safeguarding_rules: cli.serve.safeguarding_rules,
                school_names: cli.serve.school_names,
                place_names: cli.serve.place_names,
                public_url: cli.serve.public_url,
                trust_forwarded_for: cli.serve.trust_forwarded_for,
                metrics_token: cli.serve.metrics_token.filter(|t| !t.is_empty()),
                header_timeout: std::time::Duration::from_secs(
                    cli.serve.header_timeout_seconds.max(1),
                ),
                mail: cli.serve.smtp_url.map(|smtp_url| startup::MailConfig {
                    smtp_url,
                    from: cli.serve.mail_from,
                    default_lead: cli.serve.safeguarding_lead,
                    resend_after_seconds: cli.serve.safeguarding_resend_hours.max(1) * 3600,
                }),
            };
            startup::serve(config).await
        }
        Command::User(command) => accounts::run(database_url, command).await,
        Command::Survey(command) => surveys::survey(database_url, command).await,
        Command::Round(command) => surveys::round(database_url, command).await,
        Command::Suggest(args) => surveys::suggest(database_url, args).await,
        Command::Codebook(command) => surveys::codebook(database_url, command).await,
        Command::Import(command) => {
            let safeguarding = startup::load_safeguarding(
                cli.serve.safeguarding_words.as_deref(),
                cli.serve.safeguarding_rules.as_deref(),
            )?;
            data::import(database_url, &safeguarding, command).await
        }
        Command::Export(command) => data::export(database_url, command).await,
        Command::Erase(args) => data::erase(database_url, args).await,
        Command::Safeguarding(command) => {
            let rules = startup::load_safeguarding(
                cli.serve.safeguarding_words.as_deref(),
                cli.serve.safeguarding_rules.as_deref(),
            )?;
            safeguarding::run(&rules, command)
        }
        Command::Backup { file } => data::backup(database_url, &file).await,
        Command::Restore { file, force } => data::restore(database_url, &file, force).await,
        Command::Report(args) => reports::report(database_url, args).await,
        Command::Together(args) => reports::together(database_url, args).await,
        Command::Compare(args) => reports::compare(database_url, args).await,
        Command::Audit { since, limit } => {
            accounts::audit(database_url, since.as_deref(), limit).await
        }
        Command::Routes => {
            for (method, path, access) in startup::endpoints() {
                println!("{method} {path} {}", access.as_str());
            }
            Ok(())
        }
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
