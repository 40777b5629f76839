-- Keys that sign access and workspace tokens (SPEC 11), shared by every replica. A key is
-- published from created_at, signs from signs_from (later, so cached key sets learn it first),
-- and retires by itself once the last token it signed expired; retired_at is set only by
-- `roster keys retire`. The private key is PKCS#8 PEM: whoever reads this table can sign.
-- Keep in lock-step with ../sqlite/0004_signing_keys.sql.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY CHECK (length(kid) BETWEEN 1 AND 100),
    alg         TEXT NOT NULL CHECK (alg IN ('ES256', 'RS256', 'EdDSA')),
    private_pem TEXT NOT NULL CHECK (private_pem LIKE '-----BEGIN PRIVATE KEY-----%'),
    created_at  TIMESTAMPTZ NOT NULL,
    signs_from  TIMESTAMPTZ NOT NULL CHECK (signs_from >= created_at),
    retired_at  TIMESTAMPTZ
);
