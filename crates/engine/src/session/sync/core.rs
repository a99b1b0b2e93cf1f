//! Lip sync as a pure core: how much later to play the stream that is ahead so that
//! audio and video of the same capture instant come out together.
//!
//! Inputs:
//! - each stream's latest RTCP sender report, which ties one of its RTP timestamps to
//!   the sender's wall clock (NTP); the sender takes both streams' reports from one
//!   clock, consistent with the RTP timestamps of the capture clock (`reports.rs`);
//! - for each stream, the RTP timestamps that went out in the last second and when the
//!   user met them on the receiver's clock: for audio the samples the jitter buffer
//!   handed out plus the speaker's delay ([`StreamState::output_delay`]: its queue and
//!   the device, which hold ~125 ms on PulseAudio), for video the frames shown (the frame buffer,
//!   playout delay and decode all already spent). That is libwebrtc's "last arrival +
//!   current delay", measured where it ends rather than summed from parts; the median of
//!   the second is taken, so one frame shown late after a stall or a burst of audio pulls
//!   does not move the estimate;
//! - the time.
//!
//! Each stream's end-to-end delay is "when played" minus "when captured" (the report
//! turns the RTP timestamp into the sender's clock; the two clocks' offset is the same for
//! both streams, so it cancels). Their difference, video minus audio, is the offset the
//! viewer sees (positive: the lips move after the voice). Less the sync delays already in
//! it, it is what the paths alone do; that is smoothed, and the delays move towards
//! cancelling it, at most [`SyncConfig::max_step`] per update (call it every second, as
//! libwebrtc's `StreamSynchronization` runs): first extra delay is taken back from the
//! stream that is late, then added to the one ahead. A correction starts when what is
//! left exceeds a dead band and goes on until it is within [`SyncConfig::settle`] and the
//! smoothed estimate has caught up with the measurements (hysteresis: no hunting around a
//! few ms, and no offset parked at the edge of the band).
//! Video normally waits for audio, but only until it is [`SyncConfig::video_lead`] ahead
//! of it (the picture a little early is the side viewers miss; the voice early is not
//! allowed, so the target is a window, offset −lead..0, reached with the least delay;
//! on a path that jitters the window is 0, video's own spread takes that room);
//! audio waits (a little, up to [`SyncConfig::max_audio`]) when video is slower.
//! Smoothing the paths' own offset rather than the measurement means a step taken is not
//! taken again (no overshoot). Without fresh reports for both
//! streams nothing changes.
//!
//! **The repair tail.** Under loss with jitter a video frame that waits for a
//! retransmission is shown a round trip or more after its neighbours, late against its
//! voice by that much; the median does not see it. So the core also reads, over the last
//! several seconds, when video frames became decodable (before any hold or decode):
//! when the [`SyncConfig::tail_quantile`] of that latency lands more than
//! [`SyncConfig::tail_margin`] after the voice, the voice waits (at most
//! [`SyncConfig::max_tail_wait`]) so that the repaired frames stay within it, and video
//! waits with the voice by the median rule as before. Where the tail stays within the
//! margin (a clean path; delay alone), or where the path does not jitter (loss alone:
//! [`SyncConfig::tail_jitter`]), nothing changes. The cost is the voice's latency
//! (and glass-to-glass with it) where video's repairs are slow: +~60 ms under 5 % loss
//! with 20 ms jitter at 100 ms RTT (BENCHMARKS.md, "Lip sync under jitter: the repair
//! tail" and "Lip sync: video on the voice's clock"); `PEERCALL_SYNC_TAIL_WAIT_MS`,
//! `_TAIL_MARGIN_MS` and `_TAIL_PERMILLE` override the cap (0: off), margin and quantile
//! for a benchmark.
//! In the call's first [`SyncConfig::start`], until the frames that waited for nothing say
//! the path is steady, the voice waits the cap: the jitter and the tail need seconds of
//! frames, and the beeps before them were the commonest misses.

use std::time::{Duration, Instant};

/// One RTCP sender report as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReport {
    /// The sender's wall clock, µs (from the report's NTP time; any fixed epoch).
    pub ntp_us: i64,
    /// The RTP timestamp of that instant.
    pub rtp: u32,
    /// When it arrived (local).
    pub received_at: Instant,
}

