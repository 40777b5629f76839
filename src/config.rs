//! Command line and environment configuration (SPEC section 8). Every flag has an env fallback.
//!
//! `roster` (or `roster serve`) takes the server settings; the other subcommands take only their
//! own options, so `roster mail-sink --help` shows just those.

use clap::{ArgAction, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Roster: a workspace-membership GraphQL API",
    long_about = "Roster: a workspace-membership GraphQL API.\n\nWith no subcommand it runs the server (same as `roster serve`); every setting below is also read from the environment variable shown."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default when no subcommand is given).
    Serve(Box<Config>),
    /// Print the GraphQL schema (SDL) and exit.
    Schema,
    /// The keys that sign tokens: `list`, `rotate` (a new key signs after the key set's cache
    /// lifetime), `retire KID` (stop publishing a leaked key at once).
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
        #[command(flatten)]
        config: Box<Config>,
    },
    /// Print the console's operations as an Apollo persisted query manifest (for
    /// ROSTER_TRUSTED_DOCUMENTS; add a product's own operations to it) and exit.
    TrustedDocuments,
    /// Run a local SMTP server that prints what it receives (for trying emails out).
    MailSink {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:2525")]
        listen: String,
    },
}

/// `roster keys ...`.
#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Every key with its state (pending, signing, published until, retired).
    List,
    /// Adds a key of ROSTER_SIGNING_ALG: published now, signing in 6 minutes; the old key
    /// stays published until its last token expired.
    Rotate,
    /// Stops publishing and accepting a key at once (its tokens stop working).
    Retire {
        /// The key id (`kid`), as `roster keys list` shows it (it may start with `-`).
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
}

