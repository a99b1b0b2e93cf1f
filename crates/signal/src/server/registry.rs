//! Rooms, peers and sessions: who is where, which connection is attached, what is queued
//! for a dropped peer. Plain data behind one mutex in the server; every method is
//! synchronous, never blocks, and takes the time as an input.
//!
//! A peer is either *attached* (a live connection with an outgoing channel) or *detached*
//! (its socket dropped without a close frame; messages for it queue until it resumes or
//! the resume window passes). Every connection carries a number, so a stale connection
//! can never detach or remove a peer that a newer connection has taken over.

use peercall_protocol::{PeerId, PeerInfo, ServerMessage};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

pub use super::outbox::Outbox;
use super::outbox::Refused;
use super::replay::Log;

/// The result of a successful join or resume.
#[derive(Debug)]
pub struct Joined {
    /// The peer's id.
    pub id: PeerId,
    /// Its resume secret.
    pub session: String,
    /// Everyone else in the room.
    pub peers: Vec<PeerInfo>,
    /// Messages it missed (resume only), oldest first, each stamped with its `seq`.
    pub queued: Vec<String>,
    /// True for a resume.
    pub resumed: bool,
}

/// The room is at its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomFull;

/// `signal.to` is not in the sender's room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownPeer;

#[derive(Debug)]
enum Link {
    Attached {
        conn: u64,
        outbox: Outbox,
    },
    Detached {
        since: Instant,
        /// For a resume without `hello.last`: what the server knows was handed over.
        fallback: u64,
        overflowed: bool,
    },
}

#[derive(Debug)]
struct Peer {
    info: PeerInfo,
    room: String,
    session: String,
    link: Link,
    /// Everything it was sent and has not acknowledged.
    log: Log,
    /// It acknowledges (`ack`, `hello.last`); else the log keeps only what its
    /// connection has not taken yet.
    acks: bool,
    /// `hello.client`: the installation it runs in (private, never sent to others).
    client: Option<String>,
}

/// All rooms of one server.
#[derive(Debug)]
pub struct Registry {
    peers: HashMap<PeerId, Peer>,
    rooms: HashMap<String, HashSet<PeerId>>,
    sessions: HashMap<String, PeerId>,
    room_size: usize,
    resume_queue: usize,
    resume_bytes: usize,
}

impl Registry {
    /// An empty registry with a room size limit and a bound, in messages and in bytes,
    /// on what is kept per peer for a resume.
    pub fn new(room_size: usize, resume_queue: usize, resume_bytes: usize) -> Self {
        Registry {
            peers: HashMap::new(),
            rooms: HashMap::new(),
            sessions: HashMap::new(),
            room_size,
            resume_queue,
            resume_bytes,
        }
    }

    /// Adds a new peer to `room` and tells the room (`peer-joined`).
    #[allow(clippy::too_many_arguments)]
    pub fn join(
        &mut self,
        id: PeerId,
        session: String,
        name: String,
        room: &str,
        conn: u64,
        outbox: Outbox,
        now: Instant,
    ) -> Result<Joined, RoomFull> {
        if self.rooms.get(room).map_or(0, HashSet::len) >= self.room_size {
            return Err(RoomFull);
        }
        let info = PeerInfo {
            id: id.clone(),
            name,
            busy: false,
        };
        let peers = self.others(room, &id);
        self.rooms
            .entry(room.to_owned())
            .or_default()
            .insert(id.clone());
        self.sessions.insert(session.clone(), id.clone());
        self.peers.insert(
            id.clone(),
            Peer {
                info: info.clone(),
                room: room.to_owned(),
                session: session.clone(),
                link: Link::Attached { conn, outbox },
                log: Log::new(self.resume_queue, self.resume_bytes),
                acks: false,
                client: None,
            },
        );
        self.broadcast(
            room,
            &id,
            ServerMessage::PeerJoined { peer: info }.to_json(),
            now,
        );
        Ok(Joined {
            id,
            session,
            peers,
            queued: Vec::new(),
            resumed: false,
        })
    }

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

