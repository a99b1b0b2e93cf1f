//! NetEQ-lite: the receive-side audio jitter buffer, as a pure core.
//!
//! Inputs: received Opus packets (RTP sequence number, timestamp, payload, arrival
//! time) through [`NetEq::insert`], and "give me 10 ms" through [`NetEq::pull`] on the
//! playout clock. Output: 10 ms of decoded or concealed PCM and the [`Decision`] taken.
//! No threads, sockets or clocks: time is an argument, so tests run faster than real time.
//!
//! What it does, after libwebrtc's NetEQ (`modules/audio_coding/neteq/`, see
//! `shared/design/MEDIA-ROBUSTNESS.md` §8):
//! - packets are held in timestamp order; a late or reordered packet whose audio has not
//!   been played yet is used; duplicates and packets already concealed are dropped;
//! - the target is a playout delay: how long after the earliest arrival in a 2 s window
//!   each sample plays, covering in-order lateness that recurs and out-of-order lateness
//!   that is worth it ([`delay`], [`DelayConfig`]);
//! - a missing packet whose successor is here and carries in-band FEC is rebuilt from it;
//!   other gaps are concealed in 10 ms steps by repeating the last pitch period
//!   ([`expand`], NetEQ's default rather than Opus PLC, see there), fading to comfort
//!   noise over 40–240 ms, and joined back by an aligned cross-fade; a
//!   sequence-contiguous timestamp jump (sender muted) is not a loss;
//! - the delay follows the target by time-stretching (accelerate / preemptive expand by
//!   one pitch period, [`stretch`]), at most every 50 ms, never by cuts; clock drift
//!   between the two ends shows up as a creeping buffer level and is absorbed the same way.

mod delay;
mod expand;
mod histogram;
mod noise;
mod packet_buffer;
mod stats;
pub(crate) mod stretch;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::Instant;

pub use delay::DelayConfig;
pub use stats::NetEqStats;

use crate::codec::red::RedBlock;
use crate::codec::OpusDecoder;
use crate::error::CodecError;
use expand::Expander;
use noise::ComfortNoise;
use packet_buffer::{Buffered, Inserted, PacketBuffer, Unwrapper};
use stats::DelayHistogram;

/// Samples per pull: 10 ms at 48 kHz.
pub const PULL_SAMPLES: usize = 480;
const SAMPLES_PER_MS: f64 = 48.0;
/// Default packet duration (20 ms) until a packet says otherwise.
const DEFAULT_PACKET: u64 = 960;
/// Concealment fades from the repeated pitch period to comfort noise between these
/// points (samples).
const FADE_START: usize = 40 * 48;
const FADE_END: usize = 240 * 48;
/// A gap longer than this is skipped instead of concealed (1 s).
const MAX_CONCEALED_GAP: u64 = 48_000;
/// Pulls between two time-stretch operations (NetEQ: 5 ticks).
const STRETCH_INTERVAL: u64 = 5;
/// RED copies played that are remembered, to tell their late packets from news.
const PLAYED_COPIES: usize = 32;
/// Smoothing of the buffer level (per pull).
const LEVEL_ALPHA: f64 = 1.0 / 16.0;
/// Smoothing of the playout delay (per pull): it moves only by stretching, stalls and
/// the reference; what it smooths is the pull clock's own noise.
const DELAY_ALPHA: f64 = 1.0 / 8.0;
/// A playout delay this far from the smoothed one replaces it, ms.
const DELAY_JUMP_MS: f64 = 10.0;

/// What a pull did (the most notable step when it took several).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Decision {
    /// Decoded audio as received.
    Normal,
    /// Removed a pitch period to bring the delay down.
    Accelerate,
    /// Repeated a pitch period to bring the delay up.
    PreemptiveExpand,
    /// Rebuilt a lost packet from the next one's FEC.
    Fec,
    /// Opus packet-loss concealment.
    Conceal,
    /// Long concealment faded to comfort noise.
    ComfortNoise,
    /// Not started yet: silence until the first target delay is buffered.
    Buffering,
}

/// 10 ms of output.
#[derive(Debug, Clone)]
pub struct Pull {
    pub samples: Vec<f32>,
    pub decision: Decision,
}