impl Cli {
    /// The subcommand to run, with the server settings where it is `serve`.
    pub fn into_command(self) -> Command {
        match self.command {
            None => Command::Serve(Box::new(self.config)),
            Some(command) => command,
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (for log collectors).
    Json,
}

/// `host:port`, where host is an IP address or a name (`localhost:8000`); resolved when binding.
fn parse_listen(s: &str) -> Result<String, String> {
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("`{s}` is not HOST:PORT (e.g. 127.0.0.1:8000 or localhost:8000)"))?;
    port.parse::<u16>()
        .map_err(|_| format!("`{port}` is not a port number (0-65535)"))?;
    if host.is_empty() {
        return Err(format!(
            "`{s}` has no host; use 0.0.0.0:{port} for every interface"
        ));
    }
    Ok(s.to_owned())
}

#[derive(Clone, clap::Args)]
pub struct Config {
    /// Address to listen on: IP:PORT or HOST:PORT (e.g. localhost:8000).
    #[arg(
        long,
        env = "ROSTER_LISTEN",
        default_value = "127.0.0.1:8000",
        value_parser = parse_listen
    )]
    pub listen: String,

    /// sqlite://FILE (embedded default, created if missing) or postgres://... for production.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://roster.db")]
    pub database_url: String,

    /// The HS256 secret of Roster versions that signed access tokens with it. Only checks
    /// tokens issued before the upgrade, until they expire (default: the one kept in the
    /// database). Roster never signs with it.
    #[arg(long, env = "ROSTER_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    #[command(flatten)]
    pub tokens: TokenSettings,

    /// Base URL used in emailed links. Default: http:// + the listen address.
    #[arg(long, env = "ROSTER_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// SMTP server, e.g. smtp://127.0.0.1:2525 or smtps://user:pass@host. Unset: write .eml files.
    #[arg(long, env = "ROSTER_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Folder for .eml files when no SMTP server is configured.
    #[arg(long, env = "ROSTER_MAIL_DIR", default_value = "./mail")]
    pub mail_dir: PathBuf,

    /// Sender of every email.
    #[arg(
        long,
        env = "ROSTER_MAIL_FROM",
        default_value = "Roster <roster@localhost>"
    )]
    pub mail_from: String,

    /// Allow anyone to sign up.
    #[arg(long, env = "ROSTER_ALLOW_SIGNUP", default_value_t = true, action = ArgAction::Set)]
    pub allow_signup: bool,

    /// Serve schema introspection (GraphiQL needs it).
    #[arg(long, env = "ROSTER_INTROSPECTION", default_value_t = true, action = ArgAction::Set)]
    pub introspection: bool,

    /// Most members a workspace may have (0 = no limit).
    #[arg(long, env = "ROSTER_MAX_MEMBERS", default_value_t = 0)]
    pub max_members: u32,

    /// Require an emailed code to transfer ownership.
    #[arg(long, env = "ROSTER_TRANSFER_CODE", default_value_t = true, action = ArgAction::Set)]
    pub transfer_code: bool,

    /// Serve the members console at `/` (false: only the API and the emailed-link pages).
    #[arg(long, env = "ROSTER_CONSOLE", default_value_t = true, action = ArgAction::Set)]
    pub console: bool,

    /// Return invitation links to the inviter (`activationUrl`) for accounts the call created.
    /// Only for closed deployments without a mail server: it lets an inviter act as the invitee.
    #[arg(long, env = "ROSTER_SHARE_INVITE_LINKS", default_value_t = false, action = ArgAction::Set)]
    pub share_invite_links: bool,

    /// Accept email addresses whose domain has no dot (`bob@intranet`): intranets only.
    #[arg(long, env = "ROSTER_ALLOW_DOTLESS_EMAIL_DOMAINS", default_value_t = false, action = ArgAction::Set)]
    pub allow_dotless_email_domains: bool,

    /// Lifetime of email-verification links, in hours.
    #[arg(long, env = "ROSTER_VERIFY_TTL_HOURS", default_value_t = 48)]
    pub verify_ttl_hours: u32,

    /// Lifetime of password-reset links, in minutes.
    #[arg(long, env = "ROSTER_RESET_TTL_MINUTES", default_value_t = 30)]
    pub reset_ttl_minutes: u32,

    /// Lifetime of invitation links, in hours.
    #[arg(long, env = "ROSTER_INVITE_TTL_HOURS", default_value_t = 72)]
    pub invite_ttl_hours: u32,

    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "ROSTER_ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: u32,

    /// Lifetime of refresh tokens, in days.
    #[arg(long, env = "ROSTER_REFRESH_TOKEN_TTL_DAYS", default_value_t = 30)]
    pub refresh_token_ttl_days: u32,

    #[command(flatten)]
    pub limits: Limits,

    #[command(flatten)]
    pub outbox: OutboxSettings,

    /// Proxies whose X-Forwarded-For header is believed (comma-separated IPs or CIDRs, e.g.
    /// 10.0.0.0/8,127.0.0.1). The client IP (for the per-IP login limit) is then the last
    /// address in the header that is not one of them. Empty: the header is ignored.
    #[arg(
        long,
        env = "ROSTER_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_proxy
    )]
    pub trusted_proxies: Vec<IpNet>,

    /// Log format.
    #[arg(long, env = "ROSTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// On SIGTERM or Ctrl-C: seconds to let in-flight requests and email sends finish.
    #[arg(long, env = "ROSTER_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,

    /// How long a dataloader collects keys before it queries, in microseconds.
    #[arg(long, env = "ROSTER_LOADER_DELAY_US", default_value_t = 500)]
    pub loader_delay_us: u64,

    /// Run only the operations of this manifest (trusted documents: an Apollo persisted query
    /// manifest, or a JSON map of id to document; `roster trusted-documents` prints the
    /// console's). Others get PERSISTED_QUERY_REQUIRED.
    #[arg(long, env = "ROSTER_TRUSTED_DOCUMENTS", value_parser = crate::graphql::manifest::TrustedDocuments::load)]
    pub trusted_documents: Option<crate::graphql::manifest::TrustedDocuments>,

    /// Serve as an Apollo Federation v2 subgraph (`_service`, `_entities`, `@key(fields: "id")`
    /// on Account, Workspace and Member).
    #[arg(long, env = "ROSTER_FEDERATION", default_value_t = false, action = ArgAction::Set)]
    pub federation: bool,
}

