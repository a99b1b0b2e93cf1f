//! Which lost video packets to ask for again (RTCP NACK), and when: a pure core, fed
//! extended sequence numbers and time, in the manner of libwebrtc's `NackRequester`.
//!
//! - A packet newer than the newest seen puts every sequence number in between on the
//!   list, and those are requested at once.
//! - An older packet (a retransmission, an RTX repair or plain reordering) takes its
//!   entry off the list.
//! - An entry is requested again once a round trip has passed since its last request,
//!   at most [`NackConfig::max_retries`] times.
//! - Entries far behind the newest packet are forgotten; a list that grows past
//!   [`NackConfig::max_entries`] is cleared and the caller asks for a keyframe instead.
//!
//! We generate NACKs here rather than with `webrtc`'s `NackGeneratorInterceptor` because
//! that one ticks every 100 ms whatever the RTT, re-sends without limit, and sees RTX
//! packets before they are unwrapped, so it never credits a repair to the primary stream
//! (`shared/design/MEDIA-ROBUSTNESS.md` §1). Here the packets arrive already unwrapped.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Limits of the NACK list.
#[derive(Debug, Clone, Copy)]
pub struct NackConfig {
    /// Requests per packet before giving up on it.
    pub max_retries: u32,
    /// Entries kept before the list is cleared (and a keyframe requested).
    pub max_entries: usize,
    /// Entries this many sequence numbers behind the newest are forgotten.
    pub max_age_packets: u64,
    /// The shortest gap between two requests of one packet, whatever the RTT.
    pub min_retry_interval: Duration,
}

