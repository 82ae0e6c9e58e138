//! `heard`'s command line. Without a subcommand it serves.

use crate::startup::{self, ServeConfig};
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use heard_app::db::{Db, Imported, RoundRef};
use heard_app::domain::account::{Email, Password, Role};
use heard_app::domain::imports::{self, Problem};
use heard_app::domain::report::{self, Audience, Counting, QuestionReport, survey_report};
use heard_app::domain::report_output::{comparison_table, report_table, report_text_columns};
use heard_app::domain::safeguarding::SafeguardingList;
use heard_app::domain::spreadsheet::safe_cell;
use heard_app::domain::suggest::Suggester;
use heard_app::domain::survey::{Question, Survey};
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
    /// Import responses or codes from CSV files, all or nothing.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data for Excel, SPSS or R.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Erase free text (answers become "[erased]", quotes go) while keeping
    /// the coded counts, so year-on-year comparison still works. Either one
    /// round (--survey, --round, --free-text) or every round past its
    /// retention date (--due). Or delete one young person's response, all
    /// of it, given their receipt code (--receipt). Recorded in the audit log.
    Erase {
        #[arg(long, requires_all = ["round", "free_text"], conflicts_with = "due")]
        survey: Option<String>,
        #[arg(long)]
        round: Option<String>,
        /// Erase the round's free text (the only erasure there is today).
        #[arg(long)]
        free_text: bool,
        /// Erase every round whose retention date has passed.
        #[arg(long)]
        due: bool,
        /// Delete the one response this receipt code (shown to the young
        /// person at the end of the survey) leads to, all of it.
        #[arg(long, conflicts_with_all = ["survey", "due"])]
        receipt: Option<String>,
    },
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
    Codebook(CodebookCommand),
    /// Print a round's counts and percentages per question. CSV columns
    /// `question,category,count,percent,n` (with --by:
    /// `question,attribute,category,count,percent,n`).
    Report {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
        /// Only this question.
        #[arg(long)]
        question: Option<String>,
        /// Break down by this "about you" question.
        #[arg(long)]
        by: Option<String>,
        #[arg(long, value_enum, default_value = "worker")]
        audience: AudienceArg,
        #[arg(long, value_enum, default_value = "csv")]
        format: FormatArg,
    },
    /// Compare a question across rounds (first to last), as in table 3.3 of
    /// the 2024 report: counts, shares, change, % change and change in
    /// percentage points, with a Total row.
    Compare {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        question: String,
        /// The rounds' names, in order, separated by commas.
        #[arg(long)]
        rounds: String,
        #[arg(long, value_enum, default_value = "worker")]
        audience: AudienceArg,
        #[arg(long, value_enum, default_value = "csv")]
        format: FormatArg,
    },
}

