//! The link between the shell and the call engine: connects with the user's settings,
//! forwards engine events to the UI as typed events, and pumps remote video and the local
//! preview into the frame bridge. The engine owns every call decision; this only translates.

use std::collections::BTreeMap;
use std::time::Duration;

use peercall_bridge::{FramePublisher, StreamId};
use peercall_engine::call::{CallState, Direction, EndReason, Side};
use peercall_engine::devices::{AudioSource, VideoSource};
use peercall_engine::{Engine, EngineConfig, EngineEvent, EngineMedia};
use peercall_media::camera::TEST_PATTERN_ID;
use peercall_media::{QueueReceiver, RecvError};
use serde::Serialize;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::settings::Settings;
use crate::state::AppState;
use crate::ui_events::{
    AppNotice, CallStatsUpdate, CallStatus, ChatReceived, ConnectionStatus, IncomingCall, Peer,
    PeersChanged, RemoteMediaState,
};

/// Words for the user at the end of a call (`direction`: who placed it).
pub fn end_message(reason: &EndReason, peer: &str, direction: Direction) -> String {
    match reason {
        EndReason::HungUp(Side::Local) => "Call ended.".into(),
        EndReason::HungUp(Side::Remote) => format!("{peer} hung up."),
        EndReason::Declined(Side::Remote) => format!("{peer} declined the call."),
        EndReason::Declined(Side::Local) => format!("You declined {peer}'s call."),
        EndReason::Busy => format!("{peer} is busy in another call."),
        EndReason::Timeout if direction == Direction::Incoming => {
            format!("You missed a call from {peer}.")
        }
        EndReason::Timeout => format!("No answer from {peer}."),
        EndReason::Cancelled(Side::Local) => "Call cancelled.".into(),
        EndReason::Cancelled(Side::Remote) => format!("{peer} cancelled the call."),
        EndReason::ConnectionFailed => format!("Could not connect to {peer}."),
        EndReason::ConnectionLost => format!("The connection to {peer} was lost."),
        EndReason::PeerLeft => format!("{peer} went offline."),
        EndReason::SignalingLost => "The connection to the server was lost.".into(),
        EndReason::SessionError(err) => format!("The call failed: {err}"),
    }
}

fn state_word(state: &CallState) -> &'static str {
    match state {
        CallState::Idle => "idle",
        CallState::OutgoingRinging => "outgoing",
        CallState::IncomingRinging => "incoming",
        CallState::Connecting => "connecting",
        CallState::Connected => "connected",
        CallState::Reconnecting => "reconnecting",
        CallState::Ended(_) => "ended",
    }
}

/// The engine settings that follow from the user's settings.
pub fn engine_config(url: &str, settings: &Settings) -> EngineConfig {
    let mut config = EngineConfig::new(url, settings.display_name.clone());
    if !settings.server_token.is_empty() {
        config.signaling.token = Some(settings.server_token.clone());
    }
    config.video = match settings.camera.as_str() {
        "" => first_camera(),
        id => VideoSource::parse(id),
    };
    config.audio = match settings.microphone.as_str() {
        "" => AudioSource::Mic("default".into()),
        id => AudioSource::parse(id),
    };
    config.speaker = Some(if settings.speaker.is_empty() {
        "default".into()
    } else {
        settings.speaker.clone()
    });
    let (width, height) = settings.resolution.size();
    config.session.video = peercall_engine::session::VideoSettings::new(width, height, 30);
    // `0.0.0.0:0` gathers every LAN interface; loopback too so two apps on one machine meet.
    config.session.bind_addrs = match std::env::var("PEERCALL_ICE_BIND") {
        Ok(addrs) => addrs.split(',').map(str::to_owned).collect(),
        Err(_) => vec!["0.0.0.0:0".into(), "127.0.0.1:0".into()],
    };
    config.preview = true;
    config
}

/// The system's camera when it has one, else the test pattern (so a call still shows video).
fn first_camera() -> VideoSource {
    match peercall_media::camera::list_native_cameras().first() {
        Some(camera) => VideoSource::Camera(camera.id.clone()),
        None => VideoSource::parse(TEST_PATTERN_ID),
    }
}

/// Which signaling server the engine talks to.
pub enum ServerMode {
    /// The zero-config local server: `hosting` is set when this app hosts it.
    Local { hosting: Option<String> },
    /// A server from the settings.
    Remote,
}

