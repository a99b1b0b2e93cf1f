//! What the agent measures on the receiving side: stamped frames (count, gaps,
//! glass-to-glass latency at decode and at playout), how smooth the video was
//! (freezes, frames per second), and the remote tone.

use std::sync::{Arc, Mutex};

use peercall_media::clock::now_us;
use peercall_media::source::tone::{dominant_frequency, tone_purity};
use peercall_media::{AudioFrame, FrameSink, Picture, AUDIO_RATE};

use crate::audio_gaps::GapDetector;
use crate::av_sync::AvSyncMeasure;
use crate::pause::LongestPause;
use crate::smoothness::{FpsSeries, FreezeDetector};

/// Tone frequency the synthetic microphone plays.
pub const TONE_HZ: f32 = 440.0;

/// The measurer as the engine's remote-video sink: each picture is measured on the
/// decoder's thread the moment the engine shows it, as the app's bridge would take it.
pub struct MeasureSink(pub Arc<Mutex<Measure>>);

impl FrameSink for MeasureSink {
    fn show(&self, picture: Picture) {
        if let Ok(mut m) = self.0.lock() {
            m.frame(&picture, now_us());
        }
    }

    fn clear(&self) {}
}

/// Accumulates measurements of one call.
#[derive(Debug, Default)]
pub struct Measure {
    frames: u64,
    first_number: Option<u64>,
    last_number: Option<u64>,
    out_of_order: u64,
    latencies_ms: Vec<f64>,
    playout_latencies_ms: Vec<f64>,
    playout_delays_ms: Vec<f64>,
    freezes: FreezeDetector,
    fps: FpsSeries,
    pause: LongestPause,
    audio_frames: u64,
    pcm: Vec<f32>,
    tone_hits: u32,
    tone_hz: Option<f32>,
    gaps: GapDetector,
    av: AvSyncMeasure,
}

impl Measure {
    /// Takes one decoded remote frame, shown at `shown_at_us` (the capture clock,
    /// `peercall_media::clock::now_us`).
    pub fn frame(&mut self, f: &Picture, shown_at_us: u64) {
        self.frames += 1;
        let shown_ms = shown_at_us as f64 / 1000.0;
        self.freezes.frame(shown_ms);
        self.fps.frame(shown_ms);
        self.pause.frame(shown_ms);
        if !f.stamped {
            return;
        }
        let n = f.frame.frame_number;
        if let Some(last) = self.last_number {
            if n < last {
                self.out_of_order += 1;
            }
            if n <= last {
                return; // a repeat (the camera showed the same picture) or out of order
            }
        }
        self.first_number.get_or_insert(n);
        self.last_number = Some(n);
        let ms = |us: u64| us as f64 / 1000.0;
        let capture = f.frame.capture_time_us;
        self.latencies_ms
            .push(ms(f.decoded_at_us.saturating_sub(capture)));
        self.playout_latencies_ms
            .push(ms(shown_at_us.saturating_sub(capture)));
        self.playout_delays_ms
            .push(ms(shown_at_us.saturating_sub(f.decoded_at_us)));
        self.av.frame(capture, shown_at_us);
    }

    /// Takes one remote audio frame; checks the tone every quarter second (a single
    /// Goertzel bin, cheap), and finds the dominant frequency once, on the first window
    /// that carries the tone.
    pub fn audio(&mut self, a: &AudioFrame) {
        self.audio_frames += 1;
        self.gaps.samples(&a.samples);
        self.av.audio(&a.samples, a.capture_time_us);
        self.pcm.extend_from_slice(&a.samples);
        let window = AUDIO_RATE as usize / 4;
        if self.pcm.len() >= window {
            let samples = &self.pcm[..window];
            if tone_purity(samples, TONE_HZ, AUDIO_RATE) > 0.5 {
                self.tone_hits += 1;
                if self.tone_hz.is_none() {
                    self.tone_hz = dominant_frequency(samples, AUDIO_RATE)
                        .map(|e| e.frequency_hz)
                        .filter(|f| (f - TONE_HZ).abs() < 15.0);
                }
            }
            self.pcm.clear();
        }
    }

    /// Stamped frames shown after a newer one (never expected: frames are decoded in
    /// order).
    #[must_use]
    pub fn out_of_order(&self) -> u64 {
        self.out_of_order
    }

    /// Stamped frames received (distinct, in order).
    #[must_use]
    pub fn stamped(&self) -> u64 {
        self.latencies_ms.len() as u64
    }

    /// Frames decoded (stamped or not).
    #[must_use]
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Frame numbers missing between the first and last stamped frame.
    #[must_use]
    pub fn lost(&self) -> u64 {
        match (self.first_number, self.last_number) {
            (Some(a), Some(b)) => (b - a + 1).saturating_sub(self.stamped()),
            _ => 0,
        }
    }

    /// Frame numbers from the first to the last stamped frame (received or lost).
    #[must_use]
    #[cfg(test)]
    pub fn span(&self) -> u64 {
        match (self.first_number, self.last_number) {
            (Some(a), Some(b)) => b - a + 1,
            _ => 0,
        }
    }

