//! A client that never reads while another floods it: the server drops it once a write
//! has waited past `--write-timeout`, what it holds for it stays within the byte budget
//! (measured: the queued-bytes gauge and the server process's peak RSS), and every other
//! client keeps working throughout.

mod common;
use common::process::ServerProcess;
use common::*;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Each flood message carries this much padding (under the 64 KiB message limit).
const PAD: usize = 60 * 1024;
/// 400 × 60 KiB = 24 MB, far past what the kernel's socket buffers absorb.
const FLOOD: usize = 400;
/// The server's default outgoing budget per connection.
const BUDGET: u64 = 512 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_dropped_and_costs_little() {
    let server = ServerProcess::start(
        &[
            "--rate",
            "5000",
            "--burst",
            "5000",
            "--write-timeout",
            "1",
            "--resume-window",
            "2",
        ],
        &[],
    )
    .await;
    let url = server.url.clone();
    let (mut bystander, _) = Raw::join(&url, "Bystander", "r").await;
    let (mut flooder, _) = Raw::join(&url, "Flooder", "r").await;
    // The victim says hello and then never reads again.
    let (victim, victim_id) = Raw::join(&url, "Victim", "r").await;
    bystander.recv_type("peer-joined").await;
    bystander.recv_type("peer-joined").await;
    wait_metric(server.addr, "peercall_open_connections", 3.0).await;
    let rss_before = server.status_kib("VmRSS");

    let peak_queued = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = tokio::spawn(sample_queued(
        server.addr,
        peak_queued.clone(),
        sampling.clone(),
    ));

    let pad = "x".repeat(PAD);
    let mut victim_left = false;
    for n in 0..FLOOD {
        let msg = json!({"type":"signal","to":victim_id,"data":{"n":n,"pad":pad}});
        if n == FLOOD / 2 {
            // Mid-flood, the rest of the room is served as usual.
            victim_left |= probe(&mut bystander, &victim_id).await;
        }
        flooder.send_json(msg).await;
    }

    // The victim is dropped: it leaves the room (its resume queue overflowed or its
    // window passed) and its connection task ends instead of waiting in a write.
    if !victim_left {
        let left = bystander.recv_type("peer-left").await;
        assert_eq!(left["id"], victim_id.as_str());
    }
    wait_metric(server.addr, "peercall_open_connections", 2.0).await;
    wait_metric(server.addr, "peercall_outbound_queued_bytes", 0.0).await;
    sampling.store(false, Ordering::Relaxed);
    sampler.await.expect("sampler");

    let peak = peak_queued.load(Ordering::Relaxed);
    let grown_kib = server.status_kib("VmHWM").saturating_sub(rss_before);
    eprintln!(
        "flood of {} MB at a client that never reads: peak queued {peak} B, server peak RSS +{grown_kib} KiB",
        FLOOD * PAD / 1_000_000
    );
    assert!(
        peak <= BUDGET + PAD as u64 + 1024,
        "queued {peak} B, past the {BUDGET} B budget"
    );
    // Without the byte budget and the write timeout one such client held 512 messages
    // (30 MB here) plus a 256-message resume queue.
    assert!(
        grown_kib < 16 * 1024,
        "the server grew by {grown_kib} KiB for one slow client"
    );

    bystander.assert_alive().await;
    flooder.assert_alive_past_backlog().await;
    drop(victim);
}

/// Records the highest `peercall_outbound_queued_bytes` seen until told to stop.
async fn sample_queued(addr: std::net::SocketAddr, peak: Arc<AtomicU64>, running: Arc<AtomicBool>) {
    while running.load(Ordering::Relaxed) {
        if let Some(v) = metric(addr, "peercall_outbound_queued_bytes").await {
            peak.fetch_max(v as u64, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The connection answers a probe; returns whether the victim's `peer-left` came first
/// (a fast server may drop it that early).
async fn probe(raw: &mut Raw, victim: &str) -> bool {
    raw.send_json(json!({"type":"signal","to":"nobody","data":{}}))
        .await;
    let mut left = false;
    loop {
        let v = raw.recv().await;
        if v["to"] == "nobody" {
            assert_eq!(v["code"], "unknown-peer");
            return left;
        }
        assert!(
            v["type"] == "peer-left" && v["id"] == victim,
            "unexpected {v}"
        );
        left = true;
    }
}