    /// Changes a peer's name and/or busy flag; tells the room if anything changed.
    pub fn update(&mut self, id: &PeerId, name: Option<String>, busy: Option<bool>, now: Instant) {
        let Some(peer) = self.peers.get_mut(id) else {
            return;
        };
        let mut changed = false;
        if let Some(name) = name {
            changed |= peer.info.name != name;
            peer.info.name = name;
        }
        if let Some(busy) = busy {
            changed |= peer.info.busy != busy;
            peer.info.busy = busy;
        }
        if changed {
            let room = peer.room.clone();
            let text = ServerMessage::PeerUpdated {
                peer: peer.info.clone(),
            }
            .to_json();
            self.broadcast(&room, id, text, now);
        }
    }

    /// Relays `data` from `from` to `to`, stamping `from`. Only within a room.
    pub fn relay(
        &mut self,
        from: &PeerId,
        to: &PeerId,
        data: Value,
        now: Instant,
    ) -> Result<(), UnknownPeer> {
        let same_room = match (self.peers.get(from), self.peers.get(to)) {
            (Some(a), Some(b)) => a.room == b.room,
            _ => false,
        };
        if !same_room {
            return Err(UnknownPeer);
        }
        let text = ServerMessage::Signal {
            from: from.clone(),
            data,
        }
        .to_json();
        self.deliver(to, text, now);
        Ok(())
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

    /// `(room, peers)` for every room.
    pub fn room_sizes(&self) -> Vec<(String, usize)> {
        self.rooms
            .iter()
            .map(|(r, m)| (r.clone(), m.len()))
            .collect()
    }

    /// Peers known (attached or detached).
    pub fn peer_count(&self) -> usize {
        self.peers.len()
    }

    /// Peers waiting to resume.
    pub fn detached_count(&self) -> usize {
        self.peers
            .values()
            .filter(|p| matches!(p.link, Link::Detached { .. }))
            .count()
    }

    fn others(&self, room: &str, me: &PeerId) -> Vec<PeerInfo> {
        let Some(members) = self.rooms.get(room) else {
            return Vec::new();
        };
        members
            .iter()
            .filter(|id| *id != me)
            .filter_map(|id| self.peers.get(id).map(|p| p.info.clone()))
            .collect()
    }

    fn remove(&mut self, id: &PeerId, now: Instant) {
        let Some(peer) = self.peers.remove(id) else {
            return;
        };
        self.sessions.remove(&peer.session);
        if let Some(members) = self.rooms.get_mut(&peer.room) {
            members.remove(id);
            if members.is_empty() {
                self.rooms.remove(&peer.room);
            }
        }
        self.broadcast(
            &peer.room,
            id,
            ServerMessage::PeerLeft { id: id.clone() }.to_json(),
            now,
        );
    }

    fn broadcast(&mut self, room: &str, except: &PeerId, text: String, now: Instant) {
        let Some(members) = self.rooms.get(room) else {
            return;
        };
        let targets: Vec<PeerId> = members.iter().filter(|id| *id != except).cloned().collect();
        for id in targets {
            self.deliver(&id, text.clone(), now);
        }
    }

    /// Hands `text` to a peer: numbered into its log, and into its connection's outbox
    /// if it has one. A connection whose outbox is full (too slow) or closed is
    /// detached; the log keeps the message for the resume. A detached peer whose log
    /// has to drop a message it certainly never got could not resume exactly: it
    /// expires at once (a resume that would need a dropped message starts afresh).
    fn deliver(&mut self, id: &PeerId, text: String, now: Instant) {
        let Some(peer) = self.peers.get_mut(id) else {
            return;
        };
        let (stamped, lost) = peer.log.push(&text);
        match &mut peer.link {
            Link::Attached { outbox, .. } => {
                if !peer.acks {
                    // Nothing to replay from for a client that never acknowledges
                    // beyond what its connection has not taken.
                    peer.log.ack(outbox.last_taken());
                }
                if let Err(Refused::Full(_) | Refused::Closed(_)) = outbox.try_send(stamped) {
                    tracing::info!(peer = %id, "outbox full or closed; detaching the connection");
                    let fallback = outbox.last_taken();
                    peer.link = Link::detached(now, fallback);
                }
            }
            // Certainly lost: a message the old connection never wrote was pushed out.
            Link::Detached {
                overflowed,
                fallback,
                ..
            } => *overflowed |= lost && peer.log.lost_through() > *fallback,
        }
    }
}

impl Link {
    fn detached(since: Instant, fallback: u64) -> Link {
        Link::Detached {
            since,
            fallback,
            overflowed: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Conn {
        tx: Outbox,
        rx: super::super::outbox::Inbox,
        seen: u64,
    }

    fn conn() -> Conn {
        let (tx, rx) = super::super::outbox::channel(1 << 20, Default::default());
        Conn { tx, rx, seen: 0 }
    }

    fn drain(c: &mut Conn) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(t) = c.rx.try_recv() {
            let mut v: Value = serde_json::from_str(&t).unwrap();
            // Numbered per receiver, in order; compared without the number.
            if let Some(seq) = v.as_object_mut().and_then(|o| o.remove("seq")) {
                assert!(
                    seq.as_u64() > Some(c.seen),
                    "seq increases: {seq} after {}",
                    c.seen
                );
                c.seen = seq.as_u64().unwrap_or(0);
            }
            out.push(v);
        }
        out
    }

    fn join(r: &mut Registry, id: &str, room: &str, c: &Conn, n: u64) -> Joined {
        r.join(
            id.into(),
            format!("s-{id}"),
            id.to_uppercase(),
            room,
            n,
            c.tx.clone(),
            Instant::now(),
        )
        .unwrap()
    }

    #[test]
    fn presence_join_update_leave() {
        let mut r = Registry::new(8, 8, 1 << 20);
        let (mut a, b) = (conn(), conn());
        assert!(join(&mut r, "a", "x", &a, 1).peers.is_empty());
        let jb = join(&mut r, "b", "x", &b, 2);
        assert_eq!(jb.peers.len(), 1);
        r.update(&"b".into(), None, Some(true), Instant::now());
        r.update(&"b".into(), None, Some(true), Instant::now()); // no change, no message
        r.leave(&"b".into(), 2, Instant::now());
        let got = drain(&mut a);
        assert_eq!(got[0]["type"], "peer-joined");
        assert_eq!(
            got[1],
            json!({"type":"peer-updated","peer":{"id":"b","name":"B","busy":true}})
        );
        assert_eq!(got[2], json!({"type":"peer-left","id":"b"}));
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn a_fresh_hello_drops_only_detached_sessions_of_its_client_in_its_room() {
        let mut r = Registry::new(8, 8, 1 << 20);
        let (mut bob, old, live, other_room) = (conn(), conn(), conn(), conn());
        join(&mut r, "bob", "x", &bob, 1);
        join(&mut r, "old", "x", &old, 2);
        join(&mut r, "live", "x", &live, 3);
        join(&mut r, "far", "y", &other_room, 4);
        for id in ["old", "live", "far"] {
            r.set_client(&id.into(), Some("alice-install".into()));
        }
        let now = Instant::now();
        r.detach(&"old".into(), 2, now, None);
        r.detach(&"far".into(), 4, now, None);
        drain(&mut bob);
        assert_eq!(r.drop_stale_sessions("x", "someone-else", now), 0);
        assert_eq!(r.drop_stale_sessions("x", "alice-install", now), 1);
        assert_eq!(drain(&mut bob), [json!({"type":"peer-left","id":"old"})]);
        // The attached one is another running app; the other room's is not ours to judge.
        assert_eq!(r.drop_stale_sessions("x", "alice-install", now), 0);
        assert_eq!(r.peer_count(), 3);
        assert_eq!(
            r.resume(
                "s-old",
                "s-new".into(),
                "x",
                "OLD",
                5,
                old.tx.clone(),
                now,
                None
            )
            .map(|j| j.id),
            None
        );
    }

    #[test]
    fn relay_stays_in_the_room() {
        let mut r = Registry::new(8, 8, 1 << 20);
        let (a, mut b, c) = (conn(), conn(), conn());
        join(&mut r, "a", "x", &a, 1);
        join(&mut r, "b", "x", &b, 2);
        join(&mut r, "c", "y", &c, 3);
        let now = Instant::now();
        assert_eq!(
            r.relay(&"a".into(), &"c".into(), json!({}), now),
            Err(UnknownPeer)
        );
        assert_eq!(
            r.relay(&"a".into(), &"zz".into(), json!({}), now),
            Err(UnknownPeer)
        );
        r.relay(&"a".into(), &"b".into(), json!({"k":1}), now)
            .unwrap();
        assert_eq!(
            drain(&mut b),
            [json!({"type":"signal","from":"a","data":{"k":1}})]
        );
    }

    #[test]
    fn room_size_is_enforced() {
        let mut r = Registry::new(1, 8, 1 << 20);
        let (a, b) = (conn(), conn());
        join(&mut r, "a", "x", &a, 1);
        let full = r.join(
            "b".into(),
            "s".into(),
            "B".into(),
            "x",
            2,
            b.tx.clone(),
            Instant::now(),
        );
        assert_eq!(full.unwrap_err(), RoomFull);
    }

    #[test]
    fn detach_queue_resume_and_expiry() {
        let mut r = Registry::new(8, 8, 1 << 20);
        let (mut a, b) = (conn(), conn());
        join(&mut r, "a", "x", &a, 1);
        join(&mut r, "b", "x", &b, 2);
        drain(&mut a);
        let t0 = Instant::now();
        r.detach(&"b".into(), 2, t0, None);
        r.detach(&"b".into(), 99, t0, None); // a stale connection changes nothing
        r.relay(&"a".into(), &"b".into(), json!({"n":1}), t0)
            .unwrap();
        assert_eq!(
            r.expire(t0 + Duration::from_secs(1), Duration::from_secs(30)),
            0
        );
        let b2 = conn();
        let j = r
            .resume(
                "s-b",
                format!("s-b-{}", line!()),
                "x",
                "B",
                3,
                b2.tx.clone(),
                t0,
                None,
            )
            .unwrap();
        assert!(j.resumed);
        assert_eq!(j.id, PeerId::from("b"));
        assert_eq!(j.queued.len(), 1);
        assert!(drain(&mut a).is_empty(), "the room saw nothing");
        // Dropped again and not back in time: gone, and the room hears it.
        r.detach(&"b".into(), 3, t0, None);
        assert_eq!(
            r.expire(t0 + Duration::from_secs(31), Duration::from_secs(30)),
            1
        );
        assert_eq!(drain(&mut a), [json!({"type":"peer-left","id":"b"})]);
        assert!(r
            .resume(
                "s-b",
                format!("s-b-{}", line!()),
                "x",
                "B",
                4,
                b2.tx.clone(),
                t0,
                None
            )
            .is_none());
    }

    #[test]
    fn overflowing_queue_expires_the_peer() {
        let mut r = Registry::new(8, 2, 1 << 20);
        let (a, b) = (conn(), conn());
        join(&mut r, "a", "x", &a, 1);
        join(&mut r, "b", "x", &b, 2);
        let t0 = Instant::now();
        r.detach(&"b".into(), 2, t0, None);
        for _ in 0..3 {
            r.relay(&"a".into(), &"b".into(), json!({}), t0).unwrap();
        }
        assert_eq!(r.expire(t0, Duration::from_secs(30)), 1);
    }

    #[test]
    fn the_resume_queue_is_bounded_in_bytes_too() {
        let mut r = Registry::new(8, 100, 64);
        let (a, b) = (conn(), conn());
        join(&mut r, "a", "x", &a, 1);
        join(&mut r, "b", "x", &b, 2);
        let t0 = Instant::now();
        r.detach(&"b".into(), 2, t0, None);
        // Each relayed message is about 50 bytes: the second passes the 64-byte bound.
        r.relay(&"a".into(), &"b".into(), json!({}), t0).unwrap();
        assert_eq!(r.expire(t0, Duration::from_secs(30)), 0);
        r.relay(&"a".into(), &"b".into(), json!({}), t0).unwrap();
        assert_eq!(r.expire(t0, Duration::from_secs(30)), 1);
    }

    #[test]
    fn a_full_outbox_detaches_and_keeps_the_message() {
        let mut r = Registry::new(8, 8, 1 << 20);
        let a = conn();
        let (tx, _rx) = super::super::outbox::channel(60, Default::default());
        join(&mut r, "a", "x", &a, 1);
        r.join(
            "b".into(),
            "s-b".into(),
            "B".into(),
            "x",
            2,
            tx,
            Instant::now(),
        )
        .unwrap();
        let t0 = Instant::now();
        for n in 0..3 {
            r.relay(&"a".into(), &"b".into(), json!({"n": n}), t0)
                .unwrap();
        }
        assert_eq!(r.detached_count(), 1);
        let b2 = conn();
        let j = r
            .resume(
                "s-b",
                format!("s-b-{}", line!()),
                "x",
                "B",
                3,
                b2.tx.clone(),
                t0,
                None,
            )
            .unwrap();
        let ns: Vec<Value> = j
            .queued
            .iter()
            .map(|t| serde_json::from_str::<Value>(t).unwrap()["data"]["n"].clone())
            .collect();
        assert_eq!(
            ns,
            [json!(0), json!(1), json!(2)],
            "nothing the connection never took is lost"
        );
    }

    fn seqs(j: &Joined) -> Vec<u64> {
        j.queued
            .iter()
            .filter_map(|t| super::super::replay::seq_of(t))
            .collect()
    }

    #[test]
    fn a_resume_replays_after_the_clients_last_and_acks_free_the_log() {
        let mut r = Registry::new(8, 64, 1 << 20);
        let (a, b) = (conn(), conn());
        join(&mut r, "a", "x", &a, 1);
        join(&mut r, "b", "x", &b, 2);
        r.ack(&"b".into(), 0); // b acknowledges
        let t0 = Instant::now();
        for n in 0..5 {
            r.relay(&"a".into(), &"b".into(), json!({ "n": n }), t0)
                .unwrap();
        }
        r.ack(&"b".into(), 2);
        // Still attached (the server has not noticed the drop): the resume takes over
        // and gets everything after what the client says it has, the old connection's
        // queue included.
        let b2 = conn();
        let j = r
            .resume(
                "s-b",
                format!("s-b-{}", line!()),
                "x",
                "B",
                3,
                b2.tx.clone(),
                t0,
                Some(3),
            )
            .unwrap();
        assert_eq!(seqs(&j), [4, 5]);
        // A client that claims less than it acknowledged gets what is still kept.
        r.detach(&"b".into(), 3, t0, None);
        let again = |r: &mut Registry, session: &str| {
            r.resume(
                session,
                "s-b3".into(),
                "x",
                "B",
                4,
                b2.tx.clone(),
                t0,
                Some(1),
            )
        };
        assert!(again(&mut r, "s-b").is_none(), "the secret is single-use");
        let j = again(&mut r, &j.session).unwrap();
        assert_eq!(seqs(&j), [4, 5]);
    }

    #[test]
    fn a_resume_that_would_miss_a_message_starts_afresh() {
        let mut r = Registry::new(8, 3, 1 << 20);
        let (a, b) = (conn(), conn());
        join(&mut r, "a", "x", &a, 1);
        join(&mut r, "b", "x", &b, 2);
        r.ack(&"b".into(), 0);
        let t0 = Instant::now();
        for n in 0..5 {
            r.relay(&"a".into(), &"b".into(), json!({ "n": n }), t0)
                .unwrap();
        }
        // 1 and 2 were pushed out of the 3-message log unacknowledged.
        let b2 = conn();
        assert!(r
            .resume(
                "s-b",
                format!("s-b-{}", line!()),
                "x",
                "B",
                3,
                b2.tx.clone(),
                t0,
                Some(0)
            )
            .is_none());
        assert_eq!(r.peer_count(), 1, "the old peer is gone");
    }

    #[test]
    fn resume_takes_over_a_live_connection() {
        let mut r = Registry::new(8, 8, 1 << 20);
        let a = conn();
        join(&mut r, "a", "x", &a, 1);
        let a2 = conn();
        let j = r
            .resume(
                "s-a",
                format!("s-a-{}", line!()),
                "x",
                "A",
                2,
                a2.tx.clone(),
                Instant::now(),
                None,
            )
            .unwrap();
        assert_eq!(j.id, PeerId::from("a"));
        // The old connection's clean close no longer removes the peer.
        r.leave(&"a".into(), 1, Instant::now());
        assert_eq!(r.peer_count(), 1);
        // A resume into another room is refused.
        assert!(r
            .resume(
                "s-a",
                format!("s-a-{}", line!()),
                "other",
                "A",
                3,
                a2.tx.clone(),
                Instant::now(),
                None
            )
            .is_none());
    }
}