    /// Latency percentile (0..=100), capture to decode, ms.
    #[must_use]
    pub fn latency_percentile(&self, p: f64) -> Option<f64> {
        percentile(&self.latencies_ms, p)
    }

    /// Glass-to-glass percentile (0..=100), capture to playout (the agent taking
    /// the frame), ms.
    #[must_use]
    pub fn glass_to_glass_percentile(&self, p: f64) -> Option<f64> {
        percentile(&self.playout_latencies_ms, p)
    }

    /// Playout delay percentile (0..=100), decode to playout, ms.
    #[must_use]
    pub fn playout_delay_percentile(&self, p: f64) -> Option<f64> {
        percentile(&self.playout_delays_ms, p)
    }

    /// Freezes (Chromium's definition) and their total duration, seconds.
    #[must_use]
    pub fn freezes(&self) -> (u64, f64) {
        (self.freezes.count(), self.freezes.total_seconds())
    }

    /// The lowest and the median frames shown per second, over the whole seconds
    /// from the first frame to `end_us`.
    #[must_use]
    pub fn fps_min_median(&self, end_us: u64) -> (Option<f64>, Option<f64>) {
        self.fps.min_median(end_us as f64 / 1000.0)
    }

    /// The longest gap between frames shown (ms) and the frames shown after it.
    #[must_use]
    pub fn longest_pause(&self) -> (f64, u64) {
        (self.pause.longest_ms(), self.pause.frames_after())
    }

    /// Silent runs in the received audio: count, longest (ms), and those over 60 ms.
    #[must_use]
    pub fn audio_gaps(&self) -> (u64, f64, u64) {
        self.gaps.gaps()
    }

    /// Lip sync and mouth-to-ear, from the beeps and stamps.
    #[must_use]
    pub fn av_sync(&self) -> &AvSyncMeasure {
        &self.av
    }

    /// Whether the tone was heard (in at least two quarter-second windows).
    #[must_use]
    pub fn tone(&self) -> (bool, Option<f32>) {
        (self.tone_hits >= 2, self.tone_hz)
    }
}

/// Nearest-rank percentile.
#[must_use]
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v.get(rank.clamp(1, v.len()) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use peercall_media::VideoFrame;

    #[test]
    fn percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 95.0), Some(95.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn gaps_count_as_lost_and_latency_comes_from_stamps() {
        let mut m = Measure::default();
        for n in [10u64, 11, 13, 14] {
            let mut frame = VideoFrame::black(64, 64);
            frame.frame_number = n;
            frame.capture_time_us = 1_000_000 + n * 33_000;
            let shown = frame.capture_time_us + 25_000;
            m.frame(
                &Picture {
                    decoded_at_us: frame.capture_time_us + 20_000,
                    frame,
                    stamped: true,
                },
                shown,
            );
        }
        assert_eq!((m.stamped(), m.lost(), m.span()), (4, 1, 5));
        assert_eq!(m.latency_percentile(50.0), Some(20.0));
        assert_eq!(m.glass_to_glass_percentile(50.0), Some(25.0));
        assert_eq!(m.playout_delay_percentile(95.0), Some(5.0));
    }

    /// The engine's decoder shows pictures on the sink; each is measured as shown then.
    #[test]
    fn pictures_shown_on_the_sink_are_measured() {
        let measure = Arc::new(Mutex::new(Measure::default()));
        let sink = MeasureSink(measure.clone());
        for n in [3u64, 4] {
            let mut frame = VideoFrame::black(64, 64);
            frame.frame_number = n;
            frame.capture_time_us = now_us();
            sink.show(Picture {
                decoded_at_us: frame.capture_time_us,
                frame,
                stamped: true,
            });
        }
        let m = measure.lock().unwrap();
        assert_eq!((m.frames(), m.stamped(), m.lost()), (2, 2, 0));
        assert!(m.glass_to_glass_percentile(50.0).is_some());
    }

    #[test]
    fn a_stall_at_playout_is_a_freeze_and_an_empty_second() {
        let mut m = Measure::default();
        let mut shown = 10_000_000u64;
        for n in 0..150u64 {
            // 30 fps, but frame 30 comes 1.5 s late.
            shown += if n == 30 { 1_500_000 } else { 33_333 };
            let mut frame = VideoFrame::black(64, 64);
            frame.frame_number = n;
            m.frame(
                &Picture {
                    decoded_at_us: shown,
                    frame,
                    stamped: false,
                },
                shown,
            );
        }
        let (count, secs) = m.freezes();
        assert_eq!(count, 1);
        assert!((secs - 1.5).abs() < 1e-9, "{secs}");
        let (min, median) = m.fps_min_median(shown);
        assert_eq!(min, Some(0.0));
        assert!(median.is_some_and(|x| x >= 29.0), "{median:?}");
        assert_eq!(m.frames(), 150);
        assert_eq!(m.stamped(), 0);
    }
}
