//! Per-call counters and the stats reported each second.

use std::sync::atomic::{AtomicU64, Ordering};

/// Monotonic counters a session's media threads update.
#[derive(Debug, Default)]
pub struct Counters {
    /// Video frames encoded and written.
    pub video_frames_sent: AtomicU64,
    /// Video payload bytes written.
    pub video_bytes_sent: AtomicU64,
    /// Last sent width << 16 | height.
    pub video_sent_size: AtomicU64,
    /// Keyframe requests (PLI/FIR) received and answered.
    pub keyframe_requests_received: AtomicU64,
    /// Video keyframes encoded and written (the first, new sizes, requests, periodic).
    pub video_keyframes_sent: AtomicU64,
    /// Of those, keyframes the encoder made for a peer's keyframe request (PLI/FIR).
    pub video_keyframes_on_request: AtomicU64,
    /// Audio packets written.
    pub audio_packets_sent: AtomicU64,
    /// Audio payload bytes written.
    pub audio_bytes_sent: AtomicU64,
    /// Video RTP packets received.
    pub video_packets_received: AtomicU64,
    /// Video payload bytes received.
    pub video_bytes_received: AtomicU64,
    /// Complete video frames reassembled.
    pub video_frames_received: AtomicU64,
    /// Video frames decoded to pictures.
    pub video_frames_decoded: AtomicU64,
    /// Video frames given up as lost.
    pub video_frames_lost: AtomicU64,
    /// Late video frames skipped because the frame after them did not need them.
    pub video_frames_skipped: AtomicU64,
    /// Last received width << 16 | height.
    pub video_received_size: AtomicU64,
    /// Keyframe requests (PLI) we sent.
    pub plis_sent: AtomicU64,
    /// Audio packets received.
    pub audio_packets_received: AtomicU64,
    /// Audio payload bytes received.
    pub audio_bytes_received: AtomicU64,
    /// Audio packets missing (sequence gaps).
    pub audio_packets_lost: AtomicU64,
    // The audio jitter buffer's totals (`session/audio_receive.rs`), samples at 48 kHz.
    /// Samples played out.
    pub audio_samples_played: AtomicU64,
    /// Samples concealed (pitch repetition or comfort noise).
    pub audio_concealed_samples: AtomicU64,
    /// Samples rebuilt from in-band FEC.
    pub audio_fec_samples: AtomicU64,
    /// Samples decoded from a RED copy of a packet that never came itself.
    pub audio_red_samples: AtomicU64,
    /// Samples removed or inserted by time-stretching.
    pub audio_stretched_samples: AtomicU64,
    /// Times the buffer ran dry waiting for a late packet.
    pub audio_underruns: AtomicU64,
    /// Packets that came after their audio had been played or concealed.
    pub audio_late_packets: AtomicU64,
    /// Audio held in the buffer, µs: median and 95th percentile over the call.
    pub audio_delay_p50_us: AtomicU64,
    pub audio_delay_p95_us: AtomicU64,
    /// The buffer's target delay now, µs.
    pub audio_target_delay_us: AtomicU64,
    /// Lip sync: extra delay video and audio wait now, µs, and the size of the offset
    /// between them last measured from sender reports (delays included), µs.
    pub sync_video_delay_us: AtomicU64,
    pub sync_audio_delay_us: AtomicU64,
    pub sync_offset_abs_us: AtomicU64,
    /// Updates of the lip sync that moved a delay.
    pub sync_corrections: AtomicU64,
    /// The fraction of our audio the peer reports lost (RTCP reception reports, read by
    /// `session::keyframe`), in parts per million plus one (0: no report yet). Drives
    /// the Opus encoder's FEC.
    pub audio_remote_loss_ppm1: AtomicU64,
    /// The encoder's current target, kbit/s.
    pub video_target_kbps: AtomicU64,
    /// Video frames the encoder's rate control skipped (libvpx frame dropping).
    pub video_frames_dropped_by_encoder: AtomicU64,
    /// Video frames not encoded because the pacer held more than the pushback window.
    pub video_frames_dropped_pushback: AtomicU64,
    /// The frame rate the send-side adapter encodes at now (frames per second).
    pub video_send_fps: AtomicU64,
    /// The latest round-trip time, µs (0 = unknown). Published by the stats
    /// reporter each tick: the remote-inbound RTT of our outbound video if the
    /// peer sent receiver reports, else the selected candidate pair's STUN RTT.
    /// The receive path reads it to size its waits (see [`Counters::rtt`]).
    pub rtt_us: AtomicU64,
    /// RTCP NACK messages we sent (each asks for one or more packets).
    pub nacks_sent: AtomicU64,
    /// Video packets we asked to be sent again.
    pub nack_packets_requested: AtomicU64,
    /// Video packets that filled a hole (a retransmission or a late reordered packet).
    pub video_packets_repaired: AtomicU64,
    /// Video keyframes received whole.
    pub video_keyframes_received: AtomicU64,
    /// The video playout delay now, µs (a gauge: frames are held this long at most to
    /// absorb jitter and slow repairs).
    pub video_playout_delay_us: AtomicU64,
    /// Freezes in the video presented (Chromium's definition), and their total, ms.
    pub video_freezes: AtomicU64,
    pub video_freeze_ms: AtomicU64,
    /// FlexFEC repair packets we sent.
    pub video_fec_packets_sent: AtomicU64,
    /// Video packets FlexFEC rebuilt for us.
    pub video_fec_recovered: AtomicU64,
    // Totals the stats reporter copies from the `webrtc` stats report each tick
    // (stored, not added: the report's counters are cumulative already).
    /// RTCP NACK packets we sent about the peer's streams (webrtc stats: inbound `nackCount`).
    pub rtcp_nacks_sent: AtomicU64,
    /// RTCP NACK packets the peer sent about our streams (counted as they arrive, in
    /// `session::keyframe`: webrtc 0.21 leaves outbound `nackCount` at 0).
    pub rtcp_nacks_received: AtomicU64,
    /// RTCP PLIs we sent (webrtc stats: inbound `pliCount`).
    pub rtcp_plis_sent: AtomicU64,
    /// RTCP PLIs the peer sent (webrtc stats: outbound `pliCount`).
    pub rtcp_plis_received: AtomicU64,
    /// RTCP FIRs we sent (webrtc stats: inbound `firCount`).
    pub rtcp_firs_sent: AtomicU64,
    /// RTCP FIRs the peer sent (webrtc stats: outbound `firCount`).
    pub rtcp_firs_received: AtomicU64,
    /// Retransmitted (RTX) packets we sent (webrtc stats: outbound `retransmittedPacketsSent`).
    pub retransmitted_packets_sent: AtomicU64,
    /// Retransmitted (RTX) payload bytes we sent.
    pub retransmitted_bytes_sent: AtomicU64,
    /// Retransmitted (RTX) packets received (webrtc stats: inbound `retransmittedPacketsReceived`).
    pub retransmitted_packets_received: AtomicU64,
    /// Retransmitted (RTX) payload bytes received.
    pub retransmitted_bytes_received: AtomicU64,
    /// FEC packets received (webrtc stats: inbound `fecPacketsReceived`).
    pub fec_packets_received: AtomicU64,
    /// FEC packets received but not needed (webrtc stats: inbound `fecPacketsDiscarded`).
    pub fec_packets_discarded: AtomicU64,
    /// Candidates the peer signaled (trickled or in its description), by type: what
    /// the peer let out of its machine (`session::candidates`).
    pub remote_host_candidates: AtomicU64,
    pub remote_srflx_candidates: AtomicU64,
    pub remote_relay_candidates: AtomicU64,
}