/// The jitter buffer. See the module documentation.
pub struct NetEq {
    decoder: OpusDecoder,
    unwrapper: Unwrapper,
    packets: PacketBuffer,
    delay: delay::DelayManager,
    /// Decoded audio not yet played; its end is at `next_ts`.
    sync: VecDeque<f32>,
    /// Timestamp of the next sample to decode.
    next_ts: Option<u64>,
    last_seq: Option<u16>,
    packet_samples: u64,
    playing: bool,
    /// Samples concealed while waiting for data, not yet set against a gap.
    stalled: u64,
    /// Consecutive concealed samples.
    expand_run: usize,
    level_ms: f64,
    /// Smoothed playout delay over the earliest arrival, ms (what the target is about).
    delay_ms: f64,
    /// The time of the pull under way.
    now: Option<Instant>,
    /// The time-stretch under way until the level is back on target.
    stretching: Option<Decision>,
    pulls: u64,
    last_stretch: u64,
    noise: ComfortNoise,
    expander: Expander,
    stats: NetEqStats,
    delays: DelayHistogram,
    /// Timestamps of the latest frames played from RED copies (their own packets may
    /// still come, late).
    played_copies: VecDeque<u64>,
    /// Held on top of the target for lip sync (audio waiting for slower video), ms.
    sync_delay_ms: f64,
}

impl NetEq {
    /// A jitter buffer decoding 48 kHz mono Opus.
    pub fn new(config: DelayConfig) -> Result<Self, CodecError> {
        Ok(Self {
            decoder: OpusDecoder::new()?,
            unwrapper: Unwrapper::default(),
            packets: PacketBuffer::default(),
            delay: delay::DelayManager::new(config),
            sync: VecDeque::with_capacity(8 * PULL_SAMPLES),
            next_ts: None,
            last_seq: None,
            packet_samples: DEFAULT_PACKET,
            playing: false,
            stalled: 0,
            expand_run: 0,
            level_ms: 0.0,
            delay_ms: 0.0,
            now: None,
            stretching: None,
            pulls: 0,
            last_stretch: 0,
            noise: ComfortNoise::default(),
            expander: Expander::default(),
            stats: NetEqStats::default(),
            delays: DelayHistogram::default(),
            played_copies: VecDeque::with_capacity(PLAYED_COPIES),
            sync_delay_ms: 0.0,
        })
    }

    /// A packet arrived at `now`.
    pub fn insert(&mut self, seq: u16, timestamp: u32, payload: &[u8], now: Instant) {
        let fec = OpusDecoder::has_fec(payload);
        self.delay.on_sequence(seq, fec);
        self.store(seq, timestamp, payload, false, now);
    }

