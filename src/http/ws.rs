//! `GET /graphql/ws`: the graphql-transport-ws protocol as its specification says
//! (<https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md>), around async-graphql's
//! `execute_stream`:
//! - the first message must be `connection_init` (payload `{"Authorization": "Bearer <token>"}`),
//!   within 10 s (else 4408); a second one closes with 4429;
//! - `subscribe` before the `connection_ack` closes with 4401; a `subscribe` whose id is already
//!   running closes with 4409; invalid JSON, an unknown `type` or a malformed message with 4400;
//! - a message larger than the body limit is refused (1009);
//! - on shutdown the socket is closed with 1001.
//!
//! The legacy `graphql-ws` subprotocol (subscriptions-transport-ws) is still served by
//! async-graphql's own implementation for old clients.

use async_graphql::{Data, Request, Response as GqlResponse, Variables};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::auth::bearer;
use crate::error::{AppError, AppResult};
use crate::graphql::context::ClientIp;
use crate::graphql::{Api, loaders};
use crate::service::{Authenticated, Roster};
use crate::shutdown::Shutdown;

pub const PROTOCOL: &str = "graphql-transport-ws";
const LEGACY_PROTOCOL: &str = "graphql-ws";
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which subprotocol a client offers, preferring the current one.
pub fn choose_protocol(offered: &str) -> Option<&'static str> {
    let offered: Vec<&str> = offered.split(',').map(str::trim).collect();
    [PROTOCOL, LEGACY_PROTOCOL]
        .into_iter()
        .find(|p| offered.contains(p))
}

/// What every connection needs.
#[derive(Clone)]
pub struct Connection {
    pub roster: Roster,
    pub api: Api,
    pub ip: ClientIp,
    pub shutdown: Shutdown,
}

impl Connection {
    /// Serves graphql-transport-ws, or the legacy protocol when that is what `legacy` holds.
    pub async fn serve(self, socket: WebSocket, legacy: Option<GraphQLProtocol>) {
        match legacy {
            Some(protocol) => self.serve_legacy(socket, protocol).await,
            None => TransportWs::new(self).run(socket).await,
        }
    }

    async fn authenticate(&self, payload: &Value) -> AppResult<Authenticated> {
        let header = payload
            .get("Authorization")
            .or_else(|| payload.get("authorization"))
            .and_then(|v| v.as_str());
        self.roster.authenticate(bearer::parse(header)).await
    }

    fn request(&self, request: Request, auth: &Authenticated) -> Request {
        request
            .data(auth.clone())
            .data(self.ip.clone())
            .data(self.loaders())
    }

    /// A subscription can live for hours: its loaders batch but keep nothing, so each event
    /// reads accounts as they are now (an invitee who activated is named as they chose).
    fn loaders(&self) -> loaders::Loaders {
        loaders::for_subscription(&self.roster)
    }

    async fn serve_legacy(self, socket: WebSocket, protocol: GraphQLProtocol) {
        let api = self.api.clone();
        let this = self.clone();
        GraphQLWebSocket::new(socket, api, protocol)
            .on_connection_init(move |payload: Value| async move {
                let auth = this.authenticate(&payload).await?;
                let mut data = Data::default();
                data.insert(auth);
                data.insert(this.ip.clone());
                data.insert(this.loaders());
                Ok(data)
            })
            .serve()
            .await;
    }
}

/// What subscription tasks tell the connection.
enum Event {
    Next(String, Value),
    Error(String, Value),
    Done(String, u64),
}

