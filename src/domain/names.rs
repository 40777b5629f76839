//! Human-entered names and passwords: what Roster accepts.

/// Longest account or workspace name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A trimmed name of 1 to 100 characters with no control characters.
pub fn parse_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        Err("must not be empty")
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err("must be at most 100 characters")
    } else if name.chars().any(char::is_control) {
        Err("must not contain control characters")
    } else {
        Ok(name.to_owned())
    }
}

/// Passwords are taken as typed (no trimming), 8 to 128 characters.
pub fn check_password(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err("must be at least 8 characters")
    } else if n > MAX_PASSWORD_CHARS {
        Err("must be at most 128 characters")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(parse_name("  Acme  ").as_deref(), Ok("Acme"));
        assert_eq!(parse_name("研发部").as_deref(), Ok("研发部"));
        assert!(parse_name("   ").is_err());
        assert!(parse_name(&"x".repeat(101)).is_err());
        assert!(parse_name(&"x".repeat(10_000)).is_err());
        assert!(parse_name("a\u{0}b").is_err());
        assert!(parse_name(&"字".repeat(100)).is_ok());
    }

    #[test]
    fn passwords() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
        assert!(check_password(&"p".repeat(129)).is_err());
    }
}
