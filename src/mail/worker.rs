//! The outbox worker: claims due emails, renders and sends them, retries with exponential
//! back-off and jitter, and marks an email dead after the configured number of attempts.
//!
//! Delivery is at least once: an email is marked sent after the transport accepted it, so a
//! worker killed between the two sends it again after its lease expires. Each email keeps one
//! `Message-ID` (from its outbox row) across attempts, so mail systems can tell repeats apart.

use chrono::{DateTime, Duration, Utc};
use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use std::sync::Arc;
use tokio::sync::Notify;
use uuid::Uuid;

use super::Mailer;
use super::folder::Label;
use super::message::EmailMessage;
use super::templates::Templates;
use crate::db::outbox::OutboxRow;
use crate::domain::Language;
use crate::service::Roster;

/// Most emails claimed in one go.
const BATCH: i64 = 100;
/// Longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 3600;

pub struct OutboxWorker {
    roster: Roster,
    mailer: Mailer,
    templates: Arc<Templates>,
    from: Mailbox,
}

/// What one email's attempt came to.
enum Outcome {
    Sent,
    Retry,
    Dead,
}

impl OutboxWorker {
    pub fn new(roster: Roster, mailer: Mailer) -> anyhow::Result<OutboxWorker> {
        crate::metrics::handle();
        let from: Mailbox = roster
            .config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid ROSTER_MAIL_FROM: {e}"))?;
        Ok(OutboxWorker {
            roster,
            mailer,
            templates: Arc::new(Templates::new()),
            from,
        })
    }

    /// Sends everything due now; returns how many emails were delivered.
    pub async fn drain(&self) -> anyhow::Result<usize> {
        let mut sent = 0;
        loop {
            let now = self.roster.now();
            let lease =
                now + Duration::seconds(i64::from(self.roster.config.outbox.mail_lease_secs));
            let batch = self.roster.db.claim_emails(now, lease, BATCH).await?;
            if batch.is_empty() {
                break;
            }
            // Send `concurrency` emails at a time and record each group's deliveries in one
            // statement: after a crash at most one group is sent again.
            let concurrency = self.roster.config.outbox.mail_concurrency.max(1);
            let mut all_retry = true;
            for group in batch.chunks(concurrency) {
                let outcomes =
                    futures_util::future::join_all(group.iter().map(|row| self.deliver(row))).await;
                let delivered: Vec<(Uuid, String)> = group
                    .iter()
                    .zip(&outcomes)
                    .filter(|(_, o)| matches!(o, Outcome::Sent))
                    .map(|(row, _)| (row.id, redact(&row.payload)))
                    .collect();
                all_retry &= outcomes.iter().all(|o| matches!(o, Outcome::Retry));
                if let Err(e) = self
                    .roster
                    .db
                    .mark_emails_sent(&delivered, self.roster.now())
                    .await
                {
                    // Their leases run out and they are sent again: nothing is lost.
                    tracing::error!(error = %e, "cannot record delivered emails");
                }
                sent += delivered.len();
            }
            if all_retry {
                // The transport is failing: leave the rest for the next round.
                break;
            }
        }
        if let Ok(pending) = self.roster.db.pending_emails().await {
            metrics::gauge!("roster_outbox_pending").set(pending as f64);
        }
        Ok(sent)
    }

