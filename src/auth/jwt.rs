//! Tokens signed with the key ring (see [`super::keys`]): access tokens (RFC 9068, `typ:
//! at+jwt`) and workspace tokens (`typ: org+jwt`), and the HS256 access tokens of Roster
//! before asymmetric keys, accepted only until they expire.
//!
//! Verification pins everything before a signature is looked at: the key comes from the
//! token's `kid` among live keys only, the header's `alg` must be that key's, the `typ` must be
//! the expected one; then `iss`, `aud`, `exp` (against Roster's clock) are checked.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keys::{KeyRing, LEEWAY_SECS};

/// `typ` of access tokens (RFC 9068).
pub const ACCESS_TYP: &str = "at+jwt";
/// `typ` of workspace tokens.
pub const WORKSPACE_TYP: &str = "org+jwt";

/// The claims of an access token (SPEC 11).
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    /// The session (refresh-token family) the token belongs to: revoking the session ends the
    /// token at once.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
}

/// The claims of a workspace token: who, in which workspace, with which role and permissions.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkspaceClaims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    pub org_id: Uuid,
    pub org_role: String,
    pub org_permissions: Vec<String>,
}

/// What a workspace token says: `account` is a member of `workspace` with `role`, which may
/// perform `permissions`.
#[derive(Clone, Debug)]
pub struct WorkspaceGrant {
    pub account: Uuid,
    pub workspace: Uuid,
    pub role: String,
    pub permissions: Vec<String>,
}

/// An HS256 access token of Roster before asymmetric keys.
#[derive(Debug, Deserialize)]
struct LegacyClaims {
    sub: Uuid,
    sid: Uuid,
    iat: i64,
    exp: i64,
}

/// What a verified access token names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub account: Uuid,
    pub session: Uuid,
    /// Its expiry (seconds since the epoch).
    pub exp: i64,
    /// The key that signed it (`None`: an HS256 token from before the upgrade).
    pub kid: Option<String>,
}

/// Why an access token was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Well formed and signed by us, but past its expiry: the client should refresh.
    Expired,
    /// Anything else: forged, malformed, another algorithm, key, type, issuer or audience.
    Invalid,
}

/// The HS256 secret of before the upgrade, with the window its tokens are accepted in.
#[derive(Clone)]
pub struct LegacySecret {
    decoding: DecodingKey,
    /// Only tokens issued before asymmetric keys took over...
    issued_before: i64,
    /// ...and only until then (when the last of them has expired).
    accepted_until: i64,
}

impl LegacySecret {
    /// `since`: when Roster started signing with asymmetric keys; `ttl_secs`: the access-token
    /// lifetime, so the last HS256 token expired by `since + ttl_secs`.
    pub fn new(secret: &[u8], since: DateTime<Utc>, ttl_secs: i64) -> LegacySecret {
        LegacySecret {
            decoding: DecodingKey::from_secret(secret),
            issued_before: since.timestamp(),
            accepted_until: since.timestamp() + ttl_secs + LEEWAY_SECS,
        }
    }

    fn verify(&self, token: &str, now: i64) -> Result<Verified, TokenError> {
        if now >= self.accepted_until {
            return Err(TokenError::Invalid);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        validation.validate_exp = false;
        let claims = decode::<LegacyClaims>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if claims.iat > self.issued_before || claims.exp > self.accepted_until {
            return Err(TokenError::Invalid);
        }
        if claims.exp + LEEWAY_SECS < now {
            return Err(TokenError::Expired);
        }
        Ok(Verified {
            account: claims.sub,
            session: claims.sid,
            exp: claims.exp,
            kid: None,
        })
    }
}

/// Who signs (`iss`) for whom (`aud`), and the legacy secret if there is one.
#[derive(Clone)]
pub struct TokenIssuer {
    pub issuer: String,
    pub audience: String,
    pub legacy: Option<LegacySecret>,
}

impl TokenIssuer {
    fn sign<T: Serialize>(
        &self,
        ring: &KeyRing,
        typ: &str,
        claims: &T,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let key = ring
            .signer(now)
            .ok_or_else(|| anyhow::anyhow!("no signing key is active"))?;
        let mut header = Header::new(key.alg.algorithm());
        header.kid = Some(key.kid.clone());
        header.typ = Some(typ.to_owned());
        Ok(encode(&header, claims, key.encoding())?)
    }

