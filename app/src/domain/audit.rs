//! What the audit log records: each event Heard must be able to account
//! for (ASVS 16.2), with the detail an admin needs and never answer text.

use serde::{Deserialize, Serialize};

/// Something done that the audit log keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditEvent {
    LoggedIn {
        with_second_factor: bool,
    },
    FailedLogin,
    /// Over a failure limit: not even tried.
    LoginRefusedBusy,
    RecoveryCodeUsed {
        left: i64,
    },
    SecondFactorSet,
    SecondFactorReset,
    AccountAdded {
        email: String,
        role: String,
    },
    RoleChanged {
        email: String,
        role: String,
    },
    AccountDisabled {
        email: String,
    },
    AccountEnabled {
        email: String,
    },
    SessionsEnded {
        email: String,
        sessions: u64,
    },
    /// A download or export of answers or figures: which, and of what.
    Exported {
        what: String,
    },
    ShareLinkCreated {
        round: String,
    },
    ShareLinkRevoked {
        round: String,
    },
    Imported {
        what: String,
    },
    /// A round's summary published for viewers.
    Published {
        round: String,
        responses: i64,
    },
    /// A worker marked a safeguarding flag handled (the note is not
    /// copied here: it can hold what the young person said).
    FlagHandled,
    /// A worker raised a safeguarding concern about an answer by hand.
    ConcernRaised {
        round: String,
    },
    /// A safeguarding lead e-mailed about a flag (never its words).
    LeadNotified {
        round: String,
        to: String,
    },
}

impl AuditEvent {
    /// The short name the log and the page show.
    pub fn action(&self) -> &'static str {
        match self {
            AuditEvent::LoggedIn { .. } => "logged in",
            AuditEvent::FailedLogin => "failed login",
            AuditEvent::LoginRefusedBusy => "login refused: too many failures",
            AuditEvent::RecoveryCodeUsed { .. } => "recovery code used",
            AuditEvent::SecondFactorSet => "second factor set up",
            AuditEvent::SecondFactorReset => "second factor reset",
            AuditEvent::AccountAdded { .. } => "account added",
            AuditEvent::RoleChanged { .. } => "role changed",
            AuditEvent::AccountDisabled { .. } => "account disabled",
            AuditEvent::AccountEnabled { .. } => "account enabled",
            AuditEvent::SessionsEnded { .. } => "sessions ended",
            AuditEvent::Exported { .. } => "export",
            AuditEvent::ShareLinkCreated { .. } => "share link created",
            AuditEvent::ShareLinkRevoked { .. } => "share link revoked",
            AuditEvent::Imported { .. } => "import",
            AuditEvent::Published { .. } => "summary published",
            AuditEvent::LeadNotified { .. } => "safeguarding lead e-mailed",
            AuditEvent::ConcernRaised { .. } => "safeguarding concern raised",
            AuditEvent::FlagHandled => "safeguarding flag handled",
        }
    }

    /// What it was done to.
    pub fn detail(&self) -> String {
        match self {
            AuditEvent::LoggedIn { with_second_factor } => if *with_second_factor {
                "with second factor"
            } else {
                "password only"
            }
            .to_owned(),
            AuditEvent::FailedLogin | AuditEvent::LoginRefusedBusy | AuditEvent::FlagHandled => {
                String::new()
            }
            AuditEvent::RecoveryCodeUsed { left } => format!("{left} left"),
            AuditEvent::SecondFactorSet | AuditEvent::SecondFactorReset => String::new(),
            AuditEvent::AccountAdded { email, role } | AuditEvent::RoleChanged { email, role } => {
                format!("{email} as {role}")
            }
            AuditEvent::AccountDisabled { email } | AuditEvent::AccountEnabled { email } => {
                email.clone()
            }
            AuditEvent::SessionsEnded { email, sessions } => format!("{email}: {sessions}"),
            AuditEvent::Exported { what } | AuditEvent::Imported { what } => what.clone(),
            AuditEvent::ShareLinkCreated { round }
            | AuditEvent::ShareLinkRevoked { round }
            | AuditEvent::ConcernRaised { round } => {
                format!("round {round}")
            }
            AuditEvent::LeadNotified { round, to } => format!("{to}: a flag in round {round}"),
            AuditEvent::Published { round, responses } => {
                format!("round {round}: {responses} responses")
            }
        }
    }
}

/// One entry of the audit log as read back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: i64,
    pub who: String,
    pub action: String,
    pub detail: String,
}

/// `2026-11-30 09:41` (UTC) for a Unix time.
pub fn time_of(at: i64) -> String {
    let seconds = at.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}",
        crate::domain::summary::day_of(at),
        seconds / 3600,
        seconds % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc_day_and_minute() {
        assert_eq!(time_of(1_796_038_860), "2026-11-30 11:41");
    }

    #[test]
    fn events_name_what_was_done_without_answer_text() {
        let event = AuditEvent::SessionsEnded {
            email: "sam@example.org".into(),
            sessions: 2,
        };
        assert_eq!(event.action(), "sessions ended");
        assert_eq!(event.detail(), "sam@example.org: 2");
    }
}
