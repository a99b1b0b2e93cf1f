//! The call state machine itself: one call at a time, pure and clock-free.

mod busy;
mod repair;
mod restart;
mod signaling;

pub use busy::BUSY_REPLY_INTERVAL;

/// Remote candidates held for a call that rings (the rest are dropped).
pub const MAX_HELD_CANDIDATES: usize = 64;

use std::time::{Duration, Instant};

use super::io::{Action, Input, SessionRole};
use super::types::{
    CallId, CallState, Direction, EndReason, IceCandidate, MediaKinds, PeerId, RejectReason, Side,
    Signal,
};

/// Timing rules of the call state machine (all configurable, so tests use short ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallConfig {
    /// How long an unanswered offer rings at the callee before it sends `reject timeout`.
    pub ring_timeout: Duration,
    /// Extra time the caller waits beyond `ring_timeout` for the callee's answer or
    /// `reject timeout` before it gives up itself (sends `cancel`).
    pub caller_grace: Duration,
    /// How long after answer/accept ICE + DTLS may take before the call fails.
    pub connect_timeout: Duration,
    /// How long a disconnected call may stay in `Reconnecting` (while ICE restarts)
    /// before it ends: 7 s, of which the NAT lab's restarts took 0.4–2.5 s. With ICE's 2 s
    /// to notice silence, a dead peer is given up in 9 s (the goal is 10 s; `dead_peer` in
    /// the agent's tests measures it).
    pub reconnect_grace: Duration,
}

impl Default for CallConfig {
    fn default() -> Self {
        Self {
            ring_timeout: Duration::from_secs(30),
            caller_grace: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(20),
            reconnect_grace: Duration::from_secs(7),
        }
    }
}

/// The one call in progress.
#[derive(Debug)]
struct Call {
    id: CallId,
    peer: PeerId,
    direction: Direction,
    media: MediaKinds,
    /// Callee: the caller's offer, kept until accept.
    offer: Option<String>,
    /// Remote candidates held back until the session can take them.
    remote_candidates: Vec<IceCandidate>,
    remote_end_of_candidates: bool,
    /// The session exists and has its remote description (caller: answer applied,
    /// callee: opened with the offer), so remote candidates go straight to it.
    remote_ready: bool,
    /// Local candidates held back until our description (offer/answer) was sent.
    local_candidates: Vec<IceCandidate>,
    local_end_of_candidates: bool,
    /// Our offer (caller) or answer (callee) went out.
    local_sent: bool,
    session_open: bool,
    busy_announced: bool,
    deadline: Option<Instant>,
    restart: restart::Restart,
}

impl Call {
    fn new(id: CallId, peer: PeerId, direction: Direction, media: MediaKinds) -> Self {
        Self {
            id,
            peer,
            direction,
            media,
            offer: None,
            remote_candidates: Vec::new(),
            remote_end_of_candidates: false,
            remote_ready: false,
            local_candidates: Vec::new(),
            local_end_of_candidates: false,
            local_sent: false,
            session_open: false,
            busy_announced: false,
            deadline: None,
            restart: restart::Restart::default(),
        }
    }
}

/// The pure call state machine. Drive it with [`CallMachine::handle`] and carry out
/// the returned actions in order; feed [`Input::Tick`] at [`CallMachine::next_deadline`].
#[derive(Debug)]
pub struct CallMachine {
    config: CallConfig,
    state: CallState,
    call: Option<Call>,
    /// The id of the last call that ended, so its late messages (and a re-sent offer)
    /// are recognised as stale.
    last_call: Option<CallId>,
    mic_muted: bool,
    camera_on: bool,
    busy_replies: busy::BusyReplies,
}

impl CallMachine {
    /// A machine in `Idle` with these timings.
    #[must_use]
    pub fn new(config: CallConfig) -> Self {
        Self {
            config,
            state: CallState::Idle,
            call: None,
            last_call: None,
            mic_muted: false,
            camera_on: true,
            busy_replies: busy::BusyReplies::default(),
        }
    }