#[derive(Debug, Subcommand)]
enum CodebookCommand {
    /// Print the codebook: REFI-QDA XML (valid against Codebook.xsd;
    /// keywords go on a last description line "Keywords: a; b") or CSV
    /// `theme,description,keywords`.
    Export {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        question: String,
        #[arg(long, value_enum, default_value = "qdc")]
        format: CodebookFormat,
    },
    /// Replace the codebook with a file's (.qdc or CSV, told apart by its
    /// content). Nested codes become "Parent > Child"; a theme that answers
    /// are coded with cannot be left out (merge it first).
    Import {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        question: String,
        file: std::path::PathBuf,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CodebookFormat {
    Qdc,
    Csv,
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// A round's responses as CSV on standard output: one row per young
    /// person, one column per question, and a 0/1 column per theme of each
    /// coded question (empty where not yet coded).
    Responses {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
    },
    /// A round as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or
    /// QualCoder: young people as cases with their closed answers as
    /// variables, each free-text answer as a source, and the main coding.
    /// Written to FILE, which must not exist yet.
    Project {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Responses, one row per young person and one column per question (by
    /// key or by the question's text, as Microsoft and Google Forms export
    /// them), with an optional `respondent` column. The round is created
    /// if need be. Importing the same file again adds nothing.
    Responses {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
        /// Check the file and say what would be stored, storing nothing.
        #[arg(long)]
        dry_run: bool,
        file: std::path::PathBuf,
    },
    /// Codes done elsewhere: columns `respondent,question,theme`, one theme
    /// per row. They become the answers' coding, recorded in its history.
    Codes {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
        file: std::path::PathBuf,
    },
}

/// Who a report is for: workers see exact figures; viewers see what
/// disclosure control lets through.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum AudienceArg {
    Worker,
    Viewer,
}

impl From<AudienceArg> for Audience {
    fn from(audience: AudienceArg) -> Audience {
        match audience {
            AudienceArg::Worker => Audience::Worker,
            AudienceArg::Viewer => Audience::Viewer,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Csv,
    Markdown,
    Json,
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
    /// Show or set what viewers may see of a survey's figures: breakdown
    /// cells below --min-cell are hidden (UK practice: 5 at the DfE, 10 at
    /// the ONS, 11 at the Children's Commissioner), and a question fewer
    /// than --min-answers young people answered is withheld.
    Disclosure {
        /// The survey's slug.
        slug: String,
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=1000))]
        min_cell: Option<i64>,
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=100000))]
        min_answers: Option<i64>,
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
    /// Set the day after which `heard erase --due` erases the round's free
    /// text (YYYY-MM-DD), or `none`.
    Retention {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
        #[arg(long)]
        until: String,
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
                school_names: cli.serve.school_names,
                place_names: cli.serve.place_names,
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
        Command::Import(command) => {
            let safeguarding = startup::load_safeguarding(cli.serve.safeguarding_words.as_deref())?;
            import(&cli.database_url, &safeguarding, command).await
        }
        Command::Codebook(command) => codebook(&cli.database_url, command).await,
        Command::Erase {
            receipt: Some(typed),
            ..
        } => {
            use heard_app::domain::receipt::{Receipt, ReceiptLookup};
            let receipt = Receipt::parse(&typed)?;
            let db = Db::connect(&cli.database_url).await?;
            match db.erase_by_receipt(&receipt, "command line").await? {
                ReceiptLookup::NotFound => bail!(
                    "no response has receipt code {receipt}: check it with the young person (it may already be deleted)"
                ),
                ReceiptLookup::Ambiguous(n) => bail!(
                    "{n} responses have receipt code {receipt}, so Heard cannot tell which one to delete; nothing was deleted"
                ),
                ReceiptLookup::Found(response) => println!(
                    "Deleted the response with receipt code {receipt} from round \"{}\" of {} (sent on {}): {} answers, with their coding and any quotes.",
                    response.round_name,
                    response.survey_slug,
                    heard_app::domain::summary::day_of(response.submitted_on),
                    response.answers
                ),
            }
            Ok(())
        }
        Command::Erase {
            survey, round, due, ..
        } => {
            let db = Db::connect(&cli.database_url).await?;
            let rounds = match (survey, round) {
                (Some(survey), Some(round)) => {
                    let (survey_id, survey) = find_survey(&db, &survey).await?;
                    let round = find_round(&db, &survey_id, &survey.slug, &round).await?;
                    vec![(round.round_id, survey.slug, round.name, "on demand")]
                }
                _ if due => db
                    .rounds_due_for_erasure()
                    .await?
                    .into_iter()
                    .map(|(id, slug, name)| (id, slug, name, "retention date passed"))
                    .collect(),
                _ => bail!("say which round (--survey, --round, --free-text) or --due"),
            };
            if rounds.is_empty() {
                println!("No round is past its retention date.");
            }
            for (round_id, slug, name, why) in rounds {
                let erased = db.erase_free_text(&round_id, "command line", why).await?;
                println!(
                    "Erased the free text of round \"{name}\" of {slug}: {} answers, {} quotes. Coded counts are kept.",
                    erased.answers, erased.quotes
                );
            }
            Ok(())
        }
        Command::Backup { file } => {
            let db = Db::connect(&cli.database_url).await?;
            if file.exists() {
                bail!(
                    "{} already exists; choose a new file for the backup",
                    file.display()
                );
            }
            if !db.backup_to(&file).await? {
                bail!("this is a PostgreSQL database: back it up with pg_dump (see the README)");
            }
            println!("Backed up to {}.", file.display());
            Ok(())
        }
        Command::Restore { file, force } => restore(&cli.database_url, &file, force).await,
        Command::Export(ExportCommand::Responses { survey, round }) => {
            use heard_app::domain::exports::{responses_table, responses_text_columns};
            let db = Db::connect(&cli.database_url).await?;
            let (survey_id, survey) = find_survey(&db, &survey).await?;
            let round = find_round(&db, &survey_id, &survey.slug, &round).await?;
            let rows = db.export_rows(&round.round_id).await?;
            print!(
                "{}",
                responses_table(&survey, &rows).to_csv(&responses_text_columns(&survey))
            );
            Ok(())
        }
        Command::Export(ExportCommand::Project {
            survey,
            round,
            file,
        }) => {
            let db = Db::connect(&cli.database_url).await?;
            let (survey_id, survey) = find_survey(&db, &survey).await?;
            let round = find_round(&db, &survey_id, &survey.slug, &round).await?;
            let project = db.round_project(&survey_id, &survey, &round).await?;
            let bytes = heard_app::domain::qdpx::to_qdpx(&project)?;
            // create_new: never overwrite a file someone already has.
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&file)
                .with_context(|| format!("could not create {}", file.display()))?;
            std::io::Write::write_all(&mut out, &bytes)?;
            println!(
                "Wrote round \"{}\" of {} to {}: {} free-text answers as sources.",
                round.name,
                survey.slug,
                file.display(),
                project.sources.len()
            );
            Ok(())
        }
        Command::Report {
            survey,
            round,
            question,
            by,
            audience,
            format,
        } => {
            let db = Db::connect(&cli.database_url).await?;
            let (survey_id, survey) = find_survey(&db, &survey).await?;
            let round = find_round(&db, &survey_id, &survey.slug, &round).await?;
            let by = by
                .map(|key| about_you_question(&survey, &key))
                .transpose()?;
            if let Some(key) = &question {
                find_question(&survey, key)?;
            }
            let rows = db.report_rows(&round.round_id).await?;
            let disclosure = db.disclosure(&survey_id).await?;
            let reports: Vec<_> = survey_report(&survey, &rows, by, audience.into(), disclosure)
                .into_iter()
                .filter(|r| question.as_ref().is_none_or(|key| &r.key == key))
                .collect();
            print_report(&reports, format);
            Ok(())
        }
        Command::Compare {
            survey,
            question,
            rounds,
            audience,
            format,
        } => {
            let db = Db::connect(&cli.database_url).await?;
            let (survey_id, survey) = find_survey(&db, &survey).await?;
            let question = find_question(&survey, &question)?;
            let disclosure = db.disclosure(&survey_id).await?;
            let mut counts = Vec::new();
            for name in rounds.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let round = find_round(&db, &survey_id, &survey.slug, name).await?;
                let rows = db.report_rows(&round.round_id).await?;
                let round_counts = report::round_counts(question, name, &rows);
                if Audience::from(audience) == Audience::Viewer
                    && round_counts.answered < disclosure.min_answers
                {
                    bail!(
                        "in round \"{name}\" fewer than {} young people answered \"{}\", so viewers may not see it",
                        disclosure.min_answers,
                        question.key
                    );
                }
                counts.push(round_counts);
            }
            if counts.len() < 2 {
                bail!("--rounds needs at least two round names, separated by commas");
            }
            let comparison = report::compare(&report::comparison_categories(question), &counts);
            let table = comparison_table(&comparison);
            print!(
                "{}",
                match format {
                    FormatArg::Csv => table.to_csv(&[0]),
                    FormatArg::Markdown => table.to_markdown(),
                    FormatArg::Json => table.to_json(),
                }
            );
            Ok(())
        }
    }
}

