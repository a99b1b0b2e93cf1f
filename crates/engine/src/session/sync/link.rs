//! What the lip-sync pieces share within a session: the sender reports received (by
//! SSRC), how long after capture the sender writes each stream's frames, which SSRCs we
//! receive, when video last met the user and when its frames of the last seconds were
//! ready, and the delay video must add.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::core::{Playing, SenderReport};

/// See the module documentation.
#[derive(Debug)]
pub struct SyncLink {
    /// Whether the sync's delays are applied (else only measured).
    apply: bool,
    reports: Mutex<HashMap<u32, SenderReport>>,
    /// Sender side: the capture instant the RTP timestamp of the frame being written
    /// stands for, per kind.
    audio_captured_at: Mutex<Option<Instant>>,
    video_captured_at: Mutex<Option<Instant>>,
    /// Receive side: the SSRCs of the streams received, plus one (0: none yet).
    audio_ssrc: AtomicU64,
    video_ssrc: AtomicU64,
    video_playing: Mutex<Recent>,
    /// When each frame became decodable (before any hold), over [`READY_US`].
    video_ready: Mutex<Recent>,
    video_delay_us: AtomicU64,
}

/// Which stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Audio,
    Video,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SyncLink {
    /// A link for one session; `apply: false` measures the offset without acting on it.
    pub fn new(apply: bool) -> Self {
        Self {
            apply,
            reports: Mutex::default(),
            audio_captured_at: Mutex::default(),
            video_captured_at: Mutex::default(),
            audio_ssrc: AtomicU64::default(),
            video_ssrc: AtomicU64::default(),
            video_playing: Mutex::default(),
            video_ready: Mutex::new(Recent::new(READY_US)),
            video_delay_us: AtomicU64::default(),
        }
    }

    pub(crate) fn applies(&self) -> bool {
        self.apply
    }

    pub(crate) fn on_report(&self, ssrc: u32, report: SenderReport) {
        lock(&self.reports).insert(ssrc, report);
    }

    /// The latest report of the stream of this kind we receive.
    pub(crate) fn report(&self, kind: Kind) -> Option<SenderReport> {
        let ssrc = self.received_ssrc(kind)?;
        lock(&self.reports).get(&ssrc).copied()
    }

    fn captured_slot(&self, kind: Kind) -> &Mutex<Option<Instant>> {
        match kind {
            Kind::Audio => &self.audio_captured_at,
            Kind::Video => &self.video_captured_at,
        }
    }

    /// The frame about to be written stands for this capture instant.
    pub(crate) fn set_captured_at(&self, kind: Kind, at: Instant) {
        *lock(self.captured_slot(kind)) = Some(at);
    }

    pub(crate) fn captured_at(&self, kind: Kind) -> Option<Instant> {
        *lock(self.captured_slot(kind))
    }

    pub(crate) fn set_received_ssrc(&self, kind: Kind, ssrc: u32) {
        let slot = match kind {
            Kind::Audio => &self.audio_ssrc,
            Kind::Video => &self.video_ssrc,
        };
        slot.store(u64::from(ssrc) + 1, Ordering::Relaxed);
    }

    fn received_ssrc(&self, kind: Kind) -> Option<u32> {
        let v = match kind {
            Kind::Audio => self.audio_ssrc.load(Ordering::Relaxed),
            Kind::Video => self.video_ssrc.load(Ordering::Relaxed),
        };
        v.checked_sub(1).and_then(|s| u32::try_from(s).ok())
    }

    pub(crate) fn set_video_playing(&self, playing: Playing) {
        lock(&self.video_playing).push(playing);
    }

    /// The frames shown within the last [`RECENT_US`] before `now_us`.
    pub(crate) fn video_playing(&self, now_us: i64) -> Vec<Playing> {
        lock(&self.video_playing).since(now_us - RECENT_US)
    }

    /// A frame became decodable (its RTP timestamp, when on the `now_us` clock).
    pub(crate) fn set_video_ready(&self, ready: Playing) {
        lock(&self.video_ready).push(ready);
    }

    /// The frames that became decodable within the last [`READY_US`] before `now_us`.
    pub(crate) fn video_ready(&self, now_us: i64) -> Vec<Playing> {
        lock(&self.video_ready).since(now_us - READY_US)
    }

    pub(crate) fn set_video_delay(&self, d: Duration) {
        self.video_delay_us
            .store(d.as_micros() as u64, Ordering::Relaxed);
    }

    pub(crate) fn video_delay(&self) -> Duration {
        Duration::from_micros(self.video_delay_us.load(Ordering::Relaxed))
    }
}

/// How far back what went out is kept, µs (the medians the sync aligns).
pub const RECENT_US: i64 = 1_000_000;

/// How far back video's ready times are kept, µs: its repair tail needs more frames
/// than a second holds (a quantile of ~300 frames; one burst of repairs moves it little).
pub const READY_US: i64 = 10_000_000;

/// What went out in the last window (by its own times; [`RECENT_US`] by default).
#[derive(Debug)]
pub struct Recent {
    window_us: i64,
    items: VecDeque<Playing>,
}

impl Default for Recent {
    fn default() -> Self {
        Self::new(RECENT_US)
    }
}

impl Recent {
    /// Keeps what went out within `window_us` of the newest.
    #[must_use]
    pub fn new(window_us: i64) -> Self {
        Self {
            window_us,
            items: VecDeque::new(),
        }
    }

    pub fn push(&mut self, p: Playing) {
        while self
            .items
            .front()
            .is_some_and(|f| f.at_us < p.at_us - self.window_us)
        {
            self.items.pop_front();
        }
        self.items.push_back(p);
    }

    /// Those that went out at or after `from_us`.
    pub fn since(&self, from_us: i64) -> Vec<Playing> {
        self.items
            .iter()
            .filter(|p| p.at_us >= from_us)
            .copied()
            .collect()
    }
}
