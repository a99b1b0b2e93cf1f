//! A forged plaintext DTLS alert neither keeps a false-started client connected nor ends a
//! call.
//!
//! An epoch-0 (unencrypted) alert needs no keys: anyone who can send from the peer's address
//! can make one. `rtc-dtls-0.21.1-ignore-plaintext-alerts.patch` discards it once our own
//! ChangeCipherSpec is out (RFC 6347 4.1.2.7: invalid records may be silently discarded).
//! Before, in a DTLS client's false-start window (its own `Finished` sent, the server's not
//! yet in), a forged `close_notify` closed the DTLS transport, which `rtc` counts as
//! connected, and no retransmission timer was left to fail it: with the server's flight 6
//! lost the client stayed connected on keys the server never confirmed. A genuine
//! `close_notify` (the peer hanging up) is encrypted and still closes the transport.
//!
//! Two real sessions through a relay that puts the forged alert in place of one datagram
//! towards the DTLS client (the side whose flight 5, with its ChangeCipherSpec, the relay
//! sees): (1) the server's flight 6, every later DTLS datagram towards the client lost too,
//! and the client must first connect (the false start) and then fail; (2) a VP8 packet once
//! media flows both ways, and media must keep flowing both ways, neither side ending, and a
//! chat line must still cross the data channel each way (it runs over the DTLS connection:
//! an honoured forged close_notify closes that on both sides and the call goes on without
//! it, no event said). The guards only end a broken run; no timing is asserted.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::relay::{Relay, Verdict, Way};
use common::sessions::{connected, ended, has, offer_answer_through, pump_through, story, Peer};
use common::wire::{
    has_change_cipher_spec, is_dtls, plaintext_alert, plaintext_application_data, vp8_marker,
};
use peercall_engine::session::{ControlMessage, SessionEvent};

/// Far beyond the handshake's retransmission budget: a run that gets here has hung.
const HANG_GUARD: Duration = Duration::from_secs(60);
/// Far beyond the time `FLOWING` packets take at the test pattern's rate.
const FLOW_GUARD: Duration = Duration::from_secs(40);
/// Far beyond a chat line's trip on loopback.
const CHAT_GUARD: Duration = Duration::from_secs(15);
/// VP8 packets each way that make a flowing call: before the forgery (an established call)
/// and after it (it kept flowing).
const FLOWING: u32 = 60;
/// A record sequence number past the few the server's epoch 0 has used.
const FORGED_SEQUENCE: u64 = 1_000;

const WARNING: u8 = 1;
const FATAL: u8 = 2;
const CLOSE_NOTIFY: u8 = 0;
const HANDSHAKE_FAILURE: u8 = 40;

/// What the relay has seen of the call.
#[derive(Debug, Default)]
struct Seen {
    /// The DTLS client's way, from its flight 5.
    client: Option<Way>,
    forged: bool,
    /// VP8 packets towards the client and from it, since the forgery once it is made.
    to_client: u32,
    from_client: u32,
}

impl Seen {
    /// Notes the DTLS client's flight 5; returns the client's way once known.
    fn client_way(&mut self, way: Way, d: &[u8]) -> Option<Way> {
        if self.client.is_none() && has_change_cipher_spec(d) {
            self.client = Some(way);
        }
        self.client
    }

    fn count_vp8(&mut self, client: Way, way: Way, d: &[u8]) {
        if vp8_marker(d).is_some() {
            if way == client {
                self.from_client += 1;
            } else {
                self.to_client += 1;
            }
        }
    }

    fn flowed(&self) -> bool {
        self.to_client >= FLOWING && self.from_client >= FLOWING
    }
}

/// (1): the server's flight 6 is replaced by `forged`, later DTLS towards the client lost.
fn in_false_start(seen: &mut Seen, forged: &[u8], way: Way, d: &[u8]) -> Verdict {
    let Some(client) = seen.client_way(way, d) else {
        return Verdict::Deliver;
    };
    if way == client || !is_dtls(d) {
        Verdict::Deliver
    } else if !seen.forged {
        seen.forged = true;
        Verdict::Replace(forged.to_vec())
    } else {
        Verdict::Drop
    }
}

/// (2): once media flows both ways, one VP8 packet towards the client is replaced by
/// `forged`; the count starts again from there.
fn in_call(seen: &mut Seen, forged: &[u8], way: Way, d: &[u8]) -> Verdict {
    let Some(client) = seen.client_way(way, d) else {
        return Verdict::Deliver;
    };
    seen.count_vp8(client, way, d);
    if !seen.forged && seen.flowed() && way != client && vp8_marker(d).is_some() {
        seen.forged = true;
        seen.to_client = 0;
        seen.from_client = 0;
        return Verdict::Replace(forged.to_vec());
    }
    Verdict::Deliver
}

type Scenario = fn(&mut Seen, &[u8], Way, &[u8]) -> Verdict;

/// A call through the relay, pumped until a test's condition.
struct Call {
    caller: Peer,
    callee: Peer,
    /// Kept until the call ends: the relay stops when dropped.
    _relay: Relay,
    /// The DTLS client's way.
    way: Way,
    caller_events: Vec<SessionEvent>,
    callee_events: Vec<SessionEvent>,
    seen: Seen,
}

impl Call {
    async fn close(self) {
        self.caller.session.close().await;
        self.callee.session.close().await;
    }
}

