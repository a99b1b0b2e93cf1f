//! Opening the camera and microphone, applying mute and camera changes, and opening the
//! peer session with them. Devices open on a blocking thread (a real camera can take a
//! second), never on the runtime's workers, which keep the sessions and signaling going.

use std::sync::{Arc, Mutex};

use peercall_media::audio::MicCapture;
use peercall_media::camera::CameraCapture;
use peercall_media::DeviceError;
use tokio::sync::mpsc;

use super::{Active, Driver};
use crate::call::{CallId, Direction, Input, SessionRole};
use crate::devices::{open_camera_showing, open_mic};
use crate::engine::EngineErrorCode;
use crate::session::{AudioSlot, ControlMessage, MediaIo, OpenRole, VideoSlot};
use crate::stats::Counters;

/// Runs a device's `open` on a blocking thread (a thread that died opening it is
/// [`DeviceError::Thread`]).
async fn off_task<T: Send + 'static>(
    open: impl FnOnce() -> Result<T, DeviceError> + Send + 'static,
) -> Result<T, DeviceError> {
    match tokio::task::spawn_blocking(open).await {
        Ok(opened) => opened,
        Err(e) => {
            tracing::warn!("the device opener thread failed: {e}");
            Err(DeviceError::Thread("device opener"))
        }
    }
}

impl Driver {
    /// The configured camera (`None`: none configured).
    async fn camera(&self) -> Result<Option<CameraCapture>, DeviceError> {
        let (source, video) = (self.config.video.clone(), self.config.session.video);
        let preview = self.config.video_sinks.preview.clone();
        off_task(move || open_camera_showing(&source, &video, preview)).await
    }

    /// The configured microphone (`None`: none configured).
    async fn mic(&self) -> Result<Option<MicCapture>, DeviceError> {
        let (source, voice) = (self.config.audio.clone(), self.voice.clone());
        off_task(move || open_mic(&source, voice.as_ref())).await
    }

    pub(super) async fn open_camera_into(&self, slot: &VideoSlot) {
        match self.camera().await {
            Ok(cam) => {
                if cam.is_some() {
                    self.metrics.camera_opened();
                }
                if let Ok(mut slot) = slot.lock() {
                    *slot = cam;
                }
            }
            Err(e) => self.error(EngineErrorCode::Camera, e.to_string()),
        }
    }

    /// The microphone source changed: the call in progress takes the new one.
    pub(super) async fn switch_mic_in(&self, slot: &AudioSlot) {
        match self.mic().await {
            Ok(mic) => {
                if let Ok(mut slot) = slot.lock() {
                    *slot = mic;
                }
            }
            Err(e) => self.error(EngineErrorCode::Microphone, e.to_string()),
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
                self.open_camera_into(&active.video).await;
            } else if let Ok(mut slot) = active.video.lock() {
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
        let camera = async {
            if self.camera_on {
                self.camera().await
            } else {
                Ok(None)
            }
        };
        let (camera, mic) = tokio::join!(camera, self.mic());
        let camera = camera.unwrap_or_else(|e| {
            self.error(EngineErrorCode::Camera, e.to_string());
            None
        });
        let mic = mic.unwrap_or_else(|e| {
            self.error(EngineErrorCode::Microphone, e.to_string());
            None
        });
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
        let (video, audio): (VideoSlot, AudioSlot) =
            (Arc::new(Mutex::new(camera)), Arc::new(Mutex::new(mic)));
        let media = MediaIo {
            video: video.clone(),
            audio: audio.clone(),
            remote_video: self.config.video_sinks.remote.clone(),
            remote_audio: self.remote_audio.clone(),
            speaker_delay: self.speaker_delay.clone(),
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
        match self
            .sessions
            .open(config, open_role, media, counters, tx)
            .await
        {
            Ok(session) => {
                session.set_mic_muted(self.mic_muted);
                self.active = Some(Active {
                    call,
                    direction,
                    session,
                    video,
                    audio,
                });
            }
            Err(e) => self.pending.push_back(Input::SessionError {
                call,
                message: e.to_string(),
            }),
        }
    }
}
