//! Server-wide settings kept in the database (the generated JWT secret).

use super::{Db, with_pool};

impl Db {
    /// Returns the setting `key`, storing `candidate` first if it has none. Safe when several
    /// replicas start at once: the first insert wins and everyone reads the same value.
    pub async fn setting_or_insert(&self, key: &str, candidate: &str) -> sqlx::Result<String> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(candidate)
            .execute(pool)
            .await
            .map(|_| ()))?;
        with_pool!(self, pool => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(pool)
            .await)
    }
}
