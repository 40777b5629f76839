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

/// Which domains an address may have.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct EmailPolicy {
    /// Accept domains without a dot (`bob@localhost`, `a@intranet`): only for intranets, where
    /// such names are real. Off by default: on the internet they are typing mistakes.
    pub allow_dotless_domains: bool,
}

impl EmailPolicy {
    pub fn parse(self, raw: &str) -> Result<Email, InvalidEmail> {
        let email = Email::parse_syntax(raw)?;
        let domain = email.0.rsplit('@').next().unwrap_or_default();
        if !self.allow_dotless_domains && !domain.contains('.') {
            return Err(InvalidEmail);
        }
        Ok(email)
    }
}

impl Email {
    /// Trims, lower-cases and validates an address under the default policy (the domain must
    /// contain a dot).
    pub fn parse(raw: &str) -> Result<Email, InvalidEmail> {
        EmailPolicy::default().parse(raw)
    }

    /// Trims, lower-cases and validates with lettre's RFC 5322 address parser (the same parser
    /// that later puts the address on the wire, so anything accepted here can be mailed).
    fn parse_syntax(raw: &str) -> Result<Email, InvalidEmail> {
        let normalized = raw.trim().to_lowercase();
        // A control character (a NUL above all: PostgreSQL's text refuses it) is no address.
        if normalized.len() > MAX_LEN || normalized.chars().any(char::is_control) {
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
        for ok in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn a_domain_without_a_dot_only_on_intranets() {
        let intranet = EmailPolicy {
            allow_dotless_domains: true,
        };
        for dotless in ["a@b", "bob@localhost", "x@intranet"] {
            assert_eq!(Email::parse(dotless), Err(InvalidEmail), "{dotless}");
            assert!(intranet.parse(dotless).is_ok(), "{dotless}");
        }
        assert_eq!(intranet.parse("a@"), Err(InvalidEmail));
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
