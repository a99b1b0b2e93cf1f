//! How often `reject busy` goes to one peer. Each offer that arrives during a call is
//! answered `busy` without asking the user; a burst of offers would make us send a burst
//! of replies, which the server counts against *our* rate limit and then closes our
//! connection for. So a peer gets at most one `busy` per [`BUSY_REPLY_INTERVAL`]; later
//! offers from it in that time get no reply (its own ring timeout ends them).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::super::types::PeerId;

/// At most one `busy` reply per peer in this time.
pub const BUSY_REPLY_INTERVAL: Duration = Duration::from_secs(5);

/// Peers remembered at once; when full (many callers inside one interval), further
/// peers get no reply until old entries age out, so the table cannot grow without bound.
const MAX_PEERS: usize = 64;

/// When each peer last got `busy` from us.
#[derive(Debug, Default)]
pub(super) struct BusyReplies {
    last: HashMap<PeerId, Instant>,
}

impl BusyReplies {
    /// Whether `peer` may get a `busy` now; if so, it is counted as sent.
    pub(super) fn allow(&mut self, peer: &PeerId, now: Instant) -> bool {
        let recent = |at: &Instant| now.saturating_duration_since(*at) < BUSY_REPLY_INTERVAL;
        if self.last.get(peer).is_some_and(recent) {
            return false;
        }
        if self.last.len() >= MAX_PEERS {
            self.last.retain(|_, at| recent(at));
            if self.last.len() >= MAX_PEERS {
                return false;
            }
        }
        self.last.insert(peer.clone(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_peer_per_interval() {
        let mut b = BusyReplies::default();
        let t0 = Instant::now();
        let (a, c) = (PeerId("a".into()), PeerId("c".into()));
        let ms = Duration::from_millis;
        // (peer, time since t0, allowed)
        let table = [
            (&a, ms(0), true),
            (&a, ms(10), false),
            (&c, ms(20), true),
            (&a, ms(4_999), false),
            (&a, ms(5_000), true),
            (&c, ms(5_019), false),
            (&c, ms(5_020), true),
        ];
        for (i, (peer, at, want)) in table.into_iter().enumerate() {
            assert_eq!(b.allow(peer, t0 + at), want, "row {i}");
        }
    }

    #[test]
    fn the_table_is_bounded() {
        let mut b = BusyReplies::default();
        let t0 = Instant::now();
        for i in 0..MAX_PEERS {
            assert!(b.allow(&PeerId(format!("p{i}")), t0));
        }
        assert!(
            !b.allow(&PeerId("late".into()), t0),
            "full inside one interval"
        );
        assert!(b.allow(&PeerId("late".into()), t0 + BUSY_REPLY_INTERVAL));
        assert!(b.last.len() <= MAX_PEERS);
    }
}
