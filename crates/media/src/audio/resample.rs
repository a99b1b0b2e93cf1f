//! Mono sample-rate conversion on top of `rubato` (FFT resampler), used off the audio
//! callbacks: by the microphone worker (device rate → 48 kHz) and by the speaker writer
//! (48 kHz → device rate). Equal rates pass samples straight through.

use rubato::{FftFixedIn, Resampler as _};

/// Input chunk in frames (10 ms at 48 kHz).
const CHUNK: usize = 480;

/// Streaming mono resampler.
pub struct Resampler {
    inner: Option<FftFixedIn<f32>>,
    pending: Vec<f32>,
    out_buf: Vec<Vec<f32>>,
}

impl Resampler {
    /// Converts from `from_hz` to `to_hz`. `None` if a rate is zero or rubato refuses.
    pub fn new(from_hz: u32, to_hz: u32) -> Option<Self> {
        if from_hz == 0 || to_hz == 0 {
            return None;
        }
        let inner = if from_hz == to_hz {
            None
        } else {
            Some(FftFixedIn::<f32>::new(from_hz as usize, to_hz as usize, CHUNK, 1, 1).ok()?)
        };
        let out_len = inner.as_ref().map_or(0, |r| r.output_frames_max());
        Some(Self {
            inner,
            pending: Vec::with_capacity(CHUNK * 2),
            out_buf: vec![vec![0.0; out_len]],
        })
    }

    /// Whether samples pass through unchanged.
    pub fn is_passthrough(&self) -> bool {
        self.inner.is_none()
    }

    /// Feeds samples; appends whatever converted output is ready to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        let Some(inner) = self.inner.as_mut() else {
            out.extend_from_slice(input);
            return;
        };
        self.pending.extend_from_slice(input);
        let mut start = 0;
        while self.pending.len() - start >= inner.input_frames_next() {
            let need = inner.input_frames_next();
            let chunk = [&self.pending[start..start + need]];
            match inner.process_into_buffer(&chunk, &mut self.out_buf, None) {
                Ok((used, produced)) => {
                    out.extend_from_slice(&self.out_buf[0][..produced]);
                    start += used;
                }
                Err(e) => {
                    tracing::warn!("resampler failed, dropping {need} samples: {e}");
                    start += need;
                }
            }
        }
        self.pending.drain(..start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::tone::dominant_frequency;

    fn sine(rate: u32, freq: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (std::f32::consts::TAU * freq * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    #[test]
    fn converts_44k1_to_48k_keeping_pitch_and_length() {
        let input = sine(44_100, 1000.0, 44_100);
        let mut r = Resampler::new(44_100, 48_000).unwrap();
        let mut out = Vec::new();
        for chunk in input.chunks(441) {
            r.process(chunk, &mut out);
        }
        assert!(out.len().abs_diff(48_000) < 1_500, "{} samples", out.len());
        let est = dominant_frequency(&out[4_800..], 48_000).unwrap();
        assert!((est.frequency_hz - 1000.0).abs() <= 2.0, "{est:?}");
    }

    #[test]
    fn equal_rates_pass_through() {
        let mut r = Resampler::new(48_000, 48_000).unwrap();
        assert!(r.is_passthrough());
        let mut out = Vec::new();
        r.process(&[0.1, 0.2], &mut out);
        assert_eq!(out, vec![0.1, 0.2]);
        assert!(Resampler::new(0, 48_000).is_none());
    }
}
