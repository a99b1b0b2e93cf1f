//! The app's chime: two rising notes (660 Hz then 880 Hz, 0.3 s each) with short fades so
//! it does not click. The ringtone repeats it every [`RING_PERIOD`]; the settings dialog's
//! speaker test plays it once.

use std::time::Duration;

/// The notes, in order, Hz.
pub const CHIME_NOTES_HZ: [f32; 2] = [660.0, 880.0];
/// How long each note lasts.
pub const NOTE_LENGTH: Duration = Duration::from_millis(300);
/// One ring: the chime, then a pause, then the next chime.
pub const RING_PERIOD: Duration = Duration::from_millis(2000);
/// Peak amplitude (about -10 dBFS).
const AMPLITUDE: f32 = 0.3;
/// Fade in and out of each note.
const FADE: Duration = Duration::from_millis(20);

/// The chime's samples at `sample_rate` (mono).
#[must_use]
pub fn chime(sample_rate: u32) -> Vec<f32> {
    let rate = sample_rate as f32;
    let len = (rate * NOTE_LENGTH.as_secs_f32()) as usize;
    let fade = (rate * FADE.as_secs_f32()).max(1.0);
    let mut samples = Vec::with_capacity(len * CHIME_NOTES_HZ.len());
    for freq in CHIME_NOTES_HZ {
        for i in 0..len {
            let t = i as f32 / rate;
            let env = (i.min(len - i) as f32 / fade).min(1.0);
            samples.push(AMPLITUDE * env * (std::f32::consts::TAU * freq * t).sin());
        }
    }
    samples
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::tone::dominant_frequency;
    use crate::AUDIO_RATE;

    #[test]
    fn plays_660_then_880_hz_for_three_tenths_of_a_second_each() {
        let samples = chime(AUDIO_RATE);
        let note = AUDIO_RATE as usize * 3 / 10;
        assert_eq!(samples.len(), 2 * note);
        for (half, want) in samples.chunks(note).zip(CHIME_NOTES_HZ) {
            let heard = dominant_frequency(half, AUDIO_RATE).expect("a note");
            assert!(
                (heard.frequency_hz - want).abs() <= 2.0,
                "{heard:?}, want {want}"
            );
            assert!(heard.purity > 0.9, "{heard:?}");
        }
    }

    #[test]
    fn fades_in_and_out_and_stays_below_full_scale() {
        let samples = chime(AUDIO_RATE);
        let peak = samples.iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!((peak - AMPLITUDE).abs() < 0.01, "peak {peak}");
        let edge = AUDIO_RATE as usize / 1000; // the first and last millisecond
        let loudest_edge = samples[..edge]
            .iter()
            .chain(&samples[samples.len() - edge..])
            .fold(0f32, |m, s| m.max(s.abs()));
        assert!(loudest_edge < 0.02, "clicks: {loudest_edge} at an edge");
    }

    #[test]
    fn any_rate_gives_the_same_duration() {
        assert_eq!(chime(16_000).len(), 9_600);
        assert_eq!(chime(44_100).len(), 26_460);
    }
}
