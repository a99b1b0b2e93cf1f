//! When to ask the server for fresh ICE servers. TURN credentials minted in `welcome`
//! expire (`--turn-ttl`), and a client stays connected for hours: a call set up after the
//! expiry could not allocate a relay, so a user behind a symmetric NAT online for more
//! than an hour could no longer be called. The client asks (`{"type":"ice-servers"}`)
//! [`FIRST`] after a welcome that carried credentials, then halfway through each answer's
//! lifetime, so the credentials in hand always have half their life left (a TURN server
//! checks them only when an allocation is made). A server too old to know the request
//! answers `unknown-type`: the client then stops asking. Pure: time is an input.

use std::time::Duration;
use tokio::time::Instant;

/// The first request after a welcome with credentials.
pub const FIRST: Duration = Duration::from_secs(30);
/// Asked again this long after a request that got no answer.
pub const RETRY: Duration = Duration::from_secs(60);
/// Never more often than this, whatever lifetime the server says.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5);

/// The refresh schedule of one client.
#[derive(Debug, Default)]
pub struct IceRefresh {
    due: Option<Instant>,
    pending: bool,
    unsupported: bool,
}

impl IceRefresh {
    /// A welcome arrived; `with_credentials`: it had a TURN server with credentials.
    pub fn on_welcome(&mut self, with_credentials: bool, first: Duration, now: Instant) {
        self.pending = false;
        self.due = (with_credentials && !self.unsupported).then(|| now + first);
    }

    /// When the next request is due, if one is.
    pub fn due(&self) -> Option<Instant> {
        self.due
    }

    /// A request went out.
    pub fn sent(&mut self, now: Instant) {
        self.pending = true;
        self.due = Some(now + RETRY);
    }

    /// The server answered with credentials valid for `ttl_secs`.
    pub fn answered(&mut self, ttl_secs: u64, now: Instant) {
        self.pending = false;
        self.due =
            (ttl_secs > 0).then(|| now + (Duration::from_secs(ttl_secs) / 2).max(MIN_INTERVAL));
    }

    /// The server refused a message as `unknown-type`: if it was our request, it does not
    /// know it; stop asking. Returns whether the refusal was ours (and so not news).
    pub fn refused_unknown_type(&mut self) -> bool {
        if !self.pending {
            return false;
        }
        self.pending = false;
        self.unsupported = true;
        self.due = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_after_a_welcome_with_credentials_then_at_half_life() {
        let t = Instant::now();
        let mut r = IceRefresh::default();
        r.on_welcome(false, FIRST, t);
        assert_eq!(r.due(), None, "nothing to refresh without credentials");
        r.on_welcome(true, FIRST, t);
        assert_eq!(r.due(), Some(t + FIRST));
        r.sent(t + FIRST);
        assert_eq!(
            r.due(),
            Some(t + FIRST + RETRY),
            "asked again if unanswered"
        );
        r.answered(600, t + FIRST);
        assert_eq!(r.due(), Some(t + FIRST + Duration::from_secs(300)));
        r.answered(2, t);
        assert_eq!(
            r.due(),
            Some(t + MIN_INTERVAL),
            "never more often than the floor"
        );
        r.answered(0, t);
        assert_eq!(r.due(), None, "nothing expires");
    }

    #[test]
    fn an_old_server_that_does_not_know_the_request_is_not_asked_again() {
        let t = Instant::now();
        let mut r = IceRefresh::default();
        assert!(!r.refused_unknown_type(), "not ours: nothing was asked");
        r.on_welcome(true, FIRST, t);
        r.sent(t);
        assert!(r.refused_unknown_type());
        assert_eq!(r.due(), None);
        r.on_welcome(true, FIRST, t);
        assert_eq!(r.due(), None, "still unsupported after a reconnect");
    }
}
