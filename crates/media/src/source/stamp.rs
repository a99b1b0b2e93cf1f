//! The frame stamp: frame number and capture time drawn into the picture as large
//! black/white blocks that survive VP8 at low bitrates, and its decoder.
//!
//! Layout: a band across the top of the frame, [`COLUMNS`] blocks wide and [`ROWS`] blocks
//! high, each block `width / COLUMNS` pixels square (20 px at 640 wide, 40 px at 1280).
//! 96 bits, most significant first, row by row: the frame number (32 bits), the low 48 bits
//! of the capture time in microseconds, and a CRC-16/CCITT of those 10 bytes. The reader
//! averages the centre half of each block, so blurred edges do not matter.

use crate::frame::VideoFrame;

/// Blocks per row.
pub const COLUMNS: u32 = 32;
/// Rows of blocks.
pub const ROWS: u32 = 3;
/// Smallest frame width that can carry a stamp (2 px blocks).
pub const MIN_WIDTH: u32 = 2 * COLUMNS;

const WHITE: u8 = 235;
const BLACK: u8 = 16;
const TIME_BITS: u32 = 48;
const TIME_MASK: u64 = (1 << TIME_BITS) - 1;

/// What a stamp carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Frame number modulo 2^32.
    pub frame_number: u32,
    /// Capture time in µs since the UNIX epoch, modulo 2^48 (about 8.9 years); see
    /// [`Stamp::capture_time_near`].
    pub capture_time_low_us: u64,
}

impl Stamp {
    /// A stamp for this frame number and capture time (both truncated to their widths).
    pub fn new(frame_number: u64, capture_time_us: u64) -> Self {
        Self {
            frame_number: frame_number as u32,
            capture_time_low_us: capture_time_us & TIME_MASK,
        }
    }

    /// The full capture time closest to `now_us` (the reader's clock) whose low 48 bits
    /// match the stamp.
    pub fn capture_time_near(&self, now_us: u64) -> u64 {
        let half = 1u64 << (TIME_BITS - 1);
        let candidate = (now_us & !TIME_MASK) | self.capture_time_low_us;
        if candidate > now_us.saturating_add(half) && candidate >= (1 << TIME_BITS) {
            candidate - (1 << TIME_BITS)
        } else if candidate.saturating_add(half) < now_us {
            candidate + (1 << TIME_BITS)
        } else {
            candidate
        }
    }

    fn bits(&self) -> [bool; 96] {
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(&self.frame_number.to_be_bytes());
        bytes[4..10].copy_from_slice(&self.capture_time_low_us.to_be_bytes()[2..]);
        let crc = crc16(&bytes[..10]);
        bytes[10..].copy_from_slice(&crc.to_be_bytes());
        let mut bits = [false; 96];
        for (i, bit) in bits.iter_mut().enumerate() {
            *bit = bytes[i / 8] & (0x80 >> (i % 8)) != 0;
        }
        bits
    }

    fn from_bits(bits: &[bool; 96]) -> Option<Self> {
        let mut bytes = [0u8; 12];
        for (i, &bit) in bits.iter().enumerate() {
            if bit {
                bytes[i / 8] |= 0x80 >> (i % 8);
            }
        }
        let crc = u16::from_be_bytes([bytes[10], bytes[11]]);
        if crc16(&bytes[..10]) != crc {
            return None;
        }
        let frame_number = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let mut t = [0u8; 8];
        t[2..].copy_from_slice(&bytes[4..10]);
        Some(Self {
            frame_number,
            capture_time_low_us: u64::from_be_bytes(t),
        })
    }
}

/// Block size in pixels for a frame of this size, or `None` if it is too small.
pub fn block_size(width: u32, height: u32) -> Option<u32> {
    let block = width / COLUMNS;
    (width >= MIN_WIDTH && height >= block * ROWS).then_some(block)
}

