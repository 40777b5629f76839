//! DataLoaders: every read of the GraphQL layer goes through here, batched into one statement
//! per kind of key and cached for the life of one request (never longer: roles and memberships
//! are re-read on every request).

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

use crate::db::members::{MemberCursor, MemberFilter, MemberPageRow, PageRequest};
use crate::db::workspaces::AccountWorkspaceRow;
use crate::db::{AccountRow, Db, WorkspaceRow};
use crate::domain::Role;

/// Keys, one newtype per kind of lookup, all served by [`DbLoader`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccountKey(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WorkspaceKey(pub Uuid);
/// An account's membership of a workspace (absent: not a member).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RoleKey {
    pub account: Uuid,
    pub workspace: Uuid,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OwnerKey(pub Uuid);
/// The workspaces `account` shares with `viewer` (all of its own when they are the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SharedWorkspacesKey {
    pub viewer: Uuid,
    pub account: Uuid,
}

pub type Loaders = DataLoader<DbLoader, HashMapCache>;

pub struct DbLoader {
    db: Db,
}

/// One loader set for one request; each kind of key waits `delay` to collect a batch.
pub fn for_request(db: Db, delay: Duration) -> Loaders {
    DataLoader::with_cache(DbLoader { db }, tokio::spawn, HashMapCache::default()).delay(delay)
}

/// Splits keys of the form (scope, id) into one id list per scope: a batch is nearly always one
/// scope (the viewer), so this is one statement.
fn by_scope<K: Copy>(keys: &[K], split: impl Fn(K) -> (Uuid, Uuid)) -> HashMap<Uuid, Vec<Uuid>> {
    let mut groups: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for key in keys {
        let (scope, id) = split(*key);
        groups.entry(scope).or_default().push(id);
    }
    groups
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<sqlx::Error>>;

impl Loader<AccountKey> for DbLoader {
    type Value = AccountRow;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[AccountKey]) -> LoadResult<AccountKey, AccountRow> {
        tracing::trace!(keys = keys.len(), "load AccountKey");
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = self.db.accounts(&ids).await?;
        Ok(rows.into_iter().map(|r| (AccountKey(r.id), r)).collect())
    }
}

impl Loader<WorkspaceKey> for DbLoader {
    type Value = WorkspaceRow;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[WorkspaceKey]) -> LoadResult<WorkspaceKey, WorkspaceRow> {
        tracing::trace!(keys = keys.len(), "load WorkspaceKey");
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = self.db.workspaces(&ids).await?;
        Ok(rows.into_iter().map(|r| (WorkspaceKey(r.id), r)).collect())
    }
}

/// A role in a workspace, with the workspace.
#[derive(Clone, Debug)]
pub struct Membership {
    pub role: Role,
    pub workspace: WorkspaceRow,
}

impl From<AccountWorkspaceRow> for Membership {
    fn from(r: AccountWorkspaceRow) -> Self {
        Membership {
            role: r.role,
            workspace: WorkspaceRow {
                id: r.id,
                name: r.name,
                created_at: r.created_at,
            },
        }
    }
}

impl Loader<RoleKey> for DbLoader {
    type Value = Membership;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[RoleKey]) -> LoadResult<RoleKey, Membership> {
        tracing::trace!(keys = keys.len(), "load RoleKey");
        let mut out = HashMap::new();
        for (account, workspaces) in by_scope(keys, |k| (k.account, k.workspace)) {
            for row in self.db.memberships_of(account, &workspaces).await? {
                let key = RoleKey {
                    account,
                    workspace: row.id,
                };
                out.insert(key, row.into());
            }
        }
        Ok(out)
    }
}

impl Loader<OwnerKey> for DbLoader {
    type Value = AccountRow;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[OwnerKey]) -> LoadResult<OwnerKey, AccountRow> {
        tracing::trace!(keys = keys.len(), "load OwnerKey");
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let owners = self.db.owners(&ids).await?;
        Ok(owners
            .into_iter()
            .map(|(ws, owner)| (OwnerKey(ws), owner))
            .collect())
    }
}

impl Loader<SharedWorkspacesKey> for DbLoader {
    type Value = Vec<AccountWorkspaceRow>;
    type Error = Arc<sqlx::Error>;
    async fn load(
        &self,
        keys: &[SharedWorkspacesKey],
    ) -> LoadResult<SharedWorkspacesKey, Vec<AccountWorkspaceRow>> {
        tracing::trace!(keys = keys.len(), "load SharedWorkspacesKey");
        let mut out: HashMap<SharedWorkspacesKey, Vec<AccountWorkspaceRow>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (viewer, accounts) in by_scope(keys, |k| (k.viewer, k.account)) {
            for row in self.db.shared_workspaces(viewer, &accounts).await? {
                let key = SharedWorkspacesKey {
                    viewer,
                    account: row.account_id,
                };
                out.entry(key).or_default().push(row);
            }
        }
        Ok(out)
    }
}

/// One page of one workspace's members.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MembersPageKey {
    pub workspace: Uuid,
    pub after: Option<MemberCursor>,
    /// Rows to fetch (one more than the page shows, to learn `hasNextPage`).
    pub limit: i64,
    pub filter: MemberFilter,
}

/// How many members of a workspace match a filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemberTotalKey {
    pub workspace: Uuid,
    pub filter: MemberFilter,
}

impl Loader<MembersPageKey> for DbLoader {
    type Value = Vec<MemberPageRow>;
    type Error = Arc<sqlx::Error>;
    async fn load(
        &self,
        keys: &[MembersPageKey],
    ) -> LoadResult<MembersPageKey, Vec<MemberPageRow>> {
        tracing::trace!(keys = keys.len(), "load MembersPageKey");
        let mut groups: HashMap<&MemberFilter, Vec<&MembersPageKey>> = HashMap::new();
        for key in keys {
            groups.entry(&key.filter).or_default().push(key);
        }
        let mut out: HashMap<MembersPageKey, Vec<MemberPageRow>> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for (filter, group) in groups {
            let requests: Vec<PageRequest> = group
                .iter()
                .map(|k| PageRequest {
                    workspace: k.workspace,
                    after: k.after,
                    limit: k.limit,
                })
                .collect();
            for row in self.db.member_pages(filter, &requests).await? {
                let key = usize::try_from(row.branch).ok().and_then(|b| group.get(b));
                if let Some(key) = key {
                    out.entry((*key).clone()).or_default().push(row);
                }
            }
        }
        Ok(out)
    }
}

impl Loader<MemberTotalKey> for DbLoader {
    type Value = i64;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[MemberTotalKey]) -> LoadResult<MemberTotalKey, i64> {
        tracing::trace!(keys = keys.len(), "load MemberTotalKey");
        let mut groups: HashMap<&MemberFilter, Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups.entry(&key.filter).or_default().push(key.workspace);
        }
        let mut out = HashMap::new();
        for (filter, workspaces) in groups {
            let totals = self.db.member_totals(filter, &workspaces).await?;
            for workspace in workspaces {
                let n = totals.get(&workspace).copied().unwrap_or(0);
                out.insert(
                    MemberTotalKey {
                        workspace,
                        filter: filter.clone(),
                    },
                    n,
                );
            }
        }
        Ok(out)
    }
}
