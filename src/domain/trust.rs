//! Trust (SPEC section 3): an account belongs to whoever proves its email address, and the only
//! proof is a link or code Roster sent to that address. These rules decide what an account may
//! do before it has given that proof.

use super::{AccountStatus, Role};

/// Where an account stands towards its address.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub status: AccountStatus,
    /// The address owner opened an activation, verification or reset link.
    pub email_verified: bool,
}

impl Standing {
    /// Whoever holds the account has proved the address: an invitation may add it at once.
    pub fn proven(self) -> bool {
        self.status == AccountStatus::Active && self.email_verified
    }

    /// An invitation to this account must go through an emailed link (the account was created
    /// by an invitation, or signed up with an address nobody has proved yet). Activating that
    /// link hands the account to the address owner.
    pub fn needs_link(self) -> bool {
        match self.status {
            AccountStatus::Pending => true,
            AccountStatus::Active => !self.email_verified,
            AccountStatus::Banned => false,
        }
    }

    /// May this account use its membership with `role`? An unproven account only reaches the
    /// workspaces it owns (made at sign-up or by itself): an invitation to an address someone
    /// squatted on gives the squatter nothing.
    pub fn may_enter(self, role: Role) -> bool {
        self.email_verified || role == Role::Owner
    }

    /// May it invite anyone? Only once its address is proven.
    pub fn may_invite(self) -> bool {
        self.email_verified
    }

    /// The status a workspace shows for this member: `PENDING` until the address owner accepted
    /// (an unproven account invited here has not).
    pub fn member_status(self, role: Role) -> AccountStatus {
        if self.status == AccountStatus::Active && !self.may_enter(role) {
            AccountStatus::Pending
        } else {
            self.status
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountStatus::*;

    fn standing(status: AccountStatus, email_verified: bool) -> Standing {
        Standing {
            status,
            email_verified,
        }
    }

    #[test]
    fn only_a_proven_active_account_is_added_at_once() {
        assert!(standing(Active, true).proven());
        for (s, v) in [
            (Active, false),
            (Pending, false),
            (Pending, true),
            (Banned, true),
        ] {
            assert!(!standing(s, v).proven(), "{s:?} {v}");
        }
        assert!(standing(Pending, false).needs_link());
        assert!(standing(Active, false).needs_link());
        assert!(!standing(Active, true).needs_link());
        assert!(!standing(Banned, false).needs_link());
    }

    #[test]
    fn an_unproven_account_reaches_only_what_it_owns() {
        let squatter = standing(Active, false);
        assert!(squatter.may_enter(Role::Owner));
        for role in [
            Role::Admin,
            Role::Editor,
            Role::Normal,
            Role::DatasetOperator,
        ] {
            assert!(!squatter.may_enter(role), "{role:?}");
            assert!(standing(Active, true).may_enter(role), "{role:?}");
            assert_eq!(squatter.member_status(role), Pending);
        }
        assert_eq!(squatter.member_status(Role::Owner), Active);
        assert!(!squatter.may_invite());
        assert!(standing(Active, true).may_invite());
    }
}
