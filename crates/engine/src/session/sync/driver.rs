//! The thin driver of the sync core, run from the audio playout thread: each pull says
//! which audio RTP timestamp went out when; once a second the core gets both streams'
//! reports and latest playout (before there are reports, every 100 ms, each stream's
//! quickest arrivals instead: the prior), and its delays are applied (video's through the
//! [`SyncLink`], audio's returned to the caller for its jitter buffer) and published.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::core::{AvSync, Playing, SenderReport, StreamState, SyncConfig, SyncDelays};
use super::link::{Kind, Recent, SyncLink, AUDIO_RATE, RECENT_US, VIDEO_RATE};
use crate::stats::Counters;
use crate::tuning_env::{process_env, read_u32};

/// How often the core runs (libwebrtc: 1 s)…
const INTERVAL: Duration = Duration::from_secs(1);
/// …and before sender reports have measured the offset, when the prior from arrival
/// times holds the picture: the call's first beep may come 0–1 s in.
const PRIOR_INTERVAL: Duration = Duration::from_millis(100);
/// The prior reads what went out in the last 300 ms: the call's start moves quickly (the
/// speaker's stream starting, the voice's buffer learning, video's first frames)…
const PRIOR_WINDOW_US: i64 = 300_000;
/// …and, until reports have measured once, only what went out this long after the prior
/// last moved the delays: what went out before was held by other delays, and the first
/// measurement from a window across a change of 200 ms read as an offset of 200 ms.
const SINCE_CHANGE_US: i64 = 100_000;
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
    /// When the prior last changed the delays (`now_us` clock).
    prior_changed_us: i64,
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
            prior_changed_us: i64::MIN / 2,
        }
    }

    /// Audio sample `playing.rtp` went to the speaker at `playing.at_us` (if the jitter
    /// buffer knows its timeline), to be heard `speaker` later, at `now` (`now_us` on
    /// the clock of `at_us`). Returns new delays once a second (every 100 ms until sender
    /// reports have measured the offset: the prior).
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
        let measured = self.core.measured();
        let interval = if measured { INTERVAL } else { PRIOR_INTERVAL };
        let next = *self.next.get_or_insert(now + interval);
        if now < next {
            return None;
        }
        self.next = Some(now + interval);
        let prior = !measured
            && (self.link.report(Kind::Audio).is_none() || self.link.report(Kind::Video).is_none());
        let from_us = if measured {
            now_us - RECENT_US
        } else {
            let window = if prior { PRIOR_WINDOW_US } else { RECENT_US };
            (now_us - window).max(self.prior_changed_us + SINCE_CHANGE_US)
        };
        let mut audio = StreamState {
            clock_rate: AUDIO_RATE,
            report: self.link.report(Kind::Audio),
            playing: self.audio.since(from_us),
            output_delay: speaker,
            ready: Vec::new(),
        };
        let mut video = StreamState {
            clock_rate: VIDEO_RATE,
            report: self.link.report(Kind::Video),
            playing: self.link.video_playing(from_us),
            output_delay: Duration::ZERO,
            ready: self.link.video_ready(now_us),
        };
        if prior {
            // The same shift as the samples played (the line is of packet timestamps).
            audio.report = self
                .link
                .arrivals(Kind::Audio)
                .as_report(now)
                .map(|r| SenderReport {
                    rtp: r.rtp.wrapping_sub(OPUS_LOOKAHEAD),
                    ..r
                });
            video.report = self.link.arrivals(Kind::Video).as_report(now);
            let before = self.core.delays();
            let delays = self.core.update_prior(&audio, &video);
            if delays != before {
                self.prior_changed_us = now_us;
                tracing::debug!(video_ms = delays.video.as_millis() as u64, "lip sync prior");
            }
            self.publish(delays, before, counters);
            return Some(delays);
        }
        let before = self.core.delays();
        let delays = self.core.update(now, &audio, &video);
        if self.core.measured() {
            // The next look a full second on, also after the first: NetEq reaches a new
            // wait by stretching, ~90 ms a second, and a look 100 ms after the first
            // step read the wait not yet reached as more offset (88 ms became 122).
            self.next = Some(now + INTERVAL);
        }
        tracing::debug!(
            moved = delays != before,
            offset_ms = self.core.offset_us().unwrap_or_default() / 1000,
            video_ms = delays.video.as_millis() as u64,
            audio_ms = delays.audio.as_millis() as u64,
            "lip sync"
        );
        self.publish(delays, before, counters);
        if let Some(offset) = self.core.offset_us() {
            Counters::set(&counters.sync_offset_abs_us, offset.unsigned_abs());
        }
        Some(delays)
    }

    /// Applies the delays (video's through the link) and shows them in the counters.
    fn publish(&self, delays: SyncDelays, before: SyncDelays, counters: &Counters) {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call seen from the receiver, 1 ms at a time: audio packets (20 ms) and video
    /// frames (every 30 ms) stamped with sender time `t` arrive at `t + 50` ms; the voice
    /// captured at `t` is heard at `t + 180` (the packet stamped `t` carries what was
    /// captured 6.5 ms before it, Opus's look-ahead), the picture shown at `t + 90` plus
    /// the sync's video delay. Sender reports (sender clock = receiver clock − 1 s) arrive
    /// at `reports_from_ms`. Returns the video delay every 100 ms.
    fn call(reports_from_ms: i64, until_ms: i64) -> Vec<(i64, u64)> {
        let link = Arc::new(SyncLink::new(true));
        link.set_received_ssrc(Kind::Audio, 1);
        link.set_received_ssrc(Kind::Video, 2);
        let counters = Counters::default();
        let mut driver = SyncDriver::new(link.clone());
        let t0 = Instant::now();
        let rtp = |t: i64, rate: i64| (t * rate / 1000) as u32;
        let mut delays = Vec::new();
        // Each millisecond: what arrives and is shown; every 10 ms a pull of the voice.
        for now_ms in 0..until_ms {
            let now_us = now_ms * 1000;
            if now_ms % 20 == 0 && now_ms >= 50 {
                link.set_audio_arrival(Playing {
                    rtp: rtp(now_ms - 50, 48_000),
                    at_us: now_us,
                });
            }
            // Frames every 30 ms (near enough to 30 fps for this).
            if now_ms % 30 == 0 && now_ms >= 50 {
                let captured = now_ms - 50;
                link.set_video_ready(Playing {
                    rtp: rtp(captured, 90_000),
                    at_us: now_us,
                });
            }
            let shown = now_ms - 40 - link.video_delay().as_millis() as i64;
            if shown % 30 == 0 && shown >= 50 {
                link.set_video_playing(Playing {
                    rtp: rtp(shown - 50, 90_000),
                    at_us: now_us,
                });
            }
            if now_ms == reports_from_ms {
                for (ssrc, rate) in [(1, 48_000), (2, 90_000)] {
                    link.on_report(
                        ssrc,
                        SenderReport {
                            ntp_us: now_us - 1_000_000,
                            rtp: rtp(now_ms, rate),
                            received_at: t0 + Duration::from_millis(now_ms as u64),
                        },
                    );
                }
            }
            if now_ms % 10 != 0 {
                continue;
            }
            // What is heard now was captured 180 ms ago.
            let heard = now_ms - 180;
            let playing = (heard >= 0).then(|| Playing {
                rtp: rtp(heard, 48_000).wrapping_add(OPUS_LOOKAHEAD),
                at_us: now_us,
            });
            let at = t0 + Duration::from_millis(now_ms as u64);
            driver.on_audio(playing, Duration::ZERO, at, now_us, &counters);
            if now_ms % 100 == 0 {
                delays.push((now_ms, link.video_delay().as_millis() as u64));
            }
        }
        delays
    }

    #[test]
    fn before_reports_the_prior_holds_the_picture_and_the_reports_keep_it() {
        let delays = call(2_000, 6_000);
        let at = |t: i64| delays.iter().find(|(ms, _)| *ms == t).map(|d| d.1);
        // The voice comes out 90 ms after the picture: before any report, from arrivals
        // alone, the picture is held that much within the first 300 ms (less 7: the
        // arrival of a packet stands for its timestamp, Opus's look-ahead before it).
        for t in [300, 1_000, 1_900] {
            assert!((80..=90).contains(&at(t).unwrap_or(0)), "{t}: {delays:?}");
        }
        // Reports then measure the same offset: the picture stays held (the 20 ms it may
        // lead on a path that does not jitter is within the dead band), not moved back
        // and forth.
        assert!(
            delays
                .iter()
                .filter(|(ms, _)| *ms >= 2_000)
                .all(|d| (68..=90).contains(&d.1)),
            "{delays:?}"
        );
    }

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
