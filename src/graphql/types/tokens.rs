//! Tokens handed to the viewer for other services.

use async_graphql::SimpleObject;

/// A short-lived JWT (`typ: org+jwt`) naming the viewer's workspace (`org_id`), role
/// (`org_role`) and what that role may do (`org_permissions`, e.g. `members:invite`), signed
/// with the keys of `/.well-known/jwks.json`: a product's services authorize offline with it.
/// Roster's own API does not take it.
#[derive(SimpleObject)]
pub struct WorkspaceToken {
    pub token: String,
    /// Seconds until it expires (300).
    pub expires_in: i32,
}

impl From<crate::service::keys::WorkspaceToken> for WorkspaceToken {
    fn from(t: crate::service::keys::WorkspaceToken) -> Self {
        WorkspaceToken {
            token: t.token,
            expires_in: i32::try_from(t.expires_in).unwrap_or(i32::MAX),
        }
    }
}
