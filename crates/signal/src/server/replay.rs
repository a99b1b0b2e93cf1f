//! What a peer was sent, kept until it acknowledges it, so a resume can replay exactly
//! what it missed. Every message the registry hands a peer gets the next number of that
//! peer's sequence (`"seq":N`, written first in the JSON object); the client sends
//! `{"type":"ack","seq":N}` now and then and `hello.last` when it resumes. Bounded in
//! messages and bytes: a message pushed out unacknowledged is a gap, and a resume that
//! would need it cannot be exact (the registry then expires the peer instead).

pub use crate::seq::{seq_of, stamp};
use std::collections::VecDeque;

/// A resume asked for messages that were no longer kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap;

/// One peer's sequence and its unacknowledged messages.
#[derive(Debug)]
pub struct Log {
    next: u64,
    entries: VecDeque<(u64, String)>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
    /// Highest sequence number pushed out of the log unacknowledged (0: none).
    lost_through: u64,
}

impl Log {
    /// An empty log starting at 1, keeping at most `max_entries` messages / `max_bytes`.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Log {
            next: 1,
            entries: VecDeque::new(),
            bytes: 0,
            max_entries: max_entries.max(1),
            max_bytes,
            lost_through: 0,
        }
    }

    /// Numbers and keeps `text`; returns the stamped text to send and whether an
    /// unacknowledged message had to be dropped to make room.
    pub fn push(&mut self, text: &str) -> (String, bool) {
        let seq = self.next;
        self.next += 1;
        let stamped = stamp(seq, text);
        self.bytes += stamped.len();
        self.entries.push_back((seq, stamped.clone()));
        let mut lost = false;
        while self.entries.len() > 1
            && (self.entries.len() > self.max_entries || self.bytes > self.max_bytes)
        {
            if let Some((old, t)) = self.entries.pop_front() {
                self.bytes -= t.len();
                self.lost_through = old;
                lost = true;
            }
        }
        (stamped, lost)
    }

    /// Forgets every message up to `seq`.
    pub fn ack(&mut self, seq: u64) {
        while let Some((s, t)) = self.entries.front() {
            if *s > seq {
                break;
            }
            self.bytes -= t.len();
            self.entries.pop_front();
        }
    }

    /// Every kept message after `last`, oldest first; `Gap` if one of them is gone.
    pub fn since(&self, last: u64) -> Result<Vec<String>, Gap> {
        if last < self.lost_through {
            return Err(Gap);
        }
        Ok(self
            .entries
            .iter()
            .filter(|(s, _)| *s > last)
            .map(|(_, t)| t.clone())
            .collect())
    }

    /// The highest number pushed out unacknowledged (0: none).
    pub fn lost_through(&self) -> u64 {
        self.lost_through
    }

    /// The number of the last message pushed (0: none yet).
    pub fn last_seq(&self) -> u64 {
        self.next - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_what_was_not_acknowledged() {
        let mut log = Log::new(8, 1 << 20);
        for n in 0..5 {
            log.push(&format!(r#"{{"n":{n}}}"#));
        }
        log.ack(2);
        let seqs = |v: Vec<String>| v.iter().filter_map(|t| seq_of(t)).collect::<Vec<_>>();
        assert_eq!(seqs(log.since(3).unwrap()), [4, 5]);
        assert_eq!(seqs(log.since(2).unwrap()), [3, 4, 5]);
        assert_eq!(
            seqs(log.since(0).unwrap()),
            [3, 4, 5],
            "acked ones are known received"
        );
        assert_eq!(log.last_seq(), 5);
    }

    #[test]
    fn a_message_pushed_out_unacknowledged_is_a_gap() {
        let mut log = Log::new(3, 1 << 20);
        let lost: Vec<bool> = (0..4)
            .map(|n| log.push(&format!(r#"{{"n":{n}}}"#)).1)
            .collect();
        assert_eq!(lost, [false, false, false, true]);
        assert_eq!(log.since(0), Err(Gap));
        assert_eq!(log.since(1).map(|v| v.len()), Ok(3));
        // Bytes bound too.
        let mut log = Log::new(100, 40);
        assert!(!log.push(r#"{"pad":"xxxxxxxxxx"}"#).1);
        assert!(log.push(r#"{"pad":"xxxxxxxxxx"}"#).1);
    }
}
