//! Ownership transfer: an emailed code to the owner, then one transaction that makes the target
//! OWNER and the old owner ADMIN.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::Roster;
use super::members::{Target, lock_and_authorize, lock_and_authorize_on};
use crate::auth::tokens;
use crate::db::{Tx, WorkspaceRow};
use crate::domain::audit::{AuditAction, NewAuditEvent};
use crate::domain::{Actor, Intent, Role};
use crate::error::{AppError, AppResult};
use crate::mail::message::EmailMessage;

/// How long a transfer code stays valid.
const CODE_TTL_SECS: i64 = 5 * 60;
/// Least time between two codes for one workspace.
const RESEND_AFTER_SECS: i64 = 60;
/// Wrong codes that burn a code.
const MAX_CODE_FAILURES: i32 = 5;

impl Roster {
    /// Emails a 6-digit code to the owner. Returns false (and sends nothing) when the server does
    /// not require codes (`ROSTER_TRANSFER_CODE=false`).
    pub async fn send_transfer_code(&self, intent: &Intent) -> AppResult<bool> {
        let Intent {
            actor, workspace, ..
        } = *intent;
        let actor = actor.person()?;
        if !self.config.transfer_code {
            return Ok(false);
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let locked = lock_and_authorize(&mut tx, intent).await?;
        if let Some(previous) = tx.transfer_code(workspace).await? {
            let wait = previous.sent_at + Duration::seconds(RESEND_AFTER_SECS) - now;
            if wait > Duration::zero() {
                return Err(AppError::RateLimited {
                    retry_after: wait.num_seconds().max(1).unsigned_abs(),
                });
            }
        }
        let owner = tx
            .account(actor)
            .await?
            .ok_or(AppError::NotFound("account"))?;
        let code = tokens::new_code().map_err(AppError::Internal)?;
        let expires_at = now + Duration::seconds(CODE_TTL_SECS);
        tx.put_transfer_code(
            workspace,
            actor,
            &tokens::hash_code(workspace.as_bytes(), &code),
            now,
            expires_at,
        )
        .await?;
        let message = EmailMessage::TransferCode {
            workspace_name: locked.workspace.name.clone(),
            account_name: owner.name.clone(),
            code,
            expires_at,
        };
        tx.enqueue_email(message.to(&owner, Some(workspace)), now)
            .await?;
        let event = NewAuditEvent::new(
            workspace,
            Actor::Account(actor),
            AuditAction::OwnershipTransferCodeSent,
        );
        tx.audit(event, now).await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// Makes `target` (an ACTIVE member) the owner and the current owner an admin, after checking
    /// the emailed code when codes are required.
    pub async fn transfer_ownership(
        &self,
        intent: &Intent,
        code: Option<&str>,
    ) -> AppResult<WorkspaceRow> {
        let Intent {
            actor, workspace, ..
        } = *intent;
        let actor = actor.person()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (locked, Target { member, account }) = lock_and_authorize_on(&mut tx, intent).await?;
        let target = account.id;
        // The owner reaches the workspace whether or not its address is proven: ownership goes
        // only to someone who proved theirs.
        if !account.standing().proven() {
            return Err(AppError::Conflict(
                "the new owner must have an active account with a verified email address".into(),
            ));
        }
        if self.config.transfer_code {
            let code = code
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    AppError::bad_input("code", "enter the code sent by sendOwnershipTransferCode")
                })?;
            if let Err(e) = check_code(&mut tx, workspace, actor, code, now).await {
                // Count the failure even though the transfer does not happen.
                self.commit(tx).await?;
                return Err(e);
            }
            tx.delete_transfer_code(workspace).await?;
        }
        let conflict =
            || AppError::Conflict("the membership changed meanwhile; reload and retry".into());
        // Demote first: the one-owner index is checked statement by statement.
        tx.set_role(workspace, actor, Role::Owner, Role::Admin)
            .await?
            .ok_or_else(conflict)?;
        tx.set_role(workspace, target, member.role, Role::Owner)
            .await?
            .ok_or_else(conflict)?;
        let event = NewAuditEvent::new(
            workspace,
            Actor::Account(actor),
            AuditAction::OwnershipTransferred,
        )
        .about(account.id, &account.email)
        .roles(Some(member.role), Some(Role::Owner));
        tx.audit(event, now).await?;
        let old_owner = tx
            .account(actor)
            .await?
            .ok_or(AppError::NotFound("account"))?;
        let workspace_name = locked.workspace.name.clone();
        let (old_owner_name, old_owner_email) = (old_owner.name.clone(), old_owner.email.clone());
        let (new_owner_name, new_owner_email) = (account.name.clone(), account.email.clone());
        let to_old = EmailMessage::OwnershipTransferredOld {
            workspace_name: workspace_name.clone(),
            old_owner_name: old_owner_name.clone(),
            old_owner_email: old_owner_email.clone(),
            new_owner_name: new_owner_name.clone(),
            new_owner_email: new_owner_email.clone(),
        };
        let to_new = EmailMessage::OwnershipTransferredNew {
            workspace_name,
            old_owner_name,
            old_owner_email,
            new_owner_name,
            new_owner_email,
        };
        let emails = vec![
            to_old.to(&old_owner, Some(workspace)),
            to_new.to(&account, Some(workspace)),
        ];
        tx.enqueue_emails(emails, now).await?;
        self.commit(tx).await?;
        Ok(locked.workspace)
    }
}

/// Checks `code` against the workspace's live code; a wrong one counts, the fifth burns it.
async fn check_code(
    tx: &mut Tx,
    workspace: Uuid,
    owner: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let stored = tx
        .transfer_code(workspace)
        .await?
        .filter(|c| c.account_id == owner)
        .ok_or_else(|| {
            AppError::bad_input("code", "no code is pending; call sendOwnershipTransferCode")
        })?;
    if stored.expires_at <= now {
        tx.delete_transfer_code(workspace).await?;
        return Err(AppError::bad_input(
            "code",
            "the code has expired; ask for a new one",
        ));
    }
    if stored.code_hash == tokens::hash_code(workspace.as_bytes(), code) {
        return Ok(());
    }
    let failures = tx.fail_transfer_code(workspace).await?;
    if failures >= MAX_CODE_FAILURES {
        tx.delete_transfer_code(workspace).await?;
        return Err(AppError::bad_input(
            "code",
            "wrong code; too many attempts, ask for a new one",
        ));
    }
    Err(AppError::bad_input(
        "code",
        format!("wrong code; {} attempts left", MAX_CODE_FAILURES - failures),
    ))
}
