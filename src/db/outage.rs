//! Which storage errors mean "the database cannot be reached or cannot take this now" (an
//! outage: the request may succeed if retried), as opposed to a bug or a refused statement.
//! Callers answer an outage with `UNAVAILABLE` (SPEC 5), never with an answer about the data
//! (`NOT_FOUND`, a wrong password, a failed attempt): nothing was learnt about it.

/// True when `e` says the database was unreachable, restarting, out of connections, busy or
/// out of space, rather than that the statement itself was wrong.
pub fn is_outage(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let sqlite = db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some();
            db.code().is_some_and(|code| {
                if sqlite {
                    sqlite_outage(&code)
                } else {
                    postgres_outage(&code)
                }
            })
        }
        _ => false,
    }
}

/// SQLite result codes (extended ones included) of outages: SQLITE_BUSY, SQLITE_LOCKED,
/// SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN (the primary code is an extended one's low byte).
fn sqlite_outage(code: &str) -> bool {
    code.parse::<u32>()
        .is_ok_and(|code| matches!(code & 0xff, 5 | 6 | 10 | 13 | 14))
}

/// PostgreSQL SQLSTATEs of outages.
fn postgres_outage(code: &str) -> bool {
    // 08: connection exception; 53: insufficient resources (disk full, too many
    // connections); 57P01-57P03: shutting down, crashed, not accepting connections yet;
    // 58: system error (I/O); 40P01: deadlock detected (retrying succeeds); 55P03: lock not
    // available (lock_timeout).
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("58")
        || matches!(code, "57P01" | "57P02" | "57P03" | "40P01" | "55P03")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_are_outages() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(is_outage(&sqlx::Error::Io(refused)));
        assert!(is_outage(&sqlx::Error::PoolTimedOut));
        assert!(is_outage(&sqlx::Error::PoolClosed));
        assert!(!is_outage(&sqlx::Error::RowNotFound));
        assert!(!is_outage(&sqlx::Error::ColumnNotFound("x".into())));
    }

    #[test]
    fn codes_of_outages() {
        for code in ["08006", "57P01", "57P03", "53100", "53300", "40P01"] {
            assert!(postgres_outage(code), "{code}");
        }
        // Unique and foreign-key violations, syntax errors, a missing table.
        for code in ["23505", "23503", "42601", "42P01"] {
            assert!(!postgres_outage(code), "{code}");
        }
        // BUSY, BUSY_SNAPSHOT, FULL, IOERR, IOERR_WRITE.
        for code in ["5", "517", "13", "10", "778"] {
            assert!(sqlite_outage(code), "{code}");
        }
        // SQLITE_CONSTRAINT, SQLITE_CONSTRAINT_UNIQUE, SQLITE_ERROR.
        for code in ["19", "2067", "1"] {
            assert!(!sqlite_outage(code), "{code}");
        }
    }
}