    /// An access token for `account`'s `session`, valid from `now` for `ttl_secs`.
    pub fn issue_access(
        &self,
        ring: &KeyRing,
        account: Uuid,
        session: Uuid,
        now: DateTime<Utc>,
        ttl_secs: i64,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: account,
            sid: session,
            iat: now.timestamp(),
            exp: now.timestamp() + ttl_secs,
            jti: Uuid::new_v4(),
        };
        self.sign(ring, ACCESS_TYP, &claims, now)
    }

    /// A workspace token (`typ: org+jwt`) for `grant`, valid from `now` for `ttl_secs`.
    pub fn issue_workspace(
        &self,
        ring: &KeyRing,
        grant: WorkspaceGrant,
        now: DateTime<Utc>,
        ttl_secs: i64,
    ) -> anyhow::Result<String> {
        let claims = WorkspaceClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: grant.account,
            iat: now.timestamp(),
            exp: now.timestamp() + ttl_secs,
            jti: Uuid::new_v4(),
            org_id: grant.workspace,
            org_role: grant.role,
            org_permissions: grant.permissions,
        };
        self.sign(ring, WORKSPACE_TYP, &claims, now)
    }

    /// The account and session an access token names, at `now`.
    pub fn verify_access(
        &self,
        ring: &KeyRing,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Verified, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
        let Some(kid) = header.kid.as_deref() else {
            // No key id: only an HS256 token from before the upgrade, while those live.
            return match (&self.legacy, header.alg) {
                (Some(legacy), Algorithm::HS256) => legacy.verify(token, now.timestamp()),
                _ => Err(TokenError::Invalid),
            };
        };
        let key = ring.verifier(kid, now).ok_or(TokenError::Invalid)?;
        let typ_ok = header.typ.as_deref().is_some_and(|typ| {
            typ.eq_ignore_ascii_case(ACCESS_TYP) || typ.eq_ignore_ascii_case("application/at+jwt")
        });
        if header.alg != key.alg.algorithm() || !typ_ok {
            return Err(TokenError::Invalid);
        }
        let mut validation = Validation::new(key.alg.algorithm());
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        // `exp` is checked below against Roster's clock.
        validation.validate_exp = false;
        let claims = decode::<Claims>(token, key.decoding(), &validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if claims.exp + LEEWAY_SECS < now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(Verified {
            account: claims.sub,
            session: claims.sid,
            exp: claims.exp,
            kid: Some(kid.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::keys::{RingKey, SigningAlg, SigningKey, generate_pem};
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::EncodingKey;
    use std::sync::Arc;

    const SECRET: &[u8] = b"secret-secret-secret-secret-1234";

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn ring(alg: SigningAlg) -> KeyRing {
        let key = SigningKey::from_pem(&generate_pem(alg).unwrap()).unwrap();
        KeyRing::new(
            vec![RingKey {
                key: Arc::new(key),
                created_at: now() - chrono::Duration::hours(1),
                signs_from: now() - chrono::Duration::hours(1),
                retired_at: None,
            }],
            900,
        )
    }

    fn issuer() -> TokenIssuer {
        TokenIssuer {
            issuer: "https://roster.example".into(),
            audience: "roster".into(),
            legacy: Some(LegacySecret::new(SECRET, now(), 900)),
        }
    }

    fn hs256(claims: serde_json::Value, header: Header) -> String {
        encode(&header, &claims, &EncodingKey::from_secret(SECRET)).unwrap()
    }

    #[test]
    fn round_trip_with_every_algorithm() {
        for alg in SigningAlg::ALL {
            let ring = ring(alg);
            let (id, sid) = (Uuid::new_v4(), Uuid::new_v4());
            let t = issuer().issue_access(&ring, id, sid, now(), 60).unwrap();
            let header = decode_header(&t).unwrap();
            assert_eq!(header.typ.as_deref(), Some("at+jwt"));
            assert_eq!(header.alg, alg.algorithm());
            let v = issuer().verify_access(&ring, &t, now()).unwrap();
            assert_eq!((v.account, v.session), (id, sid));
        }
    }

    #[test]
    fn refuses_other_issuers_audiences_types_and_expired() {
        let ring = ring(SigningAlg::Es256);
        let (id, sid) = (Uuid::new_v4(), Uuid::new_v4());
        let t = issuer().issue_access(&ring, id, sid, now(), 60).unwrap();
        let other_aud = TokenIssuer {
            audience: "other".into(),
            ..issuer()
        };
        let other_iss = TokenIssuer {
            issuer: "https://evil.example".into(),
            ..issuer()
        };
        assert_eq!(
            other_aud.verify_access(&ring, &t, now()),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            other_iss.verify_access(&ring, &t, now()),
            Err(TokenError::Invalid)
        );
        let later = now() + chrono::Duration::seconds(120);
        assert_eq!(
            issuer().verify_access(&ring, &t, later),
            Err(TokenError::Expired)
        );
        let org = issuer()
            .issue_workspace(
                &ring,
                WorkspaceGrant {
                    account: id,
                    workspace: sid,
                    role: "OWNER".into(),
                    permissions: vec![],
                },
                now(),
                60,
            )
            .unwrap();
        assert_eq!(
            issuer().verify_access(&ring, &org, now()),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            issuer().verify_access(&ring, "not a token", now()),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn legacy_hs256_tokens_live_out_their_time_and_no_more() {
        let ring = ring(SigningAlg::Es256);
        let (id, sid) = (Uuid::new_v4(), Uuid::new_v4());
        let since = now();
        let issuer = TokenIssuer {
            legacy: Some(LegacySecret::new(SECRET, since, 900)),
            ..issuer()
        };
        let at = |iat: DateTime<Utc>, ttl: i64| {
            hs256(
                serde_json::json!({"sub": id, "sid": sid, "iat": iat.timestamp(), "exp": iat.timestamp() + ttl}),
                Header::new(Algorithm::HS256),
            )
        };
        let old = at(since - chrono::Duration::seconds(60), 900);
        assert!(issuer.verify_access(&ring, &old, since).is_ok());
        let expiry = since + chrono::Duration::seconds(900);
        assert_eq!(
            issuer.verify_access(&ring, &old, expiry),
            Err(TokenError::Expired)
        );
        // Minted after the upgrade (by whoever holds the old secret): refused.
        let new = at(since + chrono::Duration::seconds(1), 60);
        assert_eq!(
            issuer.verify_access(&ring, &new, since + chrono::Duration::seconds(2)),
            Err(TokenError::Invalid)
        );
        // A long-lived one is refused, and after the window nothing HS256 passes.
        let long = at(since - chrono::Duration::seconds(60), 100_000);
        assert!(issuer.verify_access(&ring, &long, since).is_err());
        let window_end = since + chrono::Duration::seconds(900 + LEEWAY_SECS);
        assert!(issuer.verify_access(&ring, &old, window_end).is_err());
        // With a kid, or as HS512, never.
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(ring.signer(now()).unwrap().kid.clone());
        let with_kid = hs256(
            serde_json::json!({"sub": id, "sid": sid, "iat": since.timestamp() - 1, "exp": since.timestamp() + 60}),
            header,
        );
        assert_eq!(
            issuer.verify_access(&ring, &with_kid, since),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn alg_none_is_refused() {
        let ring = ring(SigningAlg::Es256);
        let kid = ring.signer(now()).unwrap().kid.clone();
        let (id, sid) = (Uuid::new_v4(), Uuid::new_v4());
        for header in [
            serde_json::json!({"alg": "none", "typ": "at+jwt", "kid": kid}),
            serde_json::json!({"alg": "none"}),
        ] {
            let head = URL_SAFE_NO_PAD.encode(header.to_string());
            let body = URL_SAFE_NO_PAD.encode(
                serde_json::json!({"iss": "https://roster.example", "aud": "roster", "sub": id,
                    "sid": sid, "iat": now().timestamp(), "exp": now().timestamp() + 60, "jti": id})
                .to_string(),
            );
            assert_eq!(
                issuer().verify_access(&ring, &format!("{head}.{body}."), now()),
                Err(TokenError::Invalid)
            );
        }
    }
}
