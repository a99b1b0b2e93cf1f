//! Peercall's Tauri shell: a thin layer that wires the webview UI to the Rust core.
//!
//! - [`ipc`]: the typed command/event surface (generates `ui/src/bindings.ts`)
//! - [`commands`]: commands by topic, a few lines each
//! - [`state`]: the shell's state in one place (frame bridge, live device checks)
//! - [`devices_check`]: camera preview, mic meter and test sound for the settings dialog
//! - [`settings`]: persistence with tauri-plugin-store
//! - [`logging`]: `tracing` to stderr and a daily log file

mod call_link;
mod commands;
mod connection;
mod devices_check;
mod error;
mod frames;
mod ipc;
mod local_server;
mod logging;
mod notify;
mod settings;
mod state;
mod ui_events;

pub use error::AppError;

use tauri::Manager;

/// Builds and runs the app until its last window closes.
pub fn run() -> Result<(), tauri::Error> {
    let ipc = ipc::builder();
    tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(ipc.invoke_handler())
        .setup(move |app| {
            let log_dir = logging::init(app.handle());
            tracing::info!(version = env!("CARGO_PKG_VERSION"), log_dir = ?log_dir, "Peercall starting");
            ipc.mount_events(app);
            let bridge = tauri::async_runtime::block_on(peercall_bridge::FrameBridge::start())?;
            app.manage(state::AppState::new(bridge));
            Ok(())
        })
        .run(tauri::generate_context!())
}
