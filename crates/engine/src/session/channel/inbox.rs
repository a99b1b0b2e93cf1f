//! What a peer may push through the data channel into the session's event queue: every
//! message it sends (chat, media state, hangup, rejoin) takes a token from one bucket
//! ([`BURST`] at once, [`RATE`] a second after), and a message over the rate is dropped here,
//! at the source, before it becomes an event. The newest media state over the rate is held,
//! not dropped, and passed on as soon as a token frees, so the state the app shows ends true
//! after a flood. Drops are counted and reported as [`SessionEvent::ControlDropped`]: at once
//! when a flood starts, then at most once every [`REPORT_EVERY`], and a last time when it
//! stops. So at most `BURST + RATE * t` messages and one report a second reach the queue
//! however fast the peer sends. The driver's chat guard and media gate shape what passes
//! further. Pure: time is an input; `channel.rs` runs it.

use std::time::{Duration, Instant};

use peercall_signal::ratelimit::TokenBucket;

use crate::session::{ControlMessage, SessionEvent};

/// Data-channel messages per second passed on, sustained (the driver passes on at most 5
/// chat lines and 5 media changes a second; a person sends far fewer).
pub const RATE: f64 = 20.0;
/// Data-channel messages passed on at once.
pub const BURST: f64 = 50.0;
/// Shortest time between two reports of dropped messages.
pub const REPORT_EVERY: Duration = Duration::from_secs(1);

/// The data-channel limits of one session.
#[derive(Debug)]
pub(crate) struct ControlInbox {
    bucket: TokenBucket,
    held: Option<ControlMessage>,
    dropped: u64,
    reported: u64,
    last_report: Option<Instant>,
}

impl ControlInbox {
    pub(crate) fn new(now: Instant) -> Self {
        ControlInbox {
            bucket: TokenBucket::new(RATE, BURST, now),
            held: None,
            dropped: 0,
            reported: 0,
            last_report: None,
        }
    }

    /// A message from the peer: the events to queue now (the message if under the rate,
    /// a report if dropping it starts a flood).
    pub(crate) fn on_message(&mut self, msg: ControlMessage, now: Instant) -> Vec<SessionEvent> {
        let media = matches!(msg, ControlMessage::Media { .. });
        if self.bucket.try_take(now) {
            if media && self.held.take().is_some() {
                self.dropped += 1; // older than this one: never passed on
            }
            let report = self.report(now);
            return std::iter::once(SessionEvent::Control(msg))
                .chain(report)
                .collect();
        }
        if media {
            if self.held.replace(msg).is_some() {
                self.dropped += 1;
            }
        } else {
            self.dropped += 1;
        }
        self.report(now).into_iter().collect()
    }

    /// What is due at `now`: the held media state once a token is there, a report once
    /// [`REPORT_EVERY`] has passed since the last.
    pub(crate) fn on_time(&mut self, now: Instant) -> Vec<SessionEvent> {
        let mut out = Vec::new();
        if self.held.is_some() && self.bucket.try_take(now) {
            out.extend(self.held.take().map(SessionEvent::Control));
        }
        out.extend(self.report(now));
        out
    }

    /// When [`Self::on_time`] has something to do next, if anything.
    pub(crate) fn next_deadline(&mut self, now: Instant) -> Option<Instant> {
        let held = self.held.is_some().then(|| now + self.bucket.wait(now));
        let report = (self.dropped > self.reported)
            .then(|| self.last_report.map_or(now, |at| at + REPORT_EVERY));
        held.into_iter().chain(report).min()
    }

    /// Messages dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    fn report(&mut self, now: Instant) -> Option<SessionEvent> {
        let due = self.last_report.is_none_or(|at| now >= at + REPORT_EVERY);
        if self.dropped == self.reported || !due {
            return None;
        }
        self.reported = self.dropped;
        self.last_report = Some(now);
        Some(SessionEvent::ControlDropped {
            total: self.dropped,
        })
    }
}

#[cfg(test)]
#[path = "inbox_tests.rs"]
mod tests;
