//! Inviting members, re-sending and revoking invitations, previewing and accepting them.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::HashMap;
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
    /// The role new members get.
    role: Role,
    /// The language of accounts created by the call.
    language: Language,
    now: DateTime<Utc>,
}

/// What one address comes to, once its account exists. What happens to it (joining, a new
/// link, the audit entry) follows from its status.
struct Step {
    email: String,
    status: InviteStatus,
    message: Option<&'static str>,
    /// `None` for a banned address: nothing happens.
    account: Option<AccountRow>,
    /// The existing membership (resend, already a member).
    member: Option<MemberRow>,
    /// The account was created by this call (so it holds no invitation link yet).
    created: bool,
}

impl Step {
    fn from_plan(plan: Plan, created: &HashMap<String, AccountRow>) -> AppResult<Step> {
        let step = |status, account: AccountRow, member, is_new| Step {
            email: account.email.clone(),
            status,
            message: None,
            account: Some(account),
            member,
            created: is_new,
        };
        Ok(match plan {
            Plan::Create(email) => {
                let account = created.get(email.as_str()).cloned().ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("account for {email} was not created"))
                })?;
                step(InviteStatus::Invited, account, None, true)
            }
            Plan::InvitePending(account) => step(InviteStatus::Invited, account, None, false),
            Plan::Add(account) => step(InviteStatus::Added, account, None, false),
            Plan::Resend(member, account) => {
                step(InviteStatus::Resent, account, Some(member), false)
            }
            Plan::AlreadyMember(member, account) => {
                step(InviteStatus::AlreadyMember, account, Some(member), false)
            }
            Plan::Banned(email) => Step {
                email: email.to_string(),
                status: InviteStatus::Failed,
                message: Some("this account is banned and cannot be invited"),
                account: None,
                member: None,
                created: false,
            },
        })
    }

    /// Becomes a member now.
    fn joins(&self) -> bool {
        matches!(self.status, InviteStatus::Invited | InviteStatus::Added)
    }

    /// Gets a fresh invitation link.
    fn invited(&self) -> bool {
        matches!(self.status, InviteStatus::Invited | InviteStatus::Resent)
    }

    /// Gets a fresh link and may hold an older one in this workspace to revoke.
    fn replaces_link(&self) -> bool {
        self.invited() && !self.created
    }

    fn audit(&self) -> Option<AuditAction> {
        match self.status {
            InviteStatus::Invited => Some(AuditAction::MemberInvited),
            InviteStatus::Added => Some(AuditAction::MemberAdded),
            InviteStatus::Resent => Some(AuditAction::InvitationResent),
            _ => None,
        }
    }

    fn account_id(&self) -> Uuid {
        self.account.as_ref().map_or(Uuid::nil(), |a| a.id)
    }
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

        // Decide everything first (two statements), so the limits see the whole call before
        // anything is written; then write it all in a handful of multi-row statements.
        let valid: Vec<Email> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Valid(email) => Some(email.clone()),
                Entry::Invalid(_) => None,
            })
            .collect();
        let plans = plan(&mut tx, workspace, &valid).await?;
        let new_members = plans.iter().filter(|p| p.adds_member()).count();
        let emails_out = plans.iter().filter(|p| p.sends_email()).count();
        self.check_member_limit(&mut tx, workspace, new_members)
            .await?;
        self.check_invite_rate(&mut tx, workspace, emails_out, now)
            .await?;

        let ctx = InviteContext {
            workspace: &locked.workspace,
            inviter: &inviter,
            role,
            language,
            now,
        };
        let mut done = self.carry_out(&mut tx, &ctx, plans).await?.into_iter();
        let mut results = Vec::with_capacity(entries.len());
        for entry in entries {
            results.push(match entry {
                Entry::Invalid(raw) => InviteResult::bare(
                    raw,
                    InviteStatus::InvalidEmail,
                    Some("not a valid email address"),
                ),
                Entry::Valid(email) => done.next().ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("no invitation result for {email}"))
                })?,
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
        let (sent, oldest) = tx.emails_since(workspace, now - hour, per_hour + 1).await?;
        if sent.saturating_add(i64::try_from(emails).unwrap_or(i64::MAX)) > per_hour {
            let retry_after = oldest.map_or(3600, |t| (t + hour - now).num_seconds().max(1));
            return Err(AppError::RateLimited {
                retry_after: retry_after.unsigned_abs(),
            });
        }
        Ok(())
    }

    /// Carries out `plans` in input order: creates the new accounts, adds the members, issues
    /// the invitations, records the audit events and queues the emails, each kind of row in one
    /// statement whatever the number of addresses.
    async fn carry_out(
        &self,
        tx: &mut Tx,
        ctx: &InviteContext<'_>,
        plans: Vec<Plan>,
    ) -> AppResult<Vec<InviteResult>> {
        let ws = ctx.workspace.id;
        let accounts = self.create_accounts(tx, ctx, &plans).await?;
        let steps: Vec<Step> = plans
            .into_iter()
            .map(|plan| Step::from_plan(plan, &accounts))
            .collect::<AppResult<_>>()?;

        // Memberships for everyone who joins.
        let joiners: Vec<Uuid> = steps
            .iter()
            .filter(|s| s.joins())
            .map(|s| s.account_id())
            .collect();
        let mut added: HashMap<Uuid, MemberRow> = tx
            .add_members(ws, &joiners, ctx.role, Some(ctx.inviter.id), ctx.now)
            .await?
            .into_iter()
            .map(|m| (m.account_id, m))
            .collect();
        let raced: Vec<Uuid> = joiners
            .iter()
            .filter(|id| !added.contains_key(id))
            .copied()
            .collect();
        added.extend(
            tx.members_of(ws, &raced)
                .await?
                .into_iter()
                .map(|m| (m.account_id, m)),
        );

        // Fresh invitation links; previous open ones are revoked.
        let invitees: Vec<Uuid> = steps
            .iter()
            .filter(|s| s.invited())
            .map(|s| s.account_id())
            .collect();
        let mut links: HashMap<Uuid, String> = HashMap::new();
        let mut hashes = Vec::with_capacity(invitees.len());
        for id in &invitees {
            let token = tokens::new_token().map_err(AppError::Internal)?;
            hashes.push((*id, tokens::hash(&token)));
            links.insert(
                *id,
                format!("{}/activate?token={token}", self.config.public_url()),
            );
        }
        let expires_at = ctx.now + Duration::hours(i64::from(self.config.invite_ttl_hours));
        // Accounts created by this call have no link yet: only older PENDING ones need revoking
        // (a concurrent call on this workspace waits for its lock, so it cannot have made one).
        let stale: Vec<Uuid> = steps
            .iter()
            .filter(|s| s.replaces_link())
            .map(Step::account_id)
            .collect();
        tx.revoke_invitations(ws, &stale, ctx.now).await?;
        tx.insert_invitations(ws, ctx.inviter.id, &hashes, ctx.now, expires_at)
            .await?;

        let mut results = Vec::with_capacity(steps.len());
        let mut events = Vec::new();
        let mut emails = Vec::new();
        for step in &steps {
            let Some(account) = &step.account else {
                results.push(InviteResult::bare(
                    step.email.clone(),
                    step.status,
                    step.message,
                ));
                continue;
            };
            let member = match (&step.member, added.get(&account.id)) {
                (Some(m), _) | (None, Some(m)) => m.clone(),
                (None, None) => {
                    return Err(AppError::Internal(anyhow::anyhow!(
                        "membership of {} vanished",
                        account.email
                    )));
                }
            };
            if let Some(action) = step.audit() {
                events.push(
                    NewAuditEvent::new(ws, ctx.inviter.id, action)
                        .about(account)
                        .roles(None, Some(member.role)),
                );
            }
            let url = links.get(&account.id).cloned();
            let mut values = json!({
                "workspace_name": ctx.workspace.name,
                "inviter_name": ctx.inviter.name,
                "inviter_email": ctx.inviter.email,
                "account_name": account.name,
            });
            match (&url, step.status) {
                (Some(url), _) => {
                    values["activation_url"] = json!(url);
                    values["expires_at"] = json!(expires_at);
                    emails.push(self.email(EmailKind::Invitation, ws, account, values));
                }
                (None, InviteStatus::Added) => {
                    values["role"] = json!(member.role.as_str());
                    values["login_url"] = json!(format!("{}/", self.config.public_url()));
                    emails.push(self.email(EmailKind::AddedToWorkspace, ws, account, values));
                }
                (None, _) => {}
            }
            results.push(InviteResult {
                email: account.email.clone(),
                status: step.status,
                member: Some((member, account.clone())),
                activation_url: url,
                message: None,
            });
        }
        tx.audit_many(events, ctx.now).await?;
        tx.enqueue_emails(emails, ctx.now).await?;
        Ok(results)
    }

    /// Creates PENDING accounts for the new addresses; returns every account the plans need, by
    /// email (an address registered meanwhile by another request is read back).
    async fn create_accounts(
        &self,
        tx: &mut Tx,
        ctx: &InviteContext<'_>,
        plans: &[Plan],
    ) -> AppResult<HashMap<String, AccountRow>> {
        let new: Vec<(&str, &str)> = plans
            .iter()
            .filter_map(|p| match p {
                Plan::Create(email) => Some((email.as_str(), email.local_part())),
                _ => None,
            })
            .collect();
        let mut accounts: HashMap<String, AccountRow> = tx
            .insert_pending_accounts(&new, ctx.language, ctx.now)
            .await?
            .into_iter()
            .map(|a| (a.email.clone(), a))
            .collect();
        let raced: Vec<&str> = new
            .iter()
            .map(|(e, _)| *e)
            .filter(|e| !accounts.contains_key(*e))
            .collect();
        accounts.extend(
            tx.accounts_by_emails(&raced)
                .await?
                .into_iter()
                .map(|a| (a.email.clone(), a)),
        );
        Ok(accounts)
    }

    fn email<'a>(
        &self,
        kind: EmailKind,
        workspace: Uuid,
        to: &'a AccountRow,
        payload: serde_json::Value,
    ) -> NewEmail<'a> {
        NewEmail {
            kind,
            workspace: Some(workspace),
            recipient: &to.email,
            language: to.language,
            payload,
        }
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
            role: member.role,
            language: account.language,
            now,
        };
        let result = self
            .carry_out(&mut tx, &ctx, vec![Plan::Resend(member, account)])
            .await?
            .pop()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no resend result")))?;
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
            let event = NewAuditEvent::new(workspace, actor, AuditAction::InvitationRevoked)
                .about(&account)
                .roles(None, Some(member.role));
            tx.audit(event, now).await?;
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
        let event = NewAuditEvent::new(
            invitation.workspace_id,
            account.id,
            AuditAction::AccountActivated,
        )
        .about(&account);
        tx.audit(event, now).await?;
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

