//! Inviting members, re-sending and revoking invitations, previewing and accepting them.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::Roster;
use super::auth::{Session, valid_name};
use super::members::{Locked, Target, lock_and_authorize, lock_and_authorize_on};
use crate::auth::{password, tokens};
use crate::db::audit::{AuditAction, NewAuditEvent};
use crate::db::invitations::InvitationRow;
use crate::db::outbox::{EmailKind, NewEmail};
use crate::db::{AccountRow, MemberRow, Tx, WorkspaceRow};
use crate::domain::invite::{Entry, read_addresses};
use crate::domain::names::check_password;
use crate::domain::{AccountStatus, Action, Email, InviteStatus, Language, Role};
use crate::error::{AppError, AppResult};

/// The answer for one address of `inviteMembers` (and for `resendInvitation`).
#[derive(Clone, Debug)]
pub struct InviteResult {
    pub email: String,
    pub status: InviteStatus,
    pub member: Option<(MemberRow, AccountRow)>,
    pub activation_url: Option<String>,
    pub message: Option<String>,
}

impl InviteResult {
    fn bare(email: String, status: InviteStatus, message: Option<&str>) -> InviteResult {
        InviteResult {
            email,
            status,
            member: None,
            activation_url: None,
            message: message.map(str::to_owned),
        }
    }
}

/// What an invitation link shows before it is accepted.
#[derive(Clone, Debug)]
pub struct InvitationPreview {
    pub workspace_name: String,
    pub inviter_name: Option<String>,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

/// What inviting one valid address will do, decided before anything is written.
enum Plan {
    /// No account yet: create a PENDING one, add it, invite it.
    Create(Email),
    /// A PENDING account that is not a member yet.
    InvitePending(AccountRow),
    /// An ACTIVE account that is not a member yet.
    Add(AccountRow),
    /// A PENDING member: replace its invitation.
    Resend(MemberRow, AccountRow),
    AlreadyMember(MemberRow, AccountRow),
    Banned(Email),
}

impl Plan {
    fn adds_member(&self) -> bool {
        matches!(
            self,
            Plan::Create(_) | Plan::InvitePending(_) | Plan::Add(_)
        )
    }
    fn sends_email(&self) -> bool {
        self.adds_member() || matches!(self, Plan::Resend(..))
    }
}

/// The inviter, the workspace and the invitation settings shared by one call.
struct InviteContext<'a> {
    workspace: &'a WorkspaceRow,
    inviter: &'a AccountRow,
    now: DateTime<Utc>,
}

impl Roster {
    /// `inviteMembers`: one result per distinct address, in input order. A whole call that would
    /// take the workspace past `ROSTER_MAX_MEMBERS` fails with `LIMIT_EXCEEDED`.
    pub async fn invite_members(
        &self,
        actor: Uuid,
        workspace: Uuid,
        emails: &[String],
        role: Role,
        language: Option<&str>,
    ) -> AppResult<Vec<InviteResult>> {
        let limit = self.config.limits.invite_limit;
        if emails.is_empty() {
            return Err(AppError::bad_input(
                "emails",
                "give at least one email address",
            ));
        }
        if emails.len() > limit {
            return Err(AppError::bad_input(
                "emails",
                format!("at most {limit} email addresses per call"),
            ));
        }
        let language = match language {
            None => Language::EnUs,
            Some(l) => Language::parse(l).ok_or_else(|| {
                AppError::bad_input("language", "language must be en-US or zh-Hans")
            })?,
        };
        let entries = read_addresses(emails);
        let now = self.now();

        let mut tx = self.db.begin().await?;
        let locked = lock_and_authorize(&mut tx, workspace, actor, Action::Invite { role }).await?;
        let inviter = tx
            .account(actor)
            .await?
            .ok_or(AppError::NotFound("account"))?;

        // Decide everything first, so the limits see the whole call before anything is written.
        let mut plans: Vec<Result<Plan, String>> = Vec::with_capacity(entries.len());
        for entry in entries {
            plans.push(match entry {
                Entry::Valid(email) => Ok(plan(&mut tx, workspace, &email).await?),
                Entry::Invalid(raw) => Err(raw),
            });
        }
        let planned = || plans.iter().filter_map(|p| p.as_ref().ok());
        let new_members = planned().filter(|p| p.adds_member()).count();
        let emails_out = planned().filter(|p| p.sends_email()).count();
        self.check_member_limit(&mut tx, workspace, new_members)
            .await?;
        self.check_invite_rate(&mut tx, workspace, emails_out, now)
            .await?;

        let ctx = InviteContext {
            workspace: &locked.workspace,
            inviter: &inviter,
            now,
        };
        let mut results = Vec::with_capacity(plans.len());
        for plan in plans {
            results.push(match plan {
                Err(raw) => InviteResult::bare(
                    raw,
                    InviteStatus::InvalidEmail,
                    Some("not a valid email address"),
                ),
                Ok(plan) => self.carry_out(&mut tx, &ctx, plan, role, language).await?,
            });
        }
        self.commit(tx).await?;
        Ok(results)
    }

