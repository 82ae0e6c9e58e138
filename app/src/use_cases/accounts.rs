//! Staff accounts: logging in (with the throttling and second-factor
//! rules), adding accounts, second factors, disabling, ending sessions,
//! roles, and reading the audit log. The command line (`heard user`,
//! `heard audit`) and the admin pages call the same functions.

use super::UseCaseError;
use crate::auth;
use crate::db::{Db, StoredUser, now};
use crate::domain::account::{AccountSummary, Email, Password, Role};
use crate::domain::audit::{AuditEntry, AuditEvent};
use crate::domain::throttle::{
    FAILED_LOGINS_PER_ACCOUNT, FAILED_LOGINS_PER_ADDRESS, WRONG_SECOND_FACTORS,
};
use crate::second_factor;
use crate::throttle::{self, ServerKey};

/// How long a session lasts without use.
pub const IDLE_SECONDS: i64 = 30 * 60;

/// What was typed on the login page, and where it came from.
pub struct LoginAttempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// A six-digit code from the authenticator app, a recovery code, or empty.
    pub code: &'a str,
    /// The hashed network address (see [`crate::state::AppState::source_of`]).
    pub address: &'a str,
}

/// How a login ended.
#[derive(Debug)]
pub enum LoginOutcome {
    /// A session was started: its token (for the cookie) and the role.
    LoggedIn {
        token: String,
        role: Role,
        second_factor: bool,
    },
    /// Wrong address, password or code: one message for all three, so the
    /// answer does not tell which.
    Refused,
    /// Too many failures for this account or from this address: not tried.
    /// A right password with a right second factor still gets in.
    Busy,
}

/// Logs in: the policy of README "Throttling", in one place.
///
/// Every attempt is counted before the password is checked (so a burst
/// cannot slip past the limits) and forgiven when it succeeds.
///
/// The password is checked first, then the second factor, so only someone
/// who has the password can spend an account's allowance of wrong codes.
/// Over a limit, an attempt without a second-factor code is refused
/// without even the 19 MiB password hash (at most 4 of which run at once),
/// and one with a code is tried, so the owner, who has their phone, gets
/// in while someone guesses.
pub async fn log_in(
    db: &Db,
    key: &ServerKey,
    attempt: LoginAttempt<'_>,
) -> Result<LoginOutcome, UseCaseError> {
    let account_source = key.hash(&attempt.email.trim().to_lowercase());
    let by_account = throttle::reserve(db, FAILED_LOGINS_PER_ACCOUNT, &account_source).await?;
    let by_address = throttle::reserve(db, FAILED_LOGINS_PER_ADDRESS, attempt.address).await?;
    let over_limit = by_account.outcome.is_err() || by_address.outcome.is_err();
    let user = match Email::parse(attempt.email) {
        Ok(email) => db.user_by_email(&email).await?,
        Err(_) => None,
    };
    let code = attempt.code.trim();
    let who = user
        .as_ref()
        .map_or_else(|| "(no such account)".to_owned(), |u| u.email.clone());
    // A failure over a limit answers "busy" like every other attempt
    // there, so the answer never shows which accounts exist or have a
    // second factor.
    let refused = |user: &str| {
        let user = user.to_owned();
        async move {
            if over_limit {
                tracing::warn!("login refused: too many failures");
                return Ok::<_, UseCaseError>(LoginOutcome::Busy);
            }
            tracing::info!("failed login");
            db.record_audit(&user, &AuditEvent::FailedLogin).await?;
            Ok(LoginOutcome::Refused)
        }
    };
    let has_factor = user.as_ref().is_some_and(|u| u.totp_secret.is_some());
    if over_limit && (!has_factor || code.is_empty()) {
        // Over a limit only the password with a second factor is tried;
        // without one, nothing is (not even the password hash).
        by_account.forgive(db).await?;
        by_address.forgive(db).await?;
        // Logged, not audited: a flood of refusals must not fill the
        // audit log.
        tracing::warn!("login refused: too many failures");
        return Ok(LoginOutcome::Busy);
    }
    // The password first, always: only someone who has it ever reaches
    // the second factor, so no one else can use up its allowance.
    if !auth::check_password(user.as_ref(), attempt.password).await {
        return refused(&who).await;
    }
    let proof = match &user {
        Some(user) if has_factor => {
            match second_factor_matches(db, user, code, &account_source).await? {
                Some(proof) => Some(proof),
                None => return refused(&who).await,
            }
        }
        _ => None,
    };
    let Some(user) = user.filter(|u| !u.disabled) else {
        return refused(&who).await;
    };
    // The second factor, if the account has one, is used up only now.
    if let Some(proof) = proof
        && !use_up(db, &user, proof).await?
    {
        return refused(&who).await;
    }
    by_account.forgive(db).await?;
    by_address.forgive(db).await?;
    let token = auth::start_session(db, &user.id).await?;
    let second_factor = user.totp_secret.is_some();
    tracing::info!(user = %user.email, role = user.role.as_str(), "logged in");
    db.record_audit(
        &user.email,
        &AuditEvent::LoggedIn {
            with_second_factor: second_factor,
        },
    )
    .await?;
    Ok(LoginOutcome::LoggedIn {
        token,
        role: user.role,
        second_factor,
    })
}

