//! Members, the members connection, and invitation results.

use async_graphql::connection::PageInfo;
use async_graphql::parser::types::Field;
use async_graphql::{
    Context, ContextSelectionSet, ID, InputType, Lookahead, Object, Result, SimpleObject, Value,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::plain::{PlainList, PlainObject, plain_object};
use super::{Account, Workspace, account_if_any};
use crate::db::members::{MemberCursor, MemberFilter, PageColumns};
use crate::db::{AccountRow, MemberRow};
use crate::domain::{AccountStatus, InviteStatus, Role};
use crate::error::{AppError, AppResult};
use crate::graphql::context::ContextExt;
use crate::graphql::cursor;
use crate::graphql::loaders::{AccountKey, MemberTotalKey, WorkspaceKey};
use crate::service::{InvitationPreview, InviteResult};

/// An account's membership of a workspace.
#[derive(Clone)]
pub struct Member {
    pub row: MemberRow,
    /// The member's account, as seen by the viewer (`account.viewer`).
    pub account: Account,
}

impl Member {
    pub fn new(row: MemberRow, account: AccountRow, viewer: Uuid) -> Member {
        Member {
            row,
            account: Account {
                row: account,
                viewer,
            },
        }
    }

    /// The member of `row`, its account read through the request's loaders (`None` if the
    /// account is gone).
    pub async fn load(
        ctx: &Context<'_>,
        row: MemberRow,
        viewer: Uuid,
    ) -> AppResult<Option<Member>> {
        let account = ctx.loaders()?.load_one(AccountKey(row.account_id)).await?;
        Ok(account.map(|account| Member::new(row, account, viewer)))
    }

    fn viewer(&self) -> Uuid {
        self.account.viewer
    }

    /// `PENDING` until the address owner accepted the invitation, else the account's status.
    fn member_status(&self) -> AccountStatus {
        self.account.row.standing().member_status(self.row.role)
    }
}

#[Object]
impl Member {
    /// The membership's own id: stable while the member stays (a `Node`).
    pub(crate) async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    async fn account(&self) -> &Account {
        &self.account
    }
    async fn role(&self) -> Role {
        self.row.role
    }
    /// `PENDING` until the address owner accepted the invitation (the account is PENDING, or
    /// its address is not verified yet); otherwise the account's status.
    async fn status(&self) -> AccountStatus {
        self.member_status()
    }
    /// Who invited or added this member (null for the creator, or if that account is gone).
    async fn invited_by(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        match self.row.invited_by {
            Some(id) => Ok(account_if_any(ctx, id, self.viewer()).await?),
            None => Ok(None),
        }
    }
    /// When the member joined or was invited.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    async fn workspace(&self, ctx: &Context<'_>) -> Result<Workspace> {
        let row = ctx
            .loaders()?
            .load_one(WorkspaceKey(self.row.workspace_id))
            .await?
            .ok_or(AppError::NotFound("workspace"))?;
        Ok(Workspace {
            row,
            viewer: self.viewer(),
        })
    }
}

impl PlainObject for Member {
    const TYPE_NAME: &'static str = "Member";

    fn plain_field(&self, ctx: &ContextSelectionSet<'_>, field: &Field) -> Option<Value> {
        Some(match field.name.node.as_str() {
            "id" => Value::String(self.row.id.to_string()),
            "account" => plain_object(&self.account, ctx, &field.selection_set.node)?,
            "role" => self.row.role.to_value(),
            "status" => self.member_status().to_value(),
            "createdAt" => self.row.created_at.to_value(),
            _ => return None,
        })
    }
}

#[derive(Clone, SimpleObject)]
pub struct MemberEdge {
    pub cursor: String,
    pub node: Member,
}

impl PlainObject for MemberEdge {
    const TYPE_NAME: &'static str = "MemberEdge";

    fn plain_field(&self, ctx: &ContextSelectionSet<'_>, field: &Field) -> Option<Value> {
        Some(match field.name.node.as_str() {
            "cursor" => Value::String(self.cursor.clone()),
            "node" => plain_object(&self.node, ctx, &field.selection_set.node)?,
            _ => return None,
        })
    }
}

/// The fields of `Member` a brief page row answers (`account` is looked into).
const BRIEF_MEMBER_FIELDS: &[&str] = &["__typename", "id", "role", "status", "createdAt"];
/// The fields of `Account` a brief page row answers.
const BRIEF_ACCOUNT_FIELDS: &[&str] = &[
    "__typename",
    "id",
    "email",
    "name",
    "status",
    "emailVerified",
];

