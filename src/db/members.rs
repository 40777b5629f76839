//! Memberships.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use std::collections::HashMap;
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::workspaces::AccountWorkspaceRow;
use super::{AccountRow, Db, Pool, WorkspaceRow, push_ids, push_page_branches, with_pool};
use crate::domain::{AccountStatus, Language, Role};

/// The columns of a [`MemberRow`].
macro_rules! member_columns {
    () => {
        "id, workspace_id, account_id, role, invited_by, created_at"
    };
}

#[derive(Clone, Debug, FromRow)]
pub struct MemberRow {
    /// The membership's own id (`Member.id`).
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub account_id: Uuid,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl Db {
    /// `account`'s memberships among `workspaces`, with the workspaces, in one statement (the
    /// role loader that guards use: what it reads also answers `workspace(id)`).
    pub async fn memberships_of(
        &self,
        account: Uuid,
        workspaces: &[Uuid],
    ) -> sqlx::Result<Vec<AccountWorkspaceRow>> {
        if workspaces.is_empty() {
            return Ok(Vec::new());
        }
        with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT m.account_id, w.id, w.name, w.created_at, m.role
                 FROM members m JOIN workspaces w ON w.id = m.workspace_id
                 WHERE m.account_id = ");
            qb.push_bind(account);
            qb.push(" AND m.workspace_id");
            push_ids(&mut qb, workspaces);
            qb.build_query_as().fetch_all(pool).await
        })
    }
}

impl Db {
    /// Memberships by their own ids, in one statement (`node(id:)`).
    pub async fn members_by_id(&self, ids: &[Uuid]) -> sqlx::Result<Vec<MemberRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(concat!("SELECT ", member_columns!(), " FROM members WHERE id"));
            push_ids(&mut qb, ids);
            qb.build_query_as().fetch_all(pool).await
        })
    }

    /// The memberships of `accounts` in `workspace`, in one statement (the member of an event).
    pub async fn members_in(
        &self,
        workspace: Uuid,
        accounts: &[Uuid],
    ) -> sqlx::Result<Vec<MemberRow>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(concat!("SELECT ", member_columns!(), " FROM members WHERE workspace_id = "));
            qb.push_bind(workspace);
            qb.push(" AND account_id");
            push_ids(&mut qb, accounts);
            qb.build_query_as().fetch_all(pool).await
        })
    }
}

impl Tx {
    /// Takes the workspace's write lock: membership changes of one workspace run one at a time
    /// (PostgreSQL row lock; SQLite already serializes writers). `None` if it does not exist.
    pub async fn lock_workspace(&mut self, workspace: Uuid) -> sqlx::Result<Option<WorkspaceRow>> {
        with_tx!(self, c => sqlx::query_as(
            "UPDATE workspaces SET name = name WHERE id = $1 RETURNING id, name, created_at")
            .bind(workspace)
            .fetch_optional(&mut *c)
            .await)
    }

