//! The `Authorization` header (RFC 7235 / RFC 6750): `Bearer <token>`, the scheme in any case.

/// What an `Authorization` value (or a WebSocket `connection_init` payload entry) carries.
#[derive(Debug, PartialEq, Eq)]
pub enum Credentials<'a> {
    /// No credentials were sent.
    None,
    /// A bearer token.
    Bearer(&'a str),
    /// Something else: another scheme, a bare token without a scheme, an empty token.
    Malformed,
}

/// Reads an `Authorization` value. The scheme is matched case-insensitively (`bearer x`,
/// `BEARER x`); a bare token without the scheme is refused rather than guessed at.
pub fn parse(value: Option<&str>) -> Credentials<'_> {
    let Some(value) = value.map(str::trim) else {
        return Credentials::None;
    };
    if value.is_empty() {
        return Credentials::None;
    }
    let Some((scheme, token)) = value.split_once(char::is_whitespace) else {
        return Credentials::Malformed;
    };
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' ') {
        Credentials::Bearer(token)
    } else {
        Credentials::Malformed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_case_of_the_scheme() {
        for v in ["Bearer abc", "bearer abc", "BEARER abc", "  bEaReR   abc  "] {
            assert_eq!(parse(Some(v)), Credentials::Bearer("abc"), "{v:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_bearer_token() {
        for v in [
            "abc",
            "Basic dXNlcjpwdw==",
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Token abc",
        ] {
            assert_eq!(parse(Some(v)), Credentials::Malformed, "{v:?}");
        }
        assert_eq!(parse(None), Credentials::None);
        assert_eq!(parse(Some("  ")), Credentials::None);
    }
}