/// An RTP timestamp reaching the user at `at_us` on the receiver's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Playing {
    pub rtp: u32,
    pub at_us: i64,
}

/// One stream as the core sees it at an update.
#[derive(Debug, Clone)]
pub struct StreamState {
    /// RTP clock rate, Hz.
    pub clock_rate: u32,
    pub report: Option<SenderReport>,
    /// What went out lately (the driver keeps about a second); empty: nothing.
    pub playing: Vec<Playing>,
    /// How long after going out it reaches the user (audio: the speaker's queue and
    /// device, [`super::SpeakerDelay`]; video: zero, a frame is shown when it goes out).
    pub output_delay: Duration,
    /// Video only (empty for audio): when each frame of the last several seconds was
    /// decodable (before the decoder, the playout clock or the sync held it), the path's
    /// own latency with its repair tail.
    pub ready: Vec<Playing>,
    /// Of those, the frames that waited for nothing (no hole, repaired or reordered):
    /// their spread is the path's jitter, which frames waiting for repairs do not show.
    pub ready_clean: Vec<Playing>,
}

impl StreamState {
    /// The median over `playing` of when it met the user minus when it was captured on
    /// the sender's clock, µs; `None` without a report or anything played.
    fn end_to_end_us(&self) -> Option<i64> {
        let mut delays = self.latencies_us(&self.playing)?;
        let mid = delays.len() / 2;
        Some(*delays.select_nth_unstable(mid).1)
    }

    /// The `qs` quantiles (nearest rank) of the latencies of `samples` (one of
    /// [`StreamState::ready`], [`StreamState::ready_clean`]), µs; `None` without a report
    /// or with fewer than `min_samples`.
    fn quantiles_us(
        &self,
        samples: &[Playing],
        qs: &[f64],
        min_samples: usize,
    ) -> Option<Vec<i64>> {
        let mut delays = self.latencies_us(samples)?;
        if delays.len() < min_samples.max(1) {
            return None;
        }
        delays.sort_unstable();
        let n = delays.len();
        Some(
            qs.iter()
                .map(|q| delays[((q * n as f64).ceil() as usize).clamp(1, n) - 1])
                .collect(),
        )
    }

    /// When each of `samples` met the user minus when it was captured, µs.
    fn latencies_us(&self, samples: &[Playing]) -> Option<Vec<i64>> {
        let report = self.report?;
        if self.clock_rate == 0 || samples.is_empty() {
            return None;
        }
        let output_us = self.output_delay.as_micros() as i64;
        Some(
            samples
                .iter()
                .map(|p| p.at_us + output_us - captured_us(&report, self.clock_rate, p.rtp))
                .collect(),
        )
    }
}

/// When what RTP timestamp `rtp` stands for was captured, on the sender's clock (µs), by
/// `report` of a stream at `clock_rate` Hz (not 0).
#[must_use]
pub fn captured_us(report: &SenderReport, clock_rate: u32, rtp: u32) -> i64 {
    // Signed: a timestamp a little before the report's is normal.
    let ticks = i64::from(rtp.wrapping_sub(report.rtp) as i32);
    report.ntp_us + ticks * 1_000_000 / i64::from(clock_rate.max(1))
}

/// A sender report older than this is not used (the default of
/// [`SyncConfig::max_report_age`]; video on the voice's clock uses it too).
pub const MAX_REPORT_AGE: Duration = Duration::from_secs(10);

