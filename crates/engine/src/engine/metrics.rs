//! What the engine counts about itself: signaling messages sent per kind, devices
//! opened, and the setup timings of the last call.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// Counters and timings of one engine.
#[derive(Debug, Default)]
pub struct EngineMetrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sent: BTreeMap<&'static str, u64>,
    cameras_opened: u64,
    mics_opened: u64,
    sessions_opened: u64,
    offer_at: Option<Instant>,
    connected_ms: Option<f64>,
    first_frame_ms: Option<f64>,
}

/// A copy of the metrics at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsSnapshot {
    /// Signaling messages sent, by `data.kind`.
    pub sent: BTreeMap<&'static str, u64>,
    /// Cameras opened (real or test pattern).
    pub cameras_opened: u64,
    /// Microphones opened (real or tone).
    pub mics_opened: u64,
    /// Peer sessions opened.
    pub sessions_opened: u64,
    /// Last call: offer sent (caller) or received (callee) → connected, ms.
    pub offer_to_connected_ms: Option<f64>,
    /// Last call: offer → first remote video frame decoded, ms.
    pub offer_to_first_frame_ms: Option<f64>,
}

impl EngineMetrics {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        match self.inner.lock() {
            Ok(mut g) => f(&mut g),
            Err(p) => f(&mut p.into_inner()),
        }
    }

    /// Counts one signaling message sent.
    pub fn sent(&self, kind: &'static str) {
        self.with(|i| *i.sent.entry(kind).or_default() += 1);
    }

    /// Counts a camera / microphone / session being opened.
    pub fn opened(&self, camera: bool, mic: bool) {
        self.with(|i| {
            i.sessions_opened += 1;
            i.cameras_opened += u64::from(camera);
            i.mics_opened += u64::from(mic);
        });
    }

    /// Counts a camera opened mid-call (camera turned back on or switched).
    pub fn camera_opened(&self) {
        self.with(|i| i.cameras_opened += 1);
    }

    /// The offer of a new call was sent or received now.
    pub fn offer(&self, at: Instant) {
        self.with(|i| {
            i.offer_at = Some(at);
            i.connected_ms = None;
            i.first_frame_ms = None;
        });
    }

    /// The call connected now.
    pub fn connected(&self, at: Instant) {
        self.with(|i| {
            if i.connected_ms.is_none() {
                i.connected_ms = i.offer_at.map(|o| at.duration_since(o).as_secs_f64() * 1e3);
            }
        });
    }

    /// The first remote frame was decoded now.
    pub fn first_frame(&self, at: Instant) {
        self.with(|i| {
            if i.first_frame_ms.is_none() {
                i.first_frame_ms = i.offer_at.map(|o| at.duration_since(o).as_secs_f64() * 1e3);
            }
        });
    }

    /// A copy of everything.
    #[must_use]
    pub fn snapshot(&self) -> MetricsSnapshot {
        self.with(|i| MetricsSnapshot {
            sent: i.sent.clone(),
            cameras_opened: i.cameras_opened,
            mics_opened: i.mics_opened,
            sessions_opened: i.sessions_opened,
            offer_to_connected_ms: i.connected_ms,
            offer_to_first_frame_ms: i.first_frame_ms,
        })
    }
}
