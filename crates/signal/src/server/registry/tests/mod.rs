//! The registry's tests: a harness of fake connections, then presence, relaying and room
//! limits here, and detaching and resuming in `resume`.

mod resume;

use super::*;
use serde_json::json;

struct Conn {
    tx: Outbox,
    rx: crate::server::outbox::Inbox,
    seen: u64,
}

fn conn() -> Conn {
    let (tx, rx) = crate::server::outbox::channel(1 << 20, Default::default());
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
