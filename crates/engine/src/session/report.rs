//! Stats each interval: our own counters plus RTT, loss, jitter and the selected
//! candidate pair from the `webrtc` stats report.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use rtc::statistics::report::RTCStatsReportEntry;
use rtc::statistics::StatsSelector;
use tokio::sync::mpsc;
use webrtc::peer_connection::PeerConnection;

use super::events::SessionEvent;
use crate::stats::{rates, CallStats, Counters};

/// Adds what the `webrtc` report knows to `stats`, and copies its feedback and
/// retransmission totals and the RTT into `counters`.
pub async fn fill_from_report(
    pc: &Arc<dyn PeerConnection>,
    counters: &Counters,
    stats: &mut CallStats,
) {
    let report = pc.get_stats(Instant::now(), StatsSelector::None).await;
    let mut fb = Feedback::default();
    for s in report.inbound_rtp_streams() {
        fb.nacks_sent += u64::from(s.nack_count);
        fb.plis_sent += u64::from(s.pli_count);
        fb.firs_sent += u64::from(s.fir_count);
        fb.rtx_packets_received += s.retransmitted_packets_received;
        fb.rtx_bytes_received += s.retransmitted_bytes_received;
        fb.fec_received += s.fec_packets_received;
        fb.fec_discarded += s.fec_packets_discarded;
    }
    for s in report.outbound_rtp_streams() {
        fb.plis_received += u64::from(s.pli_count);
        fb.firs_received += u64::from(s.fir_count);
        fb.rtx_packets_sent += s.retransmitted_packets_sent;
        fb.rtx_bytes_sent += s.retransmitted_bytes_sent;
    }
    fb.store(counters);
    // RTT: the peer's receiver reports on our outbound video, when webrtc computes
    // it (0.21 leaves it 0), else the selected pair's STUN round trip below.
    let rr_rtt = report
        .iter()
        .filter_map(|e| match e {
            RTCStatsReportEntry::RemoteInboundRtp(r)
                if r.received_rtp_stream_stats.rtp_stream_stats.kind == RtpCodecKind::Video =>
            {
                Some(r.round_trip_time)
            }
            _ => None,
        })
        .find(|rtt| *rtt > 0.0);
    let (mut received, mut lost) = (0u64, 0i64);
    for s in report.inbound_rtp_streams() {
        let r = &s.received_rtp_stream_stats;
        received += r.packets_received;
        lost += r.packets_lost.max(0);
        // webrtc 0.21 fills this from the receiver-report generator, in RTP clock
        // units (not seconds as documented): convert with the stream's clock rate.
        let clock_khz = match r.rtp_stream_stats.kind {
            RtpCodecKind::Audio => 48.0,
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
    // The selected pair: the transport's, else the nominated one carrying the traffic.
    let selected = report.iter().find_map(|e| match e {
        RTCStatsReportEntry::Transport(t) if !t.selected_candidate_pair_id.is_empty() => {
            Some(t.selected_candidate_pair_id.clone())
        }
        _ => None,
    });
    let pair = report
        .candidate_pairs()
        .find(|p| {
            selected
                .as_deref()
                .is_some_and(|id| p.stats.id.ends_with(id))
        })
        .or_else(|| {
            report
                .candidate_pairs()
                .max_by_key(|p| (p.nominated, p.bytes_received + p.bytes_sent))
        });
    if let Some(pair) = pair {
        if rr_rtt.is_none() && pair.current_round_trip_time > 0.0 {
            stats.rtt_ms = Some(pair.current_round_trip_time * 1000.0);
        }
        // Entry ids are `RTCLocalIceCandidate_<candidate id>` (and `RTCRemote…`).
        let candidate_type = |id: &str, local: bool| {
            report.iter().find_map(|e| match e {
                RTCStatsReportEntry::LocalCandidate(c) if local && c.stats.id.ends_with(id) => {
                    Some(c.candidate_type.to_string())
                }
                RTCStatsReportEntry::RemoteCandidate(c) if !local && c.stats.id.ends_with(id) => {
                    Some(c.candidate_type.to_string())
                }
                _ => None,
            })
        };
        stats.candidate_type = candidate_type(pair.local_candidate_id.as_str(), true);
        stats.local_base = local_base(&report, pair.local_candidate_id.as_str());
        // webrtc registers only the candidates the peer signaled with an address: a pair
        // whose remote end is not among them was learned from the peer's checks, i.e.
        // peer-reflexive (or, rarely, a `.local` name mDNS resolved: a host).
        stats.remote_candidate_type = candidate_type(pair.remote_candidate_id.as_str(), false)
            .or_else(|| Some("prflx".to_owned()));
    }
    if let Some(rtt) = rr_rtt {
        stats.rtt_ms = Some(rtt * 1000.0);
    }
    if let Some(ms) = stats.rtt_ms {
        counters.set_rtt_secs(ms / 1000.0);
    }
}

/// The address of the local candidate `id`'s socket: a host candidate's own address, a
/// derived one's related address (a reflexive candidate's base).
fn local_base(
    report: &rtc::statistics::report::RTCStatsReport,
    id: &str,
) -> Option<std::net::IpAddr> {
    report.iter().find_map(|e| match e {
        RTCStatsReportEntry::LocalCandidate(c) if c.stats.id.ends_with(id) => {
            let address = match c.candidate_type.to_string().as_str() {
                "host" => c.address.clone().unwrap_or_default(),
                _ => c.related_address.clone(),
            };
            address.parse().ok()
        }
        _ => None,
    })
}

/// Feedback and repair totals of one report, summed over the streams.
#[derive(Debug, Default)]
struct Feedback {
    nacks_sent: u64,
    plis_sent: u64,
    plis_received: u64,
    firs_sent: u64,
    firs_received: u64,
    rtx_packets_sent: u64,
    rtx_bytes_sent: u64,
    rtx_packets_received: u64,
    rtx_bytes_received: u64,
    fec_received: u64,
    fec_discarded: u64,
}

impl Feedback {
    fn store(&self, c: &Counters) {
        Counters::set(&c.rtcp_nacks_sent, self.nacks_sent);
        Counters::set(&c.rtcp_plis_sent, self.plis_sent);
        Counters::set(&c.rtcp_plis_received, self.plis_received);
        Counters::set(&c.rtcp_firs_sent, self.firs_sent);
        Counters::set(&c.rtcp_firs_received, self.firs_received);
        Counters::set(&c.retransmitted_packets_sent, self.rtx_packets_sent);
        Counters::set(&c.retransmitted_bytes_sent, self.rtx_bytes_sent);
        Counters::set(&c.retransmitted_packets_received, self.rtx_packets_received);
        Counters::set(&c.retransmitted_bytes_received, self.rtx_bytes_received);
        Counters::set(&c.fec_packets_received, self.fec_received);
        Counters::set(&c.fec_packets_discarded, self.fec_discarded);
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
            fill_from_report(&pc, &counters, &mut stats).await;
            // The report's totals just landed in the counters.
            *stats.totals = counters.snapshot();
            if events.send(SessionEvent::Stats(stats)).is_err() {
                return;
            }
        }
    });
}