    /// Apply one input at time `now`; returns the actions to carry out, in order.
    pub fn handle(&mut self, input: Input, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Call { peer, call, media } => self.on_call(peer, call, media, now, &mut out),
            Input::Accept => self.on_accept(now, &mut out),
            Input::Reject(reason) => self.on_reject(reason, &mut out),
            Input::Cancel => self.on_cancel("cancel", &mut out),
            Input::Hangup => self.on_hangup(&mut out),
            Input::SetMicMuted(muted) => {
                self.mic_muted = muted;
                self.push_local_media(&mut out);
            }
            Input::SetCameraOn(on) => {
                self.camera_on = on;
                self.push_local_media(&mut out);
            }
            Input::Signal { from, signal } => self.on_signal(from, signal, now, &mut out),
            Input::PeerLeft(peer) => self.on_peer_left(&peer, &mut out),
            // Gone for good (the client gave up or was refused): no renegotiation, no
            // re-pairing can ever happen again, so even an established call ends.
            Input::SignalingLost => self.end(EndReason::SignalingLost, &mut out),
            Input::SignalingRenewed { id } => self.on_signaling_renewed(id, &mut out),
            Input::PeerRejoined { call, peer } => self.on_peer_rejoined(&call, peer, &mut out),
            Input::LocalOffer { call, sdp } => self.on_local_description(call, sdp, true, &mut out),
            Input::LocalAnswer { call, sdp } => {
                self.on_local_description(call, sdp, false, &mut out);
            }
            Input::NetworkChanged => self.on_network_changed(now, &mut out),
            Input::LocalRestartOffer { call, sdp } => {
                if self.is_current(&call) {
                    self.on_restart_description(sdp, true, &mut out);
                }
            }
            Input::LocalRestartAnswer { call, sdp } => {
                if self.is_current(&call) {
                    self.on_restart_description(sdp, false, &mut out);
                }
            }
            Input::LocalCandidate { call, candidate } => {
                self.on_local_candidate(call, Some(candidate), &mut out);
            }
            Input::LocalEndOfCandidates { call } => self.on_local_candidate(call, None, &mut out),
            Input::PeerConnected { call } => {
                if self.is_current(&call)
                    && matches!(self.state, CallState::Connecting | CallState::Reconnecting)
                {
                    self.set_deadline(None);
                    self.transition(CallState::Connected, &mut out);
                }
            }
            Input::PeerDisconnected { call } => {
                if self.is_current(&call) {
                    self.on_path_lost(now, &mut out);
                }
            }
            Input::PeerFailed { call } => {
                if self.is_current(&call) {
                    let reason = match self.state {
                        CallState::Connecting => EndReason::ConnectionFailed,
                        CallState::Connected | CallState::Reconnecting => EndReason::ConnectionLost,
                        _ => return out,
                    };
                    self.send_hangup(&mut out);
                    self.end(reason, &mut out);
                }
            }
            Input::SessionError { call, message } => {
                let open = self.call.as_ref().is_some_and(|c| c.session_open);
                if self.is_current(&call) && open {
                    self.send_goodbye(&mut out);
                    self.end(EndReason::SessionError(message), &mut out);
                }
            }
            Input::Tick => self.on_tick(now, &mut out),
        }
        out
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> &CallState {
        &self.state
    }

    /// The current call's id, if a call is in progress.
    #[must_use]
    pub fn call_id(&self) -> Option<&CallId> {
        self.call.as_ref().map(|c| &c.id)
    }

    /// The current call's peer, if a call is in progress.
    #[must_use]
    pub fn peer(&self) -> Option<&PeerId> {
        self.call.as_ref().map(|c| &c.peer)
    }

    /// When to feed the next [`Input::Tick`], if any timer runs.
    #[must_use]
    pub fn next_deadline(&self) -> Option<Instant> {
        self.call.as_ref().and_then(|c| c.deadline)
    }

    /// Whether a call is in progress (neither idle nor ended).
    #[must_use]
    pub fn is_active(&self) -> bool {
        !matches!(self.state, CallState::Idle | CallState::Ended(_))
    }

    // ---- user intents ----

    fn on_call(
        &mut self,
        peer: PeerId,
        id: CallId,
        media: MediaKinds,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        if self.is_active() {
            self.ignored("call", out);
            return;
        }
        let mut call = Call::new(id.clone(), peer.clone(), Direction::Outgoing, media);
        call.deadline = Some(now + self.config.ring_timeout + self.config.caller_grace);
        call.session_open = true;
        call.busy_announced = true;
        self.call = Some(call);
        out.push(Action::SetBusy(true));
        out.push(Action::OpenSession {
            call: id,
            peer,
            media,
            role: SessionRole::Caller,
        });
        self.push_local_media(out);
        self.transition(CallState::OutgoingRinging, out);
    }

