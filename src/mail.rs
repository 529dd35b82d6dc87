//! Email through a durable outbox.
//!
//! Features call [`enqueue`] inside the transaction of the change that causes the email, so an
//! email exists exactly when its change does. The server's mail worker ([`deliver_due`]) sends due
//! emails through SMTP (`SMTP_URL`) with lettre, or, with no SMTP configured, writes them as `.eml`
//! files into `$ROLLBOOK_DATA_DIR/mail` and logs them. A failed send is retried with growing
//! back-off and marked failed after the last try. No database connection is held while sending.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::db;
use crate::error::AppError;
use crate::schema::outbox_emails;

/// Tries before an email is marked failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// While one worker sends an email, others leave it alone this long.
const SENDING_LEASE: Duration = Duration::minutes(10);
/// Emails sent per round.
const BATCH: i64 = 50;

/// An email to be sent.
#[derive(Debug, Clone)]
pub struct NewEmail {
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub school_id: Option<i64>,
    /// At most one email may exist with this key; a second enqueue is ignored.
    pub dedupe_key: Option<String>,
}

/// Writes an email to the outbox (in the caller's transaction). Returns false when an email with
/// the same dedupe key already exists.
pub fn enqueue(conn: &mut PgConnection, email: &NewEmail, now: DateTime<Utc>) -> QueryResult<bool> {
    let inserted = diesel::insert_into(outbox_emails::table)
        .values((
            outbox_emails::created_at.eq(now),
            outbox_emails::school_id.eq(email.school_id),
            outbox_emails::kind.eq(email.kind),
            outbox_emails::to_address.eq(&email.to),
            outbox_emails::subject.eq(&email.subject),
            outbox_emails::body_text.eq(&email.body),
            outbox_emails::next_attempt_at.eq(now),
            outbox_emails::dedupe_key.eq(&email.dedupe_key),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(inserted == 1)
}

/// How emails leave the building.
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// No SMTP configured: `.eml` files in this folder.
    Files(PathBuf),
}

/// The mail service shared by the app: transport, sender, and a bell that wakes the worker.
pub struct Mailer {
    pub transport: Transport,
    pub from: Mailbox,
    pub wake: Notify,
}

impl Mailer {
    /// Builds the mailer from settings. SMTP needs a running Tokio runtime.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Arc<Self>, String> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| format!("ROLLBOOK_MAIL_FROM is not an email address: {e}"))?;
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("SMTP_URL is not usable: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
            None => Transport::Files(settings.data_dir.join("mail")),
        };
        Ok(Arc::new(Self {
            transport,
            from,
            wake: Notify::new(),
        }))
    }
}

#[derive(Debug, Queryable)]
struct DueEmail {
    id: i64,
    kind: String,
    to_address: String,
    subject: String,
    body_text: String,
    attempts: i32,
}

/// What one delivery round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// The wait before try number `attempts + 1`: 1, 2, 4 … minutes, at most six hours.
pub fn backoff(attempts: i32) -> Duration {
    Duration::minutes(1i64 << attempts.clamp(0, 9)).min(Duration::hours(6))
}

/// Claims due emails (a lease, so parallel workers never send one twice), sends them with no
/// connection held, then records each outcome.
pub async fn deliver_due(
    pool: &db::PgPool,
    mailer: &Mailer,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, AppError> {
    let due: Vec<DueEmail> = db::run_background(pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let due: Vec<DueEmail> = outbox_emails::table
                .filter(outbox_emails::status.eq("pending"))
                .filter(outbox_emails::next_attempt_at.le(now))
                .order(outbox_emails::id)
                .limit(BATCH)
                .for_update()
                .skip_locked()
                .select((
                    outbox_emails::id,
                    outbox_emails::kind,
                    outbox_emails::to_address,
                    outbox_emails::subject,
                    outbox_emails::body_text,
                    outbox_emails::attempts,
                ))
                .load(conn)?;
            let ids: Vec<i64> = due.iter().map(|e| e.id).collect();
            diesel::update(outbox_emails::table.filter(outbox_emails::id.eq_any(&ids)))
                .set(outbox_emails::next_attempt_at.eq(now + SENDING_LEASE))
                .execute(conn)?;
            Ok::<_, diesel::result::Error>(due)
        })?)
    })
    .await?;

    let mut report = DeliveryReport::default();
    let mut outcomes = Vec::with_capacity(due.len());
    for email in due {
        let result = send_one(mailer, &email).await;
        outcomes.push((email.id, email.attempts + 1, result));
    }
    for (_, attempts, result) in &outcomes {
        match result {
            Ok(()) => report.sent += 1,
            Err(_) if *attempts >= MAX_ATTEMPTS => report.failed += 1,
            Err(_) => report.retrying += 1,
        }
    }
    if !outcomes.is_empty() {
        db::run_background(pool, move |conn| {
            conn.transaction(|conn| {
                for (id, attempts, result) in &outcomes {
                    let target = outbox_emails::table.find(*id);
                    match result {
                        Ok(()) => diesel::update(target)
                            .set((
                                outbox_emails::status.eq("sent"),
                                outbox_emails::attempts.eq(attempts),
                                outbox_emails::sent_at.eq(now),
                                outbox_emails::last_error.eq(None::<String>),
                            ))
                            .execute(conn)?,
                        Err(error) => diesel::update(target)
                            .set((
                                outbox_emails::status.eq(if *attempts >= MAX_ATTEMPTS {
                                    "failed"
                                } else {
                                    "pending"
                                }),
                                outbox_emails::attempts.eq(attempts),
                                outbox_emails::next_attempt_at.eq(now + backoff(*attempts)),
                                outbox_emails::last_error
                                    .eq(error.chars().take(500).collect::<String>()),
                            ))
                            .execute(conn)?,
                    };
                }
                Ok::<_, diesel::result::Error>(())
            })?;
            Ok(())
        })
        .await?;
    }
    Ok(report)
}

async fn send_one(mailer: &Mailer, email: &DueEmail) -> Result<(), String> {
    let to: Mailbox = email
        .to_address
        .parse()
        .map_err(|e| format!("bad recipient {:?}: {e}", email.to_address))?;
    let message = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(&email.subject)
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(email.body_text.clone())
        .map_err(|e| format!("cannot build the message: {e}"))?;
    match &mailer.transport {
        Transport::Smtp(smtp) => smtp
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}")),
        Transport::Files(dir) => {
            let path = dir.join(format!("{:06}-{}.eml", email.id, email.kind));
            let bytes = message.formatted();
            let written = std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&path, bytes));
            match written {
                Ok(()) => {
                    let link = email
                        .body_text
                        .split_whitespace()
                        .find(|w| w.starts_with("http"));
                    tracing::info!(to = %email.to_address, subject = %email.subject, link = link.unwrap_or("-"),
                        file = %path.display(), "email written to a file (no SMTP_URL)");
                    Ok(())
                }
                Err(e) => Err(format!("cannot write {}: {e}", path.display())),
            }
        }
    }
}

/// Runs delivery rounds until the process ends: when woken by a new email, and every 30 seconds.
pub fn spawn_worker(state: &crate::AppState) {
    let state = state.clone();
    actix_web::rt::spawn(async move {
        loop {
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(30),
                state.mailer.wake.notified(),
            )
            .await;
            match deliver_due(&state.pool, &state.mailer, state.clock.now()).await {
                Ok(r) if r != DeliveryReport::default() => tracing::info!(?r, "mail round"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "mail round failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::minutes(2));
        assert_eq!(backoff(3), Duration::minutes(8));
        assert_eq!(backoff(20), Duration::hours(6));
    }
}
