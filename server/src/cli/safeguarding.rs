//! `heard safeguarding`: see why an answer would be flagged, and measure
//! the rules (Heard's, plus the deployment's) on a labelled set.

use clap::Subcommand;
use heard_app::domain::languages::Language;
use heard_app::domain::safeguarding::SafeguardingRules;

#[derive(Debug, Subcommand)]
pub enum SafeguardingCommand {
    /// Print what in TEXT the rules flag, one line each: the words, a tab,
    /// and the rule that matched them. Prints nothing when nothing matches.
    Check {
        text: String,
        /// The language TEXT is written in (a tag: cy, pl, ur); English by
        /// default. English rules read it too.
        #[arg(long, default_value = "en", value_parser = language)]
        language: Language,
    },
    /// Measure the rules on a labelled set: a tab-separated file with a
    /// header line and `label<TAB>category<TAB>answer` rows, label
    /// `disclosure` or `ordinary`. Prints recall and the false-alarm rate,
    /// then (with --show) the misses and the false alarms.
    Evaluate {
        file: std::path::PathBuf,
        #[arg(long)]
        show: bool,
        /// The language the set's answers are written in.
        #[arg(long, default_value = "en", value_parser = language)]
        language: Language,
    },
}

fn language(tag: &str) -> Result<Language, String> {
    Language::parse(tag)
}

pub fn run(rules: &SafeguardingRules, command: SafeguardingCommand) -> anyhow::Result<()> {
    match command {
        SafeguardingCommand::Check { text, language } => {
            for (words, why) in rules.explain_in(&text, &language) {
                println!("{words}\t{why}");
            }
        }
        SafeguardingCommand::Evaluate {
            file,
            show,
            language,
        } => {
            let set = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("could not read {}: {e}", file.display()))?;
            let evaluation = rules
                .evaluate(&set, &language)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let tenths = heard_app::domain::report::format_tenths;
            println!(
                "recall: {} of {} disclosures flagged ({}%)",
                evaluation.caught,
                evaluation.disclosures,
                tenths(evaluation.recall_tenths())
            );
            println!(
                "false alarms: {} of {} ordinary answers flagged ({}%)",
                evaluation.false_alarms,
                evaluation.ordinary,
                tenths(evaluation.false_alarm_tenths())
            );
            if show {
                for missed in &evaluation.missed {
                    println!("missed\t{missed}");
                }
                for (answer, found) in &evaluation.alarms {
                    let why: Vec<String> =
                        found.iter().map(|(w, r)| format!("{w} ({r})")).collect();
                    println!("alarm\t{answer}\t{}", why.join("; "));
                }
            }
        }
    }
    Ok(())
}
