//! Command line and environment configuration (SPEC section 8). Every flag has an env fallback.

use clap::{ArgAction, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Roster: a workspace-membership GraphQL API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Print the GraphQL schema (SDL) and exit.
    Schema,
    /// Run a local SMTP server that prints what it receives (for trying emails out).
    MailSink {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:2525")]
        listen: String,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        long,
        env = "ROSTER_LISTEN",
        default_value = "127.0.0.1:8000",
        global = true
    )]
    pub listen: SocketAddr,

    /// sqlite://FILE (embedded default, created if missing) or postgres://... for production.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://roster.db",
        global = true
    )]
    pub database_url: String,

    /// HS256 secret for access tokens. Default: generated once and kept in the database.
    #[arg(long, env = "ROSTER_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// Base URL used in emailed links. Default: http:// + the listen address.
    #[arg(long, env = "ROSTER_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// SMTP server, e.g. smtp://127.0.0.1:2525 or smtps://user:pass@host. Unset: write .eml files.
    #[arg(long, env = "ROSTER_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// Folder for .eml files when no SMTP server is configured.
    #[arg(long, env = "ROSTER_MAIL_DIR", default_value = "./mail", global = true)]
    pub mail_dir: PathBuf,

    /// Sender of every email.
    #[arg(
        long,
        env = "ROSTER_MAIL_FROM",
        default_value = "Roster <roster@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Allow anyone to sign up.
    #[arg(long, env = "ROSTER_ALLOW_SIGNUP", default_value_t = true, action = ArgAction::Set, global = true)]
    pub allow_signup: bool,

    /// Serve schema introspection (GraphiQL needs it).
    #[arg(long, env = "ROSTER_INTROSPECTION", default_value_t = true, action = ArgAction::Set, global = true)]
    pub introspection: bool,

    /// Most members a workspace may have (0 = no limit).
    #[arg(long, env = "ROSTER_MAX_MEMBERS", default_value_t = 0, global = true)]
    pub max_members: u32,

    /// Require an emailed code to transfer ownership.
    #[arg(long, env = "ROSTER_TRANSFER_CODE", default_value_t = true, action = ArgAction::Set, global = true)]
    pub transfer_code: bool,

    /// Serve the members console at `/` (false: only the API and the emailed-link pages).
    #[arg(long, env = "ROSTER_CONSOLE", default_value_t = true, action = ArgAction::Set, global = true)]
    pub console: bool,

    /// Return invitation links to the inviter (`activationUrl`) for accounts the call created.
    /// Only for closed deployments without a mail server: it lets an inviter act as the invitee.
    #[arg(long, env = "ROSTER_SHARE_INVITE_LINKS", default_value_t = false, action = ArgAction::Set, global = true)]
    pub share_invite_links: bool,

    /// Accept email addresses whose domain has no dot (`bob@intranet`): intranets only.
    #[arg(long, env = "ROSTER_ALLOW_DOTLESS_EMAIL_DOMAINS", default_value_t = false, action = ArgAction::Set, global = true)]
    pub allow_dotless_email_domains: bool,

    /// Lifetime of email-verification links, in hours.
    #[arg(
        long,
        env = "ROSTER_VERIFY_TTL_HOURS",
        default_value_t = 48,
        global = true
    )]
    pub verify_ttl_hours: u32,

    /// Lifetime of password-reset links, in minutes.
    #[arg(
        long,
        env = "ROSTER_RESET_TTL_MINUTES",
        default_value_t = 30,
        global = true
    )]
    pub reset_ttl_minutes: u32,

    /// Lifetime of invitation links, in hours.
    #[arg(
        long,
        env = "ROSTER_INVITE_TTL_HOURS",
        default_value_t = 72,
        global = true
    )]
    pub invite_ttl_hours: u32,

    /// Lifetime of access tokens, in seconds.
    #[arg(
        long,
        env = "ROSTER_ACCESS_TOKEN_TTL_SECS",
        default_value_t = 900,
        global = true
    )]
    pub access_token_ttl_secs: u32,

    /// Lifetime of refresh tokens, in days.
    #[arg(
        long,
        env = "ROSTER_REFRESH_TOKEN_TTL_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub refresh_token_ttl_days: u32,

    #[command(flatten)]
    pub limits: Limits,

    #[command(flatten)]
    pub outbox: OutboxSettings,

    /// How long a dataloader collects keys before it queries, in microseconds.
    #[arg(
        long,
        env = "ROSTER_LOADER_DELAY_US",
        default_value_t = 500,
        global = true
    )]
    pub loader_delay_us: u64,
}

