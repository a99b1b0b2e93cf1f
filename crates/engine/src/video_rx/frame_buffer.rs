//! The video frame buffer: a pure core that turns VP8 RTP packets (in any order, with
//! holes that NACK may still fill) into whole frames in decode order.
//!
//! Every VP8 frame we decode references the one before it, so a frame is decodable
//! when every packet from the end of the last frame handed out up to the next marker bit
//! is here. An incomplete frame is **waited for**, not given up when a newer frame
//! completes: a retransmission needs a round trip to arrive. The wait is bounded by the
//! measured RTT ([`FrameBufferConfig::wait`]); past it the frame is gone, the buffer
//! needs a keyframe and says when to ask for one (again at most every
//! [`FrameBufferConfig::keyframe_request_interval`]). A complete keyframe further on
//! always ends a wait at once. This is libwebrtc's packet buffer + frame buffer reduced
//! to one reference chain (`shared/design/MEDIA-ROBUSTNESS.md` §3).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use peercall_media::{vp8_header, Vp8Header};
use rtc::rtp::packetizer::Depacketizer;

/// One RTP packet of a VP8 stream, depacketized, with its extended sequence number.
#[derive(Debug, Clone)]
pub struct Vp8Part {
    /// Extended RTP sequence number (see [`super::rtp_seq::SeqUnwrapper`]).
    pub seq: u64,
    /// RTP timestamp (one per frame).
    pub timestamp: u32,
    /// RTP marker bit: last packet of the frame.
    pub marker: bool,
    /// First packet of the frame (VP8 descriptor S bit with partition id 0).
    pub start: bool,
    /// The frame is a keyframe (read from the first packet's VP8 header).
    pub keyframe: bool,
    /// The VP8 payload descriptor's picture ID (15 or 7 bits), when the sender sets it.
    pub picture_id: Option<u16>,
    /// On a frame's first packet: what its header says about the decoder state it
    /// changes (whether it may be skipped, `peercall_media::Vp8Header`).
    pub header: Option<Vp8Header>,
    /// VP8 bitstream bytes.
    pub payload: Bytes,
}

impl Vp8Part {
    /// Depacketizes an RTP packet; `None` for a malformed or empty one.
    pub fn from_rtp(packet: &rtc::rtp::Packet, seq: u64) -> Option<Self> {
        Self::depacketize(
            &packet.payload,
            seq,
            packet.header.timestamp,
            packet.header.marker,
        )
    }

    /// Depacketizes an RTP payload (VP8 payload descriptor, then bitstream) with the
    /// header fields it came with; `None` for a malformed or empty one.
    pub fn depacketize(
        rtp_payload: &Bytes,
        seq: u64,
        timestamp: u32,
        marker: bool,
    ) -> Option<Self> {
        let mut vp8 = rtc::rtp::codec::vp8::Vp8Packet::default();
        let payload = vp8.depacketize(rtp_payload).ok()?;
        if payload.is_empty() {
            return None;
        }
        let start = vp8.s == 1 && vp8.pid == 0;
        Some(Self {
            seq,
            timestamp,
            marker,
            start,
            // VP8 frame tag: bit 0 of the first byte is 0 on a keyframe (RFC 6386 §9.1).
            keyframe: start && payload.first().is_some_and(|b| b & 1 == 0),
            picture_id: (vp8.x == 1 && vp8.i == 1).then_some(vp8.picture_id),
            header: if start { vp8_header(&payload) } else { None },
            payload,
        })
    }
}

/// A whole frame, ready for the decoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The VP8 bitstream.
    pub data: Bytes,
    /// Whether it is a keyframe.
    pub keyframe: bool,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Extended sequence number of its last packet.
    pub last_seq: u64,
    /// It sat behind a hole (waited for a retransmission or a reordered packet).
    pub waited: bool,
}

/// Limits and timers.
#[derive(Debug, Clone, Copy)]
pub struct FrameBufferConfig {
    /// The wait for a missing packet is `rtt_factor` round trips plus `wait_margin`…
    pub rtt_factor: u32,
    /// …plus this (jitter and the NACK's own trip)…
    pub wait_margin: Duration,
    /// …but at least this…
    pub min_wait: Duration,
    /// …and at most this.
    pub max_wait: Duration,
    /// Gap between two keyframe requests while one is awaited (the sender honours one
    /// per 300 ms).
    pub keyframe_request_interval: Duration,
    /// Packets held at most; past it everything is dropped and a keyframe is needed.
    pub max_packets: usize,
    /// Before the first frame, when the stream began with something else: how long past
    /// one round trip to wait for a keyframe's start. What the sender sent before our
    /// SRTP keys were set never reached us, and it sends a fresh keyframe as soon as it
    /// hears from us (`session::send`): one round trip plus an encode after we came up.
    /// A request before then only asks for a second keyframe.
    pub start_wait: Duration,
}

impl Default for FrameBufferConfig {
    fn default() -> Self {
        Self {
            rtt_factor: 3,
            wait_margin: Duration::from_millis(60),
            min_wait: Duration::from_millis(200),
            max_wait: Duration::from_millis(2_000),
            keyframe_request_interval: Duration::from_millis(300),
            max_packets: 2_048,
            start_wait: Duration::from_millis(100),
        }
    }
}

