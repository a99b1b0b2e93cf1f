//! The tone microphone's signal (a sine with timed beeps) and the matching detectors.
//!
//! Beeps are scheduled on the shared capture clock: a beep starts whenever the capture time
//! is a multiple of `period_us`. A receiver that detects a beep onset at its own clock time
//! `t` therefore knows it was sent at `t - t % period_us` (if the latency is below one
//! period) and can compute mouth-to-ear latency without any side channel.

use crate::frame::AUDIO_RATE;

/// Timed beeps: louder bursts of the tone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeepConfig {
    /// Time between beep onsets in µs; onsets fall on multiples of it on the capture clock.
    pub period_us: u64,
    /// Length of each beep in µs.
    pub length_us: u64,
    /// Amplitude during a beep.
    pub amplitude: f32,
}

/// What the tone microphone plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneConfig {
    /// Frequency of the sine, Hz.
    pub frequency_hz: f32,
    /// Amplitude between beeps (0 for silence between beeps).
    pub amplitude: f32,
    /// Beeps, if any.
    pub beep: Option<BeepConfig>,
}

impl Default for ToneConfig {
    fn default() -> Self {
        Self {
            frequency_hz: 440.0,
            amplitude: 0.1,
            beep: Some(BeepConfig {
                period_us: 1_000_000,
                length_us: 60_000,
                amplitude: 0.6,
            }),
        }
    }
}

impl ToneConfig {
    /// When the beep that started at or before `t_us` was sent (see the module doc).
    pub fn beep_onset_before(&self, t_us: u64) -> Option<u64> {
        self.beep
            .filter(|b| b.period_us > 0)
            .map(|b| t_us - t_us % b.period_us)
    }
}

/// Generates the tone at [`AUDIO_RATE`], phase-continuous across calls.
#[derive(Debug, Clone)]
pub struct ToneSource {
    config: ToneConfig,
    phase: f64,
}

impl ToneSource {
    /// A source for this configuration.
    pub fn new(config: ToneConfig) -> Self {
        Self { config, phase: 0.0 }
    }

    /// The configuration.
    pub fn config(&self) -> &ToneConfig {
        &self.config
    }

    /// Fills `out` with consecutive samples, the first one captured at `start_time_us`.
    pub fn fill(&mut self, out: &mut [f32], start_time_us: u64) {
        let step =
            std::f64::consts::TAU * f64::from(self.config.frequency_hz) / f64::from(AUDIO_RATE);
        for (i, s) in out.iter_mut().enumerate() {
            let t = start_time_us + i as u64 * 1_000_000 / u64::from(AUDIO_RATE);
            let amp = match self.config.beep {
                Some(b) if b.period_us > 0 && t % b.period_us < b.length_us => b.amplitude,
                _ => self.config.amplitude,
            };
            *s = amp * self.phase.sin() as f32;
            self.phase = (self.phase + step) % std::f64::consts::TAU;
        }
    }
}

/// The strongest sinusoid found in a block of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneEstimate {
    /// Its frequency, Hz (about 1 Hz resolution).
    pub frequency_hz: f32,
    /// Its share of the block's energy, 0..=1 (1 for a pure tone).
    pub purity: f32,
}

