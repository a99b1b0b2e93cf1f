use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::state::AppState;

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    version: String,
    /// Where the page connects to receive the local preview (loopback, with the launch secret).
    preview_url: String,
    /// Where the page connects to receive the remote video.
    remote_url: String,
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BridgeCounters {
    /// Frames handed to the bridge for the local preview since launch.
    preview_published: u32,
    /// Frames handed to the bridge for the remote video since launch.
    remote_published: u32,
}

#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        preview_url: state.bridge.url(peercall_bridge::StreamId::LocalPreview),
        remote_url: state.bridge.url(peercall_bridge::StreamId::Remote),
    }
}

/// Counters for the frame-bridge benchmark (frames produced, to compare with frames drawn).
#[tauri::command]
#[specta::specta]
pub fn bridge_counters(state: State<'_, AppState>) -> BridgeCounters {
    let count = |s| {
        state
            .bridge
            .publisher(s)
            .published()
            .min(u64::from(u32::MAX)) as u32
    };
    BridgeCounters {
        preview_published: count(peercall_bridge::StreamId::LocalPreview),
        remote_published: count(peercall_bridge::StreamId::Remote),
    }
}
