//! The per-connection logic behind the handler, driven by arbitrary client frames: each
//! input is a script of connections sending frames (decoded exactly as the server does),
//! dropping, closing, resuming and time passing, applied to the room registry. Checks
//! that nothing panics and that the registry's invariants hold.
//!
//! Shared by the cargo-fuzz target and the corpus replay in `cargo test`
//! (`crates/signal/tests/fuzz_corpus.rs`).

use peercall_protocol::{decode_client_message, ClientMessage, PeerId, DEFAULT_ROOM};
use peercall_signal::seq::seq_of;
use peercall_signal::server::outbox::{self, Inbox, Outbox};
use peercall_signal::server::Registry;
use std::time::{Duration, Instant};

const ROOM_SIZE: usize = 4;
const QUEUE: usize = 8;

struct Conn {
    id: Option<PeerId>,
    session: Option<String>,
    conn: u64,
    rx: Inbox,
    tx: Outbox,
}

/// Runs one input; panics on a finding.
pub fn check(data: &[u8]) {
    let mut registry = Registry::new(ROOM_SIZE, QUEUE, QUEUE * 256);
    let mut now = Instant::now();
    let mut conns: Vec<Conn> = Vec::new();
    let mut next_conn = 1u64;
    // Frames are separated by 0xff bytes; the first byte of each chooses who acts and how.
    for chunk in data.split(|b| *b == 0xff).take(64) {
        let Some((&op, rest)) = chunk.split_first() else {
            continue;
        };
        let who = (op >> 4) as usize;
        match op & 0x0f {
            0 => {
                let (tx, rx) = outbox::channel(1024, Default::default());
                conns.push(Conn {
                    id: None,
                    session: None,
                    conn: next_conn,
                    rx,
                    tx,
                });
                next_conn += 1;
            }
            1 => now += Duration::from_secs(u64::from(rest.first().copied().unwrap_or(1))),
            2 => {
                let expired = registry.expire(now, Duration::from_secs(30));
                assert!(expired <= registry.peer_count() + expired);
            }
            op_kind => {
                let index = who % conns.len().max(1);
                let Some(c) = conns.get_mut(index) else {
                    continue;
                };
                match op_kind {
                    3 => {
                        if let Some(id) = &c.id {
                            registry.leave(id, c.conn, now);
                        }
                    }
                    4 => {
                        if let Some(id) = &c.id {
                            let mut first_unsent = None;
                            while let Some(t) = c.rx.try_recv() {
                                first_unsent = first_unsent.or_else(|| seq_of(&t));
                            }
                            registry.detach(id, c.conn, now, first_unsent);
                        }
                    }
                    _ => {
                        let Ok(text) = std::str::from_utf8(rest) else {
                            continue;
                        };
                        let Ok(msg) = decode_client_message(text) else {
                            continue;
                        };
                        apply(&mut registry, c, msg, next_conn, now);
                        next_conn += 1;
                    }
                }
                // Drain so outboxes do not fill (a full outbox is also exercised by size 4).
                if op_kind % 2 == 0 {
                    while c.rx.try_recv().is_some() {}
                }
            }
        }
        for (_, n) in registry.room_sizes() {
            assert!(n <= ROOM_SIZE, "room over its limit");
            assert!(n > 0, "empty rooms are removed");
        }
    }
}

fn apply(registry: &mut Registry, c: &mut Conn, msg: ClientMessage, fresh: u64, now: Instant) {
    match (msg, &c.id) {
        (ClientMessage::Hello(h), None) => {
            let room = h.room.as_deref().unwrap_or(DEFAULT_ROOM);
            if let Some(s) = h.resume.as_deref().or(c.session.as_deref()) {
                let rotated = format!("s{fresh}");
                let resumed = registry.resume(
                    s,
                    rotated.clone(),
                    room,
                    &h.name,
                    fresh,
                    c.tx.clone(),
                    now,
                    h.last,
                );
                if let Some(j) = resumed {
                    c.conn = fresh;
                    c.id = Some(j.id);
                    c.session = Some(rotated);
                    return;
                }
            }
            let id = PeerId(format!("p{fresh}"));
            let session = format!("s{fresh}");
            if let Ok(j) =
                registry.join(id, session.clone(), h.name, room, fresh, c.tx.clone(), now)
            {
                c.conn = fresh;
                c.id = Some(j.id);
                c.session = Some(session);
            }
        }
        (ClientMessage::Update(u), Some(id)) => registry.update(id, u.name, u.busy, now),
        (ClientMessage::Signal(r), Some(id)) => {
            let _ = registry.relay(id, &r.to, r.data, now);
        }
        (ClientMessage::Ack(a), Some(id)) => registry.ack(id, a.seq),
        _ => {}
    }
}
