//! The audio part of the report: the jitter buffer's figures from the call's counters
//! and the gaps heard in the decoded output.

use peercall_engine::stats::CounterSnapshot;

use crate::measure::percentile;
use crate::measure::Measure;
use crate::report::{AudioReport, AvSyncReport, Latency, SpeakerReport};
use crate::speaker_heard::SpeakerHeard;

/// Builds the audio report.
#[must_use]
pub fn audio_report(m: &Measure, c: &CounterSnapshot, call_seconds: f64) -> AudioReport {
    let (tone_detected, tone_hz) = m.tone();
    let (gaps, longest_gap_ms, gaps_over_60ms) = m.audio_gaps();
    let pct = |n: u64| {
        (c.audio_samples_played > 0).then(|| n as f64 * 100.0 / c.audio_samples_played as f64)
    };
    let ms = |us: u64| (c.audio_samples_played > 0).then(|| us as f64 / 1000.0);
    AudioReport {
        packets_received: c.audio_packets_received,
        packets_lost: c.audio_packets_lost,
        tone_detected,
        tone_hz,
        concealed_pct: pct(c.audio_concealed_samples),
        fec_pct: pct(c.audio_fec_samples),
        red_pct: pct(c.audio_red_samples),
        stretch_pct: pct(c.audio_stretched_samples),
        underruns: c.audio_underruns,
        underruns_per_min: (call_seconds > 0.0)
            .then(|| c.audio_underruns as f64 * 60.0 / call_seconds),
        late_packets: c.audio_late_packets,
        buffer_delay_ms: Latency {
            p50: ms(c.audio_delay_p50_us),
            p95: ms(c.audio_delay_p95_us),
        },
        target_delay_ms: ms(c.audio_target_delay_us),
        gaps,
        longest_gap_ms,
        gaps_over_60ms,
    }
}

/// Builds the lip-sync report.
#[must_use]
pub fn av_sync_report(m: &Measure, c: &CounterSnapshot) -> AvSyncReport {
    let av = m.av_sync();
    let offsets = av.offsets();
    tracing::debug!(?offsets, "lip sync: video minus audio per beep, ms");
    let sizes: Vec<f64> = offsets.iter().map(|o| o.abs()).collect();
    let ms = |us: u64| us as f64 / 1000.0;
    AvSyncReport {
        offset_ms: Latency {
            p50: percentile(&offsets, 50.0),
            p95: percentile(&offsets, 95.0),
        },
        offset_abs_p95_ms: percentile(&sizes, 95.0),
        offset_abs_p95_settled_ms: percentile(
            &av.settled_offsets()
                .iter()
                .map(|o| o.abs())
                .collect::<Vec<_>>(),
            95.0,
        ),
        samples: offsets.len() as u64,
        mouth_to_ear_ms: Latency {
            p50: av.mouth_to_ear(50.0),
            p95: av.mouth_to_ear(95.0),
        },
        video_delay_ms: ms(c.sync_video_delay_us),
        audio_delay_ms: ms(c.sync_audio_delay_us),
        engine_offset_abs_ms: ms(c.sync_offset_abs_us),
        corrections: c.sync_corrections,
        speaker: None,
    }
}

/// The speaker's part of the lip-sync report: `heard` matched with the tap's beeps.
#[must_use]
pub fn speaker_report(m: &Measure, heard: &SpeakerHeard, source: String) -> SpeakerReport {
    let f = heard.figures(m.av_sync().beeps());
    tracing::debug!(?f.mouth_to_ear_ms, ?f.share_ms, "heard at the speaker, ms");
    SpeakerReport {
        source,
        beeps: f.heard,
        matched: f.matched,
        mouth_to_ear_ms: Latency {
            p50: f.mouth_to_ear(50.0),
            p95: f.mouth_to_ear(95.0),
        },
        share_ms: Latency {
            p50: f.share(50.0),
            p95: f.share(95.0),
        },
        error: None,
    }
}
