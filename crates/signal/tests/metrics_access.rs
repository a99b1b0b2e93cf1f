//! `/metrics` is not for everyone: on a server with a token it takes that token
//! (`Authorization: Bearer …`), and it never names rooms. (Without a token only loopback
//! may read it; the tests run on loopback, so that rule is in the unit table of
//! `server::metrics::access`.)

mod common;
use common::*;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// GET /metrics with an optional bearer token: (status, body).
async fn get_metrics(addr: SocketAddr, token: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let req = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(PATIENCE, s.read_to_end(&mut buf))
        .await
        .expect("answered in time")
        .expect("read");
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn a_server_with_a_token_wants_it_for_metrics() {
    let mut config = fast_config();
    config.token = Some("s3cret".into());
    let server = start(config).await;
    let addr = server.local_addr();
    assert_eq!(get_metrics(addr, None).await.0, 401);
    assert_eq!(get_metrics(addr, Some("guess")).await.0, 401);
    let (status, body) = get_metrics(addr, Some("s3cret")).await;
    assert_eq!(status, 200);
    assert!(body.contains("peercall_open_connections 0"), "{body}");
    server.shutdown().await;
}
