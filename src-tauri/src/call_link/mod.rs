//! The link between the shell and the call engine: connects with the user's settings and
//! carries out the effects of engine events (decided by the pure [`translate`]). Pictures do
//! not pass through here: the engine shows them on the frame bridge itself ([`video_sinks`]).
//! The engine owns every call decision; this only translates.

mod config;
#[cfg(test)]
mod tests;
mod translate;
mod words;

use std::collections::VecDeque;
use std::sync::Arc;

use peercall_bridge::{FrameBridge, StreamId};
use peercall_engine::{Engine, EngineEvent, EngineMedia, VideoSinks};
use serde::Serialize;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::devices_check::Ringtone;
use crate::state::AppState;

pub use config::engine_config;
pub use translate::ServerMode;
use translate::{server_taken_over, translate, Effect, ShellModel, UiEvent};

/// The bridge's streams as the engine's sinks: its decoder thread shows the other side's
/// video, the camera's thread our own, each straight into the bridge.
pub fn video_sinks(bridge: &FrameBridge) -> VideoSinks {
    VideoSinks {
        remote: Some(Arc::new(bridge.publisher(StreamId::Remote))),
        preview: Some(Arc::new(bridge.publisher(StreamId::LocalPreview))),
    }
}

/// Runs until the engine closes: events → UI. The engine plays remote audio itself; the
/// app does not read its tap (`media`), which is dropped here.
pub fn spawn(
    app: AppHandle,
    engine: Engine,
    generation: u64,
    events: UnboundedReceiver<EngineEvent>,
    media: EngineMedia,
    server: ServerMode,
    speaker: String,
) {
    drop(media);
    tauri::async_runtime::spawn(forward_events(
        app, engine, generation, events, server, speaker,
    ));
}

/// Handles the engine's events until it closes; owns the ringtone (dropping it stops it).
async fn forward_events(
    app: AppHandle,
    engine: Engine,
    generation: u64,
    mut events: UnboundedReceiver<EngineEvent>,
    server: ServerMode,
    speaker: String,
) {
    let mut model = ShellModel::new(server);
    let mut ringtone: Option<Ringtone> = None;
    while let Some(event) = events.recv().await {
        model.current = app.state::<AppState>().is_current(generation);
        let mut effects: VecDeque<Effect> = translate(event, &mut model).into();
        while let Some(effect) = effects.pop_front() {
            match effect {
                Effect::Ui(event) => emit_ui(&app, event),
                Effect::NotifyIncoming { caller } => crate::notify::incoming_call(&app, &caller),
                Effect::StartRingtone => match Ringtone::start(&speaker) {
                    Ok(started) => stop_off_loop(ringtone.replace(started)),
                    Err(err) => tracing::warn!(%err, "no ringtone"),
                },
                Effect::StopRingtone => stop_off_loop(ringtone.take()),
                Effect::TakeOverServer => {
                    let hosting = take_over(&app).await;
                    effects.extend(server_taken_over(hosting, &mut model));
                }
                Effect::Finish => return,
            }
        }
    }
    drop(engine);
}

/// Stops a ringtone without waiting here for its speaker to close: closing a PulseAudio
/// stream can take a second, and this loop then held back the UI's next state (on Accept the
/// callee's dialog stayed up and its call view came about 1 s late). It stops at once (the
/// worker's flag is set first); only the join waits, on a blocking thread.
fn stop_off_loop(ringtone: Option<Ringtone>) {
    if let Some(ringtone) = ringtone {
        tokio::task::spawn_blocking(move || drop(ringtone));
    }
}

/// Hosts the local server if its host is gone (see [`AppState::take_over_local_server`]).
async fn take_over(app: &AppHandle) -> Option<String> {
    let runtime = crate::local_server::runtime_dir(app)
        .map_err(|err| tracing::warn!(%err, "cannot take over the local server"))
        .ok()?;
    let settings = crate::settings::load(app).unwrap_or_default();
    app.state::<AppState>()
        .take_over_local_server(&runtime, settings.lan_code())
        .await
}

fn emit_ui(app: &AppHandle, event: UiEvent) {
    match event {
        UiEvent::Connection(e) => emit(app, e),
        UiEvent::Peers(e) => emit(app, e),
        UiEvent::Incoming(e) => emit(app, e),
        UiEvent::Call(e) => emit(app, e),
        UiEvent::Chat(e) => emit(app, e),
        UiEvent::RemoteMedia(e) => emit(app, e),
        UiEvent::Stats(e) => emit(app, *e),
        UiEvent::Notice(e) => emit(app, e),
    }
}

fn emit<E: Event + Serialize + Clone>(app: &AppHandle, event: E) {
    if let Err(err) = event.emit(app) {
        tracing::debug!(%err, "event not delivered");
    }
}
