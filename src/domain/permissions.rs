//! The permission matrix of SPEC section 2, as one pure function.
//!
//! The rule behind the table: you act only on members ranked strictly below you and grant only
//! roles ranked strictly below yours; OWNER moves only by transfer; nobody acts on their own
//! membership except by leaving.

use uuid::Uuid;

use super::{Actor, Role};

/// The member an action is aimed at.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub role: Role,
    /// The subject is the actor's own membership.
    pub is_self: bool,
}

/// Everything a workspace member may try to do. A field names its action once, with the target
/// as the account id it was given (`Action<Uuid>`, inside an [`Intent`]); the check sees the
/// target's membership (`Action<Subject>`), read by the guard and again by the use case under
/// the workspace lock.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Action<T = Subject> {
    ViewWorkspace,
    RenameWorkspace,
    ViewAuditLog,
    Invite {
        role: Role,
    },
    ResendInvitation {
        target: T,
    },
    RevokeInvitation {
        target: T,
    },
    RemoveMember {
        target: T,
    },
    ChangeRole {
        target: T,
        new_role: Role,
    },
    SendTransferCode,
    TransferOwnership {
        target: T,
    },
    Leave,
    ViewApiKeys,
    /// Creating a key acting with `role`.
    CreateApiKey {
        role: Role,
    },
    /// Revoking a key acting with `role`.
    RevokeApiKey {
        role: Role,
    },
}

impl<T> Action<T> {
    /// The member the action is aimed at, if any.
    pub fn target(&self) -> Option<&T> {
        match self {
            Action::ResendInvitation { target }
            | Action::RevokeInvitation { target }
            | Action::RemoveMember { target }
            | Action::ChangeRole { target, .. }
            | Action::TransferOwnership { target } => Some(target),
            Action::ViewWorkspace
            | Action::RenameWorkspace
            | Action::ViewAuditLog
            | Action::Invite { .. }
            | Action::SendTransferCode
            | Action::Leave
            | Action::ViewApiKeys
            | Action::CreateApiKey { .. }
            | Action::RevokeApiKey { .. } => None,
        }
    }

    /// The role the action gives (inviting, changing a role, making a key).
    pub fn granted_role(&self) -> Option<Role> {
        match self {
            Action::Invite { role } | Action::CreateApiKey { role } => Some(*role),
            Action::ChangeRole { new_role, .. } => Some(*new_role),
            _ => None,
        }
    }

    /// The same action with its target replaced by `f(target)`.
    pub fn try_map_target<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Action<U>, E> {
        Ok(match self {
            Action::ViewWorkspace => Action::ViewWorkspace,
            Action::RenameWorkspace => Action::RenameWorkspace,
            Action::ViewAuditLog => Action::ViewAuditLog,
            Action::Invite { role } => Action::Invite { role },
            Action::ResendInvitation { target } => Action::ResendInvitation { target: f(target)? },
            Action::RevokeInvitation { target } => Action::RevokeInvitation { target: f(target)? },
            Action::RemoveMember { target } => Action::RemoveMember { target: f(target)? },
            Action::ChangeRole { target, new_role } => Action::ChangeRole {
                target: f(target)?,
                new_role,
            },
            Action::SendTransferCode => Action::SendTransferCode,
            Action::TransferOwnership { target } => {
                Action::TransferOwnership { target: f(target)? }
            }
            Action::Leave => Action::Leave,
            Action::ViewApiKeys => Action::ViewApiKeys,
            Action::CreateApiKey { role } => Action::CreateApiKey { role },
            Action::RevokeApiKey { role } => Action::RevokeApiKey { role },
        })
    }

    /// Only a person may do this: managing credentials (API keys, and webhook endpoints when
    /// they come), giving the workspace away, or acting on one's own membership. A key is
    /// refused these with `FORBIDDEN` whatever its role.
    pub fn needs_a_person(&self) -> bool {
        match self {
            Action::CreateApiKey { .. }
            | Action::RevokeApiKey { .. }
            | Action::SendTransferCode
            | Action::TransferOwnership { .. }
            | Action::Leave => true,
            Action::ViewWorkspace
            | Action::RenameWorkspace
            | Action::ViewAuditLog
            | Action::Invite { .. }
            | Action::ResendInvitation { .. }
            | Action::RevokeInvitation { .. }
            | Action::RemoveMember { .. }
            | Action::ChangeRole { .. }
            | Action::ViewApiKeys => false,
        }
    }
}

