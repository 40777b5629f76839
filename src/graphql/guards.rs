//! Authorization: every workspace-scoped field names the `domain::Action` it performs, once.
//! [`permit`] (root fields: the workspace is an argument) checks it against the permission
//! matrix (`domain::authorize`) with roles read for this request and returns the
//! [`Intent`] (ids parsed once) that the field hands to its use case, which checks the same
//! intent again under the workspace lock, so a change racing with the request cannot slip
//! between the look here and the write. [`WorkspaceGuard`] does the look for fields of a
//! workspace object. Non-members get `NOT_FOUND`, members whose role does not allow the action
//! `FORBIDDEN` (or `CONFLICT`, e.g. an owner leaving).

use async_graphql::{Context, Guard, ID};
use uuid::Uuid;

use super::context::{ContextExt, access, key_access, key_membership, parse_id, role_of, viewer};
use super::loaders::AccountKey;
use crate::domain::{Action, Actor, Intent, Role, Standing, Subject, authorize_actor};
use crate::error::{AppError, AppResult};
use crate::service::Authenticated;

/// Checks that the viewer may perform `action` in the workspace the argument `field` names
/// (targets are `accountId` arguments); the intent, ids parsed, for the use case to re-check.
pub async fn permit(
    ctx: &Context<'_>,
    field: &'static str,
    workspace_id: &ID,
    action: Action<&ID>,
) -> AppResult<Intent> {
    // No credentials say so before any argument is looked at.
    if let Some(auth @ (Authenticated::Anonymous | Authenticated::Rejected(_))) =
        ctx.data_opt::<Authenticated>()
    {
        auth.viewer()?;
    }
    let workspace = parse_id(field, workspace_id)?;
    let target = |id: &ID| parse_id("accountId", id);
    // An API key and its workspace: one statement. Any other workspace does not exist for it.
    if let Some(key) = key_access(ctx).await? {
        let membership = key_membership(&key, workspace).ok_or(AppError::NotFound("workspace"))?;
        let intent = Intent {
            actor: Actor::ApiKey(key.key.id),
            workspace,
            action: action.try_map_target(target)?,
        };
        check(ctx, &intent, membership.role, None).await?;
        return Ok(intent);
    }
    // The viewer's account, session and membership: one statement.
    let access = access(ctx, Some(workspace)).await?;
    let role = access
        .membership
        .ok_or(AppError::NotFound("workspace"))?
        .role;
    let intent = Intent {
        actor: Actor::Account(access.viewer.id),
        workspace,
        action: action.try_map_target(target)?,
    };
    check(ctx, &intent, role, Some(access.viewer.standing())).await?;
    Ok(intent)
}

/// `actor` (with `actor_role`, and `standing` when it is a person) may do what `intent` says.
async fn check(
    ctx: &Context<'_>,
    intent: &Intent,
    actor_role: Role,
    standing: Option<Standing>,
) -> AppResult<()> {
    // An account whose address nobody has proved reaches only the workspaces it owns: an
    // invitation to an address someone squatted on gives the squatter nothing.
    if standing.is_some_and(|s| !s.may_enter(actor_role)) {
        return Err(AppError::NotFound("workspace"));
    }
    let subject = match intent.action.target() {
        Some(&account) => {
            // Only "not a member" is `NOT_FOUND`: a storage failure says nothing about the
            // target and stays `UNAVAILABLE` (or `INTERNAL`).
            let role = role_of(ctx, account, intent.workspace)
                .await
                .map_err(|e| match e {
                    AppError::NotFound(_) => AppError::NotFound("member"),
                    other => other,
                })?;
            Some(Subject {
                role,
                is_self: intent.actor.account() == Some(account),
            })
        }
        None => None,
    };
    let action = intent.action.try_map_target(|_| {
        subject.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no subject")))
    })?;
    Ok(authorize_actor(intent.actor, actor_role, action)?)
}

/// Guards a field of a workspace object seen by `viewer`.
pub struct WorkspaceGuard {
    intent: Intent,
}

impl WorkspaceGuard {
    pub fn on(workspace: Uuid, viewer: Uuid, action: Action<Uuid>) -> Self {
        WorkspaceGuard {
            intent: Intent {
                actor: Actor::Account(viewer),
                workspace,
                action,
            },
        }
    }

    async fn run(&self, ctx: &Context<'_>) -> AppResult<()> {
        let Intent {
            actor, workspace, ..
        } = self.intent;
        // Objects name the one who looks at them by id: the request's key, or an account.
        if let Some(key) = key_access(ctx).await?
            && key.key.id == actor.id()
        {
            let membership =
                key_membership(&key, workspace).ok_or(AppError::NotFound("workspace"))?;
            let intent = Intent {
                actor: Actor::ApiKey(key.key.id),
                ..self.intent
            };
            return check(ctx, &intent, membership.role, None).await;
        }
        let role = role_of(ctx, actor.id(), workspace).await?;
        let standing = standing_of(ctx, actor.id()).await?;
        check(ctx, &self.intent, role, Some(standing)).await
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

impl Guard for WorkspaceGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        Ok(self.run(ctx).await?)
    }
}