    /// Runs until `stop` is notified: drains whenever an email is queued, at least every poll
    /// interval.
    pub async fn run(self, stop: Arc<Notify>) {
        let poll = std::time::Duration::from_millis(self.roster.config.outbox.mail_poll_ms.max(10));
        let wakeup = self.roster.mail_wakeup.clone();
        loop {
            if let Err(e) = self.drain().await {
                tracing::warn!(error = %e, "outbox drain failed; retrying");
            }
            tokio::select! {
                () = stop.notified() => return,
                () = wakeup.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Sends one email; records a failure at once (a delivery is recorded with its group).
    async fn deliver(&self, row: &OutboxRow) -> Outcome {
        let attempt = self.attempt(row).await;
        let now = self.roster.now();
        let (outcome, result) = match attempt {
            Ok(()) => {
                metrics::counter!("roster_emails_sent_total", "kind" => row.kind.clone())
                    .increment(1);
                return Outcome::Sent;
            }
            Err(Failure::Permanent(e)) => {
                tracing::error!(id = %row.id, kind = %row.kind, error = %e, "email cannot be built; marked dead");
                metrics::counter!("roster_emails_dead_total").increment(1);
                (
                    Outcome::Dead,
                    self.roster
                        .db
                        .mark_email_failed(row.id, now, None, &e)
                        .await,
                )
            }
            Err(Failure::Transient(e)) => {
                let max =
                    i32::try_from(self.roster.config.outbox.mail_max_attempts).unwrap_or(i32::MAX);
                if row.attempts >= max {
                    tracing::error!(id = %row.id, to = %row.recipient, attempts = row.attempts, error = %e,
                        "email undeliverable; marked dead");
                    metrics::counter!("roster_emails_dead_total").increment(1);
                    (
                        Outcome::Dead,
                        self.roster
                            .db
                            .mark_email_failed(row.id, now, None, &e)
                            .await,
                    )
                } else {
                    let retry_at = self.retry_at(now, row.attempts);
                    tracing::warn!(id = %row.id, to = %row.recipient, attempts = row.attempts, %retry_at, error = %e,
                        "email not sent; will retry");
                    metrics::counter!("roster_emails_failed_total").increment(1);
                    (
                        Outcome::Retry,
                        self.roster
                            .db
                            .mark_email_failed(row.id, now, Some(retry_at), &e)
                            .await,
                    )
                }
            }
        };
        if let Err(e) = result {
            // The lease runs out and the email is tried again: nothing is lost.
            tracing::error!(id = %row.id, error = %e, "cannot record an email's delivery state");
        }
        outcome
    }

    async fn attempt(&self, row: &OutboxRow) -> Result<(), Failure> {
        let (message, email) = self
            .build(row)
            .map_err(|e| Failure::Permanent(format!("{e:#}")))?;
        let label = Label {
            id: row.id,
            kind: &row.kind,
            recipient: &row.recipient,
            at: row.created_at,
        };
        self.mailer
            .send(email, &label)
            .await
            .map_err(|e| Failure::Transient(format!("{e:#}")))?;
        if self.mailer.is_folder() {
            // No mail server: say where the email went, and its link, so a person trying
            // Roster locally can follow it from the terminal.
            tracing::info!(to = %row.recipient, kind = %row.kind, link = message.link().unwrap_or("-"),
                "email written to ROSTER_MAIL_DIR");
        }
        Ok(())
    }

    fn build(&self, row: &OutboxRow) -> anyhow::Result<(EmailMessage, Message)> {
        let message: EmailMessage = serde_json::from_str(&row.payload)?;
        let language = Language::parse(&row.language).unwrap_or_default();
        let rendered = self.templates.render(&message, language)?;
        let domain = self.from.email.domain().to_owned();
        let email = Message::builder()
            .message_id(Some(format!("<{}@{}>", row.id, domain)))
            .from(self.from.clone())
            .to(row.recipient.parse()?)
            .subject(rendered.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(plain_text(rendered.text, self.mailer.is_folder()))
                    .singlepart(SinglePart::html(rendered.html)),
            )?;
        Ok((message, email))
    }

    /// Exponential back-off from the configured base, capped, with ±20% jitter.
    fn retry_at(&self, now: DateTime<Utc>, attempts: i32) -> DateTime<Utc> {
        let base = i64::from(self.roster.config.outbox.mail_retry_secs.max(1));
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        let delay = base.saturating_mul(1_i64 << exponent).min(MAX_BACKOFF_SECS) * 1000;
        let jitter = jitter_permille();
        now + Duration::milliseconds(delay * jitter / 1000)
    }
}

enum Failure {
    /// The email itself is broken (template, address): retrying cannot help.
    Permanent(String),
    /// The transport failed: try again later.
    Transient(String),
}

/// 800..=1200: a random factor for the back-off, in thousandths.
fn jitter_permille() -> i64 {
    let mut b = [0u8; 2];
    if getrandom::fill(&mut b).is_err() {
        return 1000;
    }
    800 + i64::from(u16::from_le_bytes(b) % 401)
}

/// The plain-text part. Written to a file (no SMTP server), it is 8bit, so a person reading
/// the raw `.eml` sees links whole (quoted-printable folds lines at 76 with soft breaks, and
/// lettre picks it for any longer line); an 8bit body needs CRLF line ends, no NUL and lines of
/// at most 998 bytes (RFC 5322), else it falls back to the automatic encoding. Over SMTP the
/// automatic encoding is kept: it suits every server.
fn plain_text(text: String, eight_bit: bool) -> SinglePart {
    let part = SinglePart::builder().header(ContentType::TEXT_PLAIN);
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let fits_8bit = !crlf.contains('\0')
        && crlf
            .split("\r\n")
            .all(|line| line.len() <= 998 && !line.contains('\r'));
    if eight_bit && fits_8bit {
        part.body(Body::dangerous_pre_encoded(
            crlf.into_bytes(),
            ContentTransferEncoding::EightBit,
        ))
    } else {
        part.body(text)
    }
}

/// The payload without its secrets (activation links, codes), kept for diagnostics.
fn redact(payload: &str) -> String {
    serde_json::from_str::<EmailMessage>(payload)
        .ok()
        .and_then(|m| serde_json::to_string(&m.redacted()).ok())
        .unwrap_or_else(|| "{}".to_owned())
}
