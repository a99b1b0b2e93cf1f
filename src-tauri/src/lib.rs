//! Peercall's Tauri shell: a thin layer that wires the webview UI to the Rust core.
//!
//! Commands live in [`commands`] (a few lines each), settings persistence in
//! [`settings`] (tauri-plugin-store), and logging in [`logging`].

mod commands;
mod error;
mod logging;
mod settings;

pub use error::AppError;

/// Builds and runs the app until its last window closes.
pub fn run() -> Result<(), tauri::Error> {
    tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .setup(|app| {
            let log_dir = logging::init(app.handle());
            tracing::info!(version = env!("CARGO_PKG_VERSION"), log_dir = ?log_dir, "Peercall starting");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::get_settings,
            commands::save_settings,
        ])
        .run(tauri::generate_context!())
}
