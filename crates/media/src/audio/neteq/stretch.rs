//! Time-stretching without cuts: remove (accelerate) or repeat (preemptive expand) one
//! pitch period, cross-faded, where the signal repeats itself — the WSOLA-like approach
//! of libwebrtc NetEQ's accelerate / preemptive expand, on 48 kHz mono.
//!
//! Crates considered: `wsola` 0.1 and `timestretch` change the *tempo* of a stream through
//! their own overlap-add frame buffer (a window of latency, no "this block only if it
//! correlates" decision); a jitter buffer needs to drop or insert exactly one period at a
//! moment it picks, so this is written here (~100 lines).

use std::collections::VecDeque;

/// Shortest period searched: 2.5 ms (400 Hz).
pub(crate) const MIN_LAG: usize = 120;
/// Longest period searched: 10 ms (100 Hz); a block needs twice this.
pub(crate) const MAX_LAG: usize = 480;
/// Blocks quieter than this RMS are stretched whatever their correlation.
const QUIET_RMS: f32 = 0.003;

/// The period at the front of `x` that best repeats, and how well (normalised correlation).
pub(crate) fn best_lag(x: &[f32]) -> Option<(usize, f32)> {
    let max = MAX_LAG.min(x.len() / 2);
    let mut best: Option<(usize, f32)> = None;
    for lag in MIN_LAG..=max {
        let (a, b) = (&x[..lag], &x[lag..2 * lag]);
        let (mut ab, mut aa, mut bb) = (0.0f32, 0.0f32, 0.0f32);
        for (p, q) in a.iter().zip(b) {
            ab += p * q;
            aa += p * p;
            bb += q * q;
        }
        let c = if aa * bb > 0.0 {
            ab / (aa * bb).sqrt()
        } else {
            1.0
        };
        if best.is_none_or(|(_, bc)| c > bc) {
            best = Some((lag, c));
        }
    }
    best
}

fn rms(x: &[f32]) -> f32 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
}

/// Picks the period to stretch by, if the front of `buf` allows one.
fn period(buf: &VecDeque<f32>, min_correlation: f32) -> Option<usize> {
    let n = buf.len().min(2 * MAX_LAG);
    if n < 2 * MIN_LAG {
        return None;
    }
    let x: Vec<f32> = buf.iter().take(n).copied().collect();
    let (lag, c) = best_lag(&x)?;
    (c >= min_correlation || rms(&x) < QUIET_RMS).then_some(lag)
}

/// Removes one period from the front of `buf`: x[0..L] fades into x[L..2L]. Returns the
/// samples removed (0 if the signal does not repeat well enough).
pub(crate) fn accelerate(buf: &mut VecDeque<f32>, min_correlation: f32) -> usize {
    let Some(lag) = period(buf, min_correlation) else {
        return 0;
    };
    let head: Vec<f32> = buf.drain(..2 * lag).collect();
    for i in (0..lag).rev() {
        let w = i as f32 / lag as f32;
        buf.push_front(head[i] * (1.0 - w) + head[lag + i] * w);
    }
    lag
}

/// Repeats one period at the front of `buf`: x[0..L], then x[L..2L] fading into x[0..L],
/// then x[L..]. Returns the samples inserted (0 if the signal does not repeat well enough).
pub(crate) fn preemptive_expand(buf: &mut VecDeque<f32>, min_correlation: f32) -> usize {
    let Some(lag) = period(buf, min_correlation) else {
        return 0;
    };
    let head: Vec<f32> = buf.iter().take(2 * lag).copied().collect();
    let mut inserted = Vec::with_capacity(2 * lag);
    inserted.extend_from_slice(&head[..lag]);
    for i in 0..lag {
        let w = i as f32 / lag as f32;
        inserted.push(head[lag + i] * (1.0 - w) + head[i] * w);
    }
    buf.drain(..lag);
    for &s in inserted.iter().rev() {
        buf.push_front(s);
    }
    lag
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize, hz: f32) -> VecDeque<f32> {
        (0..n)
            .map(|i| 0.3 * (2.0 * std::f32::consts::PI * hz * i as f32 / 48_000.0).sin())
            .collect()
    }

    fn max_step(x: &VecDeque<f32>) -> f32 {
        let v: Vec<f32> = x.iter().copied().collect();
        v.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn accelerate_removes_one_period_of_a_tone_without_a_click() {
        let mut buf = tone(1440, 200.0); // period 240 samples
        let step = max_step(&buf);
        let removed = accelerate(&mut buf, 0.9);
        assert_eq!(removed % 240, 0, "{removed}");
        assert!(removed > 0);
        assert_eq!(buf.len(), 1440 - removed);
        assert!(
            max_step(&buf) <= step * 1.05,
            "{} vs {step}",
            max_step(&buf)
        );
    }

    #[test]
    fn expand_repeats_one_period_of_a_tone_without_a_click() {
        let mut buf = tone(960, 250.0); // period 192 samples
        let step = max_step(&buf);
        let inserted = preemptive_expand(&mut buf, 0.9);
        assert_eq!(inserted % 192, 0, "{inserted}");
        assert!(inserted > 0);
        assert_eq!(buf.len(), 960 + inserted);
        assert!(max_step(&buf) <= step * 1.05);
    }

    #[test]
    fn noise_that_does_not_repeat_is_left_alone() {
        let mut seed = 1u32;
        let mut buf: VecDeque<f32> = (0..960)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed as f32 / u32::MAX as f32 - 0.5) * 0.5
            })
            .collect();
        assert_eq!(accelerate(&mut buf, 0.9), 0);
        assert_eq!(buf.len(), 960);
    }
}
