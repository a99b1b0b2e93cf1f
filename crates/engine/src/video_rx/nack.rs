//! Which lost video packets to ask for again (RTCP NACK), and when: a pure core, fed
//! extended sequence numbers and time, in the manner of libwebrtc's `NackRequester`.
//!
//! - A packet newer than the newest seen puts every sequence number in between on the
//!   list, and those are requested at once.
//! - An older packet (a retransmission, an RTX repair or plain reordering) takes its
//!   entry off the list.
//! - An entry is requested again once a round trip has passed since its last request,
//!   at most [`NackConfig::max_retries`] times.
//! - On a path that reorders, a new hole is first held for the 90th percentile of how late
//!   reordered packets lately came (at most half a round trip, [`NackConfig::max_reorder_wait`]),
//!   so plain reordering does not cost a retransmission. libwebrtc waits a number of
//!   packets from a reordering histogram; a time suits the 20 ms tick better.
//! - The first request of a hole goes out `k` times, [`NackConfig::redundant_gap`] apart,
//!   so `k` retransmissions (each its own RTX packet) come back. One request-and-repair
//!   fails with about `2p` at measured loss `p` (the NACK or the RTX lost), and then the
//!   repair misses its first round trip — a freeze — with `(2p)^k`; `k` is the smallest that
//!   keeps that under [`NackConfig::repair_failure`] (2 up to 1 % loss, 3 to 3.7 %, then 4,
//!   [`NackConfig::max_copies`]), never below [`NackConfig::min_copies`]. At 2 % loss and
//!   ~100 video packets a second a call has ~60 holes in 30 s: with 2 copies one in ten
//!   calls froze for a repair that missed its round trip, with 3 one in 250. And the meter
//!   reads 0 before its first 100 packets and dips under 1 % when a block at 2 % holds one
//!   loss or none: a single request at such moments was what froze the picture at 2 %
//!   loss. The cost is `(k - 1) p` more video packets: nothing on a clean path.
//! - Entries far behind the newest packet are forgotten; a list that grows past
//!   [`NackConfig::max_entries`] is cleared and the caller asks for a keyframe instead.
//!
//! We generate NACKs here rather than with `webrtc`'s `NackGeneratorInterceptor` because
//! that one ticks every 100 ms whatever the RTT, re-sends without limit, and sees RTX
//! packets before they are unwrapped, so it never credits a repair to the primary stream
//! (`shared/design/MEDIA-ROBUSTNESS.md` §1). Here the packets arrive already unwrapped.

mod observe;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use observe::{LossMeter, ReorderDelays};

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
    /// The longest a new hole is held for reordering (also at most half the RTT).
    pub max_reorder_wait: Duration,
    /// Fewest copies of a hole's first request, whatever the measured loss.
    pub min_copies: u32,
    /// The gap between repeated first requests.
    pub redundant_gap: Duration,
    /// The chance of a repair missing its first round trip the repeats aim at.
    pub repair_failure: f64,
    /// Most first requests of one packet.
    pub max_copies: u32,
}

impl NackConfig {
    /// How many times to send a hole's first request at measured loss `loss`.
    #[must_use]
    pub fn first_copies(&self, loss: f64) -> u32 {
        let fail_once = (2.0 * loss).clamp(0.0, 1.0);
        (self.min_copies.max(1)..self.max_copies)
            .find(|&k| fail_once.powi(k as i32) <= self.repair_failure)
            .unwrap_or(self.max_copies)
    }
}

