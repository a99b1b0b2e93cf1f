//! What the peer session reports: its descriptions and candidates go to the machine,
//! its data-channel messages and stats to the app.

use std::time::Instant;

use super::Driver;
use crate::call::{CallId, Direction, Input, PeerId, Signal};
use crate::engine::media_gate::{MediaGate, RemoteMedia};
use crate::engine::path_check::SelectedPath;
use crate::engine::EngineEvent;
use crate::session::{ControlMessage, SessionEvent};

impl Driver {
    pub(super) async fn on_session_event(&mut self, call: CallId, ev: SessionEvent) {
        let Some(active) = self.active.as_ref().filter(|a| a.call == call) else {
            return; // an event of a session already closed
        };
        if !matches!(ev, SessionEvent::Stats(_)) {
            tracing::debug!("session event {ev:?}");
        }
        let input = match ev {
            SessionEvent::LocalDescription(sdp) => match active.direction {
                Direction::Outgoing => Input::LocalOffer { call, sdp },
                Direction::Incoming => Input::LocalAnswer { call, sdp },
            },
            SessionEvent::LocalCandidate(candidate) => Input::LocalCandidate { call, candidate },
            SessionEvent::EndOfCandidates => Input::LocalEndOfCandidates { call },
            SessionEvent::Connected => {
                if let Err(e) = active.session.start_media().await {
                    Input::SessionError {
                        call,
                        message: e.to_string(),
                    }
                } else {
                    Input::PeerConnected { call }
                }
            }
            SessionEvent::Disconnected => Input::PeerDisconnected { call },
            // Why it failed is told when the call ends (`actions.rs`, `CloseSession`).
            SessionEvent::Failed => Input::PeerFailed { call },
            SessionEvent::Error(cause) => Input::SessionError {
                call,
                message: cause.to_string(),
            },
            SessionEvent::ChannelOpen => {
                // A new call's channel: its peer's state is news even if it equals the last call's.
                self.remote_media = MediaGate::new(Instant::now());
                let msg = ControlMessage::Media {
                    mic_muted: self.mic_muted,
                    camera_on: self.camera_on,
                };
                if let Err(e) = active.session.send_control(&msg).await {
                    tracing::debug!("control message: {e}");
                }
                return;
            }
            SessionEvent::Control(ControlMessage::Chat { text }) => {
                if let Some(text) = self.chat.admit(text, Instant::now()) {
                    self.emit(EngineEvent::Chat { text });
                }
                return;
            }
            SessionEvent::Control(ControlMessage::Media {
                mic_muted,
                camera_on,
            }) => {
                let state = RemoteMedia {
                    mic_muted,
                    camera_on,
                };
                if let Some(state) = self.remote_media.admit(state, Instant::now()) {
                    self.emit_remote_media(state);
                }
                return;
            }
            // The peer hung up over the data channel (its own DTLS-authenticated path, so
            // it is the call's peer): as its signaling `hangup`, which may never come when
            // the server is gone. Whichever arrives second is ignored.
            SessionEvent::Control(ControlMessage::Hangup) => match self.machine.peer() {
                Some(from) => Input::Signal {
                    from: from.clone(),
                    signal: Signal::Hangup { call },
                },
                None => return,
            },
            SessionEvent::Control(ControlMessage::Rejoin { call: named, id }) => {
                Input::PeerRejoined {
                    call: CallId(named),
                    peer: PeerId(id),
                }
            }
            SessionEvent::ControlDropped { total } => {
                tracing::warn!(dropped = total, "the peer floods the data channel");
                self.emit(EngineEvent::DataChannelFlood { dropped: total });
                return;
            }
            SessionEvent::FirstRemoteFrame => {
                self.metrics.first_frame(Instant::now());
                self.emit(EngineEvent::FirstRemoteFrame);
                return;
            }
            SessionEvent::Stats(stats) => {
                let path = SelectedPath::from_stats(&stats).map(|p| (active.call.clone(), p));
                if path != self.path {
                    if let Some((_, p)) = &path {
                        tracing::info!(path = ?p, "the call's selected path");
                    }
                    self.path = path;
                }
                if let Some(state) = self.remote_media.flush() {
                    self.emit_remote_media(state);
                }
                self.emit(EngineEvent::Stats(stats));
                return;
            }
        };
        self.feed(input).await;
    }

    fn emit_remote_media(&self, state: RemoteMedia) {
        self.emit(EngineEvent::RemoteMedia {
            mic_muted: state.mic_muted,
            camera_on: state.camera_on,
        });
    }
}