async fn codebook(database_url: &str, command: CodebookCommand) -> anyhow::Result<()> {
    use heard_app::domain::codebook_file;
    use heard_app::domain::survey::QuestionKind;
    let db = Db::connect(database_url).await?;
    let (CodebookCommand::Export {
        survey, question, ..
    }
    | CodebookCommand::Import {
        survey, question, ..
    }) = &command;
    let (survey_id, mut survey) = find_survey(&db, survey).await?;
    let key = question.clone();
    let found = find_question(&survey, &key)?;
    if found.kind != QuestionKind::Text {
        bail!("question \"{key}\" is not a free-text question, so it has no codebook");
    }
    match command {
        CodebookCommand::Export { format, .. } => {
            let themes = found.themes.clone();
            print!(
                "{}",
                match format {
                    CodebookFormat::Csv => codebook_file::to_csv(&themes),
                    CodebookFormat::Qdc => {
                        let ids = db.theme_guids(&survey_id, &key).await?;
                        let with_ids: Vec<(String, _)> = themes
                            .into_iter()
                            .map(|t| (ids.get(&t.name).cloned().unwrap_or_default(), t))
                            .collect();
                        codebook_file::to_qdc(&with_ids)
                    }
                }
            );
        }
        CodebookCommand::Import { file, .. } => {
            let bytes = std::fs::read(&file)
                .with_context(|| format!("could not read {}", file.display()))?;
            let mut themes = codebook_file::read(&bytes).with_context(|| {
                format!(
                    "{} was not imported; the codebook is unchanged",
                    file.display()
                )
            })?;
            let question = survey
                .questions
                .iter_mut()
                .find(|q| q.key == key)
                .expect("found above");
            // A file without colours keeps the colours themes already have.
            for theme in themes.iter_mut().filter(|t| t.colour.is_empty()) {
                if let Some(old) = question.themes.iter().find(|o| o.name == theme.name) {
                    theme.colour = old.colour.clone();
                }
            }
            let count = themes.len();
            question.themes = themes;
            match db.import_survey(&survey).await? {
                Imported::Refused(problems) => bail!(
                    "the codebook of \"{key}\" was not changed:\n  {}",
                    problems.join("\n  ")
                ),
                _ => println!("The codebook of \"{key}\" now has {count} themes."),
            }
        }
    }
    Ok(())
}

