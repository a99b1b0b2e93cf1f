//! What a peer's chat may cost us: a line is cut to [`MAX_CHARS`] characters, and lines
//! past a token bucket ([`RATE`] per second, bursts of [`BURST`]) are dropped, so a
//! peer's chat cannot flood the app's events or its chat log. (What reaches this guard is
//! limited already where the data channel is read: `session/channel/inbox.rs`.) Pure:
//! time is an input.

use std::time::Instant;

use peercall_signal::ratelimit::TokenBucket;

/// Longest chat line passed on, in characters.
pub const MAX_CHARS: usize = 4000;
/// Chat lines per second from the peer, sustained.
pub const RATE: f64 = 5.0;
/// Chat lines the peer may send at once.
pub const BURST: f64 = 20.0;

/// The chat limits of one engine.
#[derive(Debug)]
pub(crate) struct ChatGuard {
    bucket: TokenBucket,
}

impl ChatGuard {
    pub(crate) fn new(now: Instant) -> Self {
        ChatGuard {
            bucket: TokenBucket::new(RATE, BURST, now),
        }
    }

    /// The line to pass on, cut to size; `None` when over the rate.
    pub(crate) fn admit(&mut self, text: String, now: Instant) -> Option<String> {
        if !self.bucket.try_take(now) {
            return None;
        }
        Some(match text.char_indices().nth(MAX_CHARS) {
            Some((cut, _)) => text[..cut].to_owned(),
            None => text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn cuts_long_lines_and_drops_a_flood() {
        let t0 = Instant::now();
        let mut g = ChatGuard::new(t0);
        let long = "é".repeat(10_000);
        assert_eq!(
            g.admit(long, t0).map(|t| t.chars().count()),
            Some(MAX_CHARS)
        );
        assert_eq!(g.admit("hi".into(), t0).as_deref(), Some("hi"));
        let passed = (0..1000)
            .filter(|_| g.admit("x".into(), t0).is_some())
            .count();
        assert_eq!(
            passed,
            BURST as usize - 2,
            "the rest of the burst, then nothing"
        );
        assert!(g
            .admit("later".into(), t0 + Duration::from_millis(200))
            .is_some());
    }
}
