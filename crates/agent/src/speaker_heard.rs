//! Mouth-to-ear at the speaker, from a recording of the sink's monitor. Pure (no process,
//! no device): `speaker_monitor.rs` feeds it what `parec` hands over and when.
//!
//! A recording is a run of samples at a steady rate, not a list of times. Each read from
//! the recorder is stamped on the capture clock when it arrives: the last sample of that
//! read was heard (rendered into the sink, where the monitor taps it) at that time or
//! before, never after. So `arrival − position of the read's end` is an upper bound on
//! when the recording's first sample was heard, and the smallest such bound over the
//! recording (the read that waited least in the pipe) is the anchor. Each beep onset is
//! then the anchor plus its position. The monitor hears what the sound server renders
//! into the sink: a hardware sink's own buffer comes after it and is not in the figure.
//!
//! The beeps fall on whole multiples of the tone's period on the capture clock
//! (`peercall_media::source::tone`), so an onset heard at `t` was captured at
//! `t − t mod period` (latency below one period, 1 s), as at the engine's audio tap
//! (`av_sync.rs`). The same capture instant at both ends gives the speaker's share:
//! heard at the speaker minus out of the jitter buffer.

use peercall_media::source::tone::{BeepDetector, ToneConfig};
use peercall_media::AUDIO_RATE;

use crate::measure::percentile;

/// Beeps heard in a recording of the speaker.
#[derive(Debug)]
pub struct SpeakerHeard {
    tone: ToneConfig,
    beeps: BeepDetector,
    /// Samples recorded so far.
    samples: u64,
    /// When sample 0 was heard, µs on the capture clock (the smallest bound so far).
    anchor_us: Option<u64>,
    /// Onsets found, µs from sample 0.
    onsets_rel_us: Vec<u64>,
}

impl Default for SpeakerHeard {
    fn default() -> Self {
        let tone = ToneConfig::default();
        Self {
            beeps: BeepDetector::for_tone(&tone),
            tone,
            samples: 0,
            anchor_us: None,
            onsets_rel_us: Vec::new(),
        }
    }
}

/// The speaker's figures, matched with the beeps out of the jitter buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeakerFigures {
    /// Beeps heard at the speaker.
    pub heard: u64,
    /// Of those, beeps also found at the engine's tap (the same capture instant).
    pub matched: u64,
    /// Capture → heard at the speaker, ms, per beep heard.
    pub mouth_to_ear_ms: Vec<f64>,
    /// Heard at the speaker − out of the jitter buffer, ms, per beep matched.
    pub share_ms: Vec<f64>,
}

impl SpeakerFigures {
    /// Mouth-to-ear at the speaker, percentile (0..=100), ms.
    #[must_use]
    pub fn mouth_to_ear(&self, p: f64) -> Option<f64> {
        percentile(&self.mouth_to_ear_ms, p)
    }

    /// The speaker's share (tap → heard), percentile (0..=100), ms.
    #[must_use]
    pub fn share(&self, p: f64) -> Option<f64> {
        percentile(&self.share_ms, p)
    }
}

impl SpeakerHeard {
    /// Mono 48 kHz samples read from the recorder, their read completed at `arrival_us`.
    pub fn read(&mut self, samples: &[f32], arrival_us: u64) {
        let start_rel = self.samples * 1_000_000 / u64::from(AUDIO_RATE);
        self.onsets_rel_us
            .extend(self.beeps.feed(samples, start_rel));
        self.samples += samples.len() as u64;
        let end_rel = self.samples * 1_000_000 / u64::from(AUDIO_RATE);
        let bound = arrival_us.saturating_sub(end_rel);
        self.anchor_us = Some(self.anchor_us.map_or(bound, |a| a.min(bound)));
    }

    /// Onsets heard, µs on the capture clock.
    #[must_use]
    pub fn onsets_us(&self) -> Vec<u64> {
        let Some(anchor) = self.anchor_us else {
            return Vec::new();
        };
        self.onsets_rel_us.iter().map(|r| anchor + r).collect()
    }

