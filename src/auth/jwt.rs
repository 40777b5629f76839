//! HS256 access tokens. The algorithm is pinned: a token naming any other `alg` (including
//! `none`) is rejected before its signature is looked at.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    /// The session (refresh-token family) the token belongs to: revoking the session ends the
    /// token at once.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
}

/// Why an access token was refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Well formed and signed by us, but past its expiry: the client should refresh.
    Expired,
    /// Anything else: forged, malformed, another algorithm, missing claims.
    Invalid,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        // `sid` is required too: serde refuses a token without it.
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Issues a token for `account` valid from `now` for `ttl_secs`.
    pub fn issue(
        &self,
        account: Uuid,
        session: Uuid,
        now: i64,
        ttl_secs: i64,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: account,
            sid: session,
            iat: now,
            exp: now + ttl_secs,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The account a token names, or `None` for any bad, forged or expired token.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        use jsonwebtoken::errors::ErrorKind;
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn round_trip() {
        let keys = JwtKeys::new(b"secret-secret-secret-secret-1234");
        let (id, sid) = (Uuid::new_v4(), Uuid::new_v4());
        let t = keys.issue(id, sid, now(), 60).unwrap();
        let claims = keys.verify(&t).unwrap();
        assert_eq!((claims.sub, claims.sid), (id, sid));
    }

    #[test]
    fn rejects_expired_forged_and_alg_none() {
        let keys = JwtKeys::new(b"secret-secret-secret-secret-1234");
        let other = JwtKeys::new(b"another-secret-another-secret-12");
        let (id, sid) = (Uuid::new_v4(), Uuid::new_v4());
        let expired = keys.issue(id, sid, now() - 3600, 60).unwrap();
        assert_eq!(keys.verify(&expired).err(), Some(TokenError::Expired));
        let forged = other.issue(id, sid, now(), 60).unwrap();
        assert_eq!(keys.verify(&forged).err(), Some(TokenError::Invalid));
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(
            serde_json::json!({"sub": id, "sid": sid, "iat": now(), "exp": now() + 60}).to_string(),
        );
        assert_eq!(
            keys.verify(&format!("{header}.{body}.")).err(),
            Some(TokenError::Invalid)
        );
        assert_eq!(keys.verify("not a token").err(), Some(TokenError::Invalid));
    }
}
