//! Accounts and sessions.

use super::{Db, DbError, new_id, now};
use crate::domain::account::{AccountSummary, Email, Role};
use sqlx::Row;

/// An account as stored, with its password hash (for checking a login).
#[derive(Debug)]
pub struct StoredUser {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    /// The base32 TOTP secret, when the account has a second factor.
    pub totp_secret: Option<String>,
    /// The last TOTP time step accepted (a code of it or before is spent).
    pub totp_last_step: i64,
}

/// The account behind a live session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionUser {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// Whether the account has a second factor (admins need one to act
    /// as admins).
    pub second_factor: bool,
}

fn role_of(name: &str) -> Result<Role, DbError> {
    Role::parse(name).ok_or_else(|| DbError::Corrupt(format!("unknown role {name:?}")))
}

impl Db {
    /// Adds an account. `Ok(false)` when the e-mail address is taken.
    pub async fn create_user(
        &self,
        email: &Email,
        role: Role,
        password_hash: &str,
    ) -> Result<bool, DbError> {
        let result = sqlx::query(
            "INSERT INTO users (id, email, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(email.as_str())
        .bind(role.as_str())
        .bind(password_hash)
        .bind(now())
        .execute(self.pool())
        .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if super::is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<StoredUser>, DbError> {
        let row = sqlx::query(
            "SELECT id, email, role, password_hash, disabled_at, totp_secret, totp_last_step FROM users WHERE email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(StoredUser {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                role: role_of(&row.try_get::<String, _>("role")?)?,
                password_hash: row.try_get("password_hash")?,
                disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                totp_secret: row.try_get("totp_secret")?,
                totp_last_step: row.try_get("totp_last_step")?,
            })
        })
        .transpose()
    }

    /// Every account, with its live sessions, by e-mail address.
    pub async fn list_accounts(&self, idle_since: i64) -> Result<Vec<AccountSummary>, DbError> {
        let rows = sqlx::query(
            "SELECT u.email, u.role, u.disabled_at, u.totp_secret, \
                    COUNT(s.token_hash) AS sessions, MAX(s.last_seen_at) AS last_seen_at \
             FROM users u LEFT JOIN sessions s \
               ON s.user_id = u.id AND s.expires_at > $1 AND s.last_seen_at > $2 \
             GROUP BY u.id, u.email, u.role, u.disabled_at, u.totp_secret ORDER BY u.email",
        )
        .bind(now())
        .bind(idle_since)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AccountSummary {
                    email: row.try_get("email")?,
                    role: role_of(&row.try_get::<String, _>("role")?)?,
                    disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                    second_factor: row.try_get::<Option<String>, _>("totp_secret")?.is_some(),
                    sessions: row.try_get("sessions")?,
                    last_seen_at: row.try_get("last_seen_at")?,
                })
            })
            .collect()
    }

    /// Disables or enables the account of `email`; disabling ends its
    /// sessions in the same transaction. `Ok(false)`: no such account.
    pub async fn set_disabled(&self, email: &Email, disabled: bool) -> Result<bool, DbError> {
        let mut tx = self.pool().begin().await?;
        let changed = sqlx::query("UPDATE users SET disabled_at = $2 WHERE email = $1")
            .bind(email.as_str())
            .bind(disabled.then(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if disabled {
            sqlx::query(
                "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE email = $1)",
            )
            .bind(email.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(changed == 1)
    }

    /// Changes the role of `email`'s account. `Ok(false)`: no such account.
    pub async fn set_role(&self, email: &Email, role: Role) -> Result<bool, DbError> {
        let changed = sqlx::query("UPDATE users SET role = $2 WHERE email = $1")
            .bind(email.as_str())
            .bind(role.as_str())
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(changed == 1)
    }

    /// Ends every session of `email`'s account; how many there were, or
    /// `None` when there is no such account.
    pub async fn end_sessions(&self, email: &Email) -> Result<Option<u64>, DbError> {
        let Some(user) = self.user_by_email(email).await? else {
            return Ok(None);
        };
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(&user.id)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(Some(ended))
    }

    /// Gives `user_id` a second factor (or takes it away, with `None`) and
    /// replaces its recovery codes with `recovery_code_hashes`.
    pub async fn set_second_factor(
        &self,
        user_id: &str,
        totp_secret: Option<&str>,
        recovery_code_hashes: &[String],
    ) -> Result<(), DbError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE users SET totp_secret = $2, totp_last_step = 0 WHERE id = $1")
            .bind(user_id)
            .bind(totp_secret)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for hash in recovery_code_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Accepts TOTP time step `step` for `user_id` once: `false` when that
    /// step (or a later one) was used already, so a code seen over a
    /// shoulder cannot be replayed.
    pub async fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool, DbError> {
        let changed = sqlx::query(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2",
        )
        .bind(user_id)
        .bind(step)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Uses up one of `user_id`'s recovery codes: `false` when it is not
    /// one, or was used before.
    pub async fn use_recovery_code(&self, user_id: &str, code_hash: &str) -> Result<bool, DbError> {
        let changed = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(code_hash)
        .bind(now())
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Whether `code_hash` is one of `user_id`'s recovery codes, not used yet.
    pub async fn recovery_code_unused(
        &self,
        user_id: &str,
        code_hash: &str,
    ) -> Result<bool, DbError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(code_hash)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get::<i64, _>("n")? == 1)
    }

    /// Recovery codes of `user_id` not used yet.
    pub async fn recovery_codes_left(&self, user_id: &str) -> Result<i64, DbError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Starts a session that ends at `expires_at`, or sooner when idle.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        expires_at: i64,
    ) -> Result<(), DbError> {
        let time = now();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $3)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(time)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The account of a live session: not past its end, used since
    /// `idle_since`, of an account that is not disabled. A use more than a
    /// minute after the last one recorded is recorded, so an active
    /// session stays alive without a write on every request.
    pub async fn session_user(
        &self,
        token_hash: &str,
        idle_since: i64,
    ) -> Result<Option<SessionUser>, DbError> {
        let time = now();
        let row = sqlx::query(
            "SELECT u.id, u.email, u.role, u.totp_secret, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND u.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(time)
        .bind(idle_since)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        if row.try_get::<i64, _>("last_seen_at")? < time - 60 {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
                .bind(token_hash)
                .bind(time)
                .execute(self.pool())
                .await?;
        }
        Ok(Some(SessionUser {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            role: role_of(&row.try_get::<String, _>("role")?)?,
            second_factor: row.try_get::<Option<String>, _>("totp_secret")?.is_some(),
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
