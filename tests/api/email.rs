//! Email delivery through the outbox to a real SMTP server (the sink in `roster::mail::sink`):
//! every kind in both languages, escaping, SMTP outages, a worker dying mid-drain, two workers.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use roster::mail::Mailer;
use roster::mail::sink::{Received, SmtpSink};
use roster::mail::worker::OutboxWorker;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

use crate::both;
use crate::helpers::{Backend, TestApp, free_port, s};

both!(
    every_email_kind_arrives_in_both_languages,
    user_values_are_escaped_in_html,
    an_smtp_outage_delays_but_loses_nothing,
    undeliverable_emails_end_up_dead,
    a_worker_dying_mid_drain_loses_nothing,
    killing_the_server_mid_drain_loses_nothing,
    without_smtp_emails_are_files_a_person_can_find_and_follow,
);

/// A decoded email: recipients, subject, and its text and HTML parts.
#[derive(Debug)]
pub struct Mail {
    pub to: Vec<String>,
    pub message_id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn header(raw: &str, name: &str) -> String {
    let mut value = String::new();
    let mut inside = false;
    for line in raw.split("\r\n") {
        if line.is_empty() {
            break;
        }
        if inside && (line.starts_with(' ') || line.starts_with('\t')) {
            value.push_str(line.trim_start());
            continue;
        }
        inside = false;
        if let Some((n, v)) = line.split_once(':')
            && n.eq_ignore_ascii_case(name)
        {
            value = v.trim().to_owned();
            inside = true;
        }
    }
    value
}

/// RFC 2047 `=?utf-8?b?...?=` words (what lettre uses for non-ASCII subjects).
fn decode_words(v: &str) -> String {
    let mut out = String::new();
    for word in v.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
            let bytes = STANDARD
                .decode(&word[10..word.len() - 2])
                .unwrap_or_default();
            out.push_str(&String::from_utf8_lossy(&bytes));
        } else if lower.starts_with("=?utf-8?q?") && word.ends_with("?=") {
            out.push_str(&quoted_printable(
                &word[10..word.len() - 2].replace('_', " "),
            ));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The multipart boundary the message's header declares.
fn boundary(raw: &str) -> Option<&str> {
    let start = raw.find("boundary=")? + "boundary=".len();
    let rest = raw[start..].trim_start_matches('"');
    rest.find(['"', ';', '\r', '\n']).map(|end| &rest[..end])
}

/// The decoded body of the first part with `content_type`.
fn part(raw: &str, content_type: &str) -> String {
    let Some(start) = raw.find(&format!("Content-Type: {content_type}")) else {
        return String::new();
    };
    let rest = &raw[start..];
    let head_end = rest.find("\r\n\r\n").unwrap_or(rest.len());
    let headers = &rest[..head_end];
    let body = &rest[(head_end + 4).min(rest.len())..];
    // The part ends at the next boundary line: a line of the body may start with "--" too (a
    // quoted-printable line break inside a token such as "...=\r\n--x7").
    let end = match boundary(raw) {
        Some(b) => format!("\r\n--{b}"),
        None => "\r\n--".to_owned(),
    };
    let body = &body[..body.find(&end).unwrap_or(body.len())];
    let encoding =
        header(&format!("{headers}\r\n"), "Content-Transfer-Encoding").to_ascii_lowercase();
    match encoding.as_str() {
        "base64" => String::from_utf8_lossy(
            &STANDARD
                .decode(body.replace("\r\n", ""))
                .unwrap_or_default(),
        )
        .into_owned(),
        "quoted-printable" => quoted_printable(body),
        _ => body.to_owned(),
    }
}

/// Undoes HTML escaping (minijinja escapes `&<>"'/`).
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub fn decode(m: &Received) -> Mail {
    Mail {
        to: m.to.clone(),
        message_id: header(&m.data, "Message-ID"),
        subject: decode_words(&header(&m.data, "Subject")),
        text: part(&m.data, "text/plain"),
        html: part(&m.data, "text/html"),
    }
}

async fn smtp_app(
    backend: Backend,
    sink_port: u16,
    tweak: impl FnOnce(&mut roster::config::Config),
) -> (TestApp, OutboxWorker) {
    let app = TestApp::with_config(backend, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{sink_port}"));
        c.public_url = Some("https://roster.example".into());
        tweak(c);
    })
    .await;
    let mailer = Mailer::from_config(&app.roster.config).expect("mailer");
    let worker = OutboxWorker::new(app.roster.clone(), mailer).expect("worker");
    (app, worker)
}

async fn every_email_kind_arrives_in_both_languages(backend: Backend) {
    let sink = SmtpSink::start("127.0.0.1:0").await.expect("sink");
    let (app, worker) = smtp_app(backend, sink.addr.port(), |_| {}).await;
    let info = app
        .ok(None, "{ serverInfo { emailEnabled } }", json!({}))
        .await;
    assert_eq!(info["serverInfo"]["emailEnabled"], true);
    let mut expected = 0;
    for (language, marker) in [("en-US", "invited"), ("zh-Hans", "邀请")] {
        let lang = language.to_lowercase();
        let lang = lang.as_str();
        let owner = app
            .sign_up(&format!("owner-{lang}@example.com"), "Olga")
            .await;
        app.sql(
            "UPDATE accounts SET language = $1 WHERE email = $2",
            &[language, &format!("owner-{lang}@example.com")],
        )
        .await;
        let ws = owner.workspace.clone();
        let heir = app
            .sign_up(&format!("heir-{lang}@example.com"), "Hugo")
            .await;
        app.sql(
            "UPDATE accounts SET language = $1 WHERE email = $2",
            &[language, &format!("heir-{lang}@example.com")],
        )
        .await;
        app.settle_emails().await;
        let invited = app
            .ok(
                Some(&owner.token),
                crate::helpers::INVITE,
                json!({ "i": { "workspaceId": ws, "emails": [format!("new-{lang}@example.com"), format!("heir-{lang}@example.com")], "role": "ADMIN", "language": language } }),
            )
            .await;
        assert!(
            invited["inviteMembers"]["results"][0]["activationUrl"].is_null(),
            "the link goes only to the address"
        );
        let url = s(&app
            .last_email("invitation", &format!("new-{lang}@example.com"))
            .await["activation_url"]);
        app.ok(
            Some(&owner.token),
            "mutation($w: ID!) { sendOwnershipTransferCode(workspaceId: $w) }",
            json!({ "w": ws }),
        )
        .await;
        let sent = worker.drain().await.expect("drain");
        assert_eq!(sent, 3);
        expected += 3;
        let mails: Vec<Mail> = sink
            .wait_for(expected, Duration::from_secs(5))
            .await
            .iter()
            .map(decode)
            .collect();
        let find = |to: &str| {
            mails
                .iter()
                .find(|m| m.to == [to.to_owned()] && m.subject.contains(""))
                .unwrap_or_else(|| panic!("no mail to {to}: {mails:#?}"))
        };
        let invitation = find(&format!("new-{lang}@example.com"));
        assert!(
            invitation.text.contains(&url),
            "{lang} text: {}",
            invitation.text
        );
        assert!(
            unescape(&invitation.html).contains(&url),
            "{lang} html: {}",
            invitation.html
        );
        assert!(
            invitation.text.contains(marker) || invitation.subject.contains(marker),
            "{lang}: {invitation:?}"
        );
        assert!(invitation.text.contains("Olga"));
        assert!(!invitation.subject.is_empty());
        let added = find(&format!("heir-{lang}@example.com"));
        assert!(added.text.contains("Olga's Workspace"), "{added:?}");
        assert!(
            unescape(&added.html).contains("Olga's Workspace"),
            "{}",
            added.html
        );
        let code_mail = find(&format!("owner-{lang}@example.com"));
        let code = s(&app
            .last_email("transfer_code", &format!("owner-{lang}@example.com"))
            .await["code"]);
        assert_eq!(
            code, "(sent)",
            "the code is dropped from the outbox once sent"
        );
        let digits: String = code_mail
            .text
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        assert!(digits.len() >= 6, "{code_mail:?}");
        // Use the code from the email itself to transfer.
        let emailed = code_mail
            .text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .unwrap_or_default()
            .to_owned();
        app.ok(
            Some(&owner.token),
            "mutation($w: ID!, $a: ID!, $c: String) { transferOwnership(workspaceId: $w, accountId: $a, code: $c) { id } }",
            json!({ "w": ws, "a": heir.id, "c": emailed }),
        )
        .await;
        assert_eq!(worker.drain().await.expect("drain"), 2);
        expected += 2;
        let mails: Vec<Mail> = sink
            .wait_for(expected, Duration::from_secs(5))
            .await
            .iter()
            .map(decode)
            .collect();
        let last_two = &mails[mails.len() - 2..];
        let recipients: HashSet<String> = last_two.iter().flat_map(|m| m.to.clone()).collect();
        assert_eq!(
            recipients,
            HashSet::from([
                format!("owner-{lang}@example.com"),
                format!("heir-{lang}@example.com")
            ])
        );
        for m in last_two {
            assert!(m.text.contains("Hugo") && m.text.contains("Olga"), "{m:?}");
            assert!(!m.html.is_empty());
        }

        // Verification (asked again by an unverified account) and password reset.
        let unverified = format!("new-signup-{lang}@example.com");
        let v = app.sign_up_unverified(&unverified, "Vera").await;
        app.sql(
            "UPDATE accounts SET language = $1 WHERE email = $2",
            &[language, &unverified],
        )
        .await;
        app.settle_emails().await;
        let again = app
            .ok(
                Some(&v.token),
                "mutation { sendVerificationEmail }",
                json!({}),
            )
            .await;
        assert_eq!(again["sendVerificationEmail"], true);
        let verify_url = s(&app.last_email("verify_email", &unverified).await["verify_url"]);
        assert!(
            verify_url.ends_with(&format!("&lang={language}")),
            "{verify_url}"
        );
        app.ok(
            None,
            "mutation($e: String!) { requestPasswordReset(email: $e) }",
            json!({ "e": format!("owner-{lang}@example.com") }),
        )
        .await;
        let reset_url = s(&app
            .wait_for_email("password_reset", &format!("owner-{lang}@example.com"))
            .await["reset_url"]);
        assert_eq!(worker.drain().await.expect("drain"), 2);
        expected += 2;
        let mails: Vec<Mail> = sink
            .wait_for(expected, Duration::from_secs(5))
            .await
            .iter()
            .map(decode)
            .collect();
        for (to, url) in [
            (unverified.clone(), verify_url),
            (format!("owner-{lang}@example.com"), reset_url),
        ] {
            let m = mails
                .iter()
                .rev()
                .find(|m| m.to == [to.clone()])
                .unwrap_or_else(|| panic!("no mail to {to}"));
            assert!(m.text.contains(&url), "{lang} text: {}", m.text);
            assert!(unescape(&m.html).contains(&url), "{lang} html: {}", m.html);
            assert!(
                m.text.contains("UTC"),
                "the expiry says its time zone: {}",
                m.text
            );
            if language == "zh-Hans" {
                assert!(
                    m.text.contains("年") && m.text.contains("链接"),
                    "{}",
                    m.text
                );
            } else {
                assert!(m.text.contains("link"), "{}", m.text);
            }
        }
    }
    // Every message has its own stable Message-ID.
    let ids: HashSet<String> = sink
        .messages()
        .await
        .iter()
        .map(|m| decode(m).message_id)
        .collect();
    assert_eq!(ids.len(), expected);
}

async fn user_values_are_escaped_in_html(backend: Backend) {
    let sink = SmtpSink::start("127.0.0.1:0").await.expect("sink");
    let (app, worker) = smtp_app(backend, sink.addr.port(), |_| {}).await;
    let owner = app.sign_up("owner@example.com", "<b>Olga</b>").await;
    app.settle_emails().await;
    app.ok(
        Some(&owner.token),
        "mutation($w: ID!) { renameWorkspace(workspaceId: $w, name: \"<script>alert(1)</script>\") { name } }",
        json!({ "w": owner.workspace }),
    )
    .await;
    app.invite(&owner.token, &owner.workspace, &["x@example.com"], "NORMAL")
        .await;
    worker.drain().await.expect("drain");
    let mail = decode(&sink.wait_for(1, Duration::from_secs(5)).await[0]);
    assert!(
        mail.html.contains("&lt;script&gt;alert(1)&lt;"),
        "{}",
        mail.html
    );
    assert!(!mail.html.contains("<script>"), "{}", mail.html);
    assert!(!mail.html.contains("<b>Olga"), "{}", mail.html);
    assert!(
        mail.text.contains("<script>alert(1)</script>"),
        "plain text stays as typed"
    );
}

async fn an_smtp_outage_delays_but_loses_nothing(backend: Backend) {
    let port = free_port();
    let (app, worker) = smtp_app(backend, port, |_| {}).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    app.settle_emails().await;
    app.invite(
        &owner.token,
        &owner.workspace,
        &["a@example.com", "b@example.com", "c@example.com"],
        "NORMAL",
    )
    .await;
    // Nobody listens: nothing is sent, everything is scheduled again.
    assert_eq!(worker.drain().await.expect("drain"), 0);
    let rows = app.roster.db.outbox().await.expect("outbox");
    assert!(
        rows.iter()
            .all(|r| r.sent_at.is_none() && r.attempts == 1 && r.last_error.is_some()),
        "{rows:?}"
    );
    let sink = SmtpSink::start(&format!("127.0.0.1:{port}"))
        .await
        .expect("sink on the same port");
    // Up again, but it refuses (451) for a while: still nothing lost.
    sink.refuse(true);
    app.clock.advance(3600);
    assert_eq!(worker.drain().await.expect("drain"), 0);
    sink.refuse(false);
    assert_eq!(
        worker.drain().await.expect("drain"),
        0,
        "not due yet: back-off"
    );
    app.clock.advance(3600);
    assert_eq!(worker.drain().await.expect("drain"), 3);
    app.clock.advance(3600);
    assert_eq!(worker.drain().await.expect("drain"), 0, "sent once");
    let to: Vec<String> = sink
        .messages()
        .await
        .iter()
        .flat_map(|m| m.to.clone())
        .collect();
    let mut to_sorted = to.clone();
    to_sorted.sort();
    assert_eq!(
        to_sorted,
        ["a@example.com", "b@example.com", "c@example.com"]
    );
}

async fn undeliverable_emails_end_up_dead(backend: Backend) {
    let sink = SmtpSink::start("127.0.0.1:0").await.expect("sink");
    sink.refuse(true);
    let (app, worker) = smtp_app(backend, sink.addr.port(), |c| {
        c.outbox.mail_max_attempts = 2
    })
    .await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    app.settle_emails().await;
    app.invite(&owner.token, &owner.workspace, &["a@example.com"], "NORMAL")
        .await;
    worker.drain().await.expect("drain");
    app.clock.advance(3600);
    worker.drain().await.expect("drain");
    let row = &app.roster.db.outbox().await.expect("outbox")[0];
    assert!(row.dead_at.is_some() && row.sent_at.is_none(), "{row:?}");
    assert_eq!(row.attempts, 2);
    sink.refuse(false);
    app.clock.advance(3600);
    assert_eq!(
        worker.drain().await.expect("drain"),
        0,
        "dead emails are not retried"
    );
    assert!(roster::metrics::render().contains("roster_emails_dead_total"));
}

async fn a_worker_dying_mid_drain_loses_nothing(backend: Backend) {
    let sink = SmtpSink::start("127.0.0.1:0").await.expect("sink");
    let (app, worker) =
        smtp_app(backend, sink.addr.port(), |c| c.outbox.mail_concurrency = 1).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    app.settle_emails().await;
    let emails: Vec<String> = (0..6).map(|i| format!("u{i}@example.com")).collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    app.invite(&owner.token, &owner.workspace, &refs, "NORMAL")
        .await;
    // A worker claims everything, then dies after a couple of sends (a slow server, a kill).
    sink.delay(Duration::from_millis(150));
    let (app_clone, port) = (app.roster.clone(), sink.addr.port());
    let doomed = tokio::spawn(async move {
        let mut config = (*app_clone.config).clone();
        config.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        let mailer = Mailer::from_config(&config).expect("mailer");
        OutboxWorker::new(app_clone, mailer)
            .expect("worker")
            .drain()
            .await
    });
    sink.wait_for(2, Duration::from_secs(5)).await;
    doomed.abort();
    let _ = doomed.await;
    sink.delay(Duration::ZERO);
    let before = sink.messages().await.len();
    assert!(before < 6, "the worker died mid-drain ({before} sent)");
    // Its claims are leased: a new worker leaves them alone until the lease runs out...
    assert_eq!(worker.drain().await.expect("drain"), 0);
    app.clock
        .advance(i64::from(app.roster.config.outbox.mail_lease_secs) + 1);
    worker.drain().await.expect("drain");
    let got: HashSet<String> = sink
        .messages()
        .await
        .iter()
        .flat_map(|m| m.to.clone())
        .collect();
    assert_eq!(
        got,
        emails.iter().cloned().collect::<HashSet<_>>(),
        "none lost"
    );
    assert_eq!(app.roster.db.pending_emails().await.expect("pending"), 0);
}

/// Two replicas' workers drain one PostgreSQL outbox at once: every email is sent exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_postgres_send_no_duplicates() {
    crate::helpers::cleaned(two_workers()).await
}