impl Counters {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The latest round-trip time, `None` while unknown.
    #[must_use]
    pub fn rtt(&self) -> Option<std::time::Duration> {
        let us = self.rtt_us.load(Ordering::Relaxed);
        (us != 0).then(|| std::time::Duration::from_micros(us))
    }

    /// Sets a counter to a total counted elsewhere.
    pub fn set(counter: &AtomicU64, v: u64) {
        counter.store(v, Ordering::Relaxed);
    }

    /// Publishes the latest round-trip time in seconds (ignored unless > 0).
    pub fn set_rtt_secs(&self, secs: f64) {
        if secs.is_finite() && secs > 0.0 {
            let us = (secs * 1e6).round().max(1.0) as u64;
            self.rtt_us.store(us, Ordering::Relaxed);
        }
    }

    /// A plain copy of every counter.
    #[must_use]
    pub fn snapshot(&self) -> CounterSnapshot {
        let l = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CounterSnapshot {
            video_frames_sent: l(&self.video_frames_sent),
            video_bytes_sent: l(&self.video_bytes_sent),
            audio_bytes_sent: l(&self.audio_bytes_sent),
            audio_packets_sent: l(&self.audio_packets_sent),
            video_bytes_received: l(&self.video_bytes_received),
            video_frames_received: l(&self.video_frames_received),
            video_frames_decoded: l(&self.video_frames_decoded),
            video_frames_lost: l(&self.video_frames_lost),
            video_frames_skipped: l(&self.video_frames_skipped),
            audio_bytes_received: l(&self.audio_bytes_received),
            audio_packets_received: l(&self.audio_packets_received),
            audio_packets_lost: l(&self.audio_packets_lost),
            audio_samples_played: l(&self.audio_samples_played),
            audio_concealed_samples: l(&self.audio_concealed_samples),
            audio_fec_samples: l(&self.audio_fec_samples),
            audio_red_samples: l(&self.audio_red_samples),
            audio_stretched_samples: l(&self.audio_stretched_samples),
            audio_underruns: l(&self.audio_underruns),
            audio_late_packets: l(&self.audio_late_packets),
            audio_delay_p50_us: l(&self.audio_delay_p50_us),
            audio_delay_p95_us: l(&self.audio_delay_p95_us),
            audio_target_delay_us: l(&self.audio_target_delay_us),
            sync_video_delay_us: l(&self.sync_video_delay_us),
            sync_audio_delay_us: l(&self.sync_audio_delay_us),
            sync_offset_abs_us: l(&self.sync_offset_abs_us),
            sync_corrections: l(&self.sync_corrections),
            keyframe_requests_received: l(&self.keyframe_requests_received),
            video_keyframes_sent: l(&self.video_keyframes_sent),
            video_keyframes_on_request: l(&self.video_keyframes_on_request),
            plis_sent: l(&self.plis_sent),
            video_sent_size: l(&self.video_sent_size),
            video_received_size: l(&self.video_received_size),
            video_target_kbps: l(&self.video_target_kbps),
            video_frames_dropped_by_encoder: l(&self.video_frames_dropped_by_encoder),
            video_frames_dropped_pushback: l(&self.video_frames_dropped_pushback),
            video_send_fps: l(&self.video_send_fps),
            rtt_us: l(&self.rtt_us),
            nacks_sent: l(&self.nacks_sent),
            nack_packets_requested: l(&self.nack_packets_requested),
            video_packets_repaired: l(&self.video_packets_repaired),
            video_keyframes_received: l(&self.video_keyframes_received),
            video_playout_delay_us: l(&self.video_playout_delay_us),
            video_freezes: l(&self.video_freezes),
            video_freeze_ms: l(&self.video_freeze_ms),
            video_fec_packets_sent: l(&self.video_fec_packets_sent),
            video_fec_recovered: l(&self.video_fec_recovered),
            rtcp_nacks_sent: l(&self.rtcp_nacks_sent),
            rtcp_nacks_received: l(&self.rtcp_nacks_received),
            rtcp_plis_sent: l(&self.rtcp_plis_sent),
            rtcp_plis_received: l(&self.rtcp_plis_received),
            rtcp_firs_sent: l(&self.rtcp_firs_sent),
            rtcp_firs_received: l(&self.rtcp_firs_received),
            retransmitted_packets_sent: l(&self.retransmitted_packets_sent),
            retransmitted_bytes_sent: l(&self.retransmitted_bytes_sent),
            retransmitted_packets_received: l(&self.retransmitted_packets_received),
            retransmitted_bytes_received: l(&self.retransmitted_bytes_received),
            fec_packets_received: l(&self.fec_packets_received),
            fec_packets_discarded: l(&self.fec_packets_discarded),
            remote_host_candidates: l(&self.remote_host_candidates),
            remote_srflx_candidates: l(&self.remote_srflx_candidates),
            remote_relay_candidates: l(&self.remote_relay_candidates),
        }
    }
}

