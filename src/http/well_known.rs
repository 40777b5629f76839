//! `/.well-known/jwks.json` (the public keys that may have signed a live token, RFC 7517) and
//! `/.well-known/oauth-authorization-server` (RFC 8414 subset): what a product's services need
//! to verify Roster's tokens without asking Roster.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::HttpState;
use crate::auth::keys::JWKS_MAX_AGE_SECS;

/// Public and cacheable (for at most the time a new key waits before it signs), readable from
/// any origin.
fn public_json(body: serde_json::Value) -> Response {
    (
        [
            (
                header::CACHE_CONTROL,
                format!("public, max-age={JWKS_MAX_AGE_SECS}"),
            ),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()),
        ],
        Json(body),
    )
        .into_response()
}

pub(super) async fn jwks(State(st): State<HttpState>) -> Response {
    let set = st.roster.keys.ring().jwks(st.roster.now());
    public_json(serde_json::to_value(set).unwrap_or_else(|_| json!({ "keys": [] })))
}

pub(super) async fn authorization_server(State(st): State<HttpState>) -> Response {
    let issuer = &st.roster.keys.issuer.issuer;
    let base = st.roster.config.public_url();
    public_json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
    }))
}