    /// A RED packet (RFC 2198) arrived at `now`: its blocks as [`parse_red`] gives them,
    /// oldest first, the primary last. Each earlier block is the frame of the packet as
    /// many sequence numbers back as it stands before the primary; a block whose own
    /// packet is missing is held in its place and decoded as if it had come, so a lost
    /// packet is rebuilt exactly. The arrival delay is measured once per frame, when its
    /// audio is first here (a late packet whose copy came first needs no more delay).
    ///
    /// [`parse_red`]: crate::codec::red::parse_red
    pub fn insert_red(&mut self, seq: u16, timestamp: u32, blocks: &[RedBlock<'_>], now: Instant) {
        let Some((primary, earlier)) = blocks.split_last() else {
            return;
        };
        self.delay.on_sequence(seq, !earlier.is_empty());
        for (i, block) in earlier.iter().enumerate() {
            if block.payload.is_empty() || block.timestamp_offset == 0 {
                continue;
            }
            let back = (earlier.len() - i) as u16;
            self.store(
                seq.wrapping_sub(back),
                timestamp.wrapping_sub(block.timestamp_offset),
                block.payload,
                true,
                now,
            );
        }
        if !primary.payload.is_empty() {
            self.store(seq, timestamp, primary.payload, false, now);
        }
    }

    /// Puts a payload in the packet buffer and measures its arrival if its audio is new.
    fn store(&mut self, seq: u16, timestamp: u32, payload: &[u8], redundant: bool, now: Instant) {
        let ts = self.unwrapper.unwrap(timestamp);
        let duration = OpusDecoder::packet_samples(payload)
            .map(|n| n as u64)
            .unwrap_or(self.packet_samples);
        if duration > 0 && !redundant {
            self.packet_samples = duration;
        }
        let packet = Buffered {
            seq,
            payload: payload.to_vec(),
            duration: duration.max(1),
            redundant,
        };
        match self.packets.insert(ts, packet, self.next_ts) {
            // A copy of audio already here or already played is no news.
            Inserted::Duplicate | Inserted::TooLate if redundant => return,
            Inserted::Duplicate => {
                self.stats.duplicate_packets += 1;
                return;
            }
            Inserted::ReplacedCopy => {
                self.stats.packets += 1;
                return;
            }
            // Its copy was played in time: the packet is no news either.
            Inserted::TooLate if self.played_copies.contains(&ts) => return,
            Inserted::TooLate => self.stats.late_packets += 1,
            Inserted::Stored | Inserted::StoredDroppingOldest if redundant => {}
            Inserted::Stored | Inserted::StoredDroppingOldest => self.stats.packets += 1,
        }
        if self.next_ts.is_none() {
            self.next_ts = self.packets.first_ts();
        }
        self.delay.on_packet(now, ts, duration.max(1));
    }

    /// The next 10 ms of audio, due `now` (the playout clock's time for this pull).
    pub fn pull(&mut self, now: Instant) -> Pull {
        self.pulls += 1;
        self.now = Some(now);
        let target = self.target_ms();
        let level = self.buffered_ms();
        let delay = self.playout_delay_ms(now);
        if !self.playing {
            let Some(delay) = delay.filter(|&d| d >= target) else {
                return Pull {
                    samples: vec![0.0; PULL_SAMPLES],
                    decision: Decision::Buffering,
                };
            };
            self.playing = true;
            self.level_ms = level;
            self.delay_ms = delay;
        }
        self.level_ms += (level - self.level_ms) * LEVEL_ALPHA;
        if let Some(delay) = delay {
            if (delay - self.delay_ms).abs() > DELAY_JUMP_MS {
                // Not the clock's noise: a stall, a timeline jump (the sender muted) or a
                // new reference. Follow at once.
                self.delay_ms = delay;
            } else {
                self.delay_ms += (delay - self.delay_ms) * DELAY_ALPHA;
            }
        }
        // Audio held (smoothed over the packet sawtooth) at the middle of this pull.
        self.delays.add(self.level_ms - 5.0);
        let mut decision = self.fill(Decision::Normal);
        if decision == Decision::Normal {
            let stretched = self.time_stretch(target);
            decision = self.fill(stretched);
        }
        let samples: Vec<f32> = self.sync.drain(..PULL_SAMPLES).collect();
        self.stats.samples_out += PULL_SAMPLES as u64;
        Pull { samples, decision }
    }

    /// The target's parts (see `DelayManager::parts`).
    #[cfg(test)]
    pub(crate) fn target_parts(&self) -> (f64, f64, f64) {
        self.delay.parts()
    }

    /// Counters and delay figures so far.
    pub fn stats(&self) -> NetEqStats {
        NetEqStats {
            delay_p50_ms: self.delays.percentile(0.5),
            delay_p95_ms: self.delays.percentile(0.95),
            target_ms: self.target_ms(),
            ..self.stats.clone()
        }
    }

    /// Audio held: decoded and not played, plus packets not yet decoded, ms.
    pub fn buffered_ms(&self) -> f64 {
        let queued = self.next_ts.map_or(0, |t| self.packets.samples_from(t));
        (self.sync.len() as u64 + queued) as f64 / SAMPLES_PER_MS
    }

    /// How long after the earliest arrival (in the last 2 s) the next sample handed out
    /// is played if it is pulled at `now`, ms; `None` before the first packet.
    fn playout_delay_ms(&mut self, now: Instant) -> Option<f64> {
        let next = self.next_ts?;
        let first = next.saturating_sub(self.sync.len() as u64);
        self.delay.playout_delay_ms(now, first)
    }

    /// The playout delay the buffer aims for, ms (the sync delay included): how long
    /// after the earliest arrival of the last 2 s each sample plays.
    pub fn target_ms(&self) -> f64 {
        self.delay
            .target_ms(self.packet_samples as f64 / SAMPLES_PER_MS)
            + self.sync_delay_ms
    }

    /// Holds this much more audio than the jitter needs, so that audio waits for slower
    /// video (lip sync). Reached by time-stretching like any change of target.
    pub fn set_sync_delay_ms(&mut self, ms: f64) {
        self.sync_delay_ms = ms.max(0.0);
    }

    /// The RTP timestamp of the next sample [`Self::pull`] hands out; `None` before
    /// playout starts and while concealing (the timeline is not known then).
    pub fn playout_timestamp(&self) -> Option<u32> {
        if !self.playing || self.stalled > 0 || self.expand_run > 0 {
            return None;
        }
        let next = self.next_ts?;
        Some(next.wrapping_sub(self.sync.len() as u64) as u32)
    }

    /// Produces audio until a pull's worth is ready; returns the most notable step.
    fn fill(&mut self, mut decision: Decision) -> Decision {
        while self.sync.len() < PULL_SAMPLES {
            decision = decision.max(self.produce());
        }
        decision
    }

    /// Adds at least one step of audio to the sync buffer.
    fn produce(&mut self) -> Decision {
        let Some(next) = self.next_ts else {
            return self.conceal(false);
        };
        if let Some(packet) = self.packets.take(next) {
            return self.decode(next, &packet);
        }
        let Some((p_ts, p)) = self.packets.first_after(next) else {
            return self.conceal(false);
        };
        let (p_seq, p_duration) = (p.seq, p.duration);
        let p_fec = OpusDecoder::has_fec(&p.payload);
        let contiguous = self.last_seq.is_some_and(|s| s.wrapping_add(1) == p_seq);
        let gap = p_ts - next;
        let credit = self.stalled.min(gap);
        self.stalled -= credit;
        let remaining = gap - credit;
        if remaining == 0 || contiguous || remaining > MAX_CONCEALED_GAP {
            // Covered by concealment already played, a sender-side timestamp jump (mute),
            // or too long to conceal: go on from the next packet.
            self.stalled = 0;
            self.next_ts = Some(p_ts);
            self.packets.drop_before(p_ts);
            return self.pad_to_target(p_ts);
        }
        if remaining == p_duration && p_fec {
            return self.recover(p_ts, remaining);
        }
        self.next_ts = Some(next + PULL_SAMPLES as u64);
        self.conceal(true)
    }

    /// After a jump of the timeline to the packet at `ts`: conceals until that packet
    /// plays at the target delay, as playout does at the start (else the packet after it
    /// would be due the moment it arrives).
    fn pad_to_target(&mut self, ts: u64) -> Decision {
        let Some(now) = self.now else {
            return Decision::Normal;
        };
        let Some(delay) = self.delay.playout_delay_ms(now, ts) else {
            return Decision::Normal;
        };
        let short = ((self.target_ms() - delay) * SAMPLES_PER_MS) as usize;
        if short < PULL_SAMPLES / 4 {
            return Decision::Normal;
        }
        self.conceal_samples(short)
    }

    fn decode(&mut self, ts: u64, packet: &Buffered) -> Decision {
        if self.stalled > 0 {
            // The buffer ran dry waiting for this packet: it was late, not lost.
            self.stats.underruns += 1;
            tracing::debug!(
                waited_ms = self.stalled as f64 / SAMPLES_PER_MS,
                target_ms = self.target_ms(),
                delay_ms = self.delay_ms,
                "audio underrun: ran dry waiting for a packet that then came"
            );
        }
        self.next_ts = Some(ts + packet.duration);
        self.last_seq = Some(packet.seq);
        self.stalled = 0;
        if packet.redundant {
            self.stats.red_samples += packet.duration;
            if self.played_copies.len() == PLAYED_COPIES {
                self.played_copies.pop_front();
            }
            self.played_copies.push_back(ts);
        }
        match self.decoder.decode(&packet.payload) {
            Ok(mut pcm) => {
                pcm.resize(packet.duration as usize, 0.0);
                self.noise.observe(&pcm);
                self.push_decoded(pcm);
                Decision::Normal
            }
            Err(e) => {
                tracing::debug!("opus decode error, concealing: {e}");
                self.conceal_samples(packet.duration as usize)
            }
        }
    }

    /// Rebuilds the `samples` before the packet at `p_ts` from its FEC.
    fn recover(&mut self, p_ts: u64, samples: u64) -> Decision {
        let Some((_, p)) = self.packets.first_after(p_ts - 1) else {
            return self.conceal(true);
        };
        let payload = p.payload.clone();
        match self.decoder.recover_for(&payload, samples as usize) {
            Ok(mut pcm) => {
                pcm.resize(samples as usize, 0.0);
                self.push_decoded(pcm);
                self.next_ts = Some(p_ts);
                self.stats.fec_samples += samples;
                Decision::Fec
            }
            Err(e) => {
                tracing::debug!("opus FEC decode error, concealing: {e}");
                self.next_ts = Some(p_ts);
                self.conceal_samples(samples as usize)
            }
        }
    }

    /// 10 ms of concealment; `advancing` is false while waiting for data (an underrun).
    fn conceal(&mut self, advancing: bool) -> Decision {
        if !advancing {
            self.stalled += PULL_SAMPLES as u64;
        }
        self.conceal_samples(PULL_SAMPLES)
    }

    fn conceal_samples(&mut self, n: usize) -> Decision {
        let mut pcm = self.expander.generate(n, self.expand_run == 0);
        for (i, s) in pcm.iter_mut().enumerate() {
            let g = plc_gain(self.expand_run + i);
            *s = *s * g + self.noise.sample() * (1.0 - g);
        }
        let comfort = self.expand_run >= FADE_END;
        self.expand_run += n;
        self.stats.concealed_samples += n as u64;
        if comfort {
            self.stats.comfort_noise_samples += n as u64;
        }
        self.sync.extend(pcm);
        if comfort {
            Decision::ComfortNoise
        } else {
            Decision::Conceal
        }
    }

    /// Appends decoded audio; after a concealment, joins it on (Merge): aligned and
    /// cross-faded with the repetition after a short one, faded in over the comfort
    /// noise after a long one.
    fn push_decoded(&mut self, mut pcm: Vec<f32>) {
        if self.expand_run > FADE_START {
            let n = pcm.len().min(stretch::MIN_LAG);
            for (i, s) in pcm.iter_mut().take(n).enumerate() {
                let w = i as f32 / n as f32;
                *s = *s * w + self.noise.sample() * (1.0 - w);
            }
        } else if self.expand_run > 0 {
            pcm = self.expander.merge(&pcm);
        }
        self.expand_run = 0;
        self.expander.observe(&pcm);
        self.sync.extend(pcm);
    }

    /// Moves the playout delay toward the target by one pitch period, if due: starts when
    /// the delay leaves the band around the target and goes on until it is back on it.
    fn time_stretch(&mut self, target: f64) -> Decision {
        // Asymmetric: below the target the margin against running dry is thin.
        let band = 4.0_f64.max(target / 8.0);
        let level = self.delay_ms;
        // Far above the target (after a stall or a burst) accelerate every pull.
        let fast = level - target >= 40.0_f64.max(target + band);
        if self.pulls - self.last_stretch < STRETCH_INTERVAL && !fast {
            return Decision::Normal;
        }
        self.stretching = match self.stretching {
            Some(Decision::Accelerate) if level > target => self.stretching,
            Some(Decision::PreemptiveExpand) if level < target => self.stretching,
            _ if level >= target + band => Some(Decision::Accelerate),
            _ if level < target - 0.3 * band => Some(Decision::PreemptiveExpand),
            _ => None,
        };
        match self.stretching {
            Some(Decision::Accelerate) => {
                self.decode_ahead(2 * stretch::MAX_LAG);
                let removed = stretch::accelerate(&mut self.sync, if fast { 0.5 } else { 0.9 });
                if removed == 0 {
                    return Decision::Normal;
                }
                self.stretched(-(removed as f64));
                self.stats.accelerate_samples += removed as u64;
                Decision::Accelerate
            }
            Some(Decision::PreemptiveExpand) => {
                let inserted = stretch::preemptive_expand(&mut self.sync, 0.9);
                if inserted == 0 {
                    return Decision::Normal;
                }
                self.stretched(inserted as f64);
                self.stats.expand_samples += inserted as u64;
                Decision::PreemptiveExpand
            }
            _ => Decision::Normal,
        }
    }

    fn stretched(&mut self, samples: f64) {
        self.last_stretch = self.pulls;
        self.level_ms += samples / SAMPLES_PER_MS;
        self.delay_ms += samples / SAMPLES_PER_MS;
    }

    /// Decodes packets that are here until `samples` are buffered (for accelerate).
    fn decode_ahead(&mut self, samples: usize) {
        while self.sync.len() < samples {
            let Some(next) = self.next_ts else { return };
            let Some(packet) = self.packets.take(next) else {
                return;
            };
            self.decode(next, &packet);
        }
    }
}

/// Gain of the PLC output `t` samples into a concealment (the rest is comfort noise).
fn plc_gain(t: usize) -> f32 {
    if t <= FADE_START {
        1.0
    } else if t >= FADE_END {
        0.0
    } else {
        1.0 - (t - FADE_START) as f32 / (FADE_END - FADE_START) as f32
    }
}
