//! Reassembles VP8 frames from RTP packets with no added delay: a frame is handed out
//! the moment its last packet (marker bit) arrives and every packet since its first
//! (VP8 start-of-partition bit) is present. Late retransmissions (NACK) still complete a
//! pending frame. A frame that can no longer complete is reported as lost.

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};
use rtc::rtp::packetizer::Depacketizer;

/// At most this many incomplete frames are kept waiting for retransmissions.
const MAX_PENDING: usize = 8;

/// One RTP packet of a VP8 stream, already depacketized.
#[derive(Debug, Clone)]
pub struct Vp8Part {
    /// RTP sequence number.
    pub seq: u16,
    /// RTP timestamp (one per frame).
    pub timestamp: u32,
    /// RTP marker bit: last packet of the frame.
    pub marker: bool,
    /// VP8 payload descriptor S bit with partition id 0: first packet of the frame.
    pub start: bool,
    /// VP8 bitstream bytes.
    pub payload: Bytes,
}

impl Vp8Part {
    /// Depacketizes an RTP packet; `None` for a malformed or empty one.
    pub fn from_rtp(packet: &rtc::rtp::Packet) -> Option<Self> {
        let mut vp8 = rtc::rtp::codec::vp8::Vp8Packet::default();
        let payload = vp8.depacketize(&packet.payload).ok()?;
        if payload.is_empty() {
            return None;
        }
        Some(Self {
            seq: packet.header.sequence_number,
            timestamp: packet.header.timestamp,
            marker: packet.header.marker,
            start: vp8.s == 1 && vp8.pid == 0,
            payload,
        })
    }
}

/// What came out of pushing a packet.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Assembled {
    /// Complete frames, oldest first.
    pub frames: Vec<Bytes>,
    /// Frames given up as lost (so the decoder must wait for a keyframe).
    pub lost: u32,
}

#[derive(Default)]
struct Pending {
    parts: BTreeMap<u32, Vp8Part>,
}

/// The frame assembler of one VP8 stream.
#[derive(Default)]
pub struct Vp8Assembler {
    /// Frames by RTP timestamp (unwrapped to u64 order of arrival is enough here).
    pending: BTreeMap<u64, Pending>,
    /// Extended sequence numbers: the last one seen.
    last_ext_seq: Option<u64>,
    /// Extended timestamp of the newest frame handed out.
    last_out: Option<u64>,
    last_ts: Option<(u32, u64)>,
}

impl Vp8Assembler {
    /// A fresh assembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one packet; returns the frames it completed.
    pub fn push(&mut self, part: Vp8Part) -> Assembled {
        let mut out = Assembled::default();
        let ext_seq = self.extend_seq(part.seq);
        let ext_ts = self.extend_ts(part.timestamp);
        if self.last_out.is_some_and(|last| ext_ts <= last) {
            return out; // a late duplicate of a frame already out (or given up)
        }
        self.pending
            .entry(ext_ts)
            .or_default()
            .parts
            .insert(ext_seq as u32, part);
        // Hand out complete frames in order; frames older than a completed one are lost.
        let complete: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| Self::is_complete(p))
            .map(|(ts, _)| *ts)
            .collect();
        for ts in complete {
            let older: Vec<u64> = self.pending.range(..ts).map(|(t, _)| *t).collect();
            for t in older {
                self.pending.remove(&t);
                out.lost += 1;
            }
            if let Some(p) = self.pending.remove(&ts) {
                let mut buf = BytesMut::new();
                for part in p.parts.values() {
                    buf.extend_from_slice(&part.payload);
                }
                out.frames.push(buf.freeze());
                self.last_out = Some(ts);
            }
        }
        while self.pending.len() > MAX_PENDING {
            if let Some((&t, _)) = self.pending.iter().next() {
                self.pending.remove(&t);
                out.lost += 1;
            }
        }
        out
    }

    fn is_complete(p: &Pending) -> bool {
        let (Some((&first, first_part)), Some((&last, last_part))) =
            (p.parts.iter().next(), p.parts.iter().next_back())
        else {
            return false;
        };
        first_part.start && last_part.marker && (last - first + 1) as usize == p.parts.len()
    }

    fn extend_seq(&mut self, seq: u16) -> u64 {
        let ext = match self.last_ext_seq {
            None => u64::from(seq) + (1 << 20),
            Some(last) => {
                let base = last & !0xffff;
                let candidates = [base.wrapping_sub(1 << 16), base, base + (1 << 16)];
                candidates
                    .iter()
                    .map(|b| b + u64::from(seq))
                    .min_by_key(|c| c.abs_diff(last))
                    .unwrap_or(last)
            }
        };
        if self.last_ext_seq.is_none_or(|l| ext > l) {
            self.last_ext_seq = Some(ext);
        }
        ext
    }

    fn extend_ts(&mut self, ts: u32) -> u64 {
        let ext = match self.last_ts {
            None => u64::from(ts) + (1 << 36),
            Some((last, last_ext)) => {
                let delta = ts.wrapping_sub(last) as i32;
                last_ext.saturating_add_signed(i64::from(delta))
            }
        };
        if self.last_ts.is_none_or(|(_, l)| ext > l) {
            self.last_ts = Some((ts, ext));
        }
        ext
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(seq: u16, ts: u32, start: bool, marker: bool) -> Vp8Part {
        Vp8Part {
            seq,
            timestamp: ts,
            marker,
            start,
            payload: Bytes::from(vec![seq as u8]),
        }
    }

    #[test]
    fn frames_come_out_when_complete_in_order_and_reordered() {
        let mut a = Vp8Assembler::new();
        assert!(a.push(part(10, 100, true, false)).frames.is_empty());
        let got = a.push(part(11, 100, false, true));
        assert_eq!(got.frames, vec![Bytes::from(vec![10u8, 11])]);
        // Reordered: marker first.
        assert!(a.push(part(13, 200, false, true)).frames.is_empty());
        let got = a.push(part(12, 200, true, false));
        assert_eq!(got.frames, vec![Bytes::from(vec![12u8, 13])]);
        assert_eq!(got.lost, 0);
    }

    #[test]
    fn a_retransmission_completes_a_pending_frame_and_a_gap_is_a_loss() {
        let mut a = Vp8Assembler::new();
        a.push(part(1, 100, true, false));
        a.push(part(3, 100, false, true)); // 2 missing
        let got = a.push(part(2, 100, false, false)); // NACK brings it
        assert_eq!(got.frames.len(), 1);
        a.push(part(4, 200, true, false)); // frame 200 never completes
        let got = a.push(part(6, 300, true, true));
        assert_eq!(got.frames.len(), 1);
        assert_eq!(got.lost, 1);
        // A late packet of the lost frame is ignored.
        assert_eq!(a.push(part(5, 200, false, true)), Assembled::default());
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut a = Vp8Assembler::new();
        a.push(part(65535, 100, true, false));
        let got = a.push(part(0, 100, false, true));
        assert_eq!(got.frames.len(), 1);
    }
}
