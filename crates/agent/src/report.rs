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
    /// Stamp numbers never seen (lost, or skipped by the sender's camera queue).
    pub stamp_gaps: u64,
    /// Frames this agent sent.
    pub frames_sent: u64,
    pub frames_assembled: u64,
    pub frames_decoded: u64,
    pub keyframe_requests_sent: u64,
    pub keyframe_requests_received: u64,
    pub fps: f64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub latency_ms: Latency,
}

/// Received audio.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioReport {
    pub packets_received: u64,
    pub tone_detected: bool,
    pub tone_hz: Option<f32>,
}

/// Chat lines over the data channel.
#[derive(Debug, Default, Serialize)]
pub struct ChatReport {
    pub received: u64,
    pub sent: u64,
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
    pub chat: ChatReport,
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
            chat: ChatReport::default(),
            call_seconds: 0.0,
            cpu_percent: None,
            rss_mb: crate::procstat::rss_mb(),
        }
    }
}
