//! Settings → "Check connection": the engine's connectivity check (`peercall_engine::doctor`)
//! on the settings in the dialog, off the UI thread; one line per check for the UI.

use peercall_engine::devices::VideoSource;
use peercall_engine::doctor::{self, Check, DoctorConfig, Line, Status};
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Manager};

use crate::call_link;
use crate::local_server;
use crate::settings::{self, Settings};
use crate::state::AppState;
use crate::AppError;

/// What a line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    Server,
    Stun,
    Nat,
    Turn,
    Camera,
    Microphone,
    Speaker,
}

/// How it came out: green, amber, red or grey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Warn,
    Fail,
    Skipped,
}

/// One line of the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckLine {
    pub check: CheckKind,
    /// "Server", "STUN", "NAT", "TURN relay", "Camera"…
    pub label: String,
    pub status: CheckStatus,
    /// What was found, in plain words.
    pub detail: String,
    /// What to do (empty when nothing).
    pub advice: String,
}

impl From<Line> for CheckLine {
    fn from(line: Line) -> Self {
        let check = match line.check {
            Check::Server => CheckKind::Server,
            Check::Stun => CheckKind::Stun,
            Check::Nat => CheckKind::Nat,
            Check::Turn => CheckKind::Turn,
            Check::Camera => CheckKind::Camera,
            Check::Microphone => CheckKind::Microphone,
            Check::Speaker => CheckKind::Speaker,
        };
        let status = match line.status {
            Status::Ok => CheckStatus::Ok,
            Status::Warn => CheckStatus::Warn,
            Status::Fail => CheckStatus::Fail,
            Status::Skipped => CheckStatus::Skipped,
        };
        Self {
            check,
            label: line.check.label().to_owned(),
            status,
            detail: line.detail,
            advice: line.advice,
        }
    }
}

/// Checks the server, STUN, TURN and devices of `settings` (the dialog's, saved or not).
#[tauri::command]
#[specta::specta]
pub async fn check_connection(
    app: AppHandle,
    settings: Settings,
) -> Result<Vec<CheckLine>, AppError> {
    let config = doctor_config(&app, settings).await?;
    let lines = tokio::spawn(doctor::run(config)).await?;
    Ok(lines.into_iter().map(CheckLine::from).collect())
}

/// The check of what a connection with `settings` would use. An empty server URL is the
/// local server this app uses (as saved: a check must not restart it).
async fn doctor_config(app: &AppHandle, settings: Settings) -> Result<DoctorConfig, AppError> {
    let engine = if settings.server_url.trim().is_empty() {
        let saved = settings::load(app)?;
        let runtime = local_server::runtime_dir(app)?;
        let state = app.state::<AppState>();
        let local = state.local_server(&runtime, saved.lan_code()).await?;
        let mut engine = call_link::engine_config(&local.url, &settings);
        local.apply(&mut engine.signaling);
        engine
    } else {
        let settings = settings.clone();
        let mut engine = tokio::task::spawn_blocking(move || {
            call_link::engine_config(&settings.server_url, &settings)
        })
        .await?;
        local_server::fill_from_record(app, &mut engine.signaling);
        let pins = settings::server_pins(app).unwrap_or_default();
        local_server::join::prepare(&mut engine.signaling, &pins);
        engine
    };
    let mut config = DoctorConfig::for_engine(&engine);
    // The system default camera on a machine without one: calls send the test pattern,
    // but the check says there is no camera.
    if engine.video == VideoSource::TestPattern && !settings.camera.contains("test-pattern") {
        config.video = VideoSource::Camera("default".into());
    }
    Ok(config)
}
