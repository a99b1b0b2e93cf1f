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

/// The user typed the join code of the LAN host at `url` again (Settings, before saving):
/// the certificate pinned for it is dropped, so the next connection proves the host's
/// certificate with the code anew (after "the host's certificate changed").
#[tauri::command]
#[specta::specta]
pub fn forget_server_pin(app: AppHandle, url: String) -> Result<(), AppError> {
    let mut pins = settings::server_pins(&app)?;
    if pins.forget(url.trim()) {
        settings::save_server_pins(&app, &pins)?;
        tracing::info!(%url, "forgot the host's pinned certificate: its code proves it again");
    }
    Ok(())
}
