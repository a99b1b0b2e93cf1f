//! Who gets a connection to the bridge, and for how long before proving itself.
//!
//! The bridge listens on loopback, where any local process (another user's too) can connect.
//! Without limits, 1,000 idle connections held open by such a process pinned a task and a
//! descriptor each forever, and once the descriptors ran out the accept loop spun writing a
//! warning per failed `accept`. Now:
//! - a connection must finish its WebSocket upgrade (with the secret) within
//!   [`Limits::handshake_timeout`], or it is closed;
//! - at most [`Limits::max_pending`] connections may be mid-handshake; a new one closes the
//!   oldest (a real page upgrades in about a millisecond, so only idle ones are ever the oldest);
//! - at most [`Limits::max_pages`] authorised pages at once (the app needs two or three);
//! - a failing `accept` (e.g. out of descriptors) backs off exponentially and logs once per
//!   streak ([`AcceptBackoff`]).

use std::time::Duration;

/// The bridge's connection limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time from TCP accept to a completed, authorised WebSocket upgrade.
    pub handshake_timeout: Duration,
    /// Connections that may be mid-handshake at once; a new one evicts the oldest.
    pub max_pending: usize,
    /// Authorised pages connected at once; one more is closed after its upgrade.
    pub max_pages: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(5),
            max_pending: 32,
            max_pages: 16,
        }
    }
}

/// Exponential back-off after failed `accept` calls: 5 ms doubling to 1 s, reset by a success.
#[derive(Debug, Default)]
pub struct AcceptBackoff {
    failures: u32,
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(5);
    const MAX: Duration = Duration::from_secs(1);

    /// Records a failed accept; returns how long to wait before the next one and whether
    /// this failure should be logged (the first of a streak; later ones are counted).
    pub fn failed(&mut self) -> (Duration, bool) {
        let wait = Self::FIRST
            .saturating_mul(1u32 << self.failures.min(16))
            .min(Self::MAX);
        self.failures = self.failures.saturating_add(1);
        (wait, self.failures == 1)
    }

    /// Records a successful accept; returns how many failures the streak that it ends had.
    pub fn succeeded(&mut self) -> u32 {
        std::mem::take(&mut self.failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling_logs_once_and_resets() {
        let mut b = AcceptBackoff::default();
        let waits: Vec<(u64, bool)> = (0..10)
            .map(|_| {
                let (wait, log) = b.failed();
                (wait.as_millis() as u64, log)
            })
            .collect();
        assert_eq!(
            waits,
            vec![
                (5, true),
                (10, false),
                (20, false),
                (40, false),
                (80, false),
                (160, false),
                (320, false),
                (640, false),
                (1000, false),
                (1000, false)
            ]
        );
        for _ in 0..100 {
            assert_eq!(b.failed().0, Duration::from_secs(1));
        }
        assert_eq!(b.succeeded(), 110);
        assert_eq!(b.failed(), (Duration::from_millis(5), true));
    }

    #[test]
    fn default_limits_leave_room_for_the_app() {
        let l = Limits::default();
        assert!(l.max_pages >= 4, "the app opens two or three pages");
        assert!(l.max_pending >= l.max_pages);
        assert!(l.handshake_timeout >= Duration::from_secs(1));
    }
}
