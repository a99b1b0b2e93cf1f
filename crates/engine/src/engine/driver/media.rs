//! Opening the camera and microphone, applying mute and camera changes, and opening the
//! peer session with them.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::{Active, Driver};
use crate::call::{CallId, Direction, Input, SessionRole};
use crate::devices::{open_camera, open_mic};
use crate::session::{ControlMessage, MediaIo, OpenRole, PeerSession};
use crate::stats::Counters;

impl Driver {
    pub(super) fn open_camera_into(&self, session: &PeerSession) {
        match open_camera(&self.config.video, &self.config.session.video) {
            Ok(cam) => {
                if cam.is_some() {
                    self.metrics.camera_opened();
                }
                if let Ok(mut slot) = session.video_slot().lock() {
                    *slot = cam;
                }
            }
            Err(e) => self.error("camera", e.to_string()),
        }
    }

    pub(super) async fn apply_local_media(&mut self, mic_muted: bool, camera_on: bool) {
        self.mic_muted = mic_muted;
        let camera_changed = self.camera_on != camera_on;
        self.camera_on = camera_on;
        let Some(active) = &self.active else {
            return;
        };
        active.session.set_mic_muted(mic_muted);
        if camera_changed {
            if camera_on {
                self.open_camera_into(&active.session);
            } else if let Ok(mut slot) = active.session.video_slot().lock() {
                slot.take();
            }
        }
        let msg = ControlMessage::Media {
            mic_muted,
            camera_on,
        };
        if let Err(e) = active.session.send_control(&msg).await {
            tracing::debug!("control message not sent (channel not open yet): {e}");
        }
    }

    pub(super) async fn open_session(&mut self, call: CallId, role: SessionRole) {
        let camera = if self.camera_on {
            match open_camera(&self.config.video, &self.config.session.video) {
                Ok(c) => c,
                Err(e) => {
                    self.error("camera", e.to_string());
                    None
                }
            }
        } else {
            None
        };
        let mic = match open_mic(&self.config.audio, self.voice.as_ref()) {
            Ok(m) => m,
            Err(e) => {
                self.error("microphone", e.to_string());
                None
            }
        };
        self.metrics.opened(camera.is_some(), mic.is_some());
        let counters = Arc::new(Counters::default());
        if let Ok(mut slot) = self.counters.lock() {
            *slot = counters.clone();
        }
        let (direction, open_role) = match role {
            SessionRole::Caller => (Direction::Outgoing, OpenRole::Caller),
            SessionRole::Callee {
                offer,
                candidates,
                end_of_candidates,
            } => (
                Direction::Incoming,
                OpenRole::Callee {
                    offer,
                    candidates,
                    end_of_candidates,
                },
            ),
        };
        let media = MediaIo {
            video: Arc::new(Mutex::new(camera)),
            audio: Arc::new(Mutex::new(mic)),
            preview: self.preview.clone(),
            remote_video: self.remote_video.clone(),
            remote_audio: self.remote_audio.clone(),
        };
        let mut config = self.config.session.clone();
        config.ice_servers = self.ice_servers.clone();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let forward = self.session_tx.clone();
        let tagged = call.clone();
        tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                if forward.send((tagged.clone(), ev)).is_err() {
                    return;
                }
            }
        });
        match PeerSession::open(config, open_role, media, counters, tx).await {
            Ok(session) => {
                session.set_mic_muted(self.mic_muted);
                self.active = Some(Active {
                    call,
                    direction,
                    session,
                });
            }
            Err(e) => self.pending.push_back(Input::SessionError {
                call,
                message: e.to_string(),
            }),
        }
    }
}