/// Tuning.
#[derive(Debug, Clone, Copy)]
pub struct SyncConfig {
    /// A report older than this is not used (libwebrtc keeps 20 for a regression; one
    /// recent report is enough for clocks that do not drift apart within it).
    pub max_report_age: Duration,
    /// Offsets smaller than this are left alone (libwebrtc: 30 ms; the target is ±45).
    pub dead_band: Duration,
    /// How far the picture may run ahead of the voice before it is held: the voice
    /// lagging is the less visible side (ITU-R BT.1359 detectability: voice 45 ms early,
    /// 125 ms late; ATSC IS-191: +15 / −45 ms), and holding the picture for the last ms of
    /// the voice's path costs glass-to-glass as much. Not on a path that jitters (where
    /// the repair tail is read, [`SyncConfig::tail_jitter`]): video's own spread there
    /// takes the room.
    pub video_lead: Duration,
    /// Past [`SyncConfig::video_lead`], a correction that holds the picture longer starts
    /// from this (the lead itself is the tolerance that keeps it from hunting).
    pub lead_dead_band: Duration,
    /// Once correcting, the offset is brought within this.
    pub settle: Duration,
    /// The most the delays move per update…
    pub max_step: Duration,
    /// …except in the call's first seconds (from the first measurement), when nothing
    /// has been corrected yet and a jump goes unnoticed: the paths' own offset at the
    /// start (the voice's buffer still learning, video's first repairs) was corrected
    /// 40 ms a second and missed the first beeps by 50–100 ms. Within it measurements
    /// are not smoothed, and the voice waits [`SyncConfig::max_tail_wait`] until the path
    /// reads steady.
    pub start: Duration,
    /// The most the delays move per update within [`SyncConfig::start`].
    pub start_max_step: Duration,
    /// Weight of a new measurement in the smoothed offset (after [`SyncConfig::start`];
    /// within it each measurement stands on its own).
    pub smoothing: f64,
    /// Measured offsets beyond this are not believed (a report from before a restart).
    pub max_offset: Duration,
    /// Most extra delay video takes.
    pub max_video: Duration,
    /// Most extra delay audio takes.
    pub max_audio: Duration,
    /// Which quantile of video's ready latency is its repair tail.
    pub tail_quantile: f64,
    /// Frames ready (over the window the driver keeps) needed before the tail is read.
    pub tail_min_frames: usize,
    /// How far after the voice the tail may land (the target is ±45 ms; with video on
    /// the voice's clock a frame on time is within a few ms of it, decoding and the
    /// voice's 100 ms median take the rest).
    pub tail_margin: Duration,
    /// The most the voice waits for the tail (mouth-to-ear grows by as much); 0: the
    /// tail is not waited for.
    pub max_tail_wait: Duration,
    /// The tail is waited for only when the median frame that waited for nothing (no
    /// hole) is ready at least this much after the quickest 5 % of those: the path
    /// jitters. Frames waiting for repairs are left out: at 720p with 5 % loss they are
    /// most frames, and their spread looked like jitter.
    pub tail_jitter: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            max_report_age: MAX_REPORT_AGE,
            dead_band: Duration::from_millis(15),
            video_lead: Duration::from_millis(20),
            lead_dead_band: Duration::from_millis(5),
            settle: Duration::from_millis(3),
            max_step: Duration::from_millis(40),
            start: Duration::from_secs(5),
            start_max_step: Duration::from_millis(200),
            smoothing: 0.25,
            max_offset: Duration::from_secs(5),
            max_video: Duration::from_millis(500),
            max_audio: Duration::from_millis(150),
            tail_quantile: 0.98,
            tail_min_frames: 60,
            tail_margin: Duration::from_millis(40),
            max_tail_wait: Duration::from_millis(60),
            tail_jitter: Duration::from_millis(12),
        }
    }
}

/// The extra delays to apply (added to each stream's own target).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncDelays {
    pub video: Duration,
    pub audio: Duration,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct AvSync {
    config: SyncConfig,
    smoothed_us: Option<f64>,
    /// Video's repair tail less the voice's own latency, smoothed, µs.
    tail_us: Option<f64>,
    last_offset_us: Option<i64>,
    delays: SyncDelays,
    correcting: bool,
    /// When the first offset was measured.
    first_measured: Option<Instant>,
    /// Whether the path jitters, by the last reading of [`SyncConfig::tail_jitter`]
    /// (`None`: not read yet).
    jitters: Option<bool>,
}

/// Frames that waited for nothing needed (over the driver's window) to read the jitter.
const CLEAN_MIN_FRAMES: usize = 20;