impl Action {
    /// The permission name of the action (`org_permissions` of workspace tokens): one per
    /// action, whatever its target.
    pub fn name(&self) -> &'static str {
        match self {
            Action::ViewWorkspace => "workspace:view",
            Action::RenameWorkspace => "workspace:rename",
            Action::ViewAuditLog => "audit:view",
            Action::Invite { .. } => "members:invite",
            Action::ResendInvitation { .. } => "invitations:resend",
            Action::RevokeInvitation { .. } => "invitations:revoke",
            Action::RemoveMember { .. } => "members:remove",
            Action::ChangeRole { .. } => "members:change_role",
            Action::SendTransferCode => "ownership:send_code",
            Action::TransferOwnership { .. } => "ownership:transfer",
            Action::Leave => "workspace:leave",
            Action::ViewApiKeys => "api_keys:view",
            Action::CreateApiKey { .. } => "api_keys:create",
            Action::RevokeApiKey { .. } => "api_keys:revoke",
        }
    }

    /// Every action with every target (a member of each role, another or oneself) and every
    /// role it could grant.
    pub fn every() -> Vec<Action> {
        let subjects = Role::ALL.into_iter().flat_map(|role| {
            [false, true]
                .into_iter()
                .map(move |is_self| Subject { role, is_self })
        });
        let mut all = vec![
            Action::ViewWorkspace,
            Action::RenameWorkspace,
            Action::ViewAuditLog,
            Action::Leave,
            Action::SendTransferCode,
            Action::ViewApiKeys,
        ];
        for role in Role::ALL {
            all.extend([
                Action::Invite { role },
                Action::CreateApiKey { role },
                Action::RevokeApiKey { role },
            ]);
        }
        for target in subjects {
            all.push(Action::ResendInvitation { target });
            all.push(Action::RevokeInvitation { target });
            all.push(Action::RemoveMember { target });
            all.push(Action::TransferOwnership { target });
            all.extend(
                Role::ALL
                    .into_iter()
                    .map(|new_role| Action::ChangeRole { target, new_role }),
            );
        }
        all
    }
}

/// The names of the actions `role` may perform on some target (read from [`authorize`], so
/// the matrix stays the one place where roles meet actions), in a fixed order.
pub fn permissions_of(role: Role) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Action::every()
        .into_iter()
        .filter(|&action| authorize(role, action).is_ok())
        .map(|action| action.name())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// What `actor` asks to do in `workspace`, as the field named it (ids parsed once). The guard
/// checks it, and the use case checks it again under the workspace lock.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Intent {
    pub actor: Actor,
    pub workspace: Uuid,
    pub action: Action<Uuid>,
}

/// Why an action is refused. `Forbidden` maps to `FORBIDDEN`, `Conflict` to `CONFLICT`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    Forbidden(&'static str),
    Conflict(&'static str),
}

/// May `actor`, acting with `role` (a member's, or a key's), perform `action`? A key never does
/// what needs a person (see [`Action::needs_a_person`]).
pub fn authorize_actor(actor: Actor, role: Role, action: Action) -> Result<(), Denied> {
    if action.needs_a_person() {
        actor.person()?;
    }
    authorize(role, action)
}

