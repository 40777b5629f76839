//! The audit log: who did what to whom, written in the transaction of the change.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use std::collections::HashMap;
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::{Db, Pool, json_ids, new_id, push_ids, push_page_branches, sqlite_ids, with_pool};
use crate::domain::Role;
use crate::domain::audit::{AuditAction, AuditRecord, NewAuditEvent};

/// Audit rows per INSERT.
const EVENTS_PER_STATEMENT: usize = 40;

/// The columns of an audit event (table alias `e`).
macro_rules! audit_columns {
    () => {
        "e.id, e.workspace_id, e.actor_id, e.actor_api_key_id, e.action, e.target_id, e.target_email,
         e.old_role, e.new_role, e.created_at, e.member_id"
    };
}

/// Most pages per statement (SQLite caps a compound SELECT at 500 terms).
const PAGES_PER_STATEMENT: usize = 100;

/// One workspace's page in a batched audit-log query.
#[derive(Clone, Copy, Debug)]
pub struct AuditPageRequest {
    pub workspace: Uuid,
    /// The (time, id) of the last event already shown.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// An event of a batched page, with the index of the request it answers.
#[derive(Clone, Debug)]
pub struct AuditPageRow {
    pub branch: i32,
    pub event: AuditRecord,
}

/// How a page's row is stored.
#[derive(FromRow)]
struct StoredPageRow {
    branch: i32,
    #[sqlx(flatten)]
    event: StoredEvent,
}

/// A time after every event (PostgreSQL's cursor of a first page).
fn far_future() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + chrono::Duration::days(365 * 8000)
}

/// How an event is stored (roles as their names).
#[derive(FromRow)]
struct StoredEvent {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_api_key_id: Option<Uuid>,
    #[sqlx(try_from = "String")]
    pub action: AuditAction,
    pub target_id: Option<Uuid>,
    pub target_email: Option<String>,
    pub old_role: Option<String>,
    pub new_role: Option<String>,
    pub created_at: DateTime<Utc>,
    pub member_id: Option<Uuid>,
}

impl From<StoredEvent> for AuditRecord {
    fn from(e: StoredEvent) -> AuditRecord {
        AuditRecord {
            id: e.id,
            workspace_id: e.workspace_id,
            actor_id: e.actor_id,
            actor_api_key_id: e.actor_api_key_id,
            action: e.action,
            target_id: e.target_id,
            target_email: e.target_email,
            old_role: e.old_role.as_deref().and_then(Role::parse),
            new_role: e.new_role.as_deref().and_then(Role::parse),
            created_at: e.created_at,
            member_id: e.member_id,
        }
    }
}

impl Tx {
    /// Records an event; it is published to subscribers when the transaction commits.
    pub async fn audit(
        &mut self,
        event: NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        self.audit_many(vec![event], now).await
    }

    /// Records events in one statement; they are published when the transaction commits.
    pub async fn audit_many(
        &mut self,
        events: Vec<NewAuditEvent<'_>>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        // A few rows per statement: see `Tx::enqueue_emails` on large writes.
        for chunk in events.chunks(EVENTS_PER_STATEMENT) {
            let rows: Vec<StoredEvent> = with_tx!(self, c => {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_events (id, workspace_id, actor_id, actor_api_key_id, action, target_id, target_email, old_role, new_role, created_at, member_id) ");
                qb.push_values(chunk, |mut row, e| {
                    row.push_bind(new_id())
                        .push_bind(e.workspace)
                        .push_bind(e.actor.account())
                        .push_bind(e.actor.api_key())
                        .push_bind(e.action.as_str())
                        .push_bind(e.target)
                        .push_bind(e.target_email)
                        .push_bind(e.old_role.map(Role::as_str))
                        .push_bind(e.new_role.map(Role::as_str))
                        .push_bind(now);
                    // The membership the event is about: named, or the target's, else the actor's.
                    match (e.member, e.target.or(e.actor.account())) {
                        (Some(member), _) => {
                            row.push_bind(member);
                        }
                        (None, Some(account)) => {
                            row.push("(SELECT id FROM members WHERE workspace_id = ")
                                .push_bind_unseparated(e.workspace)
                                .push_unseparated(" AND account_id = ")
                                .push_bind_unseparated(account)
                                .push_unseparated(")");
                        }
                        (None, None) => {
                            row.push("NULL");
                        }
                    }
                });
                qb.push(" RETURNING id, workspace_id, actor_id, actor_api_key_id, action, target_id, target_email, old_role, new_role, created_at, member_id");
                qb.build_query_as().fetch_all(&mut *c).await
            })?;
            self.events.extend(rows.into_iter().map(AuditRecord::from));
        }
        Ok(())
    }
}

