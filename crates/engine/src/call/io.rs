//! The inputs the call state machine accepts and the actions it asks for.

use super::types::{
    CallId, CallState, Direction, IceCandidate, MediaKinds, PeerId, RejectReason, Signal,
};

/// Everything that can happen to a call. See the module doc of [`crate::call`]
/// for the list grouped by source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    // ---- user intents ----
    /// Place a call to `peer` with a fresh random `call` id chosen by the engine.
    Call {
        /// Who to call.
        peer: PeerId,
        /// New call id.
        call: CallId,
        /// Media to offer.
        media: MediaKinds,
    },
    /// Accept the ringing incoming call.
    Accept,
    /// Decline the ringing incoming call (`Busy` is what the agent's `--busy` uses).
    Reject(RejectReason),
    /// Give up our outgoing call before it is answered.
    Cancel,
    /// End the call (in a ringing state it acts as cancel / reject).
    Hangup,
    /// Mute or unmute the microphone.
    SetMicMuted(bool),
    /// Turn the camera on or off.
    SetCameraOn(bool),

    // ---- signaling ----
    /// A relayed `signal` from `from`.
    Signal {
        /// Server-stamped sender.
        from: PeerId,
        /// The payload.
        signal: Signal,
    },
    /// `peer-left` for this peer id.
    PeerLeft(PeerId),
    /// Our own signaling connection was lost for good.
    SignalingLost,
    /// Our signaling client came back with a fresh identity `id` instead of resuming (the
    /// server restarted, or forgot us): the old id and everything queued for it are gone.
    SignalingRenewed {
        /// Our new id.
        id: PeerId,
    },
    /// The call's peer says over the call's data channel (DTLS-authenticated, so it is
    /// the peer) that its signaling id is now `peer`: signaling for `call` goes there.
    PeerRejoined {
        /// The call it names.
        call: CallId,
        /// The peer's new id.
        peer: PeerId,
    },

    // ---- the machine's own network ----
    /// A local address or the default route changed (Wi-Fi to Ethernet, a new DHCP
    /// lease): the path of a call in progress is probably gone.
    NetworkChanged,

    // ---- peer-connection (session) events, tagged with the call they belong to ----
    /// The caller session created its SDP offer (local description set).
    LocalOffer {
        /// Call.
        call: CallId,
        /// SDP.
        sdp: String,
    },
    /// The callee session created its SDP answer (local description set).
    LocalAnswer {
        /// Call.
        call: CallId,
        /// SDP.
        sdp: String,
    },
    /// The session created an ICE-restart offer (local description set).
    LocalRestartOffer {
        /// Call.
        call: CallId,
        /// SDP.
        sdp: String,
    },
    /// The session answered the peer's renegotiation offer (local description set).
    LocalRestartAnswer {
        /// Call.
        call: CallId,
        /// SDP.
        sdp: String,
    },
    /// The session gathered a local ICE candidate.
    LocalCandidate {
        /// Call.
        call: CallId,
        /// Candidate.
        candidate: IceCandidate,
    },
    /// The session finished gathering.
    LocalEndOfCandidates {
        /// Call.
        call: CallId,
    },
    /// ICE + DTLS connected (peer connection state `connected`).
    PeerConnected {
        /// Call.
        call: CallId,
    },
    /// ICE reports `disconnected` (may come back).
    PeerDisconnected {
        /// Call.
        call: CallId,
    },
    /// ICE or DTLS `failed`, or the connection closed under us.
    PeerFailed {
        /// Call.
        call: CallId,
    },
    /// The session hit an error it cannot recover from.
    SessionError {
        /// Call.
        call: CallId,
        /// What went wrong.
        message: String,
    },

    // ---- timers ----
    /// Time passed: fire whatever deadline (ring timeout, connect timeout,
    /// reconnect grace) is due at `now`. Feed it at [`crate::call::CallMachine::next_deadline`].
    Tick,
}

/// How the session must be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRole {
    /// Create an offer, then report it as [`Input::LocalOffer`].
    Caller,
    /// Apply the remote offer and these buffered remote candidates, create an
    /// answer and report it as [`Input::LocalAnswer`].
    Callee {
        /// The caller's SDP offer.
        offer: String,
        /// Candidates that arrived while ringing, in order.
        candidates: Vec<IceCandidate>,
        /// Whether the caller's `end-of-candidates` already arrived.
        end_of_candidates: bool,
    },
}

/// What the state machine asks its driver to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Relay `signal` to `to` through the signaling server.
    Send {
        /// Recipient.
        to: PeerId,
        /// Payload.
        signal: Signal,
    },
    /// Open the peer session (camera/mic capture starts with it).
    OpenSession {
        /// Call.
        call: CallId,
        /// Other side.
        peer: PeerId,
        /// Media of the call.
        media: MediaKinds,
        /// Caller or callee.
        role: SessionRole,
    },
    /// Restart ICE: create an offer with fresh ICE credentials (sockets rebound on the
    /// interfaces there are now), report it as [`Input::LocalRestartOffer`].
    RestartIce,
    /// Apply the peer's renegotiation offer, answer it, report the answer as
    /// [`Input::LocalRestartAnswer`].
    ApplyRestartOffer {
        /// SDP offer.
        sdp: String,
    },
    /// Apply the callee's answer (or the peer's answer to our restart offer).
    ApplyAnswer {
        /// SDP answer.
        sdp: String,
    },
    /// Hand a remote candidate to the open session.
    AddRemoteCandidate(IceCandidate),
    /// The remote side finished gathering.
    RemoteEndOfCandidates,
    /// Close the session and release camera and microphone.
    CloseSession,
    /// Apply local media state to capture and tell the peer over the data channel.
    ApplyLocalMedia {
        /// Microphone muted.
        mic_muted: bool,
        /// Camera on.
        camera_on: bool,
    },
    /// Tell the peer over the call's data channel that our signaling id is now `id`, so
    /// it re-pairs the call with it (see [`Input::PeerRejoined`]).
    AnnounceRejoin {
        /// Call.
        call: CallId,
        /// Our new id.
        id: PeerId,
    },
    /// The call's peer has a new signaling id: its messages come from, and ours go to,
    /// `peer` now.
    PeerRepaired {
        /// Call.
        call: CallId,
        /// The peer's new id.
        peer: PeerId,
    },
    /// Update our presence entry (`update {busy}`).
    SetBusy(bool),
    /// Tell the UI about an incoming call (ringing).
    IncomingCall {
        /// Call.
        call: CallId,
        /// Caller.
        peer: PeerId,
        /// Offered media.
        media: MediaKinds,
    },
    /// The call changed state.
    StateChanged {
        /// Call.
        call: CallId,
        /// Other side.
        peer: PeerId,
        /// Who called.
        direction: Direction,
        /// New state.
        state: CallState,
    },
    /// A user intent that makes no sense in the current state was ignored.
    IntentIgnored {
        /// Which intent.
        intent: &'static str,
        /// The state it arrived in.
        state: CallState,
    },
}
