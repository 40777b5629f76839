//! Carrying out a call's plans: accounts, memberships, links, role changes, audit entries and
//! emails, each kind of row in one statement whatever the number of addresses.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use uuid::Uuid;

use super::InviteResult;
use super::plan::Plan;
use crate::auth::tokens;
use crate::db::{AccountRow, MemberRow, Tx, WorkspaceRow};
use crate::domain::audit::{AuditAction, NewAuditEvent};
use crate::domain::{Actor, InviteStatus, Language, Role};
use crate::error::{AppError, AppResult};
use crate::mail::message::EmailMessage;
use crate::service::Roster;

/// Who invites: a person, or an API key. A key is no account: the membership's `invitedBy`
/// stays null (the audit events name the key) and the email names no person.
pub(super) struct Inviter {
    pub actor: Actor,
    pub name: String,
    pub email: String,
}

/// The inviter, the workspace and the invitation settings shared by one call.
pub(super) struct InviteContext<'a> {
    pub workspace: &'a WorkspaceRow,
    pub inviter: &'a Inviter,
    /// The role new members get (and pending members re-invited by the call).
    pub role: Role,
    /// The language of accounts created by the call.
    pub language: Language,
    pub now: DateTime<Utc>,
}

/// What one address comes to, once its account exists. What happens to it (joining, a new
/// link, a role change, the audit entry) follows from its status.
struct Step {
    email: String,
    status: InviteStatus,
    message: Option<String>,
    /// `None` when nothing happens to the address (banned, out of the inviter's rank).
    account: Option<AccountRow>,
    /// The existing membership (resend, already a member).
    member: Option<MemberRow>,
    /// The account was created by this call (so it holds no invitation link yet, and only its
    /// link may be shown to the inviter).
    created: bool,
    /// A pending member re-invited with another role.
    role_change: Option<Role>,
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
            role_change: None,
        };
        let nothing = |email: String, message: String| Step {
            email,
            status: InviteStatus::Failed,
            message: Some(message),
            account: None,
            member: None,
            created: false,
            role_change: None,
        };
        Ok(match plan {
            Plan::Create(email) => {
                let account = created.get(email.as_str()).cloned().ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("account for {email} was not created"))
                })?;
                step(InviteStatus::Invited, account, None, true)
            }
            Plan::InviteUnproven(account) => step(InviteStatus::Invited, account, None, false),
            Plan::Add(account) => step(InviteStatus::Added, account, None, false),
            Plan::Resend {
                member,
                account,
                role_change,
            } => Step {
                role_change,
                ..step(InviteStatus::Resent, account, Some(member), false)
            },
            Plan::AlreadyMember(member, account) => Step {
                message: Some(format!(
                    "already a member, as {}",
                    member.role.display_name()
                )),
                ..step(InviteStatus::AlreadyMember, account, Some(member), false)
            },
            Plan::OutOfRank(member, account) => nothing(
                account.email,
                format!(
                    "this pending member is {} {}: you can only manage members ranked below you",
                    article(member.role),
                    member.role.display_name()
                ),
            ),
            Plan::Banned(email) => nothing(
                email.to_string(),
                "this account is banned and cannot be invited".into(),
            ),
        })
    }

    /// Becomes a member now.
    fn joins(&self) -> bool {
        matches!(self.status, InviteStatus::Invited | InviteStatus::Added)
    }

    /// Gets a fresh invitation link (by email).
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

fn article(role: Role) -> &'static str {
    if role == Role::Admin || role == Role::Owner {
        "an"
    } else {
        "a"
    }
}

