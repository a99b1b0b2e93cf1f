use tauri::AppHandle;

use crate::settings::{self, Settings};
use crate::AppError;

#[tauri::command]
#[specta::specta]
pub fn get_settings(app: AppHandle) -> Result<Settings, AppError> {
    settings::load(&app)
}

#[tauri::command]
#[specta::specta]
pub fn save_settings(app: AppHandle, settings: Settings) -> Result<Settings, AppError> {
    let settings = settings
        .validated()?
        .with_join_code(rand::random())
        .remember_token();
    settings::save(&app, &settings)?;
    tracing::info!(name = %settings.display_name, "settings saved");
    Ok(settings)
}
