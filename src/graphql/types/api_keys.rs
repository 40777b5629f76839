//! API keys as GraphQL objects: the key (never its secret) and the answer of `createApiKey`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Account, account_if_any};
use crate::db::api_keys::ApiKeyRow;
use crate::domain::Role;

/// A machine's credential acting in one workspace with one role (SPEC 12). Its secret was
/// shown once, by `createApiKey`; only a hash of it is stored.
#[derive(Clone)]
pub struct ApiKey {
    pub row: ApiKeyRow,
    pub viewer: Uuid,
}

#[Object]
impl ApiKey {
    pub(crate) async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.row.name
    }
    async fn role(&self) -> Role {
        self.row.role
    }
    /// The first characters of the secret (`rsk_` and 8 more), to tell keys apart.
    async fn prefix(&self) -> &str {
        &self.row.prefix
    }
    /// Who made it (null if that account no longer exists).
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        Ok(match self.row.created_by {
            Some(id) => account_if_any(ctx, id, self.viewer).await?,
            None => None,
        })
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// The last request made with it (kept to the minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.row.last_used_at
    }
    /// When it stops working by itself (null: never).
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.row.expires_at
    }
    /// When it was revoked (null: it was not).
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.row.revoked_at
    }
}

#[derive(InputObject)]
pub struct CreateApiKeyInput {
    pub workspace_id: ID,
    /// What the key is for, 1 to 100 characters.
    pub name: String,
    /// Any role ranked below the caller's (never OWNER).
    pub role: Role,
    /// When the key stops working by itself (null: never).
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new key and its secret: send `Authorization: Bearer <secret>`. The secret is shown only
/// here and cannot be read again.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    pub api_key: ApiKey,
    pub secret: String,
}