    fn on_accept(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.state != CallState::IncomingRinging {
            self.ignored("accept", out);
            return;
        }
        let deadline = now + self.config.connect_timeout;
        let Some(call) = self.call.as_mut() else {
            return;
        };
        let role = SessionRole::Callee {
            offer: call.offer.take().unwrap_or_default(),
            candidates: std::mem::take(&mut call.remote_candidates),
            end_of_candidates: call.remote_end_of_candidates,
        };
        call.remote_ready = true;
        call.session_open = true;
        call.busy_announced = true;
        call.deadline = Some(deadline);
        let (id, peer, media) = (call.id.clone(), call.peer.clone(), call.media);
        out.push(Action::SetBusy(true));
        // The user sees "Connecting" first: opening the session waits for the camera and
        // microphone (up to seconds with PulseAudio), and the incoming-call dialog stayed
        // up that long after Accept was clicked.
        self.transition(CallState::Connecting, out);
        out.push(Action::OpenSession {
            call: id,
            peer,
            media,
            role,
        });
        self.push_local_media(out);
    }

    fn on_reject(&mut self, reason: RejectReason, out: &mut Vec<Action>) {
        if self.state != CallState::IncomingRinging {
            self.ignored("reject", out);
            return;
        }
        if let Some(call) = &self.call {
            out.push(Action::Send {
                to: call.peer.clone(),
                signal: Signal::Reject {
                    call: call.id.clone(),
                    reason,
                },
            });
        }
        self.end(EndReason::Declined(Side::Local), out);
    }

    fn on_cancel(&mut self, intent: &'static str, out: &mut Vec<Action>) {
        if self.state != CallState::OutgoingRinging {
            self.ignored(intent, out);
            return;
        }
        self.send_goodbye(out);
        self.end(EndReason::Cancelled(Side::Local), out);
    }

    fn on_hangup(&mut self, out: &mut Vec<Action>) {
        match self.state {
            CallState::OutgoingRinging => self.on_cancel("hangup", out),
            CallState::IncomingRinging => self.on_reject(RejectReason::Declined, out),
            CallState::Connecting | CallState::Connected | CallState::Reconnecting => {
                self.send_hangup(out);
                self.end(EndReason::HungUp(Side::Local), out);
            }
            CallState::Idle | CallState::Ended(_) => self.ignored("hangup", out),
        }
    }

    // ---- session events ----

    fn on_local_description(
        &mut self,
        id: CallId,
        sdp: String,
        is_offer: bool,
        out: &mut Vec<Action>,
    ) {
        if !self.is_current(&id) {
            return;
        }
        let expected = if is_offer {
            (CallState::OutgoingRinging, Direction::Outgoing)
        } else {
            (CallState::Connecting, Direction::Incoming)
        };
        let Some(call) = self.call.as_mut() else {
            return;
        };
        if self.state != expected.0 || call.direction != expected.1 || call.local_sent {
            return;
        }
        call.local_sent = true;
        let signal = if is_offer {
            Signal::Offer {
                call: id.clone(),
                sdp,
                media: call.media,
            }
        } else {
            Signal::Answer {
                call: id.clone(),
                sdp,
            }
        };
        out.push(Action::Send {
            to: call.peer.clone(),
            signal,
        });
        for candidate in std::mem::take(&mut call.local_candidates) {
            out.push(Action::Send {
                to: call.peer.clone(),
                signal: Signal::Candidate {
                    call: id.clone(),
                    candidate,
                },
            });
        }
        if call.local_end_of_candidates {
            out.push(Action::Send {
                to: call.peer.clone(),
                signal: Signal::EndOfCandidates { call: id },
            });
        }
    }

    fn on_local_candidate(
        &mut self,
        id: CallId,
        candidate: Option<IceCandidate>,
        out: &mut Vec<Action>,
    ) {
        if !self.is_current(&id) {
            return;
        }
        let Some(call) = self.call.as_mut() else {
            return;
        };
        if !call.session_open {
            return;
        }
        if !call.local_sent {
            match candidate {
                Some(c) => call.local_candidates.push(c),
                None => call.local_end_of_candidates = true,
            }
            return;
        }
        let signal = match candidate {
            Some(candidate) => Signal::Candidate {
                call: id,
                candidate,
            },
            None => Signal::EndOfCandidates { call: id },
        };
        out.push(Action::Send {
            to: call.peer.clone(),
            signal,
        });
    }

