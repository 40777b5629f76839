//! GraphQL object types. Each wraps a database row and the account it is seen by; related
//! objects come through the request's loaders.

pub mod api_keys;
pub mod audit;
pub mod members;
pub mod plain;
pub mod tokens;

use async_graphql::parser::types::Field;
use async_graphql::{
    Context, ContextSelectionSet, ID, InputObject, InputType, Object, Result, SimpleObject, Value,
};
use chrono::{DateTime, Utc};

use uuid::Uuid;

use super::context::{ContextExt, role_of, viewer_memberships};
use super::cursor;
use super::guards::WorkspaceGuard;
use super::loaders::{
    AccountKey, ApiKeysOfKey, AuditPageKey, AuditTotalKey, MemberTotalKey, MembersPageKey,
    Membership, OwnerKey, RoleKey, SharedWorkspacesKey,
};
use crate::db::members::MemberFilter;
use crate::db::{AccountRow, WorkspaceRow};
use crate::domain::{AccountStatus, Action, Role};
use crate::error::{AppError, AppResult};
use crate::service::Session;
use async_graphql::connection::PageInfo;
use audit::{AuditEvent, AuditEventConnection, AuditEventEdge};
use members::{Member, MemberConnection};
use plain::PlainObject;

/// A person, as seen by `viewer`.
#[derive(Clone)]
pub struct Account {
    pub row: AccountRow,
    pub viewer: Uuid,
}

#[Object]
impl Account {
    pub(crate) async fn id(&self) -> ID {
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
    /// The address owner proved the address (opened an activation, verification or reset
    /// link). Until then the account cannot invite anyone and only reaches the workspaces it
    /// owns.
    async fn email_verified(&self) -> bool {
        self.row.email_verified()
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

impl PlainObject for Account {
    const TYPE_NAME: &'static str = "Account";

    fn plain_field(&self, _: &ContextSelectionSet<'_>, field: &Field) -> Option<Value> {
        let row = &self.row;
        Some(match field.name.node.as_str() {
            "id" => Value::String(row.id.to_string()),
            "email" => Value::String(row.email.clone()),
            "name" => Value::String(row.name.clone()),
            "status" => row.status.to_value(),
            "emailVerified" => Value::Boolean(row.email_verified()),
            "language" => Value::String(row.language.as_str().to_owned()),
            "createdAt" => row.created_at.to_value(),
            "lastActiveAt" => row.last_active_at.to_value(),
            _ => return None,
        })
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
        let standing = self.row.standing();
        // The viewer's own list comes with its session check (one statement fewer).
        let own = if self.row.id == viewer {
            viewer_memberships(ctx).await?.map(|a| a.memberships)
        } else {
            None
        };
        let rows = match own {
            Some(rows) => rows,
            None => ctx
                .loaders()?
                .load_one(SharedWorkspacesKey {
                    viewer,
                    account: self.row.id,
                })
                .await?
                .unwrap_or_default(),
        };
        let rows: Vec<_> = rows
            .into_iter()
            // Only the workspaces the viewer may enter (see `Standing::may_enter`).
            .filter(|r| self.row.id != viewer || standing.may_enter(r.role))
            .collect();
        if self.row.id == viewer {
            // The rows are the viewer's memberships: spare `viewerRole` and guards a lookup.
            let memberships = rows.iter().map(|r| {
                let key = RoleKey {
                    account: viewer,
                    workspace: r.id,
                };
                (key, Membership::from(r.clone()))
            });
            ctx.loaders()?.feed_many(memberships);
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
    pub(crate) async fn id(&self) -> ID {
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
        let key = MemberTotalKey {
            workspace: self.row.id,
            filter: MemberFilter::default(),
        };
        let n = ctx.loaders()?.load_one(key).await?.unwrap_or(0);
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
    /// Members, ordered by role (owner first), then join time, then id. `first` <= 100.
    #[graphql(
        complexity = "usize::try_from(first.unwrap_or(50)).unwrap_or(0).min(100) * child_complexity + 1"
    )]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
        roles: Option<Vec<Role>>,
        status: Option<AccountStatus>,
        search: Option<String>,
    ) -> Result<MemberConnection> {
        let first = page_size(first)?;
        let after = after
            .as_deref()
            .map(|c| cursor::decode_member("after", c))
            .transpose()?;
        let search = search
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        if search.as_ref().is_some_and(|s| s.chars().count() > 100) {
            return Err(
                AppError::bad_input("search", "search must be at most 100 characters").into(),
            );
        }
        let filter = MemberFilter {
            roles,
            status,
            search,
        };
        let look_ahead = ctx.look_ahead();
        let key = MembersPageKey {
            workspace: self.row.id,
            after,
            limit: first + 1,
            filter: filter.clone(),
            columns: MemberConnection::columns(&look_ahead),
        };

        // Ask for the total in the same batch window as the page (and as `memberCount`) when the
        // query selects it, rather than one loader round later.
        let loaders = ctx.loaders()?;
        let total_key = MemberConnection::total_key(self.row.id, filter);
        let wants_total = look_ahead.field("totalCount").exists();
        let (rows, total) = futures_util::join!(loaders.load_one(key), async {
            if wants_total {
                loaders.load_one(total_key.clone()).await
            } else {
                Ok(None)
            }
        });
        let rows = rows?.unwrap_or_default();
        let total = total?;
        let shown = usize::try_from(first).unwrap_or(0);
        let has_next_page = rows.len() > shown;
        let rows = &rows[..rows.len().min(shown)];
        let positions = rows.iter().map(|r| r.cursor()).collect();
        let members = rows
            .iter()
            .map(|r| {
                let (row, account) = r.to_rows(self.row.id);
                Member::new(row, account, self.viewer)
            })
            .collect();
        Ok(MemberConnection {
            members,
            positions,
            has_previous_page: after.is_some(),
            has_next_page,
            total,
            total_key,
        })
    }

    /// The workspace's audit log, newest first (owners and admins). `first` <= 100.
    #[graphql(
        guard = "WorkspaceGuard::on(self.row.id, self.viewer, Action::ViewAuditLog)",
        complexity = "usize::try_from(first.unwrap_or(50)).unwrap_or(0).min(100) * child_complexity + 1"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let first = page_size(first)?;
        let after = after
            .as_deref()
            .map(|c| cursor::decode_audit("after", c))
            .transpose()?;
        // The total in the same batch window as the page, when the query selects it.
        let loaders = ctx.loaders()?;
        let key = AuditPageKey {
            workspace: self.row.id,
            after,
            limit: first + 1,
        };
        let wants_total = ctx.look_ahead().field("totalCount").exists();
        let (rows, total) = futures_util::join!(loaders.load_one(key), async {
            if wants_total {
                loaders.load_one(AuditTotalKey(self.row.id)).await
            } else {
                Ok(None)
            }
        });
        let mut rows = rows?.unwrap_or_default();
        let has_next_page = rows.len() > usize::try_from(first).unwrap_or(0);
        rows.truncate(usize::try_from(first).unwrap_or(0));
        let edges: Vec<AuditEventEdge> = rows
            .into_iter()
            .map(|row| AuditEventEdge {
                cursor: cursor::encode_audit(row.created_at, row.id),
                node: AuditEvent {
                    row,
                    viewer: self.viewer,
                },
            })
            .collect();
        Ok(AuditEventConnection {
            page_info: PageInfo {
                has_previous_page: after.is_some(),
                has_next_page,
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            total: total?,
            workspace: self.row.id,
        })
    }

    /// The workspace's API keys, newest first, revoked and expired ones too (owners and
    /// admins). Secrets are never shown again.
    #[graphql(guard = "WorkspaceGuard::on(self.row.id, self.viewer, Action::ViewApiKeys)")]
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Vec<api_keys::ApiKey>> {
        let key = ApiKeysOfKey(self.row.id);
        let rows = ctx.loaders()?.load_one(key).await?.unwrap_or_default();
        let viewer = self.viewer;
        Ok(rows
            .into_iter()
            .map(|row| api_keys::ApiKey { row, viewer })
            .collect())
    }

    async fn owner(&self, ctx: &Context<'_>) -> Result<Account> {
        let loaders = ctx.loaders()?;
        let row = loaders
            .load_one(OwnerKey(self.row.id))
            .await?
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("workspace {} has no owner", self.row.id))
            })?;
        Ok(Account {
            row,
            viewer: self.viewer,
        })
    }
}

