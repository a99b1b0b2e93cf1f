//! Reconnect backoff: jittered exponential, as a pure function of the attempt number.

use std::time::Duration;

/// How the client retries after its connection drops.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// Reconnect at all; when false a dropped connection ends with `Closed`.
    pub enabled: bool,
    /// Delay ceiling of the first attempt.
    pub initial_delay: Duration,
    /// Largest delay between attempts.
    pub max_delay: Duration,
    /// Give up after this many failed attempts (`None`: never).
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            enabled: true,
            initial_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            max_attempts: None,
        }
    }
}

/// The delay before reconnect attempt `attempt` (1-based), given `jitter` in `[0, 1)`.
///
/// The ceiling doubles per attempt from `initial_delay` up to `max_delay`; the delay is
/// drawn from the upper half of it ("equal jitter"): `ceiling/2 + jitter·ceiling/2`, so
/// clients that lost the same server spread out but never retry at once in a tight loop.
pub fn backoff_delay(policy: &ReconnectPolicy, attempt: u32, jitter: f64) -> Duration {
    let exp = attempt.saturating_sub(1).min(31);
    let ceiling = policy
        .initial_delay
        .saturating_mul(1u32 << exp)
        .min(policy.max_delay);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half = ceiling / 2;
    half + half.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ReconnectPolicy {
        ReconnectPolicy {
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            ..ReconnectPolicy::default()
        }
    }

    #[test]
    fn doubles_until_the_cap() {
        let p = policy();
        let top: Vec<u128> = (1..=8)
            .map(|a| backoff_delay(&p, a, 1.0).as_millis())
            .collect();
        assert_eq!(top, [200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        let p = policy();
        for attempt in 1..20 {
            let lo = backoff_delay(&p, attempt, 0.0);
            let hi = backoff_delay(&p, attempt, 0.999);
            assert!(lo <= hi);
            assert!(hi <= p.max_delay);
            assert!(lo * 2 >= backoff_delay(&p, attempt, 1.0) - Duration::from_millis(1));
        }
    }

    #[test]
    fn huge_attempts_and_bad_jitter_do_not_overflow() {
        let p = policy();
        assert_eq!(backoff_delay(&p, u32::MAX, 0.5), backoff_delay(&p, 40, 0.5));
        assert_eq!(backoff_delay(&p, 1, f64::NAN), Duration::from_millis(100));
        assert_eq!(backoff_delay(&p, 0, 1.0), Duration::from_millis(200));
    }
}
