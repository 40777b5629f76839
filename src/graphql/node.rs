//! `interface Node`: every object with an identity, found again by its id alone (`Query.node`,
//! `Query.nodes`, and federation's `_entities`).
//!
//! Ids are the plain UUIDs the typed fields have always returned and accepted: they are unique
//! across tables (time-ordered v7, or random v4 for memberships that existed before they had an
//! id), so an id is looked up as each kind at once, through the request's loaders (one
//! statement per kind for a whole `nodes` list). What the viewer may not see is `None`, exactly
//! like an id that does not exist: the rules are those of the typed fields (see [`visible`]).

use async_graphql::{Context, ID, Interface};
use futures_util::future::try_join_all;
use uuid::Uuid;

use super::context::{ContextExt, access, parse_id, viewer};
use super::loaders::{
    AccountKey, ApiKeyKey, AuditEventKey, MemberIdKey, SharedWorkspacesKey, WorkspaceKey,
};
use super::types::api_keys::ApiKey;
use super::types::audit::AuditEvent;
use super::types::members::Member;
use super::types::{Account, Workspace};
use crate::db::AccountRow;
use crate::domain::{Action, authorize};
use crate::error::{AppError, AppResult};

/// Most ids one `nodes` call may ask for.
pub const MAX_NODES: usize = 100;

/// An object with a stable, globally unique id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Account(Account),
    Workspace(Workspace),
    Member(Member),
    AuditEvent(AuditEvent),
    ApiKey(ApiKey),
}

/// `node(id:)`: the object, or `None` if it does not exist or the viewer may not see it.
pub async fn node(ctx: &Context<'_>, id: &ID) -> AppResult<Option<Node>> {
    let id = parse_id("id", id)?;
    let viewer = viewer(ctx).await?;
    find(ctx, &viewer, id).await
}

/// `nodes(ids:)`: one answer per id, in order (at most [`MAX_NODES`]).
pub async fn nodes(ctx: &Context<'_>, ids: &[ID]) -> AppResult<Vec<Option<Node>>> {
    if ids.len() > MAX_NODES {
        return Err(AppError::bad_input(
            "ids",
            format!("ids may hold at most {MAX_NODES} ids"),
        ));
    }
    let ids = ids
        .iter()
        .map(|id| parse_id("ids", id))
        .collect::<AppResult<Vec<Uuid>>>()?;
    let viewer = viewer(ctx).await?;
    try_join_all(ids.into_iter().map(|id| find(ctx, &viewer, id))).await
}

/// The object with `id`, if `viewer` may see it: every kind is asked for at once.
pub async fn find(ctx: &Context<'_>, viewer: &AccountRow, id: Uuid) -> AppResult<Option<Node>> {
    let loaders = ctx.loaders()?;
    let (workspace, member, event, account, key) = futures_util::try_join!(
        loaders.load_one(WorkspaceKey(id)),
        loaders.load_one(MemberIdKey(id)),
        loaders.load_one(AuditEventKey(id)),
        loaders.load_one(AccountKey(id)),
        loaders.load_one(ApiKeyKey(id)),
    )?;
    let seen_by = viewer.id;
    if let Some(row) = workspace {
        let shown = visible(ctx, viewer, row.id, Action::ViewWorkspace).await?;
        return Ok(shown.then_some(Node::Workspace(Workspace {
            row,
            viewer: seen_by,
        })));
    }
    if let Some(row) = member {
        if !visible(ctx, viewer, row.workspace_id, Action::ViewWorkspace).await? {
            return Ok(None);
        }
        return Ok(Member::load(ctx, row, seen_by).await?.map(Node::Member));
    }
    if let Some(row) = event {
        let shown = visible(ctx, viewer, row.workspace_id, Action::ViewAuditLog).await?;
        return Ok(shown.then_some(Node::AuditEvent(AuditEvent {
            row,
            viewer: seen_by,
        })));
    }
    if let Some(row) = key {
        // As `Workspace.apiKeys`: owners and admins of its workspace.
        let shown = visible(ctx, viewer, row.workspace_id, Action::ViewApiKeys).await?;
        return Ok(shown.then_some(Node::ApiKey(ApiKey {
            row,
            viewer: seen_by,
        })));
    }
    if let Some(row) = account {
        let shown = account_visible(ctx, viewer, row.id).await?;
        return Ok(shown.then_some(Node::Account(Account {
            row,
            viewer: seen_by,
        })));
    }
    Ok(None)
}

/// May `viewer` perform `action` in `workspace`? The rules of the typed fields: a member, of a
/// workspace its standing lets it enter (`workspace(id:)`), whose role allows the action
/// (`auditLog`). Not a member is `false`, never an error; a storage failure is an error.
pub async fn visible(
    ctx: &Context<'_>,
    viewer: &AccountRow,
    workspace: Uuid,
    action: Action,
) -> AppResult<bool> {
    let Some(membership) = access(ctx, Some(workspace)).await?.membership else {
        return Ok(false);
    };
    Ok(viewer.standing().may_enter(membership.role) && authorize(membership.role, action).is_ok())
}

/// An account is seen by itself and by the members of a workspace it belongs to (the members
/// list shows it there).
pub async fn account_visible(
    ctx: &Context<'_>,
    viewer: &AccountRow,
    account: Uuid,
) -> AppResult<bool> {
    if account == viewer.id {
        return Ok(true);
    }
    let key = SharedWorkspacesKey {
        viewer: viewer.id,
        account,
    };
    let shared = ctx.loaders()?.load_one(key).await?.unwrap_or_default();
    let standing = viewer.standing();
    for workspace in shared {
        // An unproven address reaches only the workspaces it owns.
        let membership = access(ctx, Some(workspace.id)).await?.membership;
        if membership.is_some_and(|m| standing.may_enter(m.role)) {
            return Ok(true);
        }
    }
    Ok(false)
}
