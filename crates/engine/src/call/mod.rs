//! The call state machine: pure, no sockets, no clock of its own.
//!
//! [`CallMachine::handle`]`(input, now) -> Vec<Action>` is the whole interface. The
//! driver (the engine) turns signaling messages, session events, user
//! intents and timer wake-ups into [`Input`]s and carries out the returned
//! [`Action`]s in order. It asks [`CallMachine::next_deadline`] when to feed
//! [`Input::Tick`].
//!
//! # Inputs, by source
//!
//! **User intents**
//! - [`Input::Call`] — place a call (the engine picks a random call id).
//! - [`Input::Accept`] — accept the ringing incoming call.
//! - [`Input::Reject`] — decline it (`declined`, or `busy` for a busy-bot).
//! - [`Input::Cancel`] — give up an unanswered outgoing call.
//! - [`Input::Hangup`] — end the call (acts as cancel / reject while ringing).
//! - [`Input::SetMicMuted`], [`Input::SetCameraOn`] — local media state.
//!
//! **Signaling messages** (relayed `signal` data, always with the server-stamped sender)
//! - [`Input::Signal`] carrying [`Signal::Offer`], [`Signal::Answer`], [`Signal::Reject`]
//!   (`declined` / `busy` / `timeout`), [`Signal::Cancel`], [`Signal::Candidate`],
//!   [`Signal::EndOfCandidates`], [`Signal::Hangup`].
//! - [`Input::PeerLeft`] — presence `peer-left`.
//! - [`Input::SignalingLost`] — our own server connection is gone for good.
//!
//! **Peer-connection (session) events**, each tagged with its call id
//! - [`Input::LocalOffer`], [`Input::LocalAnswer`] — local description ready.
//! - [`Input::LocalCandidate`], [`Input::LocalEndOfCandidates`] — trickle ICE out.
//! - [`Input::PeerConnected`], [`Input::PeerDisconnected`], [`Input::PeerFailed`] —
//!   ICE/DTLS state.
//! - [`Input::SessionError`] — the session cannot go on.
//!
//! **Timers**
//! - [`Input::Tick`] — fires whichever deadline is due: ring timeout (callee: 30 s then
//!   `reject timeout`; caller: ring timeout plus a grace, then `cancel`), connect
//!   timeout, reconnect grace.
//!
//! # Rules
//! - **Consent**: while ringing, the callee opens no session and no device and sends
//!   nothing for the call but `reject`; the caller's candidates are buffered and
//!   handed to the session when the user accepts.
//! - **Busy**: an offer for another call while a call is in progress is answered
//!   `reject busy` without asking the user — at most once per peer per
//!   [`BUSY_REPLY_INTERVAL`], so a burst of offers cannot make us flood the server.
//! - **Glare**: both call each other at once; the call with the smaller call id wins
//!   on both sides, the other side drops its own call and answers the winner's.
//! - **Stale messages**: anything for another call id, from another sender, or for a
//!   call that has ended is ignored; duplicates are ignored.
//! - Session events for a call that is no longer current are ignored.
//!
//! The full diagram is in `docs/call-states.md`.

mod io;
mod machine;
mod types;

pub use io::{Action, Input, SessionRole};
pub use machine::{CallConfig, CallMachine, BUSY_REPLY_INTERVAL, MAX_HELD_CANDIDATES};
pub use types::{
    CallId, CallState, Direction, EndReason, IceCandidate, MediaKinds, PeerId, RejectReason,
    SdpKind, Side, Signal,
};
