//! `heard`'s command line. Without a subcommand it serves.

use crate::startup::{self, ServeConfig};
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use heard_app::db::{Db, Imported};
use heard_app::domain::account::{Email, Password, Role};
use heard_app::domain::spreadsheet::safe_cell;
use heard_app::domain::suggest::Suggester;
use heard_app::domain::survey_file;
use std::io::{BufRead, IsTerminal};
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
    User(UserCommand),
    /// Import and export surveys as TOML files (format in the README).
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// Open and close a survey's rounds.
    #[command(subcommand)]
    Round(RoundCommand),
    /// Suggest themes for answers from a question's codebook keywords. Prints
    /// CSV `text,theme,score,matched`, best first; an answer with no
    /// suggestion gets one row with the last three empty.
    Suggest {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        question: String,
        /// The answer; without it, one answer per line on standard input.
        text: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum SurveyCommand {
    /// Create a survey from a file, or update the survey with the file's
    /// slug. Changes that would orphan stored answers are refused.
    Import {
        /// The survey file (TOML).
        file: std::path::PathBuf,
    },
    /// Print a survey as a file that `survey import` reads back.
    Export {
        /// The survey's slug.
        slug: String,
    },
}

#[derive(Debug, Subcommand)]
enum RoundCommand {
    /// Open a round (creating it if need be) and print its join code alone
    /// on the last line.
    Open {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
    },
    /// Close a round: its join code stops taking answers.
    Close {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
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
    /// Folder with the built front end (cargo-leptos' site root).
    #[arg(
        long,
        env = "HEARD_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    site_root: String,
    /// Mark session cookies Secure; set when Heard is served over HTTPS.
    #[arg(long, env = "HEARD_SECURE_COOKIES", global = true)]
    secure_cookies: bool,
    /// Do not add the demo survey to an empty database.
    #[arg(long, env = "HEARD_NO_DEMO", global = true)]
    no_demo: bool,
    /// A file of safeguarding words and phrases (one per line) to use
    /// instead of Heard's default list.
    #[arg(long, env = "HEARD_SAFEGUARDING_WORDS", global = true)]
    safeguarding_words: Option<std::path::PathBuf>,
    /// The address tablets reach Heard at (e.g. https://heard.example.org),
    /// for survey links and QR codes; default: the address a page was asked at.
    #[arg(long, env = "HEARD_PUBLIC_URL", global = true)]
    public_url: Option<String>,
    /// Take the client's address from the last X-Forwarded-For entry: set
    /// only when Heard runs behind a reverse proxy that writes it.
    #[arg(long, env = "HEARD_TRUST_FORWARDED_FOR", global = true)]
    trust_forwarded_for: bool,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add an account. The password is asked for at a prompt, or read as one
    /// line from standard input when that is not a terminal.
    Add {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The e-mail address the person logs in with.
        email: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RoleArg {
    Admin,
    Worker,
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Worker => Role::Worker,
            RoleArg::Viewer => Role::Viewer,
        }
    }
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
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let config = ServeConfig {
                database_url: cli.database_url,
                addr: cli.serve.addr,
                site_root: cli.serve.site_root,
                secure_cookies: cli.serve.secure_cookies,
                demo: !cli.serve.no_demo,
                safeguarding_words: cli.serve.safeguarding_words,
                public_url: cli.serve.public_url,
                trust_forwarded_for: cli.serve.trust_forwarded_for,
            };
            startup::serve(config).await
        }
        Command::User(UserCommand::Add { role, email }) => {
            add_user(&cli.database_url, role.into(), &email).await
        }
        Command::Survey(command) => survey(&cli.database_url, command).await,
        Command::Round(command) => round(&cli.database_url, command).await,
        Command::Suggest {
            survey,
            question,
            text,
        } => suggest(&cli.database_url, &survey, &question, text).await,
    }
}

async fn add_user(database_url: &str, role: Role, email: &str) -> anyhow::Result<()> {
    let email = Email::parse(email)?;
    let password = Password::parse(read_password()?)?;
    let db = Db::connect(database_url).await?;
    let hash =
        tokio::task::spawn_blocking(move || heard_app::auth::hash_password(&password)).await?;
    if !db.create_user(&email, role, &hash).await? {
        bail!("there is already an account for {}", email.as_str());
    }
    println!("Added {} as {}.", email.as_str(), role.as_str());
    Ok(())
}