impl AvSync {
    #[must_use]
    pub fn new(config: SyncConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// The same core with the voice already waiting the start's wait (the tail's cap)
    /// before the first update: the first beep comes before any report, often with the
    /// first keyframe still waiting for a repair (video +100..+135 ms).
    #[must_use]
    pub fn waiting_from_the_first_pull(mut self) -> Self {
        self.delays.audio = self.config.max_tail_wait.min(self.config.max_audio);
        self
    }

    /// An update without a measurement: the delays stay, except that a voice waiting
    /// from its first pull ([`Self::waiting_from_the_first_pull`]) with nothing ever
    /// measured stops waiting (a call without video, or whose video has not come yet).
    fn unmeasured(&mut self) -> SyncDelays {
        if self.first_measured.is_none() {
            self.delays.audio = Duration::ZERO;
        }
        self.delays
    }

    /// The delays now.
    #[must_use]
    pub fn delays(&self) -> SyncDelays {
        self.delays
    }

    /// The last measured offset, video minus audio, µs (positive: video late).
    #[must_use]
    pub fn offset_us(&self) -> Option<i64> {
        self.last_offset_us
    }

    /// How far the picture may lead the voice now (video scheduled on the voice's
    /// clock, `clock.rs`): [`SyncConfig::video_lead`] once the call's first
    /// [`SyncConfig::start`] has passed on a path that does not jitter, else 0 (whether
    /// it jitters is not known before the tail is read).
    #[must_use]
    pub fn lead(&self, now: Instant) -> Duration {
        let started = self
            .first_measured
            .is_some_and(|f| now.saturating_duration_since(f) >= self.config.start);
        if started && self.tail_us.is_none() {
            self.config.video_lead
        } else {
            Duration::ZERO
        }
    }

    /// One update (call about once a second). Returns the delays to apply.
    pub fn update(&mut self, now: Instant, audio: &StreamState, video: &StreamState) -> SyncDelays {
        let fresh = |s: &StreamState| {
            s.report.is_some_and(|r| {
                now.saturating_duration_since(r.received_at) <= self.config.max_report_age
            })
        };
        if !fresh(audio) || !fresh(video) {
            return self.unmeasured();
        }
        let (Some(a), Some(v)) = (audio.end_to_end_us(), video.end_to_end_us()) else {
            return self.unmeasured();
        };
        let offset = v - a;
        if offset.unsigned_abs() > self.config.max_offset.as_micros() as u64 {
            return self.unmeasured();
        }
        self.last_offset_us = Some(offset);
        let first = *self.first_measured.get_or_insert(now);
        let starting = now.saturating_duration_since(first) < self.config.start;
        // What the paths alone do: the measurement less the sync delays in it.
        let applied = self.delays.video.as_micros() as f64 - self.delays.audio.as_micros() as f64;
        let natural = offset as f64 - applied;
        // Not smoothed in the call's first seconds: the first reading can be the first
        // keyframe's repairs (video +438 ms one second in, +103 the next, +13 the third),
        // and smoothed it held the voice 150 ms late for 10 s.
        let smoothed = match self.smoothed_us {
            Some(s) if !starting => s + (natural - s) * self.config.smoothing,
            _ => natural,
        };
        self.smoothed_us = Some(smoothed);
        let us = |d: Duration| d.as_micros() as f64;
        let wait = self.voice_wait_us(video, a as f64 - us(self.delays.audio), starting);
        let want = |us: f64, max: Duration| Duration::from_micros(us.max(0.0) as u64).min(max);
        let audio_target = smoothed.max(wait);
        // On a path that jitters, the frames on time spread by ±25 ms around their median
        // already: a lead there put them past −45 ms (measured), so the window closes.
        // So too while the voice waits for a path not yet read (the call's start).
        let lead = if self.tail_us.is_some() || wait > 0.0 {
            0.0
        } else {
            us(self.config.video_lead)
        };
        let target = SyncDelays {
            video: want(audio_target - smoothed - lead, self.config.max_video),
            audio: want(audio_target, self.config.max_audio),
        };
        let off = |t: Duration, d: Duration| us(t.abs_diff(d));
        let left = off(target.video, self.delays.video).max(off(target.audio, self.delays.audio));
        let start = if lead > 0.0 && target.video > self.delays.video {
            self.config.lead_dead_band
        } else {
            self.config.dead_band
        };
        // Settled only once the estimate has caught up with the measurements too: else a
        // correction stops short while the smoothing still lags a change of the paths.
        let catching_up = (natural - smoothed).abs() >= us(self.config.settle);
        self.correcting = if self.correcting {
            left >= us(self.config.settle) || catching_up
        } else {
            left >= us(start)
        };
        if !self.correcting {
            return self.delays;
        }
        let max_step = if starting {
            self.config.start_max_step
        } else {
            self.config.max_step
        };
        self.step_towards(target, max_step);
        self.delays
    }

    /// How long the voice waits for video's repair tail, µs (see the module
    /// documentation), reading the path's jitter and the tail on the way; `voice_us` is the
    /// voice's own latency without the wait. Keeps the tail in `tail_us`.
    fn voice_wait_us(&mut self, video: &StreamState, voice_us: f64, starting: bool) -> f64 {
        let us = |d: Duration| d.as_micros() as f64;
        // The voice's own latency, without the wait the sync gave it, against video's tail.
        // Only on a path that also jitters: there the median frame already waits for
        // reordered packets (its ready latency well above the quickest frames'); with loss
        // alone video is the faster stream and its repairs cost less than the wait would.
        let tail_at = video
            .quantiles_us(
                &video.ready,
                &[self.config.tail_quantile],
                self.config.tail_min_frames,
            )
            .map(|r| r[0] as f64 - voice_us);
        // The path's jitter from the frames that waited for nothing: at 720p with 5 %
        // loss most frames wait for a repair (or behind one), and all frames' median
        // stood 68 ms after their quickest, as under 20 ms of jitter (40-55); of the
        // frames that waited for nothing, 1-11 ms there against 9-33 under jitter.
        // Too few such frames (nearly all wait) keeps the last reading.
        let jitter = video
            .quantiles_us(&video.ready_clean, &[0.05, 0.5], CLEAN_MIN_FRAMES)
            .map(|r| r[1] - r[0]);
        // With hysteresis (off below two thirds): the readings of one call move by
        // ±5 ms, and loss alone at 720p read up to 11 ms, jitter as low as 9.
        if let Some(j) = jitter {
            let on = us(self.config.tail_jitter);
            let j = j as f64;
            let was = self.jitters == Some(true);
            self.jitters = Some(j >= on || (was && j >= on * 2.0 / 3.0));
        }
        tracing::debug!(
            jitter_ms = jitter.map(|j| j / 1000),
            tail_ms = tail_at.map(|t| (t / 1000.0) as i64),
            "video ready: median after the quickest 5 % (frames that waited for nothing), \
             the tail after the voice"
        );
        let tail = tail_at.filter(|_| self.jitters == Some(true));
        let tail = match (tail, self.tail_us) {
            (Some(t), Some(s)) => Some(s + (t - s) * self.config.smoothing),
            (t, _) => t,
        };
        self.tail_us = tail;
        match tail {
            Some(t) => (t - us(self.config.tail_margin)).clamp(0.0, us(self.config.max_tail_wait)),
            // The call's first seconds on a path not yet known to be steady: under jitter
            // the gate reads its first clean frames after ~4 s and the tail after ~3, and
            // the beeps before that missed by 30-75 ms (video's first repairs late).
            None if starting && self.jitters != Some(false) => us(self.config.max_tail_wait),
            None => 0.0,
        }
    }

    /// Moves the delays towards `target` by at most `max_step` in all: delay is taken
    /// back first, then added.
    fn step_towards(&mut self, target: SyncDelays, max_step: Duration) {
        let mut budget = max_step;
        let mut down = |now: &mut Duration, to: Duration| {
            let take = now.saturating_sub(to).min(budget);
            *now -= take;
            budget -= take;
        };
        down(&mut self.delays.video, target.video);
        down(&mut self.delays.audio, target.audio);
        let mut up = |now: &mut Duration, to: Duration| {
            let add = to.saturating_sub(*now).min(budget);
            *now += add;
            budget -= add;
        };
        up(&mut self.delays.video, target.video);
        up(&mut self.delays.audio, target.audio);
    }
}

#[cfg(test)]
#[path = "core_tests.rs"]
mod tests;
