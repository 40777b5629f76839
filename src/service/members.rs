//! Removing members, leaving, changing roles. Each runs in one transaction that holds the
//! workspace's lock and re-checks the permission matrix against the roles it reads there, so
//! a concurrent change can never slip past the guard's earlier look.

use uuid::Uuid;

use super::Roster;
use super::auth::KEY_ENDED;
use crate::db::{AccountRow, MemberRow, Tx, WorkspaceRow};
use crate::domain::actor::KEY_REFUSED;
use crate::domain::audit::{AuditAction, NewAuditEvent};
use crate::domain::{Actor, Intent, Role, Subject, authorize_actor};
use crate::error::{AppError, AppResult};

/// The workspace and the role the actor acts with, read under the workspace lock.
pub(crate) struct Locked {
    pub workspace: WorkspaceRow,
    /// The actor's membership's role, or its live key's.
    pub role: Role,
    /// The actor's membership (none for a key).
    pub member: Option<MemberRow>,
}

/// The member an action is aimed at, read under the workspace lock.
pub(crate) struct Target {
    pub member: MemberRow,
    pub account: AccountRow,
}

/// Locks the intent's workspace (membership changes of one workspace run one at a time), reads
/// the actor's membership and authorizes the intent's action (which has no target) with it.
pub(crate) async fn lock_and_authorize(tx: &mut Tx, intent: &Intent) -> AppResult<Locked> {
    let locked = lock(tx, intent.workspace, intent.actor).await?;
    let action = intent
        .action
        .try_map_target(|_| Err(AppError::Internal(anyhow::anyhow!("unexpected target"))))?;
    authorize_actor(intent.actor, locked.role, action)?;
    Ok(locked)
}

/// As [`lock_and_authorize`], for an action on a member: reads the target's membership and
/// account under the lock too, and authorizes the action as aimed at it.
pub(crate) async fn lock_and_authorize_on(
    tx: &mut Tx,
    intent: &Intent,
) -> AppResult<(Locked, Target)> {
    let (workspace, actor) = (intent.workspace, intent.actor);
    let target = target_of(intent)?;
    let locked = lock(tx, workspace, actor).await?;
    let member = tx
        .member(workspace, target)
        .await?
        .ok_or(AppError::NotFound("member"))?;
    let account = tx
        .account(target)
        .await?
        .ok_or(AppError::NotFound("member"))?;
    let subject = Subject {
        role: member.role,
        is_self: actor.account() == Some(target),
    };
    authorize_actor(
        actor,
        locked.role,
        intent
            .action
            .try_map_target(|_| Ok::<_, AppError>(subject))?,
    )?;
    Ok((locked, Target { member, account }))
}

/// The account an intent's action is aimed at.
pub(crate) fn target_of(intent: &Intent) -> AppResult<Uuid> {
    intent
        .action
        .target()
        .copied()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("{:?} has no target", intent.action)))
}

/// The role an intent's action gives.
pub(crate) fn granted_role(intent: &Intent) -> AppResult<Role> {
    intent
        .action
        .granted_role()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("{:?} grants no role", intent.action)))
}

pub(crate) async fn lock(tx: &mut Tx, workspace: Uuid, actor: Actor) -> AppResult<Locked> {
    let ws = tx
        .lock_workspace(workspace)
        .await?
        .ok_or(AppError::NotFound("workspace"))?;
    // A non-member learns nothing about the workspace; a key revoked meanwhile signs nobody in
    // (its expiry was checked by this request's authentication, against the server's clock).
    let (role, member) = match actor {
        Actor::Account(account) => {
            let member = tx
                .member(workspace, account)
                .await?
                .ok_or(AppError::NotFound("workspace"))?;
            (member.role, Some(member))
        }
        Actor::ApiKey(key) => {
            let key = tx
                .unrevoked_api_key(workspace, key)
                .await?
                .ok_or(AppError::Unauthenticated(KEY_ENDED))?;
            (key.role, None)
        }
    };
    Ok(Locked {
        workspace: ws,
        role,
        member,
    })
}

impl Roster {
    /// Removes `target` from `workspace`: the membership goes, its open invitations to this
    /// workspace are revoked, and a PENDING account left with no workspace is deleted.
    /// Returns the workspace and the removed membership's id.
    pub async fn remove_member(&self, intent: &Intent) -> AppResult<(WorkspaceRow, Uuid)> {
        let actor = intent.actor;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (locked, Target { member, account }) = lock_and_authorize_on(&mut tx, intent).await?;
        self.drop_membership(
            &mut tx,
            &member,
            &account,
            actor,
            AuditAction::MemberRemoved,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok((locked.workspace, member.id))
    }

    /// The viewer leaves `workspace` (the owner must transfer ownership first).
    pub async fn leave_workspace(&self, intent: &Intent) -> AppResult<()> {
        let actor = intent.actor;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let locked = lock_and_authorize(&mut tx, intent).await?;
        let (Some(member), Some(id)) = (&locked.member, actor.account()) else {
            return Err(AppError::Forbidden(KEY_REFUSED.into()));
        };
        let account = tx.account(id).await?.ok_or(AppError::NotFound("account"))?;
        self.drop_membership(
            &mut tx,
            member,
            &account,
            actor,
            AuditAction::MemberLeft,
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    async fn drop_membership(
        &self,
        tx: &mut Tx,
        member: &MemberRow,
        account: &AccountRow,
        actor: Actor,
        action: AuditAction,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<()> {
        let ws = member.workspace_id;
        if !tx.delete_member(ws, member.account_id, member.role).await? {
            return Err(AppError::Conflict(
                "the membership changed meanwhile; reload and retry".into(),
            ));
        }
        tx.revoke_invitation(ws, member.account_id, now).await?;
        let event = NewAuditEvent::new(ws, actor, action)
            .about(account.id, &account.email)
            .of_member(member.id)
            .roles(Some(member.role), None);
        tx.audit(event, now).await?;
        // After the audit row: deleting the account nulls its target_id (the email stays).
        tx.delete_if_orphaned_pending(member.account_id).await?;
        Ok(())
    }

    /// Gives `target` a new role (never OWNER: ownership moves by transfer).
    pub async fn update_member_role(&self, intent: &Intent) -> AppResult<(MemberRow, AccountRow)> {
        let Intent {
            actor, workspace, ..
        } = *intent;
        let (target, role) = (target_of(intent)?, granted_role(intent)?);
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (_, Target { member, account }) = lock_and_authorize_on(&mut tx, intent).await?;
        let updated = tx
            .set_role(workspace, target, member.role, role)
            .await?
            .ok_or_else(|| {
                AppError::Conflict("the membership changed meanwhile; reload and retry".into())
            })?;
        let event = NewAuditEvent::new(workspace, actor, AuditAction::RoleChanged)
            .about(account.id, &account.email)
            .roles(Some(member.role), Some(role));
        tx.audit(event, now).await?;
        self.commit(tx).await?;
        Ok((updated, account))
    }
}
