//! What summaries read: rounds in order, approved quotes, share links.

use super::rounds::RoundRef;
use super::{Db, DbError, now};
use crate::domain::summary::{ApprovedQuote, ShareLinkInfo};
use crate::domain::survey::Survey;
use sqlx::Row;

/// A round with its survey, for a summary.
#[derive(Clone, Debug)]
pub struct RoundWithSurvey {
    pub round: RoundRef,
    pub survey_id: String,
    pub survey: Survey,
}

impl Db {
    /// A round and its survey, by round id.
    pub async fn round_with_survey(
        &self,
        round_id: &str,
    ) -> Result<Option<RoundWithSurvey>, DbError> {
        let Some(row) = sqlx::query(
            "SELECT r.name, r.survey_id, s.slug, s.title, s.languages FROM rounds r JOIN surveys s ON s.id = r.survey_id WHERE r.id = $1",
        )
        .bind(round_id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let survey_id: String = row.try_get("survey_id")?;
        let (questions, _) = self.questions_of(&survey_id).await?;
        Ok(Some(RoundWithSurvey {
            round: RoundRef {
                round_id: round_id.to_owned(),
                name: row.try_get("name")?,
            },
            survey: Survey {
                slug: row.try_get("slug")?,
                title: row.try_get("title")?,
                questions,
                languages: super::surveys::languages_of(&row)?,
            },
            survey_id,
        }))
    }

    /// A survey's rounds, oldest first.
    pub async fn rounds_of_survey(&self, survey_id: &str) -> Result<Vec<RoundRef>, DbError> {
        sqlx::query(
            "SELECT id, name FROM rounds WHERE survey_id = $1 ORDER BY seq, created_at, name",
        )
        .bind(survey_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| {
            Ok(RoundRef {
                round_id: row.try_get("id")?,
                name: row.try_get("name")?,
            })
        })
        .collect()
    }

    /// A round's approved quotes, each with its answer's themes.
    pub async fn approved_quotes(&self, round_id: &str) -> Result<Vec<ApprovedQuote>, DbError> {
        let rows = sqlx::query(
            // From the quotes (a few, chosen by hand; CROSS JOIN keeps
            // SQLite to that order): from the round's responses, it read
            // every response of the round to find them (40 ms a summary
            // at 333,334 responses).
            "SELECT qu.response_id, q.key, qu.redacted, t.name AS theme FROM quotes qu \
             CROSS JOIN responses x \
             JOIN questions q ON q.id = qu.question_id \
             LEFT JOIN codings c ON c.response_id = qu.response_id AND c.question_id = qu.question_id AND c.pass = 'main' \
             LEFT JOIN themes t ON t.id = c.theme_id \
             WHERE x.id = qu.response_id AND x.round_id = $1 AND qu.approved_at IS NOT NULL \
             ORDER BY q.position, qu.response_id, t.position",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        let mut quotes: Vec<(String, ApprovedQuote)> = Vec::new();
        for row in &rows {
            let response_id: String = row.try_get("response_id")?;
            let key: String = row.try_get("key")?;
            let theme: Option<String> = row.try_get("theme")?;
            match quotes.last_mut() {
                Some((id, quote)) if *id == response_id && quote.question == key => {
                    quote.themes.extend(theme);
                }
                _ => quotes.push((
                    response_id,
                    ApprovedQuote {
                        question: key,
                        themes: theme.into_iter().collect(),
                        text: row.try_get("redacted")?,
                    },
                )),
            }
        }
        Ok(quotes.into_iter().map(|(_, q)| q).collect())
    }

    /// Stores a new share link to a round's summary.
    pub async fn create_share_link(
        &self,
        token_hash: &str,
        round_id: &str,
        created_by: &str,
        expires_at: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO share_links (token_hash, round_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(round_id)
        .bind(created_by)
        .bind(now())
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The round a share link opens, if the link is neither expired nor
    /// revoked.
    pub async fn share_link_round(&self, token_hash: &str) -> Result<Option<String>, DbError> {
        let row = sqlx::query(
            "SELECT round_id FROM share_links WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| row.try_get("round_id"))
            .transpose()
            .map_err(Into::into)
    }

    /// A round's share links, newest first.
    pub async fn share_links(&self, round_id: &str) -> Result<Vec<ShareLinkInfo>, DbError> {
        sqlx::query(
            "SELECT token_hash, created_by, expires_at, revoked_at FROM share_links WHERE round_id = $1 ORDER BY created_at DESC",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| {
            Ok(ShareLinkInfo {
                id: row.try_get("token_hash")?,
                created_by: row.try_get("created_by")?,
                expires_at: row.try_get("expires_at")?,
                revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            })
        })
        .collect()
    }

    /// Revokes a share link; the round it was for, or `None` when there is
    /// no such live link.
    pub async fn revoke_share_link(&self, token_hash: &str) -> Result<Option<String>, DbError> {
        let row = sqlx::query(
            "UPDATE share_links SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL \
             RETURNING round_id",
        )
        .bind(now())
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| row.try_get("round_id"))
            .transpose()
            .map_err(Into::into)
    }
}

/// A round's published summary, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    pub responses: i64,
    pub published_at: i64,
    /// Which responses it counts (see [`Db::respondents_fingerprint`]).
    pub respondents: String,
}

impl Db {
    /// Replaces `round_id`'s published summaries with `summaries` (one per
    /// breakdown key, `""` for none), all or nothing.
    pub async fn store_publication(
        &self,
        round_id: &str,
        who: &str,
        responses: i64,
        respondents: &str,
        summaries: &[(String, String)],
    ) -> Result<(), DbError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM published_summaries WHERE round_id = $1")
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        let time = now();
        for (by_key, summary) in summaries {
            sqlx::query(
                "INSERT INTO published_summaries (round_id, by_key, summary, responses, published_at, published_by, respondents) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(round_id)
            .bind(by_key)
            .bind(summary)
            .bind(responses)
            .bind(time)
            .bind(who)
            .bind(respondents)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The published summary of `round_id` broken down by `by_key` (`""`:
    /// none), as stored (JSON).
    pub async fn published_summary(
        &self,
        round_id: &str,
        by_key: &str,
    ) -> Result<Option<String>, DbError> {
        let row = sqlx::query(
            "SELECT summary FROM published_summaries WHERE round_id = $1 AND by_key = $2",
        )
        .bind(round_id)
        .bind(by_key)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| row.try_get("summary"))
            .transpose()
            .map_err(Into::into)
    }

    /// When `round_id` was last published, and with how many responses.
    pub async fn publication(&self, round_id: &str) -> Result<Option<Publication>, DbError> {
        let row = sqlx::query(
            "SELECT responses, published_at, respondents FROM published_summaries WHERE round_id = $1 AND by_key = ''",
        )
        .bind(round_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(Publication {
                responses: row.try_get("responses")?,
                published_at: row.try_get("published_at")?,
                respondents: row.try_get("respondents")?,
            })
        })
        .transpose()
    }

    /// A fingerprint of which responses a round holds now (SHA-256 of
    /// their ids in order): equal exactly when the same young people are
    /// counted.
    pub async fn respondents_fingerprint(&self, round_id: &str) -> Result<String, DbError> {
        use sha2::{Digest, Sha256};
        let rows = sqlx::query("SELECT id FROM responses WHERE round_id = $1 ORDER BY id")
            .bind(round_id)
            .fetch_all(self.pool())
            .await?;
        let mut hash = Sha256::new();
        for row in &rows {
            hash.update(row.try_get::<String, _>("id")?.as_bytes());
            hash.update(b"\n");
        }
        Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}