/// A copy of [`Counters`] at one moment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct CounterSnapshot {
    pub video_frames_sent: u64,
    pub video_bytes_sent: u64,
    pub audio_bytes_sent: u64,
    pub audio_packets_sent: u64,
    pub video_bytes_received: u64,
    pub video_frames_received: u64,
    pub video_frames_decoded: u64,
    pub video_frames_lost: u64,
    pub video_frames_skipped: u64,
    pub audio_bytes_received: u64,
    pub audio_packets_received: u64,
    pub audio_packets_lost: u64,
    pub audio_samples_played: u64,
    pub audio_concealed_samples: u64,
    pub audio_fec_samples: u64,
    pub audio_red_samples: u64,
    pub audio_stretched_samples: u64,
    pub audio_underruns: u64,
    pub audio_late_packets: u64,
    pub audio_delay_p50_us: u64,
    pub audio_delay_p95_us: u64,
    pub audio_target_delay_us: u64,
    pub sync_video_delay_us: u64,
    pub sync_audio_delay_us: u64,
    pub sync_offset_abs_us: u64,
    pub sync_corrections: u64,
    pub keyframe_requests_received: u64,
    pub video_keyframes_sent: u64,
    pub video_keyframes_on_request: u64,
    pub plis_sent: u64,
    pub video_sent_size: u64,
    pub video_received_size: u64,
    pub video_target_kbps: u64,
    pub video_frames_dropped_by_encoder: u64,
    pub video_frames_dropped_pushback: u64,
    pub video_send_fps: u64,
    pub rtt_us: u64,
    pub nacks_sent: u64,
    pub nack_packets_requested: u64,
    pub video_packets_repaired: u64,
    pub video_keyframes_received: u64,
    pub video_playout_delay_us: u64,
    pub video_freezes: u64,
    pub video_freeze_ms: u64,
    pub video_fec_packets_sent: u64,
    pub video_fec_recovered: u64,
    pub rtcp_nacks_sent: u64,
    pub rtcp_nacks_received: u64,
    pub rtcp_plis_sent: u64,
    pub rtcp_plis_received: u64,
    pub rtcp_firs_sent: u64,
    pub rtcp_firs_received: u64,
    pub retransmitted_packets_sent: u64,
    pub retransmitted_bytes_sent: u64,
    pub retransmitted_packets_received: u64,
    pub retransmitted_bytes_received: u64,
    pub fec_packets_received: u64,
    pub fec_packets_discarded: u64,
    pub remote_host_candidates: u64,
    pub remote_srflx_candidates: u64,
    pub remote_relay_candidates: u64,
}