/// A call through a relay running `scenario` with `forged`, pumped until `done`.
async fn call(
    scenario: Scenario,
    forged: Vec<u8>,
    guard: Duration,
    done: impl Fn(&Seen, &[SessionEvent], &[SessionEvent]) -> bool,
) -> Call {
    // `RUST_LOG=rtc::peer_connection::handler::dtls=debug,rtc_dtls=debug` shows the handshake.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let seen_in = seen.clone();
    let relay = Relay::start_holding(Box::new(move |way, d| match seen_in.lock() {
        Ok(mut s) => scenario(&mut s, &forged, way, d),
        Err(_) => Verdict::Deliver,
    }))
    .await;
    let (mut caller, mut callee) =
        offer_answer_through(common::sessions::config(), Some(&relay)).await;
    let (ea, eb) = pump_through(&mut caller, &mut callee, Some(&relay), guard, |a, b| {
        seen.lock().is_ok_and(|s| done(&s, a, b))
    })
    .await;
    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|e| e.into_inner()));
    let Some(way) = seen.client else {
        panic!(
            "no DTLS client flight 5 went through the relay\n{:?}\n{:?}",
            story(&ea),
            story(&eb)
        );
    };
    Call {
        caller,
        callee,
        _relay: relay,
        way,
        caller_events: ea,
        callee_events: eb,
        seen,
    }
}

/// Sends a chat line from `from` and waits for it at `to`: the data channel, which runs
/// over the DTLS connection, still works. `false` if it never came (before `guard`).
async fn chat_arrives(from: &Peer, to: &mut Peer, text: &str, guard: Duration) -> bool {
    let line = ControlMessage::Chat {
        text: text.to_owned(),
    };
    if from.session.send_control(&line).await.is_err() {
        return false;
    }
    let end = Instant::now() + guard;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, to.events.recv()).await {
            Ok(Some(SessionEvent::Control(m))) if m == line => return true,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return false,
        }
    }
}

/// Which of the caller's (A) and callee's (B) events are the client's.
fn client_events<'a>(way: Way, a: &'a [SessionEvent], b: &'a [SessionEvent]) -> &'a [SessionEvent] {
    match way {
        Way::AToB => a,
        Way::BToA => b,
    }
}

async fn false_started_client_still_fails(forged: Vec<u8>) {
    let c = call(in_false_start, forged, HANG_GUARD, |s, a, b| {
        s.client.is_some_and(|w| ended(client_events(w, a, b)))
    })
    .await;
    let client = client_events(c.way, &c.caller_events, &c.callee_events).to_vec();
    let forged = c.seen.forged;
    c.close().await;
    assert!(forged, "the server's flight 6 never came to be replaced");
    assert!(
        connected(&client),
        "the DTLS client never connected, so it did not false-start: {:?}",
        story(&client)
    );
    assert!(
        has(&client, |e| matches!(e, SessionEvent::Failed)),
        "the DTLS client stayed connected without the server's Finished, after a forged \
         plaintext record: {:?}",
        story(&client)
    );
}

async fn established_call_keeps_flowing(forged: Vec<u8>) {
    let mut c = call(in_call, forged, FLOW_GUARD, |s, a, b| {
        ended(a) || ended(b) || (s.forged && s.flowed())
    })
    .await;
    let (ea, eb) = (story(&c.caller_events), story(&c.callee_events));
    assert!(
        c.seen.forged,
        "media never flowed both ways before the forgery: {:?}\ncaller {ea:?}\ncallee {eb:?}",
        c.seen
    );
    let open = |e: &[SessionEvent]| has(e, |x| matches!(x, SessionEvent::ChannelOpen));
    assert!(
        open(&c.caller_events) && open(&c.callee_events),
        "the data channel never opened\ncaller {ea:?}\ncallee {eb:?}"
    );
    assert!(
        !ended(&c.caller_events) && !ended(&c.callee_events),
        "a forged plaintext record ended the call\ncaller {ea:?}\ncallee {eb:?}"
    );
    assert!(
        c.seen.flowed(),
        "media stopped after a forged plaintext record: {:?}",
        c.seen
    );
    // The data channel runs over the DTLS connection the forgery was aimed at.
    let to_callee = chat_arrives(&c.caller, &mut c.callee, "caller, after", CHAT_GUARD).await;
    let to_caller = chat_arrives(&c.callee, &mut c.caller, "callee, after", CHAT_GUARD).await;
    c.close().await;
    assert!(
        to_callee && to_caller,
        "the data channel stopped after a forged plaintext record (caller to callee: \
         {to_callee}, callee to caller: {to_caller})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_close_notify_does_not_keep_a_false_started_client_connected() {
    false_started_client_still_fails(plaintext_alert(WARNING, CLOSE_NOTIFY, FORGED_SEQUENCE)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_fatal_alert_does_not_keep_a_false_started_client_connected() {
    false_started_client_still_fails(plaintext_alert(FATAL, HANDSHAKE_FAILURE, FORGED_SEQUENCE))
        .await;
}

/// Plaintext ApplicationData is never valid: now discarded, before answered with a fatal
/// alert of ours. A guard: the client failed before the patch too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_plaintext_data_does_not_keep_a_false_started_client_connected() {
    false_started_client_still_fails(plaintext_application_data(b"forged", FORGED_SEQUENCE)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_close_notify_does_not_end_an_established_call() {
    established_call_keeps_flowing(plaintext_alert(WARNING, CLOSE_NOTIFY, FORGED_SEQUENCE)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_fatal_alert_does_not_end_an_established_call() {
    established_call_keeps_flowing(plaintext_alert(FATAL, HANDSHAKE_FAILURE, FORGED_SEQUENCE))
        .await;
}
