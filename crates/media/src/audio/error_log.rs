//! Device error logging that cannot flood the log: a failing ALSA device reports the same
//! error from its callback thousands of times a second (seen when PulseAudio drops a client).
//!
//! It also slows such a storm down. cpal's ALSA worker retries at once after an error: on
//! PulseAudio's ALSA plugin an underrun's recovery (`prepare`) reconnects the stream, and
//! until the server has answered every poll fails again (`snd_pcm_avail_delay` EIO, or
//! another xrun), so a loaded machine saw ~1,800 errors a second on one core. The error
//! callback runs on that worker thread (never the real-time data callback), so pausing
//! there paces the retries: the first errors of a burst pass at once (a lone xrun recovers
//! without delay), then each waits a little longer, up to [`MAX_PAUSE`].

use std::time::{Duration, Instant};

/// Errors closer together than this are one burst.
const BURST_GAP: Duration = Duration::from_millis(20);
/// Errors of a burst that pass without a pause.
const FREE_IN_BURST: u32 = 2;
/// The longest pause after an error of a burst.
pub(crate) const MAX_PAUSE: Duration = Duration::from_millis(20);

/// Logs the first error at once, then at most one line per `every`, counting the rest;
/// and says how long the stream's worker should pause after each error.
pub(crate) struct ErrorLog {
    what: &'static str,
    every: Duration,
    last: Option<Instant>,
    suppressed: u64,
    /// When the previous error came (for bursts), and how many came in this burst.
    previous: Option<Instant>,
    burst: u32,
}

impl ErrorLog {
    pub(crate) fn new(what: &'static str) -> Self {
        Self {
            what,
            every: Duration::from_secs(5),
            last: None,
            suppressed: 0,
            previous: None,
            burst: 0,
        }
    }

    /// An error from a stream's error callback: logs it (rate-limited) and pauses the
    /// calling worker thread as long as [`ErrorLog::pause_after`] says.
    pub(crate) fn on_stream_error(&mut self, err: &dyn std::fmt::Display) {
        let now = Instant::now();
        tracing::trace!("{} stream error: {err}", self.what);
        self.error(err, now);
        let pause = self.pause_after(now);
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }

    /// How long to wait after an error at `now`: nothing for the first [`FREE_IN_BURST`]
    /// of a burst, then 1, 2, 4, ... ms up to [`MAX_PAUSE`]. A gap of [`BURST_GAP`] (not
    /// counting our own pauses) ends the burst.
    pub(crate) fn pause_after(&mut self, now: Instant) -> Duration {
        let in_burst = self
            .previous
            .is_some_and(|p| now.saturating_duration_since(p) < BURST_GAP + self.current_pause());
        self.burst = if in_burst { self.burst + 1 } else { 1 };
        self.previous = Some(now);
        self.current_pause()
    }

    fn current_pause(&self) -> Duration {
        if self.burst <= FREE_IN_BURST {
            return Duration::ZERO;
        }
        let doublings = (self.burst - FREE_IN_BURST - 1).min(16);
        Duration::from_millis(1u64 << doublings).min(MAX_PAUSE)
    }

    /// Returns whether the error was written (not suppressed).
    pub(crate) fn error(&mut self, err: &dyn std::fmt::Display, now: Instant) -> bool {
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < self.every)
        {
            self.suppressed += 1;
            return false;
        }
        if self.suppressed > 0 {
            tracing::warn!(
                "{} stream error: {err} ({} more since the last report)",
                self.what,
                self.suppressed
            );
        } else {
            tracing::warn!("{} stream error: {err}", self.what);
        }
        self.last = Some(now);
        self.suppressed = 0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storm_is_paced_and_a_lone_error_is_not() {
        let ms = Duration::from_millis;
        let t0 = Instant::now();
        // (time of the error since t0, pause expected after it)
        let table = [
            (0, 0),   // a lone xrun: recover at once
            (500, 0), // another, long after: still at once
            (501, 0), // a burst starts: its first two pass
            (502, 1), // then 1, 2, 4, 8, 16 ms ...
            (503, 2),
            (505, 4),
            (509, 8),
            (517, 16),
            (533, 20), // ... capped
            (553, 20),
            (573, 20),
            (800, 0), // quiet for longer than the gap and the pause: a new burst
        ];
        let mut log = ErrorLog::new("speaker");
        for (at, want) in table {
            assert_eq!(log.pause_after(t0 + ms(at)), ms(want), "error at {at} ms");
        }
    }

    #[test]
    fn a_storm_of_1800_errors_a_second_becomes_at_most_50() {
        // The worker retries at once after each pause: count how many errors fit in 1 s.
        let mut log = ErrorLog::new("speaker");
        let t0 = Instant::now();
        let mut now = t0;
        let mut errors = 0;
        while now < t0 + Duration::from_secs(1) {
            errors += 1;
            now += log.pause_after(now) + Duration::from_micros(550);
        }
        assert!(errors <= 60, "{errors} errors in a second");
        assert!(errors >= 40, "{errors}: paused more than needed");
    }

    #[test]
    fn a_burst_logs_once_per_interval() {
        let mut log = ErrorLog::new("speaker");
        let t0 = Instant::now();
        assert!(log.error(&"I/O error", t0));
        let written = (1..10_000)
            .filter(|i| log.error(&"I/O error", t0 + Duration::from_micros(*i)))
            .count();
        assert_eq!(written, 0);
        assert_eq!(log.suppressed, 9_999);
        assert!(log.error(&"I/O error", t0 + Duration::from_secs(6)));
        assert_eq!(log.suppressed, 0);
    }
}
