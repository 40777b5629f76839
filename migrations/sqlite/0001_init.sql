-- Roster data model (SQLite). Keep in lock-step with ../postgres/0001_init.sql.
-- Ids are UUIDs stored as 16-byte BLOBs; times are RFC 3339 TEXT written by sqlx.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE accounts (
    id             BLOB PRIMARY KEY,
    email          TEXT NOT NULL CHECK (email = lower(trim(email)) AND length(email) BETWEEN 3 AND 320),
    name           TEXT NOT NULL,
    password_hash  TEXT,
    status         TEXT NOT NULL CHECK (status IN ('PENDING', 'ACTIVE', 'BANNED')),
    language       TEXT NOT NULL CHECK (language IN ('en-US', 'zh-Hans')),
    created_at     TEXT NOT NULL,
    last_active_at TEXT
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

CREATE TABLE workspaces (
    id         BLOB PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- role_rank orders members (0 owner .. 4 dataset operator) so a page is an index range scan.
CREATE TABLE members (
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
CREATE UNIQUE INDEX members_one_owner ON members (workspace_id) WHERE role = 'OWNER';
CREATE INDEX members_by_account ON members (account_id);
CREATE INDEX members_page ON members (workspace_id, role_rank, created_at, account_id);

-- At most one open (unused, unrevoked) invitation per (workspace, account).
CREATE TABLE invitations (
    id           BLOB PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id   BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    invited_by   BLOB REFERENCES accounts (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    revoked_at   TEXT
);
CREATE UNIQUE INDEX invitations_one_open ON invitations (workspace_id, account_id)
    WHERE used_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_by_account ON invitations (account_id);

-- Rotating refresh tokens; a family is one login. Reuse of a used token revokes the family.
CREATE TABLE refresh_tokens (
    id          BLOB PRIMARY KEY,
    token_hash  BLOB NOT NULL UNIQUE,
    account_id  BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    family_id   BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_account ON refresh_tokens (account_id);

-- Ownership-transfer codes: one live code per workspace.
CREATE TABLE transfer_codes (
    workspace_id BLOB PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id   BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash    BLOB NOT NULL,
    sent_at      TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0
);

-- Transactional outbox: written in the transaction that causes the email.
CREATE TABLE email_outbox (
    id              BLOB PRIMARY KEY,
    kind            TEXT NOT NULL,
    workspace_id    BLOB REFERENCES workspaces (id) ON DELETE SET NULL,
    recipient       TEXT NOT NULL,
    language        TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until    TEXT,
    sent_at         TEXT,
    dead_at         TEXT,
    last_error      TEXT
);
CREATE INDEX email_outbox_by_workspace ON email_outbox (workspace_id, created_at);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL;

CREATE TABLE audit_events (
    id           BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    actor_id     BLOB REFERENCES accounts (id) ON DELETE SET NULL,
    action       TEXT NOT NULL,
    target_id    BLOB REFERENCES accounts (id) ON DELETE SET NULL,
    target_email TEXT,
    old_role     TEXT,
    new_role     TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX audit_events_page ON audit_events (workspace_id, created_at, id);

-- Failed logins, for the per-email and per-IP rate limits (shared by all replicas).
CREATE TABLE login_failures (
    id         BLOB PRIMARY KEY,
    email      TEXT NOT NULL,
    ip         TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, created_at);
CREATE INDEX login_failures_ip ON login_failures (ip, created_at);
