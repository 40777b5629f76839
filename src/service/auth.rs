//! Sign-up, login, refresh, logout and per-request authentication. Sessions are logins: an
//! access token names its session, so revoking the session ends the token at once.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::Roster;
use super::throttle::{self, Reserved};
use crate::auth::api_keys;
use crate::auth::bearer::Credentials;
use crate::auth::hashing::Ticket;
use crate::auth::jwt::{TokenError, Verified};
use crate::auth::tokens;
use crate::db::accounts::NewAccount;
use crate::db::api_keys::KeyAccessRow;
use crate::db::workspaces::AccountWorkspaceRow;
use crate::db::{AccountRow, Tx};
use crate::domain::actor::KEY_REFUSED;
use crate::domain::names::{check_password, parse_name};
use crate::domain::{AccountStatus, EmailPolicy, Language, Role};
use crate::error::{AppError, AppResult};

/// The window of the login limits.
pub(crate) const LOGIN_WINDOW_SECS: i64 = 15 * 60;

/// Tokens handed to a client after a successful sign-in.
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub account: AccountRow,
}

/// The outcome of looking at a request's credentials.
#[derive(Clone, Debug)]
pub enum Authenticated {
    /// No credentials were sent.
    Anonymous,
    /// Credentials were sent but do not sign anyone in; the message says why.
    Rejected(&'static str),
    Viewer {
        account: AccountRow,
        /// The session (login) the access token belongs to.
        session: Uuid,
    },
    /// A valid access token, not yet checked against the database (see
    /// [`Roster::authenticate_lazily`]).
    Claims { account: Uuid, session: Uuid },
    /// A well-formed API key secret (its hash), not yet checked against the database.
    ApiKey { hash: [u8; 32] },
}

/// Why a valid token no longer signs anyone in.
pub const SESSION_ENDED: &str = "this session has ended: sign in again";
/// Why an API key signs nobody in (unknown, revoked, expired, or its workspace is gone).
pub const KEY_ENDED: &str = "invalid, revoked or expired API key";

impl Authenticated {
    /// The checked viewer; `UNAUTHENTICATED` otherwise (also for unchecked claims: check them
    /// with [`Roster::access`] first).
    pub fn viewer(&self) -> AppResult<&AccountRow> {
        match self {
            Authenticated::Viewer { account, .. } => Ok(account),
            other => Err(other.refusal()),
        }
    }

    /// The session of the token (for claims: check them first).
    pub fn session(&self) -> AppResult<Uuid> {
        match self {
            Authenticated::Viewer { session, .. } | Authenticated::Claims { session, .. } => {
                Ok(*session)
            }
            other => Err(other.refusal()),
        }
    }

    /// Why these credentials sign nobody in.
    fn refusal(&self) -> AppError {
        match self {
            Authenticated::Rejected(why) => AppError::Unauthenticated(why),
            Authenticated::Claims { .. } | Authenticated::Viewer { .. } => {
                AppError::Unauthenticated(SESSION_ENDED)
            }
            Authenticated::Anonymous => AppError::Unauthenticated("authentication required"),
            Authenticated::ApiKey { .. } => AppError::Forbidden(KEY_REFUSED.into()),
        }
    }
}

pub(crate) fn valid_password(field: &'static str, password: &str) -> AppResult<()> {
    check_password(password).map_err(|m| AppError::bad_input(field, format!("{field} {m}")))
}

pub(crate) fn valid_name(field: &'static str, raw: &str) -> AppResult<String> {
    parse_name(raw).map_err(|m| AppError::bad_input(field, format!("{field} {m}")))
}

impl Roster {
    /// Checks the request's credentials (the token only, no database): a valid token becomes
    /// [`Authenticated::Claims`], checked against the database by the first field that needs
    /// the viewer, together with the workspace that field is about (see [`Roster::access`]).
    pub async fn authenticate_lazily(
        &self,
        credentials: Credentials<'_>,
    ) -> AppResult<Authenticated> {
        Ok(self.verify_token(credentials))
    }