/// Stats of one interval (normally one second).
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallStats {
    /// Round-trip time, ms: from the peer's receiver reports on our video when
    /// known, else the selected candidate pair's STUN round trip.
    pub rtt_ms: Option<f64>,
    /// Media bitrate sent, kbit/s.
    pub bitrate_out_kbps: f64,
    /// Media bitrate received, kbit/s.
    pub bitrate_in_kbps: f64,
    /// Fraction of packets lost inbound over the call so far (0..1).
    pub packet_loss: f64,
    /// Inbound jitter, ms (largest of the streams).
    pub jitter_ms: Option<f64>,
    /// Video frames per second sent.
    pub fps_out: f64,
    /// Video frames per second received (decoded).
    pub fps_in: f64,
    /// Sent resolution.
    pub resolution_out: Option<(u32, u32)>,
    /// Received resolution.
    pub resolution_in: Option<(u32, u32)>,
    /// The selected candidate pair's local candidate type: `host`, `srflx`, `prflx`
    /// or `relay`.
    pub candidate_type: Option<String>,
    /// The selected candidate pair's remote candidate type (same values).
    pub remote_candidate_type: Option<String>,
    /// The local address the selected pair's socket uses (its candidate's base): a host
    /// candidate's address, a reflexive one's related address; for a relay candidate
    /// the related address webrtc reports (the mapped one, not ours).
    pub local_base: Option<std::net::IpAddr>,
    /// The congestion controller's video target, kbit/s.
    pub video_target_kbps: u64,
    /// Counters since the start of the call (boxed: they outweigh the rest, and
    /// the stats travel in event enums).
    pub totals: Box<CounterSnapshot>,
}

/// Packs a size for the atomics.
#[must_use]
pub fn pack_size(width: u32, height: u32) -> u64 {
    (u64::from(width) << 16) | u64::from(height)
}

/// Unpacks a size; `None` if never set.
#[must_use]
pub fn unpack_size(v: u64) -> Option<(u32, u32)> {
    (v != 0).then_some(((v >> 16) as u32, (v & 0xffff) as u32))
}

/// Rates between two snapshots `secs` apart.
#[must_use]
pub fn rates(prev: &CounterSnapshot, now: &CounterSnapshot, secs: f64) -> CallStats {
    let secs = secs.max(1e-3);
    let bytes_out = (now.video_bytes_sent + now.audio_bytes_sent)
        .saturating_sub(prev.video_bytes_sent + prev.audio_bytes_sent);
    let bytes_in = (now.video_bytes_received + now.audio_bytes_received)
        .saturating_sub(prev.video_bytes_received + prev.audio_bytes_received);
    CallStats {
        bitrate_out_kbps: bytes_out as f64 * 8.0 / 1000.0 / secs,
        bitrate_in_kbps: bytes_in as f64 * 8.0 / 1000.0 / secs,
        fps_out: now.video_frames_sent.saturating_sub(prev.video_frames_sent) as f64 / secs,
        fps_in: now
            .video_frames_decoded
            .saturating_sub(prev.video_frames_decoded) as f64
            / secs,
        resolution_out: unpack_size(now.video_sent_size),
        resolution_in: unpack_size(now.video_received_size),
        video_target_kbps: now.video_target_kbps,
        totals: Box::new(*now),
        ..CallStats::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_over_one_second() {
        let prev = CounterSnapshot::default();
        let now = CounterSnapshot {
            video_bytes_sent: 125_000,
            video_frames_sent: 30,
            video_frames_decoded: 29,
            video_sent_size: pack_size(1280, 720),
            ..CounterSnapshot::default()
        };
        let s = rates(&prev, &now, 1.0);
        assert!((s.bitrate_out_kbps - 1000.0).abs() < 1e-9);
        assert!((s.fps_out - 30.0).abs() < 1e-9);
        assert!((s.fps_in - 29.0).abs() < 1e-9);
        assert_eq!(s.resolution_out, Some((1280, 720)));
        assert_eq!(s.resolution_in, None);
    }
}
