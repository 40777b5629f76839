//! `type Mutation`.

use async_graphql::{Context, ID, Object, Result};

use super::context::{ContextExt, parse_id};
use super::guards::{Intent, WorkspaceGuard};
use super::types::{AuthPayload, LoginInput, SignUpInput, Workspace};

pub struct Mutation;

#[Object]
impl Mutation {
    /// Creates an ACTIVE account and a workspace "<name>'s Workspace" that it owns.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> Result<AuthPayload> {
        let session = ctx
            .roster()?
            .sign_up(&input.email, &input.name, &input.password)
            .await?;
        Ok(AuthPayload(session))
    }

    /// Wrong password and unknown email give the same `UNAUTHENTICATED` answer.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let session = ctx
            .roster()?
            .login(&input.email, &input.password, ctx.client_ip())
            .await?;
        Ok(AuthPayload(session))
    }

    /// Trades a refresh token (single use) for a new token pair.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        Ok(AuthPayload(ctx.roster()?.refresh(&refresh_token).await?))
    }

    /// Creates a workspace owned by the viewer.
    async fn create_workspace(&self, ctx: &Context<'_>, name: String) -> Result<Workspace> {
        let viewer = ctx.viewer()?.id;
        let row = ctx.roster()?.create_workspace(viewer, &name).await?;
        Ok(Workspace { row, viewer })
    }

    /// Owner or admin.
    #[graphql(guard = "WorkspaceGuard::new(\"workspaceId\", &workspace_id, Intent::Rename)")]
    async fn rename_workspace(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        name: String,
    ) -> Result<Workspace> {
        let id = parse_id("workspaceId", &workspace_id)?;
        let viewer = ctx.viewer()?.id;
        let row = ctx.roster()?.rename_workspace(viewer, id, &name).await?;
        Ok(Workspace { row, viewer })
    }
}
