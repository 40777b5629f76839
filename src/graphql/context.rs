//! Typed access to what each request carries: the core, the viewer, the loaders.

use async_graphql::{Context, ID};
use uuid::Uuid;

use super::loaders::{Access, AccessKey, KeyAccessKey, Loaders, Membership, RoleKey};
use crate::db::AccountRow;
use crate::db::WorkspaceRow;
use crate::db::api_keys::KeyAccessRow;
use crate::domain::Role;
use crate::domain::actor::KEY_REFUSED;
use crate::error::{AppError, AppResult};
use crate::service::auth::{KEY_ENDED, SESSION_ENDED};
use crate::service::{Authenticated, Roster};

/// Client address of the request, for rate limits.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

fn missing(what: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("request data missing: {what}"))
}

pub trait ContextExt {
    fn roster(&self) -> AppResult<&Roster>;
    fn loaders(&self) -> AppResult<&Loaders>;
    /// The session (login) of the access token, or `UNAUTHENTICATED` (check the viewer first:
    /// [`viewer`]).
    fn session(&self) -> AppResult<Uuid>;
    fn client_ip(&self) -> &str;
}

impl ContextExt for Context<'_> {
    fn roster(&self) -> AppResult<&Roster> {
        self.data_opt::<Roster>().ok_or_else(|| missing("Roster"))
    }

    fn loaders(&self) -> AppResult<&Loaders> {
        self.data_opt::<Loaders>().ok_or_else(|| missing("Loaders"))
    }

    fn session(&self) -> AppResult<Uuid> {
        self.data_opt::<Authenticated>()
            .unwrap_or(&Authenticated::Anonymous)
            .session()
    }

    fn client_ip(&self) -> &str {
        self.data_opt::<ClientIp>()
            .map(|ip| ip.0.as_str())
            .unwrap_or("unknown")
    }
}

/// Parses an `ID` argument; a malformed one is `BAD_USER_INPUT` naming the argument.
pub fn parse_id(field: &'static str, id: &ID) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| AppError::bad_input(field, format!("{field} is not a valid id")))
}

/// `account`'s role in `workspace`, through the request's cached loader; `NOT_FOUND` when it
/// is not a member.
pub async fn role_of(ctx: &Context<'_>, account: Uuid, workspace: Uuid) -> AppResult<Role> {
    Ok(membership_of(ctx, account, workspace).await?.role)
}

/// `account`'s membership of `workspace` (role and workspace row); `NOT_FOUND` when it is not a
/// member.
pub async fn membership_of(
    ctx: &Context<'_>,
    account: Uuid,
    workspace: Uuid,
) -> AppResult<Membership> {
    // A key "is a member" of its own workspace only, with its own role.
    if let Some(access) = key_access(ctx).await?
        && access.key.id == account
    {
        return key_membership(&access, workspace).ok_or(AppError::NotFound("workspace"));
    }
    ctx.loaders()?
        .load_one(RoleKey { account, workspace })
        .await?
        .ok_or(AppError::NotFound("workspace"))
}

/// The API key of the request, checked against the database once per request (one
/// statement); `None` when the request is not signed in with a key, `UNAUTHENTICATED` when
/// the key is unknown, revoked or expired, or its workspace is gone.
pub async fn key_access(ctx: &Context<'_>) -> AppResult<Option<KeyAccessRow>> {
    let Some(&Authenticated::ApiKey { hash }) = ctx.data_opt::<Authenticated>() else {
        return Ok(None);
    };
    ctx.loaders()?
        .load_one(KeyAccessKey(hash))
        .await?
        .ok_or(AppError::Unauthenticated(KEY_ENDED))
        .map(Some)
}

/// Refuses API keys what belongs to a person (account fields, passwords, sessions): a live key
/// gets `FORBIDDEN`, a dead one `UNAUTHENTICATED`.
pub async fn not_a_key(ctx: &Context<'_>) -> AppResult<()> {
    match key_access(ctx).await? {
        Some(_) => Err(AppError::Forbidden(KEY_REFUSED.into())),
        None => Ok(()),
    }
}

/// A key's role in `workspace`, as a membership: only in the key's own workspace.
pub fn key_membership(access: &KeyAccessRow, workspace: Uuid) -> Option<Membership> {
    (access.key.workspace_id == workspace).then(|| Membership {
        role: access.key.role,
        workspace: WorkspaceRow {
            id: workspace,
            name: access.workspace_name.clone(),
            created_at: access.workspace_created_at,
        },
    })
}

/// The signed-in account, checked against the database once per request (the first field that
/// needs it asks, together with the workspace it is about: see [`access`]), or
/// `UNAUTHENTICATED`.
pub async fn viewer(ctx: &Context<'_>) -> AppResult<AccountRow> {
    Ok(access(ctx, None).await?.viewer)
}

/// The viewer and, when `workspace` is named, its membership there: for a bearer token, the
/// account check and the membership lookup are one statement (`Db::access`).
pub async fn access(ctx: &Context<'_>, workspace: Option<Uuid>) -> AppResult<Access> {
    let auth = ctx
        .data_opt::<Authenticated>()
        .unwrap_or(&Authenticated::Anonymous);
    if let Authenticated::Claims { account, session } = *auth {
        let key = AccessKey {
            account,
            session,
            workspace,
            all: false,
        };
        let loaders = ctx.loaders()?;
        let access = loaders
            .load_one(key)
            .await?
            .ok_or(AppError::Unauthenticated(SESSION_ENDED))?;
        if let (Some(workspace), Some(membership)) = (workspace, &access.membership) {
            // Spares `viewerRole` and object guards a lookup.
            let key = RoleKey { account, workspace };
            loaders.feed_one(key, membership.clone());
        }
        return Ok(access);
    }
    not_a_key(ctx).await?;
    // Checked already (WebSocket connections): the membership through the role loader.
    let viewer = auth.viewer()?.clone();
    let membership = match workspace {
        Some(workspace) => {
            let key = RoleKey {
                account: viewer.id,
                workspace,
            };
            ctx.loaders()?.load_one(key).await?
        }
        None => None,
    };
    Ok(Access {
        viewer,
        membership,
        memberships: Vec::new(),
    })
}

/// The viewer with all its memberships, oldest first, from the statement that checks its
/// session (`None` when the request is not signed in with a bearer token: the caller asks the
/// loaders).
pub async fn viewer_memberships(ctx: &Context<'_>) -> AppResult<Option<Access>> {
    let Some(&Authenticated::Claims { account, session }) = ctx.data_opt::<Authenticated>() else {
        return Ok(None);
    };
    let key = AccessKey {
        account,
        session,
        workspace: None,
        all: true,
    };
    ctx.loaders()?
        .load_one(key)
        .await?
        .ok_or(AppError::Unauthenticated(SESSION_ENDED))
        .map(Some)
}

/// The signed-in account; with its workspace list in the same statement when `with_workspaces`.
pub async fn viewer_for_list(ctx: &Context<'_>, with_workspaces: bool) -> AppResult<AccountRow> {
    if with_workspaces && let Some(access) = viewer_memberships(ctx).await? {
        return Ok(access.viewer);
    }
    viewer(ctx).await
}
