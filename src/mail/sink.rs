//! A minimal SMTP server that keeps what it receives: for tests, benches, and
//! `roster mail-sink` during development. It speaks EHLO/HELO, MAIL, RCPT, DATA (with
//! dot-unstuffing), RSET, NOOP and QUIT over plain TCP, and can be told to refuse messages.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, Notify};

/// One received message.
#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body) as sent.
    pub data: String,
}

#[derive(Default)]
struct State {
    messages: Mutex<Vec<Received>>,
    arrived: Notify,
    refusing: AtomicBool,
    /// Milliseconds to wait before answering each message's DATA.
    delay_ms: std::sync::atomic::AtomicU64,
}

/// A running sink (it serves until the process ends).
#[derive(Clone)]
pub struct SmtpSink {
    pub addr: std::net::SocketAddr,
    state: Arc<State>,
}

impl SmtpSink {
    /// Listens on `addr` (use port 0 for any free port).
    pub async fn start(addr: &str) -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind(addr).await?;
        let sink = SmtpSink {
            addr: listener.local_addr()?,
            state: Arc::new(State::default()),
        };
        let state = sink.state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    if let Err(e) = session(stream, &state).await {
                        tracing::debug!(error = %e, "smtp sink session ended");
                    }
                });
            }
        });
        Ok(sink)
    }

    /// Answers each message only after `delay` (a slow server).
    pub fn delay(&self, delay: std::time::Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.state.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// While true, every message is refused with a temporary error (451).
    pub fn refuse(&self, refusing: bool) {
        self.state.refusing.store(refusing, Ordering::SeqCst);
    }

    pub async fn messages(&self) -> Vec<Received> {
        self.state.messages.lock().await.clone()
    }

    /// Waits until at least `n` messages have arrived, or `timeout` passes.
    pub async fn wait_for(&self, n: usize, timeout: std::time::Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.state.arrived.notified();
            let messages = self.messages().await;
            if messages.len() >= n || tokio::time::Instant::now() >= deadline {
                return messages;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
}

async fn session(stream: TcpStream, state: &State) -> std::io::Result<()> {
    // SMTP is a ping-pong of small writes: without this, Nagle's algorithm meets delayed ACKs.
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 roster-sink ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-roster-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&line[10..]);
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&line[8..]));
            b"250 OK\r\n"
        } else if upper.starts_with("RSET") {
            from.clear();
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("DATA") {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            while let Some(l) = lines.next_line().await? {
                if l == "." {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                data.push_str("\r\n");
            }
            let delay = state.delay_ms.load(Ordering::SeqCst);
            if delay > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            }
            if state.refusing.load(Ordering::SeqCst) {
                b"451 4.3.0 Try again later\r\n"
            } else {
                let message = Received {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                };
                state.messages.lock().await.push(message);
                state.arrived.notify_waiters();
                b"250 OK queued\r\n"
            }
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

/// `<a@b>` (possibly with parameters after it) -> `a@b`.
fn address(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(start), Some(end)) if start < end => arg[start + 1..end].to_owned(),
        _ => arg.split_whitespace().next().unwrap_or_default().to_owned(),
    }
}
