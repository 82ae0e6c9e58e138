//! Accounts: roles, and the rules for e-mail addresses and passwords.

use serde::{Deserialize, Serialize};

/// What an account may do. Young people have no account: a join code lets
/// its holder answer one round and read nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages accounts and everything a worker can do.
    Admin,
    /// A participation worker: builds surveys, reads and codes answers.
    Worker,
    /// Sees anonymised summaries only.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Worker => "worker",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        [Role::Admin, Role::Worker, Role::Viewer]
            .into_iter()
            .find(|r| r.as_str() == name)
    }

    /// Whether an account with this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        match self {
            Role::Admin => true,
            Role::Worker => matches!(needed, Role::Worker | Role::Viewer),
            Role::Viewer => needed == Role::Viewer,
        }
    }
}

/// A normalised (trimmed, lower-case) e-mail address used as a login name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

/// A password that meets the policy. Never printed or logged.
pub struct Password(String);

/// Why an e-mail address or password was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(
        "\"{0}\" is not an e-mail address (it needs one @ with text either side and no spaces)"
    )]
    BadEmail(String),
    #[error("passwords must have at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("passwords must have at most {MAX_PASSWORD_CHARS} characters")]
    PasswordTooLong,
    #[error("that password is one of the most common (or one with numbers added): choose another")]
    CommonPassword,
}

/// OWASP ASVS 2.1.1: at least 12 characters; 2.1.2: at least 64 allowed.
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

impl Email {
    pub fn parse(typed: &str) -> Result<Email, AccountError> {
        let email = typed.trim().to_lowercase();
        let ok = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !email.chars().any(char::is_whitespace)
                    && email.len() <= 254
            }
            None => false,
        };
        if ok {
            Ok(Email(email))
        } else {
            Err(AccountError::BadEmail(typed.trim().to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Password {
    pub fn parse(typed: String) -> Result<Password, AccountError> {
        let chars = typed.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            Err(AccountError::PasswordTooShort)
        } else if chars > MAX_PASSWORD_CHARS {
            Err(AccountError::PasswordTooLong)
        } else if is_common(&typed) {
            Err(AccountError::CommonPassword)
        } else {
            Ok(Password(typed))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// An account as an admin sees it in the list of accounts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccountSummary {
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub second_factor: bool,
    /// Live sessions (neither idle too long nor past their end).
    pub sessions: i64,
    /// When a session of the account was last used (Unix seconds).
    pub last_seen_at: Option<i64>,
}

/// Whether `password` is on the list of common passwords (ASVS 6.2.4),
/// whatever its case, also with digits or symbols added at the end
/// ("password12345!") or one character repeated.
fn is_common(password: &str) -> bool {
    static COMMON: &str = include_str!("common_passwords.txt");
    let lower = password.to_lowercase();
    let base = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let on_list = |word: &str| word.len() >= 6 && COMMON.lines().any(|line| line == word);
    let one_character = lower.chars().all(|c| lower.starts_with(c));
    on_list(&lower) || on_list(base) || one_character
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_may_do_everything_a_viewer_only_view() {
        assert!(Role::Admin.allows(Role::Worker));
        assert!(Role::Worker.allows(Role::Viewer));
        assert!(!Role::Worker.allows(Role::Admin));
        assert!(!Role::Viewer.allows(Role::Worker));
    }

    #[test]
    fn common_passwords_are_refused_however_dressed_up() {
        for common in [
            "1qaz2wsx3edc",
            "QwertyUIOP1234",
            "password12345!",
            "Sunshine2024!!",
            "aaaaaaaaaaaaaa",
        ] {
            assert_eq!(
                Password::parse(common.to_owned()).err(),
                Some(AccountError::CommonPassword),
                "{common}"
            );
        }
        assert!(Password::parse("tablet-lantern-orchard".to_owned()).is_ok());
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Sam@Example.ORG ").unwrap().as_str(),
            "sam@example.org"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "sam",
            "@example.org",
            "sam@",
            "sam@@example.org",
            "sam smith@example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_password_of_eleven_characters_is_too_short_and_twelve_is_enough() {
        assert!(matches!(
            Password::parse("a".repeat(11)),
            Err(AccountError::PasswordTooShort)
        ));
        assert!(matches!(
            Password::parse("tablet-lamp".to_owned()),
            Err(AccountError::PasswordTooShort)
        ));
        assert!(Password::parse("tablet-lamps".to_owned()).is_ok());
    }
}
