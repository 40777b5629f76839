//! Guard-based authorization: every workspace-scoped field names the action it performs, and
//! [`WorkspaceGuard`] checks it against the permission matrix (`domain::authorize`) with roles
//! read from the database for this request. Non-members get `NOT_FOUND`, members whose role
//! does not allow the action `FORBIDDEN` (or `CONFLICT`, e.g. an owner leaving).
//!
//! The use cases check the same matrix again under the workspace lock, so a change racing with
//! the request cannot slip between the guard and the write.

use async_graphql::{Context, Guard, ID};
use uuid::Uuid;

use super::context::{ContextExt, access, parse_id, role_of, viewer};
use super::loaders::AccountKey;
use crate::domain::{Action, Role, Standing, Subject, authorize};
use crate::error::{AppError, AppResult};

/// What a guarded field is about to do. Targets are the `accountId` argument.
#[derive(Clone, Copy, Debug)]
pub enum Intent<'a> {
    View,
    Rename,
    ViewAuditLog,
    Leave,
    SendTransferCode,
    Invite(Role),
    Resend(&'a ID),
    Revoke(&'a ID),
    Remove(&'a ID),
    ChangeRole(&'a ID, Role),
    Transfer(&'a ID),
}

/// Where the workspace id comes from.
#[derive(Clone, Copy, Debug)]
enum WorkspaceRef<'a> {
    /// A field argument (named, for `BAD_USER_INPUT` on a malformed id); the viewer acts.
    Argument(&'static str, &'a ID),
    /// A field of a workspace object, seen by `viewer`.
    Object { workspace: Uuid, viewer: Uuid },
}

pub struct WorkspaceGuard<'a> {
    workspace: WorkspaceRef<'a>,
    intent: Intent<'a>,
}

impl<'a> WorkspaceGuard<'a> {
    /// Guards a root field whose argument `field` names the workspace.
    pub fn new(field: &'static str, workspace_id: &'a ID, intent: Intent<'a>) -> Self {
        WorkspaceGuard {
            workspace: WorkspaceRef::Argument(field, workspace_id),
            intent,
        }
    }

    /// Guards a field of a workspace object.
    pub fn on(workspace: Uuid, viewer: Uuid, intent: Intent<'a>) -> Self {
        WorkspaceGuard {
            workspace: WorkspaceRef::Object { workspace, viewer },
            intent,
        }
    }

    async fn run(&self, ctx: &Context<'_>) -> AppResult<()> {
        let (workspace, actor, actor_role, standing) = match self.workspace {
            WorkspaceRef::Argument(field, id) => {
                let workspace = parse_id(field, id)?;
                // The viewer's account, session and membership: one statement.
                let access = access(ctx, Some(workspace)).await?;
                let role = access
                    .membership
                    .ok_or(AppError::NotFound("workspace"))?
                    .role;
                (workspace, access.viewer.id, role, access.viewer.standing())
            }
            WorkspaceRef::Object { workspace, viewer } => {
                let role = role_of(ctx, viewer, workspace).await?;
                (workspace, viewer, role, standing_of(ctx, viewer).await?)
            }
        };
        // An account whose address nobody has proved reaches only the workspaces it owns: an
        // invitation to an address someone squatted on gives the squatter nothing.
        if !standing.may_enter(actor_role) {
            return Err(AppError::NotFound("workspace"));
        }
        let action = match self.intent {
            Intent::View => Action::ViewWorkspace,
            Intent::Rename => Action::RenameWorkspace,
            Intent::ViewAuditLog => Action::ViewAuditLog,
            Intent::Leave => Action::Leave,
            Intent::SendTransferCode => Action::SendTransferCode,
            Intent::Invite(role) => Action::Invite { role },
            Intent::Resend(id) => Action::ResendInvitation {
                target: subject(ctx, id, workspace, actor).await?,
            },
            Intent::Revoke(id) => Action::RevokeInvitation {
                target: subject(ctx, id, workspace, actor).await?,
            },
            Intent::Remove(id) => Action::RemoveMember {
                target: subject(ctx, id, workspace, actor).await?,
            },
            Intent::ChangeRole(id, new_role) => Action::ChangeRole {
                target: subject(ctx, id, workspace, actor).await?,
                new_role,
            },
            Intent::Transfer(id) => Action::TransferOwnership {
                target: subject(ctx, id, workspace, actor).await?,
            },
        };
        Ok(authorize(actor_role, action)?)
    }
}

/// Where `actor` stands towards its address: the signed-in viewer's row, or (for objects seen
/// through a mutation's payload, such as `signUp { account { workspaces } }`) the cached
/// account loader's.
async fn standing_of(ctx: &Context<'_>, actor: Uuid) -> AppResult<Standing> {
    if let Ok(viewer) = viewer(ctx).await
        && viewer.id == actor
    {
        return Ok(viewer.standing());
    }
    ctx.loaders()?
        .load_one(AccountKey(actor))
        .await?
        .map(|a| a.standing())
        .ok_or(AppError::NotFound("workspace"))
}

/// The member `id` names, as the subject of `actor`'s action; `NOT_FOUND` if not a member.
async fn subject(ctx: &Context<'_>, id: &ID, workspace: Uuid, actor: Uuid) -> AppResult<Subject> {
    let account = parse_id("accountId", id)?;
    let role = role_of(ctx, account, workspace)
        .await
        .map_err(|_| AppError::NotFound("member"))?;
    Ok(Subject {
        role,
        is_self: account == actor,
    })
}

impl Guard for WorkspaceGuard<'_> {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        Ok(self.run(ctx).await?)
    }
}
