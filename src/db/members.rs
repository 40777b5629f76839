//! Memberships.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::{Db, with_pool};
use crate::domain::Role;

#[derive(Clone, Debug, FromRow)]
pub struct MemberRow {
    pub workspace_id: Uuid,
    pub account_id: Uuid,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Inserts a membership (inside a caller's transaction).
macro_rules! insert_member {
    ($executor:expr, $workspace:expr, $account:expr, $role:expr, $invited_by:expr, $now:expr) => {{
        let role: $crate::domain::Role = $role;
        sqlx::query(
            "INSERT INTO members (workspace_id, account_id, role, role_rank, invited_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($workspace)
        .bind($account)
        .bind(role.as_str())
        .bind(role.sort_rank())
        .bind($invited_by)
        .bind($now)
        .execute($executor)
        .await
    }};
}
pub(crate) use insert_member;

impl Db {
    /// `account`'s memberships among `workspaces`, in one statement (the viewer-role loader).
    pub async fn memberships_of(
        &self,
        account: Uuid,
        workspaces: &[Uuid],
    ) -> sqlx::Result<Vec<MemberRow>> {
        if workspaces.is_empty() {
            return Ok(Vec::new());
        }
        with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT workspace_id, account_id, role, invited_by, created_at FROM members WHERE account_id = ");
            qb.push_bind(account);
            qb.push(" AND workspace_id IN (");
            let mut list = qb.separated(", ");
            for id in workspaces {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(pool).await
        })
    }
}
