//! The shell's state, in one place: the frame bridge, the call engine, the settings dialog's
//! live checks and the local signaling server. (The ringtone belongs to the engine's event
//! task in `call_link`: it ends with that engine.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use peercall_bridge::FrameBridge;
use peercall_engine::Engine;

use crate::devices_check::{MicMeter, Preview};
use crate::local_server::{self, LocalDirs, LocalServerError, LocalSignaling};
use crate::AppError;

/// One optional running thing. Replacing or clearing drops the old value after the lock is
/// released: dropping a preview or meter joins its thread.
struct Slot<T>(Mutex<Option<T>>);

impl<T> Slot<T> {
    fn empty() -> Self {
        Self(Mutex::new(None))
    }

    fn lock(&self) -> MutexGuard<'_, Option<T>> {
        // A poisoned lock only means an earlier holder panicked; the slot is still usable.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn replace(&self, value: Option<T>) -> Option<T> {
        std::mem::replace(&mut *self.lock(), value)
    }
}

pub struct AppState {
    pub bridge: FrameBridge,
    preview: Slot<Preview>,
    mic_meter: Slot<MicMeter>,
    engine: Slot<Engine>,
    /// Bumped by every `begin_connection`: a connection's tasks know whether they are current.
    engine_generation: AtomicU64,
    /// The local signaling server found or hosted on first use (kept for the app's life).
    local: tokio::sync::Mutex<Option<LocalSignaling>>,
}

impl AppState {
    pub fn new(bridge: FrameBridge) -> Self {
        Self {
            bridge,
            preview: Slot::empty(),
            mic_meter: Slot::empty(),
            engine: Slot::empty(),
            engine_generation: AtomicU64::new(0),
            local: tokio::sync::Mutex::new(None),
        }
    }

    /// The running engine, or `NotConnected`.
    pub fn engine(&self) -> Result<Engine, AppError> {
        self.engine.lock().clone().ok_or(AppError::NotConnected)
    }

    /// Starts a new connection: returns its generation (see [`AppState::is_current`]) and the
    /// engine it replaces, which is no longer current (its late `Closed` says nothing).
    pub fn begin_connection(&self) -> (u64, Option<Engine>) {
        let mut slot = self.engine.lock();
        let generation = self.engine_generation.fetch_add(1, Ordering::SeqCst) + 1;
        (generation, slot.take())
    }

    /// The app is quitting: takes the engine out (no connection is current any more).
    pub fn retire_engine(&self) -> Option<Engine> {
        self.begin_connection().1
    }

    /// Makes `engine` the current one if connection `generation` still is; else `false`.
    pub fn set_engine(&self, engine: Engine, generation: u64) -> bool {
        let mut slot = self.engine.lock();
        if !self.is_current(generation) {
            return false;
        }
        *slot = Some(engine);
        true
    }

    /// Whether connection `generation` is still the current one (a reconnect from the
    /// settings replaces it, and the old one's late `Closed` must not turn the status offline).
    pub fn is_current(&self, generation: u64) -> bool {
        self.engine_generation.load(Ordering::SeqCst) == generation
    }

    /// Where the local-network default connects: the server found or hosted before, unless
    /// this app hosts it in another mode than `lan_code` asks (then it hosts anew).
    pub async fn local_server(
        &self,
        runtime: &LocalDirs,
        lan_code: Option<&str>,
    ) -> Result<tokio::sync::MappedMutexGuard<'_, LocalSignaling>, LocalServerError> {
        let mut slot = self.local.lock().await;
        let known = slot.as_ref().map(LocalSignaling::known);
        let found = match slot.take() {
            Some(found) if found.hosting.is_none() || found.lan_code.as_deref() == lan_code => {
                found
            }
            other => {
                if let Some(old) = other {
                    old.stop().await; // the mode changed: host again on the same port
                }
                local_server::find_or_host(runtime, lan_code, known.as_ref()).await?
            }
        };
        Ok(tokio::sync::MutexGuard::map(slot, |slot| {
            slot.insert(found)
        }))
    }

    /// Forgets the local server this app is a client of (it did not answer, or not as
    /// itself): the next attempt reads the record again, or hosts.
    pub async fn forget_local_client(&self) {
        let mut slot = self.local.lock().await;
        if slot.as_ref().is_some_and(|l| l.hosting.is_none()) {
            *slot = None;
        }
    }

    /// Local mode, after the connection to the local server dropped: if nothing serves the port
    /// any more (the app that hosted it quit), host the server here, so the signaling client's
    /// next attempt reaches this app's own server and the others on the machine or LAN find it.
    /// It keeps the secret the others already check and the token they already send, and
    /// hosts for the network only when that token is the user's join code (else for this
    /// machine with that token; the user's own choice applies at the next connect).
    /// Returns the address others can join when this app now hosts.
    pub async fn take_over_local_server(
        &self,
        runtime: &LocalDirs,
        lan_code: Option<&str>,
    ) -> Option<String> {
        let mut slot = self.local.lock().await;
        if let Some(hosting) = slot.as_ref().and_then(|l| l.hosting.clone()) {
            return Some(hosting); // already ours
        }
        let known = slot.as_ref().map(LocalSignaling::known);
        let token = known.as_ref().and_then(|k| k.token.as_deref());
        let lan_code = lan_code.filter(|code| token == Some(*code));
        match local_server::find_or_host(runtime, lan_code, known.as_ref()).await {
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
        drop(self.preview.replace(Some(preview)));
    }

    /// Stops the preview camera (dropping it joins its thread).
    pub fn stop_preview(&self) {
        drop(self.preview.replace(None));
    }

    pub fn set_mic_meter(&self, meter: MicMeter) {
        drop(self.mic_meter.replace(Some(meter)));
    }

    pub fn stop_mic_meter(&self) {
        drop(self.mic_meter.replace(None));
    }
}
