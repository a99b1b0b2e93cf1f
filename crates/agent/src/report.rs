//! The JSON report printed at exit with `--report json`.

use serde::Serialize;

/// How the agent's call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A call took place.
    Ok,
    /// The callee declined (or we declined, as `--reject`).
    Rejected,
    /// The callee was busy (or we were, as `--busy`).
    Busy,
    /// Nobody answered.
    Timeout,
    /// Anything else: server unreachable, peer not found, ICE failed, …
    Failed,
}

/// Setup times, ms.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Setup {
    pub offer_to_connected: Option<f64>,
    pub offer_to_first_frame: Option<f64>,
}

/// Latency percentiles, ms.
#[derive(Debug, Default, Serialize)]
pub struct Latency {
    pub p50: Option<f64>,
    pub p95: Option<f64>,
}

/// Received video.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoReport {
    pub frames_received: u64,
    /// Frames the network lost for good (gaps the receiver could not repair).
    pub frames_lost: u64,
    /// Late frames skipped (discardable ones the next frame did not need).
    pub frames_skipped: u64,
    /// Stamp numbers never seen (lost, or skipped by the sender's camera queue).
    pub stamp_gaps: u64,
    /// Stamped frames shown after a newer one.
    pub frames_out_of_order: u64,
    /// Frames this agent sent.
    pub frames_sent: u64,
    pub frames_assembled: u64,
    pub frames_decoded: u64,
    pub keyframe_requests_sent: u64,
    pub keyframe_requests_received: u64,
    /// Keyframes this agent sent, and those of them its encoder made for the peer's
    /// keyframe requests (PLI/FIR).
    pub keyframes_sent: u64,
    pub keyframes_on_request: u64,
    /// Frames taken off the remote-video queue (shown) per second of call.
    pub fps: f64,
    /// Received (current) resolution.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Capture → decode, ms.
    pub latency_ms: Latency,
    /// Frames shown: taken off the remote-video queue.
    pub frames_rendered: u64,
    /// Frames shown per second: over the call, and the lowest and median of the
    /// whole seconds from the first frame on.
    pub rendered_fps: FpsReport,
    /// Freezes at playout, Chromium's definition.
    pub freezes: Freezes,
    /// The longest gap between two frames shown, ms (an ICE restart's pause).
    pub longest_pause_ms: f64,
    /// Frames shown after that gap: the video came back.
    pub frames_after_longest_pause: u64,
    /// Capture → playout (the agent taking the frame), ms: glass-to-glass.
    pub glass_to_glass_ms: Latency,
    /// Decode → playout, ms.
    pub playout_delay_ms: Latency,
    /// Sent (current) resolution, and frames sent per second of call.
    pub sent_width: Option<u32>,
    pub sent_height: Option<u32>,
    pub sent_fps: f64,
    /// The congestion controller's video target at the end, kbit/s.
    pub target_kbps: u64,
    /// Its lowest and median over the call's stats ticks, kbit/s.
    pub target_kbps_min: Option<u64>,
    pub target_kbps_median: Option<u64>,
    /// Video payload bitrate sent / received over the call, kbit/s.
    pub sent_kbps: f64,
    pub received_kbps: f64,
    /// RTCP NACKs sent / received (the larger of the engine's own count and the
    /// `webrtc` stats report's).
    pub nacks_sent: u64,
    pub nacks_received: u64,
    /// Packets our NACKs asked for, and holes filled by a late or resent packet.
    pub nack_packets_requested: u64,
    pub packets_repaired: u64,
    /// RTCP PLIs sent / received, FIRs received (the `webrtc` stats report; PLIs sent
    /// falls back to `keyframeRequestsSent`).
    pub plis_sent: u64,
    pub plis_received: u64,
    pub firs_received: u64,
    /// Retransmitted (RTX) packets sent / received, FEC packets received (`webrtc`'s
    /// stats; stays 0: its FlexFEC receiver does not count).
    pub retransmitted_packets_sent: u64,
    pub retransmitted_packets_received: u64,
    pub fec_packets_received: u64,
    /// FlexFEC repair packets we sent, and video packets the peer's rebuilt for us.
    pub fec_packets_sent: u64,
    pub fec_recovered: u64,
}

/// Frames shown per second.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FpsReport {
    /// Over the whole call.
    pub call: f64,
    /// The lowest whole second.
    pub min: Option<f64>,
    /// The median whole second.
    pub median: Option<f64>,
}

/// Freezes: inter-frame intervals at playout ≥ max(3 × mean, mean + 150 ms).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Freezes {
    pub count: u64,
    pub total_seconds: f64,
}

/// The network as the stats reporter saw it.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkReport {
    /// Latest round-trip time, ms.
    pub rtt_ms: Option<f64>,
    /// Median round-trip time over the call's stats ticks, ms.
    pub rtt_ms_median: Option<f64>,
    /// Fraction of inbound packets lost (0..1), at the last tick.
    pub packet_loss: f64,
    /// Largest inbound jitter, ms, at the last tick.
    pub jitter_ms: Option<f64>,
    /// The path media took: the selected candidate pair's types.
    pub path: PathReport,
    /// The candidates the peer signaled, by type: what it let out of its machine.
    pub candidates_received: CandidatesReport,
}

