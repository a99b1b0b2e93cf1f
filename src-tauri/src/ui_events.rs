//! Events the shell sends to the UI (typed; in `ui/src/bindings.ts`). Small JSON only —
//! video frames travel over the frame bridge.

use serde::Serialize;
use specta::Type;

use crate::ui_states::{
    CallDirection, CallPhase, CandidateKind, ConnectionState, EndCode, NoticeCode,
};

/// One other person in the room.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Peer {
    pub id: String,
    pub name: String,
    pub busy: bool,
}

/// The signaling connection, always shown in the header.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionStatus {
    pub state: ConnectionState,
    /// Why we are offline, or where we are connected.
    pub detail: String,
    /// When this app hosts the local server: the address others can join.
    pub hosting: Option<String>,
    /// When reconnecting: milliseconds until the next attempt (the UI counts down).
    pub retry_in_ms: Option<u32>,
    /// What went wrong when it is one of the errors the UI acts on (`detail` says it in
    /// words): a LAN host not proven by its code, or its certificate changed.
    pub code: Option<crate::error::ErrorCode>,
}

/// Everyone else in the room, sent whole on every change.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct PeersChanged {
    pub peers: Vec<Peer>,
}

/// A call is ringing here.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct IncomingCall {
    pub peer_id: String,
    pub peer_name: String,
}

/// The call changed state.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct CallStatus {
    pub state: CallPhase,
    pub peer_id: String,
    pub peer_name: String,
    pub direction: CallDirection,
    /// When ended: why, as a stable code.
    pub end_code: Option<EndCode>,
    /// When ended: words for the user.
    pub end_message: Option<String>,
}

/// A chat line from the other side.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct ChatReceived {
    pub text: String,
}

/// The other side's microphone and camera state.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct RemoteMediaState {
    pub mic_muted: bool,
    pub camera_on: bool,
}

/// Call statistics, each second.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct CallStatsUpdate {
    pub rtt_ms: Option<f64>,
    pub bitrate_in_kbps: f64,
    pub bitrate_out_kbps: f64,
    pub packet_loss_percent: f64,
    pub jitter_ms: Option<f64>,
    pub fps_in: f64,
    pub fps_out: f64,
    pub resolution_in: Option<String>,
    pub resolution_out: Option<String>,
    /// The path's local candidate type.
    pub candidate_type: Option<CandidateKind>,
    /// The path's remote candidate type.
    pub remote_candidate_type: Option<CandidateKind>,
    /// The congestion controller's video target, kbit/s.
    pub target_kbps: f64,
    /// How long received frames are held to absorb jitter and slow repairs, ms.
    pub playout_delay_ms: f64,
    /// Freezes in the video shown so far this call (Chromium's definition) and
    /// their total, seconds.
    pub freezes: f64,
    pub freeze_seconds: f64,
    /// Since the start of the call: NACKs sent / received, keyframe requests sent /
    /// received, packets retransmitted to us / by us.
    pub nacks_sent: f64,
    pub nacks_received: f64,
    pub keyframe_requests_sent: f64,
    pub keyframe_requests_received: f64,
    pub retransmitted_received: f64,
    pub retransmitted_sent: f64,
    /// Since the start of the call: packets FEC rebuilt for us, repair packets we sent.
    pub fec_recovered: f64,
    pub fec_sent: f64,
}

/// Something went wrong that the user should hear about.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct AppNotice {
    pub code: NoticeCode,
    pub message: String,
}
