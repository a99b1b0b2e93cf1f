//! Signaling connection and call control: each command is one step of the engine's API.

use peercall_engine::call::PeerId;
use peercall_engine::devices::{AudioSource, VideoSource};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::state::AppState;
use crate::ui_events::ConnectionStatus;
use crate::ui_states::ConnectionState;
use crate::{connection, settings, AppError};

/// (Re)connects to the signaling server of the settings (or the local one) as the saved name.
/// Returns once the attempt has started: the connection status reports how it goes, and
/// failures that time can fix are retried with a countdown.
#[tauri::command]
#[specta::specta]
pub async fn connect(app: AppHandle, state: State<'_, AppState>) -> Result<(), AppError> {
    let settings = settings::load(&app)?;
    if settings.display_name.is_empty() {
        return Err(AppError::InvalidSetting(
            "choose a display name first".into(),
        ));
    }
    let (generation, old) = state.begin_connection();
    if let Some(old) = old {
        old.shutdown().await;
    }
    let _ = ConnectionStatus {
        state: ConnectionState::Connecting,
        detail: String::new(),
        hosting: None,
        retry_in_ms: None,
        code: None,
    }
    .emit(&app);
    state.stop_preview();
    tauri::async_runtime::spawn(connection::run(app.clone(), settings, generation));
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn call_peer(state: State<'_, AppState>, peer_id: String) -> Result<(), AppError> {
    state.engine()?.call(PeerId(peer_id)).await?;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn accept_call(state: State<'_, AppState>) -> Result<(), AppError> {
    Ok(state.engine()?.accept()?)
}

#[tauri::command]
#[specta::specta]
pub fn reject_call(state: State<'_, AppState>) -> Result<(), AppError> {
    Ok(state.engine()?.reject()?)
}

#[tauri::command]
#[specta::specta]
pub fn cancel_call(state: State<'_, AppState>) -> Result<(), AppError> {
    Ok(state.engine()?.cancel()?)
}

#[tauri::command]
#[specta::specta]
pub fn hang_up(state: State<'_, AppState>) -> Result<(), AppError> {
    Ok(state.engine()?.hangup()?)
}

#[tauri::command]
#[specta::specta]
pub fn set_mic_muted(state: State<'_, AppState>, muted: bool) -> Result<(), AppError> {
    Ok(state.engine()?.set_mic_muted(muted)?)
}

#[tauri::command]
#[specta::specta]
pub fn set_camera_on(state: State<'_, AppState>, on: bool) -> Result<(), AppError> {
    Ok(state.engine()?.set_camera_on(on)?)
}

#[tauri::command]
#[specta::specta]
pub fn send_chat(state: State<'_, AppState>, text: String) -> Result<(), AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::InvalidSetting("empty message".into()));
    }
    Ok(state.engine()?.send_chat(text)?)
}

/// Switches the camera mid-call (no renegotiation): a listed id, or `synthetic:test-pattern`.
#[tauri::command]
#[specta::specta]
pub fn switch_camera(state: State<'_, AppState>, camera: String) -> Result<(), AppError> {
    Ok(state.engine()?.switch_camera(VideoSource::parse(&camera))?)
}

/// Switches the microphone mid-call (no renegotiation): a listed id, or `synthetic:tone`.
#[tauri::command]
#[specta::specta]
pub fn switch_microphone(state: State<'_, AppState>, microphone: String) -> Result<(), AppError> {
    Ok(state
        .engine()?
        .switch_microphone(AudioSource::parse(&microphone))?)
}
