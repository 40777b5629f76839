//! The application error type and its one mapping to GraphQL `extensions.code` (SPEC section 5).

use async_graphql::{ErrorExtensionValues, Response, ServerError};
use std::sync::Arc;

use crate::domain::Denied;

/// Every failure a request can meet. Resolvers and guards return it with plain `?`;
/// [`add_codes`] turns it into `extensions.code` once (`graphql::api` applies it to every
/// response and subscription event, over HTTP and WebSocket alike).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    /// An emailed link (its `token`) that cannot be used; `BAD_USER_INPUT` with
    /// `extensions.field = "token"` and `extensions.reason`, so a page can say why.
    #[error("{}", .0.message())]
    Link(LinkProblem),
    /// An APQ hash or `documentId` the server does not know (the message is the one Apollo
    /// clients look for before they send the text).
    #[error("PersistedQueryNotFound")]
    PersistedQueryNotFound,
    /// Trusted documents only: the text is not in the manifest.
    #[error(
        "this server runs only its trusted documents: send a documentId or sha256Hash from its manifest"
    )]
    PersistedQueryRequired,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("too many attempts; try again in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    /// Nothing is wrong with the request: the database is unreachable or the server is at
    /// capacity. `extensions.retryAfter` says when to try again.
    #[error("{reason}: try again in a moment")]
    Unavailable {
        reason: &'static str,
        retry_after: u64,
    },
    /// Details go to the log, never to the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadInput { .. } | AppError::Link(_) => "BAD_USER_INPUT",
            AppError::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            AppError::PersistedQueryRequired => "PERSISTED_QUERY_REQUIRED",
            AppError::Conflict(_) => "CONFLICT",
            AppError::LimitExceeded(_) => "LIMIT_EXCEEDED",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::Unavailable { .. } => "UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    pub fn bad_input(field: &'static str, message: impl Into<String>) -> AppError {
        AppError::BadInput {
            field,
            message: message.into(),
        }
    }

    /// The one answer for a wrong password, an unknown email and an account that may not log in.
    pub fn bad_credentials() -> AppError {
        AppError::Unauthenticated("invalid email or password")
    }

    fn write_extensions(&self, ext: &mut ErrorExtensionValues) {
        ext.set("code", self.code());
        match self {
            AppError::BadInput { field, .. } => ext.set("field", *field),
            AppError::RateLimited { retry_after } | AppError::Unavailable { retry_after, .. } => {
                ext.set("retryAfter", *retry_after)
            }
            AppError::Link(problem) => {
                ext.set("field", "token");
                ext.set("reason", problem.reason());
            }
            _ => {}
        }
    }
}

/// Why an emailed link (invitation, verification, reset) cannot be used.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LinkProblem {
    /// No such link.
    Invalid,
    /// Used already, or the address owner already took the account another way.
    Used,
    /// A newer link replaced it, or an admin revoked it.
    Revoked,
    Expired,
    /// The account cannot use it (banned).
    Inactive,
}

impl LinkProblem {
    /// `extensions.reason`.
    pub fn reason(self) -> &'static str {
        match self {
            LinkProblem::Invalid => "INVALID",
            LinkProblem::Used => "USED",
            LinkProblem::Revoked => "REVOKED",
            LinkProblem::Expired => "EXPIRED",
            LinkProblem::Inactive => "INACTIVE",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            LinkProblem::Invalid => "this link is not valid",
            LinkProblem::Used => "this link has already been used: sign in instead",
            LinkProblem::Revoked => {
                "this link was replaced by a newer one or revoked; ask for a new one"
            }
            LinkProblem::Expired => "this link has expired; ask for a new one",
            LinkProblem::Inactive => "this account cannot be used (it is not active)",
        }
    }
}

/// Seconds a client should wait before retrying after a storage outage: about what a
/// PostgreSQL restart or a pool reconnect takes.
const OUTAGE_RETRY_AFTER_SECS: u64 = 2;

