//! Small helpers to write protocol messages and close frames to a server socket.

use super::state::Shared;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use peercall_protocol::{ErrorMessage, ServerMessage};
use std::future::Future;
use std::time::Duration;

/// Close codes the server uses.
pub mod close {
    /// Server shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// Policy violation: no hello in time, refused hello, flood.
    pub const POLICY: u16 = 1008;
    /// A frame beyond the WebSocket library's size maximum.
    pub const TOO_BIG: u16 = 1009;
    /// Room full, or this connection was superseded: try again later.
    pub const TRY_AGAIN: u16 = 1013;
}

/// What the connection logic needs from a WebSocket. Implemented by axum's socket and,
/// for fuzzing the whole handler without a network, by a scripted socket.
pub trait WsIo: Send {
    /// The next frame; `None` when the connection is gone.
    fn recv(&mut self) -> impl Future<Output = Option<Result<Message, axum::Error>>> + Send;
    /// Writes one frame and flushes.
    fn send(&mut self, msg: Message) -> impl Future<Output = Result<(), axum::Error>> + Send;
    /// Queues one frame in the write buffer (written when it fills or on flush).
    fn feed(&mut self, msg: Message) -> impl Future<Output = Result<(), axum::Error>> + Send;
    /// Writes out everything queued.
    fn flush(&mut self) -> impl Future<Output = Result<(), axum::Error>> + Send;
}

impl WsIo for WebSocket {
    fn recv(&mut self) -> impl Future<Output = Option<Result<Message, axum::Error>>> + Send {
        WebSocket::recv(self)
    }

    fn send(&mut self, msg: Message) -> impl Future<Output = Result<(), axum::Error>> + Send {
        WebSocket::send(self, msg)
    }

    fn feed(&mut self, msg: Message) -> impl Future<Output = Result<(), axum::Error>> + Send {
        futures_util::SinkExt::feed(self, msg)
    }

    fn flush(&mut self) -> impl Future<Output = Result<(), axum::Error>> + Send {
        futures_util::SinkExt::flush(self)
    }
}

/// Sends one server message; `false` if the socket failed.
pub async fn send<S: WsIo>(ws: &mut S, msg: &ServerMessage) -> bool {
    ws.send(Message::Text(msg.to_json().into())).await.is_ok()
}

/// Sends an `error` and counts it; `false` if the socket failed.
pub async fn send_error<S: WsIo>(ws: &mut S, shared: &Shared, err: ErrorMessage) -> bool {
    shared.metrics.error(err.code);
    send(ws, &ServerMessage::Error(err)).await
}

/// How long a closing connection waits for the client's close reply.
const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// Sends a close frame and completes the closing handshake: reads (and discards) until
/// the client's close reply, bounded by a short linger. Dropping the socket with unread
/// input would make the kernel answer with a reset, and the client could lose the close
/// frame — and with it the reason.
pub async fn close<S: WsIo>(ws: &mut S, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if ws.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_LINGER, async {
        loop {
            match ws.recv().await {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
}

/// True when a receive error means the frame exceeded the library's size maximum.
pub fn is_capacity_error(err: axum::Error) -> bool {
    let inner = err.into_inner();
    matches!(
        inner.downcast_ref::<tokio_tungstenite::tungstenite::Error>(),
        Some(tokio_tungstenite::tungstenite::Error::Capacity(_))
    )
}
