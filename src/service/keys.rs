//! Where the signing keys come from (the database, shared by replicas, or an operator's PEM
//! file), how each replica keeps its ring current, and `roster keys list | rotate | retire`.

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use lru::LruCache;
use sha2::{Digest, Sha256};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use crate::auth::TokenIssuer;
use crate::auth::jwt::{LegacySecret, TokenError, Verified};
use crate::auth::keys::{
    KeyRing, KeyState, LEEWAY_SECS, PUBLISH_AHEAD_SECS, RingKey, SigningAlg, SigningKey,
    generate_pem, parse_pem_file,
};
use crate::config::Config;
use crate::db::Db;
use crate::db::signing_keys::SigningKeyRow;

/// Key of the HS256 secret Roster generated before asymmetric keys, in `settings`.
const LEGACY_SECRET_SETTING: &str = "jwt_secret";
/// Key of the moment Roster first signed with asymmetric keys, in `settings`.
const SINCE_SETTING: &str = "asymmetric_tokens_since";
/// Lifetime of workspace tokens, seconds.
pub const WORKSPACE_TOKEN_SECS: i64 = 300;

/// Where the keys come from.
#[derive(Clone, Debug)]
enum Source {
    Database,
    File,
}

/// Access tokens verified recently (by SHA-256 of the token), so a client's every request
/// does not pay a signature check (ES256: a fraction of a millisecond).
const VERIFIED_CACHE: usize = 10_000;

/// The key ring in use and who signs for whom.
pub struct Keys {
    ring: RwLock<Arc<KeyRing>>,
    pub issuer: TokenIssuer,
    source: Source,
    max_token_secs: i64,
    verified: Mutex<LruCache<[u8; 32], Verified>>,
}

/// The longest lifetime of a token the keys sign (access or workspace token).
fn max_token_secs(config: &Config) -> i64 {
    i64::from(config.access_token_ttl_secs).max(WORKSPACE_TOKEN_SECS)
}

impl Keys {
    /// Loads the keys: from `ROSTER_SIGNING_KEY_FILE`, or from the database (generating the
    /// first key of `ROSTER_SIGNING_ALG` on the first start).
    pub async fn load(db: &Db, config: &Config, now: DateTime<Utc>) -> anyhow::Result<Keys> {
        let since = db
            .setting_or_insert(SINCE_SETTING, &now.to_rfc3339())
            .await?;
        let since = DateTime::parse_from_rfc3339(&since)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        let legacy_secret = match &config.jwt_secret {
            Some(secret) if !secret.is_empty() => Some(secret.clone()),
            _ => db.setting(LEGACY_SECRET_SETTING).await?,
        };
        let ttl = i64::from(config.access_token_ttl_secs);
        let issuer = TokenIssuer {
            issuer: config
                .tokens
                .token_issuer
                .clone()
                .unwrap_or_else(|| config.public_url()),
            audience: config.tokens.token_audience.clone(),
            legacy: legacy_secret.map(|s| LegacySecret::new(s.as_bytes(), since, ttl)),
        };
        let max_token_secs = max_token_secs(config);
        let (source, ring) = match &config.tokens.signing_key_file {
            Some(path) => (Source::File, ring_from_file(path, now)?),
            None => {
                first_key(db, config.tokens.signing_alg, now).await?;
                (Source::Database, ring_from_db(db, max_token_secs).await?)
            }
        };
        let keys = Keys {
            ring: RwLock::new(Arc::new(ring)),
            issuer,
            source,
            max_token_secs,
            verified: Mutex::new(LruCache::new(
                NonZeroUsize::new(VERIFIED_CACHE).unwrap_or(NonZeroUsize::MIN),
            )),
        };
        if let Some(signer) = keys.ring().signer(now)
            && signer.alg != config.tokens.signing_alg
            && matches!(keys.source, Source::Database)
        {
            tracing::warn!(
                signing = %signer.alg,
                configured = %config.tokens.signing_alg,
                "the signing key is not of ROSTER_SIGNING_ALG; `roster keys rotate` switches to it"
            );
        }
        Ok(keys)
    }

