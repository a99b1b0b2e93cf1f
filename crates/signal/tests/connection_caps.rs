//! Connection caps: one source address cannot hold more than its share of connections,
//! nor all of them together more than the total; one past a cap is closed at accept,
//! and the connections already in are not disturbed. A slot frees when its connection
//! ends.

mod common;
use common::process::ServerProcess;
use common::*;
use std::net::{IpAddr, SocketAddr};
use tokio::net::TcpSocket;
use tokio_tungstenite::MaybeTlsStream;

/// A WebSocket to `server` from the loopback address `source`; `None` if the server
/// turned it away.
async fn connect_from(source: &str, server: SocketAddr) -> Option<Raw> {
    let source: IpAddr = source.parse().expect("source address");
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::new(source, 0))
        .expect("bind a loopback source");
    let stream = socket.connect(server).await.ok()?;
    let url = format!("ws://{server}/ws");
    let (ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream))
        .await
        .ok()?;
    Some(Raw { ws })
}

async fn join_from(source: &str, server: SocketAddr, name: &str) -> Raw {
    let mut raw = connect_from(source, server)
        .await
        .unwrap_or_else(|| panic!("{name} from {source} is let in"));
    raw.hello(name, "r").await;
    raw
}

#[tokio::test]
async fn caps_per_address_and_in_total() {
    let mut config = fast_config();
    config.limits.max_connections = 4;
    config.limits.max_connections_per_ip = 2;
    let server = start(config).await;
    let addr = server.local_addr();

    let mut a1 = join_from("127.0.0.2", addr, "a1").await;
    let _a2 = join_from("127.0.0.2", addr, "a2").await;
    assert!(
        connect_from("127.0.0.2", addr).await.is_none(),
        "a third connection from one address is refused"
    );
    let b1 = join_from("127.0.0.3", addr, "b1").await;
    let mut b2 = join_from("127.0.0.3", addr, "b2").await;
    assert!(
        connect_from("127.0.0.4", addr).await.is_none(),
        "a fifth connection in total is refused, whatever its address"
    );
    a1.assert_alive_past_backlog().await;
    b2.assert_alive_past_backlog().await;

    // A connection that ends frees its slot (its task may take a moment to finish).
    b1.close().await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut c = loop {
        if let Some(c) = connect_from("127.0.0.4", addr).await {
            break c;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot never freed"
        );
        tokio::task::yield_now().await;
    };
    c.hello("c", "r").await;
    c.assert_alive().await;
    drop(c);
    // /metrics needs a slot too: wait for c's.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while server.open_connections() > 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "c's slot never freed"
        );
        tokio::task::yield_now().await;
    }
    let refused = metric(addr, "peercall_connections_refused_total").await;
    assert!(
        refused.is_some_and(|n| n >= 2.0),
        "refusals counted: {refused:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_binary_takes_the_cap_from_the_environment() {
    let server = ServerProcess::start(&[], &[("PEERCALL_MAX_CONNECTIONS_PER_IP", "1")]).await;
    let mut first = join_from("127.0.0.5", server.addr, "first").await;
    assert!(connect_from("127.0.0.5", server.addr).await.is_none());
    first.assert_alive_past_backlog().await;
    let _other = join_from("127.0.0.6", server.addr, "other").await;
}
