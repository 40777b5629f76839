//! Sign-up, login, refresh and per-request authentication.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::Roster;
use crate::auth::{password, tokens};
use crate::db::AccountRow;
use crate::db::accounts::NewAccount;
use crate::domain::names::{check_password, parse_name};
use crate::domain::{AccountStatus, Email, Language};
use crate::error::{AppError, AppResult};

/// How long failed logins count against an email or an IP.
const LOGIN_WINDOW_SECS: i64 = 15 * 60;

/// Tokens handed to a client after a successful sign-in.
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub account: AccountRow,
}

/// The outcome of looking at a request's bearer token.
#[derive(Clone, Debug)]
pub enum Authenticated {
    /// No token was sent.
    Anonymous,
    /// A token was sent but is bad, expired, or names an account that may not sign in.
    Rejected,
    Viewer(AccountRow),
}

impl Authenticated {
    pub fn viewer(&self) -> AppResult<&AccountRow> {
        match self {
            Authenticated::Viewer(account) => Ok(account),
            Authenticated::Anonymous => Err(AppError::Unauthenticated("authentication required")),
            Authenticated::Rejected => Err(AppError::Unauthenticated("invalid or expired token")),
        }
    }
}

fn valid_password(field: &'static str, password: &str) -> AppResult<()> {
    check_password(password).map_err(|m| AppError::bad_input(field, format!("{field} {m}")))
}

pub(crate) fn valid_name(field: &'static str, raw: &str) -> AppResult<String> {
    parse_name(raw).map_err(|m| AppError::bad_input(field, format!("{field} {m}")))
}

impl Roster {
    /// Checks a bearer token and re-reads the account, so a banned account's token stops working
    /// at once. Refreshes `lastActiveAt` at most once a minute.
    pub async fn authenticate(&self, bearer: Option<&str>) -> AppResult<Authenticated> {
        let Some(token) = bearer else {
            return Ok(Authenticated::Anonymous);
        };
        let Some(id) = self.jwt.verify(token) else {
            return Ok(Authenticated::Rejected);
        };
        let Some(mut account) = self.db.account(id).await? else {
            return Ok(Authenticated::Rejected);
        };
        if account.status != AccountStatus::Active {
            return Ok(Authenticated::Rejected);
        }
        let now = self.now();
        if account
            .last_active_at
            .is_none_or(|at| now - at >= Duration::seconds(60))
        {
            self.db.touch_account(id, now).await?;
            account.last_active_at = Some(now);
        }
        Ok(Authenticated::Viewer(account))
    }

    pub async fn sign_up(&self, email: &str, name: &str, password: &str) -> AppResult<Session> {
        if !self.config.allow_signup {
            return Err(AppError::Forbidden(
                "sign-up is disabled on this server".into(),
            ));
        }
        let email = Email::parse(email).map_err(|e| AppError::bad_input("email", e.to_string()))?;
        let name = valid_name("name", name)?;
        valid_password("password", password)?;
        let hash = password::hash(password.to_owned())
            .await
            .map_err(AppError::Internal)?;
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
        self.commit(tx).await?;
        self.start_session(account).await
    }

    /// Logs in with email and password. A wrong password, an unknown email and an account that
    /// may not log in (pending, banned) all give the same answer, in about the same time.
    pub async fn login(&self, email: &str, password: &str, client_ip: &str) -> AppResult<Session> {
        let now = self.now();
        let normalized = email.trim().to_lowercase();
        self.check_login_rate(&normalized, client_ip, now).await?;
        let account = match Email::parse(&normalized) {
            Ok(email) => self.db.account_by_email(email.as_str()).await?,
            Err(_) => None,
        };
        let hash = account.as_ref().and_then(|a| a.password_hash.clone());
        let password_ok = password::verify(password.to_owned(), hash).await;
        match account {
            Some(account) if password_ok && account.status == AccountStatus::Active => {
                let cutoff = now - Duration::seconds(LOGIN_WINDOW_SECS);
                self.db.clear_login_failures(&normalized, cutoff).await?;
                self.start_session(account).await
            }
            _ => {
                self.db
                    .record_login_failure(&normalized, client_ip, now)
                    .await?;
                Err(AppError::bad_credentials())
            }
        }
    }

    async fn check_login_rate(&self, email: &str, ip: &str, now: DateTime<Utc>) -> AppResult<()> {
        let window = Duration::seconds(LOGIN_WINDOW_SECS);
        let counts = self
            .db
            .login_failures_since(email, ip, now - window)
            .await?;
        let limits = &self.config.limits;
        let blocked_since = if counts.by_email >= i64::from(limits.login_failures_per_email) {
            counts.oldest_by_email
        } else if counts.by_ip >= i64::from(limits.login_failures_per_ip) {
            counts.oldest_by_ip
        } else {
            return Ok(());
        };
        let retry_after = blocked_since
            .map(|oldest| (oldest + window - now).num_seconds().max(1))
            .unwrap_or(LOGIN_WINDOW_SECS);
        Err(AppError::RateLimited {
            retry_after: retry_after.unsigned_abs(),
        })
    }

    /// Trades a refresh token for a new pair. Each refresh token works once; presenting a used
    /// one revokes every token descended from the same login.
    pub async fn refresh(&self, refresh_token: &str) -> AppResult<Session> {
        let now = self.now();
        let next = tokens::new_token().map_err(AppError::Internal)?;
        let expires = now + Duration::days(i64::from(self.config.refresh_token_ttl_days));
        let presented = tokens::hash(refresh_token);
        let mut tx = self.db.begin().await?;
        let Some((account_id, family)) = tx.use_refresh_token(&presented, now).await? else {
            // A replayed token means it leaked: end every session descended from that login.
            if let Some(family) = tx.used_token_family(&presented).await? {
                tx.revoke_token_family(family, now).await?;
                self.commit(tx).await?;
                return Err(AppError::Unauthenticated(
                    "refresh token already used; every session from that login is revoked",
                ));
            }
            return Err(AppError::Unauthenticated(
                "invalid or expired refresh token",
            ));
        };
        tx.insert_refresh_token(account_id, family, &tokens::hash(&next), now, expires)
            .await?;
        self.commit(tx).await?;
        match self.db.account(account_id).await? {
            Some(account) if account.status == AccountStatus::Active => {
                let access_token = self.access_token(account.id, now)?;
                Ok(Session {
                    access_token,
                    refresh_token: next,
                    expires_in: self.access_ttl(),
                    account,
                })
            }
            _ => Err(AppError::Unauthenticated(
                "invalid or expired refresh token",
            )),
        }
    }

    /// Issues an access token and a new refresh-token family for `account`.
    pub(crate) async fn start_session(&self, account: AccountRow) -> AppResult<Session> {
        let now = self.now();
        let refresh_token = tokens::new_token().map_err(AppError::Internal)?;
        let expires = now + Duration::days(i64::from(self.config.refresh_token_ttl_days));
        self.db
            .start_token_family(account.id, &tokens::hash(&refresh_token), now, expires)
            .await?;
        Ok(Session {
            access_token: self.access_token(account.id, now)?,
            refresh_token,
            expires_in: self.access_ttl(),
            account,
        })
    }

    fn access_ttl(&self) -> i64 {
        i64::from(self.config.access_token_ttl_secs)
    }

    fn access_token(&self, account: Uuid, now: DateTime<Utc>) -> AppResult<String> {
        self.jwt
            .issue(account, now.timestamp(), self.access_ttl())
            .map_err(AppError::Internal)
    }
}