impl Roster {
    /// Carries out `plans` in input order.
    pub(super) async fn carry_out(
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

        let mut members = join(tx, ctx, &steps).await?;
        let role_changes = change_roles(tx, ctx, &steps, &mut members).await?;
        let (links, expires_at) = self.issue_links(tx, ctx, &steps).await?;

        let mut results = Vec::with_capacity(steps.len());
        let mut events = Vec::new();
        let mut emails = Vec::new();
        for step in &steps {
            let Some(account) = &step.account else {
                results.push(InviteResult::bare(
                    step.email.clone(),
                    step.status,
                    step.message.clone(),
                ));
                continue;
            };
            let member = members.get(&account.id).cloned().ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("membership of {} vanished", account.email))
            })?;
            if let Some(action) = step.audit() {
                events.push(
                    NewAuditEvent::new(ws, ctx.inviter.actor, action)
                        .about(account.id, &account.email)
                        .roles(None, Some(member.role)),
                );
            }
            let mut message = step.message.clone();
            if let Some(old) = role_changes.get(&account.id) {
                events.push(
                    NewAuditEvent::new(ws, ctx.inviter.actor, AuditAction::RoleChanged)
                        .about(account.id, &account.email)
                        .roles(Some(*old), Some(member.role)),
                );
                message = Some(format!(
                    "invitation re-sent; role changed from {} to {}",
                    old.display_name(),
                    member.role.display_name()
                ));
            }
            let link = links.get(&account.id);
            let email = if let Some(url) = link {
                Some(EmailMessage::Invitation {
                    workspace_name: ctx.workspace.name.clone(),
                    inviter_name: ctx.inviter.name.clone(),
                    inviter_email: ctx.inviter.email.clone(),
                    account_name: account.name.clone(),
                    role: member.role,
                    activation_url: url.clone(),
                    expires_at,
                })
            } else if step.status == InviteStatus::Added {
                Some(EmailMessage::AddedToWorkspace {
                    workspace_name: ctx.workspace.name.clone(),
                    inviter_name: ctx.inviter.name.clone(),
                    inviter_email: ctx.inviter.email.clone(),
                    account_name: account.name.clone(),
                    role: member.role,
                    login_url: format!("{}/", self.config.public_url()),
                })
            } else {
                None
            };
            emails.extend(email.map(|e| e.to(account, Some(ws))));
            // The link is the address owner's proof: the inviter sees it only on a closed
            // deployment that asked for it, and only for an account this call created.
            let shared = self.config.share_invite_links && step.created;
            results.push(InviteResult {
                email: account.email.clone(),
                status: step.status,
                member: Some((member, account.clone())),
                activation_url: link.filter(|_| shared).cloned(),
                message,
            });
        }
        tx.audit_many(events, ctx.now).await?;
        tx.enqueue_emails(emails, ctx.now).await?;
        Ok(results)
    }

    /// Fresh invitation links for the steps that get one; earlier open links of the same
    /// accounts to this workspace stop working. Returns the links and their expiry.
    async fn issue_links(
        &self,
        tx: &mut Tx,
        ctx: &InviteContext<'_>,
        steps: &[Step],
    ) -> AppResult<(HashMap<Uuid, String>, DateTime<Utc>)> {
        let ws = ctx.workspace.id;
        let mut links = HashMap::new();
        let mut hashes = Vec::new();
        for step in steps.iter().filter(|s| s.invited()) {
            let token = tokens::new_token().map_err(AppError::Internal)?;
            hashes.push((step.account_id(), tokens::hash(&token)));
            links.insert(
                step.account_id(),
                format!("{}/activate?token={token}", self.config.public_url()),
            );
        }
        let expires_at = ctx.now + Duration::hours(i64::from(self.config.invite_ttl_hours));
        // Accounts created by this call have no link yet: only older ones need revoking (a
        // concurrent call on this workspace waits for its lock, so it cannot have made one).
        let stale: Vec<Uuid> = steps
            .iter()
            .filter(|s| s.replaces_link())
            .map(Step::account_id)
            .collect();
        tx.revoke_invitations(ws, &stale, ctx.now).await?;
        tx.insert_invitations(
            ws,
            ctx.inviter.actor.account(),
            &hashes,
            ctx.now,
            expires_at,
        )
        .await?;
        Ok((links, expires_at))
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
}

/// Memberships for everyone who joins (one statement; a membership another request made a
/// moment ago is read back), plus the existing ones of the other steps, by account.
async fn join(
    tx: &mut Tx,
    ctx: &InviteContext<'_>,
    steps: &[Step],
) -> AppResult<HashMap<Uuid, MemberRow>> {
    let ws = ctx.workspace.id;
    let joiners: Vec<Uuid> = steps
        .iter()
        .filter(|s| s.joins())
        .map(Step::account_id)
        .collect();
    let mut members: HashMap<Uuid, MemberRow> = tx
        .add_members(ws, &joiners, ctx.role, ctx.inviter.actor.account(), ctx.now)
        .await?
        .into_iter()
        .map(|m| (m.account_id, m))
        .collect();
    let raced: Vec<Uuid> = joiners
        .iter()
        .filter(|id| !members.contains_key(id))
        .copied()
        .collect();
    members.extend(
        tx.members_of(ws, &raced)
            .await?
            .into_iter()
            .map(|m| (m.account_id, m)),
    );
    for step in steps {
        if let Some(m) = &step.member {
            members.insert(m.account_id, m.clone());
        }
    }
    Ok(members)
}

/// Pending members re-invited with another role take it (one statement); returns their old
/// roles, by account.
async fn change_roles(
    tx: &mut Tx,
    ctx: &InviteContext<'_>,
    steps: &[Step],
    members: &mut HashMap<Uuid, MemberRow>,
) -> AppResult<HashMap<Uuid, Role>> {
    let old: HashMap<Uuid, Role> = steps
        .iter()
        .filter(|s| s.role_change.is_some())
        .filter_map(|s| s.member.as_ref().map(|m| (m.account_id, m.role)))
        .collect();
    let ids: Vec<Uuid> = old.keys().copied().collect();
    for changed in tx.set_roles(ctx.workspace.id, &ids, ctx.role).await? {
        members.insert(changed.account_id, changed);
    }
    Ok(old)
}
