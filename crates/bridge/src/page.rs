//! One page's connection after its handshake: it asks for a frame (`ready`), its task sends the
//! newest, straight from the publisher's planes to the socket (see [`crate::ws_frame`]).

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::server::Frame;
use crate::shrink::{parse_ready, shrink_frame};
use crate::wire::{put_header, HEADER_LEN};
use crate::ws_frame::{
    frame_head, parse_incoming, Incoming, PageError, MAX_HEAD, OP_BINARY, OP_CLOSE, OP_PONG,
};

/// Serves one page until it leaves or the bridge is dropped (`alive` closes).
///
/// Flow control: the page asks for each frame ("ready") once it has drawn the previous one,
/// so at most one frame is ever in flight. Frames published meanwhile collapse into the
/// newest in the `watch` channel, never in socket buffers where they would add latency, and
/// a page that hides its canvas stops asking and costs nothing.
pub(crate) async fn serve_page(
    tcp: TcpStream,
    mut newest: watch::Receiver<Option<Frame>>,
    mut alive: watch::Receiver<()>,
) -> Result<(), PageError> {
    let (mut from_page, mut to_page) = tcp.into_split();
    let mut inbox = BytesMut::with_capacity(256);
    let mut wanted = false;
    let mut size = None; // the box the page draws into, from its last request
    let mut unsent = newest.borrow_and_update().is_some(); // the current frame, if there is one
    loop {
        if wanted && unsent {
            let frame = newest.borrow_and_update().clone();
            unsent = false;
            if let Some(frame) = frame {
                wanted = false;
                send_frame(&mut to_page, &shrink_frame(&frame, size)).await?;
            }
        }
        tokio::select! {
            _ = alive.changed() => {
                // The bridge was dropped: say goodbye properly.
                let _ = send_control(&mut to_page, OP_CLOSE, &[]).await;
                return Ok(());
            }
            changed = newest.changed() => {
                if changed.is_err() {
                    return Ok(()); // bridge gone
                }
                newest.borrow_and_update();
                unsent = true;
            }
            read = from_page.read_buf(&mut inbox) => {
                if read? == 0 {
                    return Ok(()); // the page closed its socket
                }
                while let Some((msg, used)) = parse_incoming(&inbox)? {
                    inbox.advance(used);
                    match msg {
                        Incoming::Text(text) => {
                            if let Some(want) = parse_ready(&text) {
                                wanted = true;
                                size = want;
                            }
                        }
                        Incoming::Ping(data) => send_control(&mut to_page, OP_PONG, &data).await?,
                        Incoming::Close => {
                            let _ = send_control(&mut to_page, OP_CLOSE, &[]).await;
                            return Ok(());
                        }
                        Incoming::Binary | Incoming::Pong => {}
                    }
                }
            }
        }
    }
}

/// One binary message: the WebSocket header and our 40-byte header, then the planes written
/// from where they are (a vectored write, no copy).
async fn send_frame(to_page: &mut OwnedWriteHalf, frame: &Frame) -> Result<(), PageError> {
    let (head, used) = frame_head(OP_BINARY, HEADER_LEN + frame.planes.len());
    let mut prefix = BytesMut::with_capacity(MAX_HEAD + HEADER_LEN);
    prefix.put_slice(&head[..used]);
    put_header(&mut prefix, &frame.header);
    let mut message = prefix.freeze().chain(frame.planes.clone());
    to_page.write_all_buf(&mut message).await?;
    Ok(())
}

/// A control frame (close, pong) of at most 125 bytes.
async fn send_control(
    to_page: &mut OwnedWriteHalf,
    opcode: u8,
    payload: &[u8],
) -> Result<(), PageError> {
    let payload = &payload[..payload.len().min(125)];
    let (head, used) = frame_head(opcode, payload.len());
    let mut message = Bytes::copy_from_slice(&head[..used]).chain(payload);
    to_page.write_all_buf(&mut message).await?;
    Ok(())
}
