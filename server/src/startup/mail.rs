//! Safeguarding e-mails: the SMTP sender, and the loop that sends what is
//! due every few seconds (`use_cases::notifications` decides what, to
//! whom and when to retry).

use heard_app::db::Db;
use heard_app::use_cases::notifications::{Mailer, NotifySettings, notify_due};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Sends through the SMTP server of `HEARD_SMTP_URL`.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// `url`: `smtp://host:port` (plain, or `?tls=required` for STARTTLS),
    /// or `smtps://user:password@host` (TLS from the start).
    pub fn new(url: &str, from: &str) -> anyhow::Result<SmtpMailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("HEARD_SMTP_URL is not an SMTP address ({e})"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from.parse().map_err(|e| {
            anyhow::anyhow!("HEARD_MAIL_FROM {from:?} is not an e-mail address ({e})")
        })?;
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("{to:?} is not an e-mail address: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Sends due safeguarding e-mails every 5 seconds, for as long as Heard runs.
pub fn spawn_notifier(db: Db, mailer: SmtpMailer, settings: NotifySettings) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            every.tick().await;
            match notify_due(&db, &mailer, &settings).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "safeguarding leads e-mailed"),
                Err(error) => tracing::warn!(%error, "could not send safeguarding e-mails"),
            }
        }
    });
}
