//! API keys (SPEC 12): created and revoked by owners and admins (a key's role ranks strictly
//! below its creator's), each in one transaction with its audit event, under the workspace lock.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Roster;
use super::auth::valid_name;
use super::invitations::require_verified;
use super::members::{granted_role, lock, lock_and_authorize};
use crate::auth::api_keys::new_secret;
use crate::db::api_keys::{ApiKeyRow, NewApiKey};
use crate::db::new_id;
use crate::domain::audit::{AuditAction, NewAuditEvent};
use crate::domain::{Action, Intent, authorize_actor};
use crate::error::{AppError, AppResult};

/// A key just made, with its secret: the only time the secret is seen.
pub struct CreatedApiKey {
    pub key: ApiKeyRow,
    pub secret: String,
}

impl Roster {
    /// `createApiKey`: the intent's action is `CreateApiKey { role }`.
    pub async fn create_api_key(
        &self,
        intent: &Intent,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> AppResult<CreatedApiKey> {
        let role = granted_role(intent)?;
        let name = valid_name("name", name)?;
        let now = self.now();
        if expires_at.is_some_and(|at| at <= now) {
            return Err(AppError::bad_input(
                "expiresAt",
                "expiresAt must be in the future",
            ));
        }
        let secret = new_secret().map_err(AppError::Internal)?;
        let mut tx = self.db.begin().await?;
        lock_and_authorize(&mut tx, intent).await?;
        // Only a person who proved its address makes keys (a key may invite).
        let creator = intent.actor.person()?;
        let account = tx
            .account(creator)
            .await?
            .ok_or(AppError::NotFound("account"))?;
        require_verified(&account)?;
        let new = NewApiKey {
            id: new_id(),
            workspace: intent.workspace,
            name: &name,
            role,
            prefix: &secret.prefix,
            secret_hash: &secret.hash,
            created_by: creator,
            expires_at,
        };
        let key = tx.insert_api_key(&new, now).await?;
        let event = NewAuditEvent::new(intent.workspace, intent.actor, AuditAction::ApiKeyCreated)
            .roles(None, Some(role));
        tx.audit(event, now).await?;
        self.commit(tx).await?;
        Ok(CreatedApiKey {
            key,
            secret: secret.secret,
        })
    }

    /// `revokeApiKey`: the key stops working on the next request. The guard checked that the
    /// actor may revoke keys at all; here, under the lock, that it may revoke one of this role.
    pub async fn revoke_api_key(&self, intent: &Intent, id: Uuid) -> AppResult<ApiKeyRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let locked = lock(&mut tx, intent.workspace, intent.actor).await?;
        let key = tx
            .api_key(intent.workspace, id)
            .await?
            .ok_or(AppError::NotFound("API key"))?;
        authorize_actor(
            intent.actor,
            locked.role,
            Action::RevokeApiKey { role: key.role },
        )?;
        let revoked = tx
            .revoke_api_key(intent.workspace, id, now)
            .await?
            .ok_or_else(|| AppError::Conflict("this API key is revoked already".into()))?;
        let event = NewAuditEvent::new(intent.workspace, intent.actor, AuditAction::ApiKeyRevoked)
            .roles(Some(key.role), None);
        tx.audit(event, now).await?;
        self.commit(tx).await?;
        Ok(revoked)
    }
}
