//! Email: templates, transports and the outbox worker (SPEC section 7).

pub mod sink;
pub mod templates;
pub mod worker;

use anyhow::Context as _;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// Where emails go: an SMTP server (`ROSTER_SMTP_URL`), or `.eml` files in `ROSTER_MAIL_DIR`.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        match &config.smtp_url {
            Some(url) => {
                // One pooled connection per email in flight: lettre does not set TCP_NODELAY, so a
                // single connection waits on the server's delayed ACK after each message.
                let connections =
                    u32::try_from(config.outbox.mail_concurrency.max(1)).unwrap_or(u32::MAX);
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("invalid ROSTER_SMTP_URL")?
                    .pool_config(PoolConfig::new().max_size(connections))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&config.mail_dir).with_context(|| {
                    format!(
                        "cannot create ROSTER_MAIL_DIR {}",
                        config.mail_dir.display()
                    )
                })?;
                Ok(Mailer::File(
                    AsyncFileTransport::<Tokio1Executor>::with_envelope(&config.mail_dir),
                ))
            }
        }
    }

    pub async fn send(&self, message: Message) -> anyhow::Result<()> {
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                // lettre's TLS mismatch errors are cryptic: say what usually fixes them.
                let hint = if e.to_string().contains("incomplete response") {
                    " (wrong encryption setting? try smtps:// on port 465 or ?tls=required on 587)"
                } else {
                    ""
                };
                anyhow::anyhow!("{e}{hint}")
            }),
            Mailer::File(t) => t.send(message).await.map(|_| ()).map_err(Into::into),
        }
    }
}
