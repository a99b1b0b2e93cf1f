//! `/healthz`, `/metrics` (Prometheus text), static files, and graceful shutdown that
//! closes every socket with a close frame.

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn healthz_and_metrics() {
    let server = start_fast().await;
    let addr = server.local_addr();
    assert_eq!(http_get(addr, "/healthz").await.0, 200);
    let (mut a, _) = Raw::join(&server.url(), "A", "room-1").await;
    let (mut b, id_b) = Raw::join(&server.url(), "B", "room-1").await;
    let (_c, _) = Raw::join(&server.url(), "C", "room-2").await;
    a.recv_type("peer-joined").await;
    a.send_json(json!({"type":"signal","to":id_b,"data":{}}))
        .await;
    b.recv_type("signal").await;
    a.send_text("nope").await;
    a.expect_error("bad-json").await;
    let (status, body) = http_get(addr, "/metrics").await;
    assert_eq!(status, 200);
    for line in [
        "peercall_open_connections 3",
        "peercall_messages_relayed_total 1",
        "peercall_errors_total{code=\"bad-json\"} 1",
        "peercall_rooms 2",
        "peercall_largest_room_peers 2",
        "peercall_resumes_total 0",
        "# TYPE peercall_open_connections gauge",
    ] {
        assert!(
            body.lines().any(|l| l == line),
            "missing {line:?} in\n{body}"
        );
    }
    assert!(!body.contains("room-1"), "room names stay private:\n{body}");
    assert_eq!(http_get(addr, "/nothing-here").await.0, 404);
    server.shutdown().await;
}

#[tokio::test]
async fn static_dir_is_served_at_root() {
    let dir = std::env::temp_dir().join(format!("peercall-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>peercall</h1>").unwrap();
    let mut config = fast_config();
    config.static_dir = Some(dir.clone());
    let server = start(config).await;
    let (status, body) = http_get(server.local_addr(), "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1>peercall</h1>"));
    assert_eq!(http_get(server.local_addr(), "/healthz").await.0, 200);
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn shutdown_closes_every_socket_with_a_close_frame() {
    let server = start_fast().await;
    let url = server.url();
    let addr = server.local_addr();
    let mut clients = Vec::new();
    for i in 0..5 {
        clients.push(Raw::join(&url, &format!("p{i}"), "r").await.0);
    }
    let mut pending = Raw::connect(&url).await; // not yet welcomed
    wait_metric(addr, "peercall_open_connections", 6.0).await;
    server.shutdown().await;
    for c in &mut clients {
        assert_eq!(c.expect_close().await, Some(1001));
    }
    assert_eq!(pending.expect_close().await, Some(1001));
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "listener closed"
    );
}