impl Db {
    /// Pages of the audit logs of many workspaces, newest first, each after its (time, id)
    /// cursor if given, in one statement (the audit-page loader). Each request fetches `limit`
    /// rows (callers ask for one more than they show, to learn `hasNextPage`); rows carry the
    /// index of the request they answer (`branch`). PostgreSQL: one LATERAL join over the
    /// requests as arrays (one text for any number of pages); SQLite: a UNION ALL of one
    /// keyset range scan per page (index `audit_events_page`).
    pub async fn audit_pages(
        &self,
        requests: &[AuditPageRequest],
    ) -> sqlx::Result<Vec<AuditPageRow>> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows = Vec::new();
        for (chunk_no, chunk) in requests.chunks(PAGES_PER_STATEMENT).enumerate() {
            let offset = chunk_no * PAGES_PER_STATEMENT;
            let part: Vec<StoredPageRow> = match self.counted_pool() {
                Pool::Postgres(pool) => {
                    // A first page starts after a cursor above every event.
                    let top = (far_future(), Uuid::max());
                    let at = |r: &AuditPageRequest| r.after.unwrap_or(top);
                    let workspaces: Vec<Uuid> = chunk.iter().map(|r| r.workspace).collect();
                    let times: Vec<DateTime<Utc>> = chunk.iter().map(|r| at(r).0).collect();
                    let ids: Vec<Uuid> = chunk.iter().map(|r| at(r).1).collect();
                    let limits: Vec<i64> = chunk.iter().map(|r| r.limit).collect();
                    sqlx::query_as(concat!(
                        "SELECT (r.ord - 1 + $5)::int4 AS branch, p.*
                         FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::int8[])
                              WITH ORDINALITY AS r(ws, at, id, lim, ord)
                         CROSS JOIN LATERAL (SELECT ",
                        audit_columns!(),
                        " FROM audit_events e
                             WHERE e.workspace_id = r.ws AND (e.created_at, e.id) < (r.at, r.id)
                             ORDER BY e.created_at DESC, e.id DESC LIMIT r.lim) p
                         ORDER BY r.ord, p.created_at DESC, p.id DESC"
                    ))
                    .bind(workspaces)
                    .bind(times)
                    .bind(ids)
                    .bind(limits)
                    .bind(i32::try_from(offset).unwrap_or(i32::MAX))
                    .fetch_all(pool)
                    .await?
                }
                Pool::Sqlite(pool) => {
                    let mut qb = sqlx::QueryBuilder::new("");
                    push_page_branches(&mut qb, offset, chunk, |qb, request| {
                        qb.push(concat!(
                            audit_columns!(),
                            " FROM audit_events e WHERE e.workspace_id = "
                        ));
                        qb.push_bind(request.workspace);
                        if let Some((at, id)) = request.after {
                            qb.push(" AND (e.created_at, e.id) < (");
                            qb.push_bind(at);
                            qb.push(", ");
                            qb.push_bind(id);
                            qb.push(")");
                        }
                        qb.push(" ORDER BY e.created_at DESC, e.id DESC LIMIT ");
                        qb.push_bind(request.limit);
                    });
                    qb.build_query_as().fetch_all(pool).await?
                }
            };
            rows.extend(part.into_iter().map(|r| AuditPageRow {
                branch: r.branch,
                event: r.event.into(),
            }));
        }
        Ok(rows)
    }

    /// Audit events by id, in one statement (replicas relaying each other's events).
    pub async fn audit_events(&self, ids: &[Uuid]) -> sqlx::Result<Vec<AuditRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT id, workspace_id, actor_id, actor_api_key_id, action, target_id, target_email, old_role, new_role, created_at, member_id
                 FROM audit_events WHERE id");
            push_ids(&mut qb, ids);
            qb.push(" ORDER BY created_at, id");
            let rows: Vec<StoredEvent> = qb.build_query_as().fetch_all(pool).await?;
            Ok(rows.into_iter().map(AuditRecord::from).collect())
        })
    }

    /// Events in the logs of each of `workspaces`, in one statement (the audit-total loader).
    pub async fn audit_totals(&self, workspaces: &[Uuid]) -> sqlx::Result<HashMap<Uuid, i64>> {
        if workspaces.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(Uuid, i64)> = match self.counted_pool() {
            Pool::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT workspace_id, COUNT(*) FROM audit_events
                 WHERE workspace_id = ANY($1) GROUP BY workspace_id",
                )
                .bind(workspaces)
                .fetch_all(pool)
                .await?
            }
            Pool::Sqlite(pool) => {
                sqlx::query_as(concat!(
                    "SELECT workspace_id, COUNT(*) FROM audit_events
                 WHERE workspace_id IN ",
                    sqlite_ids!(1),
                    " GROUP BY workspace_id"
                ))
                .bind(json_ids(workspaces))
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows.into_iter().collect())
    }
}
