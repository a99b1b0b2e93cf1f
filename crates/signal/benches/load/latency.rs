//! Relay latency: sender/receiver pairs, each pair in its own room, sending signals
//! stamped with their send time at a fixed total rate.

use super::hold::{open, Ws};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::time::MissedTickBehavior;
use tokio_tungstenite::tungstenite::Message;

/// Runs the relay phase and returns a printable report.
pub async fn run(url: &str, pairs: usize, rate: f64, duration: Duration) -> String {
    let src = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    let mut links: Vec<(Ws, Ws, String)> = Vec::with_capacity(pairs);
    for p in 0..pairs {
        let room = format!("lat-{p}");
        let (rx, rx_id) = match open(url, src, &format!("r{p}"), &room).await {
            Ok(x) => x,
            Err(e) => return format!("latency phase: cannot open receiver {p}: {e}"),
        };
        let (tx, _) = match open(url, src, &format!("s{p}"), &room).await {
            Ok(x) => x,
            Err(e) => return format!("latency phase: cannot open sender {p}: {e}"),
        };
        links.push((tx, rx, rx_id));
    }
    let per_sender = rate / pairs.max(1) as f64;
    let period = Duration::from_secs_f64(1.0 / per_sender.max(0.001));
    let base = Instant::now();
    let sent = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut receivers = Vec::new();
    let mut senders = Vec::new();
    for (mut tx, mut rx, rx_id) in links {
        let sent = sent.clone();
        let errors = errors.clone();
        senders.push(tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            // Burst: a sender that fell behind catches up, so the total rate holds.
            ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
            let end = Instant::now() + duration;
            while Instant::now() < end {
                tokio::select! {
                    _ = ticker.tick() => {
                        let t = base.elapsed().as_nanos() as u64;
                        let msg = json!({"type":"signal","to":rx_id,"data":{"t":t}}).to_string();
                        if tx.send(Message::text(msg)).await.is_err() {
                            break;
                        }
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                    frame = tx.next() => match frame {
                        Some(Ok(Message::Text(t))) if t.contains("\"error\"") => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                        Some(Ok(_)) => {}
                        _ => break,
                    },
                }
            }
            tx
        }));
        receivers.push(tokio::spawn(async move {
            let mut samples: Vec<u32> = Vec::new();
            let stop = Instant::now() + duration + Duration::from_secs(3);
            while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(stop.into(), rx.next()).await {
                if let Message::Text(text) = frame {
                    let now = base.elapsed().as_nanos() as u64;
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                        if let Some(t) = v["data"]["t"].as_u64() {
                            samples.push(((now.saturating_sub(t)) / 1000) as u32);
                        }
                    }
                }
            }
            samples
        }));
    }
    let mut keep = Vec::new();
    for s in senders {
        if let Ok(tx) = s.await {
            keep.push(tx);
        }
    }
    let mut all: Vec<u32> = Vec::new();
    for r in receivers {
        if let Ok(s) = r.await {
            all.extend(s);
        }
    }
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return f64::NAN;
        }
        let i = ((all.len() as f64 - 1.0) * p).round() as usize;
        all[i] as f64 / 1000.0
    };
    let sent = sent.load(Ordering::Relaxed);
    format!(
        "relay: {pairs} pairs, target {rate:.0} msg/s for {:.0} s: sent {sent} ({:.0} msg/s), received {}, errors {}; latency ms p50 {:.2} p90 {:.2} p99 {:.2} p99.9 {:.2} max {:.2}",
        duration.as_secs_f64(),
        sent as f64 / duration.as_secs_f64(),
        all.len(),
        errors.load(Ordering::Relaxed),
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(0.999),
        pct(1.0),
    )
}