/// A second factor that matched, not yet used up.
enum Proof {
    Step(i64),
    RecoveryCode(String),
}

/// Whether `code` is a right second factor for `user` now (a code of a
/// time step already spent is not). Wrong ones count against `source`
/// ([`WRONG_SECOND_FACTORS`]); over that limit nothing matches, so a
/// million codes cannot be tried.
async fn second_factor_matches(
    db: &Db,
    user: &StoredUser,
    code: &str,
    source: &str,
) -> Result<Option<Proof>, UseCaseError> {
    let attempt = throttle::reserve(db, WRONG_SECOND_FACTORS, source).await?;
    if attempt.outcome.is_err() {
        attempt.forgive(db).await?;
        return Ok(None);
    }
    let secret = user.totp_secret.as_deref().unwrap_or_default();
    let proof = if second_factor::is_recovery_code(code) {
        let hash = second_factor::recovery_code_hash(code);
        db.recovery_code_unused(&user.id, &hash)
            .await?
            .then_some(Proof::RecoveryCode(hash))
    } else {
        second_factor::matching_step(secret, code, now().max(0) as u64)
            .filter(|step| *step > user.totp_last_step)
            .map(Proof::Step)
    };
    if proof.is_some() {
        attempt.forgive(db).await?;
    }
    Ok(proof)
}

/// Uses up a matching second factor: `false` if it was used meanwhile (a
/// replayed code, a recovery code used twice at once).
async fn use_up(db: &Db, user: &StoredUser, proof: Proof) -> Result<bool, UseCaseError> {
    Ok(match proof {
        Proof::Step(step) => db.use_totp_step(&user.id, step).await?,
        Proof::RecoveryCode(hash) => {
            let used = db.use_recovery_code(&user.id, &hash).await?;
            if used {
                let left = db.recovery_codes_left(&user.id).await?;
                db.record_audit(&user.email, &AuditEvent::RecoveryCodeUsed { left })
                    .await?;
            }
            used
        }
    })
}

/// A second factor to give to an authenticator app, and recovery codes to
/// keep somewhere safe. Shown once.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecondFactorSetup {
    pub secret: String,
    pub otpauth_uri: String,
    pub recovery_codes: Vec<String>,
}

/// Adds an account. An admin's gets a second factor at once (admins must
/// have one); others can set one up on their account page.
pub async fn add_account(
    db: &Db,
    who: &str,
    email: &Email,
    role: Role,
    password: Password,
) -> Result<Option<SecondFactorSetup>, UseCaseError> {
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| UseCaseError::BadInput(format!("could not hash the password: {e}")))?;
    if !db.create_user(email, role, &hash).await? {
        return Err(UseCaseError::BadInput(format!(
            "there is already an account for {}",
            email.as_str()
        )));
    }
    let event = AuditEvent::AccountAdded {
        email: email.as_str().to_owned(),
        role: role.as_str().to_owned(),
    };
    db.record_audit(who, &event).await?;
    if role == Role::Admin {
        return Ok(Some(reset_second_factor(db, who, email).await?));
    }
    Ok(None)
}

/// Gives `email`'s account a new second factor and recovery codes (the old
/// ones stop working) and ends its sessions: for a lost phone, from the
/// command line.
pub async fn reset_second_factor(
    db: &Db,
    who: &str,
    email: &Email,
) -> Result<SecondFactorSetup, UseCaseError> {
    let user = account(db, email).await?;
    let secret = second_factor::new_secret();
    let codes = store_second_factor(db, &user.id, &secret).await?;
    db.end_sessions(email).await?;
    db.record_audit(who, &AuditEvent::SecondFactorReset).await?;
    Ok(SecondFactorSetup {
        otpauth_uri: second_factor::otpauth_uri(&secret, email.as_str()),
        secret,
        recovery_codes: codes,
    })
}

