//! The `.eml` folder used when no SMTP server is configured (`ROSTER_MAIL_DIR`): one file per
//! email, named so a person finds the one for an address, written whole (a reader never sees
//! half a file).

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// What an email's file is named after.
pub struct Label<'a> {
    pub id: Uuid,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub at: DateTime<Utc>,
}

/// `20261130-200500-ada@example.com-invitation-1a2b3c4d.eml`: sorted by time, then readable.
/// The suffix is the end of the email's id, its random part: ids are time-ordered (UUIDv7), so
/// their beginnings are the same for emails queued within a minute or so.
pub fn file_name(label: &Label<'_>) -> String {
    let recipient: String = label
        .recipient
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-' | '_' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let id = label.id.simple().to_string();
    format!(
        "{}-{recipient}-{}-{}.eml",
        label.at.format("%Y%m%d-%H%M%S"),
        label.kind,
        &id[id.len() - 8..]
    )
}

/// Writes `bytes` as the email's file (through a temporary name and a rename).
pub async fn write(dir: &Path, label: &Label<'_>, bytes: Vec<u8>) -> anyhow::Result<PathBuf> {
    let path = dir.join(file_name(label));
    let partial = dir.join(format!(".{}.partial", label.id));
    tokio::fs::write(&partial, bytes)
        .await
        .with_context(|| format!("cannot write {}", partial.display()))?;
    tokio::fs::rename(&partial, &path)
        .await
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_when_to_whom_and_what() {
        let label = Label {
            id: Uuid::parse_str("0190a2b3-0000-7000-8000-00001a2b3c4d").unwrap(),
            kind: "invitation",
            recipient: "ada/../x@example.com",
            at: DateTime::parse_from_rfc3339("2026-11-30T20:05:00Z")
                .unwrap()
                .with_timezone(&Utc),
        };
        assert_eq!(
            file_name(&label),
            "20261130-200500-ada_.._x@example.com-invitation-1a2b3c4d.eml"
        );
    }

    #[test]
    fn emails_queued_together_get_their_own_files() {
        let at = Utc::now();
        let names: std::collections::HashSet<String> = (0..1000)
            .map(|_| {
                file_name(&Label {
                    id: Uuid::now_v7(),
                    kind: "verify_email",
                    recipient: "ada@example.com",
                    at,
                })
            })
            .collect();
        assert_eq!(names.len(), 1000);
    }
}
