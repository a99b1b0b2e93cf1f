//! What a peer's media-state messages (mic muted, camera on) may cost us. Each one became
//! an engine event and a UI update, and a peer can send thousands a second over the data
//! channel. Now only a change is passed on, at most [`BURST`] at once and [`RATE`] a
//! second after; a change over the rate is held, and the newest held state is passed on
//! at the next [`MediaGate::flush`] (the driver calls it with each second's stats), so
//! what the UI shows ends up true even after a flood. Pure: time is an input.

use std::time::Instant;

use peercall_signal::ratelimit::TokenBucket;

/// Media-state changes per second passed on, sustained.
pub const RATE: f64 = 5.0;
/// Media-state changes passed on at once.
pub const BURST: f64 = 10.0;

/// The peer's media state as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteMedia {
    pub mic_muted: bool,
    pub camera_on: bool,
}

/// Filters one call's media-state messages.
#[derive(Debug)]
pub(crate) struct MediaGate {
    bucket: TokenBucket,
    shown: Option<RemoteMedia>,
    held: Option<RemoteMedia>,
}

impl MediaGate {
    pub(crate) fn new(now: Instant) -> Self {
        MediaGate {
            bucket: TokenBucket::new(RATE, BURST, now),
            shown: None,
            held: None,
        }
    }

    /// A message from the peer: the state to pass on now, if any.
    pub(crate) fn admit(&mut self, state: RemoteMedia, now: Instant) -> Option<RemoteMedia> {
        if self.shown == Some(state) {
            self.held = None;
            return None;
        }
        if !self.bucket.try_take(now) {
            self.held = Some(state);
            return None;
        }
        self.held = None;
        self.shown = Some(state);
        Some(state)
    }

    /// The held state, if it differs from what was passed on last.
    pub(crate) fn flush(&mut self) -> Option<RemoteMedia> {
        let held = self.held.take()?;
        (self.shown != Some(held)).then(|| {
            self.shown = Some(held);
            held
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const MUTED: RemoteMedia = RemoteMedia {
        mic_muted: true,
        camera_on: true,
    };
    const OPEN: RemoteMedia = RemoteMedia {
        mic_muted: false,
        camera_on: true,
    };

    #[test]
    fn repeats_are_dropped_and_changes_pass() {
        let t = Instant::now();
        let mut g = MediaGate::new(t);
        assert_eq!(g.admit(OPEN, t), Some(OPEN));
        assert_eq!(g.admit(OPEN, t), None);
        assert_eq!(g.admit(MUTED, t), Some(MUTED));
        assert_eq!(g.flush(), None);
    }

    #[test]
    fn a_toggle_flood_passes_a_burst_then_the_rate_and_ends_on_the_true_state() {
        let t0 = Instant::now();
        let mut g = MediaGate::new(t0);
        let mut passed = 0;
        let mut last = None;
        for i in 0..10_000u32 {
            let state = if i % 2 == 0 { MUTED } else { OPEN };
            let now = t0 + Duration::from_micros(u64::from(i) * 100); // 10,000 a second
            if let Some(s) = g.admit(state, now) {
                passed += 1;
                last = Some(s);
            }
        }
        // One second of flood: the burst and about one second's rate.
        assert!(passed <= (BURST + RATE) as usize + 1, "{passed} passed");
        // The flood ended on OPEN (i = 9,999): the flush says so if it was held.
        let shown = g.flush().or(last);
        assert_eq!(shown, Some(OPEN));
        assert_eq!(g.flush(), None);
    }

    #[test]
    fn a_held_state_equal_to_the_shown_one_is_not_repeated() {
        let t = Instant::now();
        let mut g = MediaGate::new(t);
        for _ in 0..BURST as usize {
            g.admit(MUTED, t);
            g.admit(OPEN, t);
        }
        // Over the rate: MUTED is held, then OPEN (what is shown) comes back.
        let shown = g.shown;
        let other = if shown == Some(OPEN) { MUTED } else { OPEN };
        assert_eq!(g.admit(other, t), None);
        assert_eq!(g.admit(shown.unwrap(), t), None);
        assert_eq!(g.flush(), None);
    }
}
