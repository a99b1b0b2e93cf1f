//! The bridge's binary message: a fixed 40-byte little-endian header, then the I420 planes
//! packed back to back (Y with stride `width`, U and V with stride `ceil(width/2)`).
//!
//! | offset | type | field |
//! |---|---|---|
//! | 0 | u32 | magic `0x31464350` ("PCF1") |
//! | 4 | u8 | stream id (0 local preview, 1 remote video) |
//! | 5 | u8 | flags (bit 0: mirrored preview) |
//! | 6 | u8 | shrink factor: the source frame was width·f x height·f (0 and 1: full size) |
//! | 7 | u8 | reserved, 0 |
//! | 8 | u32 | width |
//! | 12 | u32 | height |
//! | 16 | u64 | frame number |
//! | 24 | u64 | capture time, µs since the UNIX epoch |
//! | 32 | u64 | bridge send time, µs since the UNIX epoch |

use bytes::{BufMut, Bytes, BytesMut};

/// "PCF1" read as a little-endian u32.
pub const MAGIC: u32 = u32::from_le_bytes(*b"PCF1");
/// Bytes before the planes.
pub const HEADER_LEN: usize = 40;

/// Which picture a frame belongs to; each has its own socket path `/frames/<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamId {
    /// The user's own camera, shown picture-in-picture and in settings.
    LocalPreview = 0,
    /// The other side's video.
    Remote = 1,
}

impl StreamId {
    /// Every stream, in id order.
    pub const ALL: [StreamId; 2] = [StreamId::LocalPreview, StreamId::Remote];

    /// Parses the numeric id used on the wire and in URLs.
    pub fn from_u8(id: u8) -> Option<Self> {
        match id {
            0 => Some(StreamId::LocalPreview),
            1 => Some(StreamId::Remote),
            _ => None,
        }
    }
}

/// The metadata in front of every frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub stream: StreamId,
    pub mirrored: bool,
    pub width: u32,
    pub height: u32,
    /// The frame was shrunk by this factor for a page that shows it small (1: full size).
    pub shrink: u8,
    pub frame_number: u64,
    pub capture_time_us: u64,
    pub sent_time_us: u64,
}

impl FrameHeader {
    /// Bytes of I420 data that must follow this header (`usize::MAX` when that does not
    /// fit a `usize`, which no message matches).
    pub fn payload_len(&self) -> usize {
        self.checked_payload_len().unwrap_or(usize::MAX)
    }

    /// Bytes of I420 data that must follow this header, `None` when that overflows (a
    /// header read from a message may declare up to 2^32 - 1 by 2^32 - 1).
    pub fn checked_payload_len(&self) -> Option<usize> {
        let (w, h) = (self.width as usize, self.height as usize);
        let luma = w.checked_mul(h)?;
        let chroma = w.div_ceil(2).checked_mul(h.div_ceil(2))?.checked_mul(2)?;
        luma.checked_add(chroma)
    }
}

/// Builds one bridge message. `i420` must be exactly `header.payload_len()` bytes.
pub fn encode_frame(header: &FrameHeader, i420: &[u8]) -> Option<Bytes> {
    if i420.len() != header.payload_len() {
        return None;
    }
    let mut buf = BytesMut::with_capacity(HEADER_LEN + i420.len());
    put_header(&mut buf, header);
    buf.put_slice(i420);
    Some(buf.freeze())
}

/// Writes the 40-byte header alone (the bridge sends the planes after it from where they
/// already are, see `page.rs`).
pub(crate) fn put_header(buf: &mut impl BufMut, header: &FrameHeader) {
    buf.put_u32_le(MAGIC);
    buf.put_u8(header.stream as u8);
    buf.put_u8(u8::from(header.mirrored));
    buf.put_u8(header.shrink);
    buf.put_u8(0);
    buf.put_u32_le(header.width);
    buf.put_u32_le(header.height);
    buf.put_u64_le(header.frame_number);
    buf.put_u64_le(header.capture_time_us);
    buf.put_u64_le(header.sent_time_us);
}

/// Reads the header of a bridge message; `None` when it is not one (or is truncated).
pub fn decode_header(msg: &[u8]) -> Option<FrameHeader> {
    let head = msg.get(..HEADER_LEN)?;
    let u32_at = |o: usize| u32::from_le_bytes([head[o], head[o + 1], head[o + 2], head[o + 3]]);
    let u64_at = |o: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&head[o..o + 8]);
        u64::from_le_bytes(b)
    };
    if u32_at(0) != MAGIC {
        return None;
    }
    let header = FrameHeader {
        stream: StreamId::from_u8(head[4])?,
        mirrored: head[5] & 1 == 1,
        width: u32_at(8),
        height: u32_at(12),
        shrink: head[6].max(1),
        frame_number: u64_at(16),
        capture_time_us: u64_at(24),
        sent_time_us: u64_at(32),
    };
    let len = header.checked_payload_len()?.checked_add(HEADER_LEN)?;
    (msg.len() == len).then_some(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(width: u32, height: u32) -> FrameHeader {
        FrameHeader {
            stream: StreamId::Remote,
            mirrored: true,
            width,
            height,
            shrink: 1,
            frame_number: 42,
            capture_time_us: 1_700_000_000_000_000,
            sent_time_us: 1_700_000_000_001_000,
        }
    }

    #[test]
    fn round_trips_header_and_planes() {
        let h = header(6, 4);
        let planes: Vec<u8> = (0..h.payload_len() as u8).collect();
        let msg = encode_frame(&h, &planes).unwrap();
        assert_eq!(msg.len(), HEADER_LEN + 6 * 4 + 2 * 3 * 2);
        assert_eq!(decode_header(&msg), Some(h));
        assert_eq!(&msg[HEADER_LEN..], &planes[..]);
    }

    #[test]
    fn odd_sizes_round_chroma_up() {
        let h = header(5, 3);
        assert_eq!(h.payload_len(), 15 + 2 * 3 * 2);
        let msg = encode_frame(&h, &vec![0; h.payload_len()]).unwrap();
        assert_eq!(decode_header(&msg), Some(h));
    }

    #[test]
    fn rejects_wrong_sizes_magic_and_streams() {
        let h = header(4, 4);
        assert!(encode_frame(&h, &[0; 5]).is_none());
        let msg = encode_frame(&h, &vec![0; h.payload_len()]).unwrap();
        assert!(decode_header(&msg[..msg.len() - 1]).is_none());
        assert!(decode_header(&msg[..10]).is_none());
        let mut bad = msg.to_vec();
        bad[0] ^= 0xff;
        assert!(decode_header(&bad).is_none());
        let mut bad = msg.to_vec();
        bad[4] = 9;
        assert!(decode_header(&bad).is_none());
    }

    /// Found writing the `bridge_frame` fuzz target's check: a header declaring
    /// 2^32 - 1 by 2^32 - 1 overflowed the payload size (a panic in debug builds, a
    /// wrapped size in release).
    #[test]
    fn a_header_too_large_for_any_message_is_refused() {
        let mut msg = encode_frame(&header(2, 2), &[0; 6]).unwrap().to_vec();
        msg[8..16].fill(0xff);
        msg.truncate(HEADER_LEN);
        assert_eq!(decode_header(&msg), None);
        assert_eq!(header(u32::MAX, u32::MAX).payload_len(), usize::MAX);
        assert_eq!(header(u32::MAX, u32::MAX).checked_payload_len(), None);
    }
}
