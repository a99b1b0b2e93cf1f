//! What the lip-sync pieces share within a session: the sender reports received (by
//! SSRC), how long after capture the sender writes each stream's frames, which SSRCs we
//! receive, when video last met the user, and the delay video must add.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::core::{Playing, SenderReport};

/// See the module documentation.
#[derive(Debug, Default)]
pub struct SyncLink {
    reports: Mutex<HashMap<u32, SenderReport>>,
    /// Sender side: write time minus the capture time the last frame's RTP timestamp
    /// stands for, µs, per kind.
    audio_write_lag_us: AtomicU64,
    video_write_lag_us: AtomicU64,
    /// Receive side: the SSRCs of the streams received, plus one (0: none yet).
    audio_ssrc: AtomicU64,
    video_ssrc: AtomicU64,
    video_playing: Mutex<Option<Playing>>,
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
    pub(crate) fn on_report(&self, ssrc: u32, report: SenderReport) {
        lock(&self.reports).insert(ssrc, report);
    }

    /// The latest report of the stream of this kind we receive.
    pub(crate) fn report(&self, kind: Kind) -> Option<SenderReport> {
        let ssrc = self.received_ssrc(kind)?;
        lock(&self.reports).get(&ssrc).copied()
    }

    pub(crate) fn set_write_lag(&self, kind: Kind, lag: Duration) {
        let us = lag.as_micros() as u64;
        match kind {
            Kind::Audio => self.audio_write_lag_us.store(us, Ordering::Relaxed),
            Kind::Video => self.video_write_lag_us.store(us, Ordering::Relaxed),
        }
    }

    pub(crate) fn write_lag(&self, kind: Kind) -> Duration {
        Duration::from_micros(match kind {
            Kind::Audio => self.audio_write_lag_us.load(Ordering::Relaxed),
            Kind::Video => self.video_write_lag_us.load(Ordering::Relaxed),
        })
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
        *lock(&self.video_playing) = Some(playing);
    }

    pub(crate) fn video_playing(&self) -> Option<Playing> {
        *lock(&self.video_playing)
    }

    pub(crate) fn set_video_delay(&self, d: Duration) {
        self.video_delay_us
            .store(d.as_micros() as u64, Ordering::Relaxed);
    }

    pub(crate) fn video_delay(&self) -> Duration {
        Duration::from_micros(self.video_delay_us.load(Ordering::Relaxed))
    }
}
