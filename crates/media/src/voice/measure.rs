//! Level maths for judging voice processing: power, dBFS, echo return loss enhancement,
//! and feeding a [`VoiceProcessor`] the far end and the microphone in step. Pure.

use super::{VoiceProcessor, VOICE_CHUNK_SAMPLES};

/// Mean square of `x` (0 for nothing).
#[must_use]
pub fn power(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    x.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / x.len() as f64
}

/// RMS level in dB relative to full scale (a floor of −200 for silence).
#[must_use]
pub fn level_dbfs(x: &[f32]) -> f64 {
    10.0 * power(x).max(1e-20).log10()
}

/// Echo return loss enhancement, dB: how much quieter the processed output is than the
/// microphone signal it came from (`10 log10(P_mic / P_out)`), over the same samples.
#[must_use]
pub fn erle_db(mic: &[f32], out: &[f32]) -> f64 {
    10.0 * (power(mic).max(1e-20) / power(out).max(1e-20)).log10()
}

/// Runs `far` (played) and `mic` (captured) through `processor` in 10 ms steps, each far-end
/// chunk shown before the microphone chunk of the same moment, and returns the processed
/// microphone signal. Trailing samples short of a chunk are dropped.
pub fn run(processor: &mut VoiceProcessor, far: &[f32], mic: &[f32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(mic.len());
    for (f, m) in far
        .chunks_exact(VOICE_CHUNK_SAMPLES)
        .zip(mic.chunks_exact(VOICE_CHUNK_SAMPLES))
    {
        let mut chunk = m.to_vec();
        // Frame sizes are right by construction; a failure would show as no enhancement.
        let _ = processor.process_render(f);
        let _ = processor.process_capture(&mut chunk);
        out.extend_from_slice(&chunk);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_erle() {
        for (x, dbfs) in [
            (vec![1.0f32; 10], 0.0),
            (vec![0.1f32; 10], -20.0),
            (vec![0.01f32, -0.01], -40.0),
        ] {
            assert!((level_dbfs(&x) - dbfs).abs() < 1e-6, "{x:?}");
        }
        assert_eq!(level_dbfs(&[]), -200.0);
        assert!((erle_db(&[0.5; 4], &[0.005; 4]) - 40.0).abs() < 1e-6);
        assert!((erle_db(&[0.5; 4], &[0.5; 4])).abs() < 1e-9);
    }
}
