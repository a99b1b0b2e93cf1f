//! Tests of the shell's event translation: a shared harness (engine events, shell states, a
//! one-line summary of effects) and one file per scenario.

mod ringtone;
mod server;
mod table;

use std::time::Duration;

use peercall_engine::call::{CallId, CallState, Direction, EndReason, MediaKinds, PeerId};
use peercall_engine::stats::CallStats;
use peercall_engine::EngineEvent;
use peercall_signal::protocol::PeerInfo;

use super::translate::{translate, Effect, ServerMode, ShellModel, UiEvent};

pub const ALICE: &str = "alice-id";
pub const CAROL: &str = "carol-id";
pub const FIRST: &str = "call-1";
pub const SECOND: &str = "call-2";
pub const LAN_ADDRESS: &str = "ws://192.168.1.20:7788/ws";

pub fn info(id: &str, name: &str, busy: bool) -> PeerInfo {
    PeerInfo {
        id: peercall_signal::protocol::PeerId(id.into()),
        name: name.into(),
        busy,
    }
}

pub fn connected() -> EngineEvent {
    EngineEvent::Connected {
        id: PeerId("me".into()),
        peers: vec![info(ALICE, "Alice", false)],
    }
}

pub fn incoming(call: &str) -> EngineEvent {
    EngineEvent::IncomingCall {
        call: CallId(call.into()),
        peer: PeerId(ALICE.into()),
        media: MediaKinds::BOTH,
    }
}

pub fn call_state(call: &str, state: CallState) -> EngineEvent {
    EngineEvent::CallState {
        call: CallId(call.into()),
        peer: PeerId(ALICE.into()),
        direction: Direction::Incoming,
        state,
    }
}

pub fn ended(call: &str, reason: EndReason) -> EngineEvent {
    call_state(call, CallState::Ended(reason))
}

pub fn reconnecting() -> EngineEvent {
    EngineEvent::Reconnecting {
        attempt: 2,
        delay: Duration::from_millis(1500),
    }
}

pub fn stats() -> EngineEvent {
    EngineEvent::Stats(CallStats::default())
}

pub fn closed() -> EngineEvent {
    EngineEvent::Closed {
        reason: "shut down".into(),
    }
}

/// The shell states every event is tried in, by name.
pub fn shell_states() -> Vec<(&'static str, ShellModel)> {
    let client = ServerMode::Local { hosting: None };
    let hosting = ServerMode::Local {
        hosting: Some(LAN_ADDRESS.into()),
    };
    let online = |server: ServerMode| {
        let mut model = ShellModel::new(server);
        translate(connected(), &mut model);
        translate(
            EngineEvent::PeerJoined(info(CAROL, "Carol", false)),
            &mut model,
        );
        model
    };
    let mut ringing = online(client.clone());
    translate(incoming(FIRST), &mut ringing);
    translate(call_state(FIRST, CallState::IncomingRinging), &mut ringing);
    let mut in_call = ringing.clone();
    translate(call_state(FIRST, CallState::Connecting), &mut in_call);
    translate(call_state(FIRST, CallState::Connected), &mut in_call);
    let mut replaced = ringing.clone();
    replaced.current = false;
    vec![
        ("new", ShellModel::new(client.clone())),
        ("online", online(client)),
        ("hosting", online(hosting)),
        ("remote", online(ServerMode::Remote)),
        ("ringing", ringing),
        ("in call", in_call),
        ("replaced", replaced),
    ]
}

/// Effects in a few words each, space-separated (`ring`, `status:online+host`, `peers:2`…).
pub fn summary(effects: &[Effect]) -> String {
    effects.iter().map(word).collect::<Vec<_>>().join(" ")
}

fn word(effect: &Effect) -> String {
    match effect {
        Effect::Ui(UiEvent::Connection(s)) => {
            let host = if s.hosting.is_some() { "+host" } else { "" };
            format!("status:{}{host}", wire(&s.state))
        }
        Effect::Ui(UiEvent::Peers(p)) => format!("peers:{}", p.peers.len()),
        Effect::Ui(UiEvent::Incoming(i)) => format!("incoming:{}", i.peer_name),
        Effect::Ui(UiEvent::Call(c)) => match &c.end_code {
            Some(code) => format!("call:{}:{}", wire(&c.state), wire(code)),
            None => format!("call:{}", wire(&c.state)),
        },
        Effect::Ui(UiEvent::Chat(_)) => "chat".into(),
        Effect::Ui(UiEvent::RemoteMedia(_)) => "media".into(),
        Effect::Ui(UiEvent::Stats(_)) => "stats".into(),
        Effect::Ui(UiEvent::Notice(n)) => format!("notice:{}", wire(&n.code)),
        Effect::NotifyIncoming { caller } => format!("notify:{caller}"),
        Effect::StartRingtone => "ring".into(),
        Effect::StopRingtone => "unring".into(),
        Effect::TakeOverServer => "takeover".into(),
        Effect::Finish => "finish".into(),
    }
}

/// The word a typed state is sent to the UI as.
fn wire<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(word)) => word,
        other => format!("{other:?}"),
    }
}

/// A speaker that plays what the effects say: fails the test if two ringtones would overlap
/// or a ringtone is stopped that does not play.
#[derive(Debug, Default)]
pub struct Speaker {
    pub ringing: bool,
    pub rings_started: usize,
}

impl Speaker {
    pub fn apply(&mut self, effects: &[Effect]) {
        for effect in effects {
            match effect {
                Effect::StartRingtone => {
                    assert!(!self.ringing, "a second ringtone over the first");
                    self.ringing = true;
                    self.rings_started += 1;
                }
                Effect::StopRingtone => {
                    assert!(self.ringing, "stopping a ringtone that does not play");
                    self.ringing = false;
                }
                _ => {}
            }
        }
    }
}