/// A storage error: `UNAVAILABLE` when the database could not be reached or could not take the
/// statement now (nothing was learnt about the data), `INTERNAL` otherwise.
fn storage_error(e: &sqlx::Error) -> Option<AppError> {
    if !crate::db::outage::is_outage(e) {
        return None;
    }
    tracing::warn!(error = %e, "storage unavailable");
    metrics::counter!("roster_storage_unavailable_total").increment(1);
    Some(AppError::Unavailable {
        reason: "the database is unavailable",
        retry_after: OUTAGE_RETRY_AFTER_SECS,
    })
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        storage_error(&e).unwrap_or_else(|| AppError::Internal(e.into()))
    }
}

impl From<crate::auth::hashing::Busy> for AppError {
    fn from(busy: crate::auth::hashing::Busy) -> Self {
        AppError::Unavailable {
            reason: "the server is busy checking passwords",
            retry_after: busy.retry_after,
        }
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Forbidden(m) => AppError::Forbidden(m.to_owned()),
            Denied::Conflict(m) => AppError::Conflict(m.to_owned()),
        }
    }
}

/// DataLoader errors must be `Clone`; they carry the database error behind an `Arc`.
impl From<Arc<sqlx::Error>> for AppError {
    fn from(e: Arc<sqlx::Error>) -> Self {
        storage_error(&e).unwrap_or_else(|| AppError::Internal(anyhow::anyhow!("{e}")))
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Messages async-graphql gives its own limit errors.
fn is_limit_message(m: &str) -> bool {
    m == "Query is too complex."
        || m == "Query is nested too deep."
        || m.starts_with("The recursion depth of the query")
        || m.starts_with("The number of directives")
}

/// Messages async-graphql gives invalid input (bad variables, wrong scalar or enum values).
fn is_input_message(m: &str) -> bool {
    m.starts_with("Failed to parse")
        || m.starts_with("Invalid value for argument")
        || m.starts_with("Variable")
        || m.starts_with("Unknown argument")
        || m.starts_with("Unknown field")
        || m.starts_with("Unknown type")
        || m.starts_with("Unknown operation")
        || m.starts_with("Cannot query field")
        || m.starts_with("Field")
        || m.starts_with("Expected type")
        || m.starts_with("Expected input type")
        || m.starts_with("Oneof")
        || m.starts_with("Invalid value")
        || m.contains("is required")
}

/// async-graphql messages a person would not understand, said plainly: the parser's multi-line
/// diagram becomes one sentence (the position is in `locations`).
fn plain_message(m: &str) -> Option<String> {
    if m.starts_with(" --> ") {
        let expected = m
            .lines()
            .find_map(|l| l.trim().strip_prefix("= "))
            .unwrap_or("a valid GraphQL document");
        let at = m
            .lines()
            .next()
            .and_then(|l| l.trim().strip_prefix("--> "))
            .unwrap_or("?");
        return Some(format!("syntax error at {at}: {expected}"));
    }
    match m {
        "Operation name required in request." => Some(
            "the document holds several operations: say which one to run with \"operationName\""
                .to_owned(),
        ),
        "Subscriptions are not supported on this transport." => Some(
            "subscriptions run over WebSocket: connect to /graphql/ws with the graphql-transport-ws protocol"
                .to_owned(),
        ),
        _ => None,
    }
}

/// Gives every error in a response its `extensions.code`.
pub fn add_codes(mut resp: Response) -> Response {
    for err in &mut resp.errors {
        classify(err);
    }
    resp
}

fn classify(err: &mut ServerError) {
    let coded = err.source::<AppError>().map(|app| {
        if let AppError::Internal(e) = app {
            tracing::error!(error = ?e, path = ?err.path, "internal error");
        }
        let mut ext = err.extensions.clone().unwrap_or_default();
        app.write_extensions(&mut ext);
        ext
    });
    if let Some(ext) = coded {
        err.extensions = Some(ext);
        return;
    }
    if err
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some())
    {
        return;
    }
    if let Some(better) = plain_message(&err.message) {
        err.message = better;
    }
    let code = if is_limit_message(&err.message) {
        "QUERY_TOO_COMPLEX"
    } else if is_input_message(&err.message) || err.path.is_empty() {
        // Errors without a path are about the request itself (syntax, validation, operation
        // selection): nothing of ours ran yet.
        "BAD_USER_INPUT"
    } else {
        tracing::error!(message = %err.message, path = ?err.path, "unclassified error");
        err.message = "internal error".to_owned();
        "INTERNAL"
    };
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}