/// How tokens are signed (SPEC 11).
#[derive(Debug, Clone, clap::Args)]
pub struct TokenSettings {
    /// Algorithm of new signing keys: ES256, RS256 or EdDSA (Ed25519).
    #[arg(long, env = "ROSTER_SIGNING_ALG", default_value = "ES256", value_parser = parse_alg)]
    pub signing_alg: crate::auth::SigningAlg,
    /// PKCS#8 PEM file of the signing keys (the first block signs). Unset: keys are generated
    /// and kept in the database.
    #[arg(long, env = "ROSTER_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,
    /// `iss` of the tokens. Default: ROSTER_PUBLIC_URL.
    #[arg(long, env = "ROSTER_TOKEN_ISSUER")]
    pub token_issuer: Option<String>,
    /// `aud` of the tokens.
    #[arg(long, env = "ROSTER_TOKEN_AUDIENCE", default_value = "roster")]
    pub token_audience: String,
}

fn parse_alg(s: &str) -> Result<crate::auth::SigningAlg, String> {
    crate::auth::SigningAlg::parse(s).ok_or_else(|| format!("`{s}` is not ES256, RS256 or EdDSA"))
}

/// How the email outbox is delivered.
#[derive(Debug, Clone, clap::Args)]
pub struct OutboxSettings {
    /// Attempts per email before it is marked dead.
    #[arg(long, env = "ROSTER_MAIL_MAX_ATTEMPTS", default_value_t = 8)]
    pub mail_max_attempts: u32,
    /// First retry delay in seconds; doubles with each attempt (with jitter), at most an hour.
    #[arg(long, env = "ROSTER_MAIL_RETRY_SECS", default_value_t = 5)]
    pub mail_retry_secs: u32,
    /// How often the worker looks for due emails when nothing wakes it, in milliseconds.
    #[arg(long, env = "ROSTER_MAIL_POLL_MS", default_value_t = 1000)]
    pub mail_poll_ms: u64,
    /// Seconds a worker holds the emails it claimed; if it dies, others retry them after this.
    #[arg(long, env = "ROSTER_MAIL_LEASE_SECS", default_value_t = 60)]
    pub mail_lease_secs: u32,
    /// Emails sent at once by one worker (and SMTP connections it keeps open).
    #[arg(long, env = "ROSTER_MAIL_CONCURRENCY", default_value_t = 16)]
    pub mail_concurrency: usize,
}

