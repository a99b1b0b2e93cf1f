//! Rooms, peers and sessions: who is where, which connection is attached, what is queued
//! for a dropped peer. Plain data behind one mutex in the server; every method is
//! synchronous, never blocks, and takes the time as an input.
//!
//! A peer is either *attached* (a live connection with an outgoing channel) or *detached*
//! (its socket dropped without a close frame; messages for it queue until it resumes or
//! the resume window passes). Every connection carries a number, so a stale connection
//! can never detach or remove a peer that a newer connection has taken over.
//!
//! Here: the data, joining, presence updates, relaying and delivery. `sessions`: resuming,
//! stale sessions, acks, detaching, leaving and expiry.

mod sessions;
#[cfg(test)]
mod tests;

use peercall_protocol::{PeerId, PeerInfo, ServerMessage};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::Instant;

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
