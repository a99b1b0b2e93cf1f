//! The shell's state, in one place: the frame bridge and the settings dialog's live checks.
//! (The call engine joins it when calls land.)

use std::sync::Mutex;

use peercall_bridge::FrameBridge;
use peercall_engine::Engine;

use crate::devices_check::{MicMeter, Preview, Ringtone};
use crate::local_server::{self, LocalSignaling};
use crate::AppError;

pub struct AppState {
    pub bridge: FrameBridge,
    preview: Mutex<Option<Preview>>,
    mic_meter: Mutex<Option<MicMeter>>,
    engine: Mutex<Option<Engine>>,
    /// Bumped by every `set_engine`: an engine's event task knows whether it is still current.
    engine_generation: std::sync::atomic::AtomicU64,
    ringtone: Mutex<Option<Ringtone>>,
    /// The local signaling server found or hosted on first use (kept for the app's life).
    local: tokio::sync::Mutex<Option<LocalSignaling>>,
}

impl AppState {
    pub fn new(bridge: FrameBridge) -> Self {
        Self {
            bridge,
            preview: Mutex::new(None),
            mic_meter: Mutex::new(None),
            engine: Mutex::new(None),
            engine_generation: std::sync::atomic::AtomicU64::new(0),
            ringtone: Mutex::new(None),
            local: tokio::sync::Mutex::new(None),
        }
    }

    /// The running engine, or `NotConnected`.
    pub fn engine(&self) -> Result<Engine, AppError> {
        self.engine
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(AppError::NotConnected)
    }

    /// Makes `engine` the current one; returns its generation (see [`AppState::is_current`]).
    pub fn set_engine(&self, engine: Engine) -> u64 {
        let mut slot = self.engine.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some(engine);
        self.engine_generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1
    }

    /// Whether the engine of `generation` is still the current one (a reconnect from the
    /// settings replaces it, and the old one's late `Closed` must not turn the status offline).
    pub fn is_current(&self, generation: u64) -> bool {
        self.engine_generation
            .load(std::sync::atomic::Ordering::SeqCst)
            == generation
    }

    pub fn take_engine(&self) -> Option<Engine> {
        self.engine.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Where the local-network default connects (finding or hosting the server once).
    pub async fn local_server(
        &self,
    ) -> Result<tokio::sync::MappedMutexGuard<'_, LocalSignaling>, String> {
        let mut slot = self.local.lock().await;
        if slot.is_none() {
            *slot = Some(local_server::find_or_host().await?);
        }
        tokio::sync::MutexGuard::try_map(slot, Option::as_mut)
            .map_err(|_| "local server unavailable".to_owned())
    }

    /// Local mode, after the connection to the local server dropped: if nothing serves the port
    /// any more (the app that hosted it quit), host the server here, so the signaling client's
    /// next attempt reaches this app's own server and the others on the machine or LAN find it.
    /// Returns the address others can join when this app now hosts.
    pub async fn take_over_local_server(&self) -> Option<String> {
        let mut slot = self.local.lock().await;
        if let Some(hosting) = slot.as_ref().and_then(|l| l.hosting.clone()) {
            return Some(hosting); // already ours
        }
        match local_server::find_or_host().await {
            Ok(found) => {
                let hosting = found.hosting.clone();
                *slot = Some(found);
                hosting
            }
            Err(err) => {
                // Another app won the race to bind the port: stay its client.
                tracing::info!(%err, "not taking over the local server");
                None
            }
        }
    }

    pub fn set_preview(&self, preview: Preview) {
        // A poisoned lock only means an earlier holder panicked; the slot is still usable.
        *self.preview.lock().unwrap_or_else(|e| e.into_inner()) = Some(preview);
    }

    /// Stops the preview camera (dropping it joins its thread).
    pub fn stop_preview(&self) {
        let old = self
            .preview
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        drop(old);
    }

    /// Rings until [`AppState::stop_ringtone`].
    pub fn set_ringtone(&self, ringtone: Option<Ringtone>) {
        let old = std::mem::replace(
            &mut *self.ringtone.lock().unwrap_or_else(|e| e.into_inner()),
            ringtone,
        );
        drop(old);
    }

    pub fn stop_ringtone(&self) {
        self.set_ringtone(None);
    }

    pub fn set_mic_meter(&self, meter: MicMeter) {
        *self.mic_meter.lock().unwrap_or_else(|e| e.into_inner()) = Some(meter);
    }

    pub fn stop_mic_meter(&self) {
        let old = self
            .mic_meter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        drop(old);
    }
}
