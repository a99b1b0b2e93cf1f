//! Lip sync as the receiver meets it, from the stamps the sender's synthetic media carry:
//! each video frame's capture time (the test pattern's stamp) and each beep's (the tone
//! microphone starts a beep whenever the capture clock is a multiple of its period).
//!
//! Per beep heard: mouth-to-ear = when its onset came out of the jitter buffer minus when
//! it was captured; the frame captured nearest to the beep gives the video latency of
//! that instant; the offset is video latency minus audio latency, i.e. when the picture
//! of the beep's instant was shown minus when its sound was played (positive: the lips
//! move after the voice). Both ends are where the engine hands media out (the agent's
//! queues); a speaker's own buffer is not included (`--speaker-monitor` adds it:
//! `speaker_heard.rs`).

use peercall_media::source::tone::{BeepDetector, ToneConfig};

use crate::measure::percentile;

/// A frame this close (capture time) to a beep stands for its instant.
const MATCH_US: u64 = 40_000;

/// Beeps captured within this of the first one heard are the call's start: before the
/// first sender reports and the sync's first corrections, while the video path itself
/// settles (first keyframe, first repairs). Reported apart as well, never instead.
pub const START_US: u64 = 5_000_000;

/// See the module documentation.
#[derive(Debug)]
pub struct AvSyncMeasure {
    tone: ToneConfig,
    beeps: BeepDetector,
    /// (capture time, µs; mouth-to-ear, ms) of each beep heard.
    heard: Vec<(u64, f64)>,
    /// (capture time, µs; glass-to-glass, ms) of each stamped frame shown, in order.
    shown: Vec<(u64, f64)>,
}

impl Default for AvSyncMeasure {
    fn default() -> Self {
        let tone = ToneConfig::default();
        Self {
            beeps: BeepDetector::for_tone(&tone),
            tone,
            heard: Vec::new(),
            shown: Vec::new(),
        }
    }
}

impl AvSyncMeasure {
    /// A stamped frame captured at `capture_us` was shown at `shown_us`.
    pub fn frame(&mut self, capture_us: u64, shown_us: u64) {
        let latency_ms = shown_us.saturating_sub(capture_us) as f64 / 1000.0;
        self.shown.push((capture_us, latency_ms));
    }

    /// Received audio whose first sample was played at `first_sample_us`.
    pub fn audio(&mut self, samples: &[f32], first_sample_us: u64) {
        for onset in self.beeps.feed(samples, first_sample_us) {
            if let Some(captured) = self.tone.beep_onset_before(onset) {
                self.heard
                    .push((captured, (onset - captured) as f64 / 1000.0));
            }
        }
    }

    /// (capture time µs, mouth-to-ear ms) of each beep out of the jitter buffer.
    #[must_use]
    pub fn beeps(&self) -> &[(u64, f64)] {
        &self.heard
    }

    /// Mouth-to-ear percentile (0..=100), ms.
    #[must_use]
    pub fn mouth_to_ear(&self, p: f64) -> Option<f64> {
        let v: Vec<f64> = self.heard.iter().map(|h| h.1).collect();
        percentile(&v, p)
    }

    /// Video minus audio playout of the same capture instant, per beep matched, ms.
    #[must_use]
    pub fn offsets(&self) -> Vec<f64> {
        self.offsets_from(0)
    }

    /// [`offsets`](Self::offsets) of the beeps captured [`START_US`] or more after the
    /// first one heard (the call past its start).
    #[must_use]
    pub fn settled_offsets(&self) -> Vec<f64> {
        let first = self.heard.first().map_or(0, |h| h.0);
        self.offsets_from(first.saturating_add(START_US))
    }

    fn offsets_from(&self, from_us: u64) -> Vec<f64> {
        self.heard
            .iter()
            .filter(|h| h.0 >= from_us)
            .filter_map(|&(captured, audio_ms)| {
                let video_ms = self.nearest_frame(captured)?;
                Some(video_ms - audio_ms)
            })
            .collect()
    }

    /// The glass-to-glass latency of the frame captured nearest `at_us`, if near enough.
    fn nearest_frame(&self, at_us: u64) -> Option<f64> {
        let i = self.shown.partition_point(|f| f.0 < at_us);
        [i.checked_sub(1), Some(i)]
            .into_iter()
            .flatten()
            .filter_map(|j| self.shown.get(j))
            .filter(|f| f.0.abs_diff(at_us) <= MATCH_US)
            .min_by_key(|f| f.0.abs_diff(at_us))
            .map(|f| f.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peercall_media::source::tone::ToneSource;

    /// Plays the tone as a receiver would hear it `audio_ms` after capture, and shows
    /// 30 fps frames `video_ms` after theirs, for `seconds`.
    fn call(audio_ms: u64, video_ms: u64, seconds: u64) -> AvSyncMeasure {
        let mut m = AvSyncMeasure::default();
        let mut tone = ToneSource::new(ToneConfig::default());
        let t0 = 100_000_000u64; // a multiple of the beep period
        let mut block = vec![0.0f32; 480];
        for k in 0..seconds * 100 {
            let captured = t0 + k * 10_000;
            tone.fill(&mut block, captured);
            m.audio(&block, captured + audio_ms * 1000);
        }
        for n in 0..seconds * 30 {
            let captured = t0 + 5_000 + n * 33_333;
            m.frame(captured, captured + video_ms * 1000);
        }
        m
    }

    #[test]
    fn offset_and_mouth_to_ear_from_beeps_and_stamps() {
        // (audio ms, video ms, offset ms)
        for (audio, video, offset) in [(60, 60, 0.0), (80, 30, -50.0), (40, 140, 100.0)] {
            let m = call(audio, video, 5);
            let offsets = m.offsets();
            assert!(offsets.len() >= 4, "{offsets:?}");
            for o in &offsets {
                // The beep's onset is found to 1 ms.
                assert!((o - offset).abs() <= 1.5, "{audio}/{video}: {offsets:?}");
            }
            let m2e = m.mouth_to_ear(50.0).expect("beeps heard");
            assert!((m2e - audio as f64).abs() <= 1.5, "{m2e}");
        }
    }

    #[test]
    fn the_call_s_first_five_seconds_are_left_out_of_the_settled_offsets() {
        let mut m = call(60, 60, 10);
        let all = m.offsets().len();
        let settled = m.settled_offsets().len();
        // One beep a second: the first five are the start.
        assert_eq!(all - settled, 5, "{all} / {settled}");
        // A late start shows in all offsets, not in the settled ones.
        let first = m.heard[0].0;
        for f in m.shown.iter_mut().filter(|f| f.0 < first + START_US) {
            f.1 += 100.0;
        }
        assert!(m.offsets().iter().any(|o| *o > 90.0));
        assert!(m.settled_offsets().iter().all(|o| o.abs() <= 1.5));
    }

    #[test]
    fn no_frames_near_a_beep_no_offset() {
        let mut m = call(60, 60, 3);
        m.shown.clear();
        assert!(m.offsets().is_empty());
        assert!(m.mouth_to_ear(50.0).is_some());
    }
}
