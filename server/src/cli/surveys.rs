//! `heard survey`, `heard round`, `heard codebook` and `heard suggest`:
//! surveys, their rounds and their codebooks.

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use heard_app::db::Db;
use heard_app::domain::languages::{self, Language};
use heard_app::domain::spreadsheet::safe_cell;
use heard_app::domain::suggest::Suggester;
use heard_app::domain::survey_file;
use heard_app::domain::text::WordCache;
use heard_app::use_cases::surveys::{Saved, import_translations, save_survey};
use heard_app::use_cases::{question_by_key, round_by_name, survey_by_slug};
use std::io::{Read, Write};

#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
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
    /// The survey's texts for translators, as CSV with one column per
    /// language (empty where a translation is missing), or, with
    /// --import, that sheet filled in and read back.
    Translations {
        /// The survey's slug.
        slug: String,
        /// Add an empty column for this language (a tag: cy, pl, ur, ...).
        #[arg(long, value_name = "LANGUAGE")]
        add: Vec<String>,
        /// Read a filled-in sheet: each language column replaces that
        /// language's translation. Nothing changes if any of it is wrong.
        #[arg(long, value_name = "FILE", conflicts_with = "add")]
        import: Option<std::path::PathBuf>,
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
        /// Whether small counts in the overall figures are hidden too
        /// (`hide`), or shown in full as the 2024 report did (`show`, the
        /// default); breakdowns always hide theirs.
        #[arg(long, value_parser = ["hide", "show"])]
        small_overall_counts: Option<String>,
        /// Whether the survey asks a `sample` of young people (the default:
        /// every share has a 95% interval and changes are tested for
        /// chance) or counts the `whole` population, every one of them (a
        /// census: exact figures, shown without intervals).
        #[arg(long, value_parser = ["sample", "whole"])]
        population: Option<String>,
    },
    /// Set who is e-mailed when one of the survey's answers is flagged for
    /// safeguarding (an e-mail address, or `none` for the deployment's
    /// HEARD_SAFEGUARDING_LEAD).
    SafeguardingLead {
        /// The survey's slug.
        slug: String,
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoundCommand {
    /// List every round, tab-separated: survey, round, open or closed, join
    /// code. (Join codes are not written to the log.)
    List,
    /// Open a round (creating it if need be) and print its join code alone
    /// on the last line.
    Open {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
    },
    /// Publish what viewers and share links see of a round: its summary as
    /// it is now. Refused when fewer new responses than the survey's
    /// smallest shown cell arrived since the last publication.
    Publish {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
    },
    /// Close a round: its join code stops taking answers, and its summary
    /// is published for viewers (when enough has arrived since the last).
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
    /// Set how many hours after closing the round still takes surveys that
    /// were finished on a tablet while it was open (default 168, a week;
    /// 0 takes none).
    Late {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        round: String,
        #[arg(long)]
        hours: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum CodebookCommand {
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
pub enum CodebookFormat {
    Qdc,
    Csv,
}

/// Suggest themes for answers from a question's codebook keywords.
#[derive(Debug, Args)]
pub struct SuggestArgs {
    #[arg(long)]
    survey: String,
    #[arg(long)]
    question: String,
    /// The language the answers are written in (a tag: cy, pl, ro, ...):
    /// its stemmer where Heard has one, its words as written where not,
    /// and in Welsh a keyword's mutated forms. English if not given.
    #[arg(long, value_name = "LANGUAGE", default_value = "en")]
    language: String,
    /// The answer; without it, one answer per line on standard input.
    text: Option<String>,
}

pub async fn codebook(database_url: &str, command: CodebookCommand) -> anyhow::Result<()> {
    use heard_app::domain::codebook_file;
    let db = Db::connect(database_url).await?;
    let (CodebookCommand::Export {
        survey, question, ..
    }
    | CodebookCommand::Import {
        survey, question, ..
    }) = &command;
    let (survey_id, mut survey) = survey_by_slug(&db, survey).await?;
    let key = question.clone();
    let found = question_by_key(&survey, &key)?;
    if !found.kind.is_coded() {
        bail!("question \"{key}\" is not a free-text question, so it has no codebook");
    }
    match command {
        CodebookCommand::Export { format, .. } => {
            let themes = found.themes().to_vec();
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
            let codebook = survey
                .questions
                .iter_mut()
                .find(|q| q.key == key)
                .and_then(|q| q.codebook_mut())
                .expect("a free-text question, checked above");
            // A file without colours keeps the colours themes already have.
            for theme in themes.iter_mut().filter(|t| t.colour.is_empty()) {
                if let Some(old) = codebook.themes.iter().find(|o| o.name == theme.name) {
                    theme.colour = old.colour.clone();
                }
            }
            let count = themes.len();
            codebook.themes = themes;
            match save_survey(&db, &survey).await? {
                Saved::Refused(problems) => bail!(
                    "the codebook of \"{key}\" was not changed:\n  {}",
                    problems.join("\n  ")
                ),
                _ => println!("The codebook of \"{key}\" now has {count} themes."),
            }
        }
    }
    Ok(())
}

pub async fn survey(database_url: &str, command: SurveyCommand) -> anyhow::Result<()> {
    match command {
        SurveyCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("could not read {}", file.display()))?;
            let survey = survey_file::parse(&text)
                .with_context(|| format!("{} is not a valid survey file", file.display()))?;
            let db = Db::connect(database_url).await?;
            match save_survey(&db, &survey).await? {
                Saved::Created(_) => println!(
                    "Created survey {} ({} questions).",
                    survey.slug,
                    survey.questions.len()
                ),
                Saved::Updated(_) => println!(
                    "Updated survey {} ({} questions).",
                    survey.slug,
                    survey.questions.len()
                ),
                Saved::Refused(problems) => bail!(
                    "survey {} was not changed, because stored answers would be orphaned:\n  {}",
                    survey.slug,
                    problems.join("\n  ")
                ),
            }
        }
        SurveyCommand::Export { slug } => {
            let db = Db::connect(database_url).await?;
            let (_, survey) = survey_by_slug(&db, &slug).await?;
            print!("{}", survey_file::write(&survey));
        }
        SurveyCommand::Translations { slug, add, import } => {
            let db = Db::connect(database_url).await?;
            let missing = match import {
                None => {
                    let add = add
                        .iter()
                        .map(|tag| Language::parse(tag).map_err(anyhow::Error::msg))
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    let (_, survey) = survey_by_slug(&db, &slug).await?;
                    print!("{}", languages::translators_sheet(&survey, &add));
                    languages::missing(&survey)
                }
                Some(file) => {
                    let sheet = std::fs::read_to_string(&file)
                        .with_context(|| format!("could not read {}", file.display()))?;
                    let translated = import_translations(&db, &slug, &sheet)
                        .await
                        .with_context(|| format!("{} was not taken in", file.display()))?;
                    let offered: Vec<&str> = translated.offered.iter().map(|l| l.tag()).collect();
                    println!("Survey {slug} is offered in {}.", offered.join(", "));
                    translated.missing
                }
            };
            // Workers need to know what young people will see untranslated.
            let mut by_language: std::collections::BTreeMap<&Language, Vec<&str>> =
                Default::default();
            for gap in &missing {
                by_language
                    .entry(&gap.language)
                    .or_default()
                    .push(&gap.text);
            }
            for (language, texts) in by_language {
                eprintln!(
                    "{} ({}): {} shown in the survey's own language until translated: {}",
                    language.own_name(),
                    language,
                    if texts.len() == 1 {
                        "1 text".to_owned()
                    } else {
                        format!("{} texts", texts.len())
                    },
                    texts.join(", ")
                );
            }
        }
        SurveyCommand::SafeguardingLead { slug, email } => {
            let lead = match email.as_str() {
                "none" => None,
                typed => Some(heard_app::domain::account::Email::parse(typed)?),
            };
            let db = Db::connect(database_url).await?;
            if !db
                .set_safeguarding_lead(&slug, lead.as_ref().map(|e| e.as_str()))
                .await?
            {
                bail!("there is no survey {slug}");
            }
            match lead {
                Some(lead) => println!(
                    "Safeguarding flags in {slug} are e-mailed to {}.",
                    lead.as_str()
                ),
                None => {
                    println!("Safeguarding flags in {slug} are e-mailed to the deployment's lead.")
                }
            }
        }
        SurveyCommand::Disclosure {
            slug,
            min_cell,
            min_answers,
            small_overall_counts,
            population,
        } => {
            let db = Db::connect(database_url).await?;
            let (survey_id, _) = survey_by_slug(&db, &slug).await?;
            let mut disclosure = db.disclosure(&survey_id).await?;
            disclosure.min_cell = min_cell.unwrap_or(disclosure.min_cell);
            disclosure.min_answers = min_answers.unwrap_or(disclosure.min_answers);
            if let Some(choice) = &small_overall_counts {
                disclosure.hide_small_overall = choice == "hide";
            }
            if let Some(choice) = &population {
                disclosure.whole_population = choice == "whole";
            }
            if min_cell.is_some()
                || min_answers.is_some()
                || small_overall_counts.is_some()
                || population.is_some()
            {
                db.set_disclosure(&survey_id, disclosure).await?;
            }
            println!(
                "Survey {slug}: viewers see no breakdown cell below {} and no question fewer than {} answered; {}.",
                disclosure.min_cell,
                disclosure.min_answers,
                if disclosure.hide_small_overall {
                    format!(
                        "overall counts from 1 to {} are hidden too",
                        disclosure.min_cell - 1
                    )
                } else {
                    "overall counts are shown in full".to_owned()
                }
            );
            println!(
                "{}",
                if disclosure.whole_population {
                    "It counts every young person (the whole population): figures are exact and shown without intervals."
                } else {
                    "It asks a sample: every share has a 95% interval and changes are tested for chance."
                }
            );
        }
    }
    Ok(())
}

/// Who the audit log names for what is done on the command line.
const COMMAND_LINE: &str = "heard (command line)";

/// What publishing did, in a sentence.
fn publication_message(outcome: &heard_app::use_cases::reports::Published) -> String {
    use heard_app::use_cases::reports::Published;
    match outcome {
        Published::Published(n) => format!("Published for viewers: {n} responses."),
        Published::TooFewNew {
            published,
            new,
            needed,
        } => format!(
            "not published: {new} new responses since viewers last saw {published}; at least {needed} are needed so that no one young person's answers show in the difference"
        ),
    }
}

pub async fn round(database_url: &str, command: RoundCommand) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    let (RoundCommand::Open { survey, .. }
    | RoundCommand::Close { survey, .. }
    | RoundCommand::Publish { survey, .. }
    | RoundCommand::Retention { survey, .. }
    | RoundCommand::Late { survey, .. }) = &command
    else {
        for round in db.list_rounds().await? {
            let state = if round.is_open { "open" } else { "closed" };
            println!(
                "{}\t{}\t{state}\t{}\t{}",
                round.survey_slug,
                round.round_name,
                round.join_code,
                late_surveys(&round)
            );
        }
        return Ok(());
    };
    let (survey_id, found_survey) = survey_by_slug(&db, survey).await?;
    match command {
        RoundCommand::List => unreachable!("answered above"),
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
            // Closing publishes what viewers see, when that is allowed.
            let found = round_by_name(&db, &survey_id, &found_survey, &round).await?;
            let outcome =
                heard_app::use_cases::reports::publish(&db, &found.round_id, COMMAND_LINE).await?;
            println!("{}", publication_message(&outcome));
        }
        RoundCommand::Publish { round, .. } => {
            let found = round_by_name(&db, &survey_id, &found_survey, &round).await?;
            let outcome =
                heard_app::use_cases::reports::publish(&db, &found.round_id, COMMAND_LINE).await?;
            if let heard_app::use_cases::reports::Published::TooFewNew { .. } = outcome {
                bail!("{}", publication_message(&outcome));
            }
            println!("{}", publication_message(&outcome));
        }
        RoundCommand::Retention {
            survey,
            round,
            until,
        } => {
            let found = round_by_name(&db, &survey_id, &found_survey, &round).await?;
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
        RoundCommand::Late {
            survey,
            round,
            hours,
        } => {
            use heard_app::domain::late::MAX_LATE_HOURS;
            if !(0..=MAX_LATE_HOURS).contains(&hours) {
                bail!("--hours must be from 0 to {MAX_LATE_HOURS} (six weeks), not {hours}");
            }
            let found = round_by_name(&db, &survey_id, &found_survey, &round).await?;
            db.set_late_hours(&found.round_id, hours).await?;
            let round = db
                .list_rounds()
                .await?
                .into_iter()
                .find(|r| r.round_id == found.round_id)
                .context("the round went away")?;
            println!(
                "Round \"{}\" of {survey}: {}",
                round.round_name,
                late_surveys(&round)
            );
        }
    }
    Ok(())
}

/// What a round takes late, in words: "late surveys: taken until
/// 2026-12-07 (168 hours after closing)".
fn late_surveys(round: &heard_app::domain::rounds::RoundSummary) -> String {
    let hours = round.late_hours;
    match round.closed_at {
        _ if hours == 0 => "late surveys: none taken".to_owned(),
        Some(closed) => format!(
            "late surveys: taken until {} ({hours} hours after closing)",
            heard_app::domain::summary::day_of(closed + hours * 3600)
        ),
        None if round.is_open => format!("late surveys: taken for {hours} hours after closing"),
        None => "late surveys: none taken (closed before Heard kept closing times)".to_owned(),
    }
}

pub async fn suggest(database_url: &str, args: SuggestArgs) -> anyhow::Result<()> {
    let SuggestArgs {
        survey: slug,
        question: key,
        language,
        text,
    } = args;
    let language = Language::parse(&language).map_err(anyhow::Error::msg)?;
    let db = Db::connect(database_url).await?;
    let (_, survey) = survey_by_slug(&db, &slug).await?;
    let question = question_by_key(&survey, &key)?;
    if question.themes().iter().all(|t| t.keywords.is_empty()) {
        bail!("question \"{key}\" has no themes with keywords to suggest from");
    }
    let suggester = Suggester::in_language(question.themes(), &language);
    print_suggestions(text, &suggester, question.themes())
}

/// Input `heard suggest` hands a core at a time: whole lines, about this
/// many bytes.
const SUGGEST_BLOCK_BYTES: usize = 256 * 1024;

/// Prints the suggestions for `text`, or for every line of standard input,
/// as CSV. A national consultation's half a million answers stream
/// through: one thread reads blocks of lines, every core takes the next
/// block and writes its rows (each with its own word cache), and this
/// thread prints the blocks in order as they come, so no core waits for
/// the input to be read whole. A reader that goes away (`| head`) ends it
/// quietly; any other error stops every thread and is reported.
fn print_suggestions(
    text: Option<String>,
    suggester: &Suggester,
    themes: &[heard_app::domain::survey::Theme],
) -> anyhow::Result<()> {
    use std::sync::mpsc::sync_channel;
    use std::sync::{Arc, Mutex};
    let mut out = std::io::stdout().lock();
    let printed = (|| -> anyhow::Result<()> {
        out.write_all(b"text,theme,score,matched\n")?;
        if let Some(text) = text {
            let rows = suggestion_rows(suggester, themes, &mut WordCache::default(), &[&text])?;
            return Ok(out.write_all(&rows)?);
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (send_block, blocks) = sync_channel::<(usize, String)>(threads * 2);
        // Shared by the workers only: when the last one stops, the reader's
        // next send fails and it stops too.
        let blocks = Arc::new(Mutex::new(blocks));
        let (send_rows, rows) = sync_channel::<(usize, anyhow::Result<Vec<u8>>)>(threads * 2);
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let reader = scope.spawn(move || read_blocks(send_block));
            for _ in 0..threads {
                let (send_rows, blocks) = (send_rows.clone(), Arc::clone(&blocks));
                scope.spawn(move || {
                    let mut cache = WordCache::default();
                    loop {
                        let next = blocks.lock().map(|b| b.recv());
                        let Ok(Ok((index, block))) = next else { break };
                        let answers: Vec<&str> =
                            block.lines().filter(|a| !a.trim().is_empty()).collect();
                        let written = suggestion_rows(suggester, themes, &mut cache, &answers);
                        if send_rows.send((index, written)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop((send_rows, blocks));
            let mut early = std::collections::BTreeMap::new();
            let mut next = 0;
            for (index, written) in rows {
                early.insert(index, written);
                while let Some(written) = early.remove(&next) {
                    out.write_all(&written?)?;
                    next += 1;
                }
            }
            reader.join().expect("the reading thread does not panic")
        })?;
        Ok(out.flush()?)
    })();
    match printed {
        Err(error)
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Sends standard input in blocks of whole lines, numbered. A block that
/// is not UTF-8 stops it with the line at fault (the blocks before it are
/// printed: the output is suggestions, nothing is stored).
fn read_blocks(blocks: std::sync::mpsc::SyncSender<(usize, String)>) -> anyhow::Result<()> {
    let mut input = std::io::stdin().lock();
    let mut block: Vec<u8> = Vec::with_capacity(SUGGEST_BLOCK_BYTES);
    let mut index = 0;
    let mut lines_before = 0;
    // How much of `block` is known to hold no line break.
    let mut scanned = 0;
    loop {
        let read = (&mut input)
            .take(SUGGEST_BLOCK_BYTES as u64)
            .read_to_end(&mut block)
            .context("could not read standard input")?;
        let ended = read == 0;
        // Up to the last line break; the rest starts the next block (a
        // line longer than a block makes the block longer).
        let cut = match block[scanned..].iter().rposition(|&b| b == b'\n') {
            _ if ended => block.len(),
            Some(at) => scanned + at + 1,
            None => {
                scanned = block.len();
                continue;
            }
        };
        let rest = block.split_off(cut);
        let lines = String::from_utf8(std::mem::replace(&mut block, rest)).map_err(|error| {
            let bad = error.utf8_error().valid_up_to();
            let line = lines_before
                + 1
                + error.as_bytes()[..bad]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
            anyhow::anyhow!("standard input is not UTF-8 text (line {line})")
        })?;
        lines_before += lines.matches('\n').count();
        scanned = 0;
        if blocks.send((index, lines)).is_err() || ended {
            return Ok(());
        }
        index += 1;
    }
}

/// `heard suggest`'s CSV rows for some answers, best theme first; an
/// answer with no suggestion gets one row with the last three empty.
fn suggestion_rows(
    suggester: &Suggester,
    themes: &[heard_app::domain::survey::Theme],
    cache: &mut WordCache,
    answers: &[&str],
) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for answer in answers {
        let text = safe_cell(answer);
        let suggestions = suggester.suggest_with(cache, answer);
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
                safe_cell(&themes[suggestion.theme].name).as_ref(),
                &suggestion.score.to_string(),
                safe_cell(&words.join("; ")).as_ref(),
            ])?;
        }
    }
    Ok(out.into_inner()?)
}
