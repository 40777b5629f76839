//! `resendInvitation` and `revokeInvitation`: what an owner or admin does to a pending member's
//! link. Both follow the rank rule (an admin may not touch a pending admin's invitation), and
//! a re-sent link goes to the address by email only: it is never returned to the caller.

use super::carry_out::InviteContext;
use super::plan::Plan;
use super::{InviteResult, inviter};
use crate::db::Tx;
use crate::domain::audit::{AuditAction, NewAuditEvent};
use crate::domain::{AccountStatus, Intent};
use crate::error::{AppError, AppResult};
use crate::service::Roster;
use crate::service::members::{Locked, Target, lock_and_authorize_on};

impl Roster {
    /// `resendInvitation`: a fresh link for a pending member, emailed; the old one stops working.
    pub async fn resend_invitation(&self, intent: &Intent) -> AppResult<InviteResult> {
        let Intent {
            actor, workspace, ..
        } = *intent;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (locked, Target { member, account }) = pending_target(&mut tx, intent).await?;
        let inviter = inviter(&mut tx, actor).await?;
        self.check_invite_rate(&mut tx, workspace, 1, now).await?;
        let ctx = InviteContext {
            workspace: &locked.workspace,
            inviter: &inviter,
            role: member.role,
            language: account.language,
            now,
        };
        let plan = Plan::Resend {
            member,
            account,
            role_change: None,
        };
        let result = self
            .carry_out(&mut tx, &ctx, vec![plan])
            .await?
            .pop()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no resend result")))?;
        self.commit(tx).await?;
        Ok(result)
    }

    /// `revokeInvitation`: the pending member's link stops working (the membership stays; remove
    /// the member to take it away). True when a live invitation was revoked.
    pub async fn revoke_invitation(&self, intent: &Intent) -> AppResult<bool> {
        let Intent {
            actor, workspace, ..
        } = *intent;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (_, Target { member, account }) = pending_target(&mut tx, intent).await?;
        let revoked = tx.revoke_invitation(workspace, account.id, now).await?;
        if revoked {
            let event = NewAuditEvent::new(workspace, actor, AuditAction::InvitationRevoked)
                .about(account.id, &account.email)
                .roles(None, Some(member.role));
            tx.audit(event, now).await?;
        }
        self.commit(tx).await?;
        Ok(revoked)
    }
}

/// Locks, authorizes the intent's action on its target, and insists the target has not
/// accepted yet.
async fn pending_target(tx: &mut Tx, intent: &Intent) -> AppResult<(Locked, Target)> {
    let (locked, target) = lock_and_authorize_on(tx, intent).await?;
    let status = target.account.standing().member_status(target.member.role);
    if status != AccountStatus::Pending {
        return Err(AppError::Conflict(
            "this member has already accepted the invitation".into(),
        ));
    }
    Ok((locked, target))
}