    async fn check_member_limit(
        &self,
        tx: &mut Tx,
        workspace: Uuid,
        new_members: usize,
    ) -> AppResult<()> {
        let max = i64::from(self.config.max_members);
        if max == 0 || new_members == 0 {
            return Ok(());
        }
        let current = tx.member_count(workspace).await?;
        let new = i64::try_from(new_members).unwrap_or(i64::MAX);
        if current.saturating_add(new) > max {
            return Err(AppError::LimitExceeded(format!(
                "this workspace may have at most {max} members; it has {current} and the call would add {new}"
            )));
        }
        Ok(())
    }

    async fn check_invite_rate(
        &self,
        tx: &mut Tx,
        workspace: Uuid,
        emails: usize,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let per_hour = i64::from(self.config.limits.invites_per_hour);
        if emails == 0 {
            return Ok(());
        }
        let hour = Duration::hours(1);
        let (sent, oldest) = tx.emails_since(workspace, now - hour).await?;
        if sent.saturating_add(i64::try_from(emails).unwrap_or(i64::MAX)) > per_hour {
            let retry_after = oldest.map_or(3600, |t| (t + hour - now).num_seconds().max(1));
            return Err(AppError::RateLimited {
                retry_after: retry_after.unsigned_abs(),
            });
        }
        Ok(())
    }

    async fn carry_out(
        &self,
        tx: &mut Tx,
        ctx: &InviteContext<'_>,
        plan: Plan,
        role: Role,
        language: Language,
    ) -> AppResult<InviteResult> {
        let ws = ctx.workspace.id;
        let inviter = ctx.inviter.id;
        let (status, member, account, url) = match plan {
            Plan::Banned(email) => {
                return Ok(InviteResult::bare(
                    email.to_string(),
                    InviteStatus::Failed,
                    Some("this account is banned and cannot be invited"),
                ));
            }
            Plan::AlreadyMember(member, account) => {
                (InviteStatus::AlreadyMember, member, account, None)
            }
            Plan::Create(email) => {
                let (account, _) = tx
                    .pending_account(email.as_str(), email.local_part(), language, ctx.now)
                    .await?;
                let member = self
                    .join(tx, ctx, &account, role, AuditAction::MemberInvited)
                    .await?;
                let url = self.send_invitation(tx, ctx, &account).await?;
                (InviteStatus::Invited, member, account, Some(url))
            }
            Plan::InvitePending(account) => {
                let member = self
                    .join(tx, ctx, &account, role, AuditAction::MemberInvited)
                    .await?;
                let url = self.send_invitation(tx, ctx, &account).await?;
                (InviteStatus::Invited, member, account, Some(url))
            }
            Plan::Add(account) => {
                let member = self
                    .join(tx, ctx, &account, role, AuditAction::MemberAdded)
                    .await?;
                tx.enqueue_email(
                    NewEmail {
                        kind: EmailKind::AddedToWorkspace,
                        workspace: Some(ws),
                        recipient: &account.email,
                        language: account.language,
                        payload: json!({
                            "workspace_name": ctx.workspace.name,
                            "inviter_name": ctx.inviter.name,
                            "inviter_email": ctx.inviter.email,
                            "account_name": account.name,
                            "role": role.as_str(),
                            "login_url": format!("{}/", self.config.public_url()),
                        }),
                    },
                    ctx.now,
                )
                .await?;
                (InviteStatus::Added, member, account, None)
            }
            Plan::Resend(member, account) => {
                let url = self.send_invitation(tx, ctx, &account).await?;
                self.audit_on(
                    tx,
                    ws,
                    inviter,
                    AuditAction::InvitationResent,
                    &member,
                    None,
                    ctx.now,
                )
                .await?;
                (InviteStatus::Resent, member, account, Some(url))
            }
        };
        Ok(InviteResult {
            email: account.email.clone(),
            status,
            member: Some((member, account)),
            activation_url: url,
            message: None,
        })
    }

