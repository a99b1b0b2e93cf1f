//! The engine API's requests (call, accept, mute, switch a device, chat, ask for a
//! keyframe, ...).

use super::{random_call_id, Driver};
use crate::call::{Input, RejectReason};
use crate::engine::{Command, EngineErrorCode};
use crate::session::ControlMessage;

impl Driver {
    pub(super) async fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Call(peer, media, reply) => {
                let call = random_call_id();
                let _ = reply.send(call.clone());
                self.feed(Input::Call { peer, call, media }).await;
            }
            Command::Accept => self.feed(Input::Accept).await,
            Command::Reject => self.feed(Input::Reject(RejectReason::Declined)).await,
            Command::Cancel => self.feed(Input::Cancel).await,
            Command::Hangup => self.feed(Input::Hangup).await,
            Command::RestartIce => self.feed(Input::NetworkChanged).await,
            Command::MicMuted(m) => self.feed(Input::SetMicMuted(m)).await,
            Command::Camera(on) => self.feed(Input::SetCameraOn(on)).await,
            Command::SwitchCamera(source) => {
                self.config.video = source;
                if let Some(active) = &self.active {
                    if self.camera_on {
                        self.open_camera_into(&active.video).await;
                    }
                }
            }
            Command::SwitchMic(source) => {
                self.config.audio = source;
                if let Some(active) = &self.active {
                    self.switch_mic_in(&active.audio).await;
                }
            }
            Command::RequestKeyframe => {
                if let Some(active) = &self.active {
                    active.session.request_keyframe();
                }
            }
            Command::Chat(text) => match &self.active {
                Some(active) => {
                    if let Err(e) = active
                        .session
                        .send_control(&ControlMessage::Chat { text })
                        .await
                    {
                        self.error(EngineErrorCode::Chat, e.to_string());
                    }
                }
                None => self.error(EngineErrorCode::Chat, "no call in progress"),
            },
            Command::Shutdown(_) => {}
        }
    }
}
