-- API keys (SPEC 12): a machine's credential acting in one workspace with one role (never
-- OWNER). Only the SHA-256 of the secret is kept; `prefix` is the start of the secret, shown in
-- lists so people can tell keys apart. An audit event made by a key names it.
-- Keep in lock-step with ../postgres/0006_api_keys.sql.
CREATE TABLE api_keys (
    id           BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role         TEXT NOT NULL CHECK (role IN ('ADMIN', 'EDITOR', 'NORMAL', 'DATASET_OPERATOR')),
    prefix       TEXT NOT NULL CHECK (prefix LIKE 'rsk\_%' ESCAPE '\' AND length(prefix) = 12),
    secret_hash  BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    created_by   BLOB REFERENCES accounts (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    expires_at   TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, created_at);

ALTER TABLE audit_events ADD COLUMN actor_api_key_id BLOB REFERENCES api_keys (id) ON DELETE SET NULL;
