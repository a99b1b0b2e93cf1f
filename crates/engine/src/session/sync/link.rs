//! What the lip-sync pieces share within a session: the sender reports received (by
//! SSRC), how long after capture the sender writes each stream's frames, which SSRCs we
//! receive, when video last met the user and when its frames of the last seconds were
//! ready, and the delay video must add (or, on the voice's clock, when each frame is due).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use peercall_media::clock::now_us;

use super::clock::video_due_us;
use super::core::{Playing, SenderReport, MAX_REPORT_AGE};

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
    /// When video's own playout clock would show each frame (on the voice's clock).
    video_own: Mutex<Recent>,
    /// When each frame became decodable (before any hold), over [`READY_US`].
    video_ready: Mutex<Recent>,
    /// The same for the frames that waited for nothing (no hole: the path's jitter).
    video_ready_clean: Mutex<Recent>,
    video_delay_us: AtomicU64,
    /// The voice's end-to-end delay now (`clock.rs`), µs; [`NO_CLOCK`]: video is not
    /// scheduled on the voice's clock.
    voice_delay_us: AtomicI64,
    /// How far the picture may lead the voice, µs.
    lead_us: AtomicU64,
}

/// No voice clock (see [`SyncLink::set_voice_delay`]).
const NO_CLOCK: i64 = i64::MIN;

/// The most a frame is held for its voice (as `SyncConfig::max_video`): a wrong report
/// must not stop the picture.
const MAX_HOLD: Duration = Duration::from_millis(500);

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
            video_own: Mutex::default(),
            video_ready: Mutex::new(Recent::new(READY_US)),
            video_ready_clean: Mutex::new(Recent::new(READY_US)),
            video_delay_us: AtomicU64::default(),
            voice_delay_us: AtomicI64::new(NO_CLOCK),
            lead_us: AtomicU64::default(),
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

    /// When video's own playout clock would show the frames of the last [`RECENT_US`]
    /// before `now_us`.
    pub(crate) fn video_own(&self, now_us: i64) -> Vec<Playing> {
        lock(&self.video_own).since(now_us - RECENT_US)
    }

    /// A frame became decodable (its RTP timestamp, when on the `now_us` clock).
    /// Video's own playout clock would show it at `own_us` (before the voice holds it);
    /// `waited`: it sat behind a hole (a repair or a reordered packet).
    pub(crate) fn set_video_ready(&self, ready: Playing, own_us: i64, waited: bool) {
        lock(&self.video_ready).push(ready);
        lock(&self.video_own).push(Playing {
            at_us: own_us,
            ..ready
        });
        if !waited {
            lock(&self.video_ready_clean).push(ready);
        }
    }

    /// Of [`SyncLink::video_ready`], the frames that waited for nothing.
    pub(crate) fn video_ready_clean(&self, now_us: i64) -> Vec<Playing> {
        lock(&self.video_ready_clean).since(now_us - READY_US)
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

    /// The voice's end-to-end delay as its playout thread sees it now (`None`: not known,
    /// or video is not scheduled on it) and how far the picture may lead it.
    pub(crate) fn set_voice_delay(&self, delay_us: Option<i64>, lead: Duration) {
        self.voice_delay_us
            .store(delay_us.unwrap_or(NO_CLOCK), Ordering::Relaxed);
        self.lead_us
            .store(lead.as_micros() as u64, Ordering::Relaxed);
    }

    /// When to show the video frame with RTP timestamp `rtp` on the voice's clock (see
    /// `clock.rs`), at most [`MAX_HOLD`] from now; `None` when the sync is off, or
    /// without the voice's clock or a fresh video report (the playout clock decides).
    pub(crate) fn video_show_at(&self, rtp: u32) -> Option<Instant> {
        let voice = self.voice_delay_us.load(Ordering::Relaxed);
        if !self.apply || voice == NO_CLOCK {
            return None;
        }
        let report = self.report(Kind::Video)?;
        let now = Instant::now();
        if now.saturating_duration_since(report.received_at) > MAX_REPORT_AGE {
            return None;
        }
        let lead = Duration::from_micros(self.lead_us.load(Ordering::Relaxed));
        let wait_us = video_due_us(&report, rtp, voice, lead) - now_us() as i64;
        let wait = Duration::from_micros(u64::try_from(wait_us).unwrap_or(0));
        Some(now + wait.min(MAX_HOLD))
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
