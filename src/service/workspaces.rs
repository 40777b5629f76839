//! Creating and renaming workspaces.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Roster;
use super::auth::valid_name;
use super::members::lock_and_authorize;
use crate::db::{Tx, WorkspaceRow};
use crate::domain::audit::{AuditAction, NewAuditEvent};
use crate::domain::{Actor, Intent, Role};
use crate::error::{AppError, AppResult};

impl Roster {
    pub async fn create_workspace(&self, owner: Uuid, name: &str) -> AppResult<WorkspaceRow> {
        let name = valid_name("name", name)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let workspace = self
            .create_owned_workspace(&mut tx, owner, &name, now)
            .await?;
        self.commit(tx).await?;
        Ok(workspace)
    }

    /// Inserts a workspace owned by `owner` inside `tx` (sign-up uses it too).
    pub(crate) async fn create_owned_workspace(
        &self,
        tx: &mut Tx,
        owner: Uuid,
        name: &str,
        now: DateTime<Utc>,
    ) -> AppResult<WorkspaceRow> {
        let workspace = tx.insert_workspace(name, now).await?;
        tx.add_members(workspace.id, &[owner], Role::Owner, None, now)
            .await?;
        let event = NewAuditEvent::new(
            workspace.id,
            Actor::Account(owner),
            AuditAction::WorkspaceCreated,
        );
        tx.audit(event, now).await?;
        Ok(workspace)
    }

    /// Renames a workspace (owner or admin).
    pub async fn rename_workspace(&self, intent: &Intent, name: &str) -> AppResult<WorkspaceRow> {
        let (actor, id) = (intent.actor, intent.workspace);
        let name = valid_name("name", name)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        lock_and_authorize(&mut tx, intent).await?;
        let workspace = tx
            .rename_workspace(id, &name)
            .await?
            .ok_or(AppError::NotFound("workspace"))?;
        tx.audit(
            NewAuditEvent::new(id, actor, AuditAction::WorkspaceRenamed),
            now,
        )
        .await?;
        self.commit(tx).await?;
        Ok(workspace)
    }
}
