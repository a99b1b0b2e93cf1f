//! `tracing` to stderr and to a daily log file in the app's log directory
//! (`~/.local/share/org.peercall.desktop/logs` on Linux), capped in size per day and in
//! days kept ([`crate::log_budget`]). Level via `RUST_LOG`.

use std::path::PathBuf;
use std::sync::Mutex;

use tracing_appender::rolling::{RollingFileAppender, Rotation};

use crate::log_budget::{Capped, DAILY_CAP, KEEP_FILES};

use tauri::{AppHandle, Manager};
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// Installs the global subscriber; returns the log directory when the file log is active.
pub fn init(app: &AppHandle) -> Option<PathBuf> {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let dir = app.path().app_log_dir().ok();
    let file_layer = dir.as_ref().and_then(|dir| {
        std::fs::create_dir_all(dir).ok()?;
        let appender = RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix("peercall.log")
            .max_log_files(KEEP_FILES)
            .build(dir)
            .map_err(|err| eprintln!("log file not opened: {err}"))
            .ok()?;
        Some(
            fmt::layer()
                .with_ansi(false)
                .with_writer(Mutex::new(Capped::new(appender, DAILY_CAP)))
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
