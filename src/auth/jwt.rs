//! HS256 access tokens. The algorithm is pinned: a token naming any other `alg` (including
//! `none`) is rejected before its signature is looked at.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub iat: i64,
    pub exp: i64,
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
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Issues a token for `account` valid from `now` for `ttl_secs`.
    pub fn issue(&self, account: Uuid, now: i64, ttl_secs: i64) -> anyhow::Result<String> {
        let claims = Claims {
            sub: account,
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
    pub fn verify(&self, token: &str) -> Option<Uuid> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims.sub)
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
        let id = Uuid::new_v4();
        let t = keys.issue(id, now(), 60).unwrap();
        assert_eq!(keys.verify(&t), Some(id));
    }

    #[test]
    fn rejects_expired_forged_and_alg_none() {
        let keys = JwtKeys::new(b"secret-secret-secret-secret-1234");
        let other = JwtKeys::new(b"another-secret-another-secret-12");
        let id = Uuid::new_v4();
        assert_eq!(
            keys.verify(&keys.issue(id, now() - 3600, 60).unwrap()),
            None
        );
        assert_eq!(keys.verify(&other.issue(id, now(), 60).unwrap()), None);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD
            .encode(serde_json::json!({"sub": id, "iat": now(), "exp": now() + 60}).to_string());
        assert_eq!(keys.verify(&format!("{header}.{body}.")), None);
        assert_eq!(keys.verify("not a token"), None);
    }
}
