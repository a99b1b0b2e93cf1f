//! Commands the UI invokes. Each is a few lines over the core; errors reach the UI as
//! `{code, message}`.

use serde::Serialize;
use tauri::AppHandle;

use crate::settings::{self, Settings};
use crate::AppError;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    version: &'static str,
}

#[tauri::command]
pub fn app_info() -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
    }
}

#[tauri::command]
pub fn get_settings(app: AppHandle) -> Result<Settings, AppError> {
    settings::load(&app)
}

#[tauri::command]
pub fn save_settings(app: AppHandle, settings: Settings) -> Result<Settings, AppError> {
    let settings = settings.validated()?;
    settings::save(&app, &settings)?;
    tracing::info!(name = %settings.display_name, "settings saved");
    Ok(settings)
}
