//! Audio RED (RFC 2198, `red/48000/2` with fmtp `<opus>/<opus>` as Chromium negotiates
//! it): each RTP payload carries the previous encoded frame(s) again ahead of the new
//! one, so a single lost packet is rebuilt exactly from its successor.
//!
//! Wire format: one 4-byte header per redundant block (F=1, block payload type, 14-bit
//! timestamp offset back from the packet's timestamp, 10-bit length), a 1-byte header for
//! the primary block (F=0, payload type), then the blocks' data in the same order:
//! oldest redundancy first, primary last.
//!
//! Written here rather than taken from a crate: `rtc`/`webrtc` 0.21.1 only recognise
//! `red` in negotiation (`rtp_codec.rs`, `is_repair_codec`) and have no packer or
//! splitter; `rtci-interceptor` 0.1.0 (a first release) has RED only as an interceptor of
//! its own pipeline; the format is two header shapes. Limits follow libwebrtc's
//! `audio_encoder_copy_red.cc` (payload ≤ 1200 bytes, block < 1024 bytes, offset < 2^14)
//! and `red_payload_splitter.cc` (≤ 32 blocks).

use std::collections::VecDeque;

use crate::error::CodecError;

/// Largest RED payload sent, bytes.
const MAX_PAYLOAD: usize = 1200;
/// A block's length field is 10 bits.
const MAX_BLOCK: usize = 1023;
/// A block's timestamp offset field is 14 bits.
const MAX_OFFSET: u64 = (1 << 14) - 1;
/// Most redundant frames a sender may be asked for (libwebrtc allows 9).
pub const MAX_DISTANCE: usize = 9;
/// Most blocks a received packet may hold (libwebrtc's splitter: 32).
const MAX_BLOCKS: usize = 32;

/// One block of a received RED payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedBlock<'a> {
    /// How far before the packet's timestamp this block's audio starts (0 for the primary).
    pub timestamp_offset: u32,
    /// The block's payload type (the codec's).
    pub payload_type: u8,
    /// The encoded frame.
    pub payload: &'a [u8],
}

/// Splits a RED payload into its blocks, oldest first (the primary is last).
pub fn parse_red(payload: &[u8]) -> Result<Vec<RedBlock<'_>>, CodecError> {
    let malformed = |why: &str| CodecError::InvalidInput(format!("RED payload: {why}"));
    let mut headers = Vec::new();
    let mut at = 0;
    loop {
        let first = *payload
            .get(at)
            .ok_or_else(|| malformed("header cut short"))?;
        let payload_type = first & 0x7f;
        if first & 0x80 == 0 {
            headers.push((0u32, payload_type, None));
            at += 1;
            break;
        }
        let h = payload
            .get(at..at + 4)
            .ok_or_else(|| malformed("block header cut short"))?;
        let offset = (u32::from(h[1]) << 6) | (u32::from(h[2]) >> 2);
        let len = (usize::from(h[2] & 0x03) << 8) | usize::from(h[3]);
        headers.push((offset, payload_type, Some(len)));
        at += 4;
        if headers.len() > MAX_BLOCKS {
            return Err(malformed("too many blocks"));
        }
    }
    let mut blocks = Vec::with_capacity(headers.len());
    for (timestamp_offset, payload_type, len) in headers {
        let end = match len {
            Some(n) => at + n,
            None => payload.len(),
        };
        let data = payload
            .get(at..end)
            .ok_or_else(|| malformed("block longer than the packet"))?;
        blocks.push(RedBlock {
            timestamp_offset,
            payload_type,
            payload: data,
        });
        at = end;
    }
    Ok(blocks)
}

/// Builds RED payloads: each new frame goes out with up to `distance` earlier frames.
#[derive(Debug)]
pub struct RedEncoder {
    payload_type: u8,
    distance: usize,
    /// Recent frames (timestamp, data), oldest first.
    history: VecDeque<(u64, Vec<u8>)>,
}

impl RedEncoder {
    /// Blocks carry `payload_type` (the codec's, e.g. Opus 111); `distance` earlier
    /// frames ride along with each new one (capped at [`MAX_DISTANCE`]).
    #[must_use]
    pub fn new(payload_type: u8, distance: usize) -> Self {
        Self {
            payload_type: payload_type & 0x7f,
            distance: distance.min(MAX_DISTANCE),
            history: VecDeque::with_capacity(MAX_DISTANCE + 1),
        }
    }

    /// How many earlier frames each packet repeats.
    #[must_use]
    pub fn distance(&self) -> usize {
        self.distance
    }

    /// Changes how many earlier frames each packet repeats.
    pub fn set_distance(&mut self, distance: usize) {
        self.distance = distance.min(MAX_DISTANCE);
    }

    /// Forgets earlier frames (e.g. after a gap the receiver must not fill with them).
    pub fn reset(&mut self) {
        self.history.clear();
    }

