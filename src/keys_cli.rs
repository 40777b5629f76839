//! `roster keys list | rotate | retire KID`: the operator's side of the signing keys (the
//! rules are in `service::keys`). Works on the database the server uses; running servers pick
//! the change up within a minute, before it matters (a new key signs only 6 minutes later).

use std::fmt::Write as _;

use crate::auth::keys::KeyState;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, KeysCommand};
use crate::db::Db;
use crate::service::keys;

/// Runs `action`; returns what to print.
pub async fn run(action: &KeysCommand, config: &Config) -> anyhow::Result<String> {
    crate::startup::check_database_url(&config.database_url)?;
    if !matches!(action, KeysCommand::List) {
        keys::check_managed_here(config)?;
    }
    let db = Db::connect(&config.database_url).await?;
    let now = SystemClock.now();
    let mut out = String::new();
    match action {
        KeysCommand::List => {
            if let Some(path) = &config.tokens.signing_key_file {
                writeln!(
                    out,
                    "# the server signs with the keys of ROSTER_SIGNING_KEY_FILE ({}), not these",
                    path.display()
                )?;
            }
            let listing = keys::list(&db, config, now).await?;
            if listing.is_empty() {
                writeln!(
                    out,
                    "no keys yet: the server generates one when it first starts"
                )?;
                return Ok(out);
            }
            writeln!(out, "{:<44} {:<6} {:<26} state", "kid", "alg", "created")?;
            for key in listing {
                let state = match key.state {
                    KeyState::Pending { signs_from } => {
                        format!("published, signs from {}", signs_from.to_rfc3339())
                    }
                    KeyState::Signing => "signing".to_owned(),
                    KeyState::Published { until } => {
                        format!("published until {}", until.to_rfc3339())
                    }
                    KeyState::Retired => "retired".to_owned(),
                };
                writeln!(
                    out,
                    "{:<44} {:<6} {:<26} {state}",
                    key.kid,
                    key.alg,
                    key.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                )?;
            }
        }
        KeysCommand::Rotate => {
            let row = keys::rotate(&db, config.tokens.signing_alg, now).await?;
            writeln!(
                out,
                "new key {} ({}): published now, signs from {}",
                row.kid,
                row.alg,
                row.signs_from.to_rfc3339()
            )?;
        }
        KeysCommand::Retire { kid } => {
            keys::retire(&db, config, kid, now).await?;
            writeln!(out, "key {kid} retired: no longer published or accepted")?;
        }
    }
    Ok(out)
}
