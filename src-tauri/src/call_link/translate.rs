//! The shell's reaction to each engine event, as a pure function: the shell's model in, the
//! effects to carry out (UI events, the ringtone, a notification, taking over the local
//! server) out. No I/O here; `call_link` executes the effects.
//!
//! The ringtone rings exactly while a call rings here: it starts with `IncomingCall` (once,
//! even if a second one came) and stops as soon as the ringing call changes state (accepted,
//! declined, cancelled, timed out, ended) or the engine closes.

use std::collections::BTreeMap;
use std::time::Duration;

use peercall_engine::call::{CallId, CallState, Direction, PeerId};
use peercall_engine::engine::EngineErrorCode;
use peercall_engine::EngineEvent;
use peercall_signal::client::ClientError;

use crate::error::ErrorCode;

use super::words;
use crate::ui_events::{
    AppNotice, CallStatsUpdate, CallStatus, ChatReceived, ConnectionStatus, IncomingCall, Peer,
    PeersChanged, RemoteMediaState,
};
use crate::ui_states::{CallDirection, CallPhase, ConnectionState, EndCode};

/// Which signaling server the engine talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMode {
    /// The zero-config local server: `hosting` is set when this app hosts it.
    Local { hosting: Option<String> },
    /// A server from the settings.
    Remote,
}

/// One event for the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum UiEvent {
    Connection(ConnectionStatus),
    Peers(PeersChanged),
    Incoming(IncomingCall),
    Call(CallStatus),
    Chat(ChatReceived),
    RemoteMedia(RemoteMediaState),
    Stats(Box<CallStatsUpdate>),
    Notice(AppNotice),
}

/// Something the shell does in answer to an engine event.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Ui(UiEvent),
    /// A desktop notification of a call from `caller`.
    NotifyIncoming {
        caller: String,
    },
    StartRingtone,
    StopRingtone,
    /// Host the local server if nobody serves its port any more; report the outcome with
    /// [`server_taken_over`].
    TakeOverServer,
    /// The engine is gone: stop handling its events.
    Finish,
}

/// What the shell knows between engine events.
#[derive(Debug, Clone)]
pub struct ShellModel {
    /// Everyone else in the room, by id.
    peers: BTreeMap<String, Peer>,
    server: ServerMode,
    /// The call ringing here (the ringtone plays exactly while this is set).
    ringing: Option<CallId>,
    /// The connection status last sent to the UI.
    connection: Option<ConnectionStatus>,
    /// Whether this engine is still the app's current one (a reconnect from the settings
    /// replaces it; the old one's late `Closed` must not turn the status offline). The
    /// driver refreshes it before each event.
    pub current: bool,
}

impl ShellModel {
    pub fn new(server: ServerMode) -> Self {
        Self {
            peers: BTreeMap::new(),
            server,
            ringing: None,
            connection: None,
            current: true,
        }
    }

    /// Whether the ringtone should be playing.
    #[cfg(test)]
    pub fn is_ringing(&self) -> bool {
        self.ringing.is_some()
    }

    fn hosting(&self) -> Option<String> {
        match &self.server {
            ServerMode::Local { hosting } => hosting.clone(),
            ServerMode::Remote => None,
        }
    }

    fn name_of(&self, id: &PeerId) -> String {
        self.peers
            .get(&id.0)
            .map_or_else(|| "Your contact".to_owned(), |p| p.name.clone())
    }

    fn peers_event(&self) -> Effect {
        Effect::Ui(UiEvent::Peers(PeersChanged {
            peers: self.peers.values().cloned().collect(),
        }))
    }

    fn status(
        &mut self,
        state: ConnectionState,
        detail: String,
        retry: Option<Duration>,
    ) -> Effect {
        let status = ConnectionStatus {
            state,
            detail,
            // Offline shows no address to join.
            hosting: self.hosting().filter(|_| state != ConnectionState::Offline),
            retry_in_ms: retry.map(|d| u32::try_from(d.as_millis()).unwrap_or(u32::MAX)),
            code: None,
        };
        self.connection = Some(status.clone());
        Effect::Ui(UiEvent::Connection(status))
    }

    fn stop_ringing(&mut self) -> Option<Effect> {
        self.ringing.take().map(|_| Effect::StopRingtone)
    }
}

