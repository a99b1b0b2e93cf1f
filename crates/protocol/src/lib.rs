//! Peercall signaling protocol, version 1 — the wire types shared by the server, the
//! client and every tool that speaks to them. No I/O lives here.
//!
//! - [`client`]: messages a client sends (`hello`, `update`, `signal`) and
//!   [`decode_client_message`], the strict decoder the server runs on every text frame.
//! - [`server`]: messages the server sends (`welcome`, presence, relayed `signal`, `error`).
//! - [`data`]: the typed `data` payloads clients exchange inside `signal` (offer, answer, …);
//!   the server treats them as opaque JSON.
//! - [`validate`]: name and room rules.
//!
//! The contract is `docs/protocol.md`.

pub mod client;
pub mod data;
pub mod error;
pub mod server;
pub mod validate;

pub use client::{
    decode_client_message, valid_client_id, Ack, ClientMessage, Hello, Relay, Update,
    MAX_CLIENT_ID_CHARS,
};
pub use data::{IceCandidate, Media, RejectReason, SdpRole, SignalData};
pub use error::{DecodeError, ErrorCode};
pub use server::{ErrorMessage, IceServer, PeerInfo, ServerMessage, Welcome};
pub use validate::{validate_name, validate_room, NameError};

use serde::{Deserialize, Serialize};
use std::fmt;

/// The protocol version this crate implements (`hello.protocol`, `welcome.protocol`).
pub const PROTOCOL_VERSION: u64 = 1;

/// The room a `hello` without `room` joins.
pub const DEFAULT_ROOM: &str = "lobby";

/// A peer id assigned by the server: unguessable, the only identity other peers see.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PeerId(pub String);

impl PeerId {
    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for PeerId {
    fn from(s: String) -> Self {
        PeerId(s)
    }
}

impl From<&str> for PeerId {
    fn from(s: &str) -> Self {
        PeerId(s.to_owned())
    }
}
