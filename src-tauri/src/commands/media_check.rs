//! The settings dialog's live checks: camera preview, microphone level, speaker test sound.

use tauri::{AppHandle, State};

use crate::devices_check::{self, MicMeter, Preview};
use crate::settings::Resolution;
use crate::state::AppState;
use crate::AppError;

/// Starts (or restarts) the local preview from `camera` at `resolution`; frames go over the bridge.
#[tauri::command]
#[specta::specta]
pub async fn start_preview(
    state: State<'_, AppState>,
    camera: String,
    resolution: Resolution,
) -> Result<(), AppError> {
    let publisher = state
        .bridge
        .publisher(peercall_bridge::StreamId::LocalPreview);
    state.stop_preview();
    let preview =
        tokio::task::spawn_blocking(move || Preview::start(&camera, resolution, publisher))
            .await??;
    state.set_preview(preview);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn stop_preview(state: State<'_, AppState>) {
    state.stop_preview();
}

/// Starts the microphone level meter: `MicLevel` events about ten times a second.
#[tauri::command]
#[specta::specta]
pub async fn start_mic_meter(
    app: AppHandle,
    state: State<'_, AppState>,
    microphone: String,
) -> Result<(), AppError> {
    state.stop_mic_meter();
    let meter = tokio::task::spawn_blocking(move || MicMeter::start(&microphone, app)).await??;
    state.set_mic_meter(meter);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn stop_mic_meter(state: State<'_, AppState>) {
    state.stop_mic_meter();
}

/// Plays a short two-tone chime through `speaker`; returns when it has played.
#[tauri::command]
#[specta::specta]
pub async fn play_test_sound(speaker: String) -> Result<(), AppError> {
    tokio::task::spawn_blocking(move || devices_check::play_test_sound(&speaker)).await?
}
