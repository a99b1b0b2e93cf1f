//! The bridge as the engine's frame sink, over a real loopback WebSocket with a real client:
//! a 720p picture shown on the sink reaches the page byte for byte (the bridge writes the
//! WebSocket frames itself, see `src/ws_frame.rs`), pings are answered, a cleared stream
//! sends nothing, and a page's close is answered.

mod common;

use std::time::Duration;

use common::next_binary;
use futures_util::{SinkExt, StreamExt};
use peercall_bridge::{decode_header, FrameBridge, StreamId, HEADER_LEN, READY};
use peercall_media::{FrameSink, Picture, VideoFrame};
use tokio::time::timeout;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

fn picture(n: u64) -> Picture {
    let mut frame = VideoFrame::black(1280, 720);
    for (i, b) in frame.data.iter_mut().enumerate() {
        *b = (i as u64 * 7 + n) as u8;
    }
    frame.frame_number = n;
    frame.capture_time_us = 1_700_000_000_000_000 + n;
    Picture::captured(frame)
}

#[tokio::test]
async fn a_picture_shown_on_the_sink_reaches_the_page_whole() {
    let bridge = FrameBridge::start().await.unwrap();
    let sink = bridge.publisher(StreamId::Remote);
    let (mut ws, _) = connect_async(bridge.url(StreamId::Remote)).await.unwrap();
    for n in [1, 2] {
        let shown = picture(n);
        let expected = shown.frame.data.clone();
        sink.show(shown);
        let msg = next_binary(&mut ws).await;
        let header = decode_header(&msg).expect("a valid bridge message");
        assert_eq!((header.width, header.height, header.shrink), (1280, 720, 1));
        assert_eq!(header.frame_number, n);
        assert_eq!(header.capture_time_us, 1_700_000_000_000_000 + n);
        assert!(header.sent_time_us >= header.capture_time_us);
        assert!(
            msg[HEADER_LEN..] == expected[..],
            "frame {n}: planes differ"
        );
    }
    // A ping is answered with the same bytes.
    ws.send(Message::Ping(b"still there?".to_vec().into()))
        .await
        .unwrap();
    let pong = timeout(Duration::from_secs(10), ws.next()).await.unwrap();
    assert!(
        matches!(&pong, Some(Ok(Message::Pong(p))) if &p[..] == b"still there?"),
        "{pong:?}"
    );
    // Cleared: the next picture is the first the page gets.
    sink.clear();
    ws.send(Message::text(READY)).await.unwrap();
    sink.show(picture(3));
    let msg = timeout(Duration::from_secs(10), ws.next()).await.unwrap();
    let Some(Ok(Message::Binary(bytes))) = msg else {
        panic!("expected frame 3, got {msg:?}")
    };
    assert_eq!(decode_header(&bytes).unwrap().frame_number, 3);
    // The page leaves: its close is answered and the socket ends.
    ws.close(None).await.unwrap();
    let end = timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the page's close was not answered");
}
