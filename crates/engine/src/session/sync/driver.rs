//! The thin driver of the sync core, run from the audio playout thread: each pull says
//! which audio RTP timestamp went out when; once a second the core gets both streams'
//! reports and latest playout, and its delays are applied (video's through the
//! [`SyncLink`], audio's returned to the caller for its jitter buffer) and published.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::core::{AvSync, Playing, StreamState, SyncConfig, SyncDelays};
use super::link::{Kind, Recent, SyncLink, RECENT_US};
use crate::stats::Counters;
use crate::tuning_env::{process_env, read_u32};

/// How often the core runs (libwebrtc: 1 s).
const INTERVAL: Duration = Duration::from_secs(1);
const AUDIO_RATE: u32 = 48_000;
const VIDEO_RATE: u32 = 90_000;
/// Opus's encoder look-ahead at 48 kHz (6.5 ms, `OPUS_GET_LOOKAHEAD` for the VoIP
/// application): the decoded sample at RTP time `t` carries what was captured at
/// `t - 312`. Without it the sync left the picture ~7 ms ahead of the sound (the agent's
/// beep-to-stamp measurement against the engine's own estimate).
const OPUS_LOOKAHEAD: u32 = 312;

/// The sync's settings with what `env` overrides for a benchmark (0 turns either off):
/// - `PEERCALL_SYNC_TAIL_WAIT_MS`: the most the voice waits for video's repair tail
///   (`SyncConfig::max_tail_wait`, 80 ms; at most 150);
/// - `PEERCALL_SYNC_VIDEO_LEAD_MS`: how far the picture may lead the voice
///   (`SyncConfig::video_lead`, 20 ms; at most 45).
fn config_from_env(env: &impl Fn(&str) -> Option<String>) -> SyncConfig {
    let d = SyncConfig::default();
    let ms = |name, hi, default: Duration| {
        read_u32(env, name, 0, hi).map_or(default, |v| Duration::from_millis(u64::from(v)))
    };
    SyncConfig {
        max_tail_wait: ms("PEERCALL_SYNC_TAIL_WAIT_MS", 150, d.max_tail_wait),
        video_lead: ms("PEERCALL_SYNC_VIDEO_LEAD_MS", 45, d.video_lead),
        ..d
    }
}

/// See the module documentation.
pub struct SyncDriver {
    core: AvSync,
    link: Arc<SyncLink>,
    next: Option<Instant>,
    audio: Recent,
}

impl SyncDriver {
    pub fn new(link: Arc<SyncLink>) -> Self {
        Self {
            core: AvSync::new(if link.applies() {
                config_from_env(&process_env)
            } else {
                SyncConfig {
                    max_video: Duration::ZERO,
                    max_audio: Duration::ZERO,
                    ..SyncConfig::default()
                }
            }),
            link,
            next: None,
            audio: Recent::default(),
        }
    }

    /// Audio sample `playing.rtp` went to the speaker at `playing.at_us` (if the jitter
    /// buffer knows its timeline), to be heard `speaker` later, at `now` (`now_us` on
    /// the clock of `at_us`). Returns new delays once a second.
    pub fn on_audio(
        &mut self,
        playing: Option<Playing>,
        speaker: Duration,
        now: Instant,
        now_us: i64,
        counters: &Counters,
    ) -> Option<SyncDelays> {
        if let Some(p) = playing {
            self.audio.push(Playing {
                rtp: p.rtp.wrapping_sub(OPUS_LOOKAHEAD),
                ..p
            });
        }
        let next = *self.next.get_or_insert(now + INTERVAL);
        if now < next {
            return None;
        }
        self.next = Some(now + INTERVAL);
        let audio = StreamState {
            clock_rate: AUDIO_RATE,
            report: self.link.report(Kind::Audio),
            playing: self.audio.since(now_us - RECENT_US),
            output_delay: speaker,
            ready: Vec::new(),
        };
        let video = StreamState {
            clock_rate: VIDEO_RATE,
            report: self.link.report(Kind::Video),
            playing: self.link.video_playing(now_us),
            output_delay: Duration::ZERO,
            ready: self.link.video_ready(now_us),
        };
        let before = self.core.delays();
        let delays = self.core.update(now, &audio, &video);
        tracing::debug!(
            moved = delays != before,
            offset_ms = self.core.offset_us().unwrap_or_default() / 1000,
            video_ms = delays.video.as_millis() as u64,
            audio_ms = delays.audio.as_millis() as u64,
            "lip sync"
        );
        if delays != before {
            Counters::add(&counters.sync_corrections, 1);
        }
        self.link.set_video_delay(delays.video);
        Counters::set(
            &counters.sync_video_delay_us,
            delays.video.as_micros() as u64,
        );
        Counters::set(
            &counters.sync_audio_delay_us,
            delays.audio.as_micros() as u64,
        );
        if let Some(offset) = self.core.offset_us() {
            Counters::set(&counters.sync_offset_abs_us, offset.unsigned_abs());
        }
        Some(delays)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variable_sets_its_setting() {
        let d = SyncConfig::default();
        let env = |name: &str| {
            [
                ("PEERCALL_SYNC_TAIL_WAIT_MS", "0"),
                ("PEERCALL_SYNC_VIDEO_LEAD_MS", "46"),
            ]
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
        };
        let c = config_from_env(&env);
        assert_eq!(c.max_tail_wait, Duration::ZERO);
        assert_eq!(c.video_lead, d.video_lead, "46 is beyond 45: ignored");
        let c = config_from_env(&|name: &str| {
            (name == "PEERCALL_SYNC_VIDEO_LEAD_MS").then(|| "0".to_owned())
        });
        assert_eq!(
            (c.video_lead, c.max_tail_wait),
            (Duration::ZERO, d.max_tail_wait)
        );
    }
}
