//! Loaders: every read of the GraphQL layer goes through here, batched into one statement per
//! kind of key (see `batch`) and cached for the life of one request (never longer: roles and
//! memberships are re-read on every request).

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use uuid::Uuid;

use super::batch::Batcher;
use crate::db::api_keys::{ApiKeyRow, KeyAccessRow};
use crate::db::audit::AuditPageRequest;
use crate::db::members::{MemberCursor, MemberFilter, MemberPageRow, PageColumns, PageRequest};
use crate::db::workspaces::AccountWorkspaceRow;
use crate::db::{AccountRow, Db, MemberRow, WorkspaceRow};
use crate::domain::AuditRecord;
use crate::domain::Role;
use crate::service::Roster;

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

/// A membership by its own id (`Member.id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemberIdKey(pub Uuid);
/// An account's membership of a workspace, the whole row (absent: not a member).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemberKey {
    pub workspace: Uuid,
    pub account: Uuid,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AuditEventKey(pub Uuid);

pub type Loaders = Batcher<DbLoader>;

pub struct DbLoader {
    db: Db,
    roster: Roster,
    /// Commits of the request these loaders serve (see `service::writes`).
    writes: Arc<AtomicU64>,
}

impl DbLoader {
    /// The counter the request's commits bump (`service::writes`).
    pub fn writes(&self) -> Arc<AtomicU64> {
        self.writes.clone()
    }
}

/// One loader set for one request (batches go out when the operation waits on nothing else;
/// outside an operation, after the configured delay). Caches are dropped after each commit the
/// request makes, so a mutation's payload is read fresh: one place for every mutation.
pub fn for_request(roster: &Roster) -> Loaders {
    let writes = Arc::new(AtomicU64::new(0));
    let loader = DbLoader {
        db: roster.db.clone(),
        roster: roster.clone(),
        writes: writes.clone(),
    };
    Batcher::new(loader, roster.loader_delay(), writes)
}

/// Loaders for a subscription's connection: they batch but keep nothing, so each event reads
/// accounts as they are now (an invitee who activated is named as they chose).
pub fn for_subscription(roster: &Roster) -> Loaders {
    for_request(roster).without_cache()
}

/// The viewer of a token (account and session), checked against the database, with its
/// membership of `workspace` when one is named: the per-request authentication and a guard's
/// lookup answered by one statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccessKey {
    pub account: Uuid,
    pub session: Uuid,
    pub workspace: Option<Uuid>,
    /// Also every membership of the viewer (its workspace list).
    pub all: bool,
}

/// The checked viewer, and its membership of the key's workspace (if any, and if a member).
#[derive(Clone, Debug)]
pub struct Access {
    pub viewer: AccountRow,
    pub membership: Option<Membership>,
    /// Every membership of the viewer, oldest first (for keys with `all`).
    pub memberships: Vec<AccountWorkspaceRow>,
}

impl Loader<AccessKey> for DbLoader {
    type Value = Access;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[AccessKey]) -> LoadResult<AccessKey, Access> {
        tracing::trace!(keys = keys.len(), "load AccessKey");
        let mut groups: HashMap<(Uuid, Uuid), (Vec<Uuid>, bool)> = HashMap::new();
        for key in keys {
            let group = groups.entry((key.account, key.session)).or_default();
            group.0.extend(key.workspace);
            group.1 |= key.all;
        }
        let mut out = HashMap::new();
        for ((account, session), (workspaces, all)) in groups {
            let Some((viewer, rows)) = self
                .roster
                .access(account, session, &workspaces, all)
                .await?
            else {
                continue;
            };
            let memberships: HashMap<Uuid, Membership> =
                rows.iter().map(|r| (r.id, r.clone().into())).collect();
            let key = |workspace, all| AccessKey {
                account,
                session,
                workspace,
                all,
            };
            let answer = |membership: Option<Membership>, all: bool| Access {
                viewer: viewer.clone(),
                membership,
                memberships: if all { rows.clone() } else { Vec::new() },
            };
            // The viewer alone is part of every answer, for `viewer()` to find cached.
            out.insert(key(None, false), answer(None, false));
            if all {
                out.insert(key(None, true), answer(None, true));
            }
            for workspace in workspaces {
                let membership = memberships.get(&workspace).cloned();
                out.insert(key(Some(workspace), false), answer(membership, false));
            }
        }
        Ok(out)
    }
}

/// An API key's secret hash: the key, if it still acts, with its workspace (one statement, the
/// shape of [`AccessKey`]'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyAccessKey(pub [u8; 32]);

impl Loader<KeyAccessKey> for DbLoader {
    type Value = KeyAccessRow;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[KeyAccessKey]) -> LoadResult<KeyAccessKey, KeyAccessRow> {
        let mut out = HashMap::new();
        for key in keys {
            if let Some(row) = self.roster.key_access(&key.0).await? {
                out.insert(*key, row);
            }
        }
        Ok(out)
    }
}

/// API keys by id (the actors of audit events).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApiKeyKey(pub Uuid);

impl Loader<ApiKeyKey> for DbLoader {
    type Value = ApiKeyRow;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[ApiKeyKey]) -> LoadResult<ApiKeyKey, ApiKeyRow> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = self.db.api_keys(&ids).await?;
        Ok(rows.into_iter().map(|r| (ApiKeyKey(r.id), r)).collect())
    }
}

