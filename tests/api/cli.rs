//! The `roster` binary: help, subcommands, schema export, clean startup failures, host names
//! in `--listen`, JSON logs with request ids, and a graceful SIGTERM (in-flight requests and
//! the email being sent finish first).

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn roster() -> Command {
    Command::new(env!("CARGO_BIN_EXE_roster"))
}

/// The settings `roster --help` lists (its `[env: NAME=...]` markers).
fn settings_in_help(help: &str) -> Vec<String> {
    help.split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split(['=', ']']).next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn help_lists_every_setting() {
    let out = roster().arg("--help").output().expect("run roster");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "ROSTER_LISTEN",
        "DATABASE_URL",
        "ROSTER_JWT_SECRET",
        "ROSTER_PUBLIC_URL",
        "ROSTER_SMTP_URL",
        "ROSTER_MAIL_DIR",
        "ROSTER_MAIL_FROM",
        "ROSTER_ALLOW_SIGNUP",
        "ROSTER_INTROSPECTION",
        "ROSTER_MAX_MEMBERS",
        "ROSTER_TRANSFER_CODE",
        "ROSTER_INVITE_TTL_HOURS",
    ] {
        assert!(help.contains(var), "--help lacks {var}");
    }
    // ...and the README documents every one of them.
    let readme = include_str!("../../README.md");
    let settings = settings_in_help(&help);
    assert!(settings.len() >= 30, "{settings:?}");
    for var in settings {
        assert!(
            readme.contains(&format!("`{var}`")),
            "README.md does not list {var}"
        );
    }
}

#[test]
fn every_subcommand_has_its_own_help() {
    let help = |args: &[&str]| {
        let out = roster().args(args).output().expect("run roster");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let top = help(&["--help"]);
    for sub in ["serve", "schema", "mail-sink"] {
        assert!(top.contains(sub), "roster --help lacks {sub}");
    }
    assert!(help(&["serve", "--help"]).contains("ROSTER_LISTEN"));
    let schema = help(&["schema", "--help"]);
    assert!(
        !schema.contains("--listen") && !schema.contains("ROSTER_"),
        "{schema}"
    );
    let sink = help(&["mail-sink", "--help"]);
    assert!(sink.contains("--listen"), "{sink}");
    assert!(
        !sink.contains("--database-url") && !sink.contains("ROSTER_"),
        "{sink}"
    );
}

use crate::helpers::Running;

#[test]
fn mail_sink_starts_and_speaks_smtp() {
    let mut sink = Running(
        roster()
            .args(["mail-sink", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run roster mail-sink"),
    );
    let stdout = sink.0.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read");
    let addr = line
        .split_whitespace()
        .nth(3)
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));
    let mut greeting = String::new();
    let stream = std::net::TcpStream::connect(addr).expect("connect to the sink");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    BufReader::new(stream)
        .read_line(&mut greeting)
        .expect("greeting");
    assert!(greeting.starts_with("220"), "{greeting}");
}

#[test]
fn schema_subcommand_prints_the_sdl() {
    let out = roster().arg("schema").output().expect("run roster");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), roster::graphql::sdl());
}

