//! `type Subscription`: live membership events.

use async_graphql::{
    ComplexObject, Context, ID, Result, SimpleObject, Subscription as SubscriptionObject,
};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::context::ContextExt;
use super::guards::permit;
use super::loaders::MemberIdKey;
use super::types::audit::AuditEvent;
use super::types::members::Member;
use crate::domain::Action;
use crate::domain::AuditAction;
use crate::error::AppError;

pub struct Subscription;

/// A change to a workspace's membership, as it commits.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct MemberEvent {
    pub workspace_id: ID,
    #[graphql(flatten)]
    pub event: AuditEvent,
}

#[ComplexObject]
impl MemberEvent {
    /// The membership the event is about (the target's; the actor's for workspace events such
    /// as a rename), kept after a removal: the id a cache evicts.
    async fn member_id(&self) -> Result<ID> {
        let id = self.event.row.member_id.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "event {} names no member",
                self.event.row.id
            ))
        })?;
        Ok(ID(id.to_string()))
    }

    /// That member as it is now; null once removed.
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<Member>> {
        let Some(id) = self.event.row.member_id else {
            return Ok(None);
        };
        let Some(row) = ctx.loaders()?.load_one(MemberIdKey(id)).await? else {
            return Ok(None);
        };
        Ok(Member::load(ctx, row, self.event.viewer).await?)
    }
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