    // ---- timers ----

    fn on_tick(&mut self, now: Instant, out: &mut Vec<Action>) {
        let due = self
            .call
            .as_ref()
            .and_then(|c| c.deadline)
            .is_some_and(|d| d <= now);
        if !due || !self.is_active() {
            return;
        }
        match self.state {
            CallState::OutgoingRinging => {
                self.send_goodbye(out);
                self.end(EndReason::Timeout, out);
            }
            CallState::IncomingRinging => {
                if let Some(call) = &self.call {
                    out.push(Action::Send {
                        to: call.peer.clone(),
                        signal: Signal::Reject {
                            call: call.id.clone(),
                            reason: RejectReason::Timeout,
                        },
                    });
                }
                self.end(EndReason::Timeout, out);
            }
            CallState::Connecting => {
                self.send_hangup(out);
                self.end(EndReason::ConnectionFailed, out);
            }
            CallState::Reconnecting => {
                self.send_hangup(out);
                self.end(EndReason::ConnectionLost, out);
            }
            CallState::Connected | CallState::Idle | CallState::Ended(_) => {
                self.set_deadline(None);
            }
        }
    }

    // ---- helpers ----

    fn is_current(&self, id: &CallId) -> bool {
        self.is_active() && self.call.as_ref().is_some_and(|c| &c.id == id)
    }

    fn set_deadline(&mut self, deadline: Option<Instant>) {
        if let Some(call) = self.call.as_mut() {
            call.deadline = deadline;
        }
    }

    fn ignored(&self, intent: &'static str, out: &mut Vec<Action>) {
        out.push(Action::IntentIgnored {
            intent,
            state: self.state.clone(),
        });
    }

    fn push_local_media(&self, out: &mut Vec<Action>) {
        if self.call.as_ref().is_some_and(|c| c.session_open) && self.is_active() {
            out.push(Action::ApplyLocalMedia {
                mic_muted: self.mic_muted,
                camera_on: self.camera_on,
            });
        }
    }

    fn send_hangup(&self, out: &mut Vec<Action>) {
        if let Some(call) = &self.call {
            out.push(Action::Send {
                to: call.peer.clone(),
                signal: Signal::Hangup {
                    call: call.id.clone(),
                },
            });
        }
    }

    /// Leave the call politely in whatever phase it is: `cancel` for an offer that went
    /// out unanswered, `hangup` once answered, `reject` for an accepted call whose
    /// answer never went out, nothing if the peer never heard of it.
    fn send_goodbye(&self, out: &mut Vec<Action>) {
        let Some(call) = &self.call else {
            return;
        };
        let signal = match (call.direction, &self.state, call.local_sent) {
            (Direction::Outgoing, CallState::OutgoingRinging, true) => Signal::Cancel {
                call: call.id.clone(),
            },
            (Direction::Outgoing, CallState::OutgoingRinging, false) => return,
            (Direction::Incoming, CallState::IncomingRinging, _)
            | (Direction::Incoming, CallState::Connecting, false) => Signal::Reject {
                call: call.id.clone(),
                reason: RejectReason::Declined,
            },
            _ => Signal::Hangup {
                call: call.id.clone(),
            },
        };
        out.push(Action::Send {
            to: call.peer.clone(),
            signal,
        });
    }

    fn transition(&mut self, state: CallState, out: &mut Vec<Action>) {
        self.state = state.clone();
        if let Some(call) = &self.call {
            out.push(Action::StateChanged {
                call: call.id.clone(),
                peer: call.peer.clone(),
                direction: call.direction,
                state,
            });
        }
    }

    fn end(&mut self, reason: EndReason, out: &mut Vec<Action>) {
        let Some(call) = self.call.as_ref() else {
            return;
        };
        if call.session_open {
            out.push(Action::CloseSession);
        }
        if call.busy_announced {
            out.push(Action::SetBusy(false));
        }
        self.transition(CallState::Ended(reason), out);
        self.last_call = self.call.take().map(|c| c.id);
    }
}
