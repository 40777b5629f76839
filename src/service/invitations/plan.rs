//! What inviting each address means, decided from the current state before anything is
//! written.

use std::collections::HashMap;
use uuid::Uuid;

use crate::db::{AccountRow, MemberRow, Tx};
use crate::domain::{AccountStatus, Email, Role};
use crate::error::AppResult;

/// What inviting one valid address will do.
pub(super) enum Plan {
    /// No account yet: create a PENDING one, add it, email it a link.
    Create(Email),
    /// An account nobody has proved the address of (PENDING, or signed up and not verified),
    /// not a member yet: add it and email the address a link. Whoever holds the account gets
    /// nothing from it until the address owner activates.
    InviteUnproven(AccountRow),
    /// A verified ACTIVE account that is not a member yet: it joins at once.
    Add(AccountRow),
    /// A member that has not accepted yet: a fresh link replaces the old one, and the call's
    /// role is applied when it differs (`role_change`).
    Resend {
        member: MemberRow,
        account: AccountRow,
        role_change: Option<Role>,
    },
    AlreadyMember(MemberRow, AccountRow),
    /// The inviter may not manage this pending member (it ranks as high as the inviter).
    OutOfRank(MemberRow, AccountRow),
    Banned(Email),
}

impl Plan {
    /// Becomes a new member of the workspace.
    pub(super) fn adds_member(&self) -> bool {
        matches!(
            self,
            Plan::Create(_) | Plan::InviteUnproven(_) | Plan::Add(_)
        )
    }

    pub(super) fn sends_email(&self) -> bool {
        self.adds_member() || matches!(self, Plan::Resend { .. })
    }
}

/// Decides what inviting each of `emails` into `workspace` with `role`, by an inviter with
/// `inviter_role`, means, reading the current state in two statements.
pub(super) async fn plan(
    tx: &mut Tx,
    workspace: Uuid,
    inviter_role: Role,
    role: Role,
    emails: &[Email],
) -> AppResult<Vec<Plan>> {
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
        .map(|email| {
            let Some(account) = accounts.get(email.as_str()) else {
                return Plan::Create(email.clone());
            };
            let account = account.clone();
            let standing = account.standing();
            match members.remove(&account.id) {
                _ if account.status == AccountStatus::Banned => Plan::Banned(email.clone()),
                None if standing.needs_link() => Plan::InviteUnproven(account),
                None => Plan::Add(account),
                Some(member) if standing.member_status(member.role) == AccountStatus::Active => {
                    Plan::AlreadyMember(member, account)
                }
                Some(member) if !inviter_role.outranks(member.role) => {
                    Plan::OutOfRank(member, account)
                }
                Some(member) => Plan::Resend {
                    role_change: (member.role != role).then_some(role),
                    member,
                    account,
                },
            }
        })
        .collect())
}
