//! Every kind of email Roster sends, with its fields (SPEC section 7). The service builds one,
//! the outbox stores it as JSON, the worker reads it back to render it and, once sent, stores it
//! again without its secrets.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use uuid::Uuid;

use crate::db::AccountRow;
use crate::db::outbox::NewEmail;
use crate::domain::Role;

/// What redacted secrets read as once an email is sent.
const SENT: &str = "(sent)";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EmailMessage {
    /// To an invited address whose owner has not proved it yet: the activation link.
    Invitation {
        workspace_name: String,
        inviter_name: String,
        inviter_email: String,
        account_name: String,
        role: Role,
        activation_url: String,
        expires_at: DateTime<Utc>,
    },
    /// To a verified account that an invitation added at once.
    AddedToWorkspace {
        workspace_name: String,
        inviter_name: String,
        inviter_email: String,
        account_name: String,
        role: Role,
        login_url: String,
    },
    /// To the owner: the code that confirms an ownership transfer.
    TransferCode {
        workspace_name: String,
        account_name: String,
        code: String,
        expires_at: DateTime<Utc>,
    },
    /// To the former owner, and (`OwnershipTransferredNew`) to the new one.
    OwnershipTransferredOld {
        workspace_name: String,
        old_owner_name: String,
        old_owner_email: String,
        new_owner_name: String,
        new_owner_email: String,
    },
    OwnershipTransferredNew {
        workspace_name: String,
        old_owner_name: String,
        old_owner_email: String,
        new_owner_name: String,
        new_owner_email: String,
    },
    /// After sign-up (or on request): proves the address.
    VerifyEmail {
        account_name: String,
        verify_url: String,
        expires_at: DateTime<Utc>,
    },
    /// On request: a link to set a new password.
    PasswordReset {
        account_name: String,
        reset_url: String,
        expires_at: DateTime<Utc>,
    },
}

impl EmailMessage {
    /// Every kind's name: its template folder and the outbox's `kind` column.
    pub const KINDS: [&'static str; 7] = [
        "invitation",
        "added_to_workspace",
        "transfer_code",
        "ownership_transferred_old",
        "ownership_transferred_new",
        "verify_email",
        "password_reset",
    ];

    pub fn kind(&self) -> &'static str {
        match self {
            EmailMessage::Invitation { .. } => "invitation",
            EmailMessage::AddedToWorkspace { .. } => "added_to_workspace",
            EmailMessage::TransferCode { .. } => "transfer_code",
            EmailMessage::OwnershipTransferredOld { .. } => "ownership_transferred_old",
            EmailMessage::OwnershipTransferredNew { .. } => "ownership_transferred_new",
            EmailMessage::VerifyEmail { .. } => "verify_email",
            EmailMessage::PasswordReset { .. } => "password_reset",
        }
    }

    /// Counts towards a workspace's hourly invitation limit.
    pub fn is_invitation(&self) -> bool {
        matches!(
            self,
            EmailMessage::Invitation { .. } | EmailMessage::AddedToWorkspace { .. }
        )
    }

    /// The link or code only the recipient may see, if the email carries one.
    pub fn secret(&self) -> Option<&str> {
        match self {
            EmailMessage::Invitation { activation_url, .. } => Some(activation_url),
            EmailMessage::TransferCode { code, .. } => Some(code),
            EmailMessage::VerifyEmail { verify_url, .. } => Some(verify_url),
            EmailMessage::PasswordReset { reset_url, .. } => Some(reset_url),
            EmailMessage::AddedToWorkspace { .. }
            | EmailMessage::OwnershipTransferredOld { .. }
            | EmailMessage::OwnershipTransferredNew { .. } => None,
        }
    }

    /// The same email without its secret, as kept once it is sent.
    pub fn redacted(mut self) -> EmailMessage {
        match &mut self {
            EmailMessage::Invitation {
                activation_url: s, ..
            }
            | EmailMessage::TransferCode { code: s, .. }
            | EmailMessage::VerifyEmail { verify_url: s, .. }
            | EmailMessage::PasswordReset { reset_url: s, .. } => *s = SENT.to_owned(),
            EmailMessage::AddedToWorkspace { .. }
            | EmailMessage::OwnershipTransferredOld { .. }
            | EmailMessage::OwnershipTransferredNew { .. } => {}
        }
        self
    }

    /// The outbox row that sends this email to `to`, in its language.
    pub fn to<'a>(&self, to: &'a AccountRow, workspace: Option<Uuid>) -> NewEmail<'a> {
        NewEmail {
            kind: self.kind(),
            workspace,
            recipient: &to.email,
            language: to.language,
            // Plain strings, times and enums: serializing cannot fail.
            payload: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    /// A link in the email that a person follows (logged when emails go to files).
    pub fn link(&self) -> Option<&str> {
        match self {
            EmailMessage::AddedToWorkspace { login_url, .. } => Some(login_url),
            EmailMessage::TransferCode { .. } => None,
            other => other.secret(),
        }
    }
}

