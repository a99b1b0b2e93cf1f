//! When the video encoder makes every other frame discardable
//! (`Vp8Config::discardable_frames`): while the peer keeps asking for retransmissions.
//! There a late frame the next one does not need is skipped at the receiver instead of
//! holding every later frame until its repair arrives (`video_rx::frame_buffer`), so half
//! the repairs stop stalling the picture. On a path without loss the pattern would only
//! cost compression, and it turns libvpx's frame dropping off, which a starved encoder
//! relies on: so it is also off while the target bitrate is low (at 500 kbit/s without
//! loss, and at 20 % loss with the estimate at its floor, it raised glass-to-glass and
//! freezes; BENCHMARKS.md, "Discardable frames"). Pure: the count of packets resent so
//! far, the target and the time in, the setting out.
//!
//! Resends rather than the loss the peer reports: they are the repairs themselves, the
//! thing the pattern makes cheaper, counted where they happen.

use std::time::{Duration, Instant};

/// How often the count is read.
const READ_EVERY: Duration = Duration::from_secs(1);
/// Smoothing per reading: ≈ 3 s.
const ALPHA: f64 = 0.3;
/// On at this many packets resent per second or more (about one hole a second with
/// the NACK list's two to four copies; 2 % loss of a 640x480 stream resends ~10)…
const ON_AT: f64 = 4.0;
/// …off again below this.
const OFF_BELOW: f64 = 1.0;
/// On only while the encoder's target is at least this, kbit/s (off again below
/// [`OFF_BELOW_KBPS`]): a starved encoder needs libvpx's frame dropping.
const MIN_KBPS: u64 = 300;
const OFF_BELOW_KBPS: u64 = 250;

/// Follows the resend rate; starts off.
#[derive(Debug, Default)]
pub(crate) struct DiscardablePolicy {
    smoothed: f64,
    on: bool,
    last: Option<(Instant, u64)>,
}

impl DiscardablePolicy {
    /// Whether the pattern is on.
    pub(crate) fn is_on(&self) -> bool {
        self.on
    }

    /// Takes the count of video packets resent so far and the encoder's target (kbit/s),
    /// at most once a second; returns the setting when it changes.
    pub(crate) fn poll(&mut self, now: Instant, resent: u64, target_kbps: u64) -> Option<bool> {
        let Some((at, before)) = self.last else {
            self.last = Some((now, resent));
            return None;
        };
        let elapsed = now.saturating_duration_since(at);
        if elapsed < READ_EVERY {
            return None;
        }
        self.last = Some((now, resent));
        let rate = resent.saturating_sub(before) as f64 / elapsed.as_secs_f64();
        self.smoothed += (rate - self.smoothed) * ALPHA;
        let on = if self.on {
            self.smoothed >= OFF_BELOW && target_kbps >= OFF_BELOW_KBPS
        } else {
            self.smoothed >= ON_AT && target_kbps >= MIN_KBPS
        };
        (on != self.on).then(|| {
            self.on = on;
            on
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds one reading a second, `rates[i]` packets resent in second `i`; returns the
    /// setting after each.
    fn run(
        p: &mut DiscardablePolicy,
        t: &mut Instant,
        total: &mut u64,
        rates: &[u64],
    ) -> Vec<bool> {
        rates
            .iter()
            .map(|r| {
                *t += READ_EVERY;
                *total += r;
                let _ = p.poll(*t, *total, 833);
                p.is_on()
            })
            .collect()
    }

    #[test]
    fn the_setting_follows_the_resend_rate_with_hysteresis() {
        let (mut p, mut t, mut total) = (DiscardablePolicy::default(), Instant::now(), 0);
        assert_eq!(
            p.poll(t, 0, 833),
            None,
            "the first reading only starts the count"
        );
        // (resends per second, the setting after them)
        for (rates, on) in [
            // A clean path, or a packet resent now and then: off.
            (vec![0; 10], false),
            (vec![2, 0, 1, 0, 2, 0], false),
            // 5 % loss (~40 resends a second): on at the first second.
            (vec![40], true),
            (vec![40; 10], true),
            // Less repair, still some: stays on.
            (vec![2; 10], true),
            // A clean spell: off within a few seconds.
            (vec![0; 5], false),
            (vec![10, 10], true),
        ] {
            let after = run(&mut p, &mut t, &mut total, &rates);
            assert_eq!(after.last(), Some(&on), "after {rates:?}: {after:?}");
        }
    }

    #[test]
    fn read_once_a_second_and_a_change_reported_once() {
        let mut p = DiscardablePolicy::default();
        let t0 = Instant::now();
        let _ = p.poll(t0, 0, 833);
        // Within the second nothing is read.
        assert_eq!(p.poll(t0 + Duration::from_millis(500), 100, 833), None);
        assert_eq!(p.poll(t0 + READ_EVERY, 100, 833), Some(true));
        assert_eq!(
            p.poll(t0 + READ_EVERY * 2, 200, 833),
            None,
            "no change, nothing to set"
        );
        assert!(p.is_on());
    }

    #[test]
    fn a_starved_encoder_keeps_it_off() {
        let mut p = DiscardablePolicy::default();
        let t0 = Instant::now();
        let _ = p.poll(t0, 0, 100);
        // 20 % loss with the estimate at its floor: resends galore, still off.
        for k in 1..10u64 {
            assert_eq!(p.poll(t0 + READ_EVERY * k as u32, 80 * k, 100), None);
        }
        // The estimate recovers: on; it sinks again: off.
        assert_eq!(p.poll(t0 + READ_EVERY * 10, 800, 400), Some(true));
        assert_eq!(p.poll(t0 + READ_EVERY * 11, 880, 280), None, "hysteresis");
        assert_eq!(p.poll(t0 + READ_EVERY * 12, 960, 200), Some(false));
    }
}