async fn survey(database_url: &str, command: SurveyCommand) -> anyhow::Result<()> {
    match command {
        SurveyCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read {}", file.display()))?;
            let survey = survey_file::parse(&text)
                .with_context(|| format!("{} is not a valid survey file", file.display()))?;
            let db = Db::connect(database_url).await?;
            match db.import_survey(&survey).await? {
                Imported::Created(_) => println!(
                    "Created survey {} ({} questions).",
                    survey.slug,
                    survey.questions.len()
                ),
                Imported::Updated(_) => println!(
                    "Updated survey {} ({} questions).",
                    survey.slug,
                    survey.questions.len()
                ),
                Imported::Refused(problems) => bail!(
                    "survey {} was not changed, because stored answers would be orphaned:\n  {}",
                    survey.slug,
                    problems.join("\n  ")
                ),
            }
        }
        SurveyCommand::Export { slug } => {
            let db = Db::connect(database_url).await?;
            let (_, survey) = db
                .survey_by_slug(&slug)
                .await?
                .with_context(|| format!("there is no survey {slug}"))?;
            print!("{}", survey_file::write(&survey));
        }
    }
    Ok(())
}

async fn round(database_url: &str, command: RoundCommand) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    let (RoundCommand::Open { survey, .. } | RoundCommand::Close { survey, .. }) = &command;
    let (survey_id, _) = db
        .survey_by_slug(survey)
        .await?
        .with_context(|| format!("there is no survey {survey}"))?;
    match command {
        RoundCommand::Open { survey, round } => {
            let code = db
                .open_round(&survey_id, &round, crate::demo::fresh_join_code)
                .await?;
            println!("Round \"{round}\" of {survey} is open. Join code:");
            println!("{code}");
        }
        RoundCommand::Close { survey, round } => {
            if !db.close_round(&survey_id, &round).await? {
                bail!("survey {survey} has no round \"{round}\"");
            }
            println!("Round \"{round}\" of {survey} is closed.");
        }
    }
    Ok(())
}

async fn suggest(
    database_url: &str,
    slug: &str,
    key: &str,
    text: Option<String>,
) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    let (_, survey) = db
        .survey_by_slug(slug)
        .await?
        .with_context(|| format!("there is no survey {slug}"))?;
    let question = survey
        .question(key)
        .with_context(|| format!("survey {slug} has no question \"{key}\""))?;
    if question.themes.iter().all(|t| t.keywords.is_empty()) {
        bail!("question \"{key}\" has no themes with keywords to suggest from");
    }
    let answers: Vec<String> = match text {
        Some(text) => vec![text],
        None => std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<_, _>>()
            .context("could not read standard input")?,
    };
    let answers: Vec<&str> = answers
        .iter()
        .map(String::as_str)
        .filter(|a| !a.trim().is_empty())
        .collect();
    let suggester = Suggester::new(&question.themes);
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record(["text", "theme", "score", "matched"])?;
    for (answer, suggestions) in answers.iter().zip(suggester.suggest_many(&answers)) {
        let text = safe_cell(answer);
        if suggestions.is_empty() {
            out.write_record([text.as_ref(), "", "", ""])?;
        }
        for suggestion in suggestions {
            let words: Vec<&str> = suggestion
                .matched
                .iter()
                .map(|m| &answer[m.start..m.end])
                .collect();
            out.write_record([
                text.as_ref(),
                safe_cell(&question.themes[suggestion.theme].name).as_ref(),
                &suggestion.score.to_string(),
                safe_cell(&words.join("; ")).as_ref(),
            ])?;
        }
    }
    out.flush()?;
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first =
            rpassword::prompt_password("Password: ").context("could not read the password")?;
        let again = rpassword::prompt_password("Password again: ")
            .context("could not read the password")?;
        if first != again {
            bail!("the two passwords are not the same");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("could not read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        Ok(password)
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
