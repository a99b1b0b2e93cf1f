//! Device error logging that cannot flood the log: a failing ALSA device reports the same
//! error from its callback thousands of times a second (seen when PulseAudio drops a client).

use std::time::{Duration, Instant};

/// Logs the first error at once, then at most one line per `every`, counting the rest.
pub(crate) struct ErrorLog {
    what: &'static str,
    every: Duration,
    last: Option<Instant>,
    suppressed: u64,
}

impl ErrorLog {
    pub(crate) fn new(what: &'static str) -> Self {
        Self {
            what,
            every: Duration::from_secs(5),
            last: None,
            suppressed: 0,
        }
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
