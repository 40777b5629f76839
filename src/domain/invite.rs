//! Invitations: how one `inviteMembers` call's list of addresses is read.

use std::collections::HashSet;

use super::{Email, EmailPolicy};

/// The outcome for one address of an `inviteMembers` call.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum InviteStatus {
    /// A new PENDING account (or one whose address is not proven yet, new to this workspace)
    /// became a member; an invitation with an activation link was sent to the address.
    Invited,
    /// An ACTIVE account with a verified address joined at once and was notified.
    Added,
    /// A pending member got a fresh invitation by email; the old link stopped working.
    Resent,
    /// Already an ACTIVE member: nothing changed.
    AlreadyMember,
    InvalidEmail,
    /// The address cannot be invited (for example, its account is banned).
    Failed,
}

/// One distinct entry of the call, in input order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Valid(Email),
    /// The address as given (trimmed).
    Invalid(String),
}

/// Trims, lower-cases and validates each address; duplicates collapse into their first
/// occurrence, which keeps its place.
pub fn read_addresses<S: AsRef<str>>(raw: &[S], policy: EmailPolicy) -> Vec<Entry> {
    let mut seen = HashSet::new();
    raw.iter()
        .filter_map(|r| {
            let trimmed = r.as_ref().trim();
            if !seen.insert(trimmed.to_lowercase()) {
                return None;
            }
            Some(match policy.parse(trimmed) {
                Ok(email) => Entry::Valid(email),
                Err(_) => Entry::Invalid(trimmed.to_owned()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_dedupes_and_keeps_order() {
        let entries = read_addresses(
            &[" B@x.io", "a@x.io", "b@X.IO ", "bad", "a@x.io", "bad "],
            EmailPolicy::default(),
        );
        let shown: Vec<String> = entries
            .iter()
            .map(|e| match e {
                Entry::Valid(e) => e.to_string(),
                Entry::Invalid(s) => format!("invalid:{s}"),
            })
            .collect();
        assert_eq!(shown, ["b@x.io", "a@x.io", "invalid:bad"]);
    }
}
