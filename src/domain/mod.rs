//! Pure domain rules: no I/O, no GraphQL, no SQL. Everything here is unit-tested on its own.

pub mod account;
pub mod actor;
pub mod audit;
pub mod email;
pub mod invite;
pub mod names;
pub mod permissions;
pub mod role;
pub mod trust;

pub use account::{AccountStatus, Language};
pub use actor::Actor;
pub use audit::{AuditAction, AuditRecord, NewAuditEvent};
pub use email::{Email, EmailPolicy};
pub use invite::InviteStatus;
pub use permissions::{Action, Denied, Intent, Subject, authorize, authorize_actor};
pub use role::Role;
pub use trust::Standing;