/// Draws `stamp` into the top band of `frame` (luma blocks, neutral chroma).
/// Frames smaller than [`MIN_WIDTH`] are left as they are.
pub fn draw(frame: &mut VideoFrame, stamp: Stamp) {
    let Some(block) = block_size(frame.width, frame.height) else {
        return;
    };
    let width = frame.width as usize;
    let cw = frame.chroma_width() as usize;
    let bits = stamp.bits();
    let band_h = (block * ROWS) as usize;
    let (y, u, v) = frame.planes_mut();
    for row in 0..band_h {
        let line = &mut y[row * width..(row + 1) * width];
        let brow = row / block as usize;
        for col in 0..COLUMNS as usize {
            let value = if bits[brow * COLUMNS as usize + col] {
                WHITE
            } else {
                BLACK
            };
            let start = col * block as usize;
            line[start..start + block as usize].fill(value);
        }
        // Pixels right of the last block (width not a multiple of COLUMNS).
        line[COLUMNS as usize * block as usize..].fill(BLACK);
    }
    let chroma_rows = band_h.div_ceil(2);
    u[..chroma_rows * cw].fill(128);
    v[..chroma_rows * cw].fill(128);
}

/// Reads the stamp back, or `None` if the frame is too small or the checksum fails.
pub fn read(frame: &VideoFrame) -> Option<Stamp> {
    let block = block_size(frame.width, frame.height)? as usize;
    let width = frame.width as usize;
    let y = frame.y();
    let (lo, hi) = (block / 4, (block * 3).div_ceil(4).max(block / 4 + 1));
    let mut bits = [false; 96];
    for (i, bit) in bits.iter_mut().enumerate() {
        let (brow, bcol) = (i / COLUMNS as usize, i % COLUMNS as usize);
        let (x0, y0) = (bcol * block, brow * block);
        let mut sum = 0u32;
        let mut n = 0u32;
        for yy in y0 + lo..y0 + hi {
            let line = &y[yy * width + x0 + lo..yy * width + x0 + hi];
            sum += line.iter().map(|&p| u32::from(p)).sum::<u32>();
            n += line.len() as u32;
        }
        *bit = n > 0 && sum / n > u32::from((WHITE + BLACK) / 2);
    }
    Stamp::from_bits(&bits)
}

/// CRC-16/CCITT-FALSE.
fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_matches_the_standard_check_value() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    #[test]
    fn round_trips_at_several_sizes() {
        for (w, h) in [(64, 48), (320, 240), (640, 480), (1280, 720), (1918, 1080)] {
            let mut f = VideoFrame::black(w, h);
            let stamp = Stamp::new(0xDEAD_BEEF, 1_763_700_000_123_456);
            draw(&mut f, stamp);
            assert_eq!(read(&f), Some(stamp), "{w}x{h}");
        }
    }

    #[test]
    fn a_damaged_stamp_is_rejected() {
        let mut f = VideoFrame::black(640, 480);
        draw(&mut f, Stamp::new(42, 99));
        let (y, _, _) = f.planes_mut();
        // Flip the first block (bit 0) completely.
        for row in 0..20 {
            for px in &mut y[row * 640..row * 640 + 20] {
                *px = if *px > 128 { BLACK } else { WHITE };
            }
        }
        assert_eq!(read(&f), None);
    }

    #[test]
    fn too_small_frames_carry_no_stamp() {
        let mut f = VideoFrame::black(32, 32);
        draw(&mut f, Stamp::new(1, 1));
        assert_eq!(read(&f), None);
    }

    #[test]
    fn capture_time_is_rebuilt_near_now() {
        let t = 1_763_700_000_123_456u64;
        let s = Stamp::new(0, t);
        assert_eq!(s.capture_time_near(t + 80_000), t);
        assert_eq!(s.capture_time_near(t - 5), t);
        // Across a 2^48 boundary.
        let t2 = (5u64 << 48) - 10;
        let s2 = Stamp::new(0, t2);
        assert_eq!(s2.capture_time_near(t2 + 100), t2);
    }
}
