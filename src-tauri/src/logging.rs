//! `tracing` to stderr and to a daily log file in the app's log directory
//! (`~/.local/share/org.peercall.desktop/logs` on Linux). Level via `RUST_LOG`.

use std::path::PathBuf;

use tauri::{AppHandle, Manager};
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// Installs the global subscriber; returns the log directory when the file log is active.
pub fn init(app: &AppHandle) -> Option<PathBuf> {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let dir = app.path().app_log_dir().ok();
    let file_layer = dir.as_ref().and_then(|dir| {
        std::fs::create_dir_all(dir).ok()?;
        let appender = tracing_appender::rolling::daily(dir, "peercall.log");
        Some(
            fmt::layer()
                .with_ansi(false)
                .with_writer(appender)
                .with_filter(filter()),
        )
    });
    let stderr_layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let installed = tracing_subscriber::registry()
        .with(stderr_layer)
        .with(file_layer)
        .try_init()
        .is_ok();
    if installed {
        dir
    } else {
        None
    }
}
