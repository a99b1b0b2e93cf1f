//! The bridge over a real loopback WebSocket with a real client.

mod common;

use std::time::Duration;

use common::{frame, next_binary, next_frame_number, H, W};
use futures_util::{SinkExt, StreamExt};
use peercall_bridge::{decode_header, FrameBridge, StreamId, HEADER_LEN, READY};
use tokio::time::timeout;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

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
async fn a_page_that_shows_the_picture_small_gets_it_shrunk() {
    let bridge = FrameBridge::start().await.unwrap();
    let preview = bridge.publisher(StreamId::LocalPreview);
    let (mut ws, _) = connect_async(bridge.url(StreamId::LocalPreview))
        .await
        .unwrap();
    preview.publish(W, H, 1, 0, &frame(60)).unwrap();
    // A 16x12-pixel self-view: the 64x48 frame comes shrunk by 4, its factor in the header.
    ws.send(Message::text(format!("{READY} 16x12")))
        .await
        .unwrap();
    let msg = timeout(Duration::from_secs(10), ws.next()).await.unwrap();
    let Some(Ok(Message::Binary(bytes))) = msg else {
        panic!("expected a frame, got {msg:?}")
    };
    let header = decode_header(&bytes).expect("valid bridge message");
    assert_eq!((header.width, header.height, header.shrink), (16, 12, 4));
    assert!(bytes[HEADER_LEN..].iter().all(|&b| b == 60));
    // Shown large again: full size.
    preview.publish(W, H, 2, 0, &frame(61)).unwrap();
    let header = decode_header(&next_binary(&mut ws).await).unwrap();
    assert_eq!((header.width, header.height, header.shrink), (W, H, 1));
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
    assert_eq!(next_frame_number(&mut ws).await, 0);
    // While the page draws, many frames are published; when it asks again it gets the newest
    // one, not the ones in between.
    for n in 1..=200u64 {
        remote.publish(W, H, n, 0, &frame(n as u8)).unwrap();
    }
    assert_eq!(next_frame_number(&mut ws).await, 200);
}

#[tokio::test]
async fn a_page_gets_one_frame_per_request_and_none_unasked() {
    let bridge = FrameBridge::start().await.unwrap();
    let remote = bridge.publisher(StreamId::Remote);
    let (mut ws, _) = connect_async(bridge.url(StreamId::Remote)).await.unwrap();
    remote.publish(W, H, 1, 0, &frame(1)).unwrap();
    // Not asked for: nothing arrives (a hidden canvas costs nothing).
    assert!(
        timeout(Duration::from_millis(300), ws.next())
            .await
            .is_err(),
        "a frame arrived without a request"
    );
    assert_eq!(next_frame_number(&mut ws).await, 1);
    // Asked again with nothing new: the next frame comes when it is published, not a repeat.
    ws.send(Message::text(READY)).await.unwrap();
    assert!(timeout(Duration::from_millis(300), ws.next())
        .await
        .is_err());
    remote.publish(W, H, 2, 0, &frame(2)).unwrap();
    let msg = timeout(Duration::from_secs(10), ws.next()).await.unwrap();
    let Some(Ok(Message::Binary(bytes))) = msg else {
        panic!("expected frame 2, got {msg:?}")
    };
    assert_eq!(decode_header(&bytes).unwrap().frame_number, 2);
    // Unknown text from a page is ignored, the socket stays up.
    ws.send(Message::text("hello")).await.unwrap();
    remote.publish(W, H, 3, 0, &frame(3)).unwrap();
    assert_eq!(next_frame_number(&mut ws).await, 3);
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
