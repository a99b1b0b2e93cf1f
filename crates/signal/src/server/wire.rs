//! Small helpers to write protocol messages and close frames to a server socket.

use super::state::Shared;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use peercall_protocol::{ErrorMessage, ServerMessage};

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

/// Sends one server message; `false` if the socket failed.
pub async fn send(ws: &mut WebSocket, msg: &ServerMessage) -> bool {
    ws.send(Message::Text(msg.to_json().into())).await.is_ok()
}

/// Sends an `error` and counts it; `false` if the socket failed.
pub async fn send_error(ws: &mut WebSocket, shared: &Shared, err: ErrorMessage) -> bool {
    shared.metrics.error(err.code);
    send(ws, &ServerMessage::Error(err)).await
}

/// Sends a close frame (best effort; the peer may already be gone).
pub async fn close(ws: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = ws.send(Message::Close(Some(frame))).await;
}

/// True when a receive error means the frame exceeded the library's size maximum.
pub fn is_capacity_error(err: axum::Error) -> bool {
    let inner = err.into_inner();
    matches!(
        inner.downcast_ref::<tokio_tungstenite::tungstenite::Error>(),
        Some(tokio_tungstenite::tungstenite::Error::Capacity(_))
    )
}