/// May a member with role `actor` perform `action`?
pub fn authorize(actor: Role, action: Action) -> Result<(), Denied> {
    use Denied::{Conflict, Forbidden};
    let manager = || {
        if actor.is_manager() {
            Ok(())
        } else {
            Err(Forbidden(
                "only the workspace owner or an admin may do this",
            ))
        }
    };
    let on_other_below = |target: Subject| {
        manager()?;
        if target.is_self {
            Err(Forbidden("you cannot do this to your own membership"))
        } else if !actor.outranks(target.role) {
            Err(Forbidden("you can only manage members ranked below you"))
        } else {
            Ok(())
        }
    };
    let grantable = |role: Role| {
        if role == Role::Owner {
            Err(Forbidden("ownership moves only by transfer"))
        } else if !actor.outranks(role) {
            Err(Forbidden("you can only grant roles ranked below yours"))
        } else {
            Ok(())
        }
    };
    match action {
        Action::ViewWorkspace => Ok(()),
        Action::RenameWorkspace | Action::ViewAuditLog | Action::ViewApiKeys => manager(),
        Action::Invite { role } | Action::CreateApiKey { role } | Action::RevokeApiKey { role } => {
            manager()?;
            grantable(role)
        }
        // A pending member's link follows the rank rule too: whoever may send a pending admin a
        // link could otherwise steer who activates an admin account.
        Action::ResendInvitation { target }
        | Action::RevokeInvitation { target }
        | Action::RemoveMember { target } => on_other_below(target),
        Action::ChangeRole { target, new_role } => {
            on_other_below(target)?;
            grantable(new_role)?;
            if target.role == new_role {
                Err(Conflict("the member already has this role"))
            } else {
                Ok(())
            }
        }
        Action::SendTransferCode => {
            if actor == Role::Owner {
                Ok(())
            } else {
                Err(Forbidden("only the owner may transfer ownership"))
            }
        }
        Action::TransferOwnership { target } => {
            if actor != Role::Owner {
                Err(Forbidden("only the owner may transfer ownership"))
            } else if target.is_self {
                Err(Conflict("you already own this workspace"))
            } else {
                Ok(())
            }
        }
        Action::Leave => {
            if actor == Role::Owner {
                Err(Conflict("the owner cannot leave; transfer ownership first"))
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    const ROLES: [Role; 5] = Role::ALL;
    const MEMBER_ROLES: [Role; 3] = [Editor, Normal, DatasetOperator];

    fn subjects() -> Vec<Subject> {
        ROLES
            .iter()
            .flat_map(|&role| {
                [false, true]
                    .into_iter()
                    .map(move |is_self| Subject { role, is_self })
            })
            .collect()
    }

    fn all_actions() -> Vec<Action> {
        let v = Action::every();
        assert_eq!(v.len(), 6 + 3 * 5 + subjects().len() * 9);
        v
    }

    /// SPEC section 2, transcribed row by row without using `outranks`, so the test does not
    /// restate the implementation.
    fn expected(actor: Role, action: Action) -> bool {
        let is_member = MEMBER_ROLES.contains(&actor);
        let below_admin = |r: Role| MEMBER_ROLES.contains(&r);
        match action {
            Action::ViewWorkspace => true,
            Action::RenameWorkspace | Action::ViewAuditLog | Action::ViewApiKeys => !is_member,
            Action::Invite { role }
            | Action::CreateApiKey { role }
            | Action::RevokeApiKey { role } => match actor {
                Owner => role != Owner,
                Admin => below_admin(role),
                _ => false,
            },
            Action::ResendInvitation { target }
            | Action::RevokeInvitation { target }
            | Action::RemoveMember { target } => match actor {
                Owner => !target.is_self && target.role != Owner,
                Admin => !target.is_self && below_admin(target.role),
                _ => false,
            },
            Action::ChangeRole { target, new_role } => {
                target.role != new_role
                    && match actor {
                        Owner => !target.is_self && target.role != Owner && new_role != Owner,
                        Admin => {
                            !target.is_self && below_admin(target.role) && below_admin(new_role)
                        }
                        _ => false,
                    }
            }
            Action::SendTransferCode => actor == Owner,
            Action::TransferOwnership { target } => actor == Owner && !target.is_self,
            Action::Leave => actor != Owner,
        }
    }

    #[test]
    fn matrix_matches_the_spec_for_every_combination() {
        let actions = all_actions();
        let mut checked = 0;
        for &actor in &ROLES {
            for &action in &actions {
                assert_eq!(
                    authorize(actor, action).is_ok(),
                    expected(actor, action),
                    "{actor:?} {action:?}"
                );
                checked += 1;
            }
        }
        // 5 actors x (6 + 3 x 5 granted roles + 10 subjects x (4 + 5 new roles)) actions.
        assert_eq!(checked, 5 * (6 + 15 + 10 * 9));
    }

    #[test]
    fn permission_names_follow_the_matrix() {
        assert_eq!(
            permissions_of(Owner),
            [
                "api_keys:create",
                "api_keys:revoke",
                "api_keys:view",
                "audit:view",
                "invitations:resend",
                "invitations:revoke",
                "members:change_role",
                "members:invite",
                "members:remove",
                "ownership:send_code",
                "ownership:transfer",
                "workspace:rename",
                "workspace:view",
            ]
        );
        let admin = permissions_of(Admin);
        assert!(admin.contains(&"members:invite") && admin.contains(&"workspace:leave"));
        assert!(!admin.iter().any(|p| p.starts_with("ownership:")));
        for role in MEMBER_ROLES {
            assert_eq!(permissions_of(role), ["workspace:leave", "workspace:view"]);
        }
        // One name per action.
        let mut names: Vec<_> = Action::every().iter().map(Action::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 14);
    }

    #[test]
    fn a_key_never_does_what_needs_a_person() {
        let key = Actor::ApiKey(Uuid::from_u128(1));
        let person = Actor::Account(Uuid::from_u128(2));
        for action in all_actions() {
            let as_key = authorize_actor(key, Owner, action);
            if action.needs_a_person() {
                assert!(matches!(as_key, Err(Denied::Forbidden(_))), "{action:?}");
            } else {
                assert_eq!(as_key, authorize(Owner, action), "{action:?}");
            }
            assert_eq!(
                authorize_actor(person, Owner, action),
                authorize(Owner, action)
            );
        }
        // Keys are made and revoked by the rank rule of invitations.
        assert!(authorize(Admin, Action::CreateApiKey { role: Editor }).is_ok());
        assert!(authorize(Admin, Action::CreateApiKey { role: Admin }).is_err());
        assert!(authorize(Owner, Action::CreateApiKey { role: Owner }).is_err());
        assert!(authorize(Admin, Action::RevokeApiKey { role: Admin }).is_err());
        assert!(authorize(Normal, Action::CreateApiKey { role: Normal }).is_err());
    }

    #[test]
    fn refusals_carry_the_right_kind() {
        assert!(matches!(
            authorize(Owner, Action::Leave),
            Err(Denied::Conflict(_))
        ));
        let admin = Subject {
            role: Admin,
            is_self: false,
        };
        assert!(matches!(
            authorize(
                Owner,
                Action::ChangeRole {
                    target: admin,
                    new_role: Admin
                }
            ),
            Err(Denied::Conflict(_))
        ));
        assert!(matches!(
            authorize(Admin, Action::RemoveMember { target: admin }),
            Err(Denied::Forbidden(_))
        ));
        assert!(matches!(
            authorize(Editor, Action::RenameWorkspace),
            Err(Denied::Forbidden(_))
        ));
    }
}
