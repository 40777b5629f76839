-- A membership's own stable id (GraphQL `Member.id`, a `Node`): normalized client caches find a
-- member by it, and it outlives role changes. Existing rows get a random (version 4) UUID, new
-- ones the time-ordered id the application writes. Keep in lock-step with
-- ../sqlite/0005_member_ids.sql.
ALTER TABLE members ADD COLUMN id UUID NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX members_by_id ON members (id);

-- The membership an audit event is about (`MemberEvent.memberId`): the target's, else the actor's;
-- kept when the membership is removed. Events of members already gone keep none.
ALTER TABLE audit_events ADD COLUMN member_id UUID;
UPDATE audit_events SET member_id = (SELECT m.id FROM members m
    WHERE m.workspace_id = audit_events.workspace_id
      AND m.account_id = COALESCE(audit_events.target_id, audit_events.actor_id));
