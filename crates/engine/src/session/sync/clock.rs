//! Video scheduled on the voice's playout clock (pure).
//!
//! The audio playout thread knows, every 10 ms, which RTP timestamp it hands out and how
//! long the speaker takes to play it; with the voice's sender report that is the voice's
//! end-to-end delay now: when the user hears it minus when it was captured (the sender's
//! clock). [`VoiceClock`] keeps that over the last [`VoiceClock::WINDOW_US`] (a median:
//! the speaker's queue fills and drains within a device block, and a pull made late is
//! followed by one made early). A video frame is then due when the voice captured with it
//! is heard ([`video_due_us`]): its capture instant (by video's sender report) plus the
//! voice's delay, less the lead the picture may take. Each frame is placed on the voice
//! as it plays now, so whatever the voice's jitter buffer does (learning at the start,
//! growing under jitter, time-stretching) the picture follows within 10 ms, where the
//! once-a-second medians of `core.rs` moved a smoothed step at a time. A frame ready only
//! after its due time is shown at once (late); `core.rs` makes the voice wait when video's
//! own path is the slower one.

use std::collections::VecDeque;
use std::time::Duration;

use super::core::{captured_us, Playing, SenderReport};

/// See the module documentation.
#[derive(Debug, Default)]
pub struct VoiceClock {
    /// (went out at, end-to-end delay), µs, newest last.
    recent: VecDeque<(i64, i64)>,
}

impl VoiceClock {
    /// How far back pulls count, µs.
    pub const WINDOW_US: i64 = 100_000;
    /// With nothing played for this long (concealment, a mute) the clock is not used, µs.
    pub const STALE_US: i64 = 500_000;

    /// A pull of the audio playout: `playing` went out (its RTP timestamp that of the
    /// captured sound it carries), to be heard `speaker` later; `report` is the voice's
    /// latest sender report. Nothing is learnt without either.
    pub fn on_pull(
        &mut self,
        report: Option<&SenderReport>,
        playing: Option<Playing>,
        speaker: Duration,
    ) {
        let (Some(report), Some(p)) = (report, playing) else {
            return;
        };
        let heard_us = p.at_us + speaker.as_micros() as i64;
        let delay = heard_us - captured_us(report, AUDIO_RATE, p.rtp);
        while self
            .recent
            .front()
            .is_some_and(|&(at, _)| at < p.at_us - Self::WINDOW_US)
        {
            self.recent.pop_front();
        }
        self.recent.push_back((p.at_us, delay));
    }

    /// The voice's end-to-end delay at `now_us` (the median over the window), µs; `None`
    /// before anything was learnt or once it is stale.
    #[must_use]
    pub fn delay_us(&self, now_us: i64) -> Option<i64> {
        let &(newest, _) = self.recent.back()?;
        if now_us - newest > Self::STALE_US {
            return None;
        }
        let mut d: Vec<i64> = self.recent.iter().map(|&(_, d)| d).collect();
        let mid = d.len() / 2;
        Some(*d.select_nth_unstable(mid).1)
    }
}

const AUDIO_RATE: u32 = 48_000;
const VIDEO_RATE: u32 = 90_000;

