//! The closed sets of words in the UI's events and errors, as enums: specta exports each as a
//! string union in `ui/src/bindings.ts`, so the UI switches over them and its compiler
//! reports a missing case. The words on the wire are the kebab-case variant names.

use peercall_engine::call::{CallState, Direction, EndReason, Side};
use serde::Serialize;
use specta::Type;

/// The signaling connection's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionState {
    /// Finding or hosting the server, or joining it.
    Connecting,
    /// In the room.
    Online,
    /// Lost the server; the next attempt is due in `retryInMs`.
    Reconnecting,
    /// Not connected and not retrying: the detail says why and where to fix it.
    Offline,
}

/// A call's state as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum CallPhase {
    /// No call yet.
    Idle,
    /// We called; it rings on the other side.
    Outgoing,
    /// A call rings here.
    Incoming,
    /// Accepted; the peer connection is being set up.
    Connecting,
    /// Media flows.
    Connected,
    /// The connection dropped and is being restored.
    Reconnecting,
    /// Over: `endCode` and `endMessage` say why.
    Ended,
}

impl From<&CallState> for CallPhase {
    fn from(state: &CallState) -> Self {
        match state {
            CallState::Idle => Self::Idle,
            CallState::OutgoingRinging => Self::Outgoing,
            CallState::IncomingRinging => Self::Incoming,
            CallState::Connecting => Self::Connecting,
            CallState::Connected => Self::Connected,
            CallState::Reconnecting => Self::Reconnecting,
            CallState::Ended(_) => Self::Ended,
        }
    }
}

/// Who placed the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum CallDirection {
    /// This app called.
    Outgoing,
    /// The other side called.
    Incoming,
}

impl From<Direction> for CallDirection {
    fn from(direction: Direction) -> Self {
        match direction {
            Direction::Outgoing => Self::Outgoing,
            Direction::Incoming => Self::Incoming,
        }
    }
}

/// Why a call ended, as a stable code (the words for the user come with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum EndCode {
    /// We hung up.
    HangupLocal,
    /// They hung up.
    HangupRemote,
    /// We declined their call.
    DeclinedLocal,
    /// They declined ours.
    DeclinedRemote,
    /// They are in another call.
    Busy,
    /// Nobody answered in time.
    Timeout,
    /// We gave up our unanswered call.
    CancelledLocal,
    /// They gave up their call before we answered.
    CancelledRemote,
    /// The peer connection could not be made.
    ConnectionFailed,
    /// The peer connection dropped and did not come back.
    ConnectionLost,
    /// They left the room.
    PeerLeft,
    /// Our own server connection is gone for good.
    SignalingLost,
    /// The call's session failed.
    SessionError,
}

impl From<&EndReason> for EndCode {
    fn from(reason: &EndReason) -> Self {
        match reason {
            EndReason::HungUp(Side::Local) => Self::HangupLocal,
            EndReason::HungUp(Side::Remote) => Self::HangupRemote,
            EndReason::Declined(Side::Local) => Self::DeclinedLocal,
            EndReason::Declined(Side::Remote) => Self::DeclinedRemote,
            EndReason::Busy => Self::Busy,
            EndReason::Timeout => Self::Timeout,
            EndReason::Cancelled(Side::Local) => Self::CancelledLocal,
            EndReason::Cancelled(Side::Remote) => Self::CancelledRemote,
            EndReason::ConnectionFailed => Self::ConnectionFailed,
            EndReason::ConnectionLost => Self::ConnectionLost,
            EndReason::PeerLeft => Self::PeerLeft,
            EndReason::SignalingLost => Self::SignalingLost,
            EndReason::SessionError(_) => Self::SessionError,
        }
    }
}

/// What an in-call notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeCode {
    /// The server refused a message.
    Server,
    /// The server dropped a message because we sent too many.
    RateLimited,
    /// Not connected to the server right now.
    Signaling,
    /// The camera could not be opened.
    Camera,
    /// The microphone could not be opened.
    Microphone,
    /// A chat line could not be sent.
    Chat,
    /// The call could not connect; the message says why.
    Ice,
    /// Anything else that went wrong in the call.
    Other,
}

/// The kind of an ICE candidate on the call's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum CandidateKind {
    /// A local interface address.
    Host,
    /// The address a STUN server saw.
    Srflx,
    /// An address the peer saw.
    Prflx,
    /// A TURN relay.
    Relay,
}

impl CandidateKind {
    /// The kind from its SDP word; `None` for a word this app does not know.
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "host" => Some(Self::Host),
            "srflx" => Some(Self::Srflx),
            "prflx" => Some(Self::Prflx),
            "relay" => Some(Self::Relay),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word<T: Serialize>(value: T) -> String {
        serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    #[test]
    fn call_states_keep_the_words_the_ui_knows() {
        for (state, want) in [
            (CallState::Idle, "idle"),
            (CallState::OutgoingRinging, "outgoing"),
            (CallState::IncomingRinging, "incoming"),
            (CallState::Connecting, "connecting"),
            (CallState::Connected, "connected"),
            (CallState::Reconnecting, "reconnecting"),
            (CallState::Ended(EndReason::Busy), "ended"),
        ] {
            assert_eq!(word(CallPhase::from(&state)), want, "{state:?}");
        }
        assert_eq!(word(CallDirection::from(Direction::Outgoing)), "outgoing");
        assert_eq!(word(CallDirection::from(Direction::Incoming)), "incoming");
        assert_eq!(word(ConnectionState::Reconnecting), "reconnecting");
    }

    #[test]
    fn end_codes_match_the_engines_codes_but_name_the_side_that_declined() {
        for reason in [
            EndReason::HungUp(Side::Local),
            EndReason::HungUp(Side::Remote),
            EndReason::Declined(Side::Local),
            EndReason::Busy,
            EndReason::Timeout,
            EndReason::Cancelled(Side::Local),
            EndReason::Cancelled(Side::Remote),
            EndReason::ConnectionFailed,
            EndReason::ConnectionLost,
            EndReason::PeerLeft,
            EndReason::SignalingLost,
            EndReason::SessionError("x".into()),
        ] {
            assert_eq!(word(EndCode::from(&reason)), reason.code(), "{reason:?}");
        }
        assert_eq!(
            word(EndCode::from(&EndReason::Declined(Side::Remote))),
            "declined-remote"
        );
    }

    #[test]
    fn candidate_kinds_parse_their_sdp_words() {
        for kind in ["host", "srflx", "prflx", "relay"] {
            assert_eq!(CandidateKind::parse(kind).map(word).as_deref(), Some(kind));
        }
        assert_eq!(CandidateKind::parse("mdns"), None);
    }
}
