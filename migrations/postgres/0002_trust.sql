-- Account trust (SPEC section 3): proof of the email address, sessions that can be revoked,
-- single-use emailed tokens, and attempt counters reserved before a password is checked.
-- Keep in lock-step with ../sqlite/0002_trust.sql.

-- Set when the address owner opened a link Roster sent to it (activation, verification, reset).
ALTER TABLE accounts ADD COLUMN email_verified_at TIMESTAMPTZ;
-- Accounts that activated an invitation proved their address.
UPDATE accounts SET email_verified_at = created_at
WHERE status = 'ACTIVE' AND EXISTS (
    SELECT 1 FROM invitations i WHERE i.account_id = accounts.id AND i.used_at IS NOT NULL);

-- A session is one login: its refresh tokens form a family, and access tokens name it (`sid`),
-- so revoking a session ends its access tokens at once too.
CREATE TABLE sessions (
    id         UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX sessions_by_account ON sessions (account_id) WHERE revoked_at IS NULL;
INSERT INTO sessions (id, account_id, created_at, revoked_at)
SELECT family_id, MIN(account_id::text)::uuid, MIN(created_at),
       CASE WHEN bool_or(revoked_at IS NOT NULL) THEN MIN(created_at) END
FROM refresh_tokens GROUP BY family_id;
ALTER TABLE refresh_tokens DROP COLUMN revoked_at;
ALTER TABLE refresh_tokens
    ADD CONSTRAINT refresh_tokens_session FOREIGN KEY (family_id) REFERENCES sessions (id) ON DELETE CASCADE;

-- Single-use links sent to an address: email verification and password reset (hash only).
CREATE TABLE email_tokens (
    id         UUID PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash BYTEA NOT NULL UNIQUE,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    -- A newer link of the same purpose replaced it, or the account changed hands.
    revoked_at TIMESTAMPTZ
);
CREATE INDEX email_tokens_by_account ON email_tokens (account_id, purpose);

-- Fixed-window attempt counters (login per email and per IP, reset requests...). An attempt is
-- reserved with one atomic upsert before the work it guards, so batches and parallel requests
-- cannot get past the limit; refused attempts do not count.
DROP TABLE login_failures;
CREATE TABLE throttles (
    key          TEXT PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    hits         INTEGER NOT NULL,
    -- The request that took the last hit granted (a random id): lets one upsert both count
    -- and tell the caller whether it got a place.
    granted_to   TEXT NOT NULL
);
