//! A peer floods another whose connection is cut twice mid-flood (no close frame, like a
//! network failure): the real client resumes each time, the server replays what it had
//! not acknowledged, and every message arrives exactly once, in order.

mod common;
use common::*;
use peercall_signal::client::ClientEvent;
use serde_json::json;

const SENT: u64 = 300;
/// Cut the victim's connection after this many were sent (each cut waits until the one
/// before was resumed).
const CUTS: [u64; 2] = [100, 200];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_arrives_exactly_once_in_order_across_cuts() {
    let mut config = fast_config();
    config.limits.rate_per_sec = 5000.0;
    config.limits.rate_burst = 5000.0;
    // The sender runs far ahead of the victim; what the server keeps for a resume must
    // hold the whole flood (past it, a resume starts afresh: the registry's unit tests).
    config.limits.resume_queue = 1024;
    let server = start(config).await;
    let proxy = std::sync::Arc::new(Proxy::start(server.local_addr()).await);
    let (victim, mut events) = client(&proxy.url(), "Victim", "r").await;
    let (mut sender, _) = Raw::join(&server.url(), "Sender", "r").await;
    let id = victim.id();
    let to = id.clone();
    let (cutter, addr) = (proxy.clone(), server.local_addr());
    let flood = tokio::spawn(async move {
        let mut resumes = 0.0;
        for n in 0..=SENT {
            if CUTS.contains(&n) {
                wait_metric(addr, "peercall_resumes_total", resumes).await;
                cutter.cut();
                resumes += 1.0;
            }
            let data = if n == SENT {
                json!({"end": true})
            } else {
                json!({ "n": n })
            };
            sender
                .send_json(json!({"type":"signal","to":to,"data":data}))
                .await;
            if n % 20 == 0 {
                tokio::task::yield_now().await;
            }
        }
        sender
    });

    let mut got: Vec<u64> = Vec::new();
    let mut resumed = 0;
    loop {
        match next_event(&mut events).await {
            ClientEvent::RawSignal { data, .. } => {
                if data["end"] == true {
                    break;
                }
                got.push(data["n"].as_u64().expect("n"));
            }
            ClientEvent::Reconnected => resumed += 1,
            ClientEvent::Reconnecting { .. } | ClientEvent::PeerJoined { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(resumed, CUTS.len(), "each cut was resumed (same id)");
    let want: Vec<u64> = (0..SENT).collect();
    assert_eq!(got.len(), want.len(), "none lost or repeated");
    assert_eq!(got, want, "in order");
    assert_eq!(victim.id(), id, "the same identity throughout");
    flood
        .await
        .expect("flood")
        .assert_alive_past_backlog()
        .await;
    server.shutdown().await;
}