    pub async fn member(
        &mut self,
        workspace: Uuid,
        account: Uuid,
    ) -> sqlx::Result<Option<MemberRow>> {
        with_tx!(self, c => sqlx::query_as(
            concat!("SELECT ", member_columns!(), " FROM members
             WHERE workspace_id = $1 AND account_id = $2"))
            .bind(workspace)
            .bind(account)
            .fetch_optional(&mut *c)
            .await)
    }

    pub async fn member_count(&mut self, workspace: Uuid) -> sqlx::Result<i64> {
        with_tx!(self, c => sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE workspace_id = $1")
            .bind(workspace)
            .fetch_one(&mut *c)
            .await)
    }

    /// The memberships of `accounts` in `workspace`, in one statement.
    pub async fn members_of(
        &mut self,
        workspace: Uuid,
        accounts: &[Uuid],
    ) -> sqlx::Result<Vec<MemberRow>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        with_tx!(self, c => {
            let mut qb = sqlx::QueryBuilder::new(
                concat!("SELECT ", member_columns!(), " FROM members WHERE workspace_id = "));
            qb.push_bind(workspace);
            qb.push(" AND account_id IN (");
            let mut list = qb.separated(", ");
            for id in accounts {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(&mut *c).await
        })
    }

    /// Adds `accounts` to `workspace` with `role`, in one statement; returns the memberships it
    /// created (an account that is already a member is left as it is and not returned).
    pub async fn add_members(
        &mut self,
        workspace: Uuid,
        accounts: &[Uuid],
        role: Role,
        invited_by: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Vec<MemberRow>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        with_tx!(self, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO members (id, workspace_id, account_id, role, role_rank, invited_by, created_at) ");
            qb.push_values(accounts, |mut row, account| {
                row.push_bind(Uuid::now_v7())
                    .push_bind(workspace)
                    .push_bind(*account)
                    .push_bind(role.as_str())
                    .push_bind(role.sort_rank())
                    .push_bind(invited_by)
                    .push_bind(now);
            });
            qb.push(concat!(" ON CONFLICT (workspace_id, account_id) DO NOTHING RETURNING ", member_columns!()));
            qb.build_query_as().fetch_all(&mut *c).await
        })
    }

    /// Deletes the membership if its role is still `expected`; returns whether it did.
    pub async fn delete_member(
        &mut self,
        workspace: Uuid,
        account: Uuid,
        expected: Role,
    ) -> sqlx::Result<bool> {
        with_tx!(self, c => sqlx::query_scalar::<_, Uuid>(
            "DELETE FROM members WHERE workspace_id = $1 AND account_id = $2 AND role = $3
             RETURNING account_id")
            .bind(workspace)
            .bind(account)
            .bind(expected.as_str())
            .fetch_optional(&mut *c)
            .await
            .map(|r| r.is_some()))
    }

    /// Gives `accounts` (members of `workspace`) the role `role`, in one statement; returns the
    /// memberships as they are now.
    pub async fn set_roles(
        &mut self,
        workspace: Uuid,
        accounts: &[Uuid],
        role: Role,
    ) -> sqlx::Result<Vec<MemberRow>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        with_tx!(self, c => {
            let mut qb = sqlx::QueryBuilder::new("UPDATE members SET role = ");
            qb.push_bind(role.as_str());
            qb.push(", role_rank = ");
            qb.push_bind(role.sort_rank());
            qb.push(" WHERE workspace_id = ");
            qb.push_bind(workspace);
            qb.push(" AND role <> 'OWNER' AND account_id IN (");
            let mut list = qb.separated(", ");
            for id in accounts {
                list.push_bind(*id);
            }
            qb.push(concat!(") RETURNING ", member_columns!()));
            qb.build_query_as().fetch_all(&mut *c).await
        })
    }

    /// Changes a member's role if it is still `expected`; returns the updated row.
    pub async fn set_role(
        &mut self,
        workspace: Uuid,
        account: Uuid,
        expected: Role,
        role: Role,
    ) -> sqlx::Result<Option<MemberRow>> {
        with_tx!(self, c => sqlx::query_as(
            concat!("UPDATE members SET role = $4, role_rank = $5
             WHERE workspace_id = $1 AND account_id = $2 AND role = $3
             RETURNING ", member_columns!()))
            .bind(workspace)
            .bind(account)
            .bind(expected.as_str())
            .bind(role.as_str())
            .bind(role.sort_rank())
            .fetch_optional(&mut *c)
            .await)
    }
}

/// Filters of the members connection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MemberFilter {
    pub roles: Option<Vec<Role>>,
    pub status: Option<AccountStatus>,
    /// Lower-cased text matched against email and name.
    pub search: Option<String>,
}

/// Position in the members order (role rank, joined at, account id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemberCursor {
    pub rank: i32,
    pub created_at: DateTime<Utc>,
    pub account: Uuid,
}

/// One workspace's page in a batched members query.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub workspace: Uuid,
    pub after: Option<MemberCursor>,
    pub limit: i64,
}

/// What a members page reads of each row: what the query shows, no more (each column costs a
/// copy per row, and SQLite's driver copies every value it returns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageColumns {
    /// The membership (account, role, joined at) and the account's email, name and standing.
    Brief,
    /// Also the inviter, the account's language and its dates ([`MemberDetails`]).
    All,
}

impl PageColumns {
    fn sql(self) -> &'static str {
        macro_rules! brief {
            () => {
                "m.id AS member_id, m.account_id, m.role, m.created_at, a.email, a.name, a.status, a.email_verified_at"
            };
        }
        match self {
            PageColumns::Brief => brief!(),
            PageColumns::All => concat!(
                brief!(),
                ", m.invited_by, a.language, a.created_at AS account_created_at, a.last_active_at"
            ),
        }
    }
}

/// A member joined with its account (no password hash), as a page reads it.
#[derive(Clone, Debug, FromRow)]
pub struct MemberPageRow {
    pub branch: i32,
    pub member_id: Uuid,
    pub account_id: Uuid,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub status: AccountStatus,
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Read with [`PageColumns::All`] only.
    #[sqlx(skip)]
    pub details: Option<MemberDetails>,
}

