//! The limits one whole `inviteMembers` call is checked against before anything is written.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::plan::Plan;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::service::Roster;

pub(super) fn new_members(plans: &[Plan]) -> usize {
    plans.iter().filter(|p| p.adds_member()).count()
}

pub(super) fn emails_out(plans: &[Plan]) -> usize {
    plans.iter().filter(|p| p.sends_email()).count()
}

impl Roster {
    /// `ROSTER_MAX_MEMBERS`: genuinely new members may not take the workspace past it.
    pub(super) async fn check_member_limit(
        &self,
        tx: &mut Tx,
        workspace: Uuid,
        new_members: usize,
    ) -> AppResult<()> {
        let max = i64::from(self.config.max_members);
        if max == 0 || new_members == 0 {
            return Ok(());
        }
        let current = tx.member_count(workspace).await?;
        let new = i64::try_from(new_members).unwrap_or(i64::MAX);
        if current.saturating_add(new) > max {
            return Err(AppError::LimitExceeded(format!(
                "this workspace may have at most {max} members; it has {current} and the call would add {new}"
            )));
        }
        Ok(())
    }

    /// At most `ROSTER_INVITES_PER_HOUR` invitation emails per workspace per hour.
    pub(super) async fn check_invite_rate(
        &self,
        tx: &mut Tx,
        workspace: Uuid,
        emails: usize,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let per_hour = i64::from(self.config.limits.invites_per_hour);
        if emails == 0 {
            return Ok(());
        }
        let hour = Duration::hours(1);
        let (sent, oldest) = tx.emails_since(workspace, now - hour, per_hour + 1).await?;
        if sent.saturating_add(i64::try_from(emails).unwrap_or(i64::MAX)) > per_hour {
            let retry_after = oldest.map_or(3600, |t| (t + hour - now).num_seconds().max(1));
            return Err(AppError::RateLimited {
                retry_after: retry_after.unsigned_abs(),
            });
        }
        Ok(())
    }
}
