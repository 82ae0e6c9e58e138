//! `heard report` and `heard compare`: the figures of the summary page,
//! from the same use cases, as CSV, Markdown or JSON.

use clap::{Args, ValueEnum};
use heard_app::db::Db;
use heard_app::domain::report::{Audience, Counting, QuestionReport};
use heard_app::domain::report_output::{
    comparison_table, report_table, report_text_columns, together_table,
};
use heard_app::use_cases::reports::{
    compare_rounds, round_by_names, round_report, round_themes_together,
};

/// Who a report is for: workers see exact figures; viewers see what
/// disclosure control lets through.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AudienceArg {
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
pub enum FormatArg {
    Csv,
    Markdown,
    Json,
}

/// Print a round's counts and percentages per question.
#[derive(Debug, Args)]
pub struct ReportArgs {
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
}

/// A question's themes together.
#[derive(Debug, Args)]
pub struct TogetherArgs {
    #[arg(long)]
    survey: String,
    #[arg(long)]
    round: String,
    #[arg(long)]
    question: String,
    #[arg(long, value_enum, default_value = "worker")]
    audience: AudienceArg,
}

pub async fn together(database_url: &str, args: TogetherArgs) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    let round = round_by_names(&db, &args.survey, &args.round).await?;
    match round_themes_together(&db, &round, &args.question, args.audience.into()).await? {
        Some(together) => print!("{}", together_table(&together).to_csv(&[0, 1, 2])),
        None => eprintln!(
            "Not shown: fewer than the survey's minimum coded \"{}\" for viewers to see it.",
            args.question
        ),
    }
    Ok(())
}

/// Compare a question across rounds.
#[derive(Debug, Args)]
pub struct CompareArgs {
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
}

pub async fn report(database_url: &str, args: ReportArgs) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    let round = round_by_names(&db, &args.survey, &args.round).await?;
    let reports = round_report(
        &db,
        &round,
        args.question.as_deref(),
        args.by.as_deref(),
        args.audience.into(),
    )
    .await?;
    print_report(&reports, args.format);
    Ok(())
}

pub async fn compare(database_url: &str, args: CompareArgs) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    let names: Vec<&str> = args
        .rounds
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    let compared = compare_rounds(
        &db,
        &args.survey,
        &args.question,
        &names,
        args.audience.into(),
    )
    .await?;
    if !compared.withheld.is_empty() {
        eprintln!(
            "Not compared: {}, where too few young people answered \"{}\" for viewers to see it.",
            compared.withheld.join(", "),
            args.question
        );
    }
    let Some(comparison) = compared.comparison else {
        anyhow::bail!(
            "fewer than two of those rounds can be shown, so there is nothing to compare"
        );
    };
    let table = comparison_table(&comparison);
    print!(
        "{}",
        match args.format {
            FormatArg::Csv => table.to_csv(&[0]),
            FormatArg::Markdown => table.to_markdown(),
            FormatArg::Json => table.to_json(),
        }
    );
    Ok(())
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
