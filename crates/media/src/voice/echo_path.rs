//! A synthesized echo path for measuring echo cancellation without a room: speech-like
//! talkers (a glottal pulse train through vowel formants, in syllables and pauses, with
//! some fricative noise) and the path from the speaker to the microphone (a delay, a short
//! room response of decaying reflections, and noise). Deterministic for a seed. Pure.

use std::f32::consts::PI;

use crate::frame::AUDIO_RATE;

const RATE: f32 = AUDIO_RATE as f32;

/// A small deterministic generator (xorshift64*), so the signals need no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded (any seed, 0 included).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (v >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform in [-1, 1).
    pub fn signed(&mut self) -> f32 {
        self.unit() * 2.0 - 1.0
    }
}

/// A two-pole resonator with unity gain at DC.
#[derive(Debug, Clone, Copy, Default)]
struct Resonator {
    a: f32,
    b: f32,
    c: f32,
    y1: f32,
    y2: f32,
}

impl Resonator {
    fn tune(&mut self, freq: f32, bandwidth: f32) {
        let r = (-PI * bandwidth / RATE).exp();
        self.c = -r * r;
        self.b = 2.0 * r * (2.0 * PI * freq / RATE).cos();
        self.a = 1.0 - self.b - self.c;
    }

    fn step(&mut self, x: f32) -> f32 {
        let y = self.a * x + self.b * self.y1 + self.c * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// Formants (F1, F2, F3) of a few vowels, Hz.
const VOWELS: [[f32; 3]; 6] = [
    [730.0, 1090.0, 2440.0],
    [270.0, 2290.0, 3010.0],
    [300.0, 870.0, 2240.0],
    [530.0, 1840.0, 2480.0],
    [570.0, 840.0, 2410.0],
    [660.0, 1720.0, 2410.0],
];

/// `seconds` of a speech-like talker with a pitch around `pitch_hz`: syllables of
/// 120-300 ms separated by pauses of 40-250 ms (now and then 0.4-0.8 s), with active
/// speech at about `level_dbfs` RMS.
#[must_use]
pub fn speech(seed: u64, pitch_hz: f32, seconds: f32, level_dbfs: f32) -> Vec<f32> {
    let total = (seconds * RATE) as usize;
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(total);
    let mut formants = [Resonator::default(); 3];
    let mut glottis = 0.0f32;
    let mut phase = 0.0f32;
    let mut active = 0usize;
    let mut energy = 0.0f64;
    while out.len() < total {
        let syllable = (rng.range(0.12, 0.30) * RATE) as usize;
        let vowel = VOWELS[(rng.unit() * VOWELS.len() as f32) as usize % VOWELS.len()];
        for (r, f) in formants.iter_mut().zip(vowel) {
            r.tune(f * rng.range(0.9, 1.1), 80.0 + f * 0.04);
        }
        let fricative = if rng.unit() < 0.35 {
            (rng.range(0.04, 0.08) * RATE) as usize
        } else {
            0
        };
        let f0 = pitch_hz * rng.range(0.85, 1.15);
        let glide = rng.range(-0.2, 0.1);
        let mut last_noise = 0.0f32;
        for i in 0..syllable {
            let t = i as f32 / syllable as f32;
            let env = (i as f32 / (0.02 * RATE)).min(1.0)
                * ((syllable - i) as f32 / (0.03 * RATE)).min(1.0);
            let sample = if i < fricative {
                // Hiss: differenced noise (a high-pass), no voicing.
                let n = rng.signed();
                let s = (n - last_noise) * 0.25;
                last_noise = n;
                s
            } else {
                phase += f0 * (1.0 + glide * t) / RATE;
                // A glottal pulse per period, smoothed (a one-pole low-pass).
                let pulse = if phase >= 1.0 {
                    phase -= 1.0;
                    1.0
                } else {
                    0.0
                };
                glottis += (pulse + rng.signed() * 0.02 - glottis) * 0.3;
                formants.iter_mut().fold(glottis, |x, r| r.step(x))
            };
            let s = sample * env;
            energy += f64::from(s) * f64::from(s);
            out.push(s);
        }
        active += syllable;
        let pause = if rng.unit() < 0.15 {
            rng.range(0.4, 0.8)
        } else {
            rng.range(0.04, 0.25)
        };
        out.extend(std::iter::repeat_n(0.0, (pause * RATE) as usize));
    }
    out.truncate(total);
    let rms = (energy / active.max(1) as f64).sqrt() as f32;
    let gain = if rms > 0.0 {
        10f32.powf(level_dbfs / 20.0) / rms
    } else {
        0.0
    };
    out.iter_mut().for_each(|s| *s *= gain);
    out
}

/// The path from the speaker to the microphone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EchoPath {
    /// Speaker-to-microphone delay of the direct sound (device buffers included), ms.
    pub delay_ms: f32,
    /// Echo level relative to what the speaker plays, dB (−6: a loud laptop speaker).
    pub gain_db: f32,
    /// Length of the room response after the direct sound, ms.
    pub tail_ms: f32,
    /// Time for the reflections to decay by 60 dB, ms.
    pub rt60_ms: f32,
    /// Level of the microphone's own noise, dBFS RMS.
    pub noise_dbfs: f32,
    /// Seed of the reflections and the noise.
    pub seed: u64,
}

impl Default for EchoPath {
    fn default() -> Self {
        Self {
            delay_ms: 50.0,
            gain_db: -6.0,
            tail_ms: 40.0,
            rt60_ms: 150.0,
            noise_dbfs: -60.0,
            seed: 7,
        }
    }
}

impl EchoPath {
    /// The impulse response as (lag in samples, gain) taps: the direct sound and 24
    /// reflections of random sign decaying at `rt60_ms`, scaled to `gain_db` of energy.
    #[must_use]
    pub fn taps(&self) -> Vec<(usize, f32)> {
        let mut rng = Rng::new(self.seed);
        let delay = (self.delay_ms * RATE / 1000.0) as usize;
        let tail = (self.tail_ms * RATE / 1000.0) as usize;
        let mut taps = vec![(delay, 1.0f32), (delay + 1, 0.4)];
        for _ in 0..24 {
            let lag = rng.range(0.02, 1.0) * tail as f32;
            let decay = 10f32.powf(-3.0 * lag / (self.rt60_ms * RATE / 1000.0));
            let sign = if rng.unit() < 0.5 { -1.0 } else { 1.0 };
            taps.push((delay + lag as usize, sign * rng.range(0.3, 0.7) * decay));
        }
        let energy: f32 = taps.iter().map(|(_, g)| g * g).sum();
        let scale = 10f32.powf(self.gain_db / 20.0) / energy.sqrt();
        taps.iter_mut().for_each(|(_, g)| *g *= scale);
        taps
    }

