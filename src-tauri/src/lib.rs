//! Peercall's Tauri shell: a thin layer that wires the webview UI to the Rust core.
//!
//! - [`ipc`]: the typed command/event surface (generates `ui/src/bindings.ts`)
//! - [`commands`]: commands by topic, a few lines each
//! - [`state`]: the shell's state in one place (frame bridge, live device checks)
//! - [`devices_check`]: camera preview, mic meter and test sound for the settings dialog
//! - [`settings`]: persistence with tauri-plugin-store
//! - [`logging`]: `tracing` to stderr and a daily log file
//! - [`webkit_renderer`]: WebKitGTK's renderer on a machine without a GPU
//! - [`lan_discovery`]: announcing this app's LAN server, finding the others' (mDNS)

mod call_link;
mod commands;
mod connection;
mod devices_check;
mod error;
mod ipc;
mod lan_discovery;
mod local_server;
mod log_budget;
mod logging;
mod notify;
mod settings;
mod state;
mod ui_events;
mod ui_states;
pub mod webkit_renderer;

pub use error::AppError;

use tauri::Manager;

/// How long quitting waits for the engine to hang up and leave the server.
const LEAVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Builds and runs the app until its last window closes (or SIGTERM/SIGINT); on the way
/// out it hangs up and leaves the signaling server with a clean close, so the others see
/// it leave at once rather than after the server's resume window.
pub fn run() -> Result<(), tauri::Error> {
    let ipc = ipc::builder();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(ipc.invoke_handler())
        .setup(move |app| {
            let log_dir = logging::init(app.handle());
            tracing::info!(version = env!("CARGO_PKG_VERSION"), log_dir = ?log_dir, "Peercall starting");
            tracing::info!(
                value = ?std::env::var_os(webkit_renderer::DMABUF_VAR),
                "{}",
                webkit_renderer::DMABUF_VAR
            );
            ipc.mount_events(app);
            let bridge = tauri::async_runtime::block_on(peercall_bridge::FrameBridge::start())?;
            app.manage(state::AppState::new(bridge));
            quit_on_signal(app.handle().clone());
            lan_discovery::spawn_browser(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            leave(handle);
        }
    });
    Ok(())
}

/// The app is quitting: hang up, say goodbye to the server (bounded), stop the engine.
fn leave(handle: &tauri::AppHandle) {
    let Some(state) = handle.try_state::<state::AppState>() else {
        return;
    };
    let Some(engine) = state.retire_engine() else {
        return;
    };
    // The timer must be made inside the runtime: this runs on the GTK main thread.
    let left = tauri::async_runtime::block_on(async move {
        tokio::time::timeout(LEAVE_TIMEOUT, engine.shutdown()).await
    });
    match left {
        Ok(()) => tracing::info!("left the signaling server"),
        Err(_) => tracing::warn!("leaving the signaling server took over {LEAVE_TIMEOUT:?}"),
    }
}

/// SIGTERM (logout, `kill`) and SIGINT quit like closing the window: through
/// [`tauri::RunEvent::Exit`], so the app still leaves cleanly.
fn quit_on_signal(handle: tauri::AppHandle) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("cannot watch for SIGTERM/SIGINT");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: quitting"),
            _ = int.recv() => tracing::info!("SIGINT: quitting"),
        }
        handle.exit(0);
    });
    #[cfg(not(unix))]
    drop(handle);
}