    /// Checks the request's credentials and re-reads the account with its session (one
    /// statement), so a banned account's or a revoked session's token stops working at once
    /// (WebSocket connections, checked once when they open).
    pub async fn authenticate(&self, credentials: Credentials<'_>) -> AppResult<Authenticated> {
        match self.verify_token(credentials) {
            Authenticated::Claims { account, session } => {
                Ok(match self.access(account, session, &[], false).await? {
                    Some((account, _)) => Authenticated::Viewer { account, session },
                    None => Authenticated::Rejected(SESSION_ENDED),
                })
            }
            other => Ok(other),
        }
    }

    fn verify_token(&self, credentials: Credentials<'_>) -> Authenticated {
        let token = match credentials {
            Credentials::None => return Authenticated::Anonymous,
            Credentials::Malformed => {
                return Authenticated::Rejected(
                    "the Authorization header must be `Bearer <accessToken>`",
                );
            }
            Credentials::Bearer(token) => token,
        };
        if api_keys::looks_like_key(token) {
            return match api_keys::parse(token) {
                Some(hash) => Authenticated::ApiKey { hash },
                None => Authenticated::Rejected(KEY_ENDED),
            };
        }
        match self.keys.verify_access(token, self.now()) {
            Ok(Verified {
                account, session, ..
            }) => Authenticated::Claims { account, session },
            Err(TokenError::Expired) => Authenticated::Rejected(
                "access token expired: get a new one with the refreshToken mutation",
            ),
            Err(TokenError::Invalid) => Authenticated::Rejected("invalid access token"),
        }
    }

    /// Re-reads `account` with its live `session` and its memberships among `workspaces` (all
    /// of them, oldest first, when `all`), in one statement; `None` when the session ended or the account may not sign in (banned,
    /// pending). Refreshes `lastActiveAt` at most once a minute.
    pub async fn access(
        &self,
        account: Uuid,
        session: Uuid,
        workspaces: &[Uuid],
        all: bool,
    ) -> sqlx::Result<Option<(AccountRow, Vec<AccountWorkspaceRow>)>> {
        let rows = self.db.access(account, session, workspaces, all).await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        if first.account.status != AccountStatus::Active {
            return Ok(None);
        }
        let mut viewer = first.account.clone();
        let memberships = rows
            .into_iter()
            .filter_map(|r| {
                Some(AccountWorkspaceRow {
                    account_id: r.account.id,
                    id: r.workspace_id?,
                    name: r.workspace_name?,
                    created_at: r.workspace_created_at?,
                    role: Role::parse(r.role.as_deref()?)?,
                })
            })
            .collect();
        let now = self.now();
        if viewer
            .last_active_at
            .is_none_or(|at| now - at >= Duration::seconds(60))
        {
            self.db.touch_account(viewer.id, now).await?;
            viewer.last_active_at = Some(now);
        }
        Ok(Some((viewer, memberships)))
    }

    /// The live key of a secret's `hash` with its workspace, in one statement; `None` when it
    /// signs nobody in. Refreshes `lastUsedAt` at most once a minute.
    pub async fn key_access(&self, hash: &[u8]) -> sqlx::Result<Option<KeyAccessRow>> {
        let now = self.now();
        let Some(mut access) = self.db.key_access(hash, now).await? else {
            return Ok(None);
        };
        let key = &mut access.key;
        if key
            .last_used_at
            .is_none_or(|at| now - at >= Duration::seconds(60))
        {
            self.db.touch_api_key(key.id, now).await?;
            key.last_used_at = Some(now);
        }
        Ok(Some(access))
    }

