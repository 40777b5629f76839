-- Account trust (SPEC section 3): proof of the email address, sessions that can be revoked,
-- single-use emailed tokens, and attempt counters reserved before a password is checked.
-- Keep in lock-step with ../postgres/0002_trust.sql.

-- Set when the address owner opened a link Roster sent to it (activation, verification, reset).
ALTER TABLE accounts ADD COLUMN email_verified_at TEXT;
-- Accounts that activated an invitation proved their address.
UPDATE accounts SET email_verified_at = created_at
WHERE status = 'ACTIVE' AND EXISTS (
    SELECT 1 FROM invitations i WHERE i.account_id = accounts.id AND i.used_at IS NOT NULL);

-- A session is one login: its refresh tokens form a family, and access tokens name it (`sid`),
-- so revoking a session ends its access tokens at once too.
CREATE TABLE sessions (
    id         BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_by_account ON sessions (account_id) WHERE revoked_at IS NULL;
INSERT INTO sessions (id, account_id, created_at, revoked_at)
SELECT family_id, MIN(account_id), MIN(created_at),
       CASE WHEN MAX(revoked_at IS NOT NULL) = 1 THEN MIN(created_at) END
FROM refresh_tokens GROUP BY family_id;
-- SQLite cannot add a foreign key to an existing table: rebuild it without revoked_at.
CREATE TABLE refresh_tokens_new (
    id          BLOB PRIMARY KEY,
    token_hash  BLOB NOT NULL UNIQUE,
    account_id  BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    family_id   BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
INSERT INTO refresh_tokens_new (id, token_hash, account_id, family_id, created_at, expires_at, used_at)
SELECT id, token_hash, account_id, family_id, created_at, expires_at, used_at FROM refresh_tokens;
DROP TABLE refresh_tokens;
ALTER TABLE refresh_tokens_new RENAME TO refresh_tokens;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_account ON refresh_tokens (account_id);

-- Single-use links sent to an address: email verification and password reset (hash only).
CREATE TABLE email_tokens (
    id         BLOB PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash BLOB NOT NULL UNIQUE,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    -- A newer link of the same purpose replaced it, or the account changed hands.
    revoked_at TEXT
);
CREATE INDEX email_tokens_by_account ON email_tokens (account_id, purpose);

-- Fixed-window attempt counters (login per email and per IP, reset requests...). An attempt is
-- reserved with one atomic upsert before the work it guards, so batches and parallel requests
-- cannot get past the limit; refused attempts do not count.
DROP TABLE login_failures;
CREATE TABLE throttles (
    key          TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    hits         INTEGER NOT NULL,
    -- The request that took the last hit granted (a random id): lets one upsert both count
    -- and tell the caller whether it got a place.
    granted_to   TEXT NOT NULL
);
