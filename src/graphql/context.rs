//! Typed access to what each request carries: the core, the viewer, the loaders.

use async_graphql::{Context, ID};
use uuid::Uuid;

use super::loaders::{
    Loaders, MemberTotalKey, MembersPageKey, Membership, OwnerKey, RoleKey, SharedWorkspacesKey,
};
use crate::db::AccountRow;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
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
    /// The signed-in account, or `UNAUTHENTICATED`.
    fn viewer(&self) -> AppResult<&AccountRow>;
    /// The session (login) of the signed-in account, or `UNAUTHENTICATED`.
    fn session(&self) -> AppResult<Uuid>;
    fn client_ip(&self) -> &str;
    /// Forgets what this request's loaders cached about memberships, after a mutation changed
    /// them (the guard cached the viewer's role before the change).
    fn memberships_changed(&self);
}

impl ContextExt for Context<'_> {
    fn roster(&self) -> AppResult<&Roster> {
        self.data_opt::<Roster>().ok_or_else(|| missing("Roster"))
    }

    fn loaders(&self) -> AppResult<&Loaders> {
        self.data_opt::<Loaders>().ok_or_else(|| missing("Loaders"))
    }

    fn viewer(&self) -> AppResult<&AccountRow> {
        self.data_opt::<Authenticated>()
            .unwrap_or(&Authenticated::Anonymous)
            .viewer()
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

    fn memberships_changed(&self) {
        if let Some(loaders) = self.data_opt::<Loaders>() {
            loaders.clear::<RoleKey>();
            loaders.clear::<OwnerKey>();
            loaders.clear::<MemberTotalKey>();
            loaders.clear::<MembersPageKey>();
            loaders.clear::<SharedWorkspacesKey>();
        }
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
    ctx.loaders()?
        .load_one(RoleKey { account, workspace })
        .await?
        .ok_or(AppError::NotFound("workspace"))
}
