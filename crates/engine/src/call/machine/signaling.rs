//! Signaling input of the call state machine: offers (new calls, busy, glare),
//! answers, rejects, cancels, candidates and hangups.

use std::time::Instant;

use super::{Call, CallMachine, MAX_HELD_CANDIDATES};
use crate::call::io::Action;
use crate::call::types::{
    CallId, CallState, Direction, EndReason, IceCandidate, MediaKinds, PeerId, RejectReason, Side,
    Signal,
};

impl CallMachine {
    // ---- signaling ----

    pub(super) fn on_signal(
        &mut self,
        from: PeerId,
        signal: Signal,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        if let Signal::Offer { call, sdp, media } = signal {
            self.on_offer(from, call, sdp, media, now, out);
            return;
        }
        let is_ours = self
            .call
            .as_ref()
            .is_some_and(|c| &c.id == signal.call() && c.peer == from);
        if !is_ours || !self.is_active() {
            return; // stale: another call, another sender, or a call already over
        }
        let direction = self.call.as_ref().map(|c| c.direction);
        match signal {
            Signal::Offer { .. } => {}
            Signal::Answer { sdp, .. } => {
                if self.state != CallState::OutgoingRinging {
                    return;
                }
                let Some(call) = self.call.as_mut() else {
                    return;
                };
                if !call.local_sent {
                    return;
                }
                call.remote_ready = true;
                call.deadline = Some(now + self.config.connect_timeout);
                out.push(Action::ApplyAnswer { sdp });
                for c in std::mem::take(&mut call.remote_candidates) {
                    out.push(Action::AddRemoteCandidate(c));
                }
                if call.remote_end_of_candidates {
                    out.push(Action::RemoteEndOfCandidates);
                }
                self.transition(CallState::Connecting, out);
            }
            Signal::Reject { reason, .. } => {
                if self.state == CallState::OutgoingRinging {
                    let reason = match reason {
                        RejectReason::Declined => EndReason::Declined(Side::Remote),
                        RejectReason::Busy => EndReason::Busy,
                        RejectReason::Timeout => EndReason::Timeout,
                    };
                    self.end(reason, out);
                }
            }
            Signal::Cancel { .. } => {
                if direction == Some(Direction::Incoming)
                    && matches!(
                        self.state,
                        CallState::IncomingRinging | CallState::Connecting
                    )
                {
                    self.end(EndReason::Cancelled(Side::Remote), out);
                }
            }
            Signal::Candidate { candidate, .. } => self.on_remote_candidate(Some(candidate), out),
            Signal::EndOfCandidates { .. } => self.on_remote_candidate(None, out),
            Signal::Renegotiate { sdp, kind, .. } => self.on_renegotiate(sdp, kind, now, out),
            Signal::RestartIce { .. } => self.on_restart_asked(now, out),
            Signal::Hangup { .. } => {
                let reason = if self.state == CallState::IncomingRinging {
                    EndReason::Cancelled(Side::Remote)
                } else {
                    EndReason::HungUp(Side::Remote)
                };
                self.end(reason, out);
            }
        }
    }

    fn on_offer(
        &mut self,
        from: PeerId,
        id: CallId,
        sdp: String,
        media: MediaKinds,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        if !self.is_active() {
            if self.last_call.as_ref() == Some(&id) {
                return; // a duplicate of the call that just ended
            }
            let mut call = Call::new(id.clone(), from.clone(), Direction::Incoming, media);
            call.offer = Some(sdp);
            call.deadline = Some(now + self.config.ring_timeout);
            self.call = Some(call);
            out.push(Action::IncomingCall {
                call: id,
                peer: from,
                media,
            });
            self.transition(CallState::IncomingRinging, out);
            return;
        }
        let Some(current) = self.call.as_ref() else {
            return;
        };
        if current.id == id {
            return; // duplicate offer
        }
        let glare = self.state == CallState::OutgoingRinging && current.peer == from;
        if !glare {
            if !self.busy_replies.allow(&from, now) {
                return; // answered busy a moment ago; a flood gets no flood back
            }
            out.push(Action::Send {
                to: from,
                signal: Signal::Reject {
                    call: id,
                    reason: RejectReason::Busy,
                },
            });
            return;
        }
        // Glare: both called each other. The call with the smaller id wins on both
        // sides; the loser drops its own call and answers the winner's at once (its
        // user already asked for a call with this peer, which is consent).
        if id > current.id {
            return; // we win; the other side yields and answers our offer
        }
        self.send_goodbye(out);
        out.push(Action::CloseSession);
        let mut call = Call::new(id, from, Direction::Incoming, media);
        call.offer = Some(sdp);
        call.busy_announced = true; // already announced by our own outgoing call
        self.call = Some(call);
        self.state = CallState::IncomingRinging;
        // Accept re-announces busy; drop the duplicate.
        let mut accepted = Vec::new();
        self.on_accept(now, &mut accepted);
        out.extend(
            accepted
                .into_iter()
                .filter(|a| !matches!(a, Action::SetBusy(true))),
        );
    }

    fn on_remote_candidate(&mut self, candidate: Option<IceCandidate>, out: &mut Vec<Action>) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        match (call.remote_ready, candidate) {
            (true, Some(c)) => out.push(Action::AddRemoteCandidate(c)),
            (true, None) => out.push(Action::RemoteEndOfCandidates),
            // Held until accept; a real peer has a few dozen at most, so a flood of
            // them cannot grow this while the call rings.
            (false, Some(c)) if call.remote_candidates.len() < MAX_HELD_CANDIDATES => {
                call.remote_candidates.push(c)
            }
            (false, Some(_)) => {}
            (false, None) => call.remote_end_of_candidates = true,
        }
    }
}
