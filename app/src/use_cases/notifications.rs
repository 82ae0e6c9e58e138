//! A flag reaches a person: each unhandled safeguarding flag's survey lead
//! is e-mailed within a minute of the answer arriving, and again while the
//! flag stays unhandled; failed sends are retried with back-off and every
//! send is in the audit log. Any instance may run this: a flag is claimed
//! in the database before it is sent, so two instances never both send it.

use super::UseCaseError;
use crate::db::{Db, now};
use crate::domain::audit::AuditEvent;
use crate::domain::notification::{lead_email, retry_delay};

/// Sends an e-mail; the error is for the log and the flag's record.
pub trait Mailer: Send + Sync {
    fn send(
        &self,
        to: &str,
        subject: &str,
        body: &str,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send;
}

/// Who is told and where the e-mail points.
#[derive(Clone, Debug)]
pub struct NotifySettings {
    /// The lead for surveys that have none of their own.
    pub default_lead: Option<String>,
    /// Heard's address, for the link (`/needs-a-look`).
    pub public_url: String,
    /// Seconds after which an unhandled flag is sent again.
    pub resend_after: i64,
}

/// How long a claimed flag is left to one instance to send.
const CLAIM_SECONDS: i64 = 120;

/// Sends every notification that is due; how many were sent. A flag is
/// claimed (its `next_notify_at` moved on) before it is sent and never
/// goes back to an earlier time, so an instance that read it before the
/// claim cannot claim it again.
pub async fn notify_due<M: Mailer>(
    db: &Db,
    mailer: &M,
    settings: &NotifySettings,
) -> Result<usize, UseCaseError> {
    let mut sent = 0;
    for due in db
        .due_notifications(settings.default_lead.is_some())
        .await?
    {
        let Some(lead) = due.lead.clone().or_else(|| settings.default_lead.clone()) else {
            continue; // No one to tell: the flag waits on the workers' list.
        };
        if !db.claim_notification(&due, now() + CLAIM_SECONDS).await? {
            continue;
        }
        let link = format!("{}/needs-a-look", settings.public_url.trim_end_matches('/'));
        // A reminder when the lead was told before (a failed try is not telling).
        let reminder = db.notified_before(&due.response_id).await?;
        let (subject, body) = lead_email(&due.survey_title, &due.round_name, &link, reminder);
        match mailer.send(&lead, &subject, &body).await {
            Ok(()) => {
                let resend_at = now() + settings.resend_after;
                db.record_notification(&due.response_id, Ok(resend_at))
                    .await?;
                let event = AuditEvent::LeadNotified {
                    round: due.round_name.clone(),
                    to: lead.clone(),
                };
                db.record_audit("heard (safeguarding e-mail)", &event)
                    .await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(%error, "could not e-mail the safeguarding lead; will try again");
                let retry_at = now() + retry_delay(due.attempts + 1);
                db.record_notification(&due.response_id, Err((&error, retry_at)))
                    .await?;
            }
        }
    }
    Ok(sent)
}