/// Energy share of the component at `frequency_hz` in `samples` (Goertzel), 0..=1.
pub fn tone_purity(samples: &[f32], frequency_hz: f32, sample_rate: u32) -> f32 {
    let energy: f64 = samples.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    if samples.is_empty() || energy <= 1e-12 {
        return 0.0;
    }
    let w = std::f64::consts::TAU * f64::from(frequency_hz) / f64::from(sample_rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    (2.0 * power / (samples.len() as f64 * energy)).min(1.0) as f32
}

/// Finds the dominant frequency between 50 Hz and 8 kHz: a 10 Hz scan, then a 1 Hz refine.
/// `None` for silence.
pub fn dominant_frequency(samples: &[f32], sample_rate: u32) -> Option<ToneEstimate> {
    let top = (sample_rate / 2).min(8_000) as i32;
    let best = |range: &mut dyn Iterator<Item = i32>| {
        range
            .map(|f| (f, tone_purity(samples, f as f32, sample_rate)))
            .fold((0, 0.0f32), |a, b| if b.1 > a.1 { b } else { a })
    };
    let (coarse, p) = best(&mut (5..=top / 10).map(|f| f * 10));
    if p <= 0.0 {
        return None;
    }
    let (fine, purity) = best(&mut ((coarse - 10).max(1)..=coarse + 10));
    Some(ToneEstimate {
        frequency_hz: fine as f32,
        purity,
    })
}

/// Finds beep onsets in a stream: 1 ms windows whose RMS rises above a threshold after at
/// least `min_quiet_ms` of windows below it.
#[derive(Debug, Clone)]
pub struct BeepDetector {
    threshold: f32,
    min_quiet_windows: u32,
    quiet_windows: u32,
    window: [f32; 48],
    filled: usize,
    window_start_us: u64,
}

impl BeepDetector {
    /// A detector with an RMS threshold and the quiet time needed before a new onset.
    pub fn new(threshold_rms: f32, min_quiet_ms: u32) -> Self {
        Self {
            threshold: threshold_rms,
            min_quiet_windows: min_quiet_ms.max(1),
            quiet_windows: 0,
            window: [0.0; 48],
            filled: 0,
            window_start_us: 0,
        }
    }

    /// A detector tuned for a tone configuration: threshold halfway between the tone's and
    /// the beep's RMS, 20 ms of quiet required.
    pub fn for_tone(config: &ToneConfig) -> Self {
        let beep = config.beep.map_or(config.amplitude, |b| b.amplitude);
        let mid = (config.amplitude + beep) / 2.0;
        Self::new(mid / std::f32::consts::SQRT_2, 20)
    }

    /// Feeds consecutive 48 kHz samples, the first played/captured at `first_sample_us`
    /// (pass the same timeline throughout). Returns the onset times found in them.
    pub fn feed(&mut self, samples: &[f32], first_sample_us: u64) -> Vec<u64> {
        let mut onsets = Vec::new();
        for (i, &x) in samples.iter().enumerate() {
            if self.filled == 0 {
                self.window_start_us =
                    first_sample_us + i as u64 * 1_000_000 / u64::from(AUDIO_RATE);
            }
            self.window[self.filled] = x;
            self.filled += 1;
            if self.filled == self.window.len() {
                self.filled = 0;
                let rms = (self.window.iter().map(|v| v * v).sum::<f32>() / 48.0).sqrt();
                if rms >= self.threshold {
                    if self.quiet_windows >= self.min_quiet_windows {
                        onsets.push(self.window_start_us);
                    }
                    self.quiet_windows = 0;
                } else {
                    self.quiet_windows = self.quiet_windows.saturating_add(1);
                }
            }
        }
        onsets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_frequency_of_the_tone() {
        for f in [300.0, 440.0, 1000.0, 2500.0] {
            let mut src = ToneSource::new(ToneConfig {
                frequency_hz: f,
                amplitude: 0.5,
                beep: None,
            });
            let mut buf = vec![0.0; 4800];
            src.fill(&mut buf, 0);
            let est = dominant_frequency(&buf, AUDIO_RATE).unwrap();
            assert!((est.frequency_hz - f).abs() <= 2.0, "{est:?} for {f}");
            assert!(est.purity > 0.95, "{est:?}");
        }
        assert_eq!(dominant_frequency(&[0.0; 960], AUDIO_RATE), None);
    }

    #[test]
    fn beeps_fall_on_clock_multiples_and_are_detected() {
        let cfg = ToneConfig::default();
        let mut src = ToneSource::new(cfg);
        let mut det = BeepDetector::for_tone(&cfg);
        // Start 0.3 s before a period boundary, run 2.5 s in 20 ms chunks.
        let start = 7_000_000 - 300_000;
        let mut onsets = Vec::new();
        let mut buf = [0.0f32; 960];
        for k in 0..125u64 {
            let t = start + k * 20_000;
            src.fill(&mut buf, t);
            onsets.extend(det.feed(&buf, t));
        }
        assert_eq!(onsets.len(), 3, "{onsets:?}");
        for (o, expect) in onsets.iter().zip([7_000_000u64, 8_000_000, 9_000_000]) {
            assert!(o.abs_diff(expect) <= 1_000, "{o} vs {expect}");
            assert_eq!(cfg.beep_onset_before(o + 500), Some(expect));
        }
    }
}
