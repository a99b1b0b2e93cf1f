//! Concealment (NetEQ's *Expand* and *Merge*): repeat the last pitch period of the
//! audio played so far, and on the first decode after it, line the new audio up with the
//! repetition and cross-fade. libwebrtc NetEQ conceals this way by default (Opus's own
//! PLC only behind a field trial); libopus's PLC decays a steady or CELT-coded signal to
//! near silence within 20 ms and leaves the next decodes quiet for another 30–40 ms
//! while its energy prediction recovers.

use std::collections::VecDeque;

use super::stretch::{best_lag, MAX_LAG, MIN_LAG};

/// Audio remembered for the pitch search.
const HISTORY: usize = 2 * MAX_LAG;
/// Length of the cross-fade into new audio.
const MERGE: usize = MIN_LAG;

#[derive(Debug, Default)]
pub(crate) struct Expander {
    history: VecDeque<f32>,
    period: Vec<f32>,
    pos: usize,
}

impl Expander {
    /// Remembers audio as it is produced.
    pub(crate) fn observe(&mut self, pcm: &[f32]) {
        self.history.extend(pcm);
        let excess = self.history.len().saturating_sub(HISTORY);
        self.history.drain(..excess);
    }

    /// `n` samples continuing the audio so far; `first` starts a new concealment.
    pub(crate) fn generate(&mut self, n: usize, first: bool) -> Vec<f32> {
        if first || self.period.is_empty() {
            self.start();
        }
        if self.period.is_empty() {
            return vec![0.0; n];
        }
        (0..n).map(|_| self.next()).collect()
    }

    /// Joins new audio to a concealment: skips up to one period of `pcm` to line it up
    /// with the repetition, then cross-fades. Returns the aligned audio.
    pub(crate) fn merge(&mut self, pcm: &[f32]) -> Vec<f32> {
        if self.period.is_empty() || pcm.len() < 2 * MERGE {
            return pcm.to_vec();
        }
        let cont: Vec<f32> = (0..MERGE).map(|_| self.next()).collect();
        let max_offset = self.period.len().min(pcm.len() - MERGE);
        let offset = (0..max_offset)
            .max_by(|&a, &b| corr(&cont, &pcm[a..]).total_cmp(&corr(&cont, &pcm[b..])))
            .unwrap_or(0);
        let mut out = pcm[offset..].to_vec();
        for (i, (s, c)) in out.iter_mut().zip(&cont).enumerate() {
            let w = i as f32 / MERGE as f32;
            *s = *s * w + c * (1.0 - w);
        }
        self.period.clear();
        out
    }

    fn start(&mut self) {
        self.pos = 0;
        self.period.clear();
        if self.history.len() < 2 * MIN_LAG {
            return;
        }
        let reversed: Vec<f32> = self.history.iter().rev().copied().collect();
        if let Some((lag, _)) = best_lag(&reversed) {
            let from = self.history.len() - lag;
            self.period = self.history.range(from..).copied().collect();
        }
    }

    fn next(&mut self) -> f32 {
        let s = self.period[self.pos % self.period.len()];
        self.pos += 1;
        s
    }
}

fn corr(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(from: usize, n: usize) -> Vec<f32> {
        (from..from + n)
            .map(|i| 0.3 * (2.0 * std::f32::consts::PI * 200.0 * i as f32 / 48_000.0).sin())
            .collect()
    }

    #[test]
    fn continues_a_tone_and_merges_back_without_a_click() {
        let mut e = Expander::default();
        e.observe(&tone(0, 960));
        let concealed = e.generate(960, true);
        // Period 240: the repetition is the tone itself.
        let expected = tone(960, 960);
        let err = concealed
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 1e-3, "{err}");
        // New audio 100 samples out of phase is lined up before the cross-fade.
        let merged = e.merge(&tone(1920 + 100, 960));
        let step = merged
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold((concealed[959] - merged[0]).abs(), f32::max);
        assert!(step < 0.01, "{step}");
        assert!(merged.len() > 960 - 240);
    }
}