impl ServerMode {
    /// The address others can join, when this app hosts the local server.
    fn hosting(&self) -> Option<String> {
        match self {
            ServerMode::Local { hosting } => hosting.clone(),
            ServerMode::Remote => None,
        }
    }
}

/// Runs until the engine closes: events → UI, frames → bridge.
pub fn spawn(
    app: AppHandle,
    engine: Engine,
    generation: u64,
    events: UnboundedReceiver<EngineEvent>,
    media: EngineMedia,
    server: ServerMode,
    speaker: String,
) {
    let state = app.state::<AppState>();
    pump_frames(
        "remote-video",
        media.remote_video,
        state.bridge.publisher(StreamId::Remote),
        |f| f.frame,
    );
    pump_frames(
        "call-preview",
        media.preview,
        state.bridge.publisher(StreamId::LocalPreview),
        |f| f,
    );
    tauri::async_runtime::spawn(forward_events(
        app, engine, generation, events, server, speaker,
    ));
}

fn pump_frames<T: Send + 'static>(
    name: &str,
    frames: QueueReceiver<T>,
    publisher: FramePublisher,
    to_frame: impl Fn(T) -> peercall_media::VideoFrame + Send + 'static,
) {
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || loop {
            match frames.recv_timeout(Duration::from_millis(500)) {
                Ok(item) => crate::frames::publish(&publisher, &to_frame(item)),
                Err(RecvError::Timeout) => {}
                Err(RecvError::Closed) => {
                    publisher.clear();
                    break;
                }
            }
        });
    if let Err(err) = spawned {
        tracing::error!(%err, "cannot start the frame pump");
    }
}