/// Most items one page may ask for.
const MAX_PAGE: i32 = 100;

/// Validates `first` (0..=100).
fn page_size(first: Option<i32>) -> Result<i64, AppError> {
    let first = first.unwrap_or(50);
    if (0..=MAX_PAGE).contains(&first) {
        Ok(i64::from(first))
    } else {
        Err(AppError::bad_input(
            "first",
            format!("first must be between 0 and {MAX_PAGE}"),
        ))
    }
}

/// Loads an account that must exist (a foreign key points at it), as seen by `viewer`.
pub async fn account(ctx: &Context<'_>, id: Uuid, viewer: Uuid) -> AppResult<Account> {
    account_if_any(ctx, id, viewer)
        .await?
        .ok_or(AppError::NotFound("account"))
}

/// As [`account`], `None` when the account no longer exists (a storage failure stays an error).
pub async fn account_if_any(
    ctx: &Context<'_>,
    id: Uuid,
    viewer: Uuid,
) -> AppResult<Option<Account>> {
    Ok(ctx
        .loaders()?
        .load_one(AccountKey(id))
        .await?
        .map(|row| Account { row, viewer }))
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

#[derive(InputObject)]
pub struct InviteMembersInput {
    pub workspace_id: ID,
    /// Up to 100 addresses; each gets its own result.
    pub emails: Vec<String>,
    /// Any role but OWNER (admins invite roles below ADMIN).
    pub role: Role,
    /// `en-US` (default) or `zh-Hans`: the language of new accounts and their emails.
    pub language: Option<String>,
}

#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// From the password-reset link.
    pub token: String,
    /// The new password.
    pub password: String,
}

#[derive(InputObject)]
pub struct ActivateAccountInput {
    /// From the invitation link.
    pub token: String,
    pub name: String,
    pub password: String,
}
