//! Credentials: JWT access tokens, the `Authorization` header, Argon2id passwords, opaque
//! random tokens.

pub mod bearer;
pub mod hashing;
pub mod jwt;
pub mod password;
pub mod tokens;

pub use jwt::JwtKeys;
