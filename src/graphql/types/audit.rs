//! The audit log.

use async_graphql::connection::PageInfo;
use async_graphql::{ComplexObject, Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::api_keys::ApiKey;
use super::{Account, account_if_any};
use crate::domain::AuditAction;
use crate::domain::AuditRecord;
use crate::domain::Role;
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::{ApiKeyKey, AuditTotalKey};

/// One recorded change: who did what to whom, and when.
#[derive(Clone)]
pub struct AuditEvent {
    pub row: AuditRecord,
    pub viewer: Uuid,
}

#[Object]
impl AuditEvent {
    pub(crate) async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    async fn action(&self) -> AuditAction {
        self.row.action
    }
    /// Who did it (null if that account no longer exists).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        Ok(match self.row.actor_id {
            Some(id) => account_if_any(ctx, id, self.viewer).await?,
            None => None,
        })
    }
    /// The API key that did it, when a machine acted (then `actor` is null).
    async fn actor_api_key(&self, ctx: &Context<'_>) -> Result<Option<ApiKey>> {
        let Some(id) = self.row.actor_api_key_id else {
            return Ok(None);
        };
        let row = ctx.loaders()?.load_one(ApiKeyKey(id)).await?;
        Ok(row.map(|row| ApiKey {
            row,
            viewer: self.viewer,
        }))
    }
    /// Whom it was done to (null if none, or that account no longer exists).
    async fn target(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        Ok(match self.row.target_id {
            Some(id) => account_if_any(ctx, id, self.viewer).await?,
            None => None,
        })
    }
    /// The target's email at the time, kept when its account is deleted.
    async fn target_email(&self) -> Option<&str> {
        self.row.target_email.as_deref()
    }
    async fn old_role(&self) -> Option<Role> {
        self.row.old_role
    }
    async fn new_role(&self) -> Option<Role> {
        self.row.new_role
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
}

#[derive(SimpleObject)]
pub struct AuditEventEdge {
    pub cursor: String,
    pub node: AuditEvent,
}

/// A page of the audit log, newest first.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuditEventConnection {
    pub edges: Vec<AuditEventEdge>,
    pub nodes: Vec<AuditEvent>,
    pub page_info: PageInfo,
    /// The total, when it was loaded together with the page.
    #[graphql(skip)]
    pub total: Option<i64>,
    #[graphql(skip)]
    pub workspace: Uuid,
}

#[ComplexObject]
impl AuditEventConnection {
    /// Events in the whole log.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = match self.total {
            Some(n) => n,
            None => ctx
                .loaders()?
                .load_one(AuditTotalKey(self.workspace))
                .await?
                .unwrap_or(0),
        };
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}