impl FrameBufferConfig {
    /// How long a missing packet is waited for at this round-trip time.
    #[must_use]
    pub fn wait(&self, rtt: Duration) -> Duration {
        (rtt * self.rtt_factor + self.wait_margin).clamp(self.min_wait, self.max_wait)
    }
}

/// What a timer tick decided.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// A missing packet waited too long: the frames behind it are lost.
    pub gave_up: bool,
    /// Send a keyframe request (PLI) now.
    pub request_keyframe: bool,
}

/// What a pushed packet produced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// Frames now decodable, in decode order.
    pub frames: Vec<Frame>,
    /// Packets that arrived after their frame was handed out or given up.
    pub late: bool,
    /// Packets of frames skipped: to jump to a keyframe (incomplete or undecodable
    /// frames), or a late frame the next one does not need ([`FrameBuffer::skip`]).
    pub skipped_packets: u64,
    /// The buffer overflowed and was emptied.
    pub overflow: bool,
}

/// The frame buffer of one VP8 stream.
#[derive(Debug, Default)]
pub struct FrameBuffer {
    config: FrameBufferConfig,
    packets: BTreeMap<u64, Vp8Part>,
    /// Where the next frame must start (one past the last frame handed out).
    next_seq: Option<u64>,
    /// Waiting for a keyframe: delta frames cannot be decoded.
    need_keyframe: bool,
    /// Since when the next frame has been blocked by a hole.
    blocked_since: Option<Instant>,
    /// When to send the next keyframe request, while one is needed.
    keyframe_request_at: Option<Instant>,
}

impl FrameBuffer {
    /// An empty buffer, waiting for the first keyframe.
    #[must_use]
    pub fn new(config: FrameBufferConfig) -> Self {
        Self {
            config,
            need_keyframe: true,
            ..Self::default()
        }
    }

    /// Whether the buffer waits for a keyframe.
    #[must_use]
    pub fn needs_keyframe(&self) -> bool {
        self.need_keyframe
    }

    /// Packets held now (at most [`FrameBufferConfig::max_packets`]).
    #[must_use]
    pub fn held(&self) -> usize {
        self.packets.len()
    }

    /// Extended sequence number the next frame starts at, once known.
    #[must_use]
    pub fn next_seq(&self) -> Option<u64> {
        self.next_seq
    }

    /// Takes one packet at `now` (the RTT sets how long a hole may be waited for).
    pub fn push(&mut self, part: Vp8Part, now: Instant, rtt: Duration) -> Pushed {
        let mut out = Pushed::default();
        if self.next_seq.is_some_and(|n| part.seq < n) {
            out.late = true;
            return out;
        }
        if self.packets.len() >= self.config.max_packets {
            self.packets.clear();
            self.want_keyframe(now);
            out.overflow = true;
        }
        if self.need_keyframe && self.keyframe_request_at.is_none() {
            // The first keyframe gets the usual wait before we ask for another, unless
            // the stream does not begin with one: a lost first packet leaves no hole
            // for NACK to see, so only a keyframe request can help, once the sender's
            // own fresh keyframe had its chance (`start_wait`).
            let wait = if part.keyframe {
                self.config.wait(rtt)
            } else {
                rtt + self.config.start_wait
            };
            self.keyframe_request_at = Some(now + wait);
        }
        self.packets.insert(part.seq, part);
        self.drain(now, &mut out);
        out
    }

    /// The frame the buffer waits for, when it may be skipped: it is incomplete, its
    /// first packet is here and its header says the frame after it does not depend on it
    /// (`Vp8Header::skippable_before`), and that next frame is whole. Returns the waiting
    /// frame's RTP timestamp (the caller skips it once it is late, [`FrameBuffer::skip`]).
    #[must_use]
    pub fn skippable(&self) -> Option<u32> {
        self.skippable_next().map(|(ts, _)| ts)
    }

    /// Skips the frame [`FrameBuffer::skippable`] names; the frames behind it come out
    /// as usual. Nothing happens when there is none.
    pub fn skip(&mut self, now: Instant) -> Pushed {
        let mut out = Pushed::default();
        let Some((_, next)) = self.skippable_next() else {
            return out;
        };
        let before = self.packets.len();
        self.packets = self.packets.split_off(&next);
        out.skipped_packets = (before - self.packets.len()) as u64;
        self.next_seq = Some(next);
        self.drain(now, &mut out);
        out
    }

