//! The key ring of access tokens: asymmetric signing keys only (ES256, RS256, EdDSA), each with
//! the public JWK verifiers get, and the pure rules of which key signs and which are published.
//!
//! A key is *pending* from its creation until `signs_from` (published, not yet signing: a
//! verifier's cached key set learns it first), then *signing* until a newer key starts signing,
//! then *published* until the last token it signed has expired, then retired by itself.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use std::fmt;
use std::sync::Arc;

/// How long verifiers may cache the key set (`Cache-Control: max-age` of the JWKS), seconds.
pub const JWKS_MAX_AGE_SECS: i64 = 300;
/// How often each replica re-reads the keys from the database, seconds.
pub const RELOAD_EVERY_SECS: i64 = 60;
/// A new key signs this long after it is created: every cached key set (and every replica's
/// ring) holds it by then.
pub const PUBLISH_AHEAD_SECS: i64 = JWKS_MAX_AGE_SECS + RELOAD_EVERY_SECS;
/// Tolerated clock skew when checking `exp`, seconds.
pub const LEEWAY_SECS: i64 = 5;
/// "Never expires" for keys that are published for as long as their file holds them.
const FOREVER_SECS: i64 = 100 * 366 * 24 * 3600;

/// An asymmetric JWS algorithm Roster signs with. There is deliberately no HMAC variant: a key
/// of this type can never put a secret into the key set.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum SigningAlg {
    /// ECDSA P-256 with SHA-256 (the default).
    #[default]
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys.
    Rs256,
    /// Ed25519 (`EdDSA`).
    EdDsa,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 3] = [SigningAlg::Es256, SigningAlg::Rs256, SigningAlg::EdDsa];

    /// The JOSE name (`alg` header), also what the database keeps.
    pub fn name(self) -> &'static str {
        match self {
            SigningAlg::Es256 => "ES256",
            SigningAlg::Rs256 => "RS256",
            SigningAlg::EdDsa => "EdDSA",
        }
    }

    /// Reads a JOSE name (any case; `Ed25519` is taken for `EdDSA`).
    pub fn parse(s: &str) -> Option<SigningAlg> {
        let s = s.trim();
        SigningAlg::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s))
            .or_else(|| {
                s.eq_ignore_ascii_case("ed25519")
                    .then_some(SigningAlg::EdDsa)
            })
    }

    pub fn algorithm(self) -> Algorithm {
        match self {
            SigningAlg::Es256 => Algorithm::ES256,
            SigningAlg::Rs256 => Algorithm::RS256,
            SigningAlg::EdDsa => Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fresh private key of `alg` from the operating system's CSPRNG, as PKCS#8 PEM.
pub fn generate_pem(alg: SigningAlg) -> anyhow::Result<String> {
    use rand_core::OsRng;
    let pem = match alg {
        SigningAlg::Es256 => {
            use p256::pkcs8::{EncodePrivateKey, LineEnding};
            p256::SecretKey::random(&mut OsRng)
                .to_pkcs8_pem(LineEnding::LF)?
                .to_string()
        }
        SigningAlg::Rs256 => {
            use rsa::pkcs8::{EncodePrivateKey, LineEnding};
            rsa::RsaPrivateKey::new(&mut OsRng, 2048)?
                .to_pkcs8_pem(LineEnding::LF)?
                .to_string()
        }
        SigningAlg::EdDsa => ed25519_v1_pem(&ed25519_dalek::SigningKey::generate(&mut OsRng))?,
    };
    Ok(pem)
}

/// An Ed25519 key as PKCS#8 v1 (the private key alone): the form jsonwebtoken reads.
fn ed25519_v1_pem(key: &ed25519_dalek::SigningKey) -> anyhow::Result<String> {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, KeypairBytes, spki::der::pem::LineEnding};
    let bytes = KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    Ok(bytes.to_pkcs8_pem(LineEnding::LF)?.to_string())
}

/// Which algorithm a PKCS#8 private key is for; `None` when it is none Roster signs with.
fn alg_of_pkcs8(pem: &str) -> Option<SigningAlg> {
    use p256::pkcs8::DecodePrivateKey;
    if p256::SecretKey::from_pkcs8_pem(pem).is_ok() {
        Some(SigningAlg::Es256)
    } else if rsa::RsaPrivateKey::from_pkcs8_pem(pem).is_ok() {
        Some(SigningAlg::Rs256)
    } else if ed25519_dalek::SigningKey::from_pkcs8_pem(pem).is_ok() {
        Some(SigningAlg::EdDsa)
    } else {
        None
    }
}

/// One signing key: the private half for signing, the public JWK (and the verifier built from
/// exactly that JWK, so Roster checks what other services check).
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub alg: SigningAlg,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads one PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`). Its key id is the
    /// RFC 7638 thumbprint of its public key, so every replica reading the same key agrees.
    pub fn from_pem(pem: &str) -> anyhow::Result<SigningKey> {
        let alg = alg_of_pkcs8(pem).ok_or_else(|| {
            anyhow::anyhow!(
                "not a PKCS#8 P-256, RSA or Ed25519 private key (a `-----BEGIN PRIVATE KEY-----` \
                 block; convert others with `openssl pkcs8 -topk8 -nocrypt`)"
            )
        })?;
        let encoding = match alg {
            SigningAlg::Es256 => EncodingKey::from_ec_pem(pem.as_bytes())?,
            SigningAlg::Rs256 => EncodingKey::from_rsa_pem(pem.as_bytes())?,
            SigningAlg::EdDsa => {
                // A v2 file (private and public key) is read as the v1 jsonwebtoken takes.
                use ed25519_dalek::pkcs8::DecodePrivateKey;
                let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem)?;
                EncodingKey::from_ed_pem(ed25519_v1_pem(&key)?.as_bytes())?
            }
        };
        let mut jwk = Jwk::from_encoding_key(&encoding, alg.algorithm())?;
        // The trap: a JWK made from an HMAC key holds the secret. Only public key types pass.
        if !is_public(&jwk) {
            anyhow::bail!("refusing a key whose JWK would not be a public key");
        }
        let kid = jwk.thumbprint(ThumbprintHash::SHA256)?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let decoding = DecodingKey::from_jwk(&jwk)?;
        Ok(SigningKey {
            kid,
            alg,
            encoding,
            decoding,
            jwk,
        })
    }

    pub fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The public JWK (RFC 7517) with `kid`, `alg` and `use: sig`.
    pub fn public_jwk(&self) -> &Jwk {
        &self.jwk
    }
}

/// A JWK of a public key type (EC, RSA, OKP) and nothing else: never `oct`.
fn is_public(jwk: &Jwk) -> bool {
    matches!(
        jwk.algorithm,
        AlgorithmParameters::EllipticCurve(_)
            | AlgorithmParameters::RSA(_)
            | AlgorithmParameters::OctetKeyPair(_)
    )
}

/// Reads every `PRIVATE KEY` block of a PEM file (the first one signs, see [`KeyRing::from_file`]).
pub fn parse_pem_file(text: &str) -> anyhow::Result<Vec<SigningKey>> {
    let blocks = pem::parse_many(text)?;
    if blocks.is_empty() {
        anyhow::bail!("no PEM block found");
    }
    blocks
        .iter()
        .enumerate()
        .map(|(i, block)| {
            if block.tag() != "PRIVATE KEY" {
                anyhow::bail!(
                    "block {} is `{}`, not a PKCS#8 `PRIVATE KEY` (convert it with `openssl pkcs8 \
                     -topk8 -nocrypt`)",
                    i + 1,
                    block.tag()
                );
            }
            SigningKey::from_pem(&pem::encode(block))
                .map_err(|e| anyhow::anyhow!("block {}: {e}", i + 1))
        })
        .collect()
}

/// A key with its place in the rotation.
#[derive(Clone, Debug)]
pub struct RingKey {
    pub key: Arc<SigningKey>,
    pub created_at: DateTime<Utc>,
    /// When it starts signing (published from `created_at`).
    pub signs_from: DateTime<Utc>,
    /// Retired by hand (`roster keys retire`): neither published nor accepted.
    pub retired_at: Option<DateTime<Utc>>,
}

/// Where a key is in its life at some moment.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum KeyState {
    /// Published, signs from the given time.
    Pending { signs_from: DateTime<Utc> },
    /// Signs new tokens.
    Signing,
    /// Superseded; published until the last token it signed expires.
    Published { until: DateTime<Utc> },
    /// Neither published nor accepted (by hand, or after its last token expired).
    Retired,
}

impl KeyState {
    pub fn is_live(self) -> bool {
        !matches!(self, KeyState::Retired)
    }
}

/// Every key Roster knows, with the rules of rotation. `max_token_secs` is the longest lifetime
/// of a token signed by these keys (access or workspace token).
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Vec<RingKey>,
    max_token_secs: i64,
}

impl KeyRing {
    pub fn new(mut keys: Vec<RingKey>, max_token_secs: i64) -> KeyRing {
        // Oldest first; equal start times are ordered by key id so every replica agrees.
        keys.sort_by(|a, b| (a.signs_from, &a.key.kid).cmp(&(b.signs_from, &b.key.kid)));
        KeyRing {
            keys,
            max_token_secs,
        }
    }

    /// Keys from a file: the first signs, the others stay published and accepted for as long
    /// as they are in the file (an operator rotates by adding the new key as a second block,
    /// moving it first after the key set's cache lifetime, and removing the old one once its
    /// last token expired).
    pub fn from_file(keys: Vec<SigningKey>, loaded_at: DateTime<Utc>) -> Self {
        let keys = keys
            .into_iter()
            .enumerate()
            .map(|(i, key)| RingKey {
                key: Arc::new(key),
                created_at: loaded_at,
                // The first block gets the latest start, so it is the one that signs.
                signs_from: loaded_at - Duration::seconds(i64::try_from(i).unwrap_or(0)),
                retired_at: None,
            })
            .collect();
        KeyRing::new(keys, FOREVER_SECS)
    }

    pub fn keys(&self) -> &[RingKey] {
        &self.keys
    }

    /// When the key at `index` stopped signing: when the first later key started, if it has.
    fn superseded_at(&self, index: usize, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.keys[index + 1..]
            .iter()
            .filter(|k| k.retired_at.is_none() && k.signs_from <= now)
            .map(|k| k.signs_from)
            .min()
    }

    pub fn state(&self, index: usize, now: DateTime<Utc>) -> KeyState {
        let key = &self.keys[index];
        if key.retired_at.is_some_and(|at| at <= now) {
            return KeyState::Retired;
        }
        if key.signs_from > now {
            return KeyState::Pending {
                signs_from: key.signs_from,
            };
        }
        match self.superseded_at(index, now) {
            None => KeyState::Signing,
            Some(at) => match at.checked_add_signed(Duration::seconds(
                self.max_token_secs.clamp(0, FOREVER_SECS) + LEEWAY_SECS,
            )) {
                Some(until) if until <= now => KeyState::Retired,
                Some(until) => KeyState::Published { until },
                None => KeyState::Published {
                    until: DateTime::<Utc>::MAX_UTC,
                },
            },
        }
    }

    /// The key that signs at `now` (the newest one whose time has come).
    pub fn signer(&self, now: DateTime<Utc>) -> Option<&SigningKey> {
        (0..self.keys.len())
            .rev()
            .find(|&i| self.state(i, now) == KeyState::Signing)
            .map(|i| self.keys[i].key.as_ref())
    }

    /// A live key by id: the only keys whose tokens are accepted.
    pub fn verifier(&self, kid: &str, now: DateTime<Utc>) -> Option<&SigningKey> {
        self.keys
            .iter()
            .position(|k| k.key.kid == kid)
            .filter(|&i| self.state(i, now).is_live())
            .map(|i| self.keys[i].key.as_ref())
    }

    /// The JWK Set (RFC 7517) of every live key: public keys only.
    pub fn jwks(&self, now: DateTime<Utc>) -> JwkSet {
        JwkSet {
            keys: (0..self.keys.len())
                .filter(|&i| self.state(i, now).is_live())
                .map(|i| self.keys[i].key.public_jwk().clone())
                .filter(is_public)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn ring_key(alg: SigningAlg, created: i64, signs: i64) -> RingKey {
        RingKey {
            key: Arc::new(SigningKey::from_pem(&generate_pem(alg).unwrap()).unwrap()),
            created_at: t(created),
            signs_from: t(signs),
            retired_at: None,
        }
    }

    #[test]
    fn every_algorithm_makes_a_public_jwk_only() {
        for alg in SigningAlg::ALL {
            let key = SigningKey::from_pem(&generate_pem(alg).unwrap()).unwrap();
            assert_eq!(key.alg, alg);
            let json = serde_json::to_value(key.public_jwk()).unwrap();
            assert_eq!(json["kid"], key.kid.as_str());
            assert_eq!(json["alg"], alg.name());
            assert_eq!(json["use"], "sig");
            assert_ne!(json["kty"], "oct");
            for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
                assert!(json.get(private).is_none(), "{alg}: {json}");
            }
        }
    }

    #[test]
    fn the_same_key_has_the_same_kid() {
        let pem = generate_pem(SigningAlg::Es256).unwrap();
        let a = SigningKey::from_pem(&pem).unwrap();
        let b = SigningKey::from_pem(&pem).unwrap();
        assert_eq!(a.kid, b.kid);
        let other = SigningKey::from_pem(&generate_pem(SigningAlg::Es256).unwrap()).unwrap();
        assert_ne!(a.kid, other.kid);
    }

    #[test]
    fn refuses_what_is_not_a_private_key() {
        assert!(SigningKey::from_pem("junk").is_err());
        assert!(parse_pem_file("").is_err());
        let public = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        assert!(parse_pem_file(public).is_err());
        let two = format!(
            "{}{}",
            generate_pem(SigningAlg::EdDsa).unwrap(),
            generate_pem(SigningAlg::Es256).unwrap()
        );
        let keys = parse_pem_file(&two).unwrap();
        assert_eq!(
            keys.iter().map(|k| k.alg).collect::<Vec<_>>(),
            [SigningAlg::EdDsa, SigningAlg::Es256]
        );
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(SigningAlg::parse("es256"), Some(SigningAlg::Es256));
        assert_eq!(SigningAlg::parse("EdDSA"), Some(SigningAlg::EdDsa));
        assert_eq!(SigningAlg::parse("Ed25519"), Some(SigningAlg::EdDsa));
        assert_eq!(SigningAlg::parse("HS256"), None);
        assert_eq!(SigningAlg::parse("none"), None);
    }

    #[test]
    fn rotation_publishes_first_signs_later_and_retires_by_itself() {
        let old = ring_key(SigningAlg::Es256, 0, 0);
        let new = ring_key(SigningAlg::Es256, 1000, 1000 + PUBLISH_AHEAD_SECS);
        let (old_kid, new_kid) = (old.key.kid.clone(), new.key.kid.clone());
        let ring = KeyRing::new(vec![new, old], 900);
        let kids = |now| {
            ring.jwks(now)
                .keys
                .into_iter()
                .filter_map(|k| k.common.key_id)
                .collect::<Vec<_>>()
        };
        // Before the rotation took effect: the old key signs, both are published.
        assert_eq!(ring.signer(t(1001)).unwrap().kid, old_kid);
        assert_eq!(kids(t(1001)), [old_kid.clone(), new_kid.clone()]);
        // After the cache lifetime: the new key signs, the old one is still published...
        let switch = 1000 + PUBLISH_AHEAD_SECS;
        assert_eq!(ring.signer(t(switch)).unwrap().kid, new_kid);
        assert!(ring.verifier(&old_kid, t(switch + 900)).is_some());
        assert_eq!(kids(t(switch + 900)).len(), 2);
        // ...until its last token expired.
        let gone = switch + 900 + LEEWAY_SECS;
        assert!(ring.verifier(&old_kid, t(gone)).is_none());
        assert_eq!(kids(t(gone)), [new_kid]);
        assert_eq!(ring.state(0, t(gone)), KeyState::Retired);
    }

    #[test]
    fn a_retired_key_is_neither_published_nor_accepted() {
        let mut old = ring_key(SigningAlg::EdDsa, 0, 0);
        old.retired_at = Some(t(10));
        let kid = old.key.kid.clone();
        let ring = KeyRing::new(vec![old], 900);
        assert!(ring.verifier(&kid, t(5)).is_some());
        assert!(ring.verifier(&kid, t(10)).is_none());
        assert!(ring.signer(t(10)).is_none());
        assert!(ring.jwks(t(10)).keys.is_empty());
    }

    #[test]
    fn from_a_file_the_first_key_signs_and_all_are_published() {
        let a = SigningKey::from_pem(&generate_pem(SigningAlg::Es256).unwrap()).unwrap();
        let b = SigningKey::from_pem(&generate_pem(SigningAlg::Rs256).unwrap()).unwrap();
        let (ka, kb) = (a.kid.clone(), b.kid.clone());
        let ring = KeyRing::from_file(vec![a, b], t(0));
        for later in [0, 10_000, 10_000_000] {
            assert_eq!(ring.signer(t(later)).unwrap().kid, ka);
            assert!(ring.verifier(&kb, t(later)).is_some());
            assert_eq!(ring.jwks(t(later)).keys.len(), 2);
        }
    }
}
