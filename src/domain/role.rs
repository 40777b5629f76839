//! Workspace roles and their management rank.

use std::fmt;

/// A member's role in a workspace (Dify's five roles).
#[derive(
    async_graphql::Enum,
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Owner,
    Admin,
    Editor,
    Normal,
    DatasetOperator,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Editor,
        Role::Normal,
        Role::DatasetOperator,
    ];

    /// The name stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "OWNER",
            Role::Admin => "ADMIN",
            Role::Editor => "EDITOR",
            Role::Normal => "NORMAL",
            Role::DatasetOperator => "DATASET_OPERATOR",
        }
    }

    /// The role as a person reads it in English ("Dataset operator").
    pub fn display_name(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Editor => "Editor",
            Role::Normal => "Normal member",
            Role::DatasetOperator => "Dataset operator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Listing order (the `role_rank` column): owner first, then admin, editor, normal,
    /// dataset operator.
    pub fn sort_rank(self) -> i32 {
        match self {
            Role::Owner => 0,
            Role::Admin => 1,
            Role::Editor => 2,
            Role::Normal => 3,
            Role::DatasetOperator => 4,
        }
    }

    /// Management power: OWNER > ADMIN > EDITOR = NORMAL = DATASET_OPERATOR.
    pub fn power(self) -> u8 {
        match self {
            Role::Owner => 2,
            Role::Admin => 1,
            Role::Editor | Role::Normal | Role::DatasetOperator => 0,
        }
    }

    /// True when `self` ranks strictly above `other` for management.
    pub fn outranks(self, other: Role) -> bool {
        self.power() > other.power()
    }

    /// Owners and admins manage the workspace.
    pub fn is_manager(self) -> bool {
        self.power() >= Role::Admin.power()
    }
}

/// A stored value that names no known variant.
#[derive(Debug, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

impl TryFrom<String> for Role {
    type Error = UnknownValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Role::parse(&s).ok_or(UnknownValue(s))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn rank_is_owner_admin_then_equals() {
        assert!(Role::Owner.outranks(Role::Admin));
        assert!(Role::Admin.outranks(Role::Editor));
        assert!(!Role::Editor.outranks(Role::Normal));
        assert!(!Role::Normal.outranks(Role::DatasetOperator));
        assert!(!Role::Admin.outranks(Role::Admin));
    }
}
