-- A membership's own stable id (GraphQL `Member.id`, a `Node`): normalized client caches find a
-- member by it, and it outlives role changes. The table is rebuilt so the column is NOT NULL with
-- a default (SQLite cannot add such a column); existing rows get a random (version 4) UUID, new
-- ones the time-ordered id the application writes. Keep in lock-step with
-- ../postgres/0005_member_ids.sql.
CREATE TABLE members_with_ids (
    id           BLOB NOT NULL UNIQUE DEFAULT (unhex(hex(randomblob(6)) || '4'
                     || substr(hex(randomblob(2)), 2) || substr('89AB', 1 + (abs(random()) % 4), 1)
                     || substr(hex(randomblob(2)), 2) || hex(randomblob(6)))),
    workspace_id BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id   BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    role_rank    INTEGER NOT NULL,
    invited_by   BLOB REFERENCES accounts (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, account_id),
    CHECK ((role = 'OWNER' AND role_rank = 0) OR (role = 'ADMIN' AND role_rank = 1)
        OR (role = 'EDITOR' AND role_rank = 2) OR (role = 'NORMAL' AND role_rank = 3)
        OR (role = 'DATASET_OPERATOR' AND role_rank = 4))
);
INSERT INTO members_with_ids (workspace_id, account_id, role, role_rank, invited_by, created_at)
    SELECT workspace_id, account_id, role, role_rank, invited_by, created_at FROM members;
DROP TABLE members;
ALTER TABLE members_with_ids RENAME TO members;
CREATE UNIQUE INDEX members_one_owner ON members (workspace_id) WHERE role = 'OWNER';
CREATE INDEX members_by_account ON members (account_id);
CREATE INDEX members_page ON members (workspace_id, role_rank, created_at, account_id);

-- The membership an audit event is about (`MemberEvent.memberId`): the target's, else the actor's;
-- kept when the membership is removed. Events of members already gone keep none.
ALTER TABLE audit_events ADD COLUMN member_id BLOB;
UPDATE audit_events SET member_id = (SELECT m.id FROM members m
    WHERE m.workspace_id = audit_events.workspace_id
      AND m.account_id = COALESCE(audit_events.target_id, audit_events.actor_id));
