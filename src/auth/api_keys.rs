//! API key secrets: `rsk_` + base64url of 32 random bytes (the prefix lets secret scanners find
//! leaked keys). Only the SHA-256 of a secret is stored; lists show its first characters.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// What every secret starts with.
pub const SCHEME: &str = "rsk_";
/// Random bytes per secret.
const SECRET_BYTES: usize = 32;
/// base64url characters of the random part (32 bytes, unpadded).
const ENCODED_LEN: usize = 43;
/// Characters of the secret shown in lists (`rsk_` and 8 more).
const PREFIX_LEN: usize = 12;

/// A fresh secret, shown once: the caller keeps only [`NewSecret::hash`] and the prefix.
pub struct NewSecret {
    pub secret: String,
    pub prefix: String,
    pub hash: [u8; 32],
}

pub fn new_secret() -> anyhow::Result<NewSecret> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let secret = format!("{SCHEME}{}", URL_SAFE_NO_PAD.encode(bytes));
    let prefix = secret[..PREFIX_LEN].to_owned();
    let hash = hash(&secret);
    Ok(NewSecret {
        secret,
        prefix,
        hash,
    })
}

/// Is this bearer token meant as an API key (whether or not it is a well-formed one)?
pub fn looks_like_key(token: &str) -> bool {
    token.starts_with(SCHEME)
}

/// The hash to look a presented secret up by; `None` when it cannot be one of ours (wrong
/// length or characters), so a malformed key never reaches the database.
pub fn parse(token: &str) -> Option<[u8; 32]> {
    let body = token.strip_prefix(SCHEME)?;
    let decoded = URL_SAFE_NO_PAD.decode(body).ok()?;
    (body.len() == ENCODED_LEN && decoded.len() == SECRET_BYTES).then(|| hash(token))
}

fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_parse_back_to_their_hash() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert!(a.secret.starts_with("rsk_") && a.secret.len() == 4 + 43);
        assert_eq!(a.prefix, a.secret[..12]);
        assert_ne!(a.secret, b.secret);
        assert_eq!(parse(&a.secret), Some(a.hash));
    }

    #[test]
    fn malformed_secrets_are_refused() {
        let good = new_secret().unwrap().secret;
        for bad in [
            "rsk_",
            "rsk_abc",
            &good[..good.len() - 1],
            &format!("{good}A"),
            &format!("rsk_{}", "+".repeat(43)),
            &good.replacen("rsk_", "rsk-", 1),
            &format!("rsk_{}", "é".repeat(22)),
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert!(looks_like_key("rsk_x") && !looks_like_key("eyJ"));
    }
}