/// Protection limits (SPEC section 6).
#[derive(Debug, Clone, clap::Args)]
pub struct Limits {
    /// Deepest query accepted (levels of fields; introspection fields are not counted).
    #[arg(long, env = "ROSTER_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Highest query complexity accepted.
    #[arg(long, env = "ROSTER_MAX_COMPLEXITY", default_value_t = 2000)]
    pub max_complexity: usize,
    /// Largest request body (and WebSocket message), in bytes.
    #[arg(long, env = "ROSTER_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
    /// Longest query text, in bytes.
    #[arg(long, env = "ROSTER_MAX_QUERY_BYTES", default_value_t = 64 * 1024)]
    pub max_query_bytes: usize,
    /// Most lexical tokens in a query text.
    #[arg(long, env = "ROSTER_MAX_QUERY_TOKENS", default_value_t = 5000)]
    pub max_query_tokens: usize,
    /// Most aliases in one query document.
    #[arg(long, env = "ROSTER_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most directives on one field.
    #[arg(long, env = "ROSTER_MAX_DIRECTIVES", default_value_t = 5)]
    pub max_directives: usize,
    /// Most operations in one batched request.
    #[arg(long, env = "ROSTER_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Most emails in one inviteMembers call.
    #[arg(long, env = "ROSTER_INVITE_LIMIT", default_value_t = 100)]
    pub invite_limit: usize,
    /// Most invitation emails per workspace per hour.
    #[arg(long, env = "ROSTER_INVITES_PER_HOUR", default_value_t = 200)]
    pub invites_per_hour: u32,
    /// Failed logins per email in 15 minutes before RATE_LIMITED.
    #[arg(long, env = "ROSTER_LOGIN_FAILURES_PER_EMAIL", default_value_t = 5)]
    pub login_failures_per_email: u32,
    /// Failed logins per client IP in 15 minutes before RATE_LIMITED.
    #[arg(long, env = "ROSTER_LOGIN_FAILURES_PER_IP", default_value_t = 100)]
    pub login_failures_per_ip: u32,
    /// Password-reset emails per address per hour (more requests are answered but send nothing).
    #[arg(long, env = "ROSTER_RESETS_PER_EMAIL", default_value_t = 3)]
    pub resets_per_email: u32,
    /// Password-reset requests per client IP per hour before RATE_LIMITED.
    #[arg(long, env = "ROSTER_RESETS_PER_IP", default_value_t = 20)]
    pub resets_per_ip: u32,
    /// Verification emails an account may ask for per hour.
    #[arg(long, env = "ROSTER_VERIFICATIONS_PER_HOUR", default_value_t = 5)]
    pub verifications_per_hour: u32,
    /// Password hashes computed at once, each on a thread of its own holding 19 MiB
    /// (0 = one per CPU core).
    #[arg(long, env = "ROSTER_HASH_THREADS", default_value_t = 0)]
    pub hash_threads: usize,
    /// Password hashes that may wait for a thread (a waiting request holds no hashing memory);
    /// beyond them a login, sign-up or password change is refused at once with UNAVAILABLE and
    /// `retryAfter`.
    #[arg(long, env = "ROSTER_HASH_QUEUE", default_value_t = 64)]
    pub hash_queue: usize,
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

fn parse_proxy(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{s}` is not an IP address or CIDR range (e.g. 10.0.0.0/8)"))
}

/// Secrets are never printed: the JWT secret is hidden and the SMTP URL loses its password.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &redact_url(&self.database_url))
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<hidden>"))
            .field("tokens", &self.tokens)
            .field("public_url", &self.public_url)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_dir", &self.mail_dir)
            .field("mail_from", &self.mail_from)
            .field("allow_signup", &self.allow_signup)
            .field("introspection", &self.introspection)
            .field("max_members", &self.max_members)
            .field("transfer_code", &self.transfer_code)
            .field("console", &self.console)
            .field("share_invite_links", &self.share_invite_links)
            .field(
                "allow_dotless_email_domains",
                &self.allow_dotless_email_domains,
            )
            .field("verify_ttl_hours", &self.verify_ttl_hours)
            .field("reset_ttl_minutes", &self.reset_ttl_minutes)
            .field("invite_ttl_hours", &self.invite_ttl_hours)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_token_ttl_days", &self.refresh_token_ttl_days)
            .field("limits", &self.limits)
            .field("outbox", &self.outbox)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("log_format", &self.log_format)
            .field("shutdown_grace_secs", &self.shutdown_grace_secs)
            .field("loader_delay_us", &self.loader_delay_us)
            .finish()
    }
}

/// `scheme://user:password@host/...` -> `scheme://user:***@host/...`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let mut config = Config::with_database("postgres://app:dbpass@db/roster");
        config.jwt_secret = Some("jwt-secret-value".into());
        config.smtp_url = Some("smtps://mailer:smtp-pass@mail.example.com:465".into());
        let printed = format!("{config:?}");
        for secret in ["jwt-secret-value", "smtp-pass", "dbpass"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        assert!(printed.contains("smtps://mailer:***@mail.example.com:465"));
    }

    #[test]
    fn a_kid_may_start_with_a_hyphen() {
        // A kid is a base64url thumbprint: one in 64 starts with `-`.
        let cli = Cli::try_parse_from(["roster", "keys", "retire", "-yQx_3"]);
        let kid = match cli.map(|c| c.command) {
            Ok(Some(Command::Keys {
                action: KeysCommand::Retire { kid },
                ..
            })) => kid,
            other => panic!("{other:?}"),
        };
        assert_eq!(kid, "-yQx_3");
    }

    #[test]
    fn listen_accepts_names_and_addresses() {
        assert!(parse_listen("localhost:8000").is_ok());
        assert!(parse_listen("[::1]:8000").is_ok());
        assert!(parse_listen("0.0.0.0:0").is_ok());
        assert!(parse_listen("8000").is_err());
        assert!(parse_listen("localhost:http").is_err());
        assert!(parse_listen(":8000").is_err());
    }

    #[test]
    fn proxies_are_ips_or_ranges() {
        assert!(parse_proxy("10.0.0.0/8").is_ok());
        assert!(parse_proxy(" 127.0.0.1").is_ok());
        assert!(parse_proxy("::1").is_ok());
        assert!(parse_proxy("proxy.local").is_err());
    }
}
