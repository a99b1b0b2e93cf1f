//! A dropped connection, what is kept for it, and the resume that picks it up.

use std::time::Duration;

use super::*;

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
    let (tx, _rx) = crate::server::outbox::channel(60, Default::default());
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
        .filter_map(|t| crate::server::replay::seq_of(t))
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