    /// Adds `account` with `role`, recording `action`.
    async fn join(
        &self,
        tx: &mut Tx,
        ctx: &InviteContext<'_>,
        account: &AccountRow,
        role: Role,
        action: AuditAction,
    ) -> AppResult<MemberRow> {
        let ws = ctx.workspace.id;
        tx.add_member(ws, account.id, role, Some(ctx.inviter.id), ctx.now)
            .await?;
        let member = tx.member(ws, account.id).await?.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "membership vanished inside its transaction"
            ))
        })?;
        self.audit_on(
            tx,
            ws,
            ctx.inviter.id,
            action,
            &member,
            Some(&account.email),
            ctx.now,
        )
        .await?;
        Ok(member)
    }

    #[allow(clippy::too_many_arguments)]
    async fn audit_on(
        &self,
        tx: &mut Tx,
        workspace: Uuid,
        actor: Uuid,
        action: AuditAction,
        member: &MemberRow,
        email: Option<&str>,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        tx.audit(
            NewAuditEvent {
                workspace,
                actor: Some(actor),
                action,
                target: Some(member.account_id),
                target_email: email,
                old_role: None,
                new_role: Some(member.role),
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Issues a fresh invitation (revoking the previous one) and queues its email; returns the
    /// activation link.
    async fn send_invitation(
        &self,
        tx: &mut Tx,
        ctx: &InviteContext<'_>,
        account: &AccountRow,
    ) -> AppResult<String> {
        let token = tokens::new_token().map_err(AppError::Internal)?;
        let expires_at = ctx.now + Duration::hours(i64::from(self.config.invite_ttl_hours));
        tx.replace_invitation(
            ctx.workspace.id,
            account.id,
            ctx.inviter.id,
            &tokens::hash(&token),
            ctx.now,
            expires_at,
        )
        .await?;
        let url = format!("{}/activate?token={token}", self.config.public_url());
        tx.enqueue_email(
            NewEmail {
                kind: EmailKind::Invitation,
                workspace: Some(ctx.workspace.id),
                recipient: &account.email,
                language: account.language,
                payload: json!({
                    "workspace_name": ctx.workspace.name,
                    "inviter_name": ctx.inviter.name,
                    "inviter_email": ctx.inviter.email,
                    "account_name": account.name,
                    "activation_url": url,
                    "expires_at": expires_at,
                }),
            },
            ctx.now,
        )
        .await?;
        Ok(url)
    }

    /// `resendInvitation`: a fresh link for a PENDING member; the old one stops working.
    pub async fn resend_invitation(
        &self,
        actor: Uuid,
        workspace: Uuid,
        target: Uuid,
    ) -> AppResult<InviteResult> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (locked, Target { member, account }) =
            pending_target(&mut tx, workspace, actor, target, |target| {
                Action::ResendInvitation { target }
            })
            .await?;
        self.check_invite_rate(&mut tx, workspace, 1, now).await?;
        let inviter = tx
            .account(actor)
            .await?
            .ok_or(AppError::NotFound("account"))?;
        let ctx = InviteContext {
            workspace: &locked.workspace,
            inviter: &inviter,
            now,
        };
        let result = self
            .carry_out(
                &mut tx,
                &ctx,
                Plan::Resend(member, account),
                Role::Normal,
                Language::EnUs,
            )
            .await?;
        self.commit(tx).await?;
        Ok(result)
    }

    /// `revokeInvitation`: the PENDING member's link stops working (the membership stays; remove
    /// the member to take it away). True when a live invitation was revoked.
    pub async fn revoke_invitation(
        &self,
        actor: Uuid,
        workspace: Uuid,
        target: Uuid,
    ) -> AppResult<bool> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (_, Target { member, account }) =
            pending_target(&mut tx, workspace, actor, target, |target| {
                Action::RevokeInvitation { target }
            })
            .await?;
        let revoked = tx.revoke_invitation(workspace, target, now).await?;
        if revoked {
            self.audit_on(
                &mut tx,
                workspace,
                actor,
                AuditAction::InvitationRevoked,
                &member,
                Some(&account.email),
                now,
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(revoked)
    }

    /// `invitation(token)`: what the link is for, or `None` when it cannot be used.
    pub async fn invitation_preview(&self, token: &str) -> AppResult<Option<InvitationPreview>> {
        let row = self.db.invitation_by_hash(&tokens::hash(token)).await?;
        Ok(row
            .filter(|inv| usable(inv, self.now()).is_ok())
            .map(|inv| InvitationPreview {
                workspace_name: inv.workspace_name,
                inviter_name: inv.inviter_name,
                email: inv.email,
                expires_at: inv.expires_at,
            }))
    }

    /// `activateAccount`: sets name and password on the invited PENDING account, makes it
    /// ACTIVE and signs it in. Every open invitation of the account is used up.
    pub async fn activate_account(
        &self,
        token: &str,
        name: &str,
        password: &str,
    ) -> AppResult<Session> {
        let name = valid_name("name", name)?;
        check_password(password)
            .map_err(|m| AppError::bad_input("password", format!("password {m}")))?;
        let hash = password::hash(password.to_owned())
            .await
            .map_err(AppError::Internal)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let invitation = tx
            .invitation_by_hash(&tokens::hash(token))
            .await?
            .ok_or_else(|| AppError::bad_input("token", "this invitation link is not valid"))?;
        usable(&invitation, now).map_err(|m| AppError::bad_input("token", m))?;
        let account = tx
            .activate_account(invitation.account_id, &name, &hash)
            .await?
            .ok_or_else(|| {
                AppError::bad_input("token", "this invitation link has already been used")
            })?;
        tx.use_invitations_of(account.id, now).await?;
        tx.audit(
            NewAuditEvent {
                workspace: invitation.workspace_id,
                actor: Some(account.id),
                action: AuditAction::AccountActivated,
                target: Some(account.id),
                target_email: Some(&account.email),
                old_role: None,
                new_role: None,
            },
            now,
        )
        .await?;
        self.commit(tx).await?;
        self.start_session(account).await
    }
}

/// Locks, authorizes `action` on `target`, and insists the target has not activated yet.
async fn pending_target(
    tx: &mut Tx,
    workspace: Uuid,
    actor: Uuid,
    target: Uuid,
    action: impl FnOnce(crate::domain::Subject) -> Action,
) -> AppResult<(Locked, Target)> {
    let (locked, target) = lock_and_authorize_on(tx, workspace, actor, target, action).await?;
    if target.account.status != AccountStatus::Pending {
        return Err(AppError::Conflict(
            "this member has already activated their account".into(),
        ));
    }
    Ok((locked, target))
}

/// Why an invitation cannot be used now, if it cannot.
fn usable(inv: &InvitationRow, now: DateTime<Utc>) -> Result<(), &'static str> {
    if inv.revoked_at.is_some() {
        Err("this invitation link has been replaced or revoked; ask for a new one")
    } else if inv.used_at.is_some() || inv.account_status != AccountStatus::Pending {
        Err("this invitation link has already been used; log in instead")
    } else if inv.expires_at <= now {
        Err("this invitation link has expired; ask for a new one")
    } else {
        Ok(())
    }
}

/// Decides what inviting `email` into `workspace` means, reading current state.
async fn plan(tx: &mut Tx, workspace: Uuid, email: &Email) -> AppResult<Plan> {
    let Some(account) = tx.account_by_email(email.as_str()).await? else {
        return Ok(Plan::Create(email.clone()));
    };
    let member = tx.member(workspace, account.id).await?;
    Ok(match (account.status, member) {
        (AccountStatus::Banned, _) => Plan::Banned(email.clone()),
        (AccountStatus::Pending, None) => Plan::InvitePending(account),
        (AccountStatus::Active, None) => Plan::Add(account),
        (AccountStatus::Pending, Some(m)) => Plan::Resend(m, account),
        (AccountStatus::Active, Some(m)) => Plan::AlreadyMember(m, account),
    })
}