    /// The RED payload for the frame `primary` at RTP timestamp `timestamp` (ticks,
    /// any origin, increasing). Earlier frames are included newest-first as long as
    /// they fit the format's limits; they go on the wire oldest first.
    pub fn encode(&mut self, timestamp: u64, primary: &[u8]) -> Vec<u8> {
        let mut room = MAX_PAYLOAD.saturating_sub(1 + primary.len());
        let mut chosen: Vec<&(u64, Vec<u8>)> = Vec::new();
        for earlier in self.history.iter().rev().take(self.distance) {
            let offset = timestamp.checked_sub(earlier.0).unwrap_or(u64::MAX);
            let cost = 4 + earlier.1.len();
            if offset == 0 || offset > MAX_OFFSET || earlier.1.len() > MAX_BLOCK || cost > room {
                // Each older frame would be even further back: stop at the first misfit,
                // so the receiver can count blocks back one packet each.
                break;
            }
            room -= cost;
            chosen.push(earlier);
        }
        let data_len: usize = chosen.iter().map(|e| e.1.len()).sum::<usize>() + primary.len();
        let mut out = Vec::with_capacity(4 * chosen.len() + 1 + data_len);
        for (ts, data) in chosen.iter().rev() {
            let offset = (timestamp - ts) as u32;
            let len = data.len() as u32;
            out.push(0x80 | self.payload_type);
            out.push((offset >> 6) as u8);
            out.push((((offset & 0x3f) << 2) | (len >> 8)) as u8);
            out.push((len & 0xff) as u8);
        }
        out.push(self.payload_type);
        for (_, data) in chosen.iter().rev() {
            out.extend_from_slice(data);
        }
        out.extend_from_slice(primary);
        self.history.push_back((timestamp, primary.to_vec()));
        while self.history.len() > MAX_DISTANCE {
            self.history.pop_front();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(offset: u32, data: &[u8]) -> RedBlock<'_> {
        RedBlock {
            timestamp_offset: offset,
            payload_type: 111,
            payload: data,
        }
    }

    /// Frames sent, as (timestamp, data).
    type Frames = Vec<(u64, Vec<u8>)>;
    /// Blocks expected, as (timestamp offset, data).
    type Blocks = Vec<(u32, Vec<u8>)>;

    #[test]
    fn packs_earlier_frames_oldest_first_and_parses_them_back() {
        // (distance, frames sent) → the last packet's blocks.
        let cases: Vec<(usize, Frames, Blocks)> = vec![
            // The first packet has nothing to repeat.
            (1, vec![(0, vec![1, 2])], vec![(0, vec![1, 2])]),
            (
                1,
                vec![(0, vec![1]), (960, vec![2, 2])],
                vec![(960, vec![1]), (0, vec![2, 2])],
            ),
            (
                2,
                vec![(0, vec![1]), (960, vec![2]), (1920, vec![3])],
                vec![(1920, vec![1]), (960, vec![2]), (0, vec![3])],
            ),
            // Distance 0: plain primary in a RED header.
            (0, vec![(0, vec![1]), (960, vec![2])], vec![(0, vec![2])]),
            // A mute gap longer than the 14-bit offset: nothing earlier rides along.
            (1, vec![(0, vec![1]), (20_000, vec![2])], vec![(0, vec![2])]),
            // A gap within it: the earlier frame is still the previous packet.
            (
                1,
                vec![(0, vec![1]), (16_383, vec![2])],
                vec![(16_383, vec![1]), (0, vec![2])],
            ),
            // A frame too big to repeat stops the older ones too.
            (
                2,
                vec![(0, vec![1]), (960, vec![9; 1100]), (1920, vec![3])],
                vec![(0, vec![3])],
            ),
        ];
        for (distance, frames, want) in cases {
            let mut enc = RedEncoder::new(111, distance);
            let mut last = Vec::new();
            for (ts, data) in &frames {
                last = enc.encode(*ts, data);
            }
            let got = parse_red(&last).expect("parses");
            let want: Vec<RedBlock<'_>> = want.iter().map(|(o, d)| block(*o, d)).collect();
            assert_eq!(got, want, "distance {distance}, frames {frames:?}");
        }
    }

    #[test]
    fn writes_the_rfc_2198_header_layout() {
        let mut enc = RedEncoder::new(111, 1);
        enc.encode(0, &[0xaa; 300]);
        let p = enc.encode(960, &[0xbb]);
        // F=1|111, offset 960 = 0b00_1111_0000_00, length 300 = 0b01_0010_1100.
        assert_eq!(&p[..5], &[0x80 | 111, 15, 1, 44, 111]);
        assert_eq!(p.len(), 5 + 300 + 1);
    }

    #[test]
    fn keeps_a_packet_within_1200_bytes() {
        let mut enc = RedEncoder::new(111, 2);
        enc.encode(0, &[1; 500]);
        enc.encode(960, &[2; 500]);
        let p = enc.encode(1920, &[3; 500]);
        assert!(p.len() <= MAX_PAYLOAD, "{}", p.len());
        let blocks = parse_red(&p).expect("parses");
        assert_eq!(blocks.len(), 2, "only the newest earlier frame fits");
        assert_eq!(blocks[0].payload, &[2; 500][..]);
    }

    #[test]
    fn rejects_malformed_payloads() {
        let bad: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("block header cut short", vec![0x80 | 111, 0]),
            ("no primary header", vec![0x80 | 111, 0, 0, 0]),
            (
                "block longer than the packet",
                vec![0x80 | 111, 15, 0, 5, 111, 1],
            ),
            ("too many blocks", [0x80u8 | 111, 0, 0, 0].repeat(40)),
        ];
        for (what, payload) in bad {
            assert!(parse_red(&payload).is_err(), "{what}");
        }
        // An empty primary is allowed (the packet only repeats).
        let only = parse_red(&[0x80 | 111, 15, 0, 1, 111, 7]).expect("parses");
        assert_eq!(only, vec![block(960, &[7]), block(0, &[])]);
    }
}
