//! What `heard serve` is told: its configuration, and the word lists it
//! reads at start.

use anyhow::Context;
use heard_app::domain::safeguarding::SafeguardingRules;

/// What `heard serve` needs to know.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub database_url: String,
    pub addr: String,
    /// A folder holding the built site, served instead of the one built
    /// into the binary.
    pub site_root: Option<String>,
    pub secure_cookies: bool,
    pub demo: bool,
    /// Replaces the default safeguarding words (one per line).
    pub safeguarding_words: Option<std::path::PathBuf>,
    pub safeguarding_rules: Option<std::path::PathBuf>,
    /// School names to redact in quotes (one per line).
    pub school_names: Option<std::path::PathBuf>,
    /// Place names to redact in quotes (one per line).
    pub place_names: Option<std::path::PathBuf>,
    /// The address tablets reach Heard at, for links and QR codes.
    pub public_url: Option<String>,
    /// Believe the last X-Forwarded-For entry (behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// The token `/metrics` asks for; `None`: no `/metrics`.
    pub metrics_token: Option<String>,
    /// How long a client may take to send a request's headers.
    pub header_timeout: std::time::Duration,
    /// Safeguarding e-mails, when an SMTP server is configured.
    pub mail: Option<MailConfig>,
}

/// How safeguarding leads are e-mailed.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub smtp_url: String,
    pub from: String,
    /// The lead for surveys without one of their own.
    pub default_lead: Option<String>,
    /// An unhandled flag is e-mailed again after this long.
    pub resend_after_seconds: i64,
}

/// The school and place names to propose redacting in quotes, from files
/// of one name per line (none when not configured).
pub fn load_redaction_lists(
    schools: Option<&std::path::Path>,
    places: Option<&std::path::Path>,
) -> anyhow::Result<heard_app::domain::redact::RedactionLists> {
    use heard_app::domain::redact::RedactionLists;
    let read = |path: Option<&std::path::Path>| -> anyhow::Result<Vec<String>> {
        match path {
            None => Ok(Vec::new()),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("could not read the names in {}", path.display()))?;
                Ok(RedactionLists::parse_list(&text))
            }
        }
    };
    Ok(RedactionLists {
        schools: read(schools)?,
        places: read(places)?,
    })
}

/// The safeguarding rules: Heard's own with the deployment's `rules`
/// added, or, when `words` names a file, only that file's (a deployment's
/// complete list of its own, replacing Heard's).
pub fn load_safeguarding(
    words: Option<&std::path::Path>,
    rules: Option<&std::path::Path>,
) -> anyhow::Result<SafeguardingRules> {
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).with_context(|| {
            format!(
                "could not read the safeguarding rules in {}",
                path.display()
            )
        })
    };
    let mut safeguarding = match words {
        None => SafeguardingRules::default(),
        Some(path) => SafeguardingRules::parse(&read(path)?)
            .with_context(|| format!("in {}", path.display()))?,
    };
    if let Some(path) = rules {
        safeguarding
            .add(&read(path)?)
            .with_context(|| format!("in {}", path.display()))?;
    }
    anyhow::ensure!(!safeguarding.is_empty(), "the safeguarding rules are empty");
    Ok(safeguarding)
}
