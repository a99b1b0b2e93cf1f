//! The handshake's edges: anything before hello, no hello in time, wrong token, wrong
//! protocol version — each refused with its error and a close, without disturbing
//! anyone else. The real client surfaces them as typed errors.

mod common;
use common::*;
use peercall_signal::client::{ClientError, SignalClient};
use peercall_signal::protocol::ErrorCode;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn any_message_before_hello_is_refused() {
    let server = start_fast().await;
    let url = server.url();
    let (mut bystander, _) = Raw::join(&url, "B", "r").await;
    for first in [
        json!({"type":"signal","to":"x","data":{}}),
        json!({"type":"update","busy":true}),
    ] {
        let mut r = Raw::connect(&url).await;
        r.send_json(first).await;
        r.expect_error("hello-required").await;
        assert_eq!(r.expect_close().await, Some(1008));
    }
    for (text, code) in [
        ("garbage", "bad-json"),
        ("{\"type\":\"nope\"}", "unknown-type"),
    ] {
        let mut r = Raw::connect(&url).await;
        r.send_text(text).await;
        r.expect_error(code).await;
        assert_eq!(r.expect_close().await, Some(1008));
    }
    let mut r = Raw::connect(&url).await;
    r.send_binary(b"hello").await;
    r.expect_error("bad-json").await;
    assert_eq!(r.expect_close().await, Some(1008));
    bystander.assert_alive().await;
    server.shutdown().await;
}

#[tokio::test]
async fn no_hello_within_the_timeout_closes() {
    let mut config = fast_config();
    config.timing.hello_timeout = Duration::from_millis(300);
    let server = start(config).await;
    let mut r = Raw::connect(&server.url()).await;
    let opened = Instant::now();
    assert_eq!(r.expect_close().await, Some(1008));
    assert!(
        opened.elapsed() >= Duration::from_millis(250),
        "not closed before the timeout"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_default_hello_timeout_is_five_seconds() {
    assert_eq!(
        peercall_signal::server::Timing::default().hello_timeout,
        Duration::from_secs(5)
    );
}

#[tokio::test]
async fn token_is_required_when_configured() {
    let mut config = fast_config();
    config.token = Some("open sesame".into());
    let server = start(config).await;
    let url = server.url();
    for hello in [
        json!({"type":"hello","protocol":1,"name":"x"}),
        json!({"type":"hello","protocol":1,"name":"x","token":"open sesam"}),
        json!({"type":"hello","protocol":1,"name":"x","token":"open sesame!"}),
    ] {
        let mut r = Raw::connect(&url).await;
        r.send_json(hello).await;
        r.expect_error("unauthorized").await;
        assert_eq!(r.expect_close().await, Some(1008));
    }
    let mut r = Raw::connect(&url).await;
    r.send_json(json!({"type":"hello","protocol":1,"name":"x","token":"open sesame"}))
        .await;
    assert_eq!(r.recv().await["type"], "welcome");

    // The real client: a typed error.
    let mut c = client_config(&url, "Eve");
    c.token = Some("guess".into());
    let err = SignalClient::connect(c).await.unwrap_err();
    assert!(matches!(err, ClientError::Unauthorized(_)), "{err:?}");
    let mut c = client_config(&url, "Ann");
    c.token = Some("open sesame".into());
    assert!(SignalClient::connect(c).await.is_ok());
    server.shutdown().await;
}

#[tokio::test]
async fn other_protocol_versions_are_refused() {
    let server = start_fast().await;
    for v in [json!(0), json!(2), json!(1000), json!(1.5)] {
        let mut r = Raw::connect(&server.url()).await;
        r.send_json(json!({"type":"hello","protocol":v,"name":"x"}))
            .await;
        r.expect_error("unsupported-protocol").await;
        assert_eq!(r.expect_close().await, Some(1008));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn client_reports_refusals_and_unreachable_servers() {
    let mut config = fast_config();
    config.limits.room_size = 1;
    let server = start(config).await;
    let url = server.url();
    let (_first, _) = client(&url, "First", "tiny").await;
    let mut c = client_config(&url, "Second");
    c.room = Some("tiny".into());
    let err = SignalClient::connect(c).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Refused {
                code: ErrorCode::RoomFull,
                ..
            }
        ),
        "{err:?}"
    );
    let err = SignalClient::connect(client_config(&url, "\u{1}"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Refused {
                code: ErrorCode::BadName,
                ..
            }
        ),
        "{err:?}"
    );
    let err = SignalClient::connect(client_config("http://127.0.0.1:1/ws", "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::InvalidUrl(_)), "{err:?}");
    let addr = server.local_addr();
    server.shutdown().await;
    let err = SignalClient::connect(client_config(&format!("ws://{addr}/ws"), "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Unreachable(_)),
        "server gone: {err:?}"
    );
}

/// A server that only speaks another version (played here by a bare WebSocket server)
/// is reported as `UnsupportedProtocol` by the real client.
#[tokio::test]
async fn client_reports_an_unsupported_protocol() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        let hello = ws.next().await.unwrap().unwrap();
        let hello: serde_json::Value = serde_json::from_str(hello.to_text().unwrap()).unwrap();
        assert_eq!(hello["protocol"], 1);
        let reply =
            json!({"type":"error","code":"unsupported-protocol","message":"this server speaks 2"});
        ws.send(Message::text(reply.to_string())).await.unwrap();
        let _ = ws.close(None).await;
    });
    let err = SignalClient::connect(client_config(&format!("ws://{addr}/ws"), "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::UnsupportedProtocol(ref m) if m.contains("speaks 2")),
        "{err:?}"
    );
    server.await.unwrap();
}