/// A page of members, ordered by role (owner first), then join time, then id. Cursors are
/// encoded only for the fields that show them.
pub struct MemberConnection {
    pub members: Vec<Member>,
    /// Each member's position, for its cursor.
    pub positions: Vec<MemberCursor>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
    /// The total, when it was loaded together with the page.
    pub total: Option<i64>,
    pub total_key: MemberTotalKey,
}

/// A page of members, ordered by role (owner first), then join time, then id.
#[Object]
impl MemberConnection {
    async fn edges(&self) -> PlainList<'_, MemberEdge> {
        let edges: Vec<MemberEdge> = self
            .members
            .iter()
            .zip(&self.positions)
            .map(|(node, at)| MemberEdge {
                cursor: cursor::encode_member(at),
                node: node.clone(),
            })
            .collect();
        edges.into()
    }

    async fn nodes(&self) -> PlainList<'_, Member> {
        self.members.as_slice().into()
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.positions.first().map(cursor::encode_member),
            end_cursor: self.positions.last().map(cursor::encode_member),
        }
    }

    /// Members matching the filters, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = match self.total {
            Some(n) => n,
            None => ctx
                .loaders()?
                .load_one(self.total_key.clone())
                .await?
                .unwrap_or(0),
        };
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

impl MemberConnection {
    /// What a page must read for the selection under `members` (`look_ahead`): the brief
    /// columns when every member field it shows is one of [`BRIEF_MEMBER_FIELDS`] (and of
    /// [`BRIEF_ACCOUNT_FIELDS`] under `account`), all of them otherwise.
    pub fn columns(look_ahead: &Lookahead<'_>) -> PageColumns {
        let nodes = look_ahead.field("nodes").selection_fields();
        let edge_nodes = look_ahead.field("edges").field("node").selection_fields();
        let brief = nodes.iter().chain(&edge_nodes).all(|member| {
            member.selection_set().all(|field| match field.name() {
                "account" => field
                    .selection_set()
                    .all(|f| BRIEF_ACCOUNT_FIELDS.contains(&f.name())),
                name => BRIEF_MEMBER_FIELDS.contains(&name),
            })
        });
        if brief {
            PageColumns::Brief
        } else {
            PageColumns::All
        }
    }

    pub fn total_key(workspace: Uuid, filter: MemberFilter) -> MemberTotalKey {
        MemberTotalKey { workspace, filter }
    }
}

/// The outcome of inviting one address.
pub struct InvitationResult {
    pub result: InviteResult,
    pub viewer: Uuid,
}

#[Object]
impl InvitationResult {
    /// The address, normalized (as given, trimmed, when it is invalid).
    async fn email(&self) -> &str {
        &self.result.email
    }
    async fn status(&self) -> InviteStatus {
        self.result.status
    }
    async fn member(&self) -> Option<Member> {
        self.result
            .member
            .clone()
            .map(|(row, account)| Member::new(row, account, self.viewer))
    }
    /// The invitation link (for `INVITED` and `RESENT`), to share by hand if email is not set up.
    async fn activation_url(&self) -> Option<&str> {
        self.result.activation_url.as_deref()
    }
    /// Why it failed, for `INVALID_EMAIL` and `FAILED`.
    async fn message(&self) -> Option<&str> {
        self.result.message.as_deref()
    }
}

#[derive(SimpleObject)]
pub struct InviteMembersPayload {
    /// One result per distinct address, in input order.
    pub results: Vec<InvitationResult>,
}

#[derive(SimpleObject)]
pub struct RemoveMemberPayload {
    pub removed_account_id: ID,
    /// The removed membership's id (`Member.id`): what a cache evicts, and Relay's
    /// `@deleteEdge` removes from a members connection.
    pub removed_member_id: ID,
    pub workspace: Workspace,
}

/// What an invitation link is for, to greet the invitee.
#[derive(SimpleObject)]
#[graphql(name = "InvitationPreview")]
pub struct InvitationPreviewType {
    pub workspace_name: String,
    pub inviter_name: Option<String>,
    pub email: String,
    pub expires_at: DateTime<Utc>,
    /// The invitee's language (`en-US` or `zh-Hans`): the page greets them in it.
    pub language: String,
    /// The link was used already: the invitee should sign in.
    pub used: bool,
}

impl From<InvitationPreview> for InvitationPreviewType {
    fn from(p: InvitationPreview) -> Self {
        InvitationPreviewType {
            workspace_name: p.workspace_name,
            inviter_name: p.inviter_name,
            email: p.email,
            expires_at: p.expires_at,
            language: p.language.as_str().to_owned(),
            used: p.used,
        }
    }
}
