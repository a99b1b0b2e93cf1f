//! Another local process holds hundreds of idle connections to the bridge (it never sends a
//! WebSocket upgrade): the bridge closes them and a real page still gets its frames. Before
//! the connection limits each idle connection held a task and a descriptor forever.

mod common;

use std::time::Duration;

use common::{frame, next_binary, H, W};
use peercall_bridge::{decode_header, FrameBridge, Limits, StreamId};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::connect_async;

const IDLE: usize = 200;

#[tokio::test]
async fn idle_connections_are_closed_and_pages_keep_working() {
    let limits = Limits {
        handshake_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let bridge = FrameBridge::start_with(limits).await.unwrap();
    let mut idle = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        idle.push(TcpStream::connect(bridge.local_addr()).await.unwrap());
    }

    // A page connecting now is served.
    let remote = bridge.publisher(StreamId::Remote);
    remote.publish(W, H, 1, 0, &frame(5)).unwrap();
    let (mut page, _) = connect_async(bridge.url(StreamId::Remote)).await.unwrap();
    let header = decode_header(&next_binary(&mut page).await).unwrap();
    assert_eq!(header.frame_number, 1);

    // Every idle connection is closed by the bridge: evicted by newer ones or timed out.
    for (i, conn) in idle.iter_mut().enumerate() {
        let mut buf = [0u8; 64];
        let read = timeout(limits.handshake_timeout * 10, conn.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("idle connection {i} is still open"));
        assert!(
            matches!(read, Ok(0) | Err(_)),
            "idle connection {i} got data: {read:?}"
        );
    }

    // The page outlived them all and still gets frames.
    remote.publish(W, H, 2, 0, &frame(6)).unwrap();
    let header = decode_header(&next_binary(&mut page).await).unwrap();
    assert_eq!(header.frame_number, 2);
}

#[tokio::test]
async fn pages_over_the_limit_are_closed_and_the_slot_comes_back() {
    let limits = Limits {
        max_pages: 2,
        ..Limits::default()
    };
    let bridge = FrameBridge::start_with(limits).await.unwrap();
    let remote = bridge.publisher(StreamId::Remote);
    remote.publish(W, H, 1, 0, &frame(5)).unwrap();
    let (mut first, _) = connect_async(bridge.url(StreamId::Remote)).await.unwrap();
    let (mut second, _) = connect_async(bridge.url(StreamId::Remote)).await.unwrap();
    next_binary(&mut first).await;
    next_binary(&mut second).await;

    // A third page upgrades (it had the secret) but is closed at once.
    let (mut third, _) = connect_async(bridge.url(StreamId::Remote)).await.unwrap();
    common::expect_closed(&mut third).await;

    // One leaves; a new page gets its slot.
    first.close(None).await.unwrap();
    drop(first);
    let page = loop {
        let (mut page, _) = connect_async(bridge.url(StreamId::Remote)).await.unwrap();
        if common::gets_a_frame(&mut page).await {
            break page;
        }
    };
    drop(page);
}
