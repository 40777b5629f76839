//! Credentials: JWT access and workspace tokens and their signing keys, the `Authorization`
//! header, Argon2id passwords, opaque random tokens.

pub mod api_keys;
pub mod bearer;
pub mod hashing;
pub mod jwt;
pub mod keys;
pub mod password;
pub mod tokens;

pub use jwt::TokenIssuer;
pub use keys::{KeyRing, SigningAlg};