/// Puts an SQLite backup in place of the database, after checking that the
/// backup opens as a Heard database and that nothing would be lost.
async fn restore(database_url: &str, file: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let Some(target) = heard_app::db::sqlite_path(database_url) else {
        bail!("this is a PostgreSQL database: restore it with pg_restore or psql (see the README)");
    };
    if !file.is_file() {
        bail!("there is no backup file {}", file.display());
    }
    if target.exists() && !force {
        let db = Db::connect(database_url).await?;
        let holds_data = db.holds_data().await?;
        db.close().await;
        if holds_data {
            bail!(
                "{} holds answers or accounts; restoring would replace them. Add --force to do it anyway",
                target.display()
            );
        }
    }
    // Check the copy, not the backup itself: opening runs the migrations.
    let incoming = target.with_extension("restoring");
    if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("could not create {}", folder.display()))?;
    }
    std::fs::copy(file, &incoming).with_context(|| format!("could not copy {}", file.display()))?;
    match Db::connect(&format!("sqlite://{}", incoming.display())).await {
        Ok(db) => db.close().await,
        Err(error) => {
            let _ = std::fs::remove_file(&incoming);
            bail!("{} is not a Heard backup: {error}", file.display());
        }
    }
    for stale in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{stale}", target.display()));
        let _ = std::fs::remove_file(format!("{}{stale}", incoming.display()));
    }
    std::fs::rename(&incoming, &target)
        .with_context(|| format!("could not replace {}", target.display()))?;
    println!("Restored {} from {}.", target.display(), file.display());
    Ok(())
}

async fn find_survey(db: &Db, slug: &str) -> anyhow::Result<(String, Survey)> {
    db.survey_by_slug(slug)
        .await?
        .with_context(|| format!("there is no survey {slug}"))
}

async fn find_round(db: &Db, survey_id: &str, slug: &str, name: &str) -> anyhow::Result<RoundRef> {
    db.round_named(survey_id, name)
        .await?
        .with_context(|| format!("survey {slug} has no round \"{name}\""))
}

