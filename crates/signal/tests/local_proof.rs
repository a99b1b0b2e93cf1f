//! The app's local server proves itself in the WebSocket handshake before the client says
//! anything (`peercall_signal::proof`): a process squatting on the port without the
//! secret — a bare WebSocket listener, or a real server that does not know it — never
//! gets a `hello` (name, client id, token), neither on the first connect nor on a
//! reconnect after the real server went away.

mod common;

use common::*;
use futures_util::StreamExt;
use peercall_signal::client::{ClientError, ClientEvent, SignalClient};
use peercall_signal::proof::ServerSecret;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

fn proving(secret: &ServerSecret) -> peercall_signal::server::Config {
    let mut config = fast_config();
    config.proof_secret = Some(secret.clone());
    config
}

fn local_client(url: &str, secret: &ServerSecret) -> peercall_signal::client::ClientConfig {
    let mut config = client_config(url, "Alice");
    config.token = Some("the-join-code".into());
    config.server_proof = Some(secret.clone());
    config
}

/// What a squatter saw on one accepted connection: every text frame the client sent.
type Seen = Vec<String>;

/// A bare WebSocket server on `addr` that completes every handshake (answering no
/// challenge) and reports, per connection, what the client sent before it went away.
async fn squatter(addr: SocketAddr) -> mpsc::UnboundedReceiver<Seen> {
    let listener = TcpListener::bind(addr).await.expect("squatter binds");
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                let mut seen = Vec::new();
                while let Some(Ok(frame)) = ws.next().await {
                    if let Message::Text(text) = frame {
                        seen.push(text.to_string());
                    }
                }
                let _ = tx.send(seen);
            });
        }
    });
    rx
}

async fn next_seen(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .expect("the client reached the squatter in time")
        .expect("squatter running")
}

#[tokio::test]
async fn the_local_server_proves_itself_and_gets_the_hello() {
    let secret = ServerSecret::random();
    let server = start(proving(&secret)).await;
    let (client, mut events) = SignalClient::connect(local_client(&server.url(), &secret))
        .await
        .expect("the proven server is trusted");
    assert!(matches!(
        next_event(&mut events).await,
        ClientEvent::Welcome { .. }
    ));
    client.close().await;
}

#[tokio::test]
async fn a_squatter_without_the_secret_gets_nothing() {
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("free port")
        .local_addr()
        .expect("addr");
    let mut seen = squatter(port).await;
    let url = format!("ws://{port}/ws");
    let err = SignalClient::connect(local_client(&url, &ServerSecret::random()))
        .await
        .expect_err("the squatter is not trusted");
    assert!(matches!(err, ClientError::NotProven), "{err:?}");
    assert_eq!(
        next_seen(&mut seen).await,
        Seen::new(),
        "the squatter got a frame"
    );
}

#[tokio::test]
async fn a_real_server_that_does_not_know_the_secret_is_not_trusted() {
    // Another Peercall server on the port (say, another user's), with or without a secret.
    for config in [fast_config(), proving(&ServerSecret::random())] {
        let server = start(config).await;
        let err = SignalClient::connect(local_client(&server.url(), &ServerSecret::random()))
            .await
            .expect_err("not trusted");
        assert!(matches!(err, ClientError::NotProven), "{err:?}");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn after_the_server_goes_a_squatter_on_its_port_gets_no_reconnect_hello() {
    let secret = ServerSecret::random();
    let server = start(proving(&secret)).await;
    let addr = server.local_addr();
    let (client, mut events) = SignalClient::connect(local_client(&server.url(), &secret))
        .await
        .expect("connects");
    next_event(&mut events).await; // welcome
    server.shutdown().await;
    let mut seen = squatter(addr).await;
    for _ in 0..2 {
        wait_event(&mut events, |e| {
            matches!(e, ClientEvent::Reconnecting { .. })
        })
        .await;
        assert_eq!(
            next_seen(&mut seen).await,
            Seen::new(),
            "a reconnect said hello"
        );
    }
    client.close().await;
}

#[test]
fn debug_output_shows_no_token_or_secret() {
    let secret = ServerSecret::random();
    let mut server = proving(&secret);
    server.token = Some("server-token-123".into());
    let client = local_client("ws://127.0.0.1:1/ws", &secret);
    for shown in [format!("{server:?}"), format!("{client:?}")] {
        assert!(!shown.contains("server-token-123"), "{shown}");
        assert!(!shown.contains("the-join-code"), "{shown}");
        assert!(!shown.contains(&secret.to_hex()), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
