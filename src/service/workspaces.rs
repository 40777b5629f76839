//! Creating and renaming workspaces.

use uuid::Uuid;

use super::Roster;
use super::auth::valid_name;
use crate::db::WorkspaceRow;
use crate::error::{AppError, AppResult};

impl Roster {
    pub async fn create_workspace(&self, owner: Uuid, name: &str) -> AppResult<WorkspaceRow> {
        let name = valid_name("name", name)?;
        Ok(self.db.create_workspace(owner, &name, self.now()).await?)
    }

    /// Renames a workspace; the caller's guard has checked the permission.
    pub async fn rename_workspace(&self, id: Uuid, name: &str) -> AppResult<WorkspaceRow> {
        let name = valid_name("name", name)?;
        self.db
            .rename_workspace(id, &name)
            .await?
            .ok_or(AppError::NotFound("workspace"))
    }
}
