//! What a peer session reports to its owner.

use std::sync::Arc;

use super::SessionError;
use crate::call::IceCandidate;
use crate::stats::CallStats;

/// Call-control messages carried on the data channel, next to chat.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ControlMessage {
    /// A chat line.
    Chat {
        /// Text.
        text: String,
    },
    /// The sender's media state changed.
    Media {
        /// Microphone muted.
        #[serde(rename = "micMuted")]
        mic_muted: bool,
        /// Camera on.
        #[serde(rename = "cameraOn")]
        camera_on: bool,
    },
    /// The sender hung up. Also sent through signaling; this copy reaches the peer when
    /// the signaling server is gone while the media path still works.
    Hangup,
    /// The sender's signaling client came back with a fresh identity: signaling for call
    /// `call` reaches it at `id` now (re-pairing after a server restart).
    Rejoin {
        /// The call id both sides know.
        call: String,
        /// The sender's new signaling id.
        id: String,
    },
}

/// Events of one peer session.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    /// The local description (offer for the caller, answer for the callee) is set.
    LocalDescription(String),
    /// A gathered local candidate.
    LocalCandidate(IceCandidate),
    /// Gathering finished.
    EndOfCandidates,
    /// ICE + DTLS are up.
    Connected,
    /// ICE lost the path (may come back).
    Disconnected,
    /// ICE or DTLS failed for good.
    Failed,
    /// The data channel is open.
    ChannelOpen,
    /// A control or chat message from the peer.
    Control(ControlMessage),
    /// The first remote video frame was decoded.
    FirstRemoteFrame,
    /// Stats of the last interval.
    Stats(CallStats),
    /// Something went wrong that the session cannot recover from, with its typed cause
    /// (shared: an event is cloned, an error is not).
    Error(Arc<SessionError>),
    /// The peer sends data-channel messages over the rate (`CONTROL_RATE`): `total` of
    /// them were dropped in this session so far. Reported when dropping starts, then at
    /// most once a second, and once more when the flood stops.
    ControlDropped {
        /// Messages dropped since the session opened.
        total: u64,
    },
}

impl SessionEvent {
    /// The event for an error the session cannot recover from.
    pub fn error(cause: impl Into<SessionError>) -> Self {
        Self::Error(Arc::new(cause.into()))
    }
}
