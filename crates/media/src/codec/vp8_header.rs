//! Whether a VP8 interframe leaves the decoder's state as it found it, read from the
//! start of its first partition (RFC 6386 §9.3–9.11, §19.2): a *discardable* frame
//! refreshes no reference buffer (last, golden, altref, and copies none into them),
//! keeps its probability updates to itself (`refresh_entropy_probs` 0), leaves the
//! loop-filter deltas alone, and either keeps the segmentation state or has it coded
//! anew by the frame after it. A receiver may skip such a frame when it is late: every
//! later frame decodes exactly as if it had been there.
//!
//! The fields sit in the first few bytes of the first partition, so the first RTP packet
//! of a frame is enough, even while the rest of the frame is still missing. Written by
//! hand rather than taken from a decoder crate (`cros-codecs` has a full VP8 parser) because
//! only this prefix is needed, from a possibly truncated frame, and a codec stack for
//! ~100 lines is not worth its weight.

/// How a frame treats the segmentation state that persists across frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segmentation {
    /// Not enabled on this frame.
    Off,
    /// Enabled with the map and features the decoder already has.
    Kept,
    /// The whole map and every feature coded anew (libvpx's realtime cyclic refresh does
    /// this on every frame): nothing from before is used.
    Rewritten,
    /// The map or the features, not both, coded anew.
    Partial,
}

/// What a frame's header says about the decoder state it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vp8Header {
    /// It is a keyframe (resets everything).
    pub keyframe: bool,
    /// It refreshes or copies into a reference buffer, keeps its probability updates,
    /// or changes the loop-filter deltas.
    pub updates_references: bool,
    /// What it does with the segmentation state (`Off` on a keyframe).
    pub segmentation: Segmentation,
}

impl Vp8Header {
    /// Whether a decoder may skip this frame when `next` is the frame after it: every
    /// later frame then decodes exactly as if this one had been there. The segmentation
    /// map and features persist from frame to frame, so a frame that may have changed
    /// them is skippable only when the next frame codes them anew.
    #[must_use]
    pub fn skippable_before(&self, next: &Vp8Header) -> bool {
        !self.keyframe
            && !self.updates_references
            && (self.segmentation == Segmentation::Kept
                || next.keyframe
                || next.segmentation == Segmentation::Rewritten)
    }
}

/// Reads the frame tag and the first partition's header as far as `refresh_last`;
/// `None` when the bytes are too few or malformed.
#[must_use]
pub fn vp8_header(frame: &[u8]) -> Option<Vp8Header> {
    let tag = frame.get(..3)?;
    if tag[0] & 1 == 0 {
        return Some(Vp8Header {
            keyframe: true,
            updates_references: true,
            segmentation: Segmentation::Off,
        });
    }
    interframe_header(&mut BoolDecoder::new(frame.get(3..)?)?)
}

/// The interframe header up to `refresh_last` (RFC 6386 §19.2).
fn interframe_header(bd: &mut BoolDecoder<'_>) -> Option<Vp8Header> {
    let mut segmentation = Segmentation::Off;
    if bd.flag()? {
        let update_map = bd.flag()?;
        let update_data = bd.flag()?;
        segmentation = match (update_map, update_data) {
            (false, false) => Segmentation::Kept,
            (true, true) => Segmentation::Rewritten,
            _ => Segmentation::Partial,
        };
        if update_data {
            bd.literal(1)?; // segment_feature_mode
            bd.optional_signed(4, 7)?; // quantizer
            bd.optional_signed(4, 6)?; // loop filter level
        }
        if update_map {
            for _ in 0..3 {
                if bd.flag()? {
                    bd.literal(8)?;
                }
            }
        }
    }
    bd.literal(1 + 6 + 3)?; // filter_type, loop_filter_level, sharpness_level
    let mut lf_deltas = false;
    if bd.flag()? {
        // loop_filter_adj_enable, then mode_ref_lf_delta_update
        lf_deltas = bd.flag()?;
        if lf_deltas {
            bd.optional_signed(4, 6)?; // ref_frame deltas
            bd.optional_signed(4, 6)?; // mb_mode deltas
        }
    }
    bd.literal(2)?; // log2_nbr_of_dct_partitions
    bd.literal(7)?; // y_ac_qi
    bd.optional_signed(5, 4)?; // y_dc, y2_dc, y2_ac, uv_dc, uv_ac deltas
    let refresh_golden = bd.flag()?;
    let refresh_alt = bd.flag()?;
    let copy_golden = if refresh_golden { 0 } else { bd.literal(2)? };
    let copy_alt = if refresh_alt { 0 } else { bd.literal(2)? };
    bd.literal(2)?; // sign_bias_golden, sign_bias_alternate
    let refresh_entropy = bd.flag()?;
    let refresh_last = bd.flag()?;
    Some(Vp8Header {
        keyframe: false,
        updates_references: lf_deltas
            || refresh_golden
            || refresh_alt
            || copy_golden != 0
            || copy_alt != 0
            || refresh_entropy
            || refresh_last,
        segmentation,
    })
}

/// RFC 6386 §7's boolean entropy decoder, reading only what it is asked for; `None` once
/// it would read past the bytes it has.
struct BoolDecoder<'a> {
    data: &'a [u8],
    pos: usize,
    value: u32,
    range: u32,
    bit_count: u32,
}

impl<'a> BoolDecoder<'a> {
    fn new(data: &'a [u8]) -> Option<Self> {
        let value = (u32::from(*data.first()?) << 8) | u32::from(*data.get(1)?);
        Some(Self {
            data,
            pos: 2,
            value,
            range: 255,
            bit_count: 0,
        })
    }

    fn bool(&mut self, prob: u32) -> Option<bool> {
        let split = 1 + (((self.range - 1) * prob) >> 8);
        let big_split = split << 8;
        let bit = if self.value >= big_split {
            self.range -= split;
            self.value -= big_split;
            true
        } else {
            self.range = split;
            false
        };
        while self.range < 128 {
            self.value <<= 1;
            self.range <<= 1;
            self.bit_count += 1;
            if self.bit_count == 8 {
                self.bit_count = 0;
                self.value |= u32::from(*self.data.get(self.pos)?);
                self.pos += 1;
            }
        }
        Some(bit)
    }

    fn flag(&mut self) -> Option<bool> {
        self.bool(128)
    }

    /// An unsigned `bits`-bit literal, most significant bit first.
    fn literal(&mut self, bits: u32) -> Option<u32> {
        let mut v = 0;
        for _ in 0..bits {
            v = (v << 1) | u32::from(self.flag()?);
        }
        Some(v)
    }

    /// `count` optional signed values of `bits` bits each (flag, magnitude, sign).
    fn optional_signed(&mut self, count: usize, bits: u32) -> Option<()> {
        for _ in 0..count {
            if self.flag()? {
                self.literal(bits + 1)?;
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests;
