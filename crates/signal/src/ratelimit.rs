//! A token bucket; time is an input. The server limits each connection with one, and
//! the client paces its own sends with one set under the server's limit.

use std::time::{Duration, Instant};

/// A token bucket: `burst` tokens, refilled at `rate` per second.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate: f64, burst: f64, now: Instant) -> Self {
        let burst = burst.max(1.0);
        TokenBucket {
            rate: rate.max(0.0),
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long from `now` until a token is there (zero if one is).
    pub fn wait(&mut self, now: Instant) -> Duration {
        self.refill(now);
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else if self.rate <= 0.0 {
            Duration::MAX
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.rate)
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(50.0, 100.0, t0);
        assert_eq!((0..150).filter(|_| b.try_take(t0)).count(), 100);
        // One second later: 50 more, not 100.
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!((0..150).filter(|_| b.try_take(t1)).count(), 50);
        // Sustained 50/s is always allowed.
        let mut t = t1;
        for _ in 0..500 {
            t += Duration::from_millis(20);
            assert!(b.try_take(t));
        }
    }

    #[test]
    fn wait_says_when_the_next_token_comes() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(50.0, 2.0, t0);
        assert_eq!(b.wait(t0), Duration::ZERO);
        assert!(b.try_take(t0) && b.try_take(t0));
        let w = b.wait(t0);
        assert!((w.as_secs_f64() - 0.02).abs() < 1e-9, "{w:?}");
        assert!(b.try_take(t0 + w));
    }

    #[test]
    fn refill_is_capped_at_the_burst() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(50.0, 100.0, t0);
        let later = t0 + Duration::from_secs(3600);
        assert_eq!((0..1000).filter(|_| b.try_take(later)).count(), 100);
    }
}
