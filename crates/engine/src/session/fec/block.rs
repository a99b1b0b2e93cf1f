//! Gathers a media stream's packets into FEC blocks: the pure part of the sender.
//!
//! A block ends with a frame (the RTP marker bit), so a lost packet can be rebuilt as soon
//! as the frame's last packet and its repair packets are in — a frame time, not a round
//! trip. A block smaller than one repair packet's worth at the measured loss
//! ([`FecPolicy::group`], and never under [`FecPolicy::min_block`]) waits for the next
//! frames, at most [`MAX_FRAMES`]: at 2 % loss one repair packet covers ~30 packets, and
//! one per 3-packet frame would cost a third of the bitrate. A block never grows past
//! [`MAX_BLOCK`] packets (two masks' worth), and a break in the sequence numbers (the
//! encoder restarted) starts a new one.

use super::policy::FecPolicy;

/// Most frames one block spans.
pub const MAX_FRAMES: usize = 3;
/// Most media packets in one block: what FlexFEC-03's first two masks describe (15 + 31).
pub const MAX_BLOCK: usize = 46;

/// One packet as the block sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// RTP sequence number.
    pub seq: u16,
    /// Last packet of its frame.
    pub marker: bool,
    /// Part of a keyframe.
    pub keyframe: bool,
}

/// What to do after a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Keep gathering.
    Wait,
    /// Protect the block's packets (all of them, this one included) with this many repair
    /// packets — 0 means send them unprotected — and start a new block.
    Protect(usize),
}

/// The block being gathered.
#[derive(Debug, Default)]
pub struct Block {
    len: usize,
    frames: usize,
    keyframe: bool,
    next_seq: Option<u16>,
}

impl Block {
    /// Whether it has none.
    #[cfg(test)]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `seq` continues the block (a new block takes anything).
    #[must_use]
    pub fn continues(&self, seq: u16) -> bool {
        self.next_seq.is_none_or(|next| next == seq)
    }

    /// Adds a packet (which must [`continue`](Self::continues) the block) and decides, at
    /// loss `loss` (0..1, 0 when FEC does not pay).
    pub fn push(&mut self, packet: Seen, policy: &FecPolicy, loss: f64) -> Verdict {
        self.len += 1;
        self.keyframe |= packet.keyframe;
        self.next_seq = Some(packet.seq.wrapping_add(1));
        if packet.marker {
            self.frames += 1;
        }
        let full = self.len >= MAX_BLOCK;
        if !packet.marker && !full {
            return Verdict::Wait;
        }
        let wanted = policy.wanted(self.len, loss, self.keyframe);
        let enough = self.len >= policy.group(loss, self.keyframe).max(policy.min_block());
        if wanted > 0 && !enough && self.frames < MAX_FRAMES && !full {
            return Verdict::Wait;
        }
        let repairs = wanted.min(policy.cap(self.len).max(1));
        *self = Self::default();
        Verdict::Protect(repairs)
    }

    /// Forgets the block (its packets went out unprotected).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}
