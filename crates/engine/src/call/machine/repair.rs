//! Keeping an established call through a loss of signaling, and re-pairing it.
//!
//! Media, hang-up and mute state travel peer to peer once a call is established, so
//! losing the signaling server does not end it. When a side's signaling client comes back
//! with a fresh identity (the server restarted, or the app hosting it quit and another
//! took over), the call's peer knows it by an id that no longer exists; the side says its
//! new id over the call's data channel, keyed by the call id both know
//! ([`Action::AnnounceRejoin`] → the peer's [`Input::PeerRejoined`]), and signaling for
//! the call (ICE restarts, the hang-up through the server) works again.
//!
//! A call still being set up (ringing, connecting) has no data channel to re-pair over
//! and needs signaling to finish: it ends as before (`SignalingLost`, `PeerLeft`).

use super::restart::Restart;
use super::CallMachine;
use crate::call::io::Action;
use crate::call::types::{CallId, CallState, Direction, EndReason, PeerId, Signal};

impl CallMachine {
    /// Whether the call is established (its data channel is the way to re-pair).
    fn is_established(&self) -> bool {
        matches!(self.state, CallState::Connected | CallState::Reconnecting)
    }

    /// `peer-left` (or `unknown-peer`) for the call's peer: a call being set up ends; an
    /// established one goes on (its media decides: a peer that is really gone is noticed
    /// by consent freshness) and waits for the peer to say where it is now.
    pub(super) fn on_peer_left(&mut self, peer: &PeerId, out: &mut Vec<Action>) {
        let ours = self.call.as_ref().is_some_and(|c| &c.peer == peer);
        if ours && self.is_active() && !self.is_established() {
            self.end(EndReason::PeerLeft, out);
        }
    }

    /// Our signaling client came back with a fresh id `id`.
    pub(super) fn on_signaling_renewed(&mut self, id: PeerId, out: &mut Vec<Action>) {
        if !self.is_established() {
            self.end(EndReason::SignalingLost, out);
            return;
        }
        let Some(call) = self.call.as_ref() else {
            return;
        };
        out.push(Action::AnnounceRejoin {
            call: call.id.clone(),
            id,
        });
        if call.busy_announced {
            out.push(Action::SetBusy(true)); // our new presence entry starts not busy
        }
        self.restart_again(out);
    }

    /// The peer says its signaling id is now `peer`.
    pub(super) fn on_peer_rejoined(&mut self, id: &CallId, peer: PeerId, out: &mut Vec<Action>) {
        if !self.is_current(id) || !self.is_established() {
            return;
        }
        let Some(call) = self.call.as_mut() else {
            return;
        };
        if call.peer == peer {
            return; // a duplicate
        }
        call.peer = peer.clone();
        out.push(Action::PeerRepaired {
            call: id.clone(),
            peer,
        });
        self.restart_again(out);
    }

    /// Signaling for the call is back (our new id, or the peer's): an ICE restart under
    /// way lost its messages with the old identity, so it is forgotten (its answer will
    /// never come, and would hold up every later restart) and, while the path is down,
    /// starts over — the caller offers anew, the callee asks the caller again.
    fn restart_again(&mut self, out: &mut Vec<Action>) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        call.restart = Restart::default();
        if self.state != CallState::Reconnecting {
            return;
        }
        match call.direction {
            Direction::Outgoing => self.restart_ice(out),
            Direction::Incoming => out.push(Action::Send {
                to: call.peer.clone(),
                signal: Signal::RestartIce {
                    call: call.id.clone(),
                },
            }),
        }
    }
}
