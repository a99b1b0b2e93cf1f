//! The shared harness of the bridge's scenario tests: a test frame and a page that asks for
//! frames the way the webview does.
#![allow(dead_code)] // each scenario uses a part

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use peercall_bridge::{decode_header, READY};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

pub const W: u32 = 64;
pub const H: u32 = 48;

pub fn frame(fill: u8) -> Vec<u8> {
    vec![fill; (W * H + 2 * (W / 2) * (H / 2)) as usize]
}

pub type Page =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Asks for a frame, as the page does after each draw, and waits for it.
pub async fn next_binary(ws: &mut Page) -> Vec<u8> {
    ws.send(Message::text(READY)).await.expect("send ready");
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

/// Asks for a frame and returns its number.
pub async fn next_frame_number(ws: &mut Page) -> u64 {
    decode_header(&next_binary(ws).await)
        .expect("valid bridge message")
        .frame_number
}

/// Waits until the bridge closes `ws` (a close frame or the socket ending).
pub async fn expect_closed(ws: &mut Page) {
    let _ = ws.send(Message::text(READY)).await;
    loop {
        let msg = timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("the bridge did not close the page within 10 s");
        match msg {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
            Some(Ok(Message::Binary(_))) => panic!("a page over the limit got a frame"),
            Some(Ok(_)) => continue,
        }
    }
}

/// Asks for a frame: true if one came, false if the bridge closed the page instead.
pub async fn gets_a_frame(ws: &mut Page) -> bool {
    if ws.send(Message::text(READY)).await.is_err() {
        return false;
    }
    loop {
        let msg = timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("neither a frame nor a close within 10 s");
        match msg {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return false,
            Some(Ok(Message::Binary(_))) => return true,
            Some(Ok(_)) => continue,
        }
    }
}