#[cfg(test)]
pub(crate) mod samples {
    use super::*;

    /// One email of every kind, with a workspace name that must be escaped in HTML.
    pub fn all() -> Vec<EmailMessage> {
        let ws = "<script>x</script>".to_owned();
        let at = DateTime::parse_from_rfc3339("2026-11-30T20:05:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let s = |v: &str| v.to_owned();
        vec![
            EmailMessage::Invitation {
                workspace_name: ws.clone(),
                inviter_name: s("Olga"),
                inviter_email: s("olga@example.com"),
                account_name: s("neo"),
                role: Role::Editor,
                activation_url: s("https://r.example/activate?token=abc"),
                expires_at: at,
            },
            EmailMessage::AddedToWorkspace {
                workspace_name: ws.clone(),
                inviter_name: s("Olga"),
                inviter_email: s("olga@example.com"),
                account_name: s("Neo"),
                role: Role::DatasetOperator,
                login_url: s("https://r.example/"),
            },
            EmailMessage::TransferCode {
                workspace_name: ws.clone(),
                account_name: s("Olga"),
                code: s("123456"),
                expires_at: at,
            },
            EmailMessage::OwnershipTransferredOld {
                workspace_name: ws.clone(),
                old_owner_name: s("Olga"),
                old_owner_email: s("olga@example.com"),
                new_owner_name: s("Hugo"),
                new_owner_email: s("hugo@example.com"),
            },
            EmailMessage::OwnershipTransferredNew {
                workspace_name: ws,
                old_owner_name: s("Olga"),
                old_owner_email: s("olga@example.com"),
                new_owner_name: s("Hugo"),
                new_owner_email: s("hugo@example.com"),
            },
            EmailMessage::VerifyEmail {
                account_name: s("<b>Neo</b>"),
                verify_url: s("https://r.example/verify?token=abc&lang=en-US"),
                expires_at: at,
            },
            EmailMessage::PasswordReset {
                account_name: s("<b>Neo</b>"),
                reset_url: s("https://r.example/reset?token=abc&lang=en-US"),
                expires_at: at,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_loses_its_secret_when_redacted() {
        let all = samples::all();
        let kinds: Vec<&str> = all.iter().map(EmailMessage::kind).collect();
        assert_eq!(kinds, EmailMessage::KINDS);
        for message in all {
            let json = serde_json::to_string(&message).unwrap();
            let back: EmailMessage = serde_json::from_str(&json).unwrap();
            assert_eq!(back, message);
            let redacted = message.clone().redacted();
            assert_eq!(redacted.kind(), message.kind());
            if let Some(secret) = message.secret() {
                assert!(!serde_json::to_string(&redacted).unwrap().contains(secret));
                assert_eq!(redacted.secret(), Some(SENT));
            }
        }
    }
}