    /// Matches the beeps heard with those the tap saw: `tap` is (capture time µs,
    /// mouth-to-ear out of the jitter buffer ms) per beep (`AvSyncMeasure::beeps`).
    #[must_use]
    pub fn figures(&self, tap: &[(u64, f64)]) -> SpeakerFigures {
        let mut figures = SpeakerFigures {
            heard: 0,
            matched: 0,
            mouth_to_ear_ms: Vec::new(),
            share_ms: Vec::new(),
        };
        for onset in self.onsets_us() {
            let Some(captured) = self.tone.beep_onset_before(onset) else {
                continue;
            };
            let heard_ms = (onset - captured) as f64 / 1000.0;
            figures.heard += 1;
            figures.mouth_to_ear_ms.push(heard_ms);
            if let Some(&(_, tap_ms)) = tap.iter().find(|b| b.0 == captured) {
                figures.matched += 1;
                figures.share_ms.push(heard_ms - tap_ms);
            }
        }
        figures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peercall_media::source::tone::ToneSource;

    /// The tone as heard `speaker_ms` after capture, recorded from `heard_from_us` on,
    /// handed over in `read_ms` reads, each arriving `pipe_ms(i)` after its last sample.
    fn recording(
        speaker_ms: u64,
        heard_from_us: u64,
        seconds: u64,
        read_ms: u64,
        pipe_ms: impl Fn(u64) -> u64,
    ) -> SpeakerHeard {
        let mut heard = SpeakerHeard::default();
        let mut tone = ToneSource::new(ToneConfig::default());
        let per_read = (u64::from(AUDIO_RATE) * read_ms / 1000) as usize;
        let mut block = vec![0.0f32; per_read];
        for i in 0..seconds * 1000 / read_ms {
            let first_heard = heard_from_us + i * read_ms * 1000;
            tone.fill(&mut block, first_heard - speaker_ms * 1000);
            let last_heard = first_heard + read_ms * 1000;
            heard.read(&block, last_heard + pipe_ms(i) * 1000);
        }
        heard
    }

    /// (ms at the speaker, the pipe's delay per read).
    type Pipe = (u64, fn(u64) -> u64);

    #[test]
    fn onsets_land_on_the_capture_clock_through_a_jittery_pipe() {
        // Not on a beep.
        let t0 = 200_000_000u64 + 123_000;
        let pipes: [Pipe; 3] = [
            (150, |_| 0),
            (208, |i| 5 + (i * 7) % 30), // never under 5 ms: the anchor is 5 ms late
            (90, |i| if i % 50 == 3 { 0 } else { 40 }),
        ];
        for (speaker_ms, pipe) in pipes {
            let heard = recording(speaker_ms, t0, 6, 10, pipe);
            let tap: Vec<(u64, f64)> = (200..=206).map(|s| (s * 1_000_000, 50.0)).collect();
            let f = heard.figures(&tap);
            assert!(f.heard >= 5, "{speaker_ms}: {f:?}");
            assert_eq!(f.matched, f.heard, "{f:?}");
            let m2e = f.mouth_to_ear(50.0).expect("heard");
            let least_pipe = (0..600).map(pipe).min().unwrap_or(0) as f64;
            assert!(
                (m2e - speaker_ms as f64 - least_pipe).abs() <= 1.5,
                "{speaker_ms}: {m2e} ({f:?})"
            );
            let share = f.share(50.0).expect("matched");
            assert!((share - (m2e - 50.0)).abs() < 1e-9, "{share}");
        }
    }

    #[test]
    fn beeps_the_tap_did_not_see_are_heard_but_not_matched() {
        let heard = recording(120, 300_000_000 + 500_000, 4, 20, |_| 2);
        let f = heard.figures(&[(302_000_000, 40.0)]);
        assert!(f.heard >= 3, "{f:?}");
        assert_eq!(f.matched, 1);
        assert!((f.share_ms[0] - (122.0 - 40.0)).abs() <= 1.5, "{f:?}");
    }

    #[test]
    fn nothing_recorded_nothing_heard() {
        let f = SpeakerHeard::default().figures(&[(1_000_000, 10.0)]);
        assert_eq!((f.heard, f.matched), (0, 0));
        assert_eq!(f.mouth_to_ear(50.0), None);
    }
}
