//! Opening an invitation link: the preview a page greets the invitee with, and
//! `activateAccount`, which hands the account to the address owner.

use chrono::{DateTime, Utc};

use super::InvitationPreview;
use crate::auth::tokens;
use crate::db::invitations::InvitationRow;
use crate::domain::audit::{AuditAction, NewAuditEvent};
use crate::domain::names::check_password;
use crate::domain::{AccountStatus, Actor, Standing};
use crate::error::{AppError, AppResult, LinkProblem};
use crate::service::Roster;
use crate::service::auth::{Session, valid_name};

/// Why an invitation cannot be used now, if it cannot.
fn usable(inv: &InvitationRow, now: DateTime<Utc>) -> Result<(), LinkProblem> {
    let standing = Standing {
        status: inv.account_status,
        email_verified: inv.account_verified_at.is_some(),
    };
    if inv.used_at.is_some() || !standing.needs_link() {
        Err(LinkProblem::Used)
    } else if inv.revoked_at.is_some() {
        Err(LinkProblem::Revoked)
    } else if inv.expires_at <= now {
        Err(LinkProblem::Expired)
    } else {
        Ok(())
    }
}

impl Roster {
    /// `invitation(token)`: what the link is for; `None` when it is unknown, revoked or expired.
    /// A used link still answers (with `used`), so its page can say to sign in.
    pub async fn invitation_preview(&self, token: &str) -> AppResult<Option<InvitationPreview>> {
        let row = self.db.invitation_by_hash(&tokens::hash(token)).await?;
        let now = self.now();
        Ok(row.and_then(|inv| {
            let used = match usable(&inv, now) {
                Ok(()) => false,
                Err(LinkProblem::Used) => true,
                Err(_) => return None,
            };
            Some(InvitationPreview {
                workspace_name: inv.workspace_name,
                inviter_name: inv.inviter_name,
                email: inv.email,
                expires_at: inv.expires_at,
                language: inv.account_language,
                used,
            })
        }))
    }

    /// `activateAccount`: whoever opened the link emailed to the address takes the account:
    /// name and password set, ACTIVE, address verified, every earlier session revoked (an
    /// account someone signed up under this address without proving it changes hands here),
    /// every open invitation used up.
    pub async fn activate_account(
        &self,
        token: &str,
        name: &str,
        password: &str,
    ) -> AppResult<Session> {
        let name = valid_name("name", name)?;
        check_password(password)
            .map_err(|m| AppError::bad_input("password", format!("password {m}")))?;
        let hash = self.hash_password(password).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let invitation = tx
            .invitation_by_hash(&tokens::hash(token))
            .await?
            .ok_or(AppError::Link(LinkProblem::Invalid))?;
        usable(&invitation, now).map_err(AppError::Link)?;
        let account = tx
            .take_over_account(invitation.account_id, Some(&name), &hash, true, now)
            .await?
            .filter(|a| a.status == AccountStatus::Active)
            .ok_or(AppError::Link(LinkProblem::Used))?;
        self.hand_over(&mut tx, &account, now).await?;
        let event = NewAuditEvent::new(
            invitation.workspace_id,
            Actor::Account(account.id),
            AuditAction::AccountActivated,
        )
        .about(account.id, &account.email);
        tx.audit(event, now).await?;
        let session = self.open_session(&mut tx, account, now).await?;
        self.commit(tx).await?;
        Ok(session)
    }
}