    /// Creates an ACTIVE account whose address is not verified yet, its own workspace, and the
    /// verification email; signs it in at once.
    pub async fn sign_up(&self, email: &str, name: &str, password: &str) -> AppResult<Session> {
        if !self.config.allow_signup {
            return Err(AppError::Forbidden(
                "sign-up is disabled on this server".into(),
            ));
        }
        let email = self
            .config
            .email_policy()
            .parse(email)
            .map_err(|e| AppError::bad_input("email", e.to_string()))?;
        let name = valid_name("name", name)?;
        valid_password("password", password)?;
        let hash = self.hash_password(password).await?;
        let new = NewAccount {
            email: email.as_str(),
            name: &name,
            password_hash: Some(&hash),
            status: AccountStatus::Active,
            language: Language::EnUs,
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let account = tx.insert_account(new, now).await?.ok_or_else(|| {
            AppError::Conflict("an account with this email already exists".into())
        })?;
        self.create_owned_workspace(&mut tx, account.id, &format!("{name}'s Workspace"), now)
            .await?;
        self.queue_verification(&mut tx, &account, now).await?;
        let session = self.open_session(&mut tx, account, now).await?;
        self.commit(tx).await?;
        Ok(session)
    }

    /// Logs in with email and password. A wrong password, an unknown email and an account that
    /// may not log in (pending, banned) all give the same answer, in about the same time.
    /// A place in the hashing budget is taken first (none: `UNAVAILABLE`, nothing counted),
    /// then the attempt is counted before the password is checked (see
    /// [`Roster::reserve_login`]); an attempt that could not complete is given back.
    pub async fn login(&self, email: &str, password: &str, client_ip: &str) -> AppResult<Session> {
        let now = self.now();
        let normalized = email.trim().to_lowercase();
        let ticket = self.hashing.admit()?;
        let keys = self.reserve_login(&normalized, client_ip, now).await?;
        let account = match self.check_password(ticket, &normalized, password).await {
            Ok(account) => account,
            Err(e) => {
                keys.give_back(self).await;
                return Err(e);
            }
        };
        let Some(account) = account else {
            return Err(AppError::bad_credentials());
        };
        keys.succeeded(self, now).await;
        let mut tx = self.db.begin().await?;
        let session = self.open_session(&mut tx, account, now).await?;
        self.commit(tx).await?;
        Ok(session)
    }

    /// The account `password` signs in to (`None`: wrong password, unknown address, or an
    /// account that may not log in), checked with the place `ticket` holds.
    async fn check_password(
        &self,
        ticket: Ticket,
        email: &str,
        password: &str,
    ) -> AppResult<Option<AccountRow>> {
        // Any well-formed address is looked up (an intranet address accepted under another
        // policy still signs in); anything else cannot be an account.
        let lenient = EmailPolicy {
            allow_dotless_domains: true,
        };
        let credential = match lenient.parse(email) {
            Ok(email) => self.db.credential_by_email(email.as_str()).await?,
            Err(_) => None,
        };
        let (account, hash) = match credential {
            Some(c) => (Some(c.account), c.password_hash),
            None => (None, None),
        };
        let matched = ticket
            .verify(password.to_owned(), hash)
            .await
            .map_err(AppError::Internal)?;
        Ok(account.filter(|a| matched && a.status == AccountStatus::Active))
    }

    /// Hashes a new password (sign-up, activation, reset, change) within the hashing budget.
    pub(crate) async fn hash_password(&self, password: &str) -> AppResult<String> {
        self.hashing
            .admit()?
            .hash(password.to_owned())
            .await
            .map_err(AppError::Internal)
    }

    /// Reserves one password check for `email` and for `ip` before it happens: at most
    /// `login_failures_per_email` checks per address (and `login_failures_per_ip` per client)
    /// per window, however many requests arrive at once.
    pub(crate) async fn reserve_login(
        &self,
        email: &str,
        ip: &str,
        now: DateTime<Utc>,
    ) -> AppResult<LoginKeys> {
        let window = Duration::seconds(LOGIN_WINDOW_SECS);
        let limits = &self.config.limits;
        let email_key = throttle::key("login:email", email);
        let email = self
            .throttle(&email_key, limits.login_failures_per_email, window, now)
            .await?;
        let ip_key = throttle::key("login:ip", ip);
        match self
            .throttle(&ip_key, limits.login_failures_per_ip, window, now)
            .await
        {
            Ok(ip) => Ok(LoginKeys { email, ip }),
            Err(e) => {
                // Refused for the client (or the database failed): the address's reservation
                // is not used.
                self.give_back(email).await;
                Err(e)
            }
        }
    }

    /// Trades a refresh token for a new pair. Each refresh token works once; presenting a used
    /// one revokes its whole session (every token descended from that login).
    pub async fn refresh(&self, refresh_token: &str) -> AppResult<Session> {
        let now = self.now();
        let next = tokens::new_token().map_err(AppError::Internal)?;
        let expires = now + Duration::days(i64::from(self.config.refresh_token_ttl_days));
        let presented = tokens::hash(refresh_token);
        let mut tx = self.db.begin().await?;
        let Some((account_id, session)) = tx.use_refresh_token(&presented, now).await? else {
            // A replayed token means it leaked: end the session it belongs to.
            if let Some(session) = tx.used_token_session(&presented).await? {
                tx.revoke_session(session, now).await?;
                self.commit(tx).await?;
                return Err(AppError::Unauthenticated(
                    "refresh token already used; every session from that login is revoked",
                ));
            }
            return Err(AppError::Unauthenticated(
                "invalid or expired refresh token",
            ));
        };
        let account = tx
            .account(account_id)
            .await?
            .filter(|a| a.status == AccountStatus::Active)
            .ok_or(AppError::Unauthenticated(
                "invalid or expired refresh token",
            ))?;
        tx.insert_refresh_token(account_id, session, &tokens::hash(&next), now, expires)
            .await?;
        self.commit(tx).await?;
        Ok(Session {
            access_token: self.access_token(account.id, session, now)?,
            refresh_token: next,
            expires_in: self.access_ttl(),
            account,
        })
    }

    /// Ends the session a refresh token belongs to (its access tokens stop working at once).
    /// False when the token names no live session.
    pub async fn logout(&self, refresh_token: &str) -> AppResult<bool> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ended = tx
            .revoke_session_of_token(&tokens::hash(refresh_token), now)
            .await?;
        self.commit(tx).await?;
        Ok(ended)
    }

