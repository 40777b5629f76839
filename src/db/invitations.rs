//! Invitation tokens (only their SHA-256 is stored).

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::{Db, new_id, with_pool};
use crate::domain::{AccountStatus, Language};

/// An invitation with what a greeting page shows.
#[derive(Clone, Debug, FromRow)]
pub struct InvitationRow {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub account_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub workspace_name: String,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub account_status: AccountStatus,
    #[sqlx(try_from = "String")]
    pub account_language: Language,
    pub account_verified_at: Option<DateTime<Utc>>,
    pub inviter_name: Option<String>,
}

macro_rules! select_invitation {
    () => {
        "SELECT i.id, i.workspace_id, i.account_id, i.expires_at, i.used_at, i.revoked_at,
                w.name AS workspace_name, a.email, a.status AS account_status,
                a.language AS account_language, a.email_verified_at AS account_verified_at,
                inv.name AS inviter_name
         FROM invitations i
         JOIN workspaces w ON w.id = i.workspace_id
         JOIN accounts a ON a.id = i.account_id
         LEFT JOIN accounts inv ON inv.id = i.invited_by
         WHERE i.token_hash = $1"
    };
}

impl Db {
    pub async fn invitation_by_hash(&self, hash: &[u8]) -> sqlx::Result<Option<InvitationRow>> {
        with_pool!(self, pool => sqlx::query_as(select_invitation!())
            .bind(hash)
            .fetch_optional(pool)
            .await)
    }
}

impl Tx {
    pub async fn invitation_by_hash(&mut self, hash: &[u8]) -> sqlx::Result<Option<InvitationRow>> {
        with_tx!(self, c => sqlx::query_as(select_invitation!())
            .bind(hash)
            .fetch_optional(&mut *c)
            .await)
    }

    /// Revokes the open invitation of `account` to `workspace`, if any; true when one was open.
    pub async fn revoke_invitation(
        &mut self,
        workspace: Uuid,
        account: Uuid,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        Ok(self.revoke_invitations(workspace, &[account], now).await? > 0)
    }

    /// Revokes the open invitations of `accounts` to `workspace`; returns how many were open.
    pub async fn revoke_invitations(
        &mut self,
        workspace: Uuid,
        accounts: &[Uuid],
        now: DateTime<Utc>,
    ) -> sqlx::Result<usize> {
        if accounts.is_empty() {
            return Ok(0);
        }
        with_tx!(self, c => {
            let mut qb = sqlx::QueryBuilder::new("UPDATE invitations SET revoked_at = ");
            qb.push_bind(now);
            qb.push(" WHERE workspace_id = ");
            qb.push_bind(workspace);
            qb.push(" AND used_at IS NULL AND revoked_at IS NULL AND account_id IN (");
            let mut list = qb.separated(", ");
            for id in accounts {
                list.push_bind(*id);
            }
            qb.push(") RETURNING id");
            qb.build_query_scalar::<Uuid>().fetch_all(&mut *c).await.map(|r| r.len())
        })
    }

    /// Issues invitations (`(account, token hash)` pairs) to `workspace`, in one statement. Open
    /// invitations of the same accounts must be revoked first (one open invitation each).
    pub async fn insert_invitations(
        &mut self,
        workspace: Uuid,
        invited_by: Option<Uuid>,
        invitations: &[(Uuid, Vec<u8>)],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        if invitations.is_empty() {
            return Ok(());
        }
        with_tx!(self, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO invitations (id, token_hash, workspace_id, account_id, invited_by, created_at, expires_at) ");
            qb.push_values(invitations, |mut row, (account, hash)| {
                row.push_bind(new_id())
                    .push_bind(hash.clone())
                    .push_bind(workspace)
                    .push_bind(*account)
                    .push_bind(invited_by)
                    .push_bind(now)
                    .push_bind(expires_at);
            });
            qb.build().execute(&mut *c).await.map(|_| ())
        })
    }

    /// Marks every open invitation of `account` used (activation consumes them all); returns
    /// how many were open.
    pub async fn use_invitations_of(
        &mut self,
        account: Uuid,
        now: DateTime<Utc>,
    ) -> sqlx::Result<usize> {
        with_tx!(self, c => sqlx::query_scalar::<_, Uuid>(
            "UPDATE invitations SET used_at = $2
             WHERE account_id = $1 AND used_at IS NULL AND revoked_at IS NULL
             RETURNING id")
            .bind(account)
            .bind(now)
            .fetch_all(&mut *c)
            .await
            .map(|r| r.len()))
    }
}
