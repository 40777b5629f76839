//! Argon2id password hashes (PHC strings), computed in a caller's reusable memory.
//!
//! Each hash needs [`PARAMS`]' memory cost (19 MiB) at once. Allocating it per hash lets the
//! allocator keep the freed blocks (glibc raises its mmap threshold after the first free, and
//! then serves the next 19 MiB from an arena it never returns): a login flood left the
//! process at 1.5 GiB. A [`Scratch`] is allocated once per hashing thread and reused, so the
//! memory of hashing is exactly threads x 19 MiB, whatever the load (see [`super::hashing`]).
//! These functions block for tens of milliseconds: call them only from the hashing threads.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Argon2id, m = 19 MiB, t = 2, p = 1: OWASP's first recommended setting, and the crate's
/// default (so hashes made by earlier releases verify at the same cost).
pub const PARAMS: Params = Params::DEFAULT;

/// Bytes of memory one hash with [`PARAMS`] holds while it runs.
pub const MEMORY_BYTES: usize = Params::DEFAULT_M_COST as usize * Block::SIZE;

/// Verified against when the email is unknown, so both failures cost the same time: random
/// output with [`PARAMS`] (a unit test checks the cost), which no known password produces.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZHVtbXktc2FsdC1yb3N0ZXI$yL8pR5vO0T0bkH1v3Gf9m2dD2mQW6m1o8x0k3nW2cE4";

/// One hashing thread's Argon2 memory, grown to the largest cost it has met and kept.
#[derive(Default)]
pub struct Scratch(Vec<Block>);

impl Scratch {
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let count = params.block_count();
        if self.0.len() < count {
            self.0.resize(count, Block::new());
        }
        &mut self.0[..count]
    }
}

/// Hashes `password` with a fresh random salt.
pub fn hash(scratch: &mut Scratch, password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness for a salt: {e}"))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS);
    argon2
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            scratch.blocks(&PARAMS),
        )
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&PARAMS)
            .map_err(|e| anyhow::anyhow!("hash parameters: {e}"))?,
        salt: Some(Salt::new(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("hash output: {e}"))?),
    };
    Ok(phc.to_string())
}

/// Checks `password` against the PHC string `phc` (any Argon2 variant and cost it names);
/// with `None` it checks against [`DUMMY_HASH`] and fails. A malformed hash never matches.
pub fn verify(scratch: &mut Scratch, password: &str, phc: Option<&str>) -> bool {
    let matched = matches(scratch, password, phc.unwrap_or(DUMMY_HASH));
    matched && phc.is_some()
}

fn matches(scratch: &mut Scratch, password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = parsed.version.map_or(Ok(Version::V0x13), Version::try_from);
    let (Ok(version), Ok(params)) = (version, Params::try_from(&parsed)) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let computed = argon2
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut out,
            scratch.blocks(&params),
        )
        .ok()
        .and_then(|()| Output::new(&out).ok());
    // `Output`'s equality is constant-time.
    computed.is_some_and(|computed| &computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[test]
    fn hashes_and_verifies() {
        let mut scratch = Scratch::default();
        let h = hash(&mut scratch, "correct horse").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&mut scratch, "correct horse", Some(&h)));
        assert!(!verify(&mut scratch, "wrong", Some(&h)));
        assert!(!verify(&mut scratch, "x", None));
        assert!(!verify(&mut scratch, "x", Some("not a hash")));
        assert!(!verify(
            &mut scratch,
            "x",
            Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA")
        ));
    }

    #[test]
    fn hashes_are_those_of_the_argon2_crate() {
        let mut scratch = Scratch::default();
        let ours = hash(&mut scratch, "correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        // A hash made by the crate's own API (earlier releases) verifies here.
        let theirs = {
            use argon2::PasswordHasher;
            Argon2::default()
                .hash_password(b"older")
                .unwrap()
                .to_string()
        };
        assert!(verify(&mut scratch, "older", Some(&theirs)));
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(
            Params::try_from(&dummy).unwrap().block_count(),
            PARAMS.block_count()
        );
        assert_eq!(dummy.algorithm, Algorithm::Argon2id.ident());
        let real = PasswordHash::new(&hash(&mut Scratch::default(), "p").unwrap()).unwrap();
        assert_eq!(dummy.params, real.params);
        assert_eq!(dummy.hash.unwrap().len(), real.hash.unwrap().len());
    }

    #[test]
    fn scratch_memory_is_reused() {
        let mut scratch = Scratch::default();
        hash(&mut scratch, "a").unwrap();
        let first = scratch.0.as_ptr();
        hash(&mut scratch, "b").unwrap();
        assert_eq!(scratch.0.as_ptr(), first);
        assert_eq!(scratch.0.len() * Block::SIZE, MEMORY_BYTES);
    }
}
