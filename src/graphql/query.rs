//! `type Query`.

use async_graphql::{Context, ID, Object, Result};

use super::context::{ContextExt, membership_of, viewer_for_list};
use super::guards::permit;
use super::node::{self, Node};
use super::types::members::InvitationPreviewType;
use super::types::{Account, ServerInfo, Workspace};
use crate::domain::Action;

pub struct Query;

#[Object]
impl Query {
    /// The signed-in account.
    async fn me(&self, ctx: &Context<'_>) -> Result<Account> {
        let with_workspaces = ctx.look_ahead().field("workspaces").exists();
        Ok(Account::of_viewer(
            viewer_for_list(ctx, with_workspaces).await?,
        ))
    }

    /// The viewer's workspaces, oldest membership first.
    async fn workspaces(&self, ctx: &Context<'_>) -> Result<Vec<Workspace>> {
        Ok(Account::of_viewer(viewer_for_list(ctx, true).await?)
            .visible_workspaces(ctx)
            .await?)
    }

    /// One of the viewer's workspaces; `NOT_FOUND` unless the viewer is a member.
    async fn workspace(&self, ctx: &Context<'_>, id: ID) -> Result<Workspace> {
        let intent = permit(ctx, "id", &id, Action::ViewWorkspace).await?;
        // `permit` loaded the viewer (account or key) with its membership, workspace included.
        let viewer = intent.actor.id();
        let row = membership_of(ctx, viewer, intent.workspace)
            .await?
            .workspace;
        Ok(Workspace { row, viewer })
    }

    /// The object with this id (any `Node`), or null when it does not exist or the viewer may
    /// not see it (the rules of the typed fields: `workspace`, `members`, `auditLog`).
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        Ok(node::node(ctx, &id).await?)
    }

    /// One answer per id, in order, as `node` gives it; at most 100 ids.
    #[graphql(complexity = "ids.len().min(node::MAX_NODES) * child_complexity + 1")]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        Ok(node::nodes(ctx, &ids).await?)
    }

    /// What an invitation link is for (public); null when it is invalid, revoked or expired. A
    /// used link answers with `used: true`, so its page can say to sign in.
    async fn invitation(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> Result<Option<InvitationPreviewType>> {
        let preview = ctx.roster()?.invitation_preview(&token).await?;
        Ok(preview.map(Into::into))
    }

    /// Public facts about this server.
    async fn server_info(&self, ctx: &Context<'_>) -> Result<ServerInfo> {
        let config = &ctx.roster()?.config;
        Ok(ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            email_enabled: config.smtp_url.is_some(),
            signup_enabled: config.allow_signup,
            max_members: i32::try_from(config.max_members).unwrap_or(i32::MAX),
            transfer_requires_code: config.transfer_code,
            invite_limit: i32::try_from(config.limits.invite_limit).unwrap_or(i32::MAX),
        })
    }
}
