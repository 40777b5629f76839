//! The audit log's vocabulary: what can happen to a workspace, and one entry to record.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Actor, Role};

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
    ApiKeyCreated,
    ApiKeyRevoked,
}

/// An event as recorded in a workspace's audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Who did it (absent when that account is gone, or a key did it).
    pub actor_id: Option<Uuid>,
    /// The API key that did it (absent when a person did it, or the key is gone).
    pub actor_api_key_id: Option<Uuid>,
    pub action: AuditAction,
    pub target_id: Option<Uuid>,
    pub target_email: Option<String>,
    pub old_role: Option<Role>,
    pub new_role: Option<Role>,
    pub created_at: DateTime<Utc>,
    /// The membership the event is about: the target's, else the actor's (absent for events
    /// recorded before memberships had ids, of members gone by then).
    pub member_id: Option<Uuid>,
}

impl AuditAction {
    const ALL: [AuditAction; 14] = [
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
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRevoked,
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
            AuditAction::ApiKeyCreated => "API_KEY_CREATED",
            AuditAction::ApiKeyRevoked => "API_KEY_REVOKED",
        }
    }
}

impl TryFrom<String> for AuditAction {
    type Error = super::role::UnknownValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AuditAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or(super::role::UnknownValue(s))
    }
}

/// One audit entry to write.
pub struct NewAuditEvent<'a> {
    pub workspace: Uuid,
    pub actor: Actor,
    pub action: AuditAction,
    pub target: Option<Uuid>,
    pub target_email: Option<&'a str>,
    pub old_role: Option<Role>,
    pub new_role: Option<Role>,
    /// The membership it is about, when it is gone by the time the event is written (a
    /// removal); otherwise the target's (else the actor's) membership is looked up.
    pub member: Option<Uuid>,
}

impl<'a> NewAuditEvent<'a> {
    /// `actor` did `action` in `workspace` (to nobody in particular, until [`Self::about`]).
    pub fn new(workspace: Uuid, actor: Actor, action: AuditAction) -> Self {
        NewAuditEvent {
            workspace,
            actor,
            action,
            target: None,
            target_email: None,
            old_role: None,
            new_role: None,
            member: None,
        }
    }

    /// ...to the account `target` of address `email` (kept even if the account is deleted
    /// later).
    pub fn about(self, target: Uuid, email: &'a str) -> Self {
        NewAuditEvent {
            target: Some(target),
            target_email: Some(email),
            ..self
        }
    }

    /// ...whose membership `member` is gone when the event is written.
    pub fn of_member(self, member: Uuid) -> Self {
        NewAuditEvent {
            member: Some(member),
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
