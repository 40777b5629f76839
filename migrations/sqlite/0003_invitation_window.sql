-- The invitation-rate check (SPEC: 200 emails per workspace per hour by default) counts a workspace's
-- invitation emails of the last hour. An index of exactly those rows, in time order, answers it
-- from the index alone and stops at the cap; the index it replaces also held every other kind of
-- email and sent each counted row to the table to read its kind.
-- Keep in lock-step with ../postgres/0003_invitation_window.sql.
DROP INDEX email_outbox_by_workspace;
CREATE INDEX email_outbox_invitations ON email_outbox (workspace_id, created_at)
    WHERE kind IN ('invitation', 'added_to_workspace');
