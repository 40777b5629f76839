//! `type Mutation`.

use async_graphql::{Context, ID, Object, Result};

use super::context::{ContextExt, not_a_key, parse_id, role_of, viewer};
use super::guards::permit;
use super::types::api_keys::{ApiKey, CreateApiKeyInput, CreateApiKeyPayload};
use super::types::members::{InvitationResult, InviteMembersPayload, Member, RemoveMemberPayload};
use super::types::tokens::WorkspaceToken;
use super::types::{
    Account, ActivateAccountInput, AuthPayload, InviteMembersInput, LoginInput, ResetPasswordInput,
    SignUpInput, Workspace,
};
use crate::domain::{Action, Role};
use crate::error::AppError;

pub struct Mutation;

#[Object]
impl Mutation {
    /// Creates an ACTIVE account and a workspace "<name>'s Workspace" that it owns, and emails
    /// a verification link: until it is opened the account cannot invite anyone.
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
        let viewer = viewer(ctx).await?.id;
        let row = ctx.roster()?.create_workspace(viewer, &name).await?;
        Ok(Workspace { row, viewer })
    }

    /// A 5-minute token with the viewer's role and permissions in the workspace, for a
    /// product's services to authorize offline (any member; `NOT_FOUND` for others).
    async fn workspace_token(&self, ctx: &Context<'_>, workspace_id: ID) -> Result<WorkspaceToken> {
        let intent = permit(ctx, "workspaceId", &workspace_id, Action::ViewWorkspace).await?;
        let account = intent.actor.person().map_err(AppError::from)?;
        let role = role_of(ctx, account, intent.workspace).await?;
        let token = ctx
            .roster()?
            .workspace_token(account, intent.workspace, role)?;
        Ok(token.into())
    }

    /// Makes an API key acting in the workspace with `role` (owners and admins, a role ranked
    /// below theirs; never by a key). The secret is in this answer only.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> Result<CreateApiKeyPayload> {
        let action = Action::CreateApiKey { role: input.role };
        let intent = permit(ctx, "workspaceId", &input.workspace_id, action).await?;
        let created = ctx
            .roster()?
            .create_api_key(&intent, &input.name, input.expires_at)
            .await?;
        Ok(CreateApiKeyPayload {
            api_key: ApiKey {
                row: created.key,
                viewer: intent.actor.id(),
            },
            secret: created.secret,
        })
    }

    /// Revokes an API key: it stops working on the next request (owners and admins, a key
    /// ranked below them; never by a key). Returns the revoked key.
    async fn revoke_api_key(&self, ctx: &Context<'_>, workspace_id: ID, id: ID) -> Result<ApiKey> {
        // The key's role is read under the lock by the use case, which checks the rank rule;
        // here, whether the viewer may revoke keys at all (the lowest rank).
        let action = Action::RevokeApiKey { role: Role::Normal };
        let intent = permit(ctx, "workspaceId", &workspace_id, action).await?;
        let key = parse_id("id", &id)?;
        let row = ctx.roster()?.revoke_api_key(&intent, key).await?;
        Ok(ApiKey {
            row,
            viewer: intent.actor.id(),
        })
    }

    /// Owner or admin.
    async fn rename_workspace(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        name: String,
    ) -> Result<Workspace> {
        let intent = permit(ctx, "workspaceId", &workspace_id, Action::RenameWorkspace).await?;
        let row = ctx.roster()?.rename_workspace(&intent, &name).await?;
        Ok(Workspace {
            row,
            viewer: intent.actor.id(),
        })
    }

    /// Invites people by email: new addresses (and accounts whose address is not verified) get
    /// an activation link by email; verified accounts join at once. One result per distinct
    /// address, in input order. The viewer's own address must be verified.
    async fn invite_members(
        &self,
        ctx: &Context<'_>,
        input: InviteMembersInput,
    ) -> Result<InviteMembersPayload> {
        let action = Action::Invite { role: input.role };
        let intent = permit(ctx, "workspaceId", &input.workspace_id, action).await?;
        let viewer = intent.actor.id();
        let results = ctx
            .roster()?
            .invite_members(&intent, &input.emails, input.language.as_deref())
            .await?;
        Ok(InviteMembersPayload {
            results: results
                .into_iter()
                .map(|result| InvitationResult { result, viewer })
                .collect(),
        })
    }

    /// Sends a PENDING member a fresh invitation; the previous link stops working.
    async fn resend_invitation(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        account_id: ID,
    ) -> Result<InvitationResult> {
        let action = Action::ResendInvitation {
            target: &account_id,
        };
        let intent = permit(ctx, "workspaceId", &workspace_id, action).await?;
        let result = ctx.roster()?.resend_invitation(&intent).await?;
        Ok(InvitationResult {
            result,
            viewer: intent.actor.id(),
        })
    }

    /// Kills a PENDING member's invitation link (the membership stays; `removeMember` removes
    /// it). True when a live link was revoked.
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        account_id: ID,
    ) -> Result<bool> {
        let action = Action::RevokeInvitation {
            target: &account_id,
        };
        let intent = permit(ctx, "workspaceId", &workspace_id, action).await?;
        Ok(ctx.roster()?.revoke_invitation(&intent).await?)
    }

    /// Removes a member ranked below the viewer. The account keeps its other workspaces; a
    /// PENDING account left with none is deleted.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        account_id: ID,
    ) -> Result<RemoveMemberPayload> {
        let action = Action::RemoveMember {
            target: &account_id,
        };
        let intent = permit(ctx, "workspaceId", &workspace_id, action).await?;
        let (row, member) = ctx.roster()?.remove_member(&intent).await?;
        Ok(RemoveMemberPayload {
            removed_account_id: account_id,
            removed_member_id: ID(member.to_string()),
            workspace: Workspace {
                row,
                viewer: intent.actor.id(),
            },
        })
    }

    /// Gives a member ranked below the viewer a role ranked below the viewer's (never OWNER).
    async fn update_member_role(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        account_id: ID,
        role: Role,
    ) -> Result<Member> {
        let action = Action::ChangeRole {
            target: &account_id,
            new_role: role,
        };
        let intent = permit(ctx, "workspaceId", &workspace_id, action).await?;
        let (row, account) = ctx.roster()?.update_member_role(&intent).await?;
        Ok(Member::new(row, account, intent.actor.id()))
    }

    /// Emails the owner a 6-digit code for `transferOwnership` (valid 5 minutes; one per minute).
    /// False when the server does not require codes.
    async fn send_ownership_transfer_code(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
    ) -> Result<bool> {
        let intent = permit(ctx, "workspaceId", &workspace_id, Action::SendTransferCode).await?;
        Ok(ctx.roster()?.send_transfer_code(&intent).await?)
    }

    /// Makes an ACTIVE member the owner; the old owner becomes ADMIN. Both are emailed.
    async fn transfer_ownership(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
        account_id: ID,
        code: Option<String>,
    ) -> Result<Workspace> {
        let action = Action::TransferOwnership {
            target: &account_id,
        };
        let intent = permit(ctx, "workspaceId", &workspace_id, action).await?;
        let row = ctx
            .roster()?
            .transfer_ownership(&intent, code.as_deref())
            .await?;
        Ok(Workspace {
            row,
            viewer: intent.actor.id(),
        })
    }

    /// The viewer leaves the workspace (an owner must transfer ownership first).
    async fn leave_workspace(&self, ctx: &Context<'_>, workspace_id: ID) -> Result<bool> {
        let intent = permit(ctx, "workspaceId", &workspace_id, Action::Leave).await?;
        ctx.roster()?.leave_workspace(&intent).await?;
        Ok(true)
    }

    /// Accepts an invitation (public): sets name and password, activates the account, signs in.
    async fn activate_account(
        &self,
        ctx: &Context<'_>,
        input: ActivateAccountInput,
    ) -> Result<AuthPayload> {
        let session = ctx
            .roster()?
            .activate_account(&input.token, &input.name, &input.password)
            .await?;
        Ok(AuthPayload(session))
    }

    /// Confirms the viewer's address with the token from the verification email (public: the
    /// link is the proof). Returns the account, now `emailVerified`.
    async fn verify_email(&self, ctx: &Context<'_>, token: String) -> Result<Account> {
        let row = ctx.roster()?.verify_email(&token).await?;
        Ok(Account::of_viewer(row))
    }

    /// Emails the viewer a new verification link (rate-limited). False when the address is
    /// verified already.
    async fn send_verification_email(&self, ctx: &Context<'_>) -> Result<bool> {
        let viewer = viewer(ctx).await?;
        Ok(ctx.roster()?.send_verification_email(&viewer).await?)
    }

    /// Emails a single-use password-reset link (30 minutes) to the address if it has an
    /// account. Always true: the answer never says whether an account exists.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> Result<bool> {
        Ok(ctx
            .roster()?
            .request_password_reset(&email, ctx.client_ip())
            .await?)
    }

    /// Sets a new password with the token from the reset email (public). The address owner
    /// takes the account: its address is verified and every earlier session ends.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> Result<AuthPayload> {
        let session = ctx
            .roster()?
            .reset_password(&input.token, &input.password)
            .await?;
        Ok(AuthPayload(session))
    }

    /// Changes the viewer's password; every other session of the account ends.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<bool> {
        let viewer = viewer(ctx).await?;
        let session = ctx.session()?;
        Ok(ctx
            .roster()?
            .change_password(
                &viewer,
                session,
                &current_password,
                &new_password,
                ctx.client_ip(),
            )
            .await?)
    }

    /// Ends the session of a refresh token: it and its access tokens stop working at once.
    /// False when the token names no live session. Not with an API key (`FORBIDDEN`).
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        not_a_key(ctx).await?;
        Ok(ctx.roster()?.logout(&refresh_token).await?)
    }
}
