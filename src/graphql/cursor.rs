//! Opaque, stable cursors: base64url of the row's position in its ordering.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::members::MemberCursor;
use crate::error::{AppError, AppResult};

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(us: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us.parse().ok()?)
}

fn unpack(field: &'static str, cursor: &str, prefix: &str) -> AppResult<Vec<String>> {
    let bad = || AppError::bad_input(field, format!("{field} is not a cursor from this list"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let rest = text.strip_prefix(prefix).ok_or_else(bad)?;
    Ok(rest.split(':').map(str::to_owned).collect())
}

pub fn encode_member(c: &MemberCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "m:{}:{}:{}",
        c.rank,
        micros(c.created_at),
        c.account
    ))
}

pub fn decode_member(field: &'static str, cursor: &str) -> AppResult<MemberCursor> {
    let bad = || AppError::bad_input(field, format!("{field} is not a cursor from this list"));
    match unpack(field, cursor, "m:")?.as_slice() {
        [rank, at, id] => Ok(MemberCursor {
            rank: rank.parse().map_err(|_| bad())?,
            created_at: from_micros(at).ok_or_else(bad)?,
            account: Uuid::parse_str(id).map_err(|_| bad())?,
        }),
        _ => Err(bad()),
    }
}

pub fn encode_audit(at: DateTime<Utc>, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("a:{}:{}", micros(at), id))
}

pub fn decode_audit(field: &'static str, cursor: &str) -> AppResult<(DateTime<Utc>, Uuid)> {
    let bad = || AppError::bad_input(field, format!("{field} is not a cursor from this list"));
    match unpack(field, cursor, "a:")?.as_slice() {
        [at, id] => Ok((
            from_micros(at).ok_or_else(bad)?,
            Uuid::parse_str(id).map_err(|_| bad())?,
        )),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_junk() {
        let c = MemberCursor {
            rank: 3,
            created_at: DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap(),
            account: Uuid::new_v4(),
        };
        assert_eq!(decode_member("after", &encode_member(&c)).unwrap(), c);
        let (at, id) = (c.created_at, c.account);
        assert_eq!(
            decode_audit("after", &encode_audit(at, id)).unwrap(),
            (at, id)
        );
        assert!(decode_member("after", "junk!").is_err());
        assert!(decode_member("after", &encode_audit(at, id)).is_err());
    }
}