/// Why the server closes the socket.
struct Close(u16, &'static str);

struct TransportWs {
    conn: Connection,
    auth: Option<Authenticated>,
    running: HashMap<String, (u64, JoinHandle<()>)>,
    generation: u64,
    events_tx: mpsc::Sender<Event>,
    events_rx: mpsc::Receiver<Event>,
}

impl TransportWs {
    fn new(conn: Connection) -> TransportWs {
        let (events_tx, events_rx) = mpsc::channel(64);
        TransportWs {
            conn,
            auth: None,
            running: HashMap::new(),
            generation: 0,
            events_tx,
            events_rx,
        }
    }

    async fn run(mut self, socket: WebSocket) {
        let (mut tx, mut rx) = socket.split();
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        let shutdown = self.conn.shutdown.clone();
        let shutting_down = shutdown.wait();
        tokio::pin!(shutting_down);
        let close = loop {
            let outgoing = tokio::select! {
                () = &mut init_deadline, if self.auth.is_none() => {
                    break Some(Close(4408, "Connection initialisation timeout"));
                }
                () = &mut shutting_down => break Some(Close(1001, "server shutting down")),
                event = self.events_rx.recv() => match event {
                    Some(event) => self.on_event(event),
                    None => None,
                },
                incoming = rx.next() => match incoming {
                    None | Some(Ok(Message::Close(_))) => break None,
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "websocket read failed");
                        break Some(Close(1009, "message too big or malformed"));
                    }
                    Some(Ok(Message::Text(text))) => match self.on_text(text.as_str()).await {
                        Ok(reply) => reply,
                        Err(close) => break Some(close),
                    },
                    Some(Ok(Message::Binary(_))) => {
                        break Some(Close(4400, "Binary messages are not part of graphql-transport-ws"));
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                },
            };
            if let Some(message) = outgoing
                && tx.send(Message::text(message.to_string())).await.is_err()
            {
                break None;
            }
        };
        for (_, (_, task)) in self.running.drain() {
            task.abort();
        }
        if let Some(Close(code, reason)) = close {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = tx.send(Message::Close(Some(frame))).await;
        }
        let _ = tx.close().await;
    }

    fn on_event(&mut self, event: Event) -> Option<Value> {
        match event {
            Event::Next(id, payload) => {
                Some(json!({ "id": id, "type": "next", "payload": payload }))
            }
            Event::Error(id, errors) => {
                self.running.remove(&id);
                Some(json!({ "id": id, "type": "error", "payload": errors }))
            }
            Event::Done(id, generation) => {
                // Only the subscription that ended: the id may have been reused since.
                if self.running.get(&id).is_some_and(|(g, _)| *g == generation) {
                    self.running.remove(&id);
                    Some(json!({ "id": id, "type": "complete" }))
                } else {
                    None
                }
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<Option<Value>, Close> {
        let invalid = Close(4400, "Invalid message received");
        let message: Value =
            serde_json::from_str(text).map_err(|_| Close(4400, "Invalid message received"))?;
        let kind = message.get("type").and_then(Value::as_str).ok_or(invalid)?;
        match kind {
            "connection_init" => {
                if self.auth.is_some() {
                    return Err(Close(4429, "Too many initialisation requests"));
                }
                let payload = message.get("payload").cloned().unwrap_or(Value::Null);
                if !matches!(payload, Value::Null | Value::Object(_)) {
                    return Err(Close(4400, "connection_init payload must be an object"));
                }
                match self.conn.authenticate(&payload).await {
                    Ok(auth) => {
                        self.auth = Some(auth);
                        Ok(Some(json!({ "type": "connection_ack" })))
                    }
                    // 1013 "Try Again Later": the client reconnects with back-off.
                    Err(AppError::Unavailable { .. }) => Err(Close(
                        1013,
                        "the database is unavailable: try again in a moment",
                    )),
                    Err(e) => {
                        tracing::error!(error = %e, "websocket authentication failed");
                        Err(Close(4500, "internal error"))
                    }
                }
            }
            "ping" => Ok(Some(json!({ "type": "pong" }))),
            "pong" => Ok(None),
            "subscribe" => {
                let Some(auth) = self.auth.clone() else {
                    return Err(Close(4401, "Unauthorized"));
                };
                let id = message
                    .get("id")
                    .and_then(Value::as_str)
                    .filter(|id| !id.is_empty())
                    .ok_or(Close(4400, "subscribe needs a non-empty string id"))?
                    .to_owned();
                let request = subscribe_request(message.get("payload"))
                    .ok_or(Close(4400, "subscribe payload must hold a string query"))?;
                if self.running.contains_key(&id) {
                    return Err(Close(4409, "Subscriber for this id already exists"));
                }
                self.start(id, self.conn.request(request, &auth));
                Ok(None)
            }
            "complete" => {
                if let Some(id) = message.get("id").and_then(Value::as_str)
                    && let Some((_, task)) = self.running.remove(id)
                {
                    task.abort();
                }
                Ok(None)
            }
            _ => Err(Close(4400, "Unknown message type")),
        }
    }

    fn start(&mut self, id: String, request: Request) {
        self.generation += 1;
        let generation = self.generation;
        let events = self.events_tx.clone();
        let mut stream = self.conn.api.subscribe(request, Default::default());
        let task_id = id.clone();
        let task = tokio::spawn(async move {
            let mut first = true;
            while let Some(response) = stream.next().await {
                let event = if first && is_request_error(&response) {
                    let errors = serde_json::to_value(&response.errors).unwrap_or(Value::Null);
                    let _ = events.send(Event::Error(task_id, errors)).await;
                    return;
                } else {
                    Event::Next(
                        task_id.clone(),
                        serde_json::to_value(&response).unwrap_or(Value::Null),
                    )
                };
                first = false;
                if events.send(event).await.is_err() {
                    return;
                }
            }
            let _ = events.send(Event::Done(task_id, generation)).await;
        });
        self.running.insert(id, (generation, task));
    }
}

/// `{"query": ..., "variables"?: {...}, "operationName"?: ..., "extensions"?: ...}`.
fn subscribe_request(payload: Option<&Value>) -> Option<Request> {
    let payload = payload?.as_object()?;
    let query = payload.get("query")?.as_str()?;
    let mut request = Request::new(query);
    match payload.get("variables") {
        None | Some(Value::Null) => {}
        Some(v @ Value::Object(_)) => request = request.variables(Variables::from_json(v.clone())),
        Some(_) => return None,
    }
    match payload.get("operationName") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) => request = request.operation_name(name.as_str()),
        Some(_) => return None,
    }
    Some(request)
}

fn is_request_error(response: &GqlResponse) -> bool {
    matches!(response.data, async_graphql::Value::Null)
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}