fn find_question<'a>(survey: &'a Survey, key: &str) -> anyhow::Result<&'a Question> {
    survey.question(key).with_context(|| {
        format!(
            "survey {} has no question \"{key}\"; its questions are {}",
            survey.slug,
            survey
                .questions
                .iter()
                .map(|q| q.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn about_you_question<'a>(survey: &'a Survey, key: &str) -> anyhow::Result<&'a Question> {
    let question = find_question(survey, key)?;
    if !question.about_you || !question.kind.has_options() {
        bail!(
            "question \"{key}\" is not an \"about you\" question with options, so answers cannot be broken down by it"
        );
    }
    Ok(question)
}

fn print_report(reports: &[QuestionReport], format: FormatArg) {
    let by = reports.iter().any(|r| r.by.is_some());
    match format {
        FormatArg::Csv => print!("{}", report_table(reports).to_csv(&report_text_columns(by))),
        FormatArg::Json => print!("{}", report_table(reports).to_json()),
        FormatArg::Markdown => {
            for report in reports {
                println!("## {}\n", report.text);
                if let Some(reason) = &report.withheld {
                    println!("Withheld: {reason}.\n");
                    continue;
                }
                if let Some(block) = report.blocks.first().filter(|_| !by) {
                    let skipped = block
                        .skipped
                        .map(|s| format!("; {s} skipped"))
                        .unwrap_or_default();
                    println!("{} answered{skipped}.\n", block.answered.show());
                }
                if report.counting == Counting::AnyNumber {
                    println!(
                        "Percentages are of those who answered who mentioned each; they can add up to more than 100.\n"
                    );
                }
                println!(
                    "{}",
                    report_table(std::slice::from_ref(report)).to_markdown()
                );
            }
        }
    }
}

async fn import(
    database_url: &str,
    safeguarding: &SafeguardingList,
    command: ImportCommand,
) -> anyhow::Result<()> {
    let (ImportCommand::Responses { survey, file, .. } | ImportCommand::Codes { survey, file, .. }) =
        &command;
    let bytes =
        std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let name = file.display().to_string();
    let db = Db::connect(database_url).await?;
    let (survey_id, survey) = find_survey(&db, survey).await?;
    let refuse = |problems: Vec<Problem>| -> anyhow::Error {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "{name} was not imported; nothing was stored. {} problem{}:\n  {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            lines.join("\n  ")
        )
    };
    match command {
        ImportCommand::Responses { round, dry_run, .. } => {
            let checked =
                imports::read_responses(&survey, &bytes, &Default::default()).map_err(refuse)?;
            let bar = indicatif::ProgressBar::new(checked.rows.len() as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows stored")
                    .expect("a valid progress template"),
            );
            let outcome = db
                .import_responses(
                    &survey_id,
                    &survey,
                    &round,
                    &checked,
                    safeguarding,
                    dry_run,
                    crate::demo::fresh_join_code,
                    &|done, total| {
                        bar.set_length(total as u64);
                        bar.set_position(done as u64);
                    },
                )
                .await?
                .map_err(refuse)?;
            bar.finish_and_clear();
            let verb = if dry_run { "Would add" } else { "Added" };
            println!(
                "{verb} {} responses to round \"{round}\" of {}{}.",
                outcome.added,
                survey.slug,
                if outcome.new_round {
                    " (a new round)"
                } else {
                    ""
                }
            );
            if outcome.already_there > 0 {
                println!(
                    "{} rows were already there and were skipped.",
                    outcome.already_there
                );
            }
            if outcome.blank_rows > 0 {
                println!("{} blank rows were skipped.", outcome.blank_rows);
            }
            if !checked.ignored_columns.is_empty() {
                println!(
                    "Not stored: the columns {}.",
                    checked.ignored_columns.join(", ")
                );
            }
            if outcome.flagged > 0 {
                println!(
                    "{} responses need a safeguarding look (see Needs a look).",
                    outcome.flagged
                );
            }
        }
        ImportCommand::Codes { round, .. } => {
            let rows = imports::read_codes(&survey, &bytes).map_err(refuse)?;
            let round = find_round(&db, &survey_id, &survey.slug, &round).await?;
            let changed = db
                .import_codes(&survey_id, &round, &rows, "import (command line)")
                .await?
                .map_err(refuse)?;
            println!(
                "Read {} codes; the coding of {changed} answers changed in round \"{}\".",
                rows.len(),
                round.name
            );
        }
    }
    Ok(())
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
        SurveyCommand::Disclosure {
            slug,
            min_cell,
            min_answers,
        } => {
            let db = Db::connect(database_url).await?;
            let (survey_id, _) = find_survey(&db, &slug).await?;
            let mut disclosure = db.disclosure(&survey_id).await?;
            disclosure.min_cell = min_cell.unwrap_or(disclosure.min_cell);
            disclosure.min_answers = min_answers.unwrap_or(disclosure.min_answers);
            if min_cell.is_some() || min_answers.is_some() {
                db.set_disclosure(&survey_id, disclosure).await?;
            }
            println!(
                "Survey {slug}: viewers see no breakdown cell below {} and no question fewer than {} answered.",
                disclosure.min_cell, disclosure.min_answers
            );
        }
    }
    Ok(())
}

async fn round(database_url: &str, command: RoundCommand) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    let (RoundCommand::Open { survey, .. }
    | RoundCommand::Close { survey, .. }
    | RoundCommand::Retention { survey, .. }) = &command;
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
        RoundCommand::Retention {
            survey,
            round,
            until,
        } => {
            let found = find_round(&db, &survey_id, &survey, &round).await?;
            let day =
                match until.as_str() {
                    "none" => None,
                    text => Some(heard_app::domain::summary::parse_day(text).with_context(
                        || format!("\"{text}\" is not a date written YYYY-MM-DD (or none)"),
                    )?),
                };
            // Kept through the whole of the day named.
            db.set_retention(&found.round_id, day.map(|d| d + 86_399))
                .await?;
            match day {
                Some(_) => println!(
                    "The free text of round \"{round}\" of {survey} is kept until {until}."
                ),
                None => println!("Round \"{round}\" of {survey} has no retention date."),
            }
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
