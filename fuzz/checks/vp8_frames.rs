//! The receive side of a VP8 stream, driven the way the session drives it
//! (`session/video_receiver.rs`): a script of RTP packets (16-bit sequence numbers that
//! jump, repeat and wrap; timestamps; marker bits; arbitrary VP8 payload descriptors and
//! bitstream), timer ticks, keyframe requests and round-trip changes goes through the
//! sequence unwrapper, the NACK list, the depacketizer and the frame buffer.
//!
//! Checks: no panic; the buffer never holds more than its packet limit and the NACK list
//! never asks for more than its entry limit; frames come out in decode order; the first
//! frame, and the first after an overflow, a given-up hole or a keyframe request, is a
//! keyframe; a frame is never larger than the packets it was built from.
//!
//! Shared by the cargo-fuzz target and the corpus replay in `cargo test`
//! (`crates/engine/tests/fuzz_corpus.rs`).

use std::time::{Duration, Instant};

use bytes::Bytes;
use peercall_engine::video_rx::frame_buffer::{
    Frame, FrameBuffer, FrameBufferConfig, Pushed, Vp8Part,
};
use peercall_engine::video_rx::nack::{NackConfig, NackList};
use peercall_engine::video_rx::rtp_seq::SeqUnwrapper;

/// A small limit, so scripts reach the overflow.
const MAX_PACKETS: usize = 64;
/// The longest payload a script gives a packet.
const MAX_PAYLOAD: usize = 255;
/// What `VideoReceiver` asks for before a stream's first packet when it is mid-frame.
const START_LOOKBACK: u64 = 32;

/// `VideoReceiver` without its playout clock and RTCP, and what it has promised so far.
struct Receiver {
    seqs: SeqUnwrapper,
    nacks: NackList,
    frames: FrameBuffer,
    nack_limit: usize,
    now: Instant,
    rtt: Duration,
    seq: u16,
    /// The newest extended sequence number seen.
    newest: u64,
    first: bool,
    /// The next frame handed out must be a keyframe.
    want_keyframe: bool,
    last_frame_end: Option<u64>,
}

impl Receiver {
    fn new() -> Self {
        let nack_config = NackConfig::default();
        Self {
            seqs: SeqUnwrapper::default(),
            nacks: NackList::new(nack_config),
            frames: FrameBuffer::new(FrameBufferConfig {
                max_packets: MAX_PACKETS,
                ..FrameBufferConfig::default()
            }),
            nack_limit: nack_config.max_entries + START_LOOKBACK as usize,
            now: Instant::now(),
            rtt: Duration::from_millis(100),
            seq: 65_500,
            newest: 0,
            first: true,
            want_keyframe: true,
            last_frame_end: None,
        }
    }

    /// One packet: `[seq delta (i8), timestamp step, flags, length, payload…]`.
    fn packet(&mut self, input: &mut &[u8]) {
        let Some((&[delta, step, flags, len], rest)) = input.split_first_chunk::<4>() else {
            *input = &[];
            return;
        };
        let len = usize::from(len).min(rest.len());
        let (payload, rest) = rest.split_at(len);
        *input = rest;
        self.seq = self.seq.wrapping_add_signed(i16::from(delta as i8));
        let seq = self.seqs.unwrap(self.seq);
        self.newest = self.newest.max(seq);
        let timestamp = 0xffff_0000u32.wrapping_add(u32::from(step) * 3000);
        let nack = self.nacks.on_packet(seq, self.now);
        let part = Vp8Part::depacketize(
            &Bytes::copy_from_slice(payload),
            seq,
            timestamp,
            flags & 1 == 1,
        );
        if std::mem::take(&mut self.first) && part.as_ref().is_some_and(|p| !p.start) {
            self.nacks.expect_before(seq, START_LOOKBACK, self.now);
        }
        if nack.overflow {
            self.frames.request_keyframe(self.now);
            self.want_keyframe = true;
        }
        let Some(part) = part else { return };
        assert!(
            part.payload.len() <= payload.len(),
            "depacketized payload grew"
        );
        assert!(
            !part.keyframe || part.start,
            "a keyframe flag on a non-first packet"
        );
        let pushed = self.frames.push(part, self.now, self.rtt);
        self.pushed(pushed);
    }

    fn pushed(&mut self, pushed: Pushed) {
        if pushed.overflow {
            self.want_keyframe = true;
        }
        for frame in &pushed.frames {
            self.frame(frame);
        }
        if pushed.skipped_packets > 0 || pushed.overflow {
            self.forget_old_holes();
        }
    }

    fn frame(&mut self, frame: &Frame) {
        if std::mem::take(&mut self.want_keyframe) {
            assert!(
                frame.keyframe,
                "a delta frame handed out while a keyframe was needed"
            );
        }
        if frame.keyframe {
            assert!(frame.data.first().is_some_and(|b| b & 1 == 0));
        }
        assert!(
            self.last_frame_end.is_none_or(|end| frame.last_seq > end),
            "frames out of decode order"
        );
        self.last_frame_end = Some(frame.last_seq);
        assert!(
            frame.data.len() <= MAX_PACKETS * MAX_PAYLOAD,
            "a frame larger than the buffer"
        );
    }

    fn tick(&mut self, step: u8) {
        self.now += Duration::from_millis(u64::from(step) * 5);
        let tick = self.frames.tick(self.now, self.rtt);
        if tick.gave_up {
            self.want_keyframe = true;
            self.forget_old_holes();
        }
        let due = self.nacks.due(self.now, self.rtt);
        assert!(due.len() <= self.nack_limit, "{} NACKs at once", due.len());
    }

    fn forget_old_holes(&mut self) {
        let upto = if self.frames.needs_keyframe() {
            Some(self.newest)
        } else {
            self.frames.next_seq().map(|n| n.saturating_sub(1))
        };
        if let Some(seq) = upto {
            self.nacks.forget_through(seq);
        }
    }
}

/// Runs one input; panics on a finding.
pub fn check(data: &[u8]) {
    let mut rx = Receiver::new();
    let mut input = data;
    while let Some((&op, rest)) = input.split_first() {
        input = rest;
        match op % 8 {
            0..=4 => rx.packet(&mut input),
            5 | 6 => {
                let Some((&step, rest)) = input.split_first() else {
                    break;
                };
                input = rest;
                if op % 8 == 5 {
                    rx.tick(step);
                } else {
                    rx.rtt = Duration::from_millis(u64::from(step) * 8);
                }
            }
            _ => {
                rx.frames.request_keyframe(rx.now);
                rx.want_keyframe = true;
            }
        }
        assert!(
            rx.frames.held() <= MAX_PACKETS,
            "{} packets held",
            rx.frames.held()
        );
    }
}