/// When the video frame with RTP timestamp `rtp` is due on the receiver's clock, µs: when
/// the voice captured with it is heard (`voice_delay_us` after its capture, which video's
/// `report` dates), less `lead`.
#[must_use]
pub fn video_due_us(report: &SenderReport, rtp: u32, voice_delay_us: i64, lead: Duration) -> i64 {
    captured_us(report, VIDEO_RATE, rtp) + voice_delay_us - lead.as_micros() as i64
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn report(ntp_us: i64, rtp: u32) -> SenderReport {
        SenderReport {
            ntp_us,
            rtp,
            received_at: Instant::now(),
        }
    }

    /// Pulls every 10 ms from `from_us` for `n` pulls: the voice captured at sender time
    /// t is handed out at t + `path_us(i)` on a receiver clock `skew_us` ahead.
    fn pulls(
        clock: &mut VoiceClock,
        r: &SenderReport,
        from_us: i64,
        n: i64,
        skew_us: i64,
        path_us: impl Fn(i64) -> i64,
        speaker: Duration,
    ) {
        for i in 0..n {
            let captured = from_us + i * 10_000;
            let rtp = r
                .rtp
                .wrapping_add(((captured - r.ntp_us) * 48_000 / 1_000_000) as u32);
            clock.on_pull(
                Some(r),
                Some(Playing {
                    rtp,
                    at_us: captured + path_us(i) + skew_us,
                }),
                speaker,
            );
        }
    }

    #[test]
    fn the_delay_is_capture_to_heard_whatever_the_clocks_and_rtp_origins() {
        for (skew_us, rtp0, speaker_ms) in [
            (0, 0, 0),
            (3_600_000_000, u32::MAX - 4_000, 40),
            (-7_000_000, 12_345, 90),
        ] {
            let r = report(1_000_000, rtp0);
            let mut c = VoiceClock::default();
            pulls(
                &mut c,
                &r,
                1_200_000,
                20,
                skew_us,
                |_| 70_000,
                Duration::from_millis(speaker_ms),
            );
            let now = 1_400_000 + skew_us;
            let want = 70_000 + skew_us + speaker_ms as i64 * 1_000;
            assert_eq!(c.delay_us(now), Some(want), "skew {skew_us}");
        }
    }

    #[test]
    fn a_late_pull_and_the_quick_one_after_it_do_not_move_it() {
        let r = report(0, 0);
        let mut c = VoiceClock::default();
        // Every third pull is made 15 ms late; the one after it 10 ms early.
        let path = |i: i64| match i % 3 {
            1 => 80_000 + 15_000,
            2 => 80_000 - 10_000,
            _ => 80_000,
        };
        pulls(&mut c, &r, 0, 40, 0, path, Duration::ZERO);
        assert_eq!(c.delay_us(400_000), Some(80_000));
    }

    #[test]
    fn it_follows_the_jitter_buffer_within_the_window() {
        let r = report(0, 0);
        let mut c = VoiceClock::default();
        pulls(&mut c, &r, 0, 50, 0, |_| 60_000, Duration::ZERO);
        assert_eq!(c.delay_us(500_000), Some(60_000));
        // The buffer stretched by 40 ms: a window later the clock says so.
        pulls(&mut c, &r, 500_000, 11, 0, |_| 100_000, Duration::ZERO);
        assert_eq!(c.delay_us(610_000), Some(100_000));
    }

    #[test]
    fn nothing_without_a_report_or_after_silence() {
        let mut c = VoiceClock::default();
        let p = Playing { rtp: 1, at_us: 10 };
        c.on_pull(None, Some(p), Duration::ZERO);
        c.on_pull(Some(&report(0, 0)), None, Duration::ZERO);
        assert_eq!(c.delay_us(20), None);
        c.on_pull(Some(&report(0, 0)), Some(p), Duration::ZERO);
        assert!(c.delay_us(20).is_some());
        assert_eq!(c.delay_us(10 + VoiceClock::STALE_US + 1), None);
    }

    #[test]
    fn a_frame_is_due_when_its_voice_is_heard_less_the_lead() {
        // Video's report: sender time 2 s is RTP 90 000 + 5.
        let r = report(2_000_000, 90_005);
        // A frame captured 100 ms after the report; the voice is heard 150 ms after capture.
        let rtp = 90_005 + 9_000;
        assert_eq!(video_due_us(&r, rtp, 150_000, Duration::ZERO), 2_250_000);
        assert_eq!(
            video_due_us(&r, rtp, 150_000, Duration::from_millis(20)),
            2_230_000
        );
        // A frame from just before the report (reordered) and across the RTP wrap.
        assert_eq!(video_due_us(&r, 90_005 - 900, 0, Duration::ZERO), 1_990_000);
        let wrap = report(0, u32::MAX - 899);
        assert_eq!(video_due_us(&wrap, 900, 0, Duration::ZERO), 20_000);
    }
}