async fn two_workers() {
    let sink = SmtpSink::start("127.0.0.1:0").await.expect("sink");
    let (app, worker_one) = smtp_app(Backend::Postgres, sink.addr.port(), |_| {}).await;
    let mut owners = Vec::new();
    for i in 0..2 {
        owners.push(app.sign_up(&format!("owner{i}@example.com"), "Olga").await);
    }
    app.settle_emails().await;
    let mut all = HashSet::new();
    for (i, owner) in owners.iter().enumerate() {
        let emails: Vec<String> = (0..100).map(|n| format!("w{i}-u{n}@example.com")).collect();
        all.extend(emails.iter().cloned());
        let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
        app.invite(&owner.token, &owner.workspace, &refs, "NORMAL")
            .await;
    }
    // The second replica: its own pool, same schema.
    let second_pool = match app.roster.db.pool() {
        roster::db::Pool::Postgres(p) => {
            let options = (*p.connect_options()).clone();
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await
                .expect("pool")
        }
        roster::db::Pool::Sqlite(_) => unreachable!("postgres test"),
    };
    let db_two = roster::db::Db::from_pool(roster::db::Pool::Postgres(second_pool))
        .await
        .expect("db");
    let two = TestApp::on_db(db_two, (*app.roster.config).clone()).await;
    let worker_two = OutboxWorker::new(
        two.roster.clone(),
        Mailer::from_config(&two.roster.config).expect("mailer"),
    )
    .expect("worker");
    let (a, b) = tokio::join!(worker_one.drain(), worker_two.drain());
    let (a, b) = (a.expect("drain"), b.expect("drain"));
    assert_eq!(a + b, 200, "one: {a}, two: {b}");
    let messages = sink.wait_for(200, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 200);
    let ids: HashSet<String> = messages.iter().map(|m| decode(m).message_id).collect();
    assert_eq!(ids.len(), 200, "no duplicates");
    let to: HashSet<String> = messages.iter().flat_map(|m| m.to.clone()).collect();
    assert_eq!(to, all);
}

