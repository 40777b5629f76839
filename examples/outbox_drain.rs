//! Bench: how long the outbox worker takes to deliver 1 000 queued emails to a local SMTP
//! server (the in-process sink), on SQLite and on PostgreSQL.
//!
//!     cargo run --release --example outbox_drain [-- COUNT]
//!
//! PostgreSQL is taken from TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/roster_test);
//! the run works in a schema of its own and drops it afterwards.

use chrono::Utc;
use roster::clock::SystemClock;
use roster::config::Config;
use roster::db::outbox::NewEmail;
use roster::db::{Db, Pool};
use roster::domain::Language;
use roster::domain::Role;
use roster::mail::Mailer;
use roster::mail::message::EmailMessage;
use roster::mail::sink::SmtpSink;
use roster::mail::worker::OutboxWorker;
use roster::service::Roster;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = std::env::temp_dir().join(format!("roster-drain-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let sqlite = Db::connect(&format!("sqlite://{}", dir.join("drain.db").display())).await?;
    run("sqlite", sqlite, count).await?;

    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/roster_test".to_owned());
    let schema = format!("drain_{}", uuid::Uuid::new_v4().simple());
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await?;
    let options = PgConnectOptions::from_str(&url)?.options([("search_path", schema.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect_with(options)
        .await?;
    let postgres = Db::from_pool(Pool::Postgres(pool)).await?;
    let result = run("postgres", postgres, count).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await?;
    std::fs::remove_dir_all(&dir)?;
    result
}

async fn run(backend: &str, db: Db, count: usize) -> anyhow::Result<()> {
    let sink = SmtpSink::start("127.0.0.1:0").await?;
    let mut config = Config::with_database("unused");
    config.smtp_url = Some(format!("smtp://{}", sink.addr));
    config.jwt_secret = Some("bench-secret-bench-secret-bench-secret".into());
    let roster = Roster::new(db.clone(), config, Arc::new(SystemClock)).await?;

    let now = Utc::now();
    let mut tx = db.begin().await?;
    for i in 0..count {
        let recipient = format!("user{i}@bench.test");
        let message = EmailMessage::Invitation {
            workspace_name: "Bench".into(),
            inviter_name: "Olga".into(),
            inviter_email: "olga@bench.test".into(),
            account_name: format!("user{i}"),
            role: Role::Normal,
            activation_url: format!("http://127.0.0.1/activate?token={i}"),
            expires_at: now,
        };
        let email = NewEmail {
            kind: message.kind(),
            workspace: None,
            recipient: &recipient,
            language: if i % 2 == 0 {
                Language::EnUs
            } else {
                Language::ZhHans
            },
            payload: serde_json::to_string(&message)?,
        };
        tx.enqueue_email(email, now).await?;
    }
    tx.commit().await?;

    let worker = OutboxWorker::new(roster.clone(), Mailer::from_config(&roster.config)?)?;
    let started = Instant::now();
    let mut sent = 0;
    while sent < count {
        sent += worker.drain().await?;
    }
    let elapsed = started.elapsed();
    let received = sink.wait_for(count, Duration::from_secs(30)).await.len();
    println!(
        "{backend}: drained {sent} emails ({received} received by the SMTP sink) in {:.2} s = {:.0} emails/s",
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
