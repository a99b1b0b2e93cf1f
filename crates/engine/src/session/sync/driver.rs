//! The thin driver of the sync core, run from the audio playout thread: each pull says
//! which audio RTP timestamp went out when; once a second the core gets both streams'
//! reports and latest playout, and its delays are applied (video's through the
//! [`SyncLink`], audio's returned to the caller for its jitter buffer) and published.
//! By default video is scheduled frame by frame on the voice's clock (`clock.rs`): each
//! pull publishes the voice's end-to-end delay, and the core only decides how long the
//! voice waits for video (from when video's own playout clock would show its frames,
//! before the voice holds them, and when they were ready);
//! `PEERCALL_SYNC_VIDEO_CLOCK=0` goes back to a video delay moved once a second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::clock::VoiceClock;
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
///   (`SyncConfig::max_tail_wait`, 60 ms; at most 150);
/// - `PEERCALL_SYNC_VIDEO_LEAD_MS`: how far the picture may lead the voice
///   (`SyncConfig::video_lead`, 20 ms; at most 45);
/// - `PEERCALL_SYNC_TAIL_MARGIN_MS`: how far after the voice the tail may land
///   (`SyncConfig::tail_margin`; at most 100);
/// - `PEERCALL_SYNC_TAIL_PERMILLE`: which quantile of video's ready latency is the tail,
///   in thousandths (`SyncConfig::tail_quantile`; 500..=999).
fn config_from_env(env: &impl Fn(&str) -> Option<String>) -> SyncConfig {
    let d = SyncConfig::default();
    let ms = |name, hi, default: Duration| {
        read_u32(env, name, 0, hi).map_or(default, |v| Duration::from_millis(u64::from(v)))
    };
    SyncConfig {
        max_tail_wait: ms("PEERCALL_SYNC_TAIL_WAIT_MS", 150, d.max_tail_wait),
        video_lead: ms("PEERCALL_SYNC_VIDEO_LEAD_MS", 45, d.video_lead),
        tail_margin: ms("PEERCALL_SYNC_TAIL_MARGIN_MS", 100, d.tail_margin),
        tail_quantile: read_u32(env, "PEERCALL_SYNC_TAIL_PERMILLE", 500, 999)
            .map_or(d.tail_quantile, |v| f64::from(v) / 1000.0),
        ..d
    }
}

/// Whether video is scheduled on the voice's clock (`PEERCALL_SYNC_VIDEO_CLOCK`, 1 by
/// default; 0: a video delay moved once a second, to compare).
fn voice_clock_from_env(env: &impl Fn(&str) -> Option<String>) -> bool {
    read_u32(env, "PEERCALL_SYNC_VIDEO_CLOCK", 0, 1) != Some(0)
}

/// See the module documentation.
pub struct SyncDriver {
    core: AvSync,
    link: Arc<SyncLink>,
    next: Option<Instant>,
    audio: Recent,
    /// `Some` when video is scheduled on the voice's clock.
    clock: Option<VoiceClock>,
}

impl SyncDriver {
    pub fn new(link: Arc<SyncLink>) -> Self {
        let clock =
            (link.applies() && voice_clock_from_env(&process_env)).then(VoiceClock::default);
        let config = if !link.applies() {
            SyncConfig {
                max_video: Duration::ZERO,
                max_audio: Duration::ZERO,
                ..SyncConfig::default()
            }
        } else if clock.is_some() {
            // Video waits on the voice's clock, frame by frame, not by a delay.
            SyncConfig {
                max_video: Duration::ZERO,
                ..config_from_env(&process_env)
            }
        } else {
            config_from_env(&process_env)
        };
        let core = AvSync::new(config);
        Self {
            // On the voice's clock the voice's wait holds the picture too.
            core: if clock.is_some() {
                core.waiting_from_the_first_pull()
            } else {
                core
            },
            link,
            next: None,
            audio: Recent::default(),
            clock,
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
        let playing = playing.map(|p| Playing {
            rtp: p.rtp.wrapping_sub(OPUS_LOOKAHEAD),
            ..p
        });
        if let Some(p) = playing {
            self.audio.push(p);
        }
        if let Some(clock) = &mut self.clock {
            clock.on_pull(self.link.report(Kind::Audio).as_ref(), playing, speaker);
            self.link
                .set_voice_delay(clock.delay_us(now_us), self.core.lead(now));
        }
        let Some(next) = self.next else {
            // The first pull: the start's wait from the first sample out.
            self.next = Some(now + INTERVAL);
            return Some(self.core.delays());
        };
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
            ready_clean: Vec::new(),
        };
        let ready = self.link.video_ready(now_us);
        let playing = if self.clock.is_some() {
            // Shown frames are pinned to the voice: what video's path alone does is
            // when its own playout clock would show them.
            self.link.video_own(now_us)
        } else {
            self.link.video_playing(now_us)
        };
        let video = StreamState {
            clock_rate: VIDEO_RATE,
            report: self.link.report(Kind::Video),
            playing,
            output_delay: Duration::ZERO,
            ready,
            ready_clean: self.link.video_ready_clean(now_us),
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
        if self.clock.is_none() {
            // On the voice's clock the decode thread publishes video's hold per frame.
            Counters::set(
                &counters.sync_video_delay_us,
                delays.video.as_micros() as u64,
            );
        }
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
        assert_eq!(c.tail_margin, d.tail_margin);
        assert_eq!(c.video_lead, d.video_lead, "46 is beyond 45: ignored");
        let c = config_from_env(&|name: &str| {
            (name == "PEERCALL_SYNC_VIDEO_LEAD_MS").then(|| "0".to_owned())
        });
        assert_eq!(
            (c.video_lead, c.max_tail_wait),
            (Duration::ZERO, d.max_tail_wait)
        );
        let c = config_from_env(&|name: &str| match name {
            "PEERCALL_SYNC_TAIL_MARGIN_MS" => Some("25".to_owned()),
            "PEERCALL_SYNC_TAIL_PERMILLE" => Some("975".to_owned()),
            _ => None,
        });
        assert_eq!(c.tail_margin, Duration::from_millis(25));
        assert!((c.tail_quantile - 0.975).abs() < 1e-9);
        let c = config_from_env(&|name: &str| {
            (name == "PEERCALL_SYNC_TAIL_PERMILLE").then(|| "1000".to_owned())
        });
        assert!(
            (c.tail_quantile - d.tail_quantile).abs() < 1e-9,
            "beyond 999: ignored"
        );
    }
}