/// Sets up the second factor `secret` for the logged-in account, once
/// `code` shows the authenticator app has it and `password` that the
/// person at the keyboard is its owner (not someone holding a session);
/// returns the recovery codes.
pub async fn confirm_second_factor(
    db: &Db,
    email: &str,
    password: &str,
    secret: &str,
    code: &str,
) -> Result<Vec<String>, UseCaseError> {
    let user = account(db, &Email::parse(email).map_err(bad)?).await?;
    if !auth::check_password(Some(&user), password).await {
        return Err(UseCaseError::BadInput(
            "that is not this account's password".into(),
        ));
    }
    let Some(step) = second_factor::matching_step(secret, code, now().max(0) as u64) else {
        return Err(UseCaseError::BadInput(
            "that code does not match: check the app shows Heard, and type the code it shows now"
                .into(),
        ));
    };
    let codes = store_second_factor(db, &user.id, secret).await?;
    db.use_totp_step(&user.id, step).await?;
    db.record_audit(email, &AuditEvent::SecondFactorSet).await?;
    Ok(codes)
}

async fn store_second_factor(
    db: &Db,
    user_id: &str,
    secret: &str,
) -> Result<Vec<String>, UseCaseError> {
    let codes = second_factor::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| second_factor::recovery_code_hash(c))
        .collect();
    db.set_second_factor(user_id, Some(secret), &hashes).await?;
    Ok(codes)
}

/// Every account, for the admin page and `heard user list`.
pub async fn list_accounts(db: &Db) -> Result<Vec<AccountSummary>, UseCaseError> {
    Ok(db.list_accounts(now() - IDLE_SECONDS).await?)
}

/// Disables (ending its sessions) or enables `email`'s account.
pub async fn set_disabled(
    db: &Db,
    who: &str,
    email: &Email,
    disabled: bool,
) -> Result<(), UseCaseError> {
    if disabled && who == email.as_str() {
        return Err(UseCaseError::BadInput(
            "you cannot disable your own account".into(),
        ));
    }
    if !db.set_disabled(email, disabled).await? {
        return Err(no_account(email));
    }
    let email = email.as_str().to_owned();
    let event = if disabled {
        AuditEvent::AccountDisabled { email }
    } else {
        AuditEvent::AccountEnabled { email }
    };
    db.record_audit(who, &event).await?;
    Ok(())
}

/// Ends every session of `email`'s account; how many there were.
pub async fn end_sessions(db: &Db, who: &str, email: &Email) -> Result<u64, UseCaseError> {
    let sessions = db
        .end_sessions(email)
        .await?
        .ok_or_else(|| no_account(email))?;
    let event = AuditEvent::SessionsEnded {
        email: email.as_str().to_owned(),
        sessions,
    };
    db.record_audit(who, &event).await?;
    Ok(sessions)
}

/// Changes `email`'s role. An account made admin without a second factor
/// gets one now (returned, to be given to its owner), so that admin work
/// never rests on a password alone, nor on setting one up from a session
/// someone else may hold.
pub async fn set_role(
    db: &Db,
    who: &str,
    email: &Email,
    role: Role,
) -> Result<Option<SecondFactorSetup>, UseCaseError> {
    let account = account(db, email).await?;
    if !db.set_role(email, role).await? {
        return Err(no_account(email));
    }
    let event = AuditEvent::RoleChanged {
        email: email.as_str().to_owned(),
        role: role.as_str().to_owned(),
    };
    db.record_audit(who, &event).await?;
    if role == Role::Admin && account.totp_secret.is_none() {
        return Ok(Some(reset_second_factor(db, who, email).await?));
    }
    Ok(None)
}

/// The audit log from `since` (Unix seconds), newest first.
pub async fn audit_log(db: &Db, since: i64, limit: i64) -> Result<Vec<AuditEntry>, UseCaseError> {
    Ok(db.audit_entries(since, limit.clamp(1, 10_000)).await?)
}

async fn account(db: &Db, email: &Email) -> Result<StoredUser, UseCaseError> {
    db.user_by_email(email)
        .await?
        .ok_or_else(|| no_account(email))
}

fn no_account(email: &Email) -> UseCaseError {
    UseCaseError::BadInput(format!("there is no account for {}", email.as_str()))
}

fn bad(error: impl std::fmt::Display) -> UseCaseError {
    UseCaseError::BadInput(error.to_string())
}
