//! Accounts and sessions.

use super::{Db, DbError, new_id, now};
use crate::domain::account::{Email, Role};
use sqlx::Row;

/// An account as stored, with its password hash (for checking a login).
#[derive(Debug)]
pub struct StoredUser {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
}

/// The account behind a live session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionUser {
    pub id: String,
    pub email: String,
    pub role: Role,
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
        let row = sqlx::query("SELECT id, email, role, password_hash FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            Ok(StoredUser {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                role: role_of(&row.try_get::<String, _>("role")?)?,
                password_hash: row.try_get("password_hash")?,
            })
        })
        .transpose()
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        expires_at: i64,
    ) -> Result<(), DbError> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now())
            .bind(expires_at)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The account of an unexpired session.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<SessionUser>, DbError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(SessionUser {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                role: role_of(&row.try_get::<String, _>("role")?)?,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
