//! The bridge over a real loopback WebSocket with a real client.

use std::time::Duration;

use futures_util::StreamExt;
use peercall_bridge::{decode_header, FrameBridge, StreamId, HEADER_LEN};
use tokio::time::timeout;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

const W: u32 = 64;
const H: u32 = 48;

fn frame(fill: u8) -> Vec<u8> {
    vec![fill; (W * H + 2 * (W / 2) * (H / 2)) as usize]
}

async fn next_binary<S>(ws: &mut S) -> Vec<u8>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("no frame within 10 s");
        match msg.expect("socket ended").expect("socket error") {
            Message::Binary(bytes) => return bytes.to_vec(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected message {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_page_with_the_secret_receives_frames_of_its_stream() {
    let bridge = FrameBridge::start().await.unwrap();
    let remote = bridge.publisher(StreamId::Remote);
    let preview = bridge.publisher(StreamId::LocalPreview);
    let (mut ws, _) = connect_async(bridge.url(StreamId::Remote)).await.unwrap();

    preview.publish(W, H, 1, 10, &frame(1)).unwrap(); // other stream: must not arrive here
    remote.publish(W, H, 7, 1234, &frame(200)).unwrap();
    let msg = next_binary(&mut ws).await;
    let header = decode_header(&msg).expect("valid bridge message");
    assert_eq!(header.stream, StreamId::Remote);
    assert_eq!((header.width, header.height), (W, H));
    assert_eq!(header.frame_number, 7);
    assert_eq!(header.capture_time_us, 1234);
    assert!(
        header.sent_time_us > 1_600_000_000_000_000,
        "send time is wall-clock µs"
    );
    assert!(msg[HEADER_LEN..].iter().all(|&b| b == 200));
    assert_eq!(remote.published(), 1);
}

#[tokio::test]
async fn a_page_that_joins_late_gets_the_current_frame_at_once() {
    let bridge = FrameBridge::start().await.unwrap();
    bridge
        .publisher(StreamId::LocalPreview)
        .publish(W, H, 3, 0, &frame(9))
        .unwrap();
    let (mut ws, _) = connect_async(bridge.url(StreamId::LocalPreview))
        .await
        .unwrap();
    let header = decode_header(&next_binary(&mut ws).await).unwrap();
    assert_eq!(header.frame_number, 3);
    assert!(header.mirrored, "the local preview is drawn mirrored");
}

#[tokio::test]
async fn wrong_secret_or_stream_is_refused() {
    let bridge = FrameBridge::start().await.unwrap();
    let addr = bridge.local_addr();
    for url in [
        format!("ws://{addr}/frames/1?s=wrong"),
        format!("ws://{addr}/frames/1"),
        format!("ws://{addr}/frames/5?s={}", bridge.secret()),
        format!("ws://{addr}/?s={}", bridge.secret()),
    ] {
        let err = connect_async(&url).await.expect_err("handshake must fail");
        assert!(err.to_string().contains("403"), "{url}: {err}");
    }
    // The bridge keeps serving after refusing.
    assert!(connect_async(bridge.url(StreamId::Remote)).await.is_ok());
}

#[tokio::test]
async fn a_slow_page_gets_the_newest_frame_not_a_backlog() {
    let bridge = FrameBridge::start().await.unwrap();
    let remote = bridge.publisher(StreamId::Remote);
    let (mut ws, _) = connect_async(bridge.url(StreamId::Remote)).await.unwrap();
    remote.publish(W, H, 0, 0, &frame(0)).unwrap();
    assert_eq!(
        decode_header(&next_binary(&mut ws).await)
            .unwrap()
            .frame_number,
        0
    );
    // While the page reads nothing, many frames are published; it must then see the newest
    // one quickly rather than all of them in order.
    for n in 1..=200u64 {
        remote.publish(W, H, n, 0, &frame(n as u8)).unwrap();
    }
    let mut seen = Vec::new();
    loop {
        let n = decode_header(&next_binary(&mut ws).await)
            .unwrap()
            .frame_number;
        seen.push(n);
        if n == 200 {
            break;
        }
    }
    assert!(seen.len() < 10, "page was sent a backlog: {seen:?}");
}

#[tokio::test]
async fn wrong_sized_frames_are_an_error_not_a_panic() {
    let bridge = FrameBridge::start().await.unwrap();
    let err = bridge
        .publisher(StreamId::Remote)
        .publish(W, H, 0, 0, &[0; 10])
        .unwrap_err();
    assert!(err.to_string().contains("needs"), "{err}");
}

#[tokio::test]
async fn pages_are_closed_when_the_bridge_and_publishers_are_gone() {
    let bridge = FrameBridge::start().await.unwrap();
    let (mut ws, _) = connect_async(bridge.url(StreamId::Remote)).await.unwrap();
    drop(bridge);
    let end = timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(
        end.is_ok(),
        "page socket stayed open after the bridge was dropped"
    );
}