/// The effects of one engine event; updates `model`.
pub fn translate(event: EngineEvent, model: &mut ShellModel) -> Vec<Effect> {
    match event {
        EngineEvent::Connected { id, peers } => {
            model.peers = peers
                .into_iter()
                .map(|p| (p.id.0.clone(), words::peer(p)))
                .collect();
            let status = model.status(ConnectionState::Online, format!("Connected as {id}"), None);
            vec![model.peers_event(), status]
        }
        EngineEvent::Reconnecting { attempt, delay } => {
            tracing::info!(attempt, ?delay, "reconnecting to the server");
            let detail = "Lost the connection to the server.".to_owned();
            let mut effects =
                vec![model.status(ConnectionState::Reconnecting, detail, Some(delay))];
            if model.server == (ServerMode::Local { hosting: None }) {
                // The app hosting the local server may have quit: take over, so this
                // reconnect attempt (same URL) reaches our own server.
                effects.push(Effect::TakeOverServer);
            }
            effects
        }
        EngineEvent::Reconnected => {
            vec![model.status(ConnectionState::Online, "Reconnected".into(), None)]
        }
        EngineEvent::PeerJoined(p) | EngineEvent::PeerUpdated(p) => {
            model.peers.insert(p.id.0.clone(), words::peer(p));
            vec![model.peers_event()]
        }
        EngineEvent::PeerLeft(id) => {
            model.peers.remove(&id.0);
            vec![model.peers_event()]
        }
        EngineEvent::IncomingCall { call, peer, .. } => incoming_call(call, &peer, model),
        EngineEvent::CallState {
            call,
            peer,
            direction,
            state,
        } => call_state(&call, &peer, direction, &state, model),
        EngineEvent::Chat { text } => vec![Effect::Ui(UiEvent::Chat(ChatReceived { text }))],
        EngineEvent::RemoteMedia {
            mic_muted,
            camera_on,
        } => vec![Effect::Ui(UiEvent::RemoteMedia(RemoteMediaState {
            mic_muted,
            camera_on,
        }))],
        EngineEvent::Stats(s) => vec![Effect::Ui(UiEvent::Stats(Box::new(words::stats(s))))],
        EngineEvent::Error {
            code: EngineErrorCode::SignalingClosed,
            message,
        } => {
            // The client gave up on the server (it retries what time can fix by itself).
            tracing::warn!(%message, "the signaling client gave up");
            if !model.current {
                return Vec::new();
            }
            model.peers.clear();
            // A LAN host that came back with another certificate than the one pinned.
            let changed = ClientError::CertificateChanged.to_string();
            let (words, code) = if message.contains(&changed) {
                let words = "The host's certificate changed: enter its code again in Settings.";
                (words, Some(ErrorCode::HostCertificateChanged))
            } else {
                let words = "The server closed the connection. Reconnect from Settings.";
                (words, None)
            };
            let mut status = model.status(ConnectionState::Offline, words.into(), None);
            if let Effect::Ui(UiEvent::Connection(status)) = &mut status {
                status.code = code;
            }
            vec![status, model.peers_event()]
        }
        EngineEvent::Error { code, message } => {
            tracing::warn!(%code, %message, "engine error");
            words::notice(code, &message)
                .map(|(code, message)| Effect::Ui(UiEvent::Notice(AppNotice { code, message })))
                .into_iter()
                .collect()
        }
        EngineEvent::Closed { reason } => closed(&reason, model),
        EngineEvent::CallRepaired { call, peer } => {
            // The same call with the peer's new id after a server restart: the UI's call
            // goes on as it was, the next states name the new id.
            tracing::info!(%call, %peer, "call re-paired with the peer's new id");
            Vec::new()
        }
        // The UI counts the frames it draws itself.
        EngineEvent::FirstRemoteFrame => Vec::new(),
        EngineEvent::DataChannelFlood { dropped } => {
            tracing::warn!(dropped, "the peer floods the call's data channel");
            Vec::new()
        }
    }
}

/// The outcome of [`Effect::TakeOverServer`]: `hosting` is the address others can join when
/// this app now hosts the local server. Sends the status again when that changed it.
pub fn server_taken_over(hosting: Option<String>, model: &mut ShellModel) -> Vec<Effect> {
    if hosting.is_none() || model.server != (ServerMode::Local { hosting: None }) {
        return Vec::new();
    }
    model.server = ServerMode::Local { hosting };
    let Some(mut status) = model.connection.clone() else {
        return Vec::new();
    };
    status.hosting = model.hosting();
    model.connection = Some(status.clone());
    vec![Effect::Ui(UiEvent::Connection(status))]
}

fn incoming_call(call: CallId, peer: &PeerId, model: &mut ShellModel) -> Vec<Effect> {
    let peer_name = model.name_of(peer);
    let mut effects = vec![Effect::Ui(UiEvent::Incoming(IncomingCall {
        peer_id: peer.0.clone(),
        peer_name: peer_name.clone(),
    }))];
    if model.ringing.replace(call).is_none() {
        effects.push(Effect::StartRingtone);
    }
    effects.push(Effect::NotifyIncoming { caller: peer_name });
    effects
}

fn call_state(
    call: &CallId,
    peer: &PeerId,
    direction: Direction,
    state: &CallState,
    model: &mut ShellModel,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    let leaves_ringing = *state != CallState::IncomingRinging;
    if leaves_ringing && model.ringing.as_ref() == Some(call) {
        effects.extend(model.stop_ringing());
    }
    let peer_name = model.name_of(peer);
    let (end_code, end_message) = match state {
        CallState::Ended(reason) => (
            Some(EndCode::from(reason)),
            Some(words::end_message(reason, &peer_name, direction)),
        ),
        _ => (None, None),
    };
    effects.push(Effect::Ui(UiEvent::Call(CallStatus {
        state: CallPhase::from(state),
        peer_id: peer.0.clone(),
        peer_name,
        direction: CallDirection::from(direction),
        end_code,
        end_message,
    })));
    effects
}

fn closed(reason: &str, model: &mut ShellModel) -> Vec<Effect> {
    tracing::info!(reason, "engine closed");
    let mut effects: Vec<Effect> = model.stop_ringing().into_iter().collect();
    // A replaced engine's late close says nothing: the newer one reports its own status.
    if model.current {
        model.peers.clear();
        effects.push(model.status(
            ConnectionState::Offline,
            "Disconnected from the server.".into(),
            None,
        ));
        effects.push(model.peers_event());
    }
    effects.push(Effect::Finish);
    effects
}