    /// (the waiting frame's timestamp, the first sequence number of the frame after it)
    /// when the waiting frame may be skipped.
    fn skippable_next(&self) -> Option<(u32, u64)> {
        // Only behind a hole (cheap, checked on every packet): a frame still arriving
        // with nothing missing has no whole frame after it.
        if self.need_keyframe || self.blocked_since.is_none() {
            return None;
        }
        let first = self.next_seq?;
        let head = self.packets.get(&first)?;
        if !head.start || self.complete_frame_end(first).is_some() {
            return None;
        }
        let (&next, after) = self
            .packets
            .range(first + 1..)
            .find(|(_, p)| p.start && p.timestamp != head.timestamp)?;
        // The frame found must be the very next one, not one after a frame lost whole:
        // consecutive picture IDs, or the waiting frame's last packet right before it.
        let consecutive_ids = match (head.picture_id, after.picture_id) {
            (Some(a), Some(b)) => b == (a + 1) & 0x7FFF || (a < 0x80 && b == (a + 1) & 0x7F),
            _ => false,
        };
        let ends_right_before = self
            .packets
            .range(first..next)
            .next_back()
            .is_some_and(|(&seq, p)| p.marker && p.timestamp == head.timestamp && seq + 1 == next);
        if !(consecutive_ids || ends_right_before) {
            return None;
        }
        self.complete_frame_end(next)?;
        head.header?
            .skippable_before(&after.header?)
            .then_some((head.timestamp, next))
    }

    /// The decoder could not use a frame: wait for a keyframe and ask for one now.
    pub fn request_keyframe(&mut self, now: Instant) {
        self.want_keyframe(now);
    }

    /// Advances time: gives up a hole waited on too long, and says when to send a
    /// keyframe request.
    pub fn tick(&mut self, now: Instant, rtt: Duration) -> Tick {
        let mut out = Tick::default();
        if !self.need_keyframe {
            if let Some(since) = self.blocked_since {
                if now.saturating_duration_since(since) >= self.config.wait(rtt) {
                    out.gave_up = true;
                    self.want_keyframe(now);
                }
            }
        }
        if self.need_keyframe && self.keyframe_request_at.is_some_and(|t| now >= t) {
            out.request_keyframe = true;
            self.keyframe_request_at = Some(now + self.config.keyframe_request_interval);
        }
        out
    }

    fn want_keyframe(&mut self, now: Instant) {
        if !self.need_keyframe {
            self.need_keyframe = true;
            self.keyframe_request_at = Some(now);
        }
        self.blocked_since = None;
    }

    fn drain(&mut self, now: Instant, out: &mut Pushed) {
        let taken = out.frames.len();
        loop {
            if !self.need_keyframe {
                if let Some(next) = self.next_seq {
                    if let Some(frame) = self.take_frame(next) {
                        out.frames.push(frame);
                        continue;
                    }
                }
            }
            // A complete keyframe ahead ends any wait.
            let Some(key) = self.complete_keyframe_after(self.next_seq) else {
                break;
            };
            let before = self.packets.len();
            self.packets = self.packets.split_off(&key);
            out.skipped_packets += (before - self.packets.len()) as u64;
            self.need_keyframe = false;
            self.keyframe_request_at = None;
            self.next_seq = Some(key);
        }
        // The wait is for a hole, counted from when it was first seen behind the frame
        // being assembled; a frame that merely is still arriving is not waiting.
        if out.frames.len() > taken || self.need_keyframe || !self.has_hole() {
            self.blocked_since = None;
        }
        if !self.need_keyframe && self.has_hole() {
            self.blocked_since.get_or_insert(now);
        }
    }

    /// Whether a packet is missing between the next frame's start and the newest packet.
    fn has_hole(&self) -> bool {
        let (Some(next), Some((&newest, _))) = (self.next_seq, self.packets.last_key_value())
        else {
            return false;
        };
        newest >= next && (self.packets.len() as u64) < newest - next + 1
    }

    /// The frame starting at `first`, if all of it is here; removes it from the buffer.
    fn take_frame(&mut self, first: u64) -> Option<Frame> {
        let last = self.complete_frame_end(first)?;
        let mut data = BytesMut::new();
        let mut parts = self.packets.range(first..=last).map(|(_, p)| p);
        let head = parts.next()?;
        let (keyframe, timestamp) = (head.keyframe, head.timestamp);
        data.extend_from_slice(&head.payload);
        for p in parts {
            data.extend_from_slice(&p.payload);
        }
        self.packets = self.packets.split_off(&(last + 1));
        self.next_seq = Some(last + 1);
        Some(Frame {
            data: data.freeze(),
            keyframe,
            timestamp,
            last_seq: last,
            waited: self.blocked_since.is_some(),
        })
    }

    /// The last sequence number of the frame starting at `first` when every packet of it
    /// is present.
    fn complete_frame_end(&self, first: u64) -> Option<u64> {
        let head = self.packets.get(&first)?;
        if !head.start {
            return None;
        }
        for (expected, (&seq, p)) in (first..).zip(self.packets.range(first..)) {
            if seq != expected || p.timestamp != head.timestamp {
                return None;
            }
            if p.marker {
                return Some(seq);
            }
        }
        None
    }

    /// The first complete keyframe strictly after `after` (anywhere when `None`).
    fn complete_keyframe_after(&self, after: Option<u64>) -> Option<u64> {
        let from = after.map_or(0, |a| a + 1);
        self.packets
            .range(from..)
            .filter(|(_, p)| p.keyframe)
            .map(|(&seq, _)| seq)
            .find(|&seq| self.complete_frame_end(seq).is_some())
    }
}

#[cfg(test)]
mod skip_tests;
#[cfg(test)]
mod tests;
