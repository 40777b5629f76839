//! Proving an address and recovering an account: the sign-up verification link, password
//! reset, password change. A link Roster sent to an address is the only proof that the holder
//! owns it (SPEC section 3, "Trust").

use chrono::{DateTime, Duration, Utc};

use super::Roster;
use super::auth::{Session, valid_password};
use super::throttle;
use crate::auth::tokens;
use crate::db::email_tokens::Purpose;
use crate::db::{AccountRow, Tx};
use crate::domain::{AccountStatus, EmailPolicy};
use crate::error::{AppError, AppResult, LinkProblem};
use crate::mail::message::EmailMessage;

/// The window of the reset-request and verification-email limits.
const HOUR_SECS: i64 = 3600;

impl Roster {
    /// Queues the verification email (a fresh link replaces any earlier one).
    pub(crate) async fn queue_verification(
        &self,
        tx: &mut Tx,
        account: &AccountRow,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let token = tokens::new_token().map_err(AppError::Internal)?;
        let expires_at = now + Duration::hours(i64::from(self.config.verify_ttl_hours));
        tx.issue_email_token(
            Purpose::VerifyEmail,
            account.id,
            &tokens::hash(&token),
            now,
            expires_at,
        )
        .await?;
        let message = EmailMessage::VerifyEmail {
            account_name: account.name.clone(),
            verify_url: self.page_link("verify", &token, account),
            expires_at,
        };
        tx.enqueue_email(message.to(account, None), now).await?;
        Ok(())
    }

    /// `{public_url}/{page}?token=...&lang=...`: the page speaks the recipient's language.
    fn page_link(&self, page: &str, token: &str, account: &AccountRow) -> String {
        format!(
            "{}/{page}?token={token}&lang={}",
            self.config.public_url(),
            account.language.as_str()
        )
    }

    /// `sendVerificationEmail`: sends the signed-in account a new verification link. False
    /// when its address is verified already.
    pub async fn send_verification_email(&self, account: &AccountRow) -> AppResult<bool> {
        if account.email_verified() {
            return Ok(false);
        }
        let now = self.now();
        let window = Duration::seconds(HOUR_SECS);
        let key = format!("verify:account:{}", account.id);
        self.throttle(&key, self.config.limits.verifications_per_hour, window, now)
            .await?;
        let mut tx = self.db.begin().await?;
        self.queue_verification(&mut tx, account, now).await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// `verifyEmail(token)`: the address owner opened the verification link.
    pub async fn verify_email(&self, token: &str) -> AppResult<AccountRow> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let account_id = use_link(&mut tx, Purpose::VerifyEmail, token, now).await?;
        let account = tx.verify_email(account_id, now).await?.ok_or_else(|| {
            AppError::bad_input(
                "token",
                "this account cannot be verified (it is not active)",
            )
        })?;
        self.commit(tx).await?;
        Ok(account)
    }

    /// `requestPasswordReset(email)`: always true, whether or not the address has an account,
    /// and in the same time either way: the lookup and the email happen after the answer.
    /// Limited per client (`RATE_LIMITED`) and per address (further requests send nothing,
    /// so nobody can flood an inbox).
    pub async fn request_password_reset(&self, email: &str, client_ip: &str) -> AppResult<bool> {
        let now = self.now();
        let window = Duration::seconds(HOUR_SECS);
        let key = throttle::key("reset:ip", client_ip);
        self.throttle(&key, self.config.limits.resets_per_ip, window, now)
            .await?;
        let lenient = EmailPolicy {
            allow_dotless_domains: true,
        };
        let Ok(email) = lenient.parse(email) else {
            return Ok(true);
        };
        let roster = self.clone();
        tokio::spawn(async move {
            if let Err(e) = roster.send_reset_link(email.as_str(), now).await {
                tracing::error!(error = %e, "cannot send a password-reset email");
            }
        });
        Ok(true)
    }