/// Candidates by type.
#[derive(Debug, Default, Serialize)]
pub struct CandidatesReport {
    pub host: u64,
    pub srflx: u64,
    pub relay: u64,
}

/// The selected candidate pair's candidate types: `host`, `srflx`, `prflx` or `relay`
/// (`null` when the call never connected).
#[derive(Debug, Default, Serialize)]
pub struct PathReport {
    pub local: Option<String>,
    pub remote: Option<String>,
}

/// Received audio, and what the jitter buffer did with it (percentages of the
/// samples played; `null` before any).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioReport {
    pub packets_received: u64,
    /// Sequence gaps (less reordered packets that filled them).
    pub packets_lost: u64,
    pub tone_detected: bool,
    pub tone_hz: Option<f32>,
    /// Samples concealed (pitch repetition, comfort noise).
    pub concealed_pct: Option<f64>,
    /// Samples rebuilt from Opus in-band FEC.
    pub fec_pct: Option<f64>,
    /// Samples decoded from RED copies of packets that never came.
    pub red_pct: Option<f64>,
    /// Samples removed or inserted by time-stretching.
    pub stretch_pct: Option<f64>,
    /// Times the buffer ran dry waiting for a late packet.
    pub underruns: u64,
    pub underruns_per_min: Option<f64>,
    /// Packets that came after their audio had been played or concealed.
    pub late_packets: u64,
    /// Audio held in the jitter buffer over the call, ms.
    pub buffer_delay_ms: Latency,
    /// The buffer's target delay at the end, ms.
    pub target_delay_ms: Option<f64>,
    /// Silent runs (≥ 10 ms under −34 dBFS) in the decoded output after the tone started,
    /// the longest, and those over 60 ms.
    pub gaps: u64,
    pub longest_gap_ms: f64,
    pub gaps_over_60ms: u64,
}

/// Lip sync as this receiver met it, and what its sync did.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AvSyncReport {
    /// Video playout minus audio playout of the same capture instant, ms (positive:
    /// the picture after the sound), per beep of the remote tone matched with the
    /// frame captured nearest to it.
    pub offset_ms: Latency,
    /// The 95th percentile of its size, ms (the ±45 ms goal).
    pub offset_abs_p95_ms: Option<f64>,
    /// The same over the beeps captured 5 s or more after the first (the call past its
    /// start: before the first sender reports nothing is synced), ms; reported beside
    /// the figure above, not instead of it.
    pub offset_abs_p95_settled_ms: Option<f64>,
    /// Beeps matched.
    pub samples: u64,
    /// Beep captured → its onset out of the jitter buffer, ms (no speaker included).
    pub mouth_to_ear_ms: Latency,
    /// Extra delay the sync makes video and audio wait at the end, ms.
    pub video_delay_ms: f64,
    pub audio_delay_ms: f64,
    /// The size of the offset the engine last measured from sender reports, ms.
    pub engine_offset_abs_ms: f64,
    /// Times the sync moved a delay during the call.
    pub corrections: u64,
    /// The same beeps heard at the speaker (`--speaker-monitor`; absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker: Option<SpeakerReport>,
}

/// Mouth-to-ear at the speaker: the remote tone's beeps in a recording of the sink's
/// monitor (what the sound server renders; a hardware sink's own buffer comes after).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeakerReport {
    /// The PulseAudio source recorded.
    pub source: String,
    /// Beeps heard there, and of those, found out of the jitter buffer too.
    pub beeps: u64,
    pub matched: u64,
    /// Beep captured → heard at the speaker, ms.
    pub mouth_to_ear_ms: Latency,
    /// The speaker's share: heard at the speaker − out of the jitter buffer, ms, per beep
    /// matched (our queue, the device's buffer, the sound server).
    pub share_ms: Latency,
    /// Why nothing was recorded, if so.
    pub error: Option<String>,
}

/// Chat lines over the data channel.
#[derive(Debug, Default, Serialize)]
pub struct ChatReport {
    pub received: u64,
    pub sent: u64,
}

/// Times the connected call went `reconnecting` (an ICE restart) and came back.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconnectReport {
    /// `reconnecting` states entered.
    pub count: u64,
    /// `reconnecting` → `connected`, ms, each time it came back.
    pub back_after_ms: Vec<f64>,
}

/// The whole report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub result: Outcome,
    pub reason: Option<String>,
    pub setup_ms: Setup,
    pub video: VideoReport,
    pub audio: AudioReport,
    pub av_sync: AvSyncReport,
    pub chat: ChatReport,
    pub network: NetworkReport,
    pub reconnects: ReconnectReport,
    pub call_seconds: f64,
    pub cpu_percent: Option<f64>,
    pub rss_mb: Option<f64>,
}

impl Report {
    /// A report for a run that ended before any call.
    #[must_use]
    pub fn failed(result: Outcome, reason: impl Into<String>) -> Self {
        Self {
            result,
            reason: Some(reason.into()),
            setup_ms: Setup::default(),
            video: VideoReport::default(),
            audio: AudioReport::default(),
            av_sync: AvSyncReport::default(),
            chat: ChatReport::default(),
            network: NetworkReport::default(),
            reconnects: ReconnectReport::default(),
            call_seconds: 0.0,
            cpu_percent: None,
            rss_mb: crate::procstat::rss_mb(),
        }
    }
}