impl Default for NackConfig {
    fn default() -> Self {
        Self {
            max_retries: 10,
            max_entries: 1000,
            max_age_packets: 10_000,
            min_retry_interval: Duration::from_millis(20),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    sent_at: Option<Instant>,
    retries: u32,
}

/// What [`NackList::on_packet`] found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PacketOutcome {
    /// The packet filled a hole we had asked for (a repair, or a late reordered packet).
    pub filled: bool,
    /// The list overflowed and was cleared: ask for a keyframe.
    pub overflow: bool,
    /// The packet revealed new holes (request them now, not at the next tick).
    pub new_holes: bool,
}

/// The NACK list of one video stream.
#[derive(Debug, Default)]
pub struct NackList {
    config: NackConfig,
    entries: BTreeMap<u64, Entry>,
    newest: Option<u64>,
}

impl NackList {
    /// An empty list with these limits.
    #[must_use]
    pub fn new(config: NackConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Takes one received packet (extended sequence number).
    pub fn on_packet(&mut self, seq: u64) -> PacketOutcome {
        let mut out = PacketOutcome::default();
        let Some(newest) = self.newest else {
            self.newest = Some(seq);
            return out;
        };
        if seq <= newest {
            out.filled = self.entries.remove(&seq).is_some();
            return out;
        }
        // Everything between the newest and this one is missing. A jump too large to be
        // loss (a restarted stream) is not a list of holes.
        if seq - newest <= self.config.max_age_packets {
            out.new_holes = seq > newest + 1;
            for missing in newest + 1..seq {
                self.entries.insert(
                    missing,
                    Entry {
                        sent_at: None,
                        retries: 0,
                    },
                );
            }
        } else {
            self.entries.clear();
        }
        self.newest = Some(seq);
        let oldest_kept = seq.saturating_sub(self.config.max_age_packets);
        self.entries = self.entries.split_off(&oldest_kept);
        if self.entries.len() > self.config.max_entries {
            self.entries.clear();
            out.overflow = true;
        }
        out
    }

    /// The stream's first packet did not start a frame: the packets just before it (up
    /// to `count`) are missing too, though no earlier packet shows the gap. Call right
    /// after the first [`on_packet`](Self::on_packet).
    pub fn expect_before(&mut self, seq: u64, count: u64) {
        if self.newest != Some(seq) || !self.entries.is_empty() {
            return;
        }
        for missing in seq.saturating_sub(count)..seq {
            self.entries.insert(
                missing,
                Entry {
                    sent_at: None,
                    retries: 0,
                },
            );
        }
    }

    /// The packets to request now: new holes, and holes whose last request is a round
    /// trip old. Marks them as requested; drops those out of retries.
    pub fn due(&mut self, now: Instant, rtt: Duration) -> Vec<u64> {
        let retry_after = rtt.max(self.config.min_retry_interval);
        let mut out = Vec::new();
        let max = self.config.max_retries;
        self.entries.retain(|seq, e| {
            let ready = e
                .sent_at
                .is_none_or(|t| now.saturating_duration_since(t) >= retry_after);
            if !ready {
                return true;
            }
            if e.retries >= max {
                return false;
            }
            e.retries += 1;
            e.sent_at = Some(now);
            out.push(*seq);
            true
        });
        out
    }

    /// Forgets every hole up to and including `seq` (the frame buffer no longer needs it).
    pub fn forget_through(&mut self, seq: u64) {
        self.entries = self.entries.split_off(&(seq + 1));
    }

    /// Whether the list is empty.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RTT: Duration = Duration::from_millis(100);

    fn ms(t0: Instant, n: u64) -> Instant {
        t0 + Duration::from_millis(n)
    }

    #[test]
    fn a_gap_is_requested_at_once_then_once_per_round_trip() {
        let t0 = Instant::now();
        let mut l = NackList::default();
        l.on_packet(10);
        l.on_packet(11);
        assert!(l.due(t0, RTT).is_empty());
        l.on_packet(14);
        assert_eq!(l.due(t0, RTT), vec![12, 13]);
        assert!(l.due(ms(t0, 50), RTT).is_empty(), "not before a round trip");
        assert_eq!(l.due(ms(t0, 100), RTT), vec![12, 13]);
    }

    #[test]
    fn a_repair_or_reordered_packet_takes_its_hole_off_the_list() {
        let t0 = Instant::now();
        let mut l = NackList::default();
        l.on_packet(1);
        assert!(l.on_packet(4).new_holes);
        assert_eq!(
            l.on_packet(3),
            PacketOutcome {
                filled: true,
                ..PacketOutcome::default()
            }
        );
        assert_eq!(l.on_packet(3), PacketOutcome::default(), "a duplicate");
        assert_eq!(l.due(t0, RTT), vec![2]);
        l.on_packet(2);
        assert!(l.is_empty());
    }

    #[test]
    fn retries_stop_at_the_limit() {
        let t0 = Instant::now();
        let mut l = NackList::new(NackConfig {
            max_retries: 3,
            ..NackConfig::default()
        });
        l.on_packet(1);
        l.on_packet(3);
        let sent: usize = (0..10).map(|i| l.due(ms(t0, i * 100), RTT).len()).sum();
        assert_eq!(sent, 3);
        assert!(l.is_empty());
    }

    #[test]
    fn a_tiny_rtt_still_waits_the_minimum_interval() {
        let t0 = Instant::now();
        let mut l = NackList::default();
        l.on_packet(1);
        l.on_packet(3);
        assert_eq!(l.due(t0, Duration::ZERO), vec![2]);
        assert!(l.due(ms(t0, 5), Duration::ZERO).is_empty());
        assert_eq!(l.due(ms(t0, 20), Duration::ZERO), vec![2]);
    }

    #[test]
    fn overflow_clears_the_list_and_asks_for_a_keyframe() {
        let mut l = NackList::new(NackConfig {
            max_entries: 5,
            ..NackConfig::default()
        });
        l.on_packet(1);
        assert!(!l.on_packet(5).overflow);
        assert!(l.on_packet(20).overflow);
        assert!(l.is_empty());
    }

    #[test]
    fn a_huge_jump_is_a_restart_not_a_thousand_holes() {
        let mut l = NackList::default();
        l.on_packet(1);
        let out = l.on_packet(1_000_000);
        assert!(!out.overflow);
        assert!(l.is_empty());
    }

    #[test]
    fn a_stream_starting_mid_frame_asks_for_the_packets_before_it() {
        let t0 = Instant::now();
        let mut l = NackList::default();
        l.on_packet(100);
        l.expect_before(100, 3);
        assert_eq!(l.due(t0, RTT), vec![97, 98, 99]);
        assert!(l.on_packet(99).filled);
        l.expect_before(101, 3); // only right after the first packet
        assert_eq!(l.due(t0 + RTT, RTT), vec![97, 98]);
    }

    #[test]
    fn forgetting_drops_holes_the_frame_buffer_gave_up() {
        let t0 = Instant::now();
        let mut l = NackList::default();
        l.on_packet(1);
        l.on_packet(10);
        l.forget_through(5);
        assert_eq!(l.due(t0, RTT), vec![6, 7, 8, 9]);
    }
}