/// How the email outbox is delivered.
#[derive(Debug, Clone, clap::Args)]
pub struct OutboxSettings {
    /// Attempts per email before it is marked dead.
    #[arg(
        long,
        env = "ROSTER_MAIL_MAX_ATTEMPTS",
        default_value_t = 8,
        global = true
    )]
    pub mail_max_attempts: u32,
    /// First retry delay in seconds; doubles with each attempt (with jitter), at most an hour.
    #[arg(
        long,
        env = "ROSTER_MAIL_RETRY_SECS",
        default_value_t = 5,
        global = true
    )]
    pub mail_retry_secs: u32,
    /// How often the worker looks for due emails when nothing wakes it, in milliseconds.
    #[arg(
        long,
        env = "ROSTER_MAIL_POLL_MS",
        default_value_t = 1000,
        global = true
    )]
    pub mail_poll_ms: u64,
    /// Seconds a worker holds the emails it claimed; if it dies, others retry them after this.
    #[arg(
        long,
        env = "ROSTER_MAIL_LEASE_SECS",
        default_value_t = 60,
        global = true
    )]
    pub mail_lease_secs: u32,
    /// Emails sent at once by one worker (and SMTP connections it keeps open).
    #[arg(
        long,
        env = "ROSTER_MAIL_CONCURRENCY",
        default_value_t = 16,
        global = true
    )]
    pub mail_concurrency: usize,
}

/// Protection limits (SPEC section 6).
#[derive(Debug, Clone, clap::Args)]
pub struct Limits {
    /// Deepest query accepted.
    #[arg(long, env = "ROSTER_MAX_DEPTH", default_value_t = 12, global = true)]
    pub max_depth: usize,
    /// Highest query complexity accepted.
    #[arg(
        long,
        env = "ROSTER_MAX_COMPLEXITY",
        default_value_t = 2000,
        global = true
    )]
    pub max_complexity: usize,
    /// Largest request body, in bytes.
    #[arg(long, env = "ROSTER_MAX_BODY_BYTES", default_value_t = 1 << 20, global = true)]
    pub max_body_bytes: usize,
    /// Most operations in one batched request.
    #[arg(long, env = "ROSTER_MAX_BATCH", default_value_t = 10, global = true)]
    pub max_batch: usize,
    /// Most emails in one inviteMembers call.
    #[arg(
        long,
        env = "ROSTER_INVITE_LIMIT",
        default_value_t = 100,
        global = true
    )]
    pub invite_limit: usize,
    /// Most invitation emails per workspace per hour.
    #[arg(
        long,
        env = "ROSTER_INVITES_PER_HOUR",
        default_value_t = 200,
        global = true
    )]
    pub invites_per_hour: u32,
    /// Failed logins per email in 15 minutes before RATE_LIMITED.
    #[arg(
        long,
        env = "ROSTER_LOGIN_FAILURES_PER_EMAIL",
        default_value_t = 5,
        global = true
    )]
    pub login_failures_per_email: u32,
    /// Failed logins per client IP in 15 minutes before RATE_LIMITED.
    #[arg(
        long,
        env = "ROSTER_LOGIN_FAILURES_PER_IP",
        default_value_t = 100,
        global = true
    )]
    pub login_failures_per_ip: u32,
    /// Password-reset emails per address per hour (more requests are answered but send nothing).
    #[arg(
        long,
        env = "ROSTER_RESETS_PER_EMAIL",
        default_value_t = 3,
        global = true
    )]
    pub resets_per_email: u32,
    /// Password-reset requests per client IP per hour before RATE_LIMITED.
    #[arg(
        long,
        env = "ROSTER_RESETS_PER_IP",
        default_value_t = 20,
        global = true
    )]
    pub resets_per_ip: u32,
    /// Verification emails an account may ask for per hour.
    #[arg(
        long,
        env = "ROSTER_VERIFICATIONS_PER_HOUR",
        default_value_t = 5,
        global = true
    )]
    pub verifications_per_hour: u32,
}

impl Config {
    /// A configuration with every default, for tests and embedding.
    pub fn with_database(database_url: impl Into<String>) -> Config {
        let mut cli = Cli::parse_from(["roster"]);
        cli.config.database_url = database_url.into();
        cli.config
    }

    /// How addresses are validated.
    pub fn email_policy(&self) -> crate::domain::EmailPolicy {
        crate::domain::EmailPolicy {
            allow_dotless_domains: self.allow_dotless_email_domains,
        }
    }

    /// Base URL for links in emails, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }
}
