//! Account status and language.

use super::role::UnknownValue;

/// Lifecycle of an account.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    /// Created by an invitation, not yet activated: cannot log in.
    Pending,
    Active,
    /// Cannot log in; existing tokens stop working.
    Banned,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Pending => "PENDING",
            AccountStatus::Active => "ACTIVE",
            AccountStatus::Banned => "BANNED",
        }
    }

    pub fn parse(s: &str) -> Option<AccountStatus> {
        [
            AccountStatus::Pending,
            AccountStatus::Active,
            AccountStatus::Banned,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

impl TryFrom<String> for AccountStatus {
    type Error = UnknownValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AccountStatus::parse(&s).ok_or(UnknownValue(s))
    }
}

/// Languages Roster writes emails in.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    EnUs,
    ZhHans,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::EnUs => "en-US",
            Language::ZhHans => "zh-Hans",
        }
    }

    pub fn parse(s: &str) -> Option<Language> {
        match s {
            "en-US" => Some(Language::EnUs),
            "zh-Hans" => Some(Language::ZhHans),
            _ => None,
        }
    }
}

impl TryFrom<String> for Language {
    type Error = UnknownValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Language::parse(&s).ok_or(UnknownValue(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in ["PENDING", "ACTIVE", "BANNED"] {
            assert_eq!(AccountStatus::parse(s).map(AccountStatus::as_str), Some(s));
        }
        for s in ["en-US", "zh-Hans"] {
            assert_eq!(Language::parse(s).map(Language::as_str), Some(s));
        }
        assert_eq!(Language::parse("fr"), None);
    }
}