/// The columns of a members page that only [`PageColumns::All`] reads.
#[derive(Clone, Debug, Default, FromRow)]
pub struct MemberDetails {
    pub invited_by: Option<Uuid>,
    #[sqlx(try_from = "String")]
    pub language: Language,
    pub account_created_at: DateTime<Utc>,
    pub last_active_at: Option<DateTime<Utc>>,
}

impl MemberPageRow {
    pub fn cursor(&self) -> MemberCursor {
        MemberCursor {
            rank: self.role.sort_rank(),
            created_at: self.created_at,
            account: self.account_id,
        }
    }

    /// The membership of `workspace` and the account. A row read with [`PageColumns::Brief`]
    /// has no inviter, and the account's language and dates are defaults: only for selections
    /// that show none of them.
    pub fn to_rows(&self, workspace: Uuid) -> (MemberRow, AccountRow) {
        let details = self.details.clone().unwrap_or_default();
        (
            MemberRow {
                id: self.member_id,
                workspace_id: workspace,
                account_id: self.account_id,
                role: self.role,
                invited_by: details.invited_by,
                created_at: self.created_at,
            },
            AccountRow {
                id: self.account_id,
                email: self.email.clone(),
                name: self.name.clone(),
                status: self.status,
                language: details.language,
                created_at: details.account_created_at,
                last_active_at: details.last_active_at,
                email_verified_at: self.email_verified_at,
            },
        )
    }
}

/// Decodes the rows of a members page statement.
fn page_rows<'r, R: sqlx::Row>(
    rows: &'r [R],
    columns: PageColumns,
) -> sqlx::Result<Vec<MemberPageRow>>
where
    MemberPageRow: FromRow<'r, R>,
    MemberDetails: FromRow<'r, R>,
{
    rows.iter()
        .map(|row| {
            let mut member = MemberPageRow::from_row(row)?;
            if columns == PageColumns::All {
                member.details = Some(MemberDetails::from_row(row)?);
            }
            Ok(member)
        })
        .collect()
}

/// The FROM clause of a members page.
const PAGE_FROM: &str = " FROM members m JOIN accounts a ON a.id = m.account_id";

/// Most pages per statement (SQLite caps a compound SELECT at 500 terms).
const PAGES_PER_STATEMENT: usize = 100;

/// Appends the filter's conditions (each starting with AND) to a query over `members m JOIN
/// accounts a`.
macro_rules! push_filter {
    ($qb:expr, $filter:expr) => {{
        if let Some(roles) = &$filter.roles {
            $qb.push(" AND m.role IN (");
            let mut list = $qb.separated(", ");
            for role in roles {
                list.push_bind(role.as_str());
            }
            // An empty list matches nothing.
            list.push_unseparated(if roles.is_empty() { "NULL)" } else { ")" });
        }
        if let Some(status) = $filter.status {
            // A member's status (`domain::Standing::member_status`): PENDING until the address
            // owner accepted, which an unverified account invited here has not.
            $qb.push(
                " AND (CASE WHEN a.status = 'ACTIVE' AND a.email_verified_at IS NULL
                AND m.role <> 'OWNER' THEN 'PENDING' ELSE a.status END) = ",
            );
            $qb.push_bind(status.as_str());
        }
        if let Some(search) = &$filter.search {
            let pattern = format!("%{}%", escape_like(search));
            $qb.push(" AND (lower(a.email) LIKE ");
            $qb.push_bind(pattern.clone());
            $qb.push(" ESCAPE '\\' OR lower(a.name) LIKE ");
            $qb.push_bind(pattern);
            $qb.push(" ESCAPE '\\')");
        }
    }};
}

/// Escapes LIKE wildcards so a search matches its text literally.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

