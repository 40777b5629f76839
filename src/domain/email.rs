//! Email addresses: trimmed, lower-cased and validated ("parse, don't validate").

use std::fmt;
use std::str::FromStr;

/// The longest address SMTP carries (RFC 5321: 254 in a path).
const MAX_LEN: usize = 254;

/// A normalized, syntactically valid email address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid email address")]
pub struct InvalidEmail;

impl Email {
    /// Trims, lower-cases and validates with lettre's RFC 5322 address parser (the same parser
    /// that later puts the address on the wire, so anything accepted here can be mailed).
    pub fn parse(raw: &str) -> Result<Email, InvalidEmail> {
        let normalized = raw.trim().to_lowercase();
        if normalized.len() > MAX_LEN {
            return Err(InvalidEmail);
        }
        let address = lettre::Address::from_str(&normalized).map_err(|_| InvalidEmail)?;
        if address.domain().starts_with('[') {
            // IP literals are legal but never what a person means when inviting a colleague.
            return Err(InvalidEmail);
        }
        Ok(Email(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`: the default name of an invited account.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        let e = Email::parse("  Alice.Smith@Example.COM \n").unwrap();
        assert_eq!(e.as_str(), "alice.smith@example.com");
        assert_eq!(e.local_part(), "alice.smith");
    }

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org", "x@localhost"] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "   ",
            "plain",
            "@example.com",
            "a@",
            "a@@b.com",
            "a b@c.com",
            "Alice <alice@example.com>",
            "a@[127.0.0.1]",
            "a@b..com",
            long.as_str(),
        ] {
            assert_eq!(Email::parse(bad), Err(InvalidEmail), "{bad:?}");
        }
    }
}