    /// The ring as it is now (cheap: shared).
    pub fn ring(&self) -> Arc<KeyRing> {
        match self.ring.read() {
            Ok(ring) => ring.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Verifies an access token at `now`. A token verified before is taken from the cache while
    /// it has not expired and the key that signed it is still accepted (issuer and audience do
    /// not change in a process); HS256 tokens from before the upgrade are never cached.
    pub fn verify_access(&self, token: &str, now: DateTime<Utc>) -> Result<Verified, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let ring = self.ring();
        let cached = self.cache().get(&digest).cloned();
        if let Some(hit) = cached
            && hit
                .kid
                .as_deref()
                .is_some_and(|kid| ring.verifier(kid, now).is_some())
        {
            return if hit.exp + LEEWAY_SECS < now.timestamp() {
                Err(TokenError::Expired)
            } else {
                Ok(hit)
            };
        }
        let verified = self.issuer.verify_access(&ring, token, now)?;
        if verified.kid.is_some() {
            self.cache().put(digest, verified.clone());
        }
        Ok(verified)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, LruCache<[u8; 32], Verified>> {
        match self.verified.lock() {
            Ok(cache) => cache,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Re-reads the keys from the database (another replica or `roster keys` may have changed
    /// them); keys from a file stay as loaded.
    pub async fn reload(&self, db: &Db) -> anyhow::Result<()> {
        if let Source::Database = self.source {
            let ring = Arc::new(ring_from_db(db, self.max_token_secs).await?);
            match self.ring.write() {
                Ok(mut current) => *current = ring,
                Err(poisoned) => *poisoned.into_inner() = ring,
            }
        }
        Ok(())
    }

    /// Keeps the ring current: re-reads it every `keys::RELOAD_EVERY_SECS` until `keys` is
    /// dropped.
    pub fn keep_current(keys: &Arc<Keys>, db: Db) {
        let weak = Arc::downgrade(keys);
        let every =
            std::time::Duration::from_secs(crate::auth::keys::RELOAD_EVERY_SECS.unsigned_abs());
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.tick().await;
            loop {
                interval.tick().await;
                let Some(keys) = weak.upgrade() else { return };
                if let Err(e) = keys.reload(&db).await {
                    tracing::warn!(error = %e, "cannot re-read the signing keys; keeping the ones loaded");
                }
            }
        });
    }
}

fn ring_from_file(path: &PathBuf, now: DateTime<Utc>) -> anyhow::Result<KeyRing> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read ROSTER_SIGNING_KEY_FILE {}", path.display()))?;
    let keys = parse_pem_file(&text)
        .with_context(|| format!("ROSTER_SIGNING_KEY_FILE {}", path.display()))?;
    Ok(KeyRing::from_file(keys, now))
}

async fn ring_from_db(db: &Db, max_token_secs: i64) -> anyhow::Result<KeyRing> {
    let keys = db
        .signing_keys()
        .await?
        .into_iter()
        .filter(|row| row.retired_at.is_none())
        .map(|row| {
            let key = SigningKey::from_pem(&row.private_pem)
                .with_context(|| format!("signing key {} in the database", row.kid))?;
            Ok(RingKey {
                key: Arc::new(key),
                created_at: row.created_at,
                signs_from: row.signs_from,
                retired_at: row.retired_at,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(KeyRing::new(keys, max_token_secs))
}

/// A new key of `alg` that signs from `signs_from`.
fn new_row(
    alg: SigningAlg,
    now: DateTime<Utc>,
    signs_from: DateTime<Utc>,
) -> anyhow::Result<SigningKeyRow> {
    let pem = generate_pem(alg)?;
    let key = SigningKey::from_pem(&pem)?;
    Ok(SigningKeyRow {
        kid: key.kid,
        alg: alg.name().to_owned(),
        private_pem: pem,
        created_at: now,
        signs_from,
        retired_at: None,
    })
}

/// The first key signs at once: no verifier can have cached a key set without it. It is dated
/// a minute back, so a replica whose clock is a little behind finds it signing too.
async fn first_key(db: &Db, alg: SigningAlg, now: DateTime<Utc>) -> anyhow::Result<()> {
    if db
        .signing_keys()
        .await?
        .iter()
        .any(|k| k.retired_at.is_none())
    {
        return Ok(());
    }
    let back = now - Duration::seconds(60);
    let row = tokio::task::spawn_blocking(move || new_row(alg, back, back)).await??;
    if db.insert_first_signing_key(&row).await? {
        tracing::info!(kid = %row.kid, alg = %row.alg, "generated the first token signing key");
    }
    Ok(())
}

/// `roster keys rotate`: a new key of `alg`, published now, signing once every cached key set
/// holds it. The old key then stays published until its last token expired. With no key
/// signing yet (a database no server has started on), the new key signs at once.
pub async fn rotate(db: &Db, alg: SigningAlg, now: DateTime<Utc>) -> anyhow::Result<SigningKeyRow> {
    // Which key signs does not depend on token lifetimes.
    let signing = ring_from_db(db, 0).await?.signer(now).is_some();
    let signs_from = if signing {
        now + Duration::seconds(PUBLISH_AHEAD_SECS)
    } else {
        now
    };
    let row = tokio::task::spawn_blocking(move || new_row(alg, now, signs_from)).await??;
    if !db.insert_signing_key(&row).await? {
        anyhow::bail!("a key with id {} exists already", row.kid);
    }
    Ok(row)
}

/// One line of `roster keys list`.
#[derive(Debug)]
pub struct KeyListing {
    pub kid: String,
    pub alg: String,
    pub created_at: DateTime<Utc>,
    pub state: KeyState,
}

/// `roster keys list`: every key with where it is in its life at `now`.
pub async fn list(db: &Db, config: &Config, now: DateTime<Utc>) -> anyhow::Result<Vec<KeyListing>> {
    let rows = db.signing_keys().await?;
    let ring = ring_from_db(db, max_token_secs(config)).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let state = ring
                .keys()
                .iter()
                .position(|k| k.key.kid == row.kid)
                .map_or(KeyState::Retired, |i| ring.state(i, now));
            KeyListing {
                kid: row.kid,
                alg: row.alg,
                created_at: row.created_at,
                state,
            }
        })
        .collect())
}

/// `roster keys retire KID`: stops publishing and accepting a key at once (for a key that
/// leaked; rotation retires old keys by itself). The key that signs cannot be retired: rotate
/// first.
pub async fn retire(db: &Db, config: &Config, kid: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    let listing = list(db, config, now).await?;
    let key = listing
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| anyhow::anyhow!("no key {kid}; `roster keys list` shows them"))?;
    match key.state {
        KeyState::Signing => anyhow::bail!(
            "key {kid} signs new tokens; run `roster keys rotate` and retire it once the new key signs"
        ),
        KeyState::Retired => anyhow::bail!("key {kid} is retired already"),
        KeyState::Pending { .. } | KeyState::Published { .. } => {}
    }
    if !db.retire_signing_key(kid, now).await? {
        anyhow::bail!("key {kid} is retired already");
    }
    Ok(())
}

/// Refuses `roster keys rotate | retire` when the keys come from a file.
pub fn check_managed_here(config: &Config) -> anyhow::Result<()> {
    match &config.tokens.signing_key_file {
        Some(path) => anyhow::bail!(
            "the signing keys come from ROSTER_SIGNING_KEY_FILE ({}); rotate by editing that file \
             (README: \"Signing keys\")",
            path.display()
        ),
        None => Ok(()),
    }
}

impl crate::service::Roster {
    /// `roster keys rotate` in this process (tests, embedding): the new key's id.
    pub async fn rotate_keys(&self) -> anyhow::Result<String> {
        check_managed_here(&self.config)?;
        let row = rotate(&self.db, self.config.tokens.signing_alg, self.now()).await?;
        self.keys.reload(&self.db).await?;
        Ok(row.kid)
    }
}

/// A signed workspace token and its lifetime in seconds.
pub struct WorkspaceToken {
    pub token: String,
    pub expires_in: i64,
}

impl crate::service::Roster {
    /// A workspace token for `account`, a member of `workspace` with `role` (the caller checked
    /// the membership): `org_id`, `org_role` and the role's `org_permissions`, for 5 minutes.
    pub fn workspace_token(
        &self,
        account: uuid::Uuid,
        workspace: uuid::Uuid,
        role: crate::domain::Role,
    ) -> crate::error::AppResult<WorkspaceToken> {
        let grant = crate::auth::jwt::WorkspaceGrant {
            account,
            workspace,
            role: role.as_str().to_owned(),
            permissions: crate::domain::permissions::permissions_of(role)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        };
        let token = self
            .keys
            .issuer
            .issue_workspace(&self.keys.ring(), grant, self.now(), WORKSPACE_TOKEN_SECS)
            .map_err(crate::error::AppError::Internal)?;
        Ok(WorkspaceToken {
            token,
            expires_in: WORKSPACE_TOKEN_SECS,
        })
    }
}
