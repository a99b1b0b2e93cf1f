//! Limits: message size (error, then close past the WebSocket maximum), rate (error,
//! then close 1008 for a client that keeps going), room size.

mod common;
use common::*;
use futures_util::SinkExt;
use serde_json::json;

#[tokio::test]
async fn oversize_message_gets_too_large_and_the_connection_stays() {
    let server = start_fast().await;
    let url = server.url();
    let (mut a, _) = Raw::join(&url, "A", "r").await;
    let (mut b, id_b) = Raw::join(&url, "B", "r").await;
    a.recv_type("peer-joined").await;
    let pad = "x".repeat(64 * 1024);
    a.send_json(json!({"type":"signal","to":id_b,"data":{"pad":pad}}))
        .await;
    a.expect_error("too-large").await;
    // Just under the limit goes through.
    let pad = "x".repeat(64 * 1024 - 200);
    a.send_json(json!({"type":"signal","to":id_b,"data":{"pad":pad}}))
        .await;
    assert_eq!(b.recv().await["type"], "signal");
    a.assert_alive().await;
    server.shutdown().await;
}

#[tokio::test]
async fn frames_past_the_websocket_maximum_are_refused_and_closed() {
    let server = start_fast().await;
    let url = server.url();
    let (mut bystander, _) = Raw::join(&url, "B", "r").await;
    let (mut a, _) = Raw::join(&url, "A", "r").await;
    // 1 MiB: far past the 256 KiB library maximum; the library must not buffer it.
    let huge = "y".repeat(1 << 20);
    let _ = a.try_send_text(&huge).await;
    let mut saw_error = false;
    let code = loop {
        match a.next().await {
            Got::Json(v) if v["code"] == "too-large" => saw_error = true,
            Got::Json(_) => {}
            Got::Closed(code) => break code,
        }
    };
    assert!(saw_error, "too-large before the close");
    assert_eq!(code, Some(1009));
    bystander.recv_type("peer-left").await;
    bystander.assert_alive().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_flood_is_rate_limited_then_closed() {
    let server = start_fast().await;
    let url = server.url();
    let (mut bystander, _) = Raw::join(&url, "B", "r").await;
    let (mut a, _) = Raw::join(&url, "A", "r").await;
    bystander.recv_type("peer-joined").await;
    let msg = json!({"type":"update","busy":false}).to_string();
    for _ in 0..400 {
        if !a.try_send_text(&msg).await {
            break;
        }
    }
    let mut limited = 0;
    let code = loop {
        match a.next().await {
            Got::Json(v) if v["code"] == "rate-limited" => limited += 1,
            Got::Json(v) => panic!("unexpected {v}"),
            Got::Closed(code) => break code,
        }
    };
    assert!(limited >= 1, "rate-limited errors came first");
    assert_eq!(code, Some(1008));
    bystander.recv_type("peer-left").await;
    bystander.assert_alive().await;
    server.shutdown().await;
}

#[tokio::test]
async fn pings_count_against_the_rate_limit() {
    let server = start_fast().await;
    let url = server.url();
    let (mut bystander, _) = Raw::join(&url, "B", "r").await;
    let (mut a, _) = Raw::join(&url, "A", "r").await;
    bystander.recv_type("peer-joined").await;
    for _ in 0..400 {
        let ping = tokio_tungstenite::tungstenite::Message::Ping(Default::default());
        if a.ws.send(ping).await.is_err() {
            break;
        }
    }
    let mut limited = 0;
    let code = loop {
        match a.next().await {
            Got::Json(v) if v["code"] == "rate-limited" => limited += 1,
            Got::Json(v) => panic!("unexpected {v}"),
            Got::Closed(code) => break code,
        }
    };
    assert!(limited >= 1, "rate-limited errors came first");
    assert_eq!(code, Some(1008), "a ping flood is closed like any flood");
    bystander.recv_type("peer-left").await;
    bystander.assert_alive().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_burst_within_the_limit_is_fine() {
    let server = start_fast().await;
    let (mut a, _) = Raw::join(&server.url(), "A", "r").await;
    // 90 messages at once: inside the burst of 100.
    for _ in 0..90 {
        a.send_json(json!({"type":"update","busy":false})).await;
    }
    a.assert_alive().await;
    server.shutdown().await;
}

#[tokio::test]
async fn room_full() {
    let mut config = fast_config();
    config.limits.room_size = 3;
    let server = start(config).await;
    let url = server.url();
    let mut members = Vec::new();
    for i in 0..3 {
        members.push(Raw::join(&url, &format!("m{i}"), "small").await);
    }
    let mut extra = Raw::connect(&url).await;
    extra
        .send_json(json!({"type":"hello","protocol":1,"name":"late","room":"small"}))
        .await;
    extra.expect_error("room-full").await;
    assert_eq!(extra.expect_close().await, Some(1013));
    // Another room is unaffected.
    let (_other, _) = Raw::join(&url, "late", "big").await;
    // After one leaves there is space again.
    let (m0, _) = members.remove(0);
    m0.close().await;
    members[0].0.recv_type("peer-left").await;
    let (_in, _) = Raw::join(&url, "late", "small").await;
    server.shutdown().await;
}
