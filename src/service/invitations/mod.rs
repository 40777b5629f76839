//! Invitations: inviting members (`inviteMembers`), re-sending and revoking links, previewing
//! and accepting them. One step of an invitation per file:
//! - [`plan`]: what inviting each address means, decided before anything is written;
//! - [`limits`]: the member limit and the hourly email limit, checked on the whole call;
//! - [`carry_out`]: accounts, memberships, links, audit entries and emails, a statement each;
//! - [`links`]: `resendInvitation` and `revokeInvitation`;
//! - [`accept`]: the invitation preview and `activateAccount`.
//!
//! Trust (SPEC section 3): a link goes only to the invited address, by email. The inviter
//! sees it (`activationUrl`) only with `ROSTER_SHARE_INVITE_LINKS=true` and only for an account
//! this very call created.

mod accept;
mod carry_out;
mod limits;
mod links;
mod plan;

use chrono::{DateTime, Utc};

use super::Roster;
use super::members::{granted_role, lock_and_authorize};
use crate::db::{AccountRow, MemberRow, Tx};
use crate::domain::invite::{Entry, read_addresses};
use crate::domain::{Actor, Intent, InviteStatus, Language};
use crate::error::{AppError, AppResult};
use carry_out::{InviteContext, Inviter};

/// The answer for one address of `inviteMembers` (and for `resendInvitation`).
#[derive(Clone, Debug)]
pub struct InviteResult {
    pub email: String,
    pub status: InviteStatus,
    pub member: Option<(MemberRow, AccountRow)>,
    pub activation_url: Option<String>,
    pub message: Option<String>,
}

impl InviteResult {
    fn bare(email: String, status: InviteStatus, message: Option<String>) -> InviteResult {
        InviteResult {
            email,
            status,
            member: None,
            activation_url: None,
            message,
        }
    }
}

/// What an invitation link shows before it is accepted.
#[derive(Clone, Debug)]
pub struct InvitationPreview {
    pub workspace_name: String,
    pub inviter_name: Option<String>,
    pub email: String,
    pub expires_at: DateTime<Utc>,
    /// The invitee's language: the page that opens the link speaks it.
    pub language: Language,
    /// The link was used already (the page says to sign in).
    pub used: bool,
}

impl Roster {
    /// `inviteMembers`: one result per distinct address, in input order. A whole call that would
    /// take the workspace past `ROSTER_MAX_MEMBERS` fails with `LIMIT_EXCEEDED`; an inviter whose
    /// own address is not verified may not invite (`FORBIDDEN`).
    pub async fn invite_members(
        &self,
        intent: &Intent,
        emails: &[String],
        language: Option<&str>,
    ) -> AppResult<Vec<InviteResult>> {
        let Intent {
            actor, workspace, ..
        } = *intent;
        let role = granted_role(intent)?;
        let limit = self.config.limits.invite_limit;
        if emails.is_empty() {
            return Err(AppError::bad_input(
                "emails",
                "give at least one email address",
            ));
        }
        if emails.len() > limit {
            return Err(AppError::bad_input(
                "emails",
                format!("at most {limit} email addresses per call"),
            ));
        }
        let language = match language {
            None => Language::EnUs,
            Some(l) => Language::parse(l).ok_or_else(|| {
                AppError::bad_input("language", "language must be en-US or zh-Hans")
            })?,
        };
        let entries = read_addresses(emails, self.config.email_policy());
        let now = self.now();

        let mut tx = self.db.begin().await?;
        let locked = lock_and_authorize(&mut tx, intent).await?;
        let inviter = inviter(&mut tx, actor).await?;

        // Decide everything first (two statements), so the limits see the whole call before
        // anything is written; then write it all in a handful of multi-row statements.
        let valid: Vec<_> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Valid(email) => Some(email.clone()),
                Entry::Invalid(_) => None,
            })
            .collect();
        let plans = plan::plan(&mut tx, workspace, locked.role, role, &valid).await?;
        self.check_member_limit(&mut tx, workspace, limits::new_members(&plans))
            .await?;
        self.check_invite_rate(&mut tx, workspace, limits::emails_out(&plans), now)
            .await?;

        let ctx = InviteContext {
            workspace: &locked.workspace,
            inviter: &inviter,
            role,
            language,
            now,
        };
        let mut done = self.carry_out(&mut tx, &ctx, plans).await?.into_iter();
        let mut results = Vec::with_capacity(entries.len());
        for entry in entries {
            results.push(match entry {
                Entry::Invalid(raw) => {
                    let message =
                        invalid_email_message(&raw, self.config.allow_dotless_email_domains);
                    InviteResult::bare(raw, InviteStatus::InvalidEmail, Some(message))
                }
                Entry::Valid(email) => done.next().ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("no invitation result for {email}"))
                })?,
            });
        }
        self.commit(tx).await?;
        Ok(results)
    }
}

/// Who sends the call's invitations: a person who proved its address, or a key (made by one:
/// see `create_api_key`).
async fn inviter(tx: &mut Tx, actor: Actor) -> AppResult<Inviter> {
    let Actor::Account(id) = actor else {
        return Ok(Inviter {
            actor,
            name: String::new(),
            email: String::new(),
        });
    };
    let account = tx.account(id).await?.ok_or(AppError::NotFound("account"))?;
    require_verified(&account)?;
    Ok(Inviter {
        actor,
        name: account.name,
        email: account.email,
    })
}

/// An inviter must have proved its own address: otherwise anyone could sign up under a
/// made-up address and send invitations in its name.
pub(crate) fn require_verified(inviter: &AccountRow) -> AppResult<()> {
    if inviter.standing().may_invite() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "verify your email address before inviting anyone: open the link we emailed you \
             (or ask for a new one with sendVerificationEmail)"
                .into(),
        ))
    }
}

fn invalid_email_message(raw: &str, dotless_allowed: bool) -> String {
    if raw.chars().any(char::is_control) {
        "not a valid email address (it holds a control character)".into()
    } else if dotless_allowed {
        "not a valid email address".into()
    } else {
        "not a valid email address (the domain needs a dot, as in example.com)".into()
    }
}
