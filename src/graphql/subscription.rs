//! `type Subscription`: live membership events.

use async_graphql::{Context, ID, Result, SimpleObject, Subscription as SubscriptionObject};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::context::ContextExt;
use super::guards::permit;
use super::types::audit::AuditEvent;
use crate::domain::Action;
use crate::domain::AuditAction;
use crate::error::AppError;

pub struct Subscription;

/// A change to a workspace's membership, as it commits.
#[derive(SimpleObject)]
pub struct MemberEvent {
    pub workspace_id: ID,
    #[graphql(flatten)]
    pub event: AuditEvent,
}

#[SubscriptionObject]
impl Subscription {
    /// Every membership change of a workspace the viewer belongs to (invitations, joins,
    /// removals, role changes, transfers, renames). The stream ends after the viewer's own
    /// removal or departure.
    async fn member_events(
        &self,
        ctx: &Context<'_>,
        workspace_id: ID,
    ) -> Result<impl Stream<Item = MemberEvent>> {
        let intent = permit(ctx, "workspaceId", &workspace_id, Action::ViewWorkspace).await?;
        // A live stream would outlive a key's revocation: subscriptions are for people.
        let (viewer, workspace) = (
            intent.actor.person().map_err(AppError::from)?,
            intent.workspace,
        );
        let receiver = ctx.roster()?.events.subscribe(workspace);
        Ok(futures_util::stream::unfold(
            (receiver, false),
            move |(mut receiver, finished)| async move {
                if finished {
                    return None;
                }
                loop {
                    match receiver.recv().await {
                        Ok(row) if row.workspace_id == workspace => {
                            let last = row.target_id == Some(viewer)
                                && matches!(
                                    row.action,
                                    AuditAction::MemberRemoved | AuditAction::MemberLeft
                                );
                            let event = MemberEvent {
                                workspace_id: ID(workspace.to_string()),
                                event: AuditEvent {
                                    row: (*row).clone(),
                                    viewer,
                                },
                            };
                            return Some((event, (receiver, last)));
                        }
                        Ok(_) => continue,
                        Err(RecvError::Lagged(missed)) => {
                            tracing::warn!(missed, "a memberEvents subscriber fell behind");
                            continue;
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}
