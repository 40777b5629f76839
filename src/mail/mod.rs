//! Email: templates, transports and the outbox worker (SPEC section 7).

pub mod folder;
pub mod message;
pub mod sink;
pub mod templates;
pub mod words;
pub mod worker;

use anyhow::Context as _;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

use crate::config::Config;

/// Where emails go: an SMTP server (`ROSTER_SMTP_URL`), or `.eml` files in `ROSTER_MAIL_DIR`.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in this folder (see [`folder`]).
    Folder(PathBuf),
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
                Ok(Mailer::Folder(config.mail_dir.clone()))
            }
        }
    }

    /// True when emails are written to files (local use): the worker then also logs each
    /// email's recipient and link, so a person can follow it from the terminal.
    pub fn is_folder(&self) -> bool {
        matches!(self, Mailer::Folder(_))
    }

    pub async fn send(&self, message: Message, label: &folder::Label<'_>) -> anyhow::Result<()> {
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
            Mailer::Folder(dir) => folder::write(dir, label, message.formatted())
                .await
                .map(|_| ()),
        }
    }
}
