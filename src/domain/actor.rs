//! Who acts: a person (an account) or a machine (an API key of one workspace, SPEC 12).

use uuid::Uuid;

use super::Denied;

/// The actor of a permission check and of an audit event.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    Account(Uuid),
    ApiKey(Uuid),
}

/// Why a key is refused what only a person may do.
pub const KEY_REFUSED: &str = "an API key cannot do this: sign in as a person";

impl Actor {
    /// The account, when a person acts.
    pub fn account(self) -> Option<Uuid> {
        match self {
            Actor::Account(id) => Some(id),
            Actor::ApiKey(_) => None,
        }
    }

    /// The key, when a machine acts.
    pub fn api_key(self) -> Option<Uuid> {
        match self {
            Actor::ApiKey(id) => Some(id),
            Actor::Account(_) => None,
        }
    }

    /// The account of a person; `FORBIDDEN` for a key (account fields, passwords, sessions).
    pub fn person(self) -> Result<Uuid, Denied> {
        self.account().ok_or(Denied::Forbidden(KEY_REFUSED))
    }

    /// The id of either kind (how GraphQL objects name the one who looks at them).
    pub fn id(self) -> Uuid {
        match self {
            Actor::Account(id) | Actor::ApiKey(id) => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_no_person() {
        let id = Uuid::from_u128(7);
        assert_eq!(Actor::Account(id).person(), Ok(id));
        assert_eq!(Actor::Account(id).api_key(), None);
        assert!(matches!(
            Actor::ApiKey(id).person(),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(Actor::ApiKey(id).api_key(), Some(id));
        assert_eq!(Actor::ApiKey(id).id(), id);
    }
}
