//! Carrying out the call machine's actions.

use std::time::Instant;

use super::Driver;
use crate::call::{Action, CallState, EndReason, Input, Signal};
use crate::engine::{EngineErrorCode, EngineEvent};
use crate::session::ControlMessage;

impl Driver {
    pub(super) async fn execute(&mut self, action: Action) {
        if let Action::Send {
            signal: Signal::Hangup { .. },
            ..
        } = &action
        {
            // Over the data channel too (before the session closes), for when the
            // signaling server is gone.
            if let Some(active) = &self.active {
                active.session.send_hangup().await;
            }
        }
        match action {
            Action::Send { to, signal } => {
                let kind = signal.kind();
                tracing::debug!("send {kind}");
                if kind == "offer" {
                    self.metrics.offer(Instant::now());
                }
                self.metrics.sent(kind);
                let Some(client) = &self.client else {
                    self.error(
                        EngineErrorCode::Signaling,
                        format!("cannot send {kind}: not connected"),
                    );
                    return;
                };
                if let Err(e) = client.send(&to, signal).await {
                    self.error(EngineErrorCode::Signaling, format!("sending {kind}: {e}"));
                }
            }
            Action::OpenSession { call, role, .. } => self.open_session(call, role).await,
            Action::RestartIce => self.restart_ice(None).await,
            Action::ApplyRestartOffer { sdp } => self.restart_ice(Some(sdp)).await,
            Action::ApplyAnswer { sdp } => {
                if let Some(active) = &self.active {
                    if let Err(e) = active.session.apply_answer(sdp).await {
                        let call = active.call.clone();
                        self.pending.push_back(Input::SessionError {
                            call,
                            message: e.to_string(),
                        });
                    }
                }
            }
            Action::AddRemoteCandidate(candidate) => {
                if let Some(active) = &self.active {
                    if let Err(e) = active.session.add_remote_candidate(candidate).await {
                        tracing::debug!("remote candidate refused: {e}");
                    }
                }
            }
            Action::RemoteEndOfCandidates => {
                if let Some(active) = &self.active {
                    if let Err(e) = active.session.add_end_of_candidates().await {
                        tracing::debug!("remote end of candidates refused: {e}");
                    }
                }
            }
            Action::CloseSession => {
                if let Some(active) = self.active.take() {
                    self.unconnected_why = active.session.failure_reason();
                    active.session.close().await;
                }
            }
            Action::ApplyLocalMedia {
                mic_muted,
                camera_on,
            } => self.apply_local_media(mic_muted, camera_on).await,
            Action::AnnounceRejoin { call, id } => {
                let msg = ControlMessage::Rejoin {
                    call: call.0,
                    id: id.0,
                };
                match &self.active {
                    Some(active) => match active.session.send_control(&msg).await {
                        Ok(()) => tracing::info!("told the peer our new signaling id"),
                        Err(e) => tracing::warn!("could not tell the peer our new id: {e}"),
                    },
                    None => tracing::debug!("no session to announce our new id on"),
                }
            }
            Action::PeerRepaired { call, peer } => {
                tracing::info!("call {call} re-paired: the peer is {peer} now");
                self.emit(EngineEvent::CallRepaired { call, peer });
            }
            Action::SetBusy(busy) => {
                if let Some(client) = &self.client {
                    if let Err(e) = client.set_busy(busy).await {
                        tracing::debug!("presence update: {e}");
                    }
                }
            }
            Action::IncomingCall { call, peer, media } => {
                self.metrics.offer(Instant::now());
                self.emit(EngineEvent::IncomingCall { call, peer, media });
                self.pending
                    .extend(super::answer::reply(self.config.answer));
            }
            Action::StateChanged {
                call,
                peer,
                direction,
                state,
            } => {
                if state == CallState::Connected {
                    self.metrics.connected(Instant::now());
                }
                let why = self.unconnected_why.take();
                if let (CallState::Ended(EndReason::ConnectionFailed), Some(why)) = (&state, why) {
                    tracing::warn!("the call did not connect: {why}");
                    self.emit(EngineEvent::Error {
                        code: EngineErrorCode::Ice,
                        message: why.into(),
                    });
                }
                self.emit(EngineEvent::CallState {
                    call,
                    peer,
                    direction,
                    state,
                });
            }
            Action::IntentIgnored { intent, state } => {
                self.error(
                    EngineErrorCode::IntentIgnored,
                    format!("{intent} makes no sense in {state:?}"),
                );
            }
        }
    }

    /// Caller: makes the restart offer (`offer` is `None`); callee: answers the peer's.
    /// The description comes back to the machine as an input; a session that cannot
    /// restart ends the call.
    pub(super) async fn restart_ice(&mut self, offer: Option<String>) {
        let Some(active) = &self.active else {
            return;
        };
        let call = active.call.clone();
        tracing::info!(
            "ICE restart: {}",
            if offer.is_some() {
                "answering the peer's offer"
            } else {
                "offering"
            }
        );
        // The newest TURN credentials: the ones the call started with may have expired,
        // and the restart allocates its relay anew (`session/ice_servers.rs`).
        if let Err(e) = active.session.use_ice_servers(&self.ice_servers).await {
            tracing::warn!("ICE restart keeps the call's first ICE servers: {e}");
        }
        let input =
            match offer {
                None => active
                    .session
                    .restart_offer()
                    .await
                    .map(|sdp| Input::LocalRestartOffer {
                        call: call.clone(),
                        sdp,
                    }),
                Some(offer) => active.session.answer_restart(offer).await.map(|sdp| {
                    Input::LocalRestartAnswer {
                        call: call.clone(),
                        sdp,
                    }
                }),
            };
        self.pending
            .push_back(input.unwrap_or_else(|e| Input::SessionError {
                call,
                message: format!("ICE restart: {e}"),
            }));
    }
}
