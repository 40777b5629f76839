//! graphql-transport-ws as its specification says, against protocol violations and hostile
//! operations: each gets the documented close code or error message, and the server stays
//! healthy (a well-behaved subscription still works afterwards).

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::both;
use crate::helpers::{Backend, TestApp, code};

both!(websocket_protocol_violations_get_their_close_codes);

use crate::helpers::Socket;

async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(axum::serve(listener, app.router.clone()).into_future());
    addr
}

async fn open(addr: SocketAddr) -> Socket {
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    // The client may send more than the server accepts.
    let config = WebSocketConfig::default()
        .max_message_size(Some(8 << 20))
        .max_frame_size(Some(8 << 20));
    let (socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), false)
        .await
        .expect("connect");
    socket
}

async fn send(socket: &mut Socket, message: Message) {
    // The server may already have closed: that is what some cases expect.
    let _ = socket.send(message).await;
}

async fn init(socket: &mut Socket, token: Option<&str>) {
    let payload = token.map_or(
        json!({}),
        |t| json!({ "Authorization": format!("Bearer {t}") }),
    );
    send(
        socket,
        Message::text(json!({ "type": "connection_init", "payload": payload }).to_string()),
    )
    .await;
    assert_eq!(next_json(socket).await["type"], "connection_ack");
}

/// The next text message as JSON (5 s at most).
async fn next_json(socket: &mut Socket) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return serde_json::from_str(&text).expect("json"),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

/// Reads until the server closes; returns the close code (None: closed without a frame).
async fn close_code(socket: &mut Socket) -> Option<u16> {
    crate::helpers::close_code_within(socket, Duration::from_secs(5)).await
}

fn text(v: Value) -> Message {
    Message::text(v.to_string())
}

