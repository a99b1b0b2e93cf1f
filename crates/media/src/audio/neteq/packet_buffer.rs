//! Received packets ordered by RTP timestamp, with timestamp unwrapping and the
//! duplicate / too-late checks.

use std::collections::BTreeMap;

/// Most packets held (libwebrtc NetEQ's default is 200); past it the oldest go.
const CAPACITY: usize = 200;

/// One buffered packet.
#[derive(Debug, Clone)]
pub(crate) struct Buffered {
    pub(crate) seq: u16,
    pub(crate) payload: Vec<u8>,
    /// Samples the packet decodes to.
    pub(crate) duration: u64,
    /// A copy carried as RED redundancy in a later packet (its own packet not seen).
    pub(crate) redundant: bool,
}

/// What became of an inserted packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inserted {
    Stored,
    Duplicate,
    /// Its audio has already been played or concealed.
    TooLate,
    /// The buffer was full and dropped its oldest packet to take this one.
    StoredDroppingOldest,
    /// Took the place of its own redundant copy, which came first.
    ReplacedCopy,
}

/// Extends 32-bit RTP timestamps to a monotonic 64-bit line (the first one is at 2^32,
/// so a packet reordered before it still has a positive timestamp).
#[derive(Debug, Default)]
pub(crate) struct Unwrapper {
    last: Option<u64>,
}

impl Unwrapper {
    pub(crate) fn unwrap(&mut self, ts: u32) -> u64 {
        let ext = match self.last {
            None => (1u64 << 32) + u64::from(ts),
            Some(last) => {
                let diff = ts.wrapping_sub(last as u32) as i32;
                last.saturating_add_signed(i64::from(diff))
            }
        };
        if self.last.is_none_or(|l| ext > l) {
            self.last = Some(ext);
        }
        ext
    }
}

/// Packets by unwrapped timestamp.
#[derive(Debug, Default)]
pub(crate) struct PacketBuffer {
    packets: BTreeMap<u64, Buffered>,
}

impl PacketBuffer {
    /// Stores a packet unless it is a duplicate or ends at or before `played_to`. A
    /// packet replaces a redundant copy of itself (the same bytes; it is then counted
    /// as the packet it is).
    pub(crate) fn insert(&mut self, ts: u64, packet: Buffered, played_to: Option<u64>) -> Inserted {
        if played_to.is_some_and(|p| ts + packet.duration <= p || ts < p) {
            return Inserted::TooLate;
        }
        if let Some(held) = self.packets.get_mut(&ts) {
            if held.redundant && !packet.redundant {
                *held = packet;
                return Inserted::ReplacedCopy;
            }
            return Inserted::Duplicate;
        }
        self.packets.insert(ts, packet);
        if self.packets.len() > CAPACITY {
            self.packets.pop_first();
            return Inserted::StoredDroppingOldest;
        }
        Inserted::Stored
    }

    /// Takes the packet starting exactly at `ts`.
    pub(crate) fn take(&mut self, ts: u64) -> Option<Buffered> {
        self.packets.remove(&ts)
    }

    /// The earliest packet starting after `ts`.
    pub(crate) fn first_after(&self, ts: u64) -> Option<(u64, &Buffered)> {
        self.packets.range(ts + 1..).next().map(|(&t, p)| (t, p))
    }

    /// The earliest packet's timestamp.
    pub(crate) fn first_ts(&self) -> Option<u64> {
        self.packets.keys().next().copied()
    }

    /// Drops packets that start before `ts` (their time has passed).
    pub(crate) fn drop_before(&mut self, ts: u64) -> usize {
        let keep = self.packets.split_off(&ts);
        let dropped = self.packets.len();
        self.packets = keep;
        dropped
    }

    /// Samples held in packets starting at or after `ts`.
    pub(crate) fn samples_from(&self, ts: u64) -> u64 {
        self.packets.range(ts..).map(|(_, p)| p.duration).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet() -> Buffered {
        Buffered {
            seq: 0,
            payload: vec![1],
            duration: 960,
            redundant: false,
        }
    }

    #[test]
    fn a_packet_replaces_its_redundant_copy_but_not_the_reverse() {
        let mut b = PacketBuffer::default();
        let copy = Buffered {
            redundant: true,
            ..packet()
        };
        assert_eq!(b.insert(960, copy.clone(), None), Inserted::Stored);
        assert_eq!(b.insert(960, copy.clone(), None), Inserted::Duplicate);
        assert_eq!(b.insert(960, packet(), None), Inserted::ReplacedCopy);
        assert!(b.take(960).is_some_and(|p| !p.redundant));
        assert_eq!(b.insert(1920, packet(), None), Inserted::Stored);
        assert_eq!(b.insert(1920, copy, None), Inserted::Duplicate);
    }

    #[test]
    fn timestamps_unwrap_across_the_32_bit_boundary_and_reordering() {
        let mut u = Unwrapper::default();
        let a = u.unwrap(u32::MAX - 959);
        let b = u.unwrap(0);
        let c = u.unwrap(u32::MAX - 1919); // reordered, before `a`
        assert_eq!(b - a, 960);
        assert_eq!(a - c, 960);
    }

    #[test]
    fn orders_by_timestamp_and_rejects_duplicates_and_late_packets() {
        let mut b = PacketBuffer::default();
        assert_eq!(b.insert(1920, packet(), None), Inserted::Stored);
        assert_eq!(b.insert(960, packet(), None), Inserted::Stored);
        assert_eq!(b.insert(960, packet(), None), Inserted::Duplicate);
        assert_eq!(b.insert(0, packet(), Some(960)), Inserted::TooLate);
        assert_eq!(b.first_ts(), Some(960));
        assert_eq!(b.first_after(960).map(|(t, _)| t), Some(1920));
        assert_eq!(b.samples_from(960), 1920);
        assert!(b.take(960).is_some());
        assert_eq!(b.drop_before(3000), 1);
        assert_eq!(b.first_ts(), None);
    }
}
