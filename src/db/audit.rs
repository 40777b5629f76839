//! The audit log: who did what to whom, written in the transaction of the change.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::{AccountRow, Db, with_pool};
use crate::domain::Role;

/// What happened (stored as its SCREAMING_SNAKE name).
#[derive(
    async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize,
)]
pub enum AuditAction {
    WorkspaceCreated,
    WorkspaceRenamed,
    MemberInvited,
    MemberAdded,
    InvitationResent,
    InvitationRevoked,
    AccountActivated,
    MemberRemoved,
    MemberLeft,
    RoleChanged,
    OwnershipTransferCodeSent,
    OwnershipTransferred,
}

impl AuditAction {
    const ALL: [AuditAction; 12] = [
        AuditAction::WorkspaceCreated,
        AuditAction::WorkspaceRenamed,
        AuditAction::MemberInvited,
        AuditAction::MemberAdded,
        AuditAction::InvitationResent,
        AuditAction::InvitationRevoked,
        AuditAction::AccountActivated,
        AuditAction::MemberRemoved,
        AuditAction::MemberLeft,
        AuditAction::RoleChanged,
        AuditAction::OwnershipTransferCodeSent,
        AuditAction::OwnershipTransferred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::WorkspaceCreated => "WORKSPACE_CREATED",
            AuditAction::WorkspaceRenamed => "WORKSPACE_RENAMED",
            AuditAction::MemberInvited => "MEMBER_INVITED",
            AuditAction::MemberAdded => "MEMBER_ADDED",
            AuditAction::InvitationResent => "INVITATION_RESENT",
            AuditAction::InvitationRevoked => "INVITATION_REVOKED",
            AuditAction::AccountActivated => "ACCOUNT_ACTIVATED",
            AuditAction::MemberRemoved => "MEMBER_REMOVED",
            AuditAction::MemberLeft => "MEMBER_LEFT",
            AuditAction::RoleChanged => "ROLE_CHANGED",
            AuditAction::OwnershipTransferCodeSent => "OWNERSHIP_TRANSFER_CODE_SENT",
            AuditAction::OwnershipTransferred => "OWNERSHIP_TRANSFERRED",
        }
    }
}

impl TryFrom<String> for AuditAction {
    type Error = crate::domain::role::UnknownValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AuditAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or(crate::domain::role::UnknownValue(s))
    }
}

/// Audit rows per INSERT.
const EVENTS_PER_STATEMENT: usize = 40;

/// One audit entry to write.
pub struct NewAuditEvent<'a> {
    pub workspace: Uuid,
    pub actor: Option<Uuid>,
    pub action: AuditAction,
    pub target: Option<Uuid>,
    pub target_email: Option<&'a str>,
    pub old_role: Option<Role>,
    pub new_role: Option<Role>,
}

impl<'a> NewAuditEvent<'a> {
    /// `actor` did `action` in `workspace` (to nobody in particular, until [`Self::about`]).
    pub fn new(workspace: Uuid, actor: Uuid, action: AuditAction) -> Self {
        NewAuditEvent {
            workspace,
            actor: Some(actor),
            action,
            target: None,
            target_email: None,
            old_role: None,
            new_role: None,
        }
    }

    /// ...to `target` (whose email is kept even if the account is deleted later).
    pub fn about(self, target: &'a AccountRow) -> Self {
        NewAuditEvent {
            target: Some(target.id),
            target_email: Some(&target.email),
            ..self
        }
    }

    /// ...changing the target's role from `old` to `new`.
    pub fn roles(self, old: Option<Role>, new: Option<Role>) -> Self {
        NewAuditEvent {
            old_role: old,
            new_role: new,
            ..self
        }
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct AuditEventRow {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub actor_id: Option<Uuid>,
    #[sqlx(try_from = "String")]
    pub action: AuditAction,
    pub target_id: Option<Uuid>,
    pub target_email: Option<String>,
    pub old_role: Option<String>,
    pub new_role: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Tx {
    /// Records an event; it is published to subscribers when the transaction commits.
    pub async fn audit(
        &mut self,
        event: NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        self.audit_many(vec![event], now).await
    }

    /// Records events in one statement; they are published when the transaction commits.
    pub async fn audit_many(
        &mut self,
        events: Vec<NewAuditEvent<'_>>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        // A few rows per statement: see `Tx::enqueue_emails` on large writes.
        for chunk in events.chunks(EVENTS_PER_STATEMENT) {
            let rows: Vec<AuditEventRow> = with_tx!(self, c => {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_events (id, workspace_id, actor_id, action, target_id, target_email, old_role, new_role, created_at) ");
                qb.push_values(chunk, |mut row, e| {
                    row.push_bind(Uuid::new_v4())
                        .push_bind(e.workspace)
                        .push_bind(e.actor)
                        .push_bind(e.action.as_str())
                        .push_bind(e.target)
                        .push_bind(e.target_email)
                        .push_bind(e.old_role.map(Role::as_str))
                        .push_bind(e.new_role.map(Role::as_str))
                        .push_bind(now);
                });
                qb.push(" RETURNING id, workspace_id, actor_id, action, target_id, target_email, old_role, new_role, created_at");
                qb.build_query_as().fetch_all(&mut *c).await
            })?;
            self.events.extend(rows);
        }
        Ok(())
    }
}

impl Db {
    /// A page of a workspace's audit log, newest first, after the (time, id) cursor if given.
    /// Fetches `limit` rows; callers ask for one more than they show to learn `hasNextPage`.
    pub async fn audit_page(
        &self,
        workspace: Uuid,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
    ) -> sqlx::Result<Vec<AuditEventRow>> {
        with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT id, workspace_id, actor_id, action, target_id, target_email, old_role, new_role, created_at
                 FROM audit_events WHERE workspace_id = ");
            qb.push_bind(workspace);
            if let Some((at, id)) = after {
                qb.push(" AND (created_at, id) < (");
                qb.push_bind(at);
                qb.push(", ");
                qb.push_bind(id);
                qb.push(")");
            }
            qb.push(" ORDER BY created_at DESC, id DESC LIMIT ");
            qb.push_bind(limit);
            qb.build_query_as().fetch_all(pool).await
        })
    }

    /// Audit events by id, in one statement (replicas relaying each other's events).
    pub async fn audit_events(&self, ids: &[Uuid]) -> sqlx::Result<Vec<AuditEventRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT id, workspace_id, actor_id, action, target_id, target_email, old_role, new_role, created_at
                 FROM audit_events WHERE id IN (");
            let mut list = qb.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            qb.push(") ORDER BY created_at, id");
            qb.build_query_as().fetch_all(pool).await
        })
    }

    pub async fn audit_count(&self, workspace: Uuid) -> sqlx::Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE workspace_id = $1")
            .bind(workspace)
            .fetch_one(pool)
            .await)
    }
}