/// The API keys of a workspace, newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApiKeysOfKey(pub Uuid);

impl Loader<ApiKeysOfKey> for DbLoader {
    type Value = Vec<ApiKeyRow>;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[ApiKeysOfKey]) -> LoadResult<ApiKeysOfKey, Vec<ApiKeyRow>> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let mut out: HashMap<ApiKeysOfKey, Vec<ApiKeyRow>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in self.db.api_keys_of(&ids).await? {
            out.entry(ApiKeysOfKey(row.workspace_id))
                .or_default()
                .push(row);
        }
        Ok(out)
    }
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

impl Loader<MemberIdKey> for DbLoader {
    type Value = MemberRow;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[MemberIdKey]) -> LoadResult<MemberIdKey, MemberRow> {
        tracing::trace!(keys = keys.len(), "load MemberIdKey");
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = self.db.members_by_id(&ids).await?;
        Ok(rows.into_iter().map(|r| (MemberIdKey(r.id), r)).collect())
    }
}

impl Loader<MemberKey> for DbLoader {
    type Value = MemberRow;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[MemberKey]) -> LoadResult<MemberKey, MemberRow> {
        tracing::trace!(keys = keys.len(), "load MemberKey");
        let mut out = HashMap::new();
        for (workspace, accounts) in by_scope(keys, |k| (k.workspace, k.account)) {
            for row in self.db.members_in(workspace, &accounts).await? {
                let key = MemberKey {
                    workspace,
                    account: row.account_id,
                };
                out.insert(key, row);
            }
        }
        Ok(out)
    }
}

impl Loader<AuditEventKey> for DbLoader {
    type Value = AuditRecord;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[AuditEventKey]) -> LoadResult<AuditEventKey, AuditRecord> {
        tracing::trace!(keys = keys.len(), "load AuditEventKey");
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = self.db.audit_events(&ids).await?;
        Ok(rows.into_iter().map(|r| (AuditEventKey(r.id), r)).collect())
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
    /// What the query shows of each member.
    pub columns: PageColumns,
}

/// How many members of a workspace match a filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemberTotalKey {
    pub workspace: Uuid,
    pub filter: MemberFilter,
}

impl Loader<MembersPageKey> for DbLoader {
    /// Shared, not copied, between the cache and the fields that read it.
    type Value = Arc<[MemberPageRow]>;
    type Error = Arc<sqlx::Error>;
    async fn load(
        &self,
        keys: &[MembersPageKey],
    ) -> LoadResult<MembersPageKey, Arc<[MemberPageRow]>> {
        tracing::trace!(keys = keys.len(), "load MembersPageKey");
        let mut groups: HashMap<(&MemberFilter, PageColumns), Vec<&MembersPageKey>> =
            HashMap::new();
        for key in keys {
            groups
                .entry((&key.filter, key.columns))
                .or_default()
                .push(key);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((filter, columns), group) in groups {
            let requests: Vec<PageRequest> = group
                .iter()
                .map(|k| PageRequest {
                    workspace: k.workspace,
                    after: k.after,
                    limit: k.limit,
                })
                .collect();
            let rows = self.db.member_pages(filter, columns, &requests).await?;
            // Rows come sorted by branch: each page is one run of them.
            let mut pages: Vec<Vec<MemberPageRow>> = vec![Vec::new(); group.len()];
            for row in rows {
                if let Some(page) = usize::try_from(row.branch)
                    .ok()
                    .and_then(|b| pages.get_mut(b))
                {
                    page.push(row);
                }
            }
            for (key, page) in group.into_iter().zip(pages) {
                out.insert(key.clone(), Arc::from(page));
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

/// One page of one workspace's audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AuditPageKey {
    pub workspace: Uuid,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    /// Rows to fetch (one more than the page shows, to learn `hasNextPage`).
    pub limit: i64,
}

/// How many events a workspace's audit log holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AuditTotalKey(pub Uuid);

impl Loader<AuditPageKey> for DbLoader {
    type Value = Vec<AuditRecord>;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[AuditPageKey]) -> LoadResult<AuditPageKey, Vec<AuditRecord>> {
        tracing::trace!(keys = keys.len(), "load AuditPageKey");
        let requests: Vec<AuditPageRequest> = keys
            .iter()
            .map(|k| AuditPageRequest {
                workspace: k.workspace,
                after: k.after,
                limit: k.limit,
            })
            .collect();
        let mut out: HashMap<AuditPageKey, Vec<AuditRecord>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in self.db.audit_pages(&requests).await? {
            if let Some(key) = usize::try_from(row.branch).ok().and_then(|b| keys.get(b)) {
                out.entry(*key).or_default().push(row.event);
            }
        }
        Ok(out)
    }
}

impl Loader<AuditTotalKey> for DbLoader {
    type Value = i64;
    type Error = Arc<sqlx::Error>;
    async fn load(&self, keys: &[AuditTotalKey]) -> LoadResult<AuditTotalKey, i64> {
        tracing::trace!(keys = keys.len(), "load AuditTotalKey");
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let totals = self.db.audit_totals(&ids).await?;
        Ok(ids
            .into_iter()
            .map(|id| (AuditTotalKey(id), totals.get(&id).copied().unwrap_or(0)))
            .collect())
    }
}