impl Default for NackConfig {
    fn default() -> Self {
        Self {
            max_retries: 10,
            max_entries: 1000,
            max_age_packets: 10_000,
            min_retry_interval: Duration::from_millis(20),
            max_reorder_wait: Duration::from_millis(50),
            min_copies: 2,
            redundant_gap: Duration::from_millis(20),
            repair_failure: 0.0004,
            max_copies: 4,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    opened: Instant,
    /// The first request (a repair cannot come sooner than a round trip after it).
    first_sent: Option<Instant>,
    sent_at: Option<Instant>,
    retries: u32,
    /// Guessed rather than seen missing (before the stream's first packet): it may never
    /// have been sent, so it gets [`SPECULATIVE_TRIES`] and does not count as loss.
    speculative: bool,
}

/// Requests of a packet only guessed to exist.
const SPECULATIVE_TRIES: u32 = 2;

impl Entry {
    fn new(opened: Instant) -> Self {
        Self {
            opened,
            first_sent: None,
            sent_at: None,
            retries: 0,
            speculative: false,
        }
    }
}

/// What [`NackList::on_packet`] found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PacketOutcome {
    /// The packet filled a hole we had asked for (a repair, or a late reordered packet).
    pub filled: bool,
    /// How long that hole was open, and how many requests it had had.
    pub hole: Option<(Duration, u32)>,
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
    reorder: ReorderDelays,
    loss: LossMeter,
    /// The round trip last given to [`due`](Self::due).
    rtt: Duration,
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

    /// Takes one received packet (extended sequence number) at `now`.
    pub fn on_packet(&mut self, seq: u64, now: Instant) -> PacketOutcome {
        let mut out = PacketOutcome::default();
        let Some(newest) = self.newest else {
            self.newest = Some(seq);
            return out;
        };
        if seq <= newest {
            if let Some(entry) = self.entries.remove(&seq) {
                out.filled = true;
                out.hole = Some((now.saturating_duration_since(entry.opened), entry.retries));
                self.learn_reordering(&entry, now);
            }
            return out;
        }
        self.loss.expected(seq - newest);
        // Everything between the newest and this one is missing. A jump too large to be
        // loss (a restarted stream) is not a list of holes.
        if seq - newest <= self.config.max_age_packets {
            out.new_holes = seq > newest + 1;
            for missing in newest + 1..seq {
                self.entries.insert(missing, Entry::new(now));
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

    /// A hole filled before any request could have been answered (none sent, or the first
    /// less than half a round trip ago) was reordering: remember how late it came. (The
    /// first request, not the last: repeats 20 ms apart would make every repair look early.)
    fn learn_reordering(&mut self, entry: &Entry, now: Instant) {
        let unanswerable = entry
            .first_sent
            .is_none_or(|at| now.saturating_duration_since(at) < self.rtt / 2);
        if unanswerable {
            self.reorder
                .sample(now, now.saturating_duration_since(entry.opened));
        }
    }

    /// The stream's first packet did not start a frame: the packets just before it (up
    /// to `count`) are missing too, though no earlier packet shows the gap. Call right
    /// after the first [`on_packet`](Self::on_packet).
    pub fn expect_before(&mut self, seq: u64, count: u64, now: Instant) {
        if self.newest != Some(seq) || !self.entries.is_empty() {
            return;
        }
        for missing in seq.saturating_sub(count)..seq {
            let entry = Entry {
                speculative: true,
                ..Entry::new(now)
            };
            self.entries.insert(missing, entry);
        }
    }

    /// The packets to request now: new holes (once held for reordering), the second of
    /// a redundant first request, and holes whose last request is a round trip old.
    /// Marks them as requested; drops those out of retries.
    pub fn due(&mut self, now: Instant, rtt: Duration) -> Vec<u64> {
        self.rtt = rtt;
        let hold = self
            .reorder
            .wait(now, self.config.max_reorder_wait.min(rtt / 2));
        let copies = self.config.first_copies(self.loss.fraction());
        let retry_after = rtt.max(self.config.min_retry_interval);
        let config = self.config;
        let mut out = Vec::new();
        let mut first_requests = 0;
        self.entries.retain(|seq, e| {
            let ready = match e.sent_at {
                None => now.saturating_duration_since(e.opened) >= hold,
                Some(t) if e.retries < copies => {
                    now.saturating_duration_since(t) >= config.redundant_gap
                }
                Some(t) => now.saturating_duration_since(t) >= retry_after,
            };
            if !ready {
                return true;
            }
            let tries = if e.speculative {
                SPECULATIVE_TRIES
            } else {
                config.max_retries
            };
            if e.retries >= tries {
                return false;
            }
            if e.sent_at.is_none() && !e.speculative {
                first_requests += 1;
            }
            e.retries += 1;
            e.sent_at = Some(now);
            e.first_sent.get_or_insert(now);
            out.push(*seq);
            true
        });
        for _ in 0..first_requests {
            self.loss.requested();
        }
        out
    }

    /// The share of packets lately requested (0–1).
    #[cfg(test)]
    pub fn loss(&self) -> f64 {
        self.loss.fraction()
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
mod tests;
