//! `heard import`, `heard export`, `heard erase`, `heard backup` and
//! `heard restore`: data in and out, and erasure. Imports and erasure are
//! the use cases the web pages call too.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use heard_app::db::Db;
use heard_app::domain::receipt::ReceiptLookup;
use heard_app::domain::safeguarding::SafeguardingRules;
use heard_app::use_cases::erasure::{erase_by_receipt, erase_due, erase_round_free_text};
use heard_app::use_cases::imports::{ResponsesImport, import_codes, import_responses};
use heard_app::use_cases::reports::round_by_names;
use heard_app::use_cases::{UseCaseError, problem_list};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
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
pub enum ImportCommand {
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

/// Erase free text (answers become "[erased]", quotes go) while keeping
/// the coded counts, or delete one young person's response.
#[derive(Debug, Args)]
pub struct EraseArgs {
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
}

/// Who the command line acts as, in the audit log.
const WHO: &str = "command line";

pub async fn import(
    database_url: &str,
    safeguarding: &SafeguardingRules,
    command: ImportCommand,
) -> anyhow::Result<()> {
    let (ImportCommand::Responses { file, .. } | ImportCommand::Codes { file, .. }) = &command;
    let bytes =
        std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let name = file.display().to_string();
    let not_imported = |error: UseCaseError| -> anyhow::Error {
        match error {
            UseCaseError::Problems(problems) => anyhow::anyhow!(
                "{name} was not imported; nothing was stored. {}",
                problem_list(&problems)
            ),
            other => other.into(),
        }
    };
    let db = Db::connect(database_url).await?;
    match command {
        ImportCommand::Responses {
            survey,
            round,
            dry_run,
            ..
        } => {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows stored")
                    .expect("a valid progress template"),
            );
            let import = ResponsesImport {
                survey: &survey,
                round: &round,
                file: &bytes,
                mapping: Default::default(),
                dry_run,
                who: "heard (command line)",
            };
            let outcome = import_responses(
                &db,
                safeguarding,
                import,
                &|rows| bar.set_length(rows as u64),
                &|done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                },
            )
            .await
            .map_err(not_imported)?;
            bar.finish_and_clear();
            let verb = if dry_run { "Would add" } else { "Added" };
            println!(
                "{verb} {} responses to round \"{}\" of {survey}{}.",
                outcome.added,
                round.trim(),
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
            if !outcome.ignored_columns.is_empty() {
                println!(
                    "Not stored: the columns {}.",
                    outcome.ignored_columns.join(", ")
                );
            }
            if outcome.flagged > 0 {
                println!(
                    "{} responses need a safeguarding look (see Needs a look).",
                    outcome.flagged
                );
            }
        }
        ImportCommand::Codes { survey, round, .. } => {
            let (rows, changed) =
                import_codes(&db, &survey, &round, &bytes, "import (command line)")
                    .await
                    .map_err(not_imported)?;
            println!(
                "Read {rows} codes; the coding of {changed} answers changed in round \"{round}\"."
            );
        }
    }
    Ok(())
}

pub async fn export(database_url: &str, command: ExportCommand) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    match command {
        ExportCommand::Responses { survey, round } => {
            use heard_app::domain::exports::{responses_table, responses_text_columns};
            let found = round_by_names(&db, &survey, &round).await?;
            let rows = db.export_rows(&found.round.round_id).await?;
            print!(
                "{}",
                responses_table(&found.survey, &rows)
                    .to_csv(&responses_text_columns(&found.survey))
            );
        }
        ExportCommand::Project {
            survey,
            round,
            file,
        } => {
            let found = round_by_names(&db, &survey, &round).await?;
            let project = db
                .round_project(&found.survey_id, &found.survey, &found.round)
                .await?;
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
                found.round.name,
                found.survey.slug,
                file.display(),
                project.sources.len()
            );
        }
    }
    Ok(())
}

pub async fn erase(database_url: &str, args: EraseArgs) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    if let Some(typed) = args.receipt {
        let (receipt, erased) = erase_by_receipt(&db, &typed, WHO).await?;
        match erased {
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
        return Ok(());
    }
    let erased = match (args.survey, args.round) {
        (Some(survey), Some(round)) => {
            vec![erase_round_free_text(&db, &survey, &round, WHO).await?]
        }
        _ if args.due => erase_due(&db, WHO).await?,
        _ => bail!("say which round (--survey, --round, --free-text) or --due"),
    };
    if erased.is_empty() {
        println!("No round is past its retention date.");
    }
    for round in erased {
        println!(
            "Erased the free text of round \"{}\" of {}: {} answers, {} quotes. Coded counts are kept.",
            round.round, round.survey, round.erased.answers, round.erased.quotes
        );
    }
    Ok(())
}

pub async fn backup(database_url: &str, file: &std::path::Path) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    if file.exists() {
        bail!(
            "{} already exists; choose a new file for the backup",
            file.display()
        );
    }
    if !db.backup_to(file).await? {
        bail!("this is a PostgreSQL database: back it up with pg_dump (see the README)");
    }
    println!("Backed up to {}.", file.display());
    Ok(())
}

/// Puts an SQLite backup in place of the database, after checking that the
/// backup opens as a Heard database and that nothing would be lost.
pub async fn restore(
    database_url: &str,
    file: &std::path::Path,
    force: bool,
) -> anyhow::Result<()> {
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