/// Decides what inviting each of `emails` into `workspace` means, reading the current state in
/// two statements.
async fn plan(tx: &mut Tx, workspace: Uuid, emails: &[Email]) -> AppResult<Vec<Plan>> {
    let addresses: Vec<&str> = emails.iter().map(Email::as_str).collect();
    let accounts: HashMap<String, AccountRow> = tx
        .accounts_by_emails(&addresses)
        .await?
        .into_iter()
        .map(|a| (a.email.clone(), a))
        .collect();
    let ids: Vec<Uuid> = accounts.values().map(|a| a.id).collect();
    let mut members: HashMap<Uuid, MemberRow> = tx
        .members_of(workspace, &ids)
        .await?
        .into_iter()
        .map(|m| (m.account_id, m))
        .collect();
    Ok(emails
        .iter()
        .map(|email| match accounts.get(email.as_str()) {
            None => Plan::Create(email.clone()),
            Some(account) => match (account.status, members.remove(&account.id)) {
                (AccountStatus::Banned, _) => Plan::Banned(email.clone()),
                (AccountStatus::Pending, None) => Plan::InvitePending(account.clone()),
                (AccountStatus::Active, None) => Plan::Add(account.clone()),
                (AccountStatus::Pending, Some(m)) => Plan::Resend(m, account.clone()),
                (AccountStatus::Active, Some(m)) => Plan::AlreadyMember(m, account.clone()),
            },
        })
        .collect())
}