    /// The echo of `far` (what the speaker plays) at the microphone, without noise.
    #[must_use]
    pub fn echo(&self, far: &[f32]) -> Vec<f32> {
        let taps = self.taps();
        let mut out = vec![0.0f32; far.len()];
        for (lag, g) in taps {
            for (o, &x) in out[lag.min(far.len())..].iter_mut().zip(far) {
                *o += g * x;
            }
        }
        out
    }

    /// `len` samples of the microphone's white noise.
    #[must_use]
    pub fn noise(&self, len: usize) -> Vec<f32> {
        let mut rng = Rng::new(self.seed ^ 0xA5A5);
        // Uniform noise of amplitude a has RMS a/sqrt(3).
        let amp = 10f32.powf(self.noise_dbfs / 20.0) * 3f32.sqrt();
        (0..len).map(|_| rng.signed() * amp).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voice::measure::{level_dbfs, power};

    #[test]
    fn speech_has_the_asked_level_pauses_and_is_deterministic() {
        let s = speech(1, 120.0, 4.0, -20.0);
        assert_eq!(s.len(), 4 * AUDIO_RATE as usize);
        assert_eq!(s, speech(1, 120.0, 4.0, -20.0));
        assert_ne!(s, speech(2, 120.0, 4.0, -20.0));
        let silent = s.iter().filter(|x| **x == 0.0).count() as f32 / s.len() as f32;
        assert!((0.1..0.7).contains(&silent), "pauses: {silent}");
        let active: Vec<f32> = s.iter().copied().filter(|x| *x != 0.0).collect();
        let level = level_dbfs(&active);
        assert!((level + 20.0).abs() < 1.5, "active level {level}");
        assert!(s.iter().all(|x| x.abs() < 1.0));
    }

    #[test]
    fn the_echo_is_delayed_and_has_the_asked_gain() {
        let path = EchoPath {
            delay_ms: 30.0,
            ..EchoPath::default()
        };
        let mut impulse = vec![0.0f32; 4800];
        impulse[0] = 1.0;
        let h = path.echo(&impulse);
        let first = h.iter().position(|x| x.abs() > 0.0).expect("echo");
        assert_eq!(first, 30 * 48);
        let gain = 10.0 * power(&h).log10() + 10.0 * (h.len() as f64).log10();
        assert!((gain - -6.0).abs() < 0.01, "energy gain {gain} dB");
        let last = h.iter().rposition(|x| x.abs() > 0.0).expect("tail");
        assert!(last <= first + 40 * 48, "tail ends by 40 ms");
    }

    #[test]
    fn noise_has_the_asked_level() {
        let path = EchoPath::default();
        let n = path.noise(48_000);
        assert!((level_dbfs(&n) + 60.0).abs() < 0.5);
    }
}