async fn websocket_protocol_violations_get_their_close_codes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let addr = serve(&app).await;
    let ws = owner.workspace.clone();
    let events = "subscription($w: ID!) { memberEvents(workspaceId: $w) { action targetEmail } }";
    let subscribe = |id: &str| {
        text(
            json!({ "id": id, "type": "subscribe", "payload": { "query": events, "variables": { "w": ws } } }),
        )
    };

    // Closed before or instead of connection_init.
    let before_init: Vec<(&str, Message, u16)> = vec![
        ("subscribe before connection_init", subscribe("1"), 4401),
        ("invalid JSON", Message::text("{ not json"), 4400),
        ("JSON that is not an object", Message::text("[1, 2]"), 4400),
        ("message without a type", text(json!({ "id": "1" })), 4400),
        (
            "unknown message type",
            text(json!({ "type": "start", "id": "1" })),
            4400,
        ),
        ("binary message", Message::binary(vec![1, 2, 3]), 4400),
        (
            "connection_init with a string payload",
            text(json!({ "type": "connection_init", "payload": "x" })),
            4400,
        ),
        (
            "message over 1 MiB",
            Message::text(format!(
                "{{\"type\":\"ping\",\"payload\":\"{}\"}}",
                "x".repeat(1 << 20)
            )),
            1009,
        ),
    ];
    let mut cases = 0;
    for (name, message, want) in before_init {
        let mut socket = open(addr).await;
        send(&mut socket, message).await;
        assert_eq!(close_code(&mut socket).await, Some(want), "{name}");
        cases += 1;
    }

    // Violations after a good connection_init.
    let after_init: Vec<(&str, Vec<Message>, u16)> = vec![
        (
            "second connection_init",
            vec![text(json!({ "type": "connection_init" }))],
            4429,
        ),
        (
            "duplicate subscription id",
            vec![subscribe("dup"), subscribe("dup")],
            4409,
        ),
        (
            "subscribe without an id",
            vec![text(
                json!({ "type": "subscribe", "payload": { "query": events } }),
            )],
            4400,
        ),
        (
            "subscribe without a payload",
            vec![text(json!({ "id": "1", "type": "subscribe" }))],
            4400,
        ),
        (
            "subscribe with a numeric query",
            vec![text(
                json!({ "id": "1", "type": "subscribe", "payload": { "query": 1 } }),
            )],
            4400,
        ),
        (
            "subscribe with list variables",
            vec![text(
                json!({ "id": "1", "type": "subscribe", "payload": { "query": events, "variables": [] } }),
            )],
            4400,
        ),
    ];
    for (name, messages, want) in after_init {
        let mut socket = open(addr).await;
        init(&mut socket, Some(&owner.token)).await;
        for m in messages {
            send(&mut socket, m).await;
        }
        assert_eq!(close_code(&mut socket).await, Some(want), "{name}");
        cases += 1;
    }

    // Bad operations are `error` messages for their id; the connection stays usable.
    let mut socket = open(addr).await;
    init(&mut socket, Some(&owner.token)).await;
    let bad_operations: Vec<(&str, Value, &str)> = vec![
        (
            "syntax error",
            json!({ "query": "subscription {" }),
            "BAD_USER_INPUT",
        ),
        (
            "unknown field",
            json!({ "query": "subscription { nope }" }),
            "BAD_USER_INPUT",
        ),
        (
            "unknown directive",
            json!({ "query": "subscription($w: ID!) { memberEvents(workspaceId: $w) @foo { action } }", "variables": { "w": ws } }),
            "BAD_USER_INPUT",
        ),
        (
            "NUL in a variable",
            json!({ "query": events, "variables": { "w": "a\u{0}b" } }),
            "BAD_USER_INPUT",
        ),
        (
            "missing variable",
            json!({ "query": events }),
            "BAD_USER_INPUT",
        ),
        (
            "too many aliases",
            json!({ "query": format!("{{ {} }}", (0..31).map(|i| format!("a{i}: __typename")).collect::<Vec<_>>().join(" ")) }),
            "QUERY_TOO_COMPLEX",
        ),
        (
            "query text over 64 KiB",
            json!({ "query": format!("subscription {{ __typename }} #{}", "x".repeat(70_000)) }),
            "QUERY_TOO_COMPLEX",
        ),
    ];
    for (i, (name, payload, want)) in bad_operations.into_iter().enumerate() {
        let id = format!("bad{i}");
        send(
            &mut socket,
            text(json!({ "id": id, "type": "subscribe", "payload": payload })),
        )
        .await;
        let v = next_json(&mut socket).await;
        assert_eq!(
            (v["type"].as_str(), v["id"].as_str()),
            (Some("error"), Some(id.as_str())),
            "{name}: {v}"
        );
        assert_eq!(code(&v["payload"][0]), want, "{name}: {v}");
        cases += 1;
    }
    // Field errors arrive as `next` with errors, then `complete`.
    send(&mut socket, text(json!({ "id": "f", "type": "subscribe", "payload": { "query": events, "variables": { "w": "not-a-uuid" } } }))).await;
    let v = next_json(&mut socket).await;
    assert_eq!(v["type"], "next", "{v}");
    assert_eq!(code(&v["payload"]["errors"][0]), "BAD_USER_INPUT", "{v}");
    cases += 1;
    // ping is answered; `complete` for an unknown id is ignored; a query runs over the socket.
    send(&mut socket, text(json!({ "type": "ping" }))).await;
    let mut seen_pong = false;
    for _ in 0..3 {
        let v = next_json(&mut socket).await;
        if v["type"] == "pong" {
            seen_pong = true;
            break;
        }
    }
    assert!(seen_pong, "no pong");
    send(
        &mut socket,
        text(json!({ "id": "nobody", "type": "complete" })),
    )
    .await;
    send(
        &mut socket,
        text(json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ me { email } }" } })),
    )
    .await;
    let v = next_json(&mut socket).await;
    assert_eq!(
        v["payload"]["data"]["me"]["email"], "owner@example.com",
        "{v}"
    );
    assert_eq!(next_json(&mut socket).await["type"], "complete");
    cases += 3;

    // A subscription still works, and an id can be reused once its subscription completed.
    send(&mut socket, subscribe("live")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.invite(
        &owner.token,
        &owner.workspace,
        &["new@example.com"],
        "NORMAL",
    )
    .await;
    let v = next_json(&mut socket).await;
    assert_eq!(
        v["payload"]["data"]["memberEvents"]["targetEmail"], "new@example.com",
        "{v}"
    );
    send(
        &mut socket,
        text(json!({ "id": "live", "type": "complete" })),
    )
    .await;
    send(&mut socket, subscribe("live")).await;
    send(&mut socket, text(json!({ "type": "ping" }))).await;
    assert_eq!(next_json(&mut socket).await["type"], "pong");
    cases += 1;

    // No subprotocol: refused before the upgrade, with a JSON error; a plain GET too.
    let request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .expect("request");
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 400);
            let v: Value = serde_json::from_slice(response.body().as_deref().unwrap_or_default())
                .unwrap_or(Value::Null);
            assert_eq!(code(&v["errors"][0]), "BAD_USER_INPUT", "{v}");
        }
        other => panic!("a WebSocket without subprotocol was not refused: {other:?}"),
    }
    let (status, _, body) = app
        .send(
            axum::http::Request::get("/graphql/ws")
                .body(axum::body::Body::empty())
                .expect("r"),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    assert_eq!(code(&v["errors"][0]), "BAD_USER_INPUT", "{v}");
    cases += 2;

    // The legacy subprotocol (subscriptions-transport-ws) is still served.
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-ws".parse().expect("header"),
    );
    let (mut legacy, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("legacy");
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-ws");
    send(
        &mut legacy,
        text(json!({ "type": "connection_init", "payload": {} })),
    )
    .await;
    assert_eq!(next_json(&mut legacy).await["type"], "connection_ack");
    cases += 1;

    // A bounded flood of connections that never say hello, then the server is fine.
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(open(addr).await);
    }
    drop(idle);
    let mut socket = open(addr).await;
    init(&mut socket, Some(&owner.token)).await;
    cases += 1;
    assert!(cases >= 25, "{cases}");
    eprintln!("hostile WebSocket corpus: {cases} cases ({backend:?})");
}

/// A connection that never sends `connection_init` is closed with 4408 after 10 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_are_closed_with_4408() {
    crate::helpers::cleaned(silent_connection()).await
}

async fn silent_connection() {
    let app = TestApp::new(Backend::Sqlite).await;
    let addr = serve(&app).await;
    let mut socket = open(addr).await;
    let started = std::time::Instant::now();
    let code = crate::helpers::close_code_within(&mut socket, Duration::from_secs(15)).await;
    assert_eq!(code, Some(4408));
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
}