    async fn send_reset_link(&self, email: &str, now: DateTime<Utc>) -> AppResult<()> {
        let window = Duration::seconds(HOUR_SECS);
        let key = throttle::key("reset:email", email);
        let limit = self.config.limits.resets_per_email;
        match self.throttle(&key, limit, window, now).await {
            Ok(_) => {}
            // Answered true all the same; the address just gets no more emails this hour.
            Err(AppError::RateLimited { .. }) => return Ok(()),
            Err(e) => return Err(e),
        }
        let Some(account) = self.db.account_by_email(email).await? else {
            return Ok(());
        };
        if account.status == AccountStatus::Banned {
            return Ok(());
        }
        let token = tokens::new_token().map_err(AppError::Internal)?;
        let expires_at = now + Duration::minutes(i64::from(self.config.reset_ttl_minutes));
        let mut tx = self.db.begin().await?;
        tx.issue_email_token(
            Purpose::ResetPassword,
            account.id,
            &tokens::hash(&token),
            now,
            expires_at,
        )
        .await?;
        let message = EmailMessage::PasswordReset {
            account_name: account.name.clone(),
            reset_url: self.page_link("reset", &token, &account),
            expires_at,
        };
        tx.enqueue_email(message.to(&account, None), now).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// `resetPassword`: the address owner sets a new password. The account is theirs from now
    /// on: ACTIVE (a pending one too), address verified, every earlier session revoked, every
    /// open invitation and reset link used up.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> AppResult<Session> {
        valid_password("password", new_password)?;
        let hash = self.hash_password(new_password).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let account_id = use_link(&mut tx, Purpose::ResetPassword, token, now).await?;
        let account = tx
            .take_over_account(account_id, None, &hash, false, now)
            .await?
            .ok_or(AppError::Link(LinkProblem::Inactive))?;
        self.hand_over(&mut tx, &account, now).await?;
        let session = self.open_session(&mut tx, account, now).await?;
        self.commit(tx).await?;
        Ok(session)
    }

    /// What taking an account back means, after activation or reset: every earlier session
    /// ends, and links sent before stop working.
    pub(crate) async fn hand_over(
        &self,
        tx: &mut Tx,
        account: &AccountRow,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        tx.revoke_sessions_of(account.id, None, now).await?;
        tx.use_invitations_of(account.id, now).await?;
        tx.revoke_email_tokens_of(Purpose::ResetPassword, account.id, now)
            .await?;
        tx.revoke_email_tokens_of(Purpose::VerifyEmail, account.id, now)
            .await?;
        Ok(())
    }

    /// `changePassword`: needs the current password (counted like a login attempt, so a
    /// stolen session cannot guess it); every other session of the account ends.
    pub async fn change_password(
        &self,
        account: &AccountRow,
        session: uuid::Uuid,
        current: &str,
        new: &str,
        client_ip: &str,
    ) -> AppResult<bool> {
        valid_password("newPassword", new)?;
        let now = self.now();
        let ticket = self.hashing.admit()?;
        let keys = self.reserve_login(&account.email, client_ip, now).await?;
        let checked = async {
            let hash = self.db.password_hash(account.id).await?;
            ticket
                .verify(current.to_owned(), hash)
                .await
                .map_err(AppError::Internal)
        };
        match checked.await {
            Ok(true) => keys.succeeded(self, now).await,
            Ok(false) => {
                return Err(AppError::bad_input(
                    "currentPassword",
                    "the current password is not right",
                ));
            }
            Err(e) => {
                keys.give_back(self).await;
                return Err(e);
            }
        }
        let hash = self.hash_password(new).await?;
        let mut tx = self.db.begin().await?;
        tx.set_password(account.id, &hash).await?;
        tx.revoke_sessions_of(account.id, Some(session), now)
            .await?;
        tx.revoke_email_tokens_of(Purpose::ResetPassword, account.id, now)
            .await?;
        self.commit(tx).await?;
        Ok(true)
    }
}

/// Uses up an emailed link of `purpose`; its account, or why it cannot be used.
async fn use_link(
    tx: &mut Tx,
    purpose: Purpose,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<uuid::Uuid> {
    let row = tx
        .email_token(purpose, &tokens::hash(token))
        .await?
        .ok_or(AppError::Link(LinkProblem::Invalid))?;
    if row.used_at.is_some() {
        return Err(AppError::Link(LinkProblem::Used));
    }
    if row.revoked_at.is_some() {
        return Err(AppError::Link(LinkProblem::Revoked));
    }
    if row.expires_at <= now {
        return Err(AppError::Link(LinkProblem::Expired));
    }
    if !tx.use_email_token(row.id, now).await? {
        return Err(AppError::Link(LinkProblem::Used));
    }
    Ok(row.account_id)
}
