//! Desktop notifications (tauri-plugin-notification). A machine without a notification
//! service only logs: the in-app dialog and ringtone still announce the call.

use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

pub fn incoming_call(app: &AppHandle, caller: &str) {
    let shown = app
        .notification()
        .builder()
        .title("Incoming call")
        .body(format!("{caller} is calling you on Peercall"))
        .show();
    if let Err(err) = shown {
        tracing::debug!(%err, "desktop notification not shown");
    }
}