    /// Starts a session (a login) for `account` in `tx`: a refresh-token family and an access
    /// token that names it.
    pub(crate) async fn open_session(
        &self,
        tx: &mut Tx,
        account: AccountRow,
        now: DateTime<Utc>,
    ) -> AppResult<Session> {
        let refresh_token = tokens::new_token().map_err(AppError::Internal)?;
        let expires = now + Duration::days(i64::from(self.config.refresh_token_ttl_days));
        let session = tx
            .start_session(account.id, &tokens::hash(&refresh_token), now, expires)
            .await?;
        Ok(Session {
            access_token: self.access_token(account.id, session, now)?,
            refresh_token,
            expires_in: self.access_ttl(),
            account,
        })
    }

    fn access_ttl(&self) -> i64 {
        i64::from(self.config.access_token_ttl_secs)
    }

    fn access_token(&self, account: Uuid, session: Uuid, now: DateTime<Utc>) -> AppResult<String> {
        let keys = &self.keys;
        keys.issuer
            .issue_access(&keys.ring(), account, session, now, self.access_ttl())
            .map_err(AppError::Internal)
    }
}

/// The attempts one password check was counted under (its address and its client).
pub(crate) struct LoginKeys {
    email: Reserved,
    ip: Reserved,
}

impl LoginKeys {
    /// A right password gives its reservation back: the counts keep only failures (SPEC 6:
    /// 5 failures per address, 100 per client, in 15 minutes), so people who sign in often
    /// are never locked out, and a success cannot make room for more guesses than that.
    pub(crate) async fn succeeded(self, roster: &Roster, now: DateTime<Utc>) {
        self.give_back(roster).await;
        roster
            .prune_throttles(now - Duration::seconds(LOGIN_WINDOW_SECS), now)
            .await;
    }

    /// The check did not happen or did not complete (a storage error, no place to hash): it
    /// counts against nobody.
    pub(crate) async fn give_back(self, roster: &Roster) {
        roster.give_back(self.email).await;
        roster.give_back(self.ip).await;
    }
}
