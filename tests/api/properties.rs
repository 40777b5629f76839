//! Property tests (proptest) of the three pure functions hostile input reaches first: email
//! parsing, cursors, and the permission matrix.

use chrono::DateTime;
use proptest::prelude::*;
use roster::db::members::MemberCursor;
use roster::domain::role::Role;
use roster::domain::{Action, Denied, Email, Subject, authorize};
use roster::graphql::cursor::{decode_audit, decode_member, encode_audit, encode_member};
use uuid::Uuid;

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

fn subject() -> impl Strategy<Value = Subject> {
    (role(), any::<bool>()).prop_map(|(role, is_self)| Subject { role, is_self })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::ViewWorkspace),
        Just(Action::RenameWorkspace),
        Just(Action::ViewAuditLog),
        role().prop_map(|role| Action::Invite { role }),
        subject().prop_map(|target| Action::ResendInvitation { target }),
        subject().prop_map(|target| Action::RevokeInvitation { target }),
        subject().prop_map(|target| Action::RemoveMember { target }),
        (subject(), role()).prop_map(|(target, new_role)| Action::ChangeRole { target, new_role }),
        Just(Action::SendTransferCode),
        subject().prop_map(|target| Action::TransferOwnership { target }),
        Just(Action::Leave),
    ]
}

/// An address people write: dot-atom local part, dotted domain, any case, stray spaces.
fn plausible_email() -> impl Strategy<Value = String> {
    (
        "[a-zA-Z0-9_+-]{1,12}(\\.[a-zA-Z0-9_+-]{1,8}){0,2}",
        "[a-zA-Z0-9]{1,12}(-[a-zA-Z0-9]{1,6})?",
        "[a-zA-Z]{2,6}",
        "[ \t]{0,2}",
        "[ \t\n]{0,2}",
    )
        .prop_map(|(local, host, tld, before, after)| {
            format!("{before}{local}@{host}.{tld}{after}")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn email_parsing_never_panics_and_normalizes(raw in any::<String>()) {
        if let Ok(email) = Email::parse(&raw) {
            let s = email.as_str();
            prop_assert_eq!(s, s.trim());
            prop_assert_eq!(s.to_lowercase(), s);
            prop_assert!(s.len() <= 254);
            prop_assert!(!s.contains('\0'));
            prop_assert!(!email.local_part().is_empty());
            // Parsing is idempotent.
            prop_assert_eq!(Email::parse(s), Ok(email.clone()));
        }
    }

    #[test]
    fn plausible_addresses_parse_to_their_normal_form(raw in plausible_email()) {
        let email = Email::parse(&raw).map_err(|e| TestCaseError::fail(format!("{raw:?}: {e}")))?;
        prop_assert_eq!(email.as_str(), raw.trim().to_lowercase());
    }

    #[test]
    fn hostile_strings_around_an_address_are_refused(
        raw in plausible_email(),
        junk in prop::sample::select(vec!["\0", "\r\n", "<", ">", " ", ",", ";", "\"", "\\", "@"]),
        at_end in any::<bool>(),
    ) {
        let raw = raw.trim();
        let (local, domain) = raw.split_once('@').expect("has @");
        let hostile = if at_end { format!("{local}@{domain}{junk}x") } else { format!("{local}{junk}x@{domain}") };
        if junk != "@" || at_end {
            prop_assert!(Email::parse(&hostile).is_err(), "{hostile:?} was accepted");
        }
    }

    #[test]
    fn member_cursors_round_trip(rank in 0..5i32, micros in 0..4_000_000_000_000_000i64, id in any::<u128>()) {
        let cursor = MemberCursor {
            rank,
            created_at: DateTime::from_timestamp_micros(micros).expect("in range"),
            account: Uuid::from_u128(id),
        };
        let decoded = decode_member("after", &encode_member(&cursor)).expect("decodes");
        prop_assert_eq!(decoded, cursor);
    }

    #[test]
    fn audit_cursors_round_trip(micros in 0..4_000_000_000_000_000i64, id in any::<u128>()) {
        let at = DateTime::from_timestamp_micros(micros).expect("in range");
        let decoded = decode_audit("after", &encode_audit(at, Uuid::from_u128(id))).expect("decodes");
        prop_assert_eq!(decoded, (at, Uuid::from_u128(id)));
    }

    #[test]
    fn any_string_as_a_cursor_is_bad_input_or_a_cursor(raw in any::<String>(), bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        for text in [raw.as_str(), encoded.as_str()] {
            let errors = [decode_member("after", text).err(), decode_audit("after", text).err()];
            for e in errors.into_iter().flatten() {
                prop_assert_eq!(e.code(), "BAD_USER_INPUT");
            }
        }
    }

    #[test]
    fn the_permission_rule_holds(actor in role(), action in action()) {
        let result = authorize(actor, action);
        let managers_only = !matches!(action, Action::ViewWorkspace | Action::Leave);
        if result.is_ok() && managers_only
            && !matches!(action, Action::SendTransferCode | Action::TransferOwnership { .. })
        {
            prop_assert!(actor.is_manager(), "{actor:?} may {action:?}");
        }
        match action {
            // You act only on members ranked strictly below you, never on yourself...
            Action::RemoveMember { target } | Action::ChangeRole { target, .. } if result.is_ok() => {
                prop_assert!(!target.is_self);
                prop_assert!(actor.outranks(target.role), "{actor:?} acted on {target:?}");
            }
            Action::ResendInvitation { target } | Action::RevokeInvitation { target } if result.is_ok() => {
                prop_assert!(!target.is_self);
            }
            _ => {}
        }
        match action {
            // ...and grant only roles ranked strictly below yours; OWNER moves only by transfer.
            Action::Invite { role } | Action::ChangeRole { new_role: role, .. } if result.is_ok() => {
                prop_assert!(role != Role::Owner);
                prop_assert!(actor.outranks(role));
            }
            Action::SendTransferCode | Action::TransferOwnership { .. } => {
                prop_assert_eq!(result.is_ok(), actor == Role::Owner && !matches!(action, Action::TransferOwnership { target } if target.is_self));
            }
            Action::Leave => prop_assert_eq!(result.is_ok(), actor != Role::Owner),
            Action::ViewWorkspace => prop_assert!(result.is_ok()),
            _ => {}
        }
        // A refusal is one of the two documented kinds, with a sentence.
        if let Err(Denied::Forbidden(m) | Denied::Conflict(m)) = result {
            prop_assert!(!m.is_empty());
        }
    }
}
