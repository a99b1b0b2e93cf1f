//! Desktop notifications (tauri-plugin-notification). A machine without a notification
//! service only logs: the in-app dialog and ringtone still announce the call.

use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

pub fn incoming_call(app: &AppHandle, caller: &str) {
    let shown = app
        .notification()
        .builder()
        .title("Incoming call")
        .body(incoming_call_body(caller))
        .show();
    if let Err(err) = shown {
        tracing::debug!(%err, "desktop notification not shown");
    }
}

/// The notification text. Notification servers on Linux read the body as markup (`<b>`,
/// `<a href>`, `<img src>`), and the name is whatever the caller chose: escaped, it shows as
/// typed instead of becoming a link or an image fetched from anywhere.
fn incoming_call_body(caller: &str) -> String {
    format!("{} is calling you on Peercall", escape_markup(caller))
}

/// Escapes the characters that start or end markup in a notification body.
fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_looks_like_markup_is_shown_as_typed() {
        assert_eq!(
            incoming_call_body("<a href=\"https://x.test\">Bank</a>"),
            "&lt;a href=&quot;https://x.test&quot;&gt;Bank&lt;/a&gt; is calling you on Peercall"
        );
        assert_eq!(
            incoming_call_body("<img src='file:///etc/passwd'>"),
            "&lt;img src=&apos;file:///etc/passwd&apos;&gt; is calling you on Peercall"
        );
        assert_eq!(
            incoming_call_body("Tom & Jerry"),
            "Tom &amp; Jerry is calling you on Peercall"
        );
        assert_eq!(incoming_call_body("Zoë"), "Zoë is calling you on Peercall");
    }
}
