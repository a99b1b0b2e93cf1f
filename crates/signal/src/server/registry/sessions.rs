//! A peer's sessions over time: resuming after a dropped connection (the secret is
//! single-use), a fresh hello that retires its own stale sessions, acknowledgements, a
//! connection that drops or closes, and expiry at the end of the resume window.

use peercall_protocol::{PeerId, ServerMessage};
use std::time::{Duration, Instant};

use super::{Joined, Link, Outbox, Registry};

impl Registry {
    /// Reattaches the peer owning `session` if it is in `room`: it keeps its id, the
    /// room sees nothing (or `peer-updated` if the name changed), and what it missed is
    /// returned: every message after `last` (the client's `hello.last`), or without it,
    /// after what the server knows it handed over. A peer still attached elsewhere is
    /// taken over (the old connection's outbox closes). `None`: unknown or expired
    /// session, or what it missed is no longer all there — join afresh.
    ///
    /// The resume secret is single-use: `fresh_session` replaces it, so a secret that
    /// leaked from an earlier connection cannot take the peer over later.
    #[allow(clippy::too_many_arguments)]
    pub fn resume(
        &mut self,
        session: &str,
        fresh_session: String,
        room: &str,
        name: &str,
        conn: u64,
        outbox: Outbox,
        now: Instant,
        last: Option<u64>,
    ) -> Option<Joined> {
        let id = self.sessions.get(session)?.clone();
        let peer = self.peers.get_mut(&id)?;
        if peer.room != room {
            return None;
        }
        let from = match (&peer.link, last) {
            (_, Some(last)) => last.min(peer.log.last_seq()),
            (Link::Detached { fallback, .. }, None) => *fallback,
            (Link::Attached { outbox, .. }, None) => outbox.last_taken(),
        };
        let overflowed = matches!(
            peer.link,
            Link::Detached {
                overflowed: true,
                ..
            }
        );
        let queued = match peer.log.since(from) {
            Ok(queued) if !overflowed => queued,
            _ => {
                self.remove(&id, now);
                return None;
            }
        };
        if last.is_some() {
            peer.acks = true;
            peer.log.ack(from);
        }
        peer.link = Link::Attached { conn, outbox };
        let old_session = std::mem::replace(&mut peer.session, fresh_session.clone());
        let renamed = peer.info.name != name;
        if renamed {
            peer.info.name = name.to_owned();
        }
        let info = peer.info.clone();
        let session = fresh_session;
        let room = peer.room.clone();
        self.sessions.remove(&old_session);
        self.sessions.insert(session.clone(), id.clone());
        if renamed {
            self.broadcast(
                &room,
                &id,
                ServerMessage::PeerUpdated { peer: info }.to_json(),
                now,
            );
        }
        let peers = self.others(&room, &id);
        Some(Joined {
            id,
            session,
            peers,
            queued,
            resumed: true,
        })
    }

    /// A fresh hello from installation `client` into `room`: its earlier sessions there
    /// that are detached (the app quit or crashed without a close frame) are gone for
    /// good, so they leave now (`peer-left`) instead of at the end of the resume window.
    /// Attached ones stay: that is another running app of the same profile. Returns how
    /// many left.
    pub fn drop_stale_sessions(&mut self, room: &str, client: &str, now: Instant) -> usize {
        let stale: Vec<PeerId> = self
            .rooms
            .get(room)
            .into_iter()
            .flatten()
            .filter(|id| {
                self.peers.get(*id).is_some_and(|p| {
                    p.client.as_deref() == Some(client) && matches!(p.link, Link::Detached { .. })
                })
            })
            .cloned()
            .collect();
        for id in &stale {
            self.remove(id, now);
        }
        stale.len()
    }

    /// Records the installation `client` that peer `id` runs in.
    pub fn set_client(&mut self, id: &PeerId, client: Option<String>) {
        if let Some(peer) = self.peers.get_mut(id) {
            peer.client = client;
        }
    }

    /// The peer has every message up to `seq`: they need not be kept.
    pub fn ack(&mut self, id: &PeerId, seq: u64) {
        if let Some(peer) = self.peers.get_mut(id) {
            peer.acks = true;
            peer.log.ack(seq);
        }
    }

    /// The connection `conn` of `id` dropped without a close frame: keep the peer for
    /// the resume window. `first_unsent` is the `seq` of the first message the
    /// connection could not write (`None`: it wrote everything it was given).
    pub fn detach(&mut self, id: &PeerId, conn: u64, now: Instant, first_unsent: Option<u64>) {
        if let Some(peer) = self.peers.get_mut(id) {
            if matches!(peer.link, Link::Attached { conn: c, .. } if c == conn) {
                let fallback = first_unsent.map_or(peer.log.last_seq(), |s| s.saturating_sub(1));
                if !peer.acks {
                    peer.log.ack(fallback);
                }
                peer.link = Link::detached(now, fallback);
            }
        }
    }

    /// The connection `conn` of `id` closed cleanly: the peer leaves (`peer-left`).
    pub fn leave(&mut self, id: &PeerId, conn: u64, now: Instant) {
        let current = self
            .peers
            .get(id)
            .is_some_and(|p| matches!(p.link, Link::Attached { conn: c, .. } if c == conn));
        if current {
            self.remove(id, now);
        }
    }

    /// Removes peers detached for longer than `window` (or whose queue overflowed);
    /// returns how many.
    pub fn expire(&mut self, now: Instant, window: Duration) -> usize {
        let gone: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, p)| match &p.link {
                Link::Detached {
                    since, overflowed, ..
                } => *overflowed || now.saturating_duration_since(*since) >= window,
                Link::Attached { .. } => false,
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in &gone {
            self.remove(id, now);
        }
        gone.len()
    }
}
