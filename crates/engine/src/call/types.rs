//! Value types shared by the call state machine's inputs and actions.

use std::fmt;

/// A peer's server-assigned id (`welcome.id`, `signal.from`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub String);

/// A caller-chosen random id that scopes every message of one call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub String);

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for PeerId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<&str> for CallId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// Which media a call carries (`offer.media`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaKinds {
    /// An audio track each way.
    pub audio: bool,
    /// A video track each way.
    pub video: bool,
}

impl MediaKinds {
    /// Audio and video.
    pub const BOTH: Self = Self {
        audio: true,
        video: true,
    };
}

/// One trickled ICE candidate (`candidate:{candidate,sdpMid,sdpMLineIndex}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceCandidate {
    /// The `candidate:` attribute line.
    pub candidate: String,
    /// Media stream id it belongs to.
    pub sdp_mid: Option<String>,
    /// Index of the m-line it belongs to.
    pub sdp_mline_index: Option<u16>,
}

/// Why a callee declines a call (`reject.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// The user said no.
    Declined,
    /// Already in a call (answered without asking the user).
    Busy,
    /// Nobody answered within the ring timeout.
    Timeout,
}

/// Which side did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// This client (its user or its engine).
    Local,
    /// The other peer.
    Remote,
}

/// Why a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// Someone hung up an established (or connecting) call.
    HungUp(Side),
    /// The callee's user declined.
    Declined(Side),
    /// The callee was already in a call.
    Busy,
    /// Nobody answered within the ring timeout.
    Timeout,
    /// The caller gave up before an answer.
    Cancelled(Side),
    /// ICE/DTLS never connected, or failed.
    ConnectionFailed,
    /// The connection dropped and did not come back within the grace period.
    ConnectionLost,
    /// The other peer left the signaling server.
    PeerLeft,
    /// Our own signaling connection was lost: for good (the client gave up or was
    /// refused), which ends a call in any state, established ones included; or, for a
    /// call still being set up (ringing, connecting), it came back under a fresh id the
    /// call cannot be re-paired through. An established call survives a reconnect (see
    /// `call::machine::repair`).
    SignalingLost,
    /// The peer session reported an error.
    SessionError(String),
}

impl EndReason {
    /// A short stable code for reports and the UI.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::HungUp(Side::Local) => "hangup-local",
            Self::HungUp(Side::Remote) => "hangup-remote",
            Self::Declined(Side::Local) => "declined-local",
            Self::Declined(Side::Remote) => "rejected",
            Self::Busy => "busy",
            Self::Timeout => "timeout",
            Self::Cancelled(Side::Local) => "cancelled-local",
            Self::Cancelled(Side::Remote) => "cancelled-remote",
            Self::ConnectionFailed => "connection-failed",
            Self::ConnectionLost => "connection-lost",
            Self::PeerLeft => "peer-left",
            Self::SignalingLost => "signaling-lost",
            Self::SessionError(_) => "session-error",
        }
    }
}

/// The states of one call, as the UI sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallState {
    /// No call yet.
    Idle,
    /// We sent (or are preparing) an offer and wait for an answer.
    OutgoingRinging,
    /// An offer arrived; waiting for our user to accept or reject.
    IncomingRinging,
    /// Answered; ICE/DTLS in progress.
    Connecting,
    /// Media flowing.
    Connected,
    /// The connection dropped; waiting for it to come back.
    Reconnecting,
    /// The call is over. A new call may start from here.
    Ended(EndReason),
}

/// Who placed the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// We called.
    Outgoing,
    /// They called.
    Incoming,
}

/// A signaling message for one call: the `data` of a relayed `signal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// Rings the callee, with the SDP offer.
    Offer {
        /// Call id.
        call: CallId,
        /// SDP offer.
        sdp: String,
        /// Offered media.
        media: MediaKinds,
    },
    /// The callee accepted.
    Answer {
        /// Call id.
        call: CallId,
        /// SDP answer.
        sdp: String,
    },
    /// The callee declined.
    Reject {
        /// Call id.
        call: CallId,
        /// Why.
        reason: RejectReason,
    },
    /// The caller gave up before an answer.
    Cancel {
        /// Call id.
        call: CallId,
    },
    /// Trickle ICE.
    Candidate {
        /// Call id.
        call: CallId,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// Gathering complete.
    EndOfCandidates {
        /// Call id.
        call: CallId,
    },
    /// Call over.
    Hangup {
        /// Call id.
        call: CallId,
    },
    /// A new offer or answer for the established call (an ICE restart).
    Renegotiate {
        /// Call id.
        call: CallId,
        /// SDP.
        sdp: String,
        /// Whether `sdp` is an offer or an answer.
        kind: SdpKind,
    },
    /// Callee → caller: our network changed, please restart ICE.
    RestartIce {
        /// Call id.
        call: CallId,
    },
}

/// Whether a renegotiation's SDP is an offer or an answer (`renegotiate.role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdpKind {
    /// An offer.
    Offer,
    /// The answer to our offer.
    Answer,
}

impl Signal {
    /// The call this message belongs to.
    #[must_use]
    pub fn call(&self) -> &CallId {
        match self {
            Self::Offer { call, .. }
            | Self::Answer { call, .. }
            | Self::Reject { call, .. }
            | Self::Cancel { call }
            | Self::Candidate { call, .. }
            | Self::EndOfCandidates { call }
            | Self::Hangup { call }
            | Self::Renegotiate { call, .. }
            | Self::RestartIce { call } => call,
        }
    }

    /// The protocol's `data.kind` of this message.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Offer { .. } => "offer",
            Self::Answer { .. } => "answer",
            Self::Reject { .. } => "reject",
            Self::Cancel { .. } => "cancel",
            Self::Candidate { .. } => "candidate",
            Self::EndOfCandidates { .. } => "end-of-candidates",
            Self::Hangup { .. } => "hangup",
            Self::Renegotiate { .. } => "renegotiate",
            Self::RestartIce { .. } => "restart-ice",
        }
    }
}
