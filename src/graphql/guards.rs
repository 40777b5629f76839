//! Guard-based authorization: every workspace-scoped field names the action it performs, and
//! [`WorkspaceGuard`] checks it against the permission matrix with roles read from the database
//! for this request.

use async_graphql::{Context, Guard, ID};

use super::context::{ContextExt, parse_id, viewer_role};
use crate::domain::{Action, authorize};
use crate::error::AppError;

/// What a guarded field is about to do.
#[derive(Clone, Copy, Debug)]
pub enum Intent {
    View,
    Rename,
    ViewAuditLog,
}

/// Allows the field only to a member of the workspace named by an argument whose role permits
/// the intent. Non-members get `NOT_FOUND`, members without the right role `FORBIDDEN`.
pub struct WorkspaceGuard<'a> {
    field: &'static str,
    workspace_id: &'a ID,
    intent: Intent,
}

impl<'a> WorkspaceGuard<'a> {
    /// `field` is the argument's name, used in `BAD_USER_INPUT` for a malformed id.
    pub fn new(field: &'static str, workspace_id: &'a ID, intent: Intent) -> Self {
        WorkspaceGuard {
            field,
            workspace_id,
            intent,
        }
    }

    async fn run(&self, ctx: &Context<'_>) -> Result<(), AppError> {
        ctx.viewer()?;
        let workspace = parse_id(self.field, self.workspace_id)?;
        let actor = viewer_role(ctx, workspace).await?;
        let action = match self.intent {
            Intent::View => Action::ViewWorkspace,
            Intent::Rename => Action::RenameWorkspace,
            Intent::ViewAuditLog => Action::ViewAuditLog,
        };
        Ok(authorize(actor, action)?)
    }
}

impl Guard for WorkspaceGuard<'_> {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        Ok(self.run(ctx).await?)
    }
}
