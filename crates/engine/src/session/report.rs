//! Stats each interval: our own counters plus RTT, loss, jitter and the selected
//! candidate pair from the `webrtc` stats report.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::statistics::report::RTCStatsReportEntry;
use rtc::statistics::StatsSelector;
use tokio::sync::mpsc;
use webrtc::peer_connection::PeerConnection;

use super::events::SessionEvent;
use crate::stats::{rates, CallStats, Counters};

/// Adds what the `webrtc` report knows to `stats`.
pub async fn fill_from_report(pc: &Arc<dyn PeerConnection>, stats: &mut CallStats) {
    let report = pc.get_stats(Instant::now(), StatsSelector::None).await;
    let (mut received, mut lost) = (0u64, 0i64);
    for s in report.inbound_rtp_streams() {
        let r = &s.received_rtp_stream_stats;
        received += r.packets_received;
        lost += r.packets_lost.max(0);
        // webrtc 0.21 fills this from the receiver-report generator, in RTP clock
        // units (not seconds as documented): convert with the stream's clock rate.
        let clock_khz = match r.rtp_stream_stats.kind {
            rtc::rtp_transceiver::rtp_sender::RtpCodecKind::Audio => 48.0,
            _ => 90.0,
        };
        let jitter_ms = r.jitter / clock_khz;
        stats.jitter_ms = Some(stats.jitter_ms.map_or(jitter_ms, |j: f64| j.max(jitter_ms)));
    }
    let total = received as f64 + lost as f64;
    stats.packet_loss = if total > 0.0 {
        lost as f64 / total
    } else {
        0.0
    };
    // The selected pair: the nominated one, else the one carrying the traffic.
    let pair = report
        .candidate_pairs()
        .max_by_key(|p| (p.nominated, p.bytes_received + p.bytes_sent));
    if let Some(pair) = pair {
        if pair.current_round_trip_time > 0.0 {
            stats.rtt_ms = Some(pair.current_round_trip_time * 1000.0);
        }
        let local = report.iter().find_map(|e| match e {
            // Entry ids are `RTCLocalIceCandidate_<candidate id>`.
            RTCStatsReportEntry::LocalCandidate(c)
                if c.stats.id.ends_with(pair.local_candidate_id.as_str()) =>
            {
                Some(c)
            }
            _ => None,
        });
        if let Some(local) = local {
            stats.candidate_type = Some(local.candidate_type.to_string());
        }
    }
}

/// Reports stats every `interval` until `closed`.
pub fn spawn_reporter(
    pc: Arc<dyn PeerConnection>,
    counters: Arc<Counters>,
    interval: Duration,
    closed: Arc<AtomicBool>,
    events: mpsc::UnboundedSender<SessionEvent>,
) {
    tokio::spawn(async move {
        let mut prev = counters.snapshot();
        let mut prev_at = Instant::now();
        let mut ticker = tokio::time::interval(interval);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            if closed.load(Ordering::Relaxed) {
                return;
            }
            let now = counters.snapshot();
            let mut stats = rates(&prev, &now, prev_at.elapsed().as_secs_f64());
            prev = now;
            prev_at = Instant::now();
            fill_from_report(&pc, &mut stats).await;
            if let Some(ms) = stats.rtt_ms {
                counters.set_rtt_secs(ms / 1000.0);
            }
            if events.send(SessionEvent::Stats(stats)).is_err() {
                return;
            }
        }
    });
}
