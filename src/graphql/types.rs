//! GraphQL object types. Each wraps a database row; related objects come through the loaders.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use uuid::Uuid;

use super::context::{ContextExt, role_of};
use super::loaders::{AccountKey, MemberCountKey, OwnerKey, RoleKey, SharedWorkspacesKey};
use crate::db::{AccountRow, WorkspaceRow};
use crate::domain::{AccountStatus, Role};
use crate::error::{AppError, AppResult};
use crate::service::Session;

/// A person, as seen by `viewer`.
pub struct Account {
    pub row: AccountRow,
    pub viewer: Uuid,
}

#[Object]
impl Account {
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// Lower-cased, unique.
    async fn email(&self) -> &str {
        &self.row.email
    }
    async fn name(&self) -> &str {
        &self.row.name
    }
    async fn status(&self) -> AccountStatus {
        self.row.status
    }
    /// `en-US` or `zh-Hans`: the language of the emails this account receives.
    async fn language(&self) -> &str {
        self.row.language.as_str()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// Last authenticated use (refreshed at most once a minute).
    async fn last_active_at(&self) -> Option<DateTime<Utc>> {
        self.row.last_active_at
    }
    /// The workspaces of this account that the viewer can see: all of them for the viewer's own
    /// account, the shared ones for anybody else.
    async fn workspaces(&self, ctx: &Context<'_>) -> Result<Vec<Workspace>> {
        Ok(self.visible_workspaces(ctx).await?)
    }
}

impl Account {
    /// The viewer's own account.
    pub fn of_viewer(row: AccountRow) -> Account {
        Account {
            viewer: row.id,
            row,
        }
    }

    pub(crate) async fn visible_workspaces(&self, ctx: &Context<'_>) -> AppResult<Vec<Workspace>> {
        let viewer = self.viewer;
        let rows = ctx
            .loaders()?
            .load_one(SharedWorkspacesKey {
                viewer,
                account: self.row.id,
            })
            .await?
            .unwrap_or_default();
        if self.row.id == viewer {
            // The rows carry the viewer's role: spare `viewerRole` a lookup.
            let roles = rows.iter().map(|r| {
                let key = RoleKey {
                    account: viewer,
                    workspace: r.id,
                };
                (key, r.role)
            });
            ctx.loaders()?.feed_many(roles).await;
        }
        Ok(rows
            .into_iter()
            .map(|r| Workspace {
                row: WorkspaceRow {
                    id: r.id,
                    name: r.name,
                    created_at: r.created_at,
                },
                viewer,
            })
            .collect())
    }
}

/// A workspace `viewer` belongs to.
pub struct Workspace {
    pub row: WorkspaceRow,
    pub viewer: Uuid,
}

#[Object]
impl Workspace {
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.row.name
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// The viewer's role here.
    async fn viewer_role(&self, ctx: &Context<'_>) -> Result<Role> {
        Ok(role_of(ctx, self.viewer, self.row.id).await?)
    }
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = ctx
            .loaders()?
            .load_one(MemberCountKey(self.row.id))
            .await?
            .unwrap_or(0);
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
    async fn owner(&self, ctx: &Context<'_>) -> Result<Account> {
        let loaders = ctx.loaders()?;
        let owner = loaders
            .load_one(OwnerKey(self.row.id))
            .await?
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("workspace {} has no owner", self.row.id))
            })?;
        Ok(account(ctx, owner, self.viewer).await?)
    }
}

/// Loads an account that must exist (a foreign key points at it), as seen by `viewer`.
pub async fn account(ctx: &Context<'_>, id: Uuid, viewer: Uuid) -> AppResult<Account> {
    ctx.loaders()?
        .load_one(AccountKey(id))
        .await?
        .map(|row| Account { row, viewer })
        .ok_or(AppError::NotFound("account"))
}

/// Tokens after signing in. Send `accessToken` as `Authorization: Bearer ...`.
pub struct AuthPayload(pub Session);

#[Object]
impl AuthPayload {
    /// JWT (HS256), valid for `expiresIn` seconds.
    async fn access_token(&self) -> &str {
        &self.0.access_token
    }
    /// Opaque; works once with `refreshToken`, which returns a new pair.
    async fn refresh_token(&self) -> &str {
        &self.0.refresh_token
    }
    async fn expires_in(&self) -> i32 {
        i32::try_from(self.0.expires_in).unwrap_or(i32::MAX)
    }
    async fn account(&self) -> Account {
        Account::of_viewer(self.0.account.clone())
    }
}

/// What a front end needs to know to render its forms.
#[derive(SimpleObject)]
pub struct ServerInfo {
    pub version: String,
    /// Emails go to an SMTP server (otherwise they are written to files on the server).
    pub email_enabled: bool,
    pub signup_enabled: bool,
    /// Most members per workspace; 0 = no limit.
    pub max_members: i32,
    /// `transferOwnership` needs the code sent by `sendOwnershipTransferCode`.
    pub transfer_requires_code: bool,
    /// Most emails per `inviteMembers` call.
    pub invite_limit: i32,
}

#[derive(InputObject)]
pub struct SignUpInput {
    pub email: String,
    pub name: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}