async fn forward_events(
    app: AppHandle,
    engine: Engine,
    generation: u64,
    mut events: UnboundedReceiver<EngineEvent>,
    server: ServerMode,
    speaker: String,
) {
    let mut server = server;
    let state = app.state::<AppState>();
    let mut peers: BTreeMap<String, Peer> = BTreeMap::new();
    let name_of = |peers: &BTreeMap<String, Peer>, id: &str| {
        peers
            .get(id)
            .map_or_else(|| "Your contact".to_owned(), |p| p.name.clone())
    };
    let send_peers = |peers: &BTreeMap<String, Peer>| {
        emit(
            &app,
            PeersChanged {
                peers: peers.values().cloned().collect(),
            },
        );
    };
    while let Some(event) = events.recv().await {
        match event {
            EngineEvent::Connected { id, peers: list } => {
                peers = list
                    .into_iter()
                    .map(|p| (p.id.0.clone(), peer(p)))
                    .collect();
                send_peers(&peers);
                emit(
                    &app,
                    ConnectionStatus {
                        state: "online".into(),
                        detail: format!("Connected as {id}"),
                        hosting: server.hosting(),
                        retry_in_ms: None,
                    },
                );
            }
            EngineEvent::Reconnecting { attempt, delay } => {
                if let ServerMode::Local {
                    hosting: hosting @ None,
                } = &mut server
                {
                    // The app hosting the local server may have quit: take over, so this
                    // reconnect attempt (same URL) reaches our own server.
                    *hosting = state.take_over_local_server().await;
                }
                emit(
                    &app,
                    ConnectionStatus {
                        state: "reconnecting".into(),
                        detail: format!("Connection to the server lost; attempt {attempt}"),
                        hosting: server.hosting(),
                        retry_in_ms: Some(delay.as_millis().min(u128::from(u32::MAX)) as u32),
                    },
                );
            }
            EngineEvent::Reconnected => emit(
                &app,
                ConnectionStatus {
                    state: "online".into(),
                    detail: "Reconnected".into(),
                    hosting: server.hosting(),
                    retry_in_ms: None,
                },
            ),
            EngineEvent::PeerJoined(p) | EngineEvent::PeerUpdated(p) => {
                peers.insert(p.id.0.clone(), peer(p));
                send_peers(&peers);
            }
            EngineEvent::PeerLeft(id) => {
                peers.remove(&id.0);
                send_peers(&peers);
            }
            EngineEvent::IncomingCall { peer: id, .. } => {
                let peer_name = name_of(&peers, &id.0);
                crate::notify::incoming_call(&app, &peer_name);
                match crate::devices_check::Ringtone::start(&speaker) {
                    Ok(ringtone) => state.set_ringtone(Some(ringtone)),
                    Err(err) => tracing::warn!(%err, "no ringtone"),
                }
                emit(
                    &app,
                    IncomingCall {
                        peer_id: id.0,
                        peer_name,
                    },
                );
            }
            EngineEvent::CallState {
                peer: id,
                direction,
                state,
                ..
            } => {
                let peer_name = name_of(&peers, &id.0);
                let (end_code, end_message) = match &state {
                    CallState::Ended(reason) => (
                        Some(reason.code().to_owned()),
                        Some(end_message(reason, &peer_name, direction)),
                    ),
                    _ => (None, None),
                };
                emit(
                    &app,
                    CallStatus {
                        state: state_word(&state).into(),
                        peer_id: id.0,
                        peer_name,
                        direction: if direction == Direction::Outgoing {
                            "outgoing"
                        } else {
                            "incoming"
                        }
                        .into(),
                        end_code,
                        end_message,
                    },
                );
            }
            EngineEvent::Chat { text } => emit(&app, ChatReceived { text }),
            EngineEvent::RemoteMedia {
                mic_muted,
                camera_on,
            } => emit(
                &app,
                RemoteMediaState {
                    mic_muted,
                    camera_on,
                },
            ),
            EngineEvent::Stats(s) => emit(
                &app,
                CallStatsUpdate {
                    rtt_ms: s.rtt_ms,
                    bitrate_in_kbps: s.bitrate_in_kbps,
                    bitrate_out_kbps: s.bitrate_out_kbps,
                    packet_loss_percent: s.packet_loss * 100.0,
                    jitter_ms: s.jitter_ms,
                    fps_in: s.fps_in,
                    fps_out: s.fps_out,
                    resolution_in: s.resolution_in.map(|(w, h)| format!("{w}x{h}")),
                    resolution_out: s.resolution_out.map(|(w, h)| format!("{w}x{h}")),
                    candidate_type: s.candidate_type,
                    target_kbps: s.video_target_kbps as f64,
                    playout_delay_ms: s.totals.video_playout_delay_us as f64 / 1000.0,
                    freezes: s.totals.video_freezes as f64,
                    freeze_seconds: s.totals.video_freeze_ms as f64 / 1000.0,
                    nacks_sent: s.totals.nacks_sent.max(s.totals.rtcp_nacks_sent) as f64,
                    nacks_received: s.totals.rtcp_nacks_received as f64,
                    keyframe_requests_sent: s.totals.plis_sent as f64,
                    keyframe_requests_received: s.totals.keyframe_requests_received as f64,
                    retransmitted_received: s.totals.retransmitted_packets_received as f64,
                    retransmitted_sent: s.totals.retransmitted_packets_sent as f64,
                },
            ),
            EngineEvent::Error { code, message } => {
                tracing::warn!(%code, %message, "engine error");
                emit(&app, AppNotice { code, message });
            }
            EngineEvent::Closed { reason } => {
                if !state.is_current(generation) {
                    break; // replaced by a newer connection, which reports its own status
                }
                state.stop_ringtone();
                emit(
                    &app,
                    ConnectionStatus {
                        state: "offline".into(),
                        detail: reason,
                        hosting: None,
                        retry_in_ms: None,
                    },
                );
                emit(&app, PeersChanged { peers: Vec::new() });
                break;
            }
            _ => {}
        }
    }
    drop(engine);
}

fn peer(p: peercall_signal::protocol::PeerInfo) -> Peer {
    Peer {
        id: p.id.0,
        name: p.name,
        busy: p.busy,
    }
}

fn emit<E: Event + Serialize + Clone>(app: &AppHandle, event: E) {
    if let Err(err) = event.emit(app) {
        tracing::debug!(%err, "event not delivered");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unanswered_call_reads_right_on_each_side() {
        assert_eq!(
            end_message(&EndReason::Timeout, "Bob", Direction::Outgoing),
            "No answer from Bob."
        );
        assert_eq!(
            end_message(&EndReason::Timeout, "Alice", Direction::Incoming),
            "You missed a call from Alice."
        );
        assert_eq!(
            end_message(&EndReason::Busy, "Bob", Direction::Outgoing),
            "Bob is busy in another call."
        );
    }
}
