//! Credentials: JWT access tokens, Argon2id passwords, opaque random tokens.

pub mod jwt;
pub mod password;
pub mod tokens;

pub use jwt::JwtKeys;