impl Db {
    /// Pages of members for many workspaces in one statement: a UNION ALL of one keyset range
    /// scan per page (index `members_page`), each `ORDER BY role_rank, created_at, account_id
    /// LIMIT n`. Rows carry the index of the request they answer (`branch`) and come sorted by
    /// it, then in page order.
    pub async fn member_pages(
        &self,
        filter: &MemberFilter,
        columns: PageColumns,
        requests: &[PageRequest],
    ) -> sqlx::Result<Vec<MemberPageRow>> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows = match self.pool() {
            Pool::Postgres(pool) => {
                let pg_rows = self
                    .member_pages_lateral(pool, filter, columns, requests)
                    .await?;
                page_rows(&pg_rows, columns)?
            }
            Pool::Sqlite(_) => {
                let mut rows = Vec::new();
                for (chunk_no, chunk) in requests.chunks(PAGES_PER_STATEMENT).enumerate() {
                    let offset = chunk_no * PAGES_PER_STATEMENT;
                    let mut part = self
                        .member_pages_union(filter, columns, offset, chunk)
                        .await?;
                    rows.append(&mut part);
                }
                rows
            }
        };
        // Neither a UNION ALL nor a LATERAL join promises the order of its parts.
        rows.sort_by_key(|r| (r.branch, r.cursor()));
        Ok(rows)
    }

    /// SQLite: one statement of up to [`PAGES_PER_STATEMENT`] pages, `offset` the branch of the
    /// first.
    async fn member_pages_union(
        &self,
        filter: &MemberFilter,
        columns: PageColumns,
        offset: usize,
        requests: &[PageRequest],
    ) -> sqlx::Result<Vec<MemberPageRow>> {
        with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("");
            push_page_branches(&mut qb, offset, requests, |qb, request| {
                qb.push(columns.sql());
                qb.push(PAGE_FROM);
                qb.push(" WHERE m.workspace_id = ");
                qb.push_bind(request.workspace);
                if let Some(after) = request.after {
                    qb.push(" AND (m.role_rank, m.created_at, m.account_id) > (");
                    qb.push_bind(after.rank);
                    qb.push(", ");
                    qb.push_bind(after.created_at);
                    qb.push(", ");
                    qb.push_bind(after.account);
                    qb.push(")");
                }
                push_filter!(qb, filter);
                qb.push(" ORDER BY m.role_rank, m.created_at, m.account_id LIMIT ");
                qb.push_bind(request.limit);
            });
            let rows = qb.build().fetch_all(pool).await?;
            page_rows(&rows, columns)
        })
    }

    /// PostgreSQL: the pages as one LATERAL join over the requests passed as five arrays, so
    /// the text is the same for any number of pages (one prepared statement, one cached plan).
    /// A first page gets a cursor below every row (rank `i32::MIN`), so each page is one index
    /// range scan of `members_page` from its cursor, as deep as it goes.
    async fn member_pages_lateral(
        &self,
        pool: &sqlx::PgPool,
        filter: &MemberFilter,
        columns: PageColumns,
        requests: &[PageRequest],
    ) -> sqlx::Result<Vec<sqlx::postgres::PgRow>> {
        let start = MemberCursor {
            rank: i32::MIN,
            created_at: DateTime::UNIX_EPOCH,
            account: Uuid::nil(),
        };
        let at = |r: &PageRequest| r.after.unwrap_or(start);
        let workspaces: Vec<Uuid> = requests.iter().map(|r| r.workspace).collect();
        let ranks: Vec<i32> = requests.iter().map(|r| at(r).rank).collect();
        let times: Vec<DateTime<Utc>> = requests.iter().map(|r| at(r).created_at).collect();
        let accounts: Vec<Uuid> = requests.iter().map(|r| at(r).account).collect();
        let limits: Vec<i64> = requests.iter().map(|r| r.limit).collect();
        self.counted_pool();
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "SELECT (r.ord - 1)::int4 AS branch, p.* FROM unnest(",
        );
        qb.push_bind(workspaces);
        qb.push("::uuid[], ");
        qb.push_bind(ranks);
        qb.push("::int4[], ");
        qb.push_bind(times);
        qb.push("::timestamptz[], ");
        qb.push_bind(accounts);
        qb.push("::uuid[], ");
        qb.push_bind(limits);
        qb.push(
            "::int8[]) WITH ORDINALITY AS r(ws, rank, at, acc, lim, ord)
             CROSS JOIN LATERAL (SELECT ",
        );
        qb.push(columns.sql());
        qb.push(PAGE_FROM);
        qb.push(
            " WHERE m.workspace_id = r.ws
               AND (m.role_rank, m.created_at, m.account_id) > (r.rank, r.at, r.acc)",
        );
        push_filter!(qb, filter);
        qb.push(" ORDER BY m.role_rank, m.created_at, m.account_id LIMIT r.lim) p");
        qb.build().fetch_all(pool).await
    }

    /// Members matching `filter` in each of `workspaces`, in one statement.
    pub async fn member_totals(
        &self,
        filter: &MemberFilter,
        workspaces: &[Uuid],
    ) -> sqlx::Result<HashMap<Uuid, i64>> {
        if workspaces.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(Uuid, i64)> = with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT m.workspace_id, COUNT(*) FROM members m JOIN accounts a ON a.id = m.account_id
                 WHERE m.workspace_id");
            push_ids(&mut qb, workspaces);
            push_filter!(qb, filter);
            qb.push(" GROUP BY m.workspace_id");
            qb.build_query_as().fetch_all(pool).await
        })?;
        Ok(rows.into_iter().collect())
    }
}