#[test]
fn an_unreachable_or_invalid_database_exits_with_one_line() {
    for url in [
        "postgres://postgres@127.0.0.1:1/none",
        "mysql://x",
        "sqlite:///nonexistent-dir/x/y.db",
    ] {
        let out = roster()
            .env("DATABASE_URL", url)
            .env("ROSTER_LISTEN", "127.0.0.1:0")
            .output()
            .expect("run roster");
        assert_eq!(out.status.code(), Some(1), "{url}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("roster: "))
            .collect();
        assert_eq!(lines.len(), 1, "{url}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn startup_errors_say_the_fix() {
    let run = |url: &str| {
        let out = roster()
            .env("DATABASE_URL", url)
            .env("ROSTER_LISTEN", "127.0.0.1:0")
            .output()
            .expect("run roster");
        assert_eq!(out.status.code(), Some(1), "{url}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = run("sqlite:///nonexistent-dir/x/y.db");
    assert!(
        stderr.contains("/nonexistent-dir/x") && stderr.contains("mkdir -p"),
        "{stderr}"
    );
    let base = crate::helpers::postgres_url();
    let (server, _) = base.rsplit_once('/').expect("database url");
    let stderr = run(&format!("{server}/roster_missing_{}", std::process::id()));
    assert!(stderr.contains("createdb"), "{stderr}");
    // Said once: sqlx repeats its cause in its own message.
    assert_eq!(stderr.matches("does not exist").count(), 1, "{stderr}");
}

/// A server of the real binary on a fresh SQLite file; its log lines (stdout) are collected.
struct Server {
    child: Running,
    addr: String,
    logs: std::sync::mpsc::Receiver<String>,
    dir: std::path::PathBuf,
}

impl Server {
    fn start(env: &[(&str, &str)]) -> Server {
        let dir = std::env::temp_dir().join(format!("roster-cli-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut command = roster();
        command
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.join("roster.db").display()),
            )
            .env("ROSTER_MAIL_DIR", dir.join("mail"))
            .env("ROSTER_LISTEN", "localhost:0")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = Running(command.spawn().expect("run roster"));
        let stdout = child.0.stdout.take().expect("stdout");
        let (tx, logs) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = loop {
            let line = logs
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("roster logs that it listens");
            if let Some(rest) = line.split("GraphiQL at http://").nth(1) {
                break rest.split('/').next().unwrap_or_default().to_owned();
            }
        };
        Server {
            child,
            addr,
            logs,
            dir,
        }
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.0.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for the process to end; its exit code.
    fn wait(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.0.try_wait().expect("wait") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("roster did not exit within {within:?}");
    }

    fn drain_logs(&self) -> Vec<String> {
        self.logs.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One HTTP/1.1 request over a fresh connection; (status, body).
async fn http(addr: &str, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_takes_host_names_and_json_logs_carry_request_ids() {
    let mut server = Server::start(&[("ROSTER_LOG_FORMAT", "json")]);
    let (status, body) = http(&server.addr, "GET", "/healthz", None).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let (status, _) = http(
        &server.addr,
        "POST",
        "/graphql",
        Some(json!({ "query": "{ serverInfo { version } }" })),
    )
    .await;
    assert_eq!(status, 200);
    server.terminate();
    assert_eq!(server.wait(Duration::from_secs(15)), Some(0));
    let logs = server.drain_logs();
    for line in &logs {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(
            v["timestamp"].is_string() && v["level"].is_string(),
            "{line}"
        );
    }
    let ids: Vec<&str> = logs
        .iter()
        .filter_map(|l| l.split("\"request_id\":\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(ids.len() >= 2, "no request ids in {logs:#?}");
    assert!(
        ids.iter().any(|id| *id != ids[0]),
        "every request had the same id: {ids:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_requests_and_the_email_being_sent() {
    let sink = roster::mail::sink::SmtpSink::start("127.0.0.1:0")
        .await
        .expect("smtp sink");
    sink.delay(Duration::from_millis(1500));
    let smtp = format!("smtp://{}", sink.addr);
    let mut server = Server::start(&[("ROSTER_SMTP_URL", smtp.as_str())]);
    let addr = server.addr.clone();
    // Signing up queues a verification email; the worker starts sending it (the sink answers
    // slowly).
    let sign_up = json!({ "query": "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
        "variables": { "i": { "email": "owner@example.com", "name": "Olga", "password": "correct horse battery" } } });
    let (_, body) = http(&addr, "POST", "/graphql", Some(sign_up)).await;
    assert!(body.contains("accessToken"), "{body}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A slow request in flight (five password checks in one batch) when SIGTERM arrives.
    let login = json!({ "query": "mutation { login(input: {email: \"owner@example.com\", password: \"correct horse battery\"}) { accessToken } }" });
    let batch = json!([login, login, login]);
    let request = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{batch}",
        batch.to_string().len()
    );
    // And an open WebSocket, which must not hold the shutdown up.
    let mut ws_request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .expect("ws");
    ws_request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_request)
        .await
        .expect("ws connect");
    socket
        .send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .expect("init");
    let ack = socket.next().await.expect("ack").expect("frame");
    assert!(ack.to_string().contains("connection_ack"), "{ack}");
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    tokio::time::sleep(Duration::from_millis(20)).await;
    server.terminate();
    // Closed on shutdown, within 10 s.
    let close = crate::helpers::close_code_within(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(close, Some(1001));
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(answer.matches("accessToken").count(), 3, "{answer}");
    let code = tokio::task::spawn_blocking(move || {
        let code = server.wait(Duration::from_secs(20));
        (code, server)
    })
    .await
    .expect("join");
    assert_eq!(code.0, Some(0));
    // The email being sent when the signal came was delivered before the process ended.
    let received = sink.messages().await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].to, vec!["owner@example.com".to_owned()]);
    // And nothing listens any more.
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err());
}

#[test]
fn trusted_documents_subcommand_prints_the_console_manifest() {
    let out = roster()
        .arg("trusted-documents")
        .output()
        .expect("run roster");
    assert!(out.status.success());
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(manifest["format"], "apollo-persisted-query-manifest");
    assert_eq!(manifest["version"], 1);
    let operations = manifest["operations"].as_array().expect("operations");
    assert_eq!(
        operations.len(),
        roster::graphql::manifest::console_operations().len()
    );
    for op in operations {
        let body = op["body"].as_str().expect("body");
        assert_eq!(op["id"], roster::graphql::manifest::sha256_hex(body));
        assert!(op["name"].is_string(), "{op}");
        assert!(["query", "mutation", "subscription"].contains(&op["type"].as_str().unwrap_or("")));
    }
}

#[test]
fn a_bad_trusted_documents_manifest_stops_the_server_with_one_line() {
    let out = roster()
        .env("ROSTER_TRUSTED_DOCUMENTS", "/nonexistent/manifest.json")
        .env("ROSTER_LISTEN", "127.0.0.1:0")
        .output()
        .expect("run roster");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("trusted documents manifest"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
