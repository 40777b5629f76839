//! Startup failures said once, in one line, with what to do about them.

use sqlx::postgres::PgConnectOptions;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Checks what can be checked before connecting: the folder of a SQLite file must exist.
pub fn check_database_url(url: &str) -> anyhow::Result<()> {
    if let Some(folder) = sqlite_folder(url)
        && !folder.as_os_str().is_empty()
        && !folder.is_dir()
    {
        anyhow::bail!(
            "cannot open the SQLite database {url}: the folder {} does not exist; create it \
             (mkdir -p {}) or point DATABASE_URL at a file in an existing folder",
            folder.display(),
            folder.display()
        );
    }
    Ok(())
}

/// The folder a `sqlite://` URL's file lives in (None for in-memory databases).
fn sqlite_folder(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let path = rest.strip_prefix("//").unwrap_or(rest);
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Path::new(path).parent().map(Path::to_path_buf)
}

/// One line for an error chain: each cause once (sqlx repeats its source in its own message),
/// then the fix when the failure is a known one.
pub fn explain(error: &anyhow::Error, database_url: &str) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string().replace('\n', " ");
        if !line.contains(text.as_str()) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    if let Some(fix) = fix_for(error, database_url) {
        line.push_str(". ");
        line.push_str(&fix);
    }
    line
}

fn fix_for(error: &anyhow::Error, database_url: &str) -> Option<String> {
    let sqlx_error = error
        .chain()
        .find_map(|c| c.downcast_ref::<sqlx::Error>())?;
    let is_pg = database_url.starts_with("postgres");
    match sqlx_error {
        sqlx::Error::Database(db) if is_pg && db.code().as_deref() == Some("3D000") => {
            let options = PgConnectOptions::from_str(database_url).ok()?;
            let name = options.get_database().unwrap_or("roster");
            Some(format!(
                "Create it with: createdb -h {} -p {} -U {} {name}",
                options.get_host(),
                options.get_port(),
                options.get_username()
            ))
        }
        sqlx::Error::Io(_) if is_pg => {
            Some("Is PostgreSQL running and reachable at that host and port?".to_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sqlite_folder() {
        assert_eq!(
            sqlite_folder("sqlite:///data/x/roster.db?mode=rwc"),
            Some(PathBuf::from("/data/x"))
        );
        assert_eq!(sqlite_folder("sqlite://roster.db"), Some(PathBuf::new()));
        assert_eq!(sqlite_folder("sqlite::memory:"), None);
        assert_eq!(sqlite_folder("postgres://x"), None);
        assert!(check_database_url("sqlite:///nonexistent-dir/x/y.db").is_err());
        assert!(check_database_url("sqlite://roster.db").is_ok());
    }

    #[test]
    fn says_each_cause_once() {
        let e = anyhow::anyhow!("database \"x\" does not exist").context("cannot connect");
        let e = e.context("cannot connect: database \"x\" does not exist");
        assert_eq!(
            explain(&e, "sqlite://x"),
            "cannot connect: database \"x\" does not exist"
        );
    }
}