/// Starts the real `roster` binary on `database_url`, sending to `smtp`.
fn spawn_server(database_url: &str, smtp: std::net::SocketAddr) -> crate::helpers::Running {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .env("DATABASE_URL", database_url)
        .env("ROSTER_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("ROSTER_SMTP_URL", format!("smtp://{smtp}"))
        .env("ROSTER_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("ROSTER_MAIL_POLL_MS", "100")
        .env("ROSTER_MAIL_LEASE_SECS", "2")
        .env("ROSTER_MAIL_CONCURRENCY", "1")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start roster");
    crate::helpers::Running(child)
}

async fn killing_the_server_mid_drain_loses_nothing(backend: Backend) {
    let sink = SmtpSink::start("127.0.0.1:0").await.expect("sink");
    sink.delay(Duration::from_millis(250));
    let (db, url) = crate::helpers::fresh_db_with_url(backend).await;
    let app = TestApp::on_db(db, crate::helpers::test_config()).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    app.settle_emails().await;
    let emails: Vec<String> = (0..8).map(|i| format!("k{i}@example.com")).collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    app.invite(&owner.token, &owner.workspace, &refs, "NORMAL")
        .await;

    let mut server = spawn_server(&url, sink.addr);
    let got = sink.wait_for(2, Duration::from_secs(20)).await.len();
    assert!(got >= 2, "the server started sending ({got})");
    server.0.kill().expect("kill -9");
    let _ = server.0.wait();
    let before = sink.messages().await.len();
    assert!(before < 8, "killed mid-drain ({before} sent)");

    sink.delay(Duration::ZERO);
    let restarted = spawn_server(&url, sink.addr);
    let mut received = HashSet::new();
    for _ in 0..100 {
        received = sink
            .messages()
            .await
            .iter()
            .flat_map(|m| m.to.clone())
            .collect();
        if received.len() == emails.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The server records a delivery just after the SMTP server accepted it: let it finish.
    for _ in 0..100 {
        if app.roster.db.pending_emails().await.expect("pending") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(restarted);
    assert_eq!(
        received,
        emails.iter().cloned().collect::<HashSet<_>>(),
        "none lost"
    );
    // At least once: only the email in flight when the server died may arrive twice.
    let total = sink.messages().await.len();
    assert!(
        total <= emails.len() + 1,
        "{total} messages for {} emails",
        emails.len()
    );
    assert_eq!(app.roster.db.pending_emails().await.expect("pending"), 0);
}

/// Without `ROSTER_SMTP_URL`: one `.eml` per email in `ROSTER_MAIL_DIR`, named after its time,
/// recipient and kind, whose plain-text part carries the link unbroken (8bit, no soft breaks).
async fn without_smtp_emails_are_files_a_person_can_find_and_follow(backend: Backend) {
    let dir = std::env::temp_dir()
        .join("roster-tests")
        .join(format!("mail-{}", uuid::Uuid::new_v4()));
    let app = TestApp::with_config(backend, |c| {
        c.mail_dir = dir.clone();
        c.public_url = Some("https://roster.example".into());
    })
    .await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    app.settle_emails().await;
    app.ok(
        Some(&owner.token),
        crate::helpers::INVITE,
        json!({ "i": { "workspaceId": owner.workspace, "emails": ["li.wei@example.com"], "role": "EDITOR", "language": "zh-Hans" } }),
    )
    .await;
    let link = s(&app.last_email("invitation", "li.wei@example.com").await["activation_url"]);
    let mailer = Mailer::from_config(&app.roster.config).expect("mailer");
    assert!(mailer.is_folder());
    let worker = OutboxWorker::new(app.roster.clone(), mailer).expect("worker");
    assert_eq!(worker.drain().await.expect("drain"), 1);
    let files: Vec<String> = std::fs::read_dir(&dir)
        .expect("mail dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = &files[0];
    assert!(
        name.ends_with(".eml") && name.contains("-li.wei@example.com-invitation-"),
        "{name}"
    );
    let raw = std::fs::read_to_string(dir.join(name)).expect("read .eml");
    let text_part = &raw[raw.find("Content-Type: text/plain").expect("text part")..];
    let text_part = &text_part[..text_part
        .find("Content-Type: text/html")
        .unwrap_or(text_part.len())];
    assert!(
        text_part.contains("Content-Transfer-Encoding: 8bit"),
        "{text_part}"
    );
    assert!(
        text_part.contains(&link),
        "the link is whole in the raw file: {text_part}"
    );
    assert!(
        text_part.contains("编辑"),
        "zh-Hans, the role as a word: {text_part}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The test's own MIME reading: a body line that starts with "--" is not a boundary.
#[test]
fn a_part_ends_at_its_boundary_only() {
    let raw = "Content-Type: multipart/alternative;\r\n boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<a href=3D\"x?token=3Dab=\r\n--cd\">\r\n--b1--\r\n";
    assert_eq!(boundary(raw), Some("b1"));
    assert_eq!(part(raw, "text/html"), "<a href=\"x?token=ab--cd\">");
}
