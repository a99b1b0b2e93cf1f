//! ICE restart of an established call: when the path drops (ICE `disconnected`) or our
//! own addresses change, the caller offers fresh ICE credentials through signaling
//! (`renegotiate`, role `offer`), the callee answers (`renegotiate`, role `answer`), both
//! gather again on the interfaces there are now and the call comes back: `Reconnecting`,
//! then `Connected`, instead of ending.
//!
//! Only the caller offers, so the two sides never offer at once (no glare, no rollback).
//! When the callee's own network changes it asks the caller to restart (`restart-ice`)
//! instead of waiting for the caller to notice a dead path (ICE `disconnected`, 2 s).

use std::time::Instant;

use super::CallMachine;
use crate::call::io::Action;
use crate::call::types::{CallState, Direction, SdpKind, Signal};

/// Where the call's ICE restart stands.
#[derive(Debug, Default)]
pub(super) struct Restart {
    /// Caller: our restart offer is being made or went out, and its answer has not come.
    offering: bool,
    /// Caller: another restart was asked for meanwhile (the network changed again).
    again: bool,
    /// Callee: answering the peer's offer; the answer has not gone out yet.
    answering: bool,
}

impl CallMachine {
    /// Our addresses or default route changed: the caller restarts at once (a path that
    /// still works comes back as `Connected` after the restart's checks); the callee
    /// asks the caller to.
    pub(super) fn on_network_changed(&mut self, now: Instant, out: &mut Vec<Action>) {
        if !matches!(self.state, CallState::Connected | CallState::Reconnecting) {
            return;
        }
        let Some(call) = self.call.as_ref() else {
            return;
        };
        if call.direction == Direction::Outgoing {
            self.enter_reconnecting(now, out);
            self.restart_ice(out);
        } else {
            out.push(Action::Send {
                to: call.peer.clone(),
                signal: Signal::RestartIce {
                    call: call.id.clone(),
                },
            });
        }
    }

    /// The callee asks for a restart (its network changed).
    pub(super) fn on_restart_asked(&mut self, now: Instant, out: &mut Vec<Action>) {
        let caller = self
            .call
            .as_ref()
            .is_some_and(|c| c.direction == Direction::Outgoing);
        if caller && matches!(self.state, CallState::Connected | CallState::Reconnecting) {
            self.enter_reconnecting(now, out);
            self.restart_ice(out);
        }
    }

    /// ICE reports `disconnected` on an established call.
    pub(super) fn on_path_lost(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.state == CallState::Connected {
            self.enter_reconnecting(now, out);
            self.restart_ice(out);
        }
    }

    /// A `renegotiate` from the call's peer (already checked to be ours and current).
    pub(super) fn on_renegotiate(
        &mut self,
        sdp: String,
        kind: SdpKind,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        if !matches!(self.state, CallState::Connected | CallState::Reconnecting) {
            return;
        }
        let Some(call) = self.call.as_mut() else {
            return;
        };
        match kind {
            SdpKind::Offer => {
                if call.restart.offering {
                    return; // ours stands: the peer answers it
                }
                call.restart.answering = true;
                // Our candidates of the new generation wait for the answer; the peer's
                // follow its offer and go straight to the session.
                call.local_sent = false;
                call.local_candidates.clear();
                call.local_end_of_candidates = false;
                out.push(Action::ApplyRestartOffer { sdp });
                self.enter_reconnecting(now, out);
            }
            SdpKind::Answer => {
                if !call.restart.offering || !call.local_sent {
                    return; // no offer of ours is waiting for it
                }
                call.restart.offering = false;
                call.remote_ready = true;
                out.push(Action::ApplyAnswer { sdp });
                for c in std::mem::take(&mut call.remote_candidates) {
                    out.push(Action::AddRemoteCandidate(c));
                }
                if std::mem::take(&mut call.remote_end_of_candidates) {
                    out.push(Action::RemoteEndOfCandidates);
                }
                if std::mem::take(&mut call.restart.again) {
                    self.restart_ice(out);
                }
            }
        }
    }

    /// The session made our restart offer (`is_offer`) or the answer to the peer's.
    pub(super) fn on_restart_description(
        &mut self,
        sdp: String,
        is_offer: bool,
        out: &mut Vec<Action>,
    ) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        let expected = if is_offer {
            call.restart.offering
        } else {
            std::mem::take(&mut call.restart.answering)
        };
        if !expected || call.local_sent {
            return;
        }
        call.local_sent = true;
        let kind = if is_offer {
            SdpKind::Offer
        } else {
            SdpKind::Answer
        };
        let (id, peer) = (call.id.clone(), call.peer.clone());
        out.push(Action::Send {
            to: peer.clone(),
            signal: Signal::Renegotiate {
                call: id.clone(),
                sdp,
                kind,
            },
        });
        for candidate in std::mem::take(&mut call.local_candidates) {
            out.push(Action::Send {
                to: peer.clone(),
                signal: Signal::Candidate {
                    call: id.clone(),
                    candidate,
                },
            });
        }
        if std::mem::take(&mut call.local_end_of_candidates) {
            out.push(Action::Send {
                to: peer,
                signal: Signal::EndOfCandidates { call: id },
            });
        }
    }

    fn enter_reconnecting(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.state == CallState::Connected {
            self.set_deadline(Some(now + self.config.reconnect_grace));
            self.transition(CallState::Reconnecting, out);
        }
    }

    /// Caller: ask the session for a restart offer (once at a time).
    pub(super) fn restart_ice(&mut self, out: &mut Vec<Action>) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        if call.direction != Direction::Outgoing {
            return;
        }
        if call.restart.offering {
            call.restart.again = true;
            return;
        }
        call.restart.offering = true;
        // Candidates of the new generation: ours wait for the offer to go out, the
        // peer's for its answer to be applied.
        call.local_sent = false;
        call.local_candidates.clear();
        call.local_end_of_candidates = false;
        call.remote_ready = false;
        call.remote_candidates.clear();
        call.remote_end_of_candidates = false;
        out.push(Action::RestartIce);
    }
}
